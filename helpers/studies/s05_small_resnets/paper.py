"""Study 5's paper (Xu, Tariq, Ahmed, ResNets under 5 million parameters on CIFAR-10,
``../shared/papers/study5_sub5m_resnet_cifar10.txt``): its two models, as built here, and the
numbers it reports, what its text says about them, and its figures; its claims (:data:`CLAIMS`), each
with where it stands and the paper's evidence, and the outside references checked for them."""

from helpers.studies.common.claims import Claim

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

# What the text says, verbatim, where its own numbers bear on it
# (see :mod:`helpers.studies.s05_small_resnets.contradictions`).
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

# The paper's training set: CIFAR-10's 50,000 training images, each epoch with its augmented copy
# concatenated ("We combined the transformed and original datasets using PyTorch's ConcatDataset").
PAPER_TRAIN_IMAGES = 50_000
PAPER_CONCAT_ORIGINAL = True
FIVE_MILLION = 5_000_000  # the paper's parameter limit (Abstract)

# Outside references, checked against their sources.
HE_2016 = ("He et al. 2016 (arXiv:1512.03385), Table 6: CIFAR-10 ResNet-20/32/44/56/110 (0.27-1.7 M parameters) "
           "test error 8.75/7.51/7.17/6.97/6.43 %, i.e. 91.25-93.57 % accuracy (flip and 4-pixel crop, about 160 "
           "epochs); akamaster/pytorch_resnet_cifar10 reproduces 8.27/7.37/6.90/6.61/6.32 %")
KUANGLIU = ("kuangliu/pytorch-cifar (README), the repository the paper says it started from, lists 93.02 % for its "
            "ResNet18 (widths 64-512, about 11.2 M parameters): the very number of Table 1")

CLAIMS = (
    Claim("params_under_5m", "Both models stay under 5 million trainable parameters: 4,815,940 (ResNet18) and "
          "4,903,242 (ResNetLarge)", "Abstract; Figures 2 and 3",
          "torchsummary tables of both models: 4,815,940 and 4,903,242 trainable parameters"),
    Claim("resnet18_accuracy", "ResNet18 (under 5 M parameters) reaches 93.02 % test accuracy",
          "Table 1", "93.02 % final test accuracy, one run, AdamW, 80 epochs, batch 64, augmented and original "
          "images concatenated", reference=f"{KUANGLIU}; {HE_2016}"),
    Claim("resnetlarge_accuracy", "ResNetLarge (under 5 M parameters) reaches 92.73 % test accuracy",
          "Table 1", "92.73 % final test accuracy, one run, SGD at the grid's learning rate and momentum, 120 epochs, "
          "batch 64, augmented and original images concatenated", reference=HE_2016),
    Claim("ordering", "\"The ResNetLarge model with 4.9 million parameters performs slightly better\" than ResNet18 "
          "(four stages of one block, widths 64-512, against two blocks per stage, widths 42-336)", "Results",
          "Kaggle 81.3 % vs 81.2 % (ResNetLarge ahead); Table 1 puts ResNet18 ahead instead, 93.02 % vs 92.73 %, "
          "each model trained with its own recipe"),
    Claim("grid_search", "\"it is necessary to find the best combination of our parameters like: Momentum, Learning "
          "Rate [...] in order to achieve a good accuracy\": the grid's best point beats the others",
          "Leanings as part of the project; Figure 7",
          "Figure 7: validation accuracy over learning rate x momentum (values not given in the text)"),
    Claim("augmentation", "The \"powerful data augmentation strategy\" (rotation, flip, crop, colour jitter, "
          "translation, concatenated with the originals) raises test accuracy", "Training Approach; Data Augmentation",
          "no ablation: the text credits it with crossing 80 % on Kaggle"),
    Claim("concatenation", "Concatenating the augmented and the original training images (ConcatDataset) makes \"a "
          "richer, more diverse training dataset\" (better than the augmented images alone)", "Data Augmentation",
          "no ablation"),
    Claim("kaggle_vs_table1", "The paper's two test accuracies per model agree: Table 1 (93.02 / 92.73 %) and the "
          "Kaggle scores (81.2 / 81.3 %)", "Table 1; Results; Leanings as part of the project",
          "Table 1: 93.02 % and 92.73 %; Results: 81.2 % and 81.3 % on Kaggle; \"not able to cross the 80% "
          "suggested accuracy\""),
    Claim("plateau", f"\"{QUOTES['plateau'][1]}\"", "Results (Figures 6 and 9)",
          "the accuracy curves of Figures 6 and 9 (80 and 120 epochs), no numbers"),
)
