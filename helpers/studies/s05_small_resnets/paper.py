"""Study 5's paper (Xu, Tariq, Ahmed, ResNets under 5 million parameters on CIFAR-10,
``../shared/papers/study5_sub5m_resnet_cifar10.txt``): its two models, as built here, and the
numbers it reports, what its text says about them, and its figures."""

MODELS = {"ResNet18": "resnet18_narrow", "ResNetLarge": "resnet_large"}  # paper name -> registry name
INPUT_SIZE = (3, 32, 32)

PAPER_BATCH_SIZE = 64  # "a batch size of 64"
# Table 1.
PAPER_EPOCHS = {"ResNet18": 80, "ResNetLarge": 120}
PAPER_OPTIMIZERS = {"ResNet18": "AdamW", "ResNetLarge": "SGD"}
PAPER_PARAMS = {"ResNet18": 4_815_940, "ResNetLarge": 4_903_242}
PAPER_TEST_TOP1 = {"ResNet18": 0.9302, "ResNetLarge": 0.9273}
PAPER_TRAIN_TOP1 = {"ResNet18": 0.9798, "ResNetLarge": 0.9822}
# Figures 2-3 as printed (torchsummary): rows, and the size estimates in MB.
PAPER_LAYER_TABLES = {
    "ResNet18": {"rows": 57, "forward_backward_mb": 8.61, "params_size_mb": 18.37, "total_size_mb": 27.00},
    "ResNetLarge": {"rows": 30, "forward_backward_mb": 6.57, "params_size_mb": 18.70, "total_size_mb": 25.28},
}
# Section "Results": the scores on the course's Kaggle competition, whose hidden test set the paper
# does not describe; they disagree with Table 1's test accuracies and rank the models the other way.
PAPER_KAGGLE_TOP1 = {"ResNet18": 0.812, "ResNetLarge": 0.813}
# CIFAR-10's official test split (Table 1's test accuracy; one run per model).
PAPER_TEST_IMAGES = 10_000
# "after 40 epochs, very slight improvement in accuracy is taking place" (Results, on Figures 6 and 9).
PAPER_PLATEAU_EPOCH = 40

# What the text says, verbatim, where its own numbers bear on it (see :mod:`helpers.studies.s05_small_resnets.findings`).
QUOTES = {
    "kaggle": ("Results", "The ResNetLarge model with 4.9 million parameters performs slightly better with an accuracy "
               "of 81.3% on Kaggle. Our ResNet18 model has an accuracy of 81.2 on Kaggle"),
    "eighty": ("Leanings as part of the project", "Our several iterations were not able to cross the 80% suggested "
               "accuracy"),
    "plateau": ("Results", "It helps us visualised that after 40 epochs, very slight improvement in accuracy is "
                "taking place"),
}

# The paper's table and figures: name -> (what it shows, reproduced here?, where / why not).
PAPER_ITEMS = {
    "Figure 1": ("'ResNet Model': a diagram of a residual network", False,
                 "an illustration of the architecture, not a result; Figures 2-3 give both models layer by layer"),
    "Figure 2": ("ResNet18 layer table (torchsummary)", True, "the ResNet18 layer table and the check against it"),
    "Figure 3": ("ResNetLarge layer table (torchsummary)", True, "the ResNetLarge layer table and the check against it"),
    "Table 1": ("epochs, optimiser, parameters, final test and train accuracy", True,
                "Table 1 in the paper's form, and its accuracies paper vs this run"),
    "Figure 4": ("ResNet18 test confusion matrix", True, "figure fig4_resnet18_confusion"),
    "Figure 5": ("ResNet18's dynamic learning rate", True, "figure fig5_resnet18_learning_rate (one-cycle, chosen: "
                 "the paper does not name its schedule)"),
    "Figure 6": ("ResNet18 accuracy and loss per epoch", True, "figures fig6_resnet18_accuracy and fig6_resnet18_loss"),
    "Figure 7": ("ResNetLarge validation accuracy over learning rate x momentum", True,
                 "figure fig7_resnetlarge_grid (the grid's values: chosen, the paper does not give them)"),
    "Figure 8": ("ResNetLarge test confusion matrix", True, "figure fig8_resnetlarge_confusion"),
    "Figure 9": ("ResNetLarge accuracy and loss per epoch", True, "figures fig9_resnetlarge_accuracy and "
                 "fig9_resnetlarge_loss"),
}
