"""Writing datasets in the packed forms a borrowed GPU machine receives (the packing command of the
batch layer chooses them by study and checks the size; ``data/README.md``, "Packed data").

Each dataset is written into a folder (``data/packed`` by default, ignored by git) in a form the
loader reads directly (``load_dataset(name, data_dir="data/packed")``):

- MNIST, Fashion-MNIST: the four IDX files gzipped (level 9, no timestamp) in torchvision's layout,
  ``MNIST/raw/*-ubyte.gz``; lossless, the source's bytes.
- Caltech-101 from its image folder: ``caltech101/101_ObjectCategories`` copied file by file; lossless.
- Anything else read as pixels (CIFAR-10 from ``cifar10.npz``; every dataset from the embedded
  samples except the IDX ones): the JPEG archive ``<name>.jpeg.npz`` (:mod:`helpers.data.packed`),
  quality 75 4:2:0 by default. Lossy: the archive carries a note with the PSNR, which the loader shows.

``PACKED.json`` in the folder records, per dataset, the files with bytes and SHA-256, the format,
whether it is lossless (else quality, subsampling, PSNR, largest difference), the source, whether
it came from the embedded samples (the loader then says so, whatever the format) and the command;
packing more datasets later merges into it. When the packed bytes exceed the budget nothing is
written (the files are made in a temporary sibling folder and moved in only after the check).
Optional datasets that are not in the source (CIFAR-100) are skipped, saying so.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from helpers.data.constants import CLASS_NAMES, IDX_FILES
from helpers.data.locate import (JPEG_ARCHIVE_SUFFIX, NATIVE_LAYOUTS, SAMPLES_SUBDIR, find_in, idx_file,
                                 official_class_count)
from helpers.data.packed import MANIFEST_NAME, write_jpeg_archive
from helpers.data.readers import (IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, Splits, check_splits, read_cifar,
                                  read_idx_dataset, read_npz)
from helpers.errors import DataNotFoundError, InvalidConfigError
from helpers.io import file_sha256, read_json, write_json

MIB = 1 << 20
DEFAULT_BUDGET_MIB = 60
# The shared CIFAR-10 copy's own JPEG quality: re-encoding at it gives 50.5 dB against its pixels
# (measured), quality 95 only 44.6 dB at about twice the bytes.
DEFAULT_QUALITY = 75
SUBSAMPLING = "4:2:0"  # the shared CIFAR-10 copy's own chroma subsampling
GZIP_LEVEL = 9
IDX_DATASETS = ("mnist", "fashion_mnist")
_LAYOUT_NAMES = {"npz": "the npz archive", "cifar": "the official pickle batches"}  # for the re-encoding note


@dataclass(frozen=True)
class PackedDataset:
    """One dataset written into the staging folder: its top-level paths there (what is moved into
    ``--out`` and what a GPU call carries), its manifest record and a one-line summary."""

    name: str
    entries: tuple[str, ...]
    record: dict[str, Any]
    summary: str

    @property
    def size(self) -> int:
        """Bytes of every file written."""
        return self.record["bytes"]


def pack_datasets(names: Sequence[str], *, source: Path, out: Path, samples: bool, quality: int = DEFAULT_QUALITY,
                  budget_mib: float = DEFAULT_BUDGET_MIB, optional: Sequence[str] = (), command: str = "",
                  label: str = "") -> list[PackedDataset]:
    """Pack datasets ``names`` from ``source`` (the embedded samples folder with ``samples``) into
    ``out`` and merge their records into its manifest; print one line per dataset and the total.
    Over ``budget_mib`` nothing is written and InvalidConfigError says so, naming ``label`` (what
    was packed, e.g. "the data of studies 01 02"). ``optional`` datasets missing in ``source``
    are skipped with a printed line."""
    if out.exists() and not out.is_dir():
        raise InvalidConfigError(f"invalid --out {str(out)!r}: it is a file, not a folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.packing-", dir=out.parent))
    try:
        packed = [_pack_dataset(name, *found, staging, source=source, quality=quality, samples=samples)
                  for name in names if (found := _find_source(name, source, samples, set(optional)))]
        for item in packed:  # per dataset: the manifest merges records of several commands
            item.record.update(command=command, versions=_versions())
        total = sum(item.size for item in packed)
        if total > budget_mib * MIB:
            sizes = ", ".join(f"{item.name} {item.size / MIB:.1f}" for item in packed)
            raise InvalidConfigError(f"{label or 'the data'} packs to {total / MIB:.1f} MiB ({sizes}), over "
                                     f"--budget-mib {budget_mib:g}; nothing written: pack fewer studies at a time")
        for item in packed:
            _install(staging, out, item)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _write_manifest(out, packed)
    for item in packed:
        print(f"{item.name}: {item.size / MIB:.2f} MiB, {item.summary} -> {', '.join(item.entries)}")
    print(f"total: {total / MIB:.2f} MiB in {out} (budget {budget_mib:g} MiB)")
    return packed


def _find_source(name: str, source: Path, samples: bool, optional: set[str]) -> tuple[str, Path] | None:
    """``(kind, path)`` of dataset ``name`` in ``source``; None, said in one printed line, for an
    optional dataset that is not there; DataNotFoundError for any other."""
    if samples:
        path = source / f"{name}.npz"
        found = ("npz", path) if path.is_file() else None
    else:
        found = find_in(source, name)
    if found is None and name in optional:
        print(f"{name}: skipped, not in {source} (optional: the studies run without it)")
    elif found is None:
        raise DataNotFoundError(f"dataset {name!r} not found in {source} (torchvision layout, {name}.npz or "
                                f"{name}{JPEG_ARCHIVE_SUFFIX}); pass --source with a folder that holds it")
    return found


def _pack_dataset(name: str, kind: str, path: Path, staging: Path, *, source: Path, quality: int,
                  samples: bool) -> PackedDataset:
    """Write dataset ``name``, found as ``kind`` at ``path`` in ``source``, into ``staging`` in its
    packed form; the records name the source by its path inside ``source``, never the machine's."""
    where = ((Path("data", SAMPLES_SUBDIR) if samples else Path()) / path.relative_to(source)).as_posix()
    origin = {"kind": kind, "path": where}
    if kind == "caltech":
        target = Path(NATIVE_LAYOUTS[name])
        _copy_regular_files(path, staging / target)
        return _packed(name, staging, [target], "image-folder", origin, samples, tree=True)
    if kind == "jpeg":  # already packed: re-encoding would lose more
        shutil.copyfile(path, staging / path.name)
        return _packed(name, staging, [Path(path.name)], "jpeg-archive (copied)", origin | {"sha256": file_sha256(path)},
                       samples)
    if kind == "idx":
        read_idx_dataset(path, CLASS_NAMES[name])  # checks headers, sizes and label ranges before packing
        raw = {key: _read_maybe_gzipped(idx_file(path, file_name)) for key, file_name in IDX_FILES.items()}
        origin["sha256"] = {IDX_FILES[key]: hashlib.sha256(data).hexdigest() for key, data in raw.items()}
        return _write_idx(name, raw, staging, origin, samples)
    splits = read_npz(path) if kind == "npz" else read_cifar(path.parent, name)
    check_splits(splits, path, dataset=name, official_classes=official_class_count(name, splits.classes))
    if kind == "npz":
        origin["sha256"] = file_sha256(path)
    if name in IDX_DATASETS:
        return _write_idx(name, _idx_from_arrays(splits), staging, origin, samples)
    described = f"the embedded sample {where}" if samples else f"{_LAYOUT_NAMES[kind]} {where}"
    return _write_jpeg(name, splits, staging, origin, samples, described=described, quality=quality)


