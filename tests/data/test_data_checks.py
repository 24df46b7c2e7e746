"""What load_dataset refuses, in one line naming the file and the counts or shapes: splits that
disagree in image size or channels, a split that lacks some of its classes, a file naming a known
dataset with another number of classes; and option values out of their range. The legitimate data
(embedded samples, subsets, synthetic stand-ins, IDX files, Caltech-101 folders) still loads."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from data_support import make_mnist, npz_arrays, write_idx, write_npz
from data_support import isolated_lookup  # noqa: F401 - autouse: no test sees the real data folders
from helpers.data import DataOptions, constants, load_dataset, locate
from helpers.data.options import MAX_IMAGE_SIZE, MAX_IMAGES_PER_CLASS
from helpers.data.readers import IDX_IMAGES_MAGIC
from helpers.data.stand_in import synthetic_stand_in_for
from helpers.errors import CorruptDataError, InvalidConfigError

REPO = Path(__file__).resolve().parents[2]
CIFAR10 = constants.CIFAR10_CLASSES


def _refused(name: str, folder: Path, *expected: str) -> str:
    with pytest.raises(CorruptDataError) as raised:
        load_dataset(name, data_dir=folder)
    message = str(raised.value)
    assert "\n" not in message and all(part in message for part in expected), message
    return message


# ---------------------------------------------------------------- splits that do not fit together


def test_a_test_split_of_another_image_size_is_refused(tmp_path):
    arrays = npz_arrays(train=30, test=10, classes=CIFAR10, size=32)
    arrays["x_test"] = np.zeros((10, 16, 16, 3), dtype=np.uint8)
    path = write_npz(tmp_path / "cifar10.npz", **arrays)
    _refused("cifar10", tmp_path, str(path), "train images are 3x32x32", "test images are 3x16x16")


def test_a_test_split_of_other_channels_is_refused(tmp_path):
    arrays = npz_arrays(train=30, test=10, classes=CIFAR10, size=8)
    arrays["x_test"] = np.zeros((10, 8, 8), dtype=np.uint8)  # grey beside RGB
    write_npz(tmp_path / "cifar10.npz", **arrays)
    _refused("cifar10", tmp_path, "train images are 3x8x8", "test images are 1x8x8")


def test_idx_files_of_two_image_sizes_are_refused(tmp_path):
    raw = make_mnist(tmp_path)
    write_idx(raw / "t10k-images-idx3-ubyte", np.zeros((20, 14, 14)), IDX_IMAGES_MAGIC)
    _refused("mnist", tmp_path, str(raw), "train images are 1x28x28", "test images are 1x14x14")


# ---------------------------------------------------------------- classes a split claims but lacks


def test_a_file_holding_3_of_its_10_classes_is_refused(tmp_path):
    arrays = npz_arrays(train=30, test=10, classes=CIFAR10)
    arrays["y_train"] = np.arange(30) % 3
    arrays["y_test"] = np.arange(10) % 3
    write_npz(tmp_path / "cifar10.npz", **arrays)
    message = _refused("cifar10", tmp_path, "the train split holds 3 of its 10 classes", "30 images")
    assert "missing 7: cat, deer, dog, frog, horse, ..." in message


def test_a_test_split_lacking_classes_is_refused(tmp_path):
    arrays = npz_arrays(train=30, test=10, classes=CIFAR10)
    arrays["y_test"] = np.zeros(10, dtype=np.int64)
    write_npz(tmp_path / "cifar10.npz", **arrays)
    _refused("cifar10", tmp_path, "the test split holds 1 of its 10 classes")


def test_a_file_naming_a_known_dataset_with_another_class_count_is_refused(tmp_path):
    write_npz(tmp_path / "cifar10.npz", **npz_arrays(classes=("a", "b", "c")))
    _refused("cifar10", tmp_path, "lists 3 classes, but cifar10 has 10")


def test_an_empty_test_split_is_refused(tmp_path):
    arrays = npz_arrays(train=30, test=10, classes=CIFAR10)
    arrays["x_test"], arrays["y_test"] = arrays["x_test"][:0], arrays["y_test"][:0]
    write_npz(tmp_path / "cifar10.npz", **arrays)
    _refused("cifar10", tmp_path, "the test split holds 0 of its 10 classes (0 images")


def test_the_training_command_refuses_a_damaged_file_in_one_line(tmp_path, capsys):
    from helpers.runs import cli

    arrays = npz_arrays(train=30, test=10, classes=CIFAR10)
    arrays["y_train"] = np.arange(30) % 3
    write_npz(tmp_path / "cifar10.npz", **arrays)
    code = cli.main(["--model", "lenet5", "--dataset", "cifar10", "--data-dir", str(tmp_path), "--no-download",
                     "--epochs", "1", "--out", str(tmp_path / "run")])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "holds 3 of its 10 classes" in lines[0], lines
    assert not (tmp_path / "run" / "metrics.json").exists()


# ---------------------------------------------------------------- what still loads


@pytest.mark.parametrize("name", locate.EMBEDDED_SAMPLES)
def test_every_embedded_sample_loads(name, monkeypatch):
    monkeypatch.setattr(locate, "PROJECT_DATA_DIR", REPO / "data")
    data = load_dataset(name, samples=True, train_per_class=2, test_per_class=1)
    assert data.num_classes == len(constants.CLASS_NAMES[name])
    assert torch.unique(data.y_train).numel() == torch.unique(data.y_test).numel() == data.num_classes


def test_subsets_idx_files_and_stand_ins_load(tmp_path):
    make_mnist(tmp_path)
    data = load_dataset("mnist", data_dir=tmp_path, train_per_class=1, test_per_class=1, image_size=16)
    assert data.sizes() == {"train": 10, "val": 0, "test": 10} and data.image_size == (16, 16)
    stand_in = synthetic_stand_in_for("cifar100", DataOptions(train_per_class=1, test_per_class=1, image_size=8))
    assert stand_in.num_classes == 100 and stand_in.sizes()["test"] == 100


def test_a_caltech_folder_of_every_category_loads(tmp_path):
    folder = tmp_path / locate.NATIVE_LAYOUTS["caltech101"]
    for index, category in enumerate(constants.CALTECH101_CLASSES):
        (folder / category).mkdir(parents=True)
        for number in range(2):
            Image.new("RGB", (10, 8), (index, 2 * index, 100 * number)).save(folder / category / f"image_{number}.png")
    data = load_dataset("caltech101", data_dir=tmp_path, image_size=8, cache_dir=tmp_path / "cache")
    assert data.num_classes == 101 and data.sizes() == {"train": 101, "val": 0, "test": 101}


# ---------------------------------------------------------------- option values out of range


@pytest.mark.parametrize("option, value, message", [
    ("image_size", 100_000, f"invalid image_size 100000: expected 1 to {MAX_IMAGE_SIZE} pixels per side, or None"),
    ("image_size", MAX_IMAGE_SIZE + 1, f"invalid image_size {MAX_IMAGE_SIZE + 1}"),
    ("train_per_class", 10**23, f"invalid train_per_class {10**23}: expected an integer from 1 to {MAX_IMAGES_PER_CLASS:,}"),
    ("test_per_class", MAX_IMAGES_PER_CLASS + 1, "invalid test_per_class"),
    ("seed", 2**64, f"invalid seed {2**64}: expected an integer from -2**63 to 2**64-1"),
    ("seed", -(2**63) - 1, "invalid seed"),
])
def test_option_values_out_of_range_are_refused_before_any_file_is_read(option, value, message, tmp_path):
    with pytest.raises(InvalidConfigError, match=re.escape(message)):
        load_dataset("cifar100", data_dir=tmp_path, **{option: value})  # absent: reading would raise another error
    assert DataOptions(**{option: 1}).to_dict()[option] == 1  # a value in range is fine


@pytest.mark.parametrize("settings, message", [
    ({"num_classes": 0}, "invalid synthetic option num_classes 0: expected an integer from 1 to"),
    ({"image_size": 100_000}, f"invalid synthetic option image_size 100000: expected an integer from 1 to {MAX_IMAGE_SIZE}"),
    ({"train_size": 10**12}, "invalid synthetic option train_size"),
    ({"train_size": 5}, "invalid synthetic option train_size 5: expected at least num_classes (10)"),
    ({"noise": "loud"}, "invalid synthetic option noise 'loud': expected a number in [0, 1)"),
    ({"max_shift": True}, "invalid synthetic option max_shift True"),
])
def test_synthetic_options_out_of_range_are_refused_when_the_options_are_made(settings, message):
    with pytest.raises(InvalidConfigError) as raised:
        DataOptions(synthetic_options=settings)  # before any data is generated
    assert message in str(raised.value)
