"""Where a dataset is on disk: the search order, the layouts recognised, and downloading.

Directories are searched in this order, and the first match wins:

1. ``data_dir`` when given; an explicit directory is searched first but not alone, so a notebook
   that passes one still finds the data on a machine where it sits in the other places;
2. ``$HELPERS_DATA_DIR`` when set;
3. the project's ``data/`` folder;
4. the embedded samples, ``data/samples/``: small class-balanced subsets of CIFAR-10, MNIST,
   Fashion-MNIST and Caltech-101 committed with the project (made by ``scripts/make_samples.py``)
   so the smoke profile runs offline. Searched last, so any full copy wins; a dataset read from
   there carries a note saying it is a sample (see :func:`is_embedded_sample`).

In each directory, torchvision's own layout is tried first (``MNIST/raw/*-ubyte``,
``FashionMNIST/raw/*-ubyte``, ``cifar-10-batches-py``, ``cifar-100-python``,
``caltech101/101_ObjectCategories``), then ``<name>.npz``.
"""

from __future__ import annotations

import os
from pathlib import Path

from helpers.data.readers import IDX_FILES
from helpers.errors import CorruptDataError, DataNotFoundError

PROJECT_DATA_DIR = Path(__file__).resolve().parents[2] / "data"
SAMPLES_SUBDIR = "samples"  # inside PROJECT_DATA_DIR
EMBEDDED_SAMPLES = ("cifar10", "mnist", "fashion_mnist", "caltech101")  # CIFAR-100 is not embedded
# torchvision's on-disk layout of each dataset, relative to a data directory.
NATIVE_LAYOUTS = {
    "mnist": "MNIST/raw",
    "fashion_mnist": "FashionMNIST/raw",
    "cifar10": "cifar-10-batches-py",
    "cifar100": "cifar-100-python",
    "caltech101": "caltech101/101_ObjectCategories",
}


def search_dirs(data_dir: str | os.PathLike | None = None) -> list[tuple[Path, str]]:
    """The directories searched, in order, each with where it came from (duplicates removed)."""
    candidates = []
    if data_dir is not None:
        candidates.append((Path(data_dir).expanduser(), "data_dir argument"))
    if os.environ.get("HELPERS_DATA_DIR"):
        candidates.append((Path(os.environ["HELPERS_DATA_DIR"]).expanduser(), "$HELPERS_DATA_DIR"))
    candidates.append((PROJECT_DATA_DIR, "project data folder"))
    candidates.append((samples_dir(), "embedded samples"))
    unique, seen = [], set()
    for directory, origin in candidates:
        if directory.resolve() not in seen:
            seen.add(directory.resolve())
            unique.append((directory, origin))
    return unique


def samples_dir() -> Path:
    """The folder of the embedded samples, ``data/samples`` (read at call time, so tests can move it)."""
    return PROJECT_DATA_DIR / SAMPLES_SUBDIR


def is_embedded_sample(path: str | os.PathLike) -> bool:
    """Whether ``path`` (as returned by :func:`locate_dataset`) lies in the embedded samples folder."""
    return Path(path).resolve().parent == samples_dir().resolve()


def locate_dataset(name: str, *, data_dir: str | os.PathLike | None = None, download: bool = False) -> tuple[str, Path]:
    """``(kind, path)`` of dataset ``name``: kind is 'idx', 'cifar', 'caltech' or 'npz'.

    When nothing is found: with ``download`` torchvision downloads it into the first writable
    search directory; otherwise :class:`~helpers.errors.DataNotFoundError` lists every place and
    layout searched and how to fix it.
    """
    for directory, _ in search_dirs(data_dir):
        found = find_in(directory, name)
        if found:
            return found
    if not download:
        raise DataNotFoundError(_not_found_message(name, data_dir))
    return _download(name, data_dir)


def find_in(directory: str | os.PathLike, name: str) -> tuple[str, Path] | None:
    """``(kind, path)`` of dataset ``name`` in ``directory`` alone (native layout first), or None."""
    directory = Path(directory)
    native = directory / NATIVE_LAYOUTS[name]
    if name in ("mnist", "fashion_mnist"):
        missing = [file_name for file_name in IDX_FILES.values() if not (native / file_name).is_file()]
        if not missing:
            return "idx", native
        if len(missing) < len(IDX_FILES):  # a partial copy is an error, not a reason to look elsewhere
            raise CorruptDataError(f"{native}: incomplete {name} folder, missing {', '.join(missing)}")
    elif native.is_dir():
        return ("caltech" if name == "caltech101" else "cifar"), native
    npz = directory / f"{name}.npz"
    return ("npz", npz) if npz.is_file() else None


def _not_found_message(name: str, data_dir: str | os.PathLike | None) -> str:
    layout = NATIVE_LAYOUTS[name] + ("/*-ubyte (4 IDX files)" if name in ("mnist", "fashion_mnist") else "/")
    searched = "\n".join(
        f"  - {directory} ({origin}): {layout} or {name}.npz" for directory, origin in search_dirs(data_dir)
    )
    env_note = "" if os.environ.get("HELPERS_DATA_DIR") else " (it is not set)"
    if name in EMBEDDED_SAMPLES:
        samples_note = (
            f"The embedded sample {samples_dir() / (name + '.npz')} is missing too: restore it from git, "
            "or rebuild the samples from a full copy with `make samples` (scripts/make_samples.py)."
        )
    else:
        samples_note = f"{name} has no embedded sample (`make samples` builds {', '.join(EMBEDDED_SAMPLES)})."
    return (
        f"dataset {name!r} not found. Searched, in order:\n{searched}\n"
        f"To fix: pass data_dir='<folder holding {layout} or {name}.npz>', or set HELPERS_DATA_DIR{env_note}, "
        f"or call load_dataset({name!r}, download=True) (needs internet). {samples_note}"
    )


def _download(name: str, data_dir: str | os.PathLike | None) -> tuple[str, Path]:
    from torchvision import datasets as tv_datasets  # deferred: importing torchvision costs ~1 s

    dataset_class = {
        "mnist": tv_datasets.MNIST, "fashion_mnist": tv_datasets.FashionMNIST, "cifar10": tv_datasets.CIFAR10,
        "cifar100": tv_datasets.CIFAR100, "caltech101": tv_datasets.Caltech101,
    }[name]  # fmt: skip
    errors = []
    for directory, _ in search_dirs(data_dir):
        if directory.resolve() == samples_dir().resolve():  # it holds only the committed subsets
            continue
        try:
            directory.mkdir(parents=True, exist_ok=True)
            if not os.access(directory, os.W_OK):
                raise PermissionError(f"{directory} is not writable")
            dataset_class(root=str(directory), download=True)
        except Exception as error:  # network, permission or archive errors all mean: try the next place
            errors.append(f"{directory}: {type(error).__name__}: {error}")
            continue
        found = find_in(directory, name)
        if found:
            return found
        errors.append(f"{directory}: downloaded, but {NATIVE_LAYOUTS[name]} did not appear")
    raise DataNotFoundError(_not_found_message(name, data_dir) + "\nDownload failed:\n  " + "\n  ".join(errors))
