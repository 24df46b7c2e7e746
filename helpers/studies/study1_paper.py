"""Study 1's paper (Xu, "Image Classification Based on ResNet Models",
``../shared/papers/study1_resnet18_vs_resnet50_cifar10.txt``): the numbers it reports."""

PAPER_EPOCHS_TOTAL = 100
# Tables 1 and 2: training loss and training accuracy every 10 epochs.
PAPER_EPOCHS = (1, 11, 21, 31, 41, 51, 61, 71, 81, 91)
PAPER_TRAIN_LOSS = {
    "ResNet-18": (1.8464, 0.7212, 0.5342, 0.4382, 0.3681, 0.3245, 0.2831, 0.2503, 0.2249, 0.2006),
    "ResNet-50": (5.3736, 1.8222, 1.3513, 1.0735, 0.8822, 0.7540, 0.6581, 0.5926, 0.5149, 0.4618),
}
PAPER_TRAIN_TOP1 = {
    "ResNet-18": (0.3311, 0.7497, 0.8123, 0.8449, 0.8695, 0.8841, 0.8986, 0.9108, 0.9194, 0.9286),
    "ResNet-50": (0.0989, 0.2828, 0.5106, 0.6174, 0.6905, 0.7358, 0.7689, 0.7924, 0.8192, 0.8377),
}
# Test accuracy (abstract and the results section).
PAPER_TEST_TOP1 = {"ResNet-18": 0.8294, "ResNet-50": 0.7604}
