"""Synthetic data in place of a dataset that is not on disk, labelled as such in its notes."""

from __future__ import annotations

from typing import Any

from helpers.data.arrays import ImageDataset
from helpers.data.constants import CLASS_NAMES
from helpers.data.datasets import load_dataset

def synthetic_stand_in_for(name: str, dataset_options: dict[str, Any]) -> ImageDataset:
    """Synthetic data with the class count and image shape that ``name`` would have had."""
    classes = CLASS_NAMES[name]
    grey = name in ("mnist", "fashion_mnist") and not dataset_options.get("to_rgb", False)
    natural_size = {"mnist": 28, "fashion_mnist": 28, "caltech101": 64}.get(name, 32)
    train_per_class = dataset_options.get("train_per_class") or 50
    test_per_class = dataset_options.get("test_per_class") or 20
    val_fraction = dataset_options.get("val_fraction", 0.0)
    options = {
        "num_classes": len(classes),
        "image_size": dataset_options.get("image_size") or natural_size,
        "channels": 1 if grey else 3,
        "train_size": round(train_per_class * len(classes) / (1 - val_fraction)),
        "test_size": test_per_class * len(classes),
    }
    data = load_dataset("synthetic", synthetic_options=options, val_fraction=val_fraction,
                        normalization=dataset_options.get("normalization", "dataset"),
                        seed=dataset_options.get("seed", 0))
    note = f"SYNTHETIC STAND-IN for {name}: the real data was not found, so these numbers say nothing about {name}"
    origin = {"dataset": name, "kind": "synthetic stand-in", "path": None, "samples": False}
    return data.with_changes(name=name, classes=classes, notes=(note, *data.notes), origin=origin)