def _write_jpeg(name: str, splits: Splits, staging: Path, origin: dict[str, Any], samples: bool, *,
                described: str, quality: int) -> PackedDataset:
    """``splits`` as the JPEG archive ``<name>.jpeg.npz``, its notes saying they were re-encoded from
    ``described`` (and, for ``samples``, that they are a sample)."""
    target = Path(f"{name}{JPEG_ARCHIVE_SUFFIX}")
    notes = [f"packed from the embedded samples (data/{SAMPLES_SUBDIR}): {len(splits.y_train):,} train / "
             f"{len(splits.y_test):,} test images, not the full dataset"] if samples else []
    report = write_jpeg_archive(staging / target, splits, quality=quality, subsampling=SUBSAMPLING,
                                source=described, notes=notes)
    encoding = {"quality": quality, "subsampling": SUBSAMPLING if splits.x_train.shape[1] == 3 else "grey",
                "psnr_db": round(report.psnr_db, 2) if math.isfinite(report.psnr_db) else None,
                "max_abs_difference": report.max_abs_difference, "header_bytes": report.header_bytes,
                "decoded_sha256": report.decoded_sha256}
    packed = _packed(name, staging, [target], "jpeg-archive", origin, samples, encoding=encoding)
    packed.record["images"] = {"train": len(splits.y_train), "test": len(splits.y_test)}
    return packed


def _write_idx(name: str, raw: dict[str, bytes], staging: Path, origin: dict[str, Any], samples: bool) -> PackedDataset:
    """The four IDX files' bytes gzipped into torchvision's layout (no timestamp: same input, same bytes)."""
    folder = Path(NATIVE_LAYOUTS[name])
    (staging / folder).mkdir(parents=True)
    for key, data in raw.items():
        (staging / folder / f"{IDX_FILES[key]}.gz").write_bytes(gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0))
    return _packed(name, staging, [folder / f"{file_name}.gz" for file_name in IDX_FILES.values()], "idx-gzip",
                   origin, samples)


