"""Study 5's paper (Xu, Tariq, Ahmed, ResNets under 5 million parameters on CIFAR-10,
``../shared/papers/study5_sub5m_resnet_cifar10.txt``): its two models, as built here, and the
numbers it reports."""

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
