"""helpers: a small, fast library behind the five ResNet study notebooks.

Four layers, each importing only from those below it (docs/design.md draws them):

- the library: ``helpers.data`` (datasets by name, splits, subsets, normalisation, on-device batch
  augmentation), ``helpers.models`` (a registry of LeNet-5, AlexNet, VGG19 and configurable
  ResNets), ``helpers.train`` (the training loop), ``helpers.statistics`` (uncertainty of
  accuracies and of their differences), and the shared modules at this level (``config``,
  ``evaluate``, ``plots``, ``io``, ``errors``, ``commands``, ``device``, ``provenance``, ``units``);
- ``helpers.runs``: a run on disk, executing runs, torchrun and ``python -m helpers.runs``;
- ``helpers.studies``: the registry of studies, ``common/`` and one package per study;
- ``helpers.batch``: papermill, HTML reports, the index and publishing (loads no torch).
"""

__version__ = "0.1.0"
