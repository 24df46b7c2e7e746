"""Synthetic data in place of a dataset that is not on disk, labelled as such in its notes."""

from __future__ import annotations

from helpers.data.arrays import ImageDataset
from helpers.data.constants import CLASS_NAMES, NATIVE_IMAGE_SIZES
from helpers.data.datasets import load_dataset
from helpers.data.options import GREY_DATASETS, DataOptions


def synthetic_stand_in_for(name: str, options: DataOptions) -> ImageDataset:
    """Synthetic data with the class count and image shape that ``name`` would have had, loaded
    with ``options``' normalisation, validation split and seed."""
    classes = CLASS_NAMES[name]
    grey = name in GREY_DATASETS and not options.to_rgb
    train_per_class = options.train_per_class or 50
    test_per_class = options.test_per_class or 20
    synthetic = {
        "num_classes": len(classes),
        "image_size": options.image_size or NATIVE_IMAGE_SIZES[name],
        "channels": 1 if grey else 3,
        "train_size": round(train_per_class * len(classes) / (1 - options.val_fraction)),
        "test_size": test_per_class * len(classes),
    }
    data = load_dataset("synthetic", DataOptions(synthetic_options=synthetic, val_fraction=options.val_fraction,
                                                 normalization=options.normalization, seed=options.seed))
    note = f"SYNTHETIC STAND-IN for {name}: the real data was not found, so these numbers say nothing about {name}"
    origin = {"dataset": name, "kind": "synthetic stand-in", "path": None, "samples": False}
    return data.with_changes(name=name, classes=classes, notes=(note, *data.notes), origin=origin)
