"""Study 2's paper (Lu and Song, "Research on image classification based on ResNet",
``../shared/papers/study2_resnet_vs_lenet_alexnet.txt``): the numbers it reports, what its text
says about them, and its figures."""

# Table 1: the highest accuracy reached during training, in percent.
TABLE1_COLUMNS = ("MNIST train", "MNIST test", "CIFAR-10 train", "CIFAR-10 test")
PAPER_BEST_PERCENT = {
    "ResNet": (100.000, 99.665, 92.890, 86.600),
    "LeNet": (99.523, 99.110, 80.594, 63.470),
    "AlexNet": (100.000, 99.440, 99.974, 84.140),
}
# The abstract: the ResNet's highest test accuracy minus the other network's, in points.
PAPER_DIFFERENCES_POINTS = {
    ("LeNet", "MNIST"): 0.555, ("AlexNet", "MNIST"): 0.225,
    ("LeNet", "CIFAR-10"): 23.13, ("AlexNet", "CIFAR-10"): 2.46,
}
# Section 4: "10,000 test samples" (MNIST); CIFAR-10's official test split has 10,000 images too.
PAPER_TEST_IMAGES = 10_000

# What the text says, verbatim, where its own numbers bear on it (see helpers.studies.s02_plain_nets.findings).
QUOTES = {
    "mnist_train_middle": ("Section 4, on MNIST", "the effect of deep residual network on the training set is in the "
                           "middle, which is not as high as AlexNet's training accuracy"),
    "mnist_test_similar": ("Section 4, on MNIST", "in the test set, the accuracy of deep residual network is similar "
                           "to AlexNet's"),
    "cifar_test_same": ("Section 4, on CIFAR-10", "the accuracy of the deep residual network and AlexNet on the test "
                        "set is about the same"),
    "conclusion_better": ("Section 5", "the deep residual network achieves better results on the MNIST dataset and "
                          "CIFAR-10 dataset than LeNet and AlexNet"),
    "mnist_simplicity": ("Section 4", "Deep residual networks and AlexNet perform better than LeNet on MNIST data sets "
                         "because of the relative simplicity and standardization of MNIST data sets"),
    "generalization": ("Section 4", "deep residual networks exhibit better generalization ability on test sets"),
    "fewer_parameters": ("Section 2", "It has fewer parameters, simpler network structure, and faster training speed"),
    "more_resources": ("Section 5", "Deep residual networks require more computational resources"),
}

# The paper's figures: number -> (what it shows, reproduced here?, why not / where).
FIGURES = {
    1: ("basic structure of a convolutional network (diagram)", False,
        "an illustration of a generic CNN, not a result"),
    2: ("residual block beside a plain block (diagram)", False,
        "an illustration of the residual connection, not a result"),
    3: ("sample MNIST digits", False, "sample images of the dataset, not a result"),
    4: ("train and test accuracy per epoch on MNIST", True, "figures fig4_mnist_train_accuracy and "
        "fig4_mnist_test_accuracy"),
    5: ("sample CIFAR-10 images", False, "sample images of the dataset, not a result"),
    6: ("train and test accuracy per epoch on CIFAR-10", True, "figures fig6_cifar10_train_accuracy and "
        "fig6_cifar10_test_accuracy"),
}
