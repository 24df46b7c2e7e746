"""Datasets by name, splits, subsets, normalisation constants and on-device batch augmentation.

``load_dataset(name, ...)`` returns an :class:`ImageDataset` of uint8 tensors; ``augment_batch``
and ``normalize`` turn a batch of them into model input on whatever device it lives on.
"""

from helpers.data.arrays import ImageDataset
from helpers.data.augment import augment_batch, mixup, normalize
from helpers.data.constants import DATASET_STATS, HALF_STATS, ChannelStats
from helpers.data.datasets import available_datasets, balanced_subset, load_dataset, resize_images, stratified_split

__all__ = [
    "ChannelStats",
    "DATASET_STATS",
    "HALF_STATS",
    "ImageDataset",
    "augment_batch",
    "available_datasets",
    "balanced_subset",
    "load_dataset",
    "mixup",
    "normalize",
    "resize_images",
    "stratified_split",
]
