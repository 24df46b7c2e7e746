"""helpers.data.datasets and helpers.data.options: load_dataset's argument checks and options
(DataOptions, or the same fields as keywords), splits, class-balanced subsets, resizing and
normalisation constants."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from data_support import make_mnist, npz_arrays, write_npz
from data_support import isolated_lookup  # noqa: F401 - autouse: no test sees the real data folders
from helpers.data import (
    DataOptions,
    ImageDataset,
    available_datasets,
    balanced_subset,
    constants,
    load_dataset,
    resize_images,
    stratified_split,
)
from helpers.errors import InvalidConfigError, UnknownNameError

ARGUMENT_MISTAKES = [
    ({"name": "imagenet"}, UnknownNameError, "unknown dataset 'imagenet'; valid choices: caltech101"),
    ({"normalization": "zscore"}, UnknownNameError, "unknown normalization 'zscore'; valid choices: dataset, half"),
    ({"name": "mnist", "normalization": "imagenet"}, InvalidConfigError, "needs RGB images, but mnist is grey"),
    ({"val_fraction": 1.0}, InvalidConfigError, "invalid val_fraction 1.0: expected a number in"),
    ({"val_fraction": -0.1}, InvalidConfigError, "invalid val_fraction -0.1"),
    ({"train_per_class": 0}, InvalidConfigError, "invalid train_per_class 0: expected an integer from 1 to"),
    ({"test_per_class": -5}, InvalidConfigError, "invalid test_per_class -5"),
    ({"image_size": 0}, InvalidConfigError, "invalid image_size 0"),
    ({"synthetic_options": {"num_classes": 3}}, InvalidConfigError, "synthetic_options apply only"),
]


@pytest.mark.parametrize(("kwargs", "error", "message"), ARGUMENT_MISTAKES)
def test_arguments_checked_before_any_file_is_read(tmp_path, kwargs, error, message):
    kwargs = {"name": "cifar100", **kwargs}  # cifar100 is absent: reading would raise DataNotFoundError
    with pytest.raises(error, match=message):
        load_dataset(kwargs.pop("name"), data_dir=tmp_path, **kwargs)


@pytest.mark.parametrize(("kwargs", "error", "message"), ARGUMENT_MISTAKES)
def test_data_options_refuse_the_same_mistakes_when_made_or_checked_for_a_dataset(kwargs, error, message):
    kwargs = {"name": "cifar100", **kwargs}
    name = kwargs.pop("name")
    with pytest.raises(error, match=message):
        DataOptions(**kwargs).check_for(name)


def test_data_options_from_a_spec_mapping_and_back():
    options = DataOptions.from_mapping({"image_size": 32, "val_fraction": 0, "synthetic_options": {"channels": 1}})
    assert options == DataOptions(image_size=32, synthetic_options={"channels": 1})
    assert isinstance(options.val_fraction, float)
    assert DataOptions.from_mapping(options.to_dict()) == options and DataOptions.from_mapping({}) == DataOptions()
    assert list(options.to_dict()) == [field.name for field in dataclasses.fields(DataOptions)]
    options.to_dict()["synthetic_options"]["channels"] = 3  # a copy: the options stay as they were
    assert options.synthetic_options == {"channels": 1}
    with pytest.raises(InvalidConfigError, match=r"unknown dataset option\(s\) image_sise, per_class; valid "
                                                 r"options: cache_dir, image_size, include_background, normalization"):
        DataOptions.from_mapping({"image_sise": 32, "per_class": 2})
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.seed = 1  # type: ignore[misc]
    assert all(field.metadata["help"] for field in dataclasses.fields(DataOptions))


def test_data_options_and_keywords_load_the_same_data(tmp_path):
    write_npz(tmp_path / "cifar10.npz", **npz_arrays(train=300, test=60, classes=constants.CIFAR10_CLASSES))
    typed = load_dataset("cifar10", DataOptions(val_fraction=0.2, train_per_class=8, seed=5), data_dir=tmp_path)
    keywords = load_dataset("cifar10", data_dir=tmp_path, val_fraction=0.2, train_per_class=8, seed=5)
    assert torch.equal(typed.x_train, keywords.x_train) and torch.equal(typed.y_val, keywords.y_val)
    assert typed.notes == keywords.notes and typed.mean == keywords.mean
    with pytest.raises(InvalidConfigError, match=r"as a DataOptions or as keywords \(seed\), not both"):
        load_dataset("cifar10", DataOptions(), data_dir=tmp_path, seed=5)
    with pytest.raises(InvalidConfigError, match="unknown dataset option"):
        load_dataset("cifar10", data_dir=tmp_path, image_sise=8)


def test_available_datasets():
    assert available_datasets() == ["cifar10", "cifar100", "mnist", "fashion_mnist", "caltech101", "synthetic"]


# ---------------------------------------------------------------- splits and subsets


def test_stratified_split_properties():
    labels = torch.tensor([0] * 50 + [1] * 20 + [2] * 2 + [3] * 1)
    rest, held = stratified_split(labels, 0.2, seed=3)
    assert len(set(rest.tolist()) & set(held.tolist())) == 0
    assert sorted(rest.tolist() + held.tolist()) == list(range(len(labels)))
    assert torch.equal(rest, rest.sort().values)
    held_counts = torch.bincount(labels[held], minlength=4).tolist()
    assert held_counts == [10, 4, 1, 0]  # 20 % of each class; a 2-sample class splits 1/1; a singleton stays
    again = stratified_split(labels, 0.2, seed=3)
    assert torch.equal(again[1], held)
    assert not torch.equal(stratified_split(labels, 0.2, seed=4)[1], held)
    assert len(stratified_split(labels, 0.0, seed=0)[1]) == 0


def test_stratified_split_small_fraction_keeps_one_per_class():
    labels = torch.arange(30) % 3
    _, held = stratified_split(labels, 0.01, seed=0)
    assert torch.bincount(labels[held]).tolist() == [1, 1, 1]
    with pytest.raises(ValueError, match="fraction"):
        stratified_split(labels, 1.0, seed=0)


def test_balanced_subset_properties():
    labels = torch.tensor([0] * 30 + [1] * 5 + [2] * 12)
    chosen = balanced_subset(labels, 10, seed=1)
    assert torch.bincount(labels[chosen]).tolist() == [10, 5, 10]
    assert len(set(chosen.tolist())) == len(chosen)
    assert torch.equal(chosen, balanced_subset(labels, 10, seed=1))
    assert not torch.equal(chosen, balanced_subset(labels, 10, seed=2))
    with pytest.raises(ValueError, match="per_class=0"):
        balanced_subset(labels, 0, seed=0)


# ---------------------------------------------------------------- load_dataset options


def test_resize_and_to_rgb(tmp_path):
    make_mnist(tmp_path)
    data = load_dataset("mnist", data_dir=tmp_path, image_size=32, to_rgb=True, val_fraction=0.25)
    assert isinstance(data, ImageDataset)
    assert data.x_train.shape[1:] == (3, 32, 32) and data.x_val.shape[1:] == (3, 32, 32)
    assert data.x_test.dtype == torch.uint8 and data.x_test.shape == (20, 3, 32, 32)
    assert torch.equal(data.x_train[:, 0], data.x_train[:, 2])
    assert data.mean == (0.1307,) * 3 and data.std == (0.3081,) * 3
    assert any("resized from 28x28 to 32x32" in note for note in data.notes)
    assert any("3 channels" in note for note in data.notes)


def test_resize_images_keeps_flat_images_flat():
    images = torch.full((3, 2, 10, 10), 77, dtype=torch.uint8)
    resized = resize_images(images, 17)
    assert resized.shape == (3, 2, 17, 17) and resized.dtype == torch.uint8 and bool((resized == 77).all())


def test_validation_split_and_class_balanced_subsets(tmp_path):
    write_npz(tmp_path / "cifar10.npz", **npz_arrays(train=300, test=60, classes=constants.CIFAR10_CLASSES))
    data = load_dataset("cifar10", data_dir=tmp_path, val_fraction=0.2, train_per_class=8, test_per_class=3, seed=5)
    assert data.sizes() == {"train": 80, "val": 20, "test": 30}  # val shrinks in proportion: 8 * 0.2 / 0.8 = 2
    assert torch.bincount(data.y_train).tolist() == [8] * 10 and torch.bincount(data.y_val).tolist() == [2] * 10
    assert any("class-balanced subset: 8 train / 3 test images per class" in note for note in data.notes)
    assert any("validation split: 20%" in note for note in data.notes)
    assert any("official split has 50,000 / 10,000" in note for note in data.notes)
    again = load_dataset("cifar10", data_dir=tmp_path, val_fraction=0.2, train_per_class=8, test_per_class=3, seed=5)
    assert torch.equal(again.x_train, data.x_train) and torch.equal(again.x_val, data.x_val)


def test_normalization_constants(tmp_path):
    write_npz(tmp_path / "cifar10.npz", **npz_arrays(classes=constants.CIFAR10_CLASSES))
    assert load_dataset("cifar10", data_dir=tmp_path).mean == (0.4914, 0.4822, 0.4465)
    half = load_dataset("cifar10", data_dir=tmp_path, normalization="half")
    assert half.mean == (0.5, 0.5, 0.5) and half.std == (0.5, 0.5, 0.5)
    imagenet = load_dataset("cifar10", data_dir=tmp_path, normalization="imagenet")
    assert (imagenet.mean, imagenet.std) == ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
    assert any("ImageNet's statistics" in note for note in imagenet.notes)
    assert constants.IMAGENET_STATS.mean == constants.IMAGENET_MEAN and "torchvision" in constants.IMAGENET_STATS.source
    grey = {"image_size": 8, "channels": 1, "num_classes": 2, "train_size": 8, "test_size": 4}
    with pytest.raises(InvalidConfigError, match="needs RGB images, but synthetic has 1 channel"):
        load_dataset("synthetic", normalization="imagenet", synthetic_options=grey)
    assert constants.DATASET_STATS["cifar100"].std == (0.2673, 0.2564, 0.2762)
    assert constants.DATASET_STATS["fashion_mnist"].mean == (0.2860,)
    assert all(stats.source for stats in constants.DATASET_STATS.values())
    cifar100 = list(constants.CIFAR100_CLASSES)
    assert len(set(cifar100)) == 100 and cifar100 == sorted(cifar100)
    assert len(set(constants.CALTECH101_CLASSES)) == 101
