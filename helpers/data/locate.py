"""Where a dataset is on disk: the search order, the layouts recognised, and downloading.

Full datasets are searched in these folders, in order, and the first match wins:

1. ``data_dir`` when given; an explicit folder is searched first but not alone, so a notebook
   that passes one still finds the data on a machine where it sits in the other places;
2. ``$HELPERS_DATA_DIR`` when set;
3. the project's ``data/`` folder.

A ``data_dir`` or ``$HELPERS_DATA_DIR`` that does not exist, or is a file, is an error, not a
reason to look elsewhere. In each folder, torchvision's own layout is tried first
(``MNIST/raw/*-ubyte``, ``FashionMNIST/raw/*-ubyte``, each of the four IDX files plain or as
``*-ubyte.gz``; ``cifar-10-batches-py``, ``cifar-100-python``, ``caltech101/101_ObjectCategories``),
then ``<name>.npz``, then the JPEG archive ``<name>.jpeg.npz`` (:mod:`helpers.data.packed`; what
:mod:`helpers.data.pack` writes for a GPU machine). A copy that is there but incomplete is
refused, naming what is missing.

The embedded samples (``data/samples/<name>.npz``: small class-balanced subsets committed with the
project, made by ``scripts/make_samples.py``) are never part of that search: they are read only
when asked for with ``samples=True`` (the smoke profile and the tests), so that a run that wanted
the full data can never train on a sample without saying so.

This module imports no torch: the batch runner uses :func:`data_identity` to tell whether the data
a study used has changed.
"""

from __future__ import annotations

import hashlib
import os
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from helpers.data.constants import CALTECH101_BACKGROUND, CALTECH101_CLASSES, CLASS_NAMES, IDX_FILES
from helpers.errors import CorruptDataError, DataNotFoundError, InvalidConfigError

PROJECT_DATA_DIR = Path(__file__).resolve().parents[2] / "data"
# The real datasets beside a checkout (../shared/data), where the cpu profile, the benchmarks and the
# real-data tests look for them; $HELPERS_SHARED_DATA_DIR overrides it. Nothing else spells this path.
SHARED_DATA_ENV = "HELPERS_SHARED_DATA_DIR"
SAMPLES_SUBDIR = "samples"  # inside PROJECT_DATA_DIR
EMBEDDED_SAMPLES = ("cifar10", "mnist", "fashion_mnist", "caltech101")  # CIFAR-100 is not embedded
# torchvision's on-disk layout of each dataset, relative to a data folder.
NATIVE_LAYOUTS = {
    "mnist": "MNIST/raw",
    "fashion_mnist": "FashionMNIST/raw",
    "cifar10": "cifar-10-batches-py",
    "cifar100": "cifar-100-python",
    "caltech101": "caltech101/101_ObjectCategories",
}
TORCHVISION_CLASSES = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST", "cifar10": "CIFAR10",
                       "cifar100": "CIFAR100", "caltech101": "Caltech101"}
JPEG_ARCHIVE_SUFFIX = ".jpeg.npz"  # <name>.jpeg.npz: a dataset's images as JPEG bytes (helpers.data.packed)
GZIP_SUFFIX = ".gz"  # an IDX file may be gzipped as <file>.gz
_IDENTITY_FILE_LIMIT = 4 << 20  # files up to this size are hashed; larger ones by size and mtime


def checked_folder(path: str | os.PathLike, origin: str) -> Path:
    """``path`` as a folder that exists; otherwise :class:`InvalidConfigError` naming ``origin``."""
    folder = Path(path).expanduser()
    if folder.is_file():
        raise InvalidConfigError(f"invalid {origin} {str(path)!r}: it is a file, not a folder")
    if not folder.is_dir():
        raise InvalidConfigError(f"invalid {origin} {str(path)!r}: no such folder")
    return folder


def search_dirs(data_dir: str | os.PathLike | None = None) -> list[tuple[Path, str]]:
    """The folders searched for full datasets, in order, each with where it came from (duplicates
    removed). A given ``data_dir`` or ``$HELPERS_DATA_DIR`` must be an existing folder."""
    candidates = []
    if data_dir is not None:
        candidates.append((checked_folder(data_dir, "data_dir"), "data_dir argument"))
    if os.environ.get("HELPERS_DATA_DIR"):
        candidates.append((checked_folder(os.environ["HELPERS_DATA_DIR"], "$HELPERS_DATA_DIR"), "$HELPERS_DATA_DIR"))
    candidates.append((PROJECT_DATA_DIR, "project data folder"))
    unique, seen = [], set()
    for directory, origin in candidates:
        if directory.resolve() not in seen:
            seen.add(directory.resolve())
            unique.append((directory, origin))
    return unique


