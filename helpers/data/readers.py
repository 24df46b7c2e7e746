"""Readers for the on-disk formats, each validating what it reads.

- IDX (MNIST, Fashion-MNIST), plain or gzipped (``.gz``): read here, so loading needs neither
  torchvision nor a network.
- ``.npz`` with the keys ``x_train, y_train, x_test, y_test, classes`` (any dataset).
- CIFAR-10/100 python pickle batches: read through torchvision's own dataset classes.
- ``<name>.jpeg.npz``, images as JPEG bytes: read by :mod:`helpers.data.packed`.

Every reader returns :class:`Splits` (uint8 ``[N, C, H, W]`` images, int64 labels) and raises
:class:`~helpers.errors.CorruptDataError` naming the file and what is wrong with it;
:func:`check_splits` checks what the two splits must have in common, whatever the format.
"""

from __future__ import annotations

import gzip
import os
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from helpers.data.constants import IDX_FILES
from helpers.data.locate import idx_file
from helpers.errors import CorruptDataError

IDX_IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions (count, rows, cols)
IDX_LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension (count)
_IDX_MAX_HEADER = 4 + 4 * 255  # magic, then at most 255 dimensions (the magic's low byte)
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test", "classes")


@dataclass(frozen=True)
class Splits:
    """A dataset's official train and test splits as read from disk."""

    x_train: torch.Tensor  # uint8 [N, C, H, W]
    y_train: torch.Tensor  # int64 [N]
    x_test: torch.Tensor
    y_test: torch.Tensor
    classes: tuple[str, ...]


def read_idx(path: str | os.PathLike, *, expected_magic: int) -> np.ndarray:
    """Read one IDX file of unsigned bytes, plain or gzip-compressed (a name ending in ``.gz``),
    checking its magic number and size.

    The header is big-endian int32: magic, then one size per dimension (magic % 256 of them).
    Returns a writable uint8 array of the header's shape. A truncated or damaged ``.gz`` raises
    :class:`CorruptDataError` naming the file, as a truncated plain file does.
    """
    path = Path(path)
    if path.suffix == ".gz":
        try:
            data = gzip.decompress(path.read_bytes())
        except (EOFError, zlib.error, gzip.BadGzipFile) as error:
            raise CorruptDataError(f"{path}: not a readable gzip file (truncated or damaged?): {error}") from error
        shape, header_size = _idx_header(data[:_IDX_MAX_HEADER], len(data), path, expected_magic)
        return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(shape).copy()
    with open(path, "rb") as file:
        head = file.read(_IDX_MAX_HEADER)
    shape, header_size = _idx_header(head, path.stat().st_size, path, expected_magic)
    return np.fromfile(path, dtype=np.uint8, count=int(np.prod(shape)), offset=header_size).reshape(shape)


def _idx_header(head: bytes, size: int, path: Path, expected_magic: int) -> tuple[tuple[int, ...], int]:
    """The shape and header length that the first bytes ``head`` of an IDX file of ``size``
    (uncompressed) bytes announce, checked against ``expected_magic`` and the size."""
    if len(head) < 4:
        raise CorruptDataError(f"{path}: IDX file of {size} bytes is too short for a header")
    magic = int.from_bytes(head[:4], "big")
    if magic != expected_magic:
        raise CorruptDataError(
            f"{path}: bad IDX magic number {magic} (expected {expected_magic}); the file is not an IDX file "
            "of this kind (a gzip-compressed one must be named *.gz)"
        )
    num_dims = magic % 256
    header_size = 4 + 4 * num_dims
    if len(head) < header_size:
        raise CorruptDataError(f"{path}: truncated IDX header ({size} bytes)")
    shape = tuple(int(dim) for dim in np.frombuffer(head[4:header_size], dtype=">i4"))
    expected_bytes = int(np.prod(shape))
    found_bytes = size - header_size
    if found_bytes != expected_bytes:
        problem = "truncated" if found_bytes < expected_bytes else "has trailing bytes"
        raise CorruptDataError(
            f"{path}: IDX file {problem}: header {shape} needs {expected_bytes} data bytes, found {found_bytes}"
        )
    return shape, header_size


