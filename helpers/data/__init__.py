"""Datasets by name, splits, subsets, normalisation constants and on-device batch augmentation.

``load_dataset(name, DataOptions(...))`` returns an :class:`ImageDataset` of uint8 tensors;
``augment_batch`` and ``normalize`` turn a batch of them into model input on whatever device it
lives on.

The names below are imported on first use (PEP 562), so that the torch-free modules of this
package (:mod:`helpers.data.locate`, :mod:`helpers.data.constants`, :mod:`helpers.data.options`)
can be used by the batch tooling without loading torch.
"""

from importlib import import_module

_EXPORTS = {
    "ChannelStats": "helpers.data.constants",
    "DATASET_STATS": "helpers.data.constants",
    "HALF_STATS": "helpers.data.constants",
    "IMAGENET_STATS": "helpers.data.constants",
    "ImageDataset": "helpers.data.arrays",
    "DataOptions": "helpers.data.options",
    "augment_batch": "helpers.data.augment",
    "mixup": "helpers.data.augment",
    "normalize": "helpers.data.augment",
    "available_datasets": "helpers.data.datasets",
    "balanced_subset": "helpers.data.splits",
    "load_dataset": "helpers.data.datasets",
    "resize_images": "helpers.data.datasets",
    "stratified_split": "helpers.data.splits",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'helpers.data' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
