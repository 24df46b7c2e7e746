"""helpers: a small, fast library behind the five ResNet study notebooks.

Sub-packages, each importable without side effects:

- ``helpers.data``: datasets by name, splits, subsets, normalisation and on-device batch augmentation.
- ``helpers.models``: a registry of LeNet-5, AlexNet, VGG19 and configurable ResNets.
- ``helpers.train``: the training loop, its frozen config and a command line.
- ``helpers.evaluate``: predictions and pure metric functions.
- ``helpers.plots``: figures built from data, returned as matplotlib Figures.
- ``helpers.compare``: a paper's reported numbers beside this run's.
"""

__version__ = "0.1.0"
