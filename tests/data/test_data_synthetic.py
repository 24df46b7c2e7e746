"""helpers.data.synthetic through load_dataset: deterministic, sized as asked, and learnable; and
helpers.data.stand_in: synthetic data shaped like a dataset that is not there, saying so."""

from __future__ import annotations

import pytest
import torch

from data_support import isolated_lookup  # noqa: F401 - autouse: no test sees the real data folders
from helpers.data import DataOptions, load_dataset
from helpers.data.stand_in import synthetic_stand_in_for
from helpers.errors import UnknownNameError


def test_synthetic_is_deterministic_and_sized():
    options = {"num_classes": 7, "image_size": 12, "channels": 1, "train_size": 70, "test_size": 21}
    first = load_dataset("synthetic", synthetic_options=options, seed=3)
    second = load_dataset("synthetic", synthetic_options=options, seed=3)
    assert first.x_train.shape == (70, 1, 12, 12) and first.x_test.shape == (21, 1, 12, 12) and first.num_classes == 7
    assert torch.equal(first.x_train, second.x_train) and torch.equal(first.y_test, second.y_test)
    assert not torch.equal(first.x_train, load_dataset("synthetic", synthetic_options=options, seed=4).x_train)
    assert torch.bincount(first.y_train).tolist() == [10] * 7
    assert any("synthetic" in note for note in first.notes)
    images = first.x_train.double() / 255  # 'dataset' normalisation is measured on the training images
    assert first.mean[0] == pytest.approx(images.mean().item(), abs=1e-4)
    assert first.std[0] == pytest.approx(images.std().item(), abs=1e-3)


def test_synthetic_classes_are_learnable():
    data = load_dataset("synthetic", synthetic_options={"num_classes": 10, "train_size": 500, "test_size": 200})
    x_train, x_test = data.x_train.float().flatten(1), data.x_test.float().flatten(1)
    centroids = torch.stack([x_train[data.y_train == label].mean(0) for label in range(10)])
    assert torch.cdist(centroids, centroids).fill_diagonal_(float("inf")).min() > 50  # class means differ
    predictions = torch.cdist(x_test, centroids).argmin(1)  # nearest class mean: a learnability floor
    assert (predictions == data.y_test).float().mean() > 0.5


def test_synthetic_rejects_unknown_option():
    with pytest.raises(UnknownNameError, match="synthetic option 'classes'"):
        load_dataset("synthetic", synthetic_options={"classes": 3})


def test_a_stand_in_has_the_shape_classes_and_options_of_the_missing_dataset():
    options = DataOptions(train_per_class=4, test_per_class=2, val_fraction=0.5, image_size=8, seed=3)
    data = synthetic_stand_in_for("mnist", options)
    assert data.name == "mnist" and data.num_classes == 10 and data.x_train.shape[1:] == (1, 8, 8)
    assert data.sizes() == {"train": 40, "val": 40, "test": 20}
    assert data.notes[0].startswith("SYNTHETIC STAND-IN for mnist") and data.origin["kind"] == "synthetic stand-in"
    rgb = synthetic_stand_in_for("mnist", DataOptions(to_rgb=True, normalization="imagenet", image_size=8))
    assert rgb.x_train.shape[1] == 3 and rgb.mean == (0.485, 0.456, 0.406)
    assert synthetic_stand_in_for("cifar100", DataOptions(image_size=8)).sizes()["train"] == 5000
