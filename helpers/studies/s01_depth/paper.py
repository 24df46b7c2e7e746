"""Study 1's paper (Xu, "Image Classification Based on ResNet Models",
``../shared/papers/study1_resnet18_vs_resnet50_cifar10.txt``): the numbers it reports, what its
text says about them, and its tables and figures."""

MODELS = {"ResNet-18": "resnet18", "ResNet-50": "resnet50"}  # display name -> registry name
STEMS = {"imagenet": "ImageNet stem", "cifar": "CIFAR stem"}  # imagenet: the paper's description (Section 2.1)
PAPER_STEM = "imagenet"  # the stem the paper describes: its numbers belong to it

PAPER_EPOCHS_TOTAL = 100
# Tables 1 and 2: training loss and training accuracy every 10 epochs (the last listed is 91).
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
# Section 3.1: "a training set with a size of 50000 and a testing set with a size of 10000"; one run
# per network, so the paper's own accuracies carry the binomial standard error of these sizes.
PAPER_TRAIN_IMAGES = 50_000
PAPER_TEST_IMAGES = 10_000
NUM_CLASSES = 10

# What the text says, verbatim, where its own numbers bear on it (see helpers.studies.s01_depth.findings).
QUOTES = {
    "overfitting": ("Section 4", "One possible reason for this outcome could be overfitting. ResNet50 has a "
                    "significantly larger number of parameters compared to ResNet18. With the limited size of the "
                    "CIFAR10 dataset, it is possible that ResNet50 is more prone to overfitting"),
    "first_loss": ("Abstract and Table 2", "for ResNet50, training loss went from 5.3736 to 0.4618"),
}

# The paper's tables and figures: name -> (what it shows, reproduced here?, where / why not).
PAPER_ITEMS = {
    "Table 1": ("ResNet-18 training loss and accuracy at epochs 1, 11, ..., 91", True,
                "table 'Table 1' (table1_resnet18_training), this run's values beside the paper's"),
    "Table 2": ("ResNet-50 training loss and accuracy at epochs 1, 11, ..., 91", True,
                "table 'Table 2' (table2_resnet50_training)"),
    "Figure 1": ("ResNet-18 training loss and accuracy per epoch (Table 1 plotted)", True,
                 "figures fig1_resnet18_loss and fig1_resnet18_accuracy, with this run's train and test curves"),
    "Figure 2": ("ResNet-50 training loss and accuracy per epoch (Table 2 plotted)", True,
                 "figures fig2_resnet50_loss and fig2_resnet50_accuracy"),
}
