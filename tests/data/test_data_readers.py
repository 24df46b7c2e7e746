"""helpers.data.readers and the native folder layouts behind load_dataset: IDX, .npz and CIFAR
pickle files, truncated, malformed and incomplete ones included."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from data_support import enable_fake_cifar, make_cifar, make_mnist, npz_arrays, write_idx, write_npz
from data_support import isolated_lookup  # noqa: F401 - autouse: no test sees the real data folders
from helpers.data import constants, load_dataset
from helpers.data.readers import IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, read_cifar, read_idx, read_npz
from helpers.errors import CorruptDataError


def test_read_idx_round_trip(tmp_path):
    array = np.arange(2 * 3 * 4).reshape(2, 3, 4) % 256
    path = write_idx(tmp_path / "x-idx3-ubyte", array, IDX_IMAGES_MAGIC)
    loaded = read_idx(path, expected_magic=IDX_IMAGES_MAGIC)
    assert loaded.shape == (2, 3, 4) and loaded.dtype == np.uint8 and loaded.flags.writeable
    np.testing.assert_array_equal(loaded, array)


def test_read_idx_truncated_names_file(tmp_path):
    path = write_idx(tmp_path / "images-idx3-ubyte", np.zeros((5, 4, 4)), IDX_IMAGES_MAGIC)
    path.write_bytes(path.read_bytes()[:-7])
    with pytest.raises(CorruptDataError, match="truncated") as error:
        read_idx(path, expected_magic=IDX_IMAGES_MAGIC)
    assert str(path) in str(error.value) and "80 data bytes, found 73" in str(error.value)


def test_read_idx_bad_magic_and_short_header(tmp_path):
    path = write_idx(tmp_path / "labels-idx1-ubyte", np.zeros(5), IDX_LABELS_MAGIC)
    with pytest.raises(CorruptDataError, match="bad IDX magic number 2049"):
        read_idx(path, expected_magic=IDX_IMAGES_MAGIC)
    (tmp_path / "tiny").write_bytes(b"\x00\x00")
    with pytest.raises(CorruptDataError, match="too short"):
        read_idx(tmp_path / "tiny", expected_magic=IDX_LABELS_MAGIC)


def test_idx_dataset_label_out_of_range(tmp_path):
    raw = make_mnist(tmp_path)
    write_idx(raw / "t10k-labels-idx1-ubyte", np.full(20, 12), IDX_LABELS_MAGIC)
    with pytest.raises(CorruptDataError, match="out of range") as error:
        load_dataset("mnist", data_dir=tmp_path)
    assert "t10k-labels-idx1-ubyte" in str(error.value)


def test_read_npz_converts_hwc_to_chw(tmp_path):
    arrays = npz_arrays()
    splits = read_npz(write_npz(tmp_path / "d.npz", **arrays))
    assert splits.x_train.shape == (30, 3, 8, 8) and splits.x_train.dtype == torch.uint8
    assert torch.equal(splits.x_train[4, :, 2, 5], torch.from_numpy(arrays["x_train"][4, 2, 5]))
    assert splits.y_test.dtype == torch.int64 and splits.classes == ("a", "b", "c")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"y_test": None}, "missing key"),
        ({"x_train": np.zeros((30, 8, 8, 3), dtype=np.float32)}, "must be uint8"),
        ({"y_train": np.full(30, 3)}, "out of range"),
        ({"y_train": np.zeros(29, dtype=np.int64)}, "29 labels for 30 images"),
        ({"x_test": np.zeros((10, 8), dtype=np.uint8)}, "has shape"),
    ],
)
def test_read_npz_rejects_bad_content(tmp_path, change, message):
    arrays = {**npz_arrays(), **change}
    path = write_npz(tmp_path / "bad.npz", **{key: value for key, value in arrays.items() if value is not None})
    with pytest.raises(CorruptDataError, match=message) as error:
        read_npz(path)
    assert str(path) in str(error.value)


def test_read_npz_truncated_zip(tmp_path):
    path = write_npz(tmp_path / "cut.npz", **npz_arrays(train=200))
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CorruptDataError, match="not a readable .npz") as error:
        read_npz(path)
    assert str(path) in str(error.value)


@pytest.mark.parametrize("name", ["cifar10", "cifar100"])
def test_cifar_pickles_read_through_torchvision(tmp_path, monkeypatch, name):
    per_batch = len(constants.CLASS_NAMES[name])  # every batch holds every class, as load_dataset requires
    make_cifar(tmp_path, name, per_batch=per_batch)
    enable_fake_cifar(monkeypatch)
    data = load_dataset(name, data_dir=tmp_path)
    train_batches = 5 if name == "cifar10" else 1
    assert data.x_train.shape == (train_batches * per_batch, 3, 32, 32) and data.x_test.shape == (per_batch, 3, 32, 32)
    assert data.classes == constants.CLASS_NAMES[name] and "pickle" in data.source
    make_cifar(tmp_path / "some-classes", name)  # 6 images a batch: the test batch lacks the other classes
    with pytest.raises(CorruptDataError, match="the train split holds 6 of its"):
        load_dataset(name, data_dir=tmp_path / "some-classes")


def test_incomplete_cifar_folder_names_the_missing_file(tmp_path):
    make_cifar(tmp_path, "cifar10")
    (tmp_path / "cifar-10-batches-py" / "data_batch_3").unlink()
    with pytest.raises(CorruptDataError, match="incomplete cifar10 folder, missing data_batch_3$"):
        load_dataset("cifar10", data_dir=tmp_path)


def test_incomplete_mnist_folder_names_the_missing_file(tmp_path):
    raw = make_mnist(tmp_path)
    (raw / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(CorruptDataError, match="incomplete mnist folder, missing t10k-labels-idx1-ubyte$"):
        load_dataset("mnist", data_dir=tmp_path)


def test_cifar_folder_failing_integrity_is_corrupt(tmp_path):
    make_cifar(tmp_path, "cifar10")  # MD5 sums do not match the official ones
    with pytest.raises(CorruptDataError, match="cifar-10-batches-py"):
        read_cifar(tmp_path, "cifar10")
