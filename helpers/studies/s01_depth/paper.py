"""Study 1's paper (Xu, "Image Classification Based on ResNet Models",
``../shared/papers/study1_resnet18_vs_resnet50_cifar10.txt``): the numbers it reports, what its
text says about them, its claims (:data:`CLAIMS`, one ledger row each) and its tables and figures."""

from helpers.statistics.uncertainty import binomial_se
from helpers.studies.common.claims import Claim

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

# An outside reference at full budget, checked in the repository itself (README at commit 00166a38,
# models/resnet.py): the CIFAR stem (3x3 conv, stride 1, no max pool), SGD at lr 0.1 / 0.01 / 0.001 over
# epochs 0-150 / 150-250 / 250-350; one run each, no uncertainty stated.
KUANGLIU_TOP1 = {"ResNet-18": 0.9302, "ResNet-50": 0.9362}
KUANGLIU_SOURCE = "kuangliu/pytorch-cifar README (commit 00166a38; CIFAR stem, 350 epochs of SGD, one run each)"
_REFERENCE = (f"{KUANGLIU_SOURCE}: ResNet18 {100 * KUANGLIU_TOP1['ResNet-18']:.2f} %, ResNet50 "
              f"{100 * KUANGLIU_TOP1['ResNet-50']:.2f} % (ResNet-50 ahead by "
              f"{100 * (KUANGLIU_TOP1['ResNet-50'] - KUANGLIU_TOP1['ResNet-18']):.2f} points)")
_PAPER_GAP = (f"test top-1 {PAPER_TEST_TOP1['ResNet-18']} vs {PAPER_TEST_TOP1['ResNet-50']} "
              f"({100 * (PAPER_TEST_TOP1['ResNet-18'] - PAPER_TEST_TOP1['ResNet-50']):+.2f} points), one run each, "
              f"{PAPER_EPOCHS_TOTAL} epochs, {PAPER_TEST_IMAGES:,} test images")
# The paper's claims, one ledger row each (helpers.studies.s01_depth.findings.claims_ledger). The
# ordering is judged with the stem the paper describes; the CIFAR stem, the usual one at 32 px, is a
# second row of ours.
CLAIMS = (
    Claim("depth_imagenet_stem", "ResNet-18 beats ResNet-50 on CIFAR-10 (with the ImageNet stem the paper describes)",
          "Abstract; Section 4", _PAPER_GAP, _REFERENCE),
    Claim("depth_cifar_stem", "ResNet-18 beats ResNet-50 on CIFAR-10, tried with the CIFAR stem (3x3 conv, stride 1, "
          "no max pool; not the paper's stem)", "Abstract; Section 4 (our second row)", _PAPER_GAP, _REFERENCE),
    *(Claim(f"{MODELS[model]}_test_top1", f"{model} reaches test accuracy {value} after {PAPER_EPOCHS_TOTAL} epochs",
            "Abstract; Section 4",
            f"{value} (one run; ± {100 * binomial_se(value, PAPER_TEST_IMAGES):.2f} points, the binomial SE of "
            f"{PAPER_TEST_IMAGES:,} test images)",
            f"{KUANGLIU_SOURCE}: {100 * KUANGLIU_TOP1[model]:.2f} %") for model, value in PAPER_TEST_TOP1.items()),
    Claim("overfitting", "ResNet-50 is more prone to overfitting (the paper's explanation of its lower accuracy)",
          QUOTES["overfitting"][0], "Tables 1-2 (train accuracy at epoch 91) and the test accuracies"),
    Claim("first_epoch_loss", "ResNet-50's training loss starts at 5.3736 (epoch 1) on the 10-class task",
          QUOTES["first_loss"][0], "Table 2, epoch 1: loss 5.3736, accuracy 0.0989"),
)
