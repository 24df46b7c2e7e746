"""Shared by the helpers.data tests: small hand-made dataset files in the official layouts, the
lookup isolation every data test runs under, and the marker of tests that need the shared datasets."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from helpers.data import constants, locate
from helpers.data.readers import IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC

SHARED_DATA = locate.shared_data_dir()
real_data = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="needs ../shared/data")


@pytest.fixture(autouse=True)
def isolated_lookup(monkeypatch, tmp_path):
    """No test sees the real project data folder, $HELPERS_DATA_DIR or the user's cache."""
    empty = tmp_path / "project_data"
    empty.mkdir()
    monkeypatch.setattr(locate, "PROJECT_DATA_DIR", empty)
    monkeypatch.delenv("HELPERS_DATA_DIR", raising=False)
    monkeypatch.setenv("HELPERS_CACHE_DIR", str(tmp_path / "default_cache"))


def write_idx(path: Path, array: np.ndarray, magic: int) -> Path:
    """``array`` as an IDX file (big-endian header: ``magic``, then each dimension) at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = magic.to_bytes(4, "big") + b"".join(int(dim).to_bytes(4, "big") for dim in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())
    return path


def make_mnist(root: Path, folder: str = "MNIST", train: int = 40, test: int = 20, seed: int = 0) -> Path:
    """Random MNIST-shaped IDX files in torchvision's ``<folder>/raw`` layout under ``root``; returns raw/."""
    rng = np.random.default_rng(seed)
    raw = root / folder / "raw"
    for prefix, count in (("train", train), ("t10k", test)):
        write_idx(raw / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (count, 28, 28)), IDX_IMAGES_MAGIC)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", np.arange(count) % 10, IDX_LABELS_MAGIC)
    return raw


def npz_arrays(train: int = 30, test: int = 10, classes=("a", "b", "c"), size: int = 8, seed: int = 0) -> dict:
    """The arrays of a valid dataset .npz: random uint8 HWC images and labels cycling over ``classes``."""
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, (train, size, size, 3), dtype=np.uint8),
        "y_train": np.arange(train, dtype=np.int64) % len(classes),
        "x_test": rng.integers(0, 256, (test, size, size, 3), dtype=np.uint8),
        "y_test": np.arange(test, dtype=np.int64) % len(classes),
        "classes": np.array(classes),
    }


def write_npz(path: Path, **arrays) -> Path:
    """``arrays`` as a compressed .npz at ``path`` (its folder created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)
    return path


def make_cifar(root: Path, name: str, per_batch: int = 6) -> None:
    """The official pickle layout (written with pickle here; the library reads it via torchvision)."""
    rng = np.random.default_rng(0)
    if name == "cifar10":
        folder, label_key = root / "cifar-10-batches-py", "labels"
        batches = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
        meta_name, meta = "batches.meta", {"label_names": list(constants.CIFAR10_CLASSES)}
    else:
        folder, batches, label_key = root / "cifar-100-python", ["train", "test"], "fine_labels"
        meta_name, meta = "meta", {"fine_label_names": list(constants.CIFAR100_CLASSES)}
    folder.mkdir(parents=True)
    num_classes = len(next(iter(meta.values())))
    for batch in batches:
        entry = {
            "data": rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
            label_key: [i % num_classes for i in range(per_batch)],
        }
        (folder / batch).write_bytes(pickle.dumps(entry))
    (folder / meta_name).write_bytes(pickle.dumps(meta))


def make_caltech(root: Path) -> Path:
    """Three small categories of distinct colours, a background folder, a stray file, one corrupt JPEG."""
    folder = root / "caltech101" / "101_ObjectCategories"
    colours = {
        "Faces": (200, 30, 30), "ant": (30, 200, 30), "bass": (30, 30, 200), "BACKGROUND_Google": (128, 128, 128),
    }  # fmt: skip
    for index, (category, colour) in enumerate(colours.items()):
        (folder / category).mkdir(parents=True)
        for number in range(1, 6 + index):
            size = (24 + 4 * number, 20) if number % 2 else (20, 30)  # landscape and portrait
            Image.new("RGB", size, colour).save(folder / category / f"image_{number:04d}.jpg", quality=95)
    Image.new("L", (20, 20), 90).save(folder / "ant" / "image_0100.jpg")  # a grey image
    (folder / "ant" / "image_0099.jpg").write_bytes(b"not a jpeg at all")
    (folder / "BACKGROUND_Google" / "tmp").write_bytes(b"stray file without an image suffix")
    return folder


def enable_fake_cifar(monkeypatch) -> None:
    """Let torchvision read the fixture CIFAR pickles."""
    # torchvision checks the MD5 of each official file; fixtures cannot match those sums.
    import torchvision.datasets.cifar as tv_cifar

    monkeypatch.setattr(tv_cifar, "check_integrity", lambda *args, **kwargs: True)