def shared_data_dir() -> Path:
    """The folder of the real datasets shared beside the project (``../shared/data``, or
    ``$HELPERS_SHARED_DATA_DIR`` when set); it may not exist (a fresh machine has none)."""
    override = os.environ.get(SHARED_DATA_ENV)
    return Path(override).expanduser() if override else Path(__file__).resolve().parents[3] / "shared" / "data"


def samples_dir() -> Path:
    """The folder of the embedded samples, ``data/samples`` (read at call time, so tests can move it)."""
    return PROJECT_DATA_DIR / SAMPLES_SUBDIR


def is_embedded_sample(path: str | os.PathLike) -> bool:
    """Whether ``path`` (as returned by :func:`locate_dataset`) lies in the embedded samples folder."""
    return Path(path).resolve().parent == samples_dir().resolve()


def locate_dataset(name: str, *, data_dir: str | os.PathLike | None = None, download: bool = False,
                   samples: bool = False) -> tuple[str, Path]:
    """``(kind, path)`` of dataset ``name``: kind is 'idx', 'cifar', 'caltech', 'npz' or 'jpeg'.

    With ``samples`` only the embedded sample is used. Otherwise the full dataset is searched for
    (see the module docstring); when it is not found, ``download`` lets torchvision fetch it into
    the first writable search folder, and without it :class:`~helpers.errors.DataNotFoundError`
    names every place searched and the command that fetches the data.
    """
    if samples:
        return "npz", _embedded_sample(name)
    for directory, _ in search_dirs(data_dir):
        found = find_in(directory, name)
        if found:
            return found
    if not download:
        raise DataNotFoundError(not_found_message(name, data_dir))
    return _download(name, data_dir)


def find_in(directory: str | os.PathLike, name: str) -> tuple[str, Path] | None:
    """``(kind, path)`` of dataset ``name`` in ``directory`` alone, or None: the native layout
    first, then ``<name>.npz``, then ``<name>.jpeg.npz`` (kind 'jpeg'). A native copy that lacks
    files (IDX, each plain or ``.gz``) or categories (Caltech-101) raises CorruptDataError."""
    directory = Path(directory)
    native = directory / NATIVE_LAYOUTS[name]
    if name in ("mnist", "fashion_mnist"):
        missing = [file_name for file_name in IDX_FILES.values() if idx_file(native, file_name) is None]
        if not missing:
            return "idx", native
        if len(missing) < len(IDX_FILES):  # a partial copy is an error, not a reason to look elsewhere
            raise CorruptDataError(f"{native}: incomplete {name} folder, missing {', '.join(missing)}")
    elif native.is_dir():
        if name == "caltech101":
            _check_caltech_categories(native)
            return "caltech", native
        return "cifar", native
    npz = directory / f"{name}.npz"
    if npz.is_file():
        return "npz", npz
    archive = directory / f"{name}{JPEG_ARCHIVE_SUFFIX}"
    return ("jpeg", archive) if archive.is_file() else None


def idx_file(raw_dir: str | os.PathLike, file_name: str) -> Path | None:
    """The IDX file ``file_name`` in ``raw_dir``: the plain file, else ``<file_name>.gz``; None if neither."""
    for candidate in (Path(raw_dir) / file_name, Path(raw_dir) / f"{file_name}{GZIP_SUFFIX}"):
        if candidate.is_file():
            return candidate
    return None


def official_class_count(name: str, classes: Sequence[str]) -> int | None:
    """How many classes a complete copy of dataset ``name`` holds, for a file whose own ``classes``
    list (``classes``) is all it says about that: the constants' class names (Caltech-101: the
    categories :func:`find_in` expects of a folder, with BACKGROUND_Google when ``classes`` has it);
    None for a dataset without fixed classes."""
    if name == "caltech101":
        return len(CALTECH101_CLASSES) + (CALTECH101_BACKGROUND in classes)
    return len(CLASS_NAMES[name]) if name in CLASS_NAMES else None