def _packed(name: str, staging: Path, paths: list[Path], file_format: str, origin: dict[str, Any], samples: bool,
            *, tree: bool = False, encoding: dict[str, Any] | None = None) -> PackedDataset:
    files = [_describe(staging / path, path, tree=tree) for path in paths]
    record = {"format": file_format, "files": files, "bytes": sum(item["bytes"] for item in files),
              "lossless": encoding is None, "encoding": encoding, "source": origin, "from_samples": samples}
    summary = "lossless" if encoding is None else (
        f"re-encoded (JPEG quality {encoding['quality']} {encoding['subsampling']}, PSNR {encoding['psnr_db']} dB)")
    entries = tuple(dict.fromkeys(path.parts[0] for path in paths))
    return PackedDataset(name, entries, record, f"{summary}, {file_format}")


def _describe(path: Path, relative: Path, *, tree: bool) -> dict[str, Any]:
    """A file's relative path, bytes and SHA-256; for a folder (``tree``), its file count, bytes and
    the SHA-256 of the lines ``<relative path> <file sha256>`` of its files in sorted order."""
    if not tree:
        return {"path": relative.as_posix(), "bytes": path.stat().st_size, "sha256": file_sha256(path)}
    files = sorted(item for item in path.rglob("*") if item.is_file())
    lines = "".join(f"{item.relative_to(path).as_posix()} {file_sha256(item)}\n" for item in files)
    return {"path": relative.as_posix(), "files": len(files), "bytes": sum(item.stat().st_size for item in files),
            "tree_sha256": hashlib.sha256(lines.encode()).hexdigest()}


def _install(staging: Path, out: Path, item: PackedDataset) -> None:
    """Move one dataset's files from ``staging`` into ``out``, each file or folder by one rename;
    a folder already there is renamed aside first and removed after."""
    for record in item.record["files"]:
        source, target = staging / record["path"], out / record["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_dir():
            aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.replace(target, aside / target.name)
            os.replace(source, target)
            shutil.rmtree(aside)
        else:
            os.replace(source, target)
    found = find_in(out, item.name)
    installed = out / item.record["files"][0]["path"]
    plain = [out / Path(record["path"]).with_suffix("") for record in item.record["files"]
             if record["path"].endswith(".gz")]
    shadows = [path for path in plain if path.is_file()]
    if found is None or found[1] not in (installed, installed.parent) or shadows:
        what = shadows[0] if shadows else found[1] if found else "nothing"
        print(f"warning: {what} in {out} is read before the packed {item.name}; remove it to use the packed copy")


def _write_manifest(out: Path, packed: list[PackedDataset]) -> None:
    """Merge the records of ``packed`` into ``out/PACKED.json`` (records of other datasets are kept)."""
    path = out / MANIFEST_NAME
    try:
        datasets = read_json(path).get("datasets", {}) if path.is_file() else {}
    except (OSError, ValueError, AttributeError):  # unreadable: the files themselves are what counts
        datasets = {}
    datasets.update({item.name: item.record for item in packed})
    write_json(path, {"description": "datasets packed for a GPU machine (data/README.md, 'Packed data')",
                      "total_bytes": sum(record["bytes"] for record in datasets.values()), "datasets": datasets})


def _idx_from_arrays(splits: Splits) -> dict[str, bytes]:
    """IDX files' bytes of grey ``[N, 1, H, W]`` images and their labels, keyed as IDX_FILES is."""
    if splits.x_train.shape[1] != 1 or int(max(splits.y_train.max(), splits.y_test.max())) > 255:
        raise InvalidConfigError("IDX holds grey images and labels below 256; these splits are not that")
    raw = {}
    for split in ("train", "test"):
        images, labels = getattr(splits, f"x_{split}")[:, 0].numpy(), getattr(splits, f"y_{split}").numpy()
        raw[f"{split}_images"] = _idx_bytes(images, IDX_IMAGES_MAGIC)
        raw[f"{split}_labels"] = _idx_bytes(labels.astype(np.uint8), IDX_LABELS_MAGIC)
    return raw


def _idx_bytes(array: np.ndarray, magic: int) -> bytes:
    header = magic.to_bytes(4, "big") + b"".join(int(size).to_bytes(4, "big") for size in array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def _read_maybe_gzipped(path: Path) -> bytes:
    return gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()


def _copy_regular_files(source: Path, target: Path) -> None:
    """Copy every regular file under ``source`` to the same place under ``target``, bytes unchanged
    (links and other special files are left out)."""
    for folder, _, file_names in os.walk(source):
        for file_name in sorted(file_names):
            path = Path(folder) / file_name
            if stat.S_ISREG(path.lstat().st_mode):
                destination = target / path.relative_to(source)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, destination)


def _versions() -> dict[str, str]:
    versions = {"python": sys.version.split()[0]}
    for package in ("numpy", "pillow", "torch"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    return versions

