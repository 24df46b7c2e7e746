"""Caltech-101 from its image folder (``101_ObjectCategories/<category>/*.jpg``), decoded once and
cached as an ``.npz``.

Decoding policy, fixed here so every study sees the same pixels:

- Each image is converted to RGB (grey images are replicated) and resized so its *shorter* side
  is ``image_size``, then centre-cropped to ``image_size x image_size`` (PIL bilinear, which
  antialiases when shrinking). Aspect ratios are kept; long images lose their ends, as in the
  standard ImageNet evaluation crop.
- Files whose suffix is .jpg/.jpeg/.png (any case) are read; others (the original distribution's
  stray ``BACKGROUND_Google/tmp``) are ignored. ``BACKGROUND_Google`` itself is not an object
  category and is left out unless ``include_background`` is set (torchvision also drops it).
- A file that does not decode is skipped, not fatal: one damaged JPEG should not stop a study.
  The skip is reported by one warning with the count and the first few paths, and kept in the
  result (and the cache) so the loader can record it in the dataset's notes.

The cache key is the image size, the background flag and a fingerprint of the file list (relative
paths and byte sizes), so adding, removing or replacing a file invalidates it.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps

from helpers.data.constants import CALTECH101_BACKGROUND
from helpers.errors import CorruptDataError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
CACHE_FORMAT = 1  # bump when the decoding policy changes, so old caches are not reused


@dataclass(frozen=True)
class FolderImages:
    """All decoded images of a class-per-folder dataset."""

    images: torch.Tensor  # uint8 [N, 3, S, S]
    labels: torch.Tensor  # int64 [N]
    classes: tuple[str, ...]
    skipped: tuple[str, ...]  # files (relative paths) that did not decode
    cache_path: Path | None  # None when the cache could not be written
    from_cache: bool


def default_cache_dir() -> Path:
    """``$HELPERS_CACHE_DIR`` if set, else ``~/.cache/helpers``."""
    return Path(os.environ.get("HELPERS_CACHE_DIR") or Path.home() / ".cache" / "helpers")


def read_caltech_folder(
    folder: str | os.PathLike,
    *,
    image_size: int,
    include_background: bool = False,
    cache_dir: str | os.PathLike | None = None,
) -> FolderImages:
    """Decode every image under ``folder`` (one sub-folder per class), using the cache when valid.

    Labels index the sorted (case-sensitive, as torchvision sorts) category names. Warnings point
    at the caller of :func:`~helpers.data.load_dataset`, the usual way in.
    """
    folder = Path(folder)
    files_by_class = _list_images(folder, include_background)
    fingerprint = _fingerprint(folder, files_by_class)
    cache_root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    background = "bg" if include_background else "nobg"
    cache_path = cache_root / f"caltech101_{image_size}px_{background}_{fingerprint[:16]}.npz"
    cached = _read_cache(cache_path, fingerprint)
    if cached is not None:
        return cached

    images, labels, skipped = [], [], []
    for label, paths in enumerate(files_by_class.values()):
        for path in paths:
            pixels = decode_image(path, image_size)
            if pixels is None:
                skipped.append(str(path.relative_to(folder)))
                continue
            images.append(pixels)
            labels.append(label)
    if skipped:
        _warn_caller(f"skipped {len(skipped)} file(s) under {folder} that do not decode as images: "
                     f"{', '.join(skipped[:5])}{' ...' if len(skipped) > 5 else ''}")
    if not images:
        raise CorruptDataError(f"{folder}: no decodable image in any category folder ({len(skipped)} skipped)")
    result = FolderImages(
        images=torch.from_numpy(np.ascontiguousarray(np.stack(images).transpose(0, 3, 1, 2))),  # [N, 3, S, S]
        labels=torch.as_tensor(labels, dtype=torch.int64),
        classes=tuple(files_by_class),
        skipped=tuple(skipped),
        cache_path=None,
        from_cache=False,
    )
    if _write_cache(cache_path, result, fingerprint):
        result = replace(result, cache_path=cache_path)
    return result


def decode_image(path: Path, image_size: int) -> np.ndarray | None:
    """One image as uint8 ``[S, S, 3]`` (shorter side to S, centre crop), or None if it does not decode."""
    try:
        with Image.open(path) as image:
            # For JPEGs, let libjpeg decode at a reduced scale that still covers the target size.
            image.draft("RGB", (image_size, image_size))
            image = image.convert("RGB")
            image = ImageOps.fit(image, (image_size, image_size), method=Image.Resampling.BILINEAR)
            return np.asarray(image, dtype=np.uint8)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None


def _list_images(folder: Path, include_background: bool) -> dict[str, list[Path]]:
    categories = sorted(entry.name for entry in os.scandir(folder) if entry.is_dir())
    if not include_background:
        categories = [name for name in categories if name != CALTECH101_BACKGROUND]
    return {
        name: sorted(path for path in (folder / name).iterdir() if path.suffix.lower() in IMAGE_SUFFIXES)
        for name in categories
    }


def _fingerprint(folder: Path, files_by_class: dict[str, list[Path]]) -> str:
    digest = hashlib.sha256(f"format {CACHE_FORMAT}\n".encode())
    for paths in files_by_class.values():
        for path in paths:
            digest.update(f"{path.relative_to(folder).as_posix()}\t{path.stat().st_size}\n".encode())
    return digest.hexdigest()


def _read_cache(path: Path, fingerprint: str) -> FolderImages | None:
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as archive:
            if str(archive["fingerprint"]) != fingerprint:
                return None
            return FolderImages(
                images=torch.from_numpy(archive["images"]),
                labels=torch.from_numpy(archive["labels"].astype(np.int64)),
                classes=tuple(str(name) for name in archive["classes"]),
                skipped=tuple(str(name) for name in archive["skipped"]),
                cache_path=path,
                from_cache=True,
            )
    except Exception:  # a damaged or foreign cache file is rebuilt, never trusted
        return None


def _write_cache(path: Path, result: FolderImages, fingerprint: str) -> bool:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target, then rename: readers never see a half-written file.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                np.savez(  # uncompressed: decoded pixels barely compress, and it loads at disk speed
                    file,
                    images=result.images.numpy(),
                    labels=result.labels.numpy(),
                    classes=np.array(result.classes, dtype=str),
                    skipped=np.array(result.skipped, dtype=str),
                    fingerprint=np.array(fingerprint),
                )
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:  # a read-only cache location costs speed, not correctness
        _warn_caller(f"could not write the Caltech-101 cache {path}: {error}")
        return False
    return True


def _warn_caller(message: str) -> None:
    """Warn, pointing at the first caller outside helpers/data (whoever called load_dataset or
    read_caltech_folder), however deep inside the package the warning is raised."""
    package = os.path.dirname(os.path.abspath(__file__))
    frame, level = sys._getframe(1), 2  # level 2: the function that called this one
    while frame.f_back is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == package:
        frame, level = frame.f_back, level + 1
    warnings.warn(message, stacklevel=level)
