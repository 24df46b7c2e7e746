"""Study 3's paper (Kittipipatthanapong 2023, "Deep Residual Learning for Enhanced Image
Classification Across Diverse Datasets", ``../shared/papers/study3_cross_dataset.txt``): the models
and datasets it compares, as built here, and the numbers it reports."""

from typing import Any

# Display name -> (registry name, model options). AlexNet without dropout: "dropout techniques
# were not utilized" (Section 3.3). ResNets use the library's default CIFAR stem (chosen).
MODELS: dict[str, tuple[str, dict[str, Any]]] = {
    "AlexNet": ("alexnet", {"dropout": 0.0}),
    "VGG19": ("vgg19", {}),
    "ResNet-18": ("resnet18", {}),
    "ResNet-34": ("resnet34", {}),
    "ResNet-50": ("resnet50", {}),
}
DATASETS = {"Fashion-MNIST": "fashion_mnist", "CIFAR-10": "cifar10", "CIFAR-100": "cifar100"}
RESNETS = ("ResNet-18", "ResNet-34", "ResNet-50")
PLAIN_NETWORKS = ("AlexNet", "VGG19")

# Table 1. Accuracies as fractions; parameter counts as printed (rounded to millions).
PAPER_LAYERS = {"AlexNet": 9, "VGG19": 19, "ResNet-18": 18, "ResNet-34": 34, "ResNet-50": 50}
PAPER_PARAMS = {"AlexNet": 56_000_000, "VGG19": 20_000_000, "ResNet-18": 11_000_000,
                "ResNet-34": 21_000_000, "ResNet-50": 23_000_000}
PAPER_TEST_TOP1 = {
    "Fashion-MNIST": {"AlexNet": 0.894, "VGG19": 0.896, "ResNet-18": 0.934, "ResNet-34": 0.937, "ResNet-50": 0.933},
    "CIFAR-10": {"AlexNet": 0.776, "VGG19": 0.747, "ResNet-18": 0.893, "ResNet-34": 0.896, "ResNet-50": 0.892},
    "CIFAR-100": {"AlexNet": 0.400, "VGG19": 0.479, "ResNet-18": 0.657, "ResNet-34": 0.652, "ResNet-50": 0.656},
}
# The abstract's ResNet-18 numbers disagree with Table 1 (they are Table 1's ResNet-34 column on
# Fashion-MNIST and CIFAR-10, and its ResNet-34 CIFAR-100 cell); Section 4.2 gives a third value.
PAPER_ABSTRACT_RESNET18 = {"Fashion-MNIST": 0.937, "CIFAR-10": 0.896, "CIFAR-100": 0.652}
PAPER_TEXT_RESNET18 = {"Fashion-MNIST": 0.936}
# The official test sets have 10,000 images each; the paper reports one run per cell.
PAPER_TEST_IMAGES = 10_000

# What the text says, verbatim, where its own Table 1 bears on it (see
# :mod:`helpers.studies.s03_cross_dataset.findings`).
QUOTES = {
    "abstract_resnet18": ("Abstract", "ResNet18 emerged as the standout performer, demonstrating exceptional "
                          "performance across all tested datasets"),
    "fashion_identical": ("Section 4.2", "manifested almost identical performance levels across all the evaluated "
                          "models"),
    "fashion_marginal": ("Section 4.2", "leading to only a marginal increase in performance"),
    "simpler_models": ("Section 4.2", "Simpler models, such as AlexNet and VGG19"),
    "cifar100_resolution": ("Section 4.2", "The CIFAR-100 dataset, with its high-resolution color images"),
    "widening": ("Sections 4.2 and 5", "their performance tends to deteriorate markedly as the complexity of the "
                 "task at hand increases"),
}
IMAGE_SIDE = {"Fashion-MNIST": 28, "CIFAR-10": 32, "CIFAR-100": 32}  # Section 4.1: pixels per side

# The paper's figures: number -> what it shows. All five are illustrations taken from He et al.
# 2016 and Li et al. 2018; none is a result of the paper's experiments.
FIGURES = {
    1: "training and test error of plain networks on CIFAR-10 (the degradation problem), from He et al. 2016",
    2: "a residual block (diagram), from He et al. 2016",
    3: "loss surfaces with and without skip connections, from Li et al. 2018",
    4: "VGG-19, a 34-layer plain network and ResNet-34 (architecture diagram), from He et al. 2016",
    5: "basic and bottleneck blocks (diagram), from He et al. 2016",
}
