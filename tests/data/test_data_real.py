"""helpers.data on the real shared datasets; skipped when ``../shared/data`` is absent."""

from __future__ import annotations

import pytest
import torch

from data_support import SHARED_DATA, real_data
from data_support import isolated_lookup  # noqa: F401 - autouse: no test sees the real data folders
from helpers.data import constants, load_dataset


@pytest.mark.real_data
@real_data
@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_real_idx_datasets(name):
    data = load_dataset(name, data_dir=SHARED_DATA)
    assert data.sizes() == {"train": 60_000, "val": 0, "test": 10_000}
    assert data.x_train.shape[1:] == (1, 28, 28)
    assert data.x_train.float().mean().item() / 255 == pytest.approx(constants.DATASET_STATS[name].mean[0], abs=5e-4)


@pytest.mark.real_data
@real_data
def test_real_cifar10_npz():
    data = load_dataset("cifar10", data_dir=SHARED_DATA, test_per_class=100)
    assert data.x_train.shape[1:] == (3, 32, 32) and len(data.y_test) == 1000
    assert data.classes == constants.CIFAR10_CLASSES
    assert torch.bincount(data.y_train).tolist() == [len(data.y_train) // 10] * 10


@pytest.mark.real_data
@real_data
def test_real_caltech101(tmp_path):
    data = load_dataset("caltech101", data_dir=SHARED_DATA, cache_dir=tmp_path)
    assert sum(data.sizes().values()) == 8677 and data.classes == constants.CALTECH101_CLASSES
    assert data.x_train.shape[1:] == (3, 64, 64)
    measured = (torch.cat([data.x_train, data.x_test]).double() / 255).mean(dim=(0, 2, 3))
    assert measured.tolist() == pytest.approx(constants.DATASET_STATS["caltech101"].mean, abs=1e-3)