def read_idx_dataset(raw_dir: str | os.PathLike, classes: tuple[str, ...]) -> Splits:
    """Read the four IDX files of an MNIST-style ``raw`` directory (torchvision's file names), each
    plain or as ``<name>.gz`` (the plain file when both are there)."""
    raw_dir = Path(raw_dir)
    arrays = {}
    for split in ("train", "test"):
        # A missing file is left for read_idx to report, under its plain name.
        images_path, labels_path = (idx_file(raw_dir, IDX_FILES[key]) or raw_dir / IDX_FILES[key]
                                    for key in (f"{split}_images", f"{split}_labels"))
        images = read_idx(images_path, expected_magic=IDX_IMAGES_MAGIC)
        labels = read_idx(labels_path, expected_magic=IDX_LABELS_MAGIC)
        if len(images) != len(labels):
            raise CorruptDataError(f"{labels_path}: {len(labels)} labels for {len(images)} images in {images_path}")
        check_label_range(labels, len(classes), labels_path)
        arrays[split] = (torch.from_numpy(images).unsqueeze(1), torch.from_numpy(labels).long())
    return Splits(*arrays["train"], *arrays["test"], classes=tuple(classes))


def read_npz(path: str | os.PathLike) -> Splits:
    """Read a ``.npz`` with keys x_train, y_train, x_test, y_test, classes (no pickles allowed).

    Images are uint8, ``[N, H, W, C]`` (as Keras and the shared CIFAR-10 copy store them),
    ``[N, C, H, W]`` with C in (1, 3), or ``[N, H, W]`` for grey. Labels are integers in
    ``[0, len(classes))``; ``classes`` is a 1-D array of strings.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [key for key in NPZ_KEYS if key not in archive.files]
            if missing:
                raise CorruptDataError(
                    f"{path}: missing key(s) {', '.join(missing)}; found {', '.join(archive.files) or 'none'}; "
                    f"expected {', '.join(NPZ_KEYS)}"
                )
            arrays = {key: archive[key] for key in NPZ_KEYS}
    except CorruptDataError:
        raise
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as error:
        raise CorruptDataError(f"{path}: not a readable .npz archive (truncated or damaged?): {error}") from error
    classes = arrays["classes"]
    if classes.ndim != 1 or classes.dtype.kind not in "US" or len(classes) == 0:
        raise CorruptDataError(
            f"{path}: 'classes' must be a non-empty 1-D array of strings, got {classes.dtype} {classes.shape}"
        )
    class_names = tuple(str(name) for name in classes.astype(str))
    tensors = []
    for split in ("train", "test"):
        images = _images_to_nchw(arrays[f"x_{split}"], path, f"x_{split}")
        labels = arrays[f"y_{split}"]
        if labels.dtype.kind not in "iu" or labels.ndim != 1:
            raise CorruptDataError(
                f"{path}: 'y_{split}' must be a 1-D integer array, got {labels.dtype} {labels.shape}"
            )
        if len(labels) != len(images):
            raise CorruptDataError(f"{path}: 'y_{split}' has {len(labels)} labels for {len(images)} images")
        check_label_range(labels, len(class_names), path, key=f"y_{split}")
        tensors += [images, torch.from_numpy(labels.astype(np.int64))]
    return Splits(*tensors, classes=class_names)


def read_cifar(root: str | os.PathLike, name: str) -> Splits:
    """Read ``cifar-10-batches-py`` or ``cifar-100-python`` under ``root`` with torchvision.

    These are the pickled batches of the official distribution (cs.toronto.edu/~kriz/cifar.html).
    Pickles can run code, so they are opened only by torchvision's own reader, which also checks
    every file's MD5 against the published sums; nothing here calls ``pickle.load``.
    """
    from torchvision import datasets as tv_datasets  # deferred: importing torchvision costs ~1 s

    dataset_class = {"cifar10": tv_datasets.CIFAR10, "cifar100": tv_datasets.CIFAR100}[name]
    folder = Path(root) / dataset_class.base_folder
    expected = [file_name for file_name, _ in dataset_class.train_list + dataset_class.test_list]
    missing = [file_name for file_name in [*expected, dataset_class.meta["filename"]] if not (folder / file_name).is_file()]
    if missing:
        raise CorruptDataError(f"{folder}: incomplete {name} folder, missing {', '.join(missing)}")
    splits = []
    for train in (True, False):
        try:
            dataset = dataset_class(root=str(root), train=train, download=False)
        except (RuntimeError, OSError, EOFError, ValueError, KeyError) as error:
            raise CorruptDataError(
                f"{folder}: not a complete official {name} pickle folder (missing file or MD5 mismatch): {error}"
            ) from error
        images = torch.from_numpy(np.ascontiguousarray(dataset.data)).permute(0, 3, 1, 2).contiguous()
        labels = torch.as_tensor(dataset.targets, dtype=torch.int64)
        check_label_range(labels.numpy(), len(dataset.classes), folder)
        splits += [images, labels]
    return Splits(*splits, classes=tuple(dataset.classes))


def check_splits(splits: Splits, where: str | os.PathLike, *, dataset: str,
                 official_classes: int | None = None) -> None:
    """Raise :class:`CorruptDataError` naming ``where`` (the file or folder read) unless the train
    and test images have the same channels and size, each split holds an image of every class in
    ``splits.classes``, and, when ``official_classes`` is given, there are that many classes: a
    split that lacks classes trains or scores a smaller problem than the one named (3 classes of 10
    give 100 % top-5), and a test split of another size is scored at a size never trained on."""
    train, test = tuple(splits.x_train.shape[1:]), tuple(splits.x_test.shape[1:])
    if train != test:
        raise CorruptDataError(f"{where}: the train images are {_shape(train)} but the test images are {_shape(test)} "
                               "(channels x height x width); both splits must have the same")
    count = len(splits.classes)
    if official_classes is not None and count != official_classes:
        raise CorruptDataError(f"{where}: lists {count} classes, but {dataset} has {official_classes}; "
                               f"a file named after {dataset} must hold all of its classes")
    for split, labels in (("train", splits.y_train), ("test", splits.y_test)):
        present = set(torch.unique(labels).tolist())
        if len(present) < count:
            missing = [name for index, name in enumerate(splits.classes) if index not in present]
            shown = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
            raise CorruptDataError(f"{where}: the {split} split holds {len(present)} of its {count} classes "
                                   f"({len(labels):,} images; missing {len(missing)}: {shown}); every split "
                                   "needs images of every class")


def _shape(shape: tuple[int, ...]) -> str:
    return "x".join(str(size) for size in shape)


def _images_to_nchw(images: np.ndarray, path: Path, key: str) -> torch.Tensor:
    if images.dtype != np.uint8:
        raise CorruptDataError(f"{path}: '{key}' must be uint8 (0-255), got {images.dtype}")
    if images.ndim == 3:
        return torch.from_numpy(images).unsqueeze(1)
    if images.ndim == 4 and images.shape[3] in (1, 3):
        return torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()
    if images.ndim == 4 and images.shape[1] in (1, 3):
        return torch.from_numpy(images)
    raise CorruptDataError(
        f"{path}: '{key}' has shape {images.shape}; expected [N, H, W, C], [N, C, H, W] or [N, H, W]"
    )


def check_label_range(labels: np.ndarray, num_classes: int, path: str | os.PathLike, key: str = "labels") -> None:
    """Raise :class:`CorruptDataError` naming ``path`` and ``key`` unless every label is in ``[0, num_classes)``."""
    if len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
        raise CorruptDataError(
            f"{path}: '{key}' out of range: values span {labels.min()}..{labels.max()}, "
            f"but there are {num_classes} classes (0..{num_classes - 1})"
        )
