"""Study 2's paper (Lu and Song, "Research on image classification based on ResNet",
``../shared/papers/study2_resnet_vs_lenet_alexnet.txt``): the numbers it reports, what its text
says about them, its figures, and its claims (:data:`CLAIMS`, one row each in the claims ledger)."""

from helpers.studies.common.claims import Claim

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

# Outside references, checked: LeCun et al. 1998 (Proc. IEEE 86(11)) report 0.95 % test error for LeNet-5 on
# MNIST (as summarised at https://awesome.papernotes.org/en/era1_foundations/1998_lenet/); kuangliu's
# pytorch-cifar README reports 93.02 % for ResNet-18 on CIFAR-10 (SGD, 350 epochs).
LENET_MNIST_REFERENCE = ("LeNet-5: 0.95 % test error on MNIST, i.e. 99.05 % (LeCun et al. 1998; "
                         "awesome.papernotes.org/en/era1_foundations/1998_lenet)")
RESNET_CIFAR_REFERENCE = ("ResNet-18 (CIFAR stem): 93.02 % on CIFAR-10 after 350 epochs of SGD "
                          "(github.com/kuangliu/pytorch-cifar, README)")
RIVALS = ("LeNet", "AlexNet")
COMPARED_DATASETS = ("MNIST", "CIFAR-10")


def _percent(model: str, column: str) -> float:
    return PAPER_BEST_PERCENT[model][TABLE1_COLUMNS.index(column)]


def _comparison_claim(dataset: str, other: str) -> Claim:
    resnet, rival = _percent("ResNet", f"{dataset} test"), _percent(other, f"{dataset} test")
    reference = {("MNIST", "LeNet"): LENET_MNIST_REFERENCE}.get((dataset, other),
                                                                RESNET_CIFAR_REFERENCE if dataset == "CIFAR-10" else "")
    return Claim(
        key=f"resnet_over_{other.lower()}_{dataset.lower().replace('-', '')}",
        statement=f"The ResNet classifies {dataset} test images better than {other}",
        where=f"Table 1; abstract; {QUOTES['conclusion_better'][0]}",
        evidence=(f"Table 1, highest test accuracy (best epoch chosen on test, one run each): ResNet {resnet:.3f} % vs "
                  f"{other} {rival:.3f} % ({resnet - rival:+.3f} points)"),
        reference=reference)


def _train_test(model: str) -> str:
    return ", ".join(f"{dataset} {_percent(model, f'{dataset} train'):.3f} / {_percent(model, f'{dataset} test'):.3f}"
                     for dataset in COMPARED_DATASETS)


def _quoted(key: str) -> tuple[str, str]:
    where, text = QUOTES[key]
    return f"\"{text}\"", where


# The paper's claims, in the ledger's order: the four comparisons of Table 1, then what the text
# says about them where the paper's own numbers (or, for speed, this run's) bear on it.
CLAIMS = (
    *(_comparison_claim(dataset, other) for dataset in COMPARED_DATASETS for other in RIVALS),
    Claim("mnist_train_middle", *_quoted("mnist_train_middle"),
          evidence=f"Table 1, MNIST train: ResNet {_percent('ResNet', 'MNIST train'):.3f} %, AlexNet "
                   f"{_percent('AlexNet', 'MNIST train'):.3f} %, LeNet {_percent('LeNet', 'MNIST train'):.3f} %"),
    Claim("resnet_alexnet_about_the_same",
          f"{_quoted('mnist_test_similar')[0]} (MNIST); {_quoted('cifar_test_same')[0]} (CIFAR-10)",
          f"{QUOTES['mnist_test_similar'][0]}; {QUOTES['cifar_test_same'][0]}; against "
          f"{QUOTES['conclusion_better'][0]}: {_quoted('conclusion_better')[0]}",
          evidence="Table 1, test: ResNet minus AlexNet " + ", ".join(
              f"{_percent('ResNet', f'{dataset} test') - _percent('AlexNet', f'{dataset} test'):+.3f} points on "
              f"{dataset}" for dataset in COMPARED_DATASETS) + f" (one run each, {PAPER_TEST_IMAGES:,} test images)"),
    Claim("mnist_simplicity", *_quoted("mnist_simplicity"),
          evidence="Table 1, test: " + "; ".join(
              f"{model} minus LeNet " + ", ".join(
                  f"{_percent(model, f'{dataset} test') - _percent('LeNet', f'{dataset} test'):+.3f} points on "
                  f"{dataset}"
                  for dataset in COMPARED_DATASETS) for model in ("ResNet", "AlexNet"))),
    Claim("generalization", *_quoted("generalization"),
          evidence="Table 1, train / test (%): " + "; ".join(f"{model} {_train_test(model)}"
                                                            for model in PAPER_BEST_PERCENT)),
    Claim("fewer_parameters_faster", *_quoted("fewer_parameters"),
          evidence=f"no parameter count or timing; {QUOTES['more_resources'][0]} says the opposite: "
                   f"{_quoted('more_resources')[0]}"),
)