def fetch_command(name: str, data_dir: str | os.PathLike | None = None) -> str:
    """The shell command that downloads dataset ``name`` with torchvision into the place searched."""
    target = shlex.quote(str(data_dir if data_dir is not None else PROJECT_DATA_DIR))
    return f"python -m helpers.data.download {name} --data-dir {target}"


def not_found_message(name: str, data_dir: str | os.PathLike | None = None) -> str:
    """Why dataset ``name`` was not found: every place searched, and how to fetch or place it."""
    layout = NATIVE_LAYOUTS[name] + ("/*-ubyte[.gz] (4 IDX files)" if name in ("mnist", "fashion_mnist") else "/")
    searched = "; ".join(f"{directory} ({origin})" for directory, origin in search_dirs(data_dir))
    return (f"dataset {name!r} not found; searched, in order: {searched}, each for {layout}, {name}.npz "
            f"or {name}{JPEG_ARCHIVE_SUFFIX}. "
            f"To get it: `{fetch_command(name, data_dir)}` (needs internet), or let the run download it "
            f"(download=True, --download), or place a copy in one of those folders, or point data_dir / "
            f"HELPERS_DATA_DIR at a folder that holds one")


def data_identity(kind: str, path: str | os.PathLike) -> dict[str, Any]:
    """What a dataset on disk is, for telling whether it changed: its path, file count, bytes and a
    digest of every file's relative name and size, with the content of small files and the
    modification time of large ones."""
    path = Path(path)
    files = sorted(item for item in path.rglob("*") if item.is_file()) if path.is_dir() else [path]
    digest = hashlib.sha256()
    total = 0
    for item in files:
        stat = item.stat()
        total += stat.st_size
        relative = item.relative_to(path).as_posix() if path.is_dir() else item.name
        digest.update(f"{relative}\0{stat.st_size}\0".encode())
        if stat.st_size <= _IDENTITY_FILE_LIMIT:
            digest.update(item.read_bytes())
        else:
            digest.update(str(stat.st_mtime_ns).encode())
    return {"kind": kind, "path": str(path), "files": len(files), "bytes": total, "digest": digest.hexdigest()}


def _embedded_sample(name: str) -> Path:
    path = samples_dir() / f"{name}.npz"
    if path.is_file():
        return path
    if name in EMBEDDED_SAMPLES:
        raise DataNotFoundError(f"the embedded sample {path} is missing: restore it from git, or rebuild the "
                                "samples from a full copy with `make samples` (scripts/make_samples.py)")
    raise DataNotFoundError(f"{name} has no embedded sample; the samples hold {', '.join(EMBEDDED_SAMPLES)}")


def _check_caltech_categories(folder: Path) -> None:
    present = {item.name for item in folder.iterdir() if item.is_dir() and any(item.iterdir())}
    missing = [name for name in CALTECH101_CLASSES if name not in present]
    unknown = sorted(present - set(CALTECH101_CLASSES) - {CALTECH101_BACKGROUND})
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing (or empty) {len(missing)} of the 101 categories: {', '.join(missing[:8])}"
                         + (", ..." if len(missing) > 8 else ""))
        if unknown:
            parts.append(f"folders that are not Caltech-101 categories: {', '.join(unknown[:8])}")
        raise CorruptDataError(f"{folder}: incomplete caltech101 folder, {'; '.join(parts)}")


def _download(name: str, data_dir: str | os.PathLike | None) -> tuple[str, Path]:
    from torchvision import datasets as tv_datasets  # deferred: importing torchvision costs ~1 s

    dataset_class = getattr(tv_datasets, TORCHVISION_CLASSES[name])
    errors = []
    for directory, _ in search_dirs(data_dir):
        try:
            directory.mkdir(parents=True, exist_ok=True)
            if not os.access(directory, os.W_OK):
                raise PermissionError(f"{directory} is not writable")
            dataset_class(root=str(directory), download=True)
        except Exception as error:  # network, permission or archive errors all mean: try the next place
            errors.append(f"{directory}: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")
            continue
        found = find_in(directory, name)
        if found:
            return found
        errors.append(f"{directory}: downloaded, but {NATIVE_LAYOUTS[name]} did not appear")
    raise DataNotFoundError(f"{not_found_message(name, data_dir)}. The download failed: {'; '.join(errors)}")
