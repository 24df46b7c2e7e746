"""The JPEG archive ``<name>.jpeg.npz``: a dataset's images as JPEG bytes, small enough to travel.

Decoded pixels barely compress; JPEG at the source's own quality does (CIFAR-10, whose shared copy
was decoded from JPEG quality 75 4:2:0, takes ~300 bytes an image this way against 3,072 raw).
Images of one size encoded alike start with the same bytes (SOI, APP0, DQT, SOF, DHT, SOS: 623 of
~923 for a 32x32 RGB image at quality 75), so the prefix they all share is stored once as
``header`` and each image keeps only the rest; ``header + payload`` is exactly Pillow's encoding of
the image.

Keys, written with ``np.savez`` (JPEG bytes do not deflate further) and read with
``allow_pickle=False``:

- ``header`` uint8: the shared prefix (may be empty);
- ``train_payload`` / ``test_payload`` uint8, flat: the images' remaining bytes, one after another;
- ``train_offsets`` / ``test_offsets`` int64 ``[N + 1]``: image ``i`` is ``payload[o[i]:o[i + 1]]``;
- ``y_train`` / ``y_test`` int64 labels; ``classes`` unicode class names;
- ``image_shape`` int64 ``[C, H, W]`` (C = 1: grey JPEGs; C = 3: RGB);
- ``quality`` int, ``subsampling`` str ("4:2:0"; "grey" for C = 1);
- ``notes`` unicode: what the loader must say about this data (lossy re-encoding, subsets);
- ``decoded_sha256`` str: SHA-256 of the decoded pixels of both splits when the archive was written.

Another JPEG decoder (another libjpeg on another machine) may decode slightly other pixels; the
reader compares digests and, when they differ, adds a note saying so.

A folder of packed datasets has a manifest, ``PACKED.json`` (written by :mod:`helpers.data.pack`);
:func:`packed_from_samples` reads from it whether a dataset there came from the embedded samples,
which the loader then says whatever the format (gzipped IDX files carry no note of their own).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from helpers.data.readers import Splits, check_label_range
from helpers.errors import CorruptDataError, InvalidConfigError
from helpers.io import write_atomic

ARCHIVE_KEYS = ("header", "train_payload", "train_offsets", "y_train", "test_payload", "test_offsets", "y_test",
                "classes", "image_shape", "quality", "subsampling", "notes", "decoded_sha256")
SUBSAMPLINGS = ("4:4:4", "4:2:2", "4:2:0")  # Pillow's names of the chroma subsampling of RGB JPEGs
GREY = "grey"  # the subsampling recorded for grey archives (one channel: nothing to subsample)
MANIFEST_NAME = "PACKED.json"  # in a folder of packed datasets: what each is and where it came from
_SOS_MARKER = 0xDA  # start of scan: the entropy-coded data follows this segment
_PSNR_CHUNK = 4096  # images per chunk of the error sums: bounds the int32 working memory


@dataclass(frozen=True)
class EncodingReport:
    """What re-encoding cost: bytes written, the shared header's size, and the decoded pixels'
    PSNR (dB; inf when identical), largest absolute difference and SHA-256."""

    archive_bytes: int
    header_bytes: int
    psnr_db: float
    max_abs_difference: int
    decoded_sha256: str


def write_jpeg_archive(path: str | os.PathLike, splits: Splits, *, quality: int = 75, subsampling: str = "4:2:0",
                       source: str, notes: Sequence[str] = ()) -> EncodingReport:
    """Encode every image of ``splits`` as JPEG (Pillow, ``quality``, ``subsampling``; grey images
    as grey JPEGs) and write the archive atomically. Its first note says it was re-encoded from
    ``source`` (a description such as "the npz archive cifar10.npz", no machine path) and at
    what PSNR against ``splits``' pixels; ``notes`` follow."""
    if isinstance(quality, bool) or not isinstance(quality, int) or not 1 <= quality <= 95:
        raise InvalidConfigError(f"invalid JPEG quality {quality!r}: expected an integer from 1 to 95")
    if subsampling not in SUBSAMPLINGS:
        raise InvalidConfigError(f"invalid subsampling {subsampling!r}; valid choices: {', '.join(SUBSAMPLINGS)}")
    channels = splits.x_train.shape[1]
    options = {"quality": quality, "subsampling": subsampling} if channels == 3 else {"quality": quality}
    encodings = {split: [encode_jpeg(image, **options) for image in getattr(splits, f"x_{split}").numpy()]
                 for split in ("train", "test")}
    header = shared_header([*encodings["train"], *encodings["test"]])
    payloads = {split: _payload(encoded, len(header)) for split, encoded in encodings.items()}
    shape = tuple(splits.x_train.shape[1:])
    decoded = {split: _decode_split(header, *payloads[split], shape, where=f"{path} ({split})")
               for split in ("train", "test")}
    psnr_db, max_difference = pixel_error([splits.x_train.numpy(), splits.x_test.numpy()],
                                          [decoded["train"], decoded["test"]])
    encoding = f"JPEG quality {quality} ({subsampling if channels == 3 else GREY})"
    all_notes = [f"re-encoded as {encoding} by the packing step from {source}; "
                 f"PSNR {psnr_db:.1f} dB against the source pixels", *notes]
    digest = decoded_digest(decoded["train"], decoded["test"])
    arrays = {
        "header": np.frombuffer(header, dtype=np.uint8),
        "train_payload": payloads["train"][0], "train_offsets": payloads["train"][1],
        "y_train": splits.y_train.numpy().astype(np.int64),
        "test_payload": payloads["test"][0], "test_offsets": payloads["test"][1],
        "y_test": splits.y_test.numpy().astype(np.int64),
        "classes": np.array(splits.classes, dtype=str), "image_shape": np.array(shape, dtype=np.int64),
        "quality": np.array(quality), "subsampling": np.array(subsampling if channels == 3 else GREY),
        "notes": np.array(all_notes, dtype=str), "decoded_sha256": np.array(digest),
    }

    def save(temporary: Path) -> None:
        with open(temporary, "wb") as handle:  # a path would get ".npz" appended to the temporary name
            np.savez(handle, **arrays)

    write_atomic(path, save)
    return EncodingReport(Path(path).stat().st_size, len(header), psnr_db, max_difference, digest)


def read_jpeg_archive(path: str | os.PathLike) -> tuple[Splits, tuple[str, ...]]:
    """The splits stored in a JPEG archive, decoded with Pillow, and the notes the loader must add:
    the archive's own, and one more when the pixels decoded here differ from the packing machine's.
    A missing key, bad offsets, labels out of range or an image that does not decode raise
    :class:`CorruptDataError` naming the file and the problem."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [key for key in ARCHIVE_KEYS if key not in archive.files]
            if missing:
                raise CorruptDataError(f"{path}: missing key(s) {', '.join(missing)} of a JPEG archive; "
                                       f"found {', '.join(archive.files) or 'none'}")
            arrays = {key: archive[key] for key in ARCHIVE_KEYS}
    except CorruptDataError:
        raise
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as error:
        raise CorruptDataError(f"{path}: not a readable JPEG archive (truncated or damaged?): {error}") from error
    classes = _strings(arrays["classes"], path, "classes")
    if not classes:
        raise CorruptDataError(f"{path}: 'classes' is empty")
    shape = _image_shape(arrays["image_shape"], path)
    header = _flat_bytes(arrays["header"], path, "header")
    tensors = []
    for split in ("train", "test"):
        labels = arrays[f"y_{split}"]
        if labels.dtype.kind not in "iu" or labels.ndim != 1:
            raise CorruptDataError(f"{path}: 'y_{split}' must be a 1-D integer array, "
                                   f"got {labels.dtype} {labels.shape}")
        check_label_range(labels, len(classes), path, key=f"y_{split}")
        payload = np.frombuffer(_flat_bytes(arrays[f"{split}_payload"], path, f"{split}_payload"), dtype=np.uint8)
        offsets = _checked_offsets(arrays[f"{split}_offsets"], len(labels), len(payload), path, split)
        images = _decode_split(header, payload, offsets, shape, where=f"{path} ({split})")
        tensors += [torch.from_numpy(images), torch.from_numpy(labels.astype(np.int64))]
    notes = list(_strings(arrays["notes"], path, "notes"))
    recorded = _strings(arrays["decoded_sha256"].reshape(-1), path, "decoded_sha256")
    if (decoded_digest(tensors[0].numpy(), tensors[2].numpy()),) != recorded:
        notes.append("the pixels decoded here differ from those decoded on the machine that packed this archive "
                     "(another JPEG decoder), so runs trained on one machine are not reused on the other")
    return Splits(*tensors, classes=classes), tuple(notes)


def packed_from_samples(name: str, path: str | os.PathLike) -> bool:
    """Whether dataset ``name``, found at ``path`` (a file or folder a few levels inside a folder of
    packed datasets), was packed from the embedded samples, as that folder's manifest records; False
    where there is no manifest or it does not list that file or folder."""
    path = Path(path).resolve()
    for folder in list(path.parents)[:3]:
        manifest = folder / MANIFEST_NAME
        if not manifest.is_file():
            continue
        try:
            record = json.loads(manifest.read_text(encoding="utf-8"))["datasets"][name]
            listed = {(folder / item["path"]).resolve() for item in record["files"]}
        except (OSError, ValueError, KeyError, TypeError):
            return False
        return bool(record.get("from_samples")) and any(item == path or path in item.parents or item in path.parents
                                                        for item in listed)
    return False


def encode_jpeg(image: np.ndarray, *, quality: int, subsampling: str | None = None) -> bytes:
    """Pillow's baseline JPEG encoding (no optimize, no progressive) of one uint8 ``[C, H, W]``
    image, C = 1 (grey) or 3 (RGB)."""
    pixels = image[0] if image.shape[0] == 1 else image.transpose(1, 2, 0)
    buffer = io.BytesIO()
    options = {} if subsampling is None else {"subsampling": subsampling}
    Image.fromarray(np.ascontiguousarray(pixels)).save(buffer, format="JPEG", quality=quality, **options)
    return buffer.getvalue()


def shared_header(encodings: Sequence[bytes]) -> bytes:
    """The longest prefix common to every encoding, cut at the end of the first one's SOS segment:
    after it comes entropy-coded data, which shares bytes only by chance."""
    if not encodings:
        return b""
    prefix = encodings[0][:_end_of_scan_header(encodings[0])]
    for encoded in encodings[1:]:
        if not encoded.startswith(prefix):
            prefix = os.path.commonprefix([prefix, encoded])
    return prefix


def decoded_digest(x_train: np.ndarray, x_test: np.ndarray) -> str:
    """SHA-256 of the decoded uint8 ``[N, C, H, W]`` pixels, train then test, C-contiguous."""
    digest = hashlib.sha256()
    for images in (x_train, x_test):
        digest.update(np.ascontiguousarray(images, dtype=np.uint8).data)
    return digest.hexdigest()


def pixel_error(sources: Sequence[np.ndarray], decoded: Sequence[np.ndarray]) -> tuple[float, int]:
    """PSNR in dB (peak 255; inf when identical) and largest absolute difference of ``decoded``
    against ``sources``, over every pixel of every pair of arrays."""
    squared, count, largest = 0, 0, 0
    for source, result in zip(sources, decoded):
        for start in range(0, len(source), _PSNR_CHUNK):
            difference = source[start:start + _PSNR_CHUNK].astype(np.int32) - result[start:start + _PSNR_CHUNK]
            squared += int(np.square(difference, dtype=np.int64).sum())
            count += difference.size
            largest = max(largest, int(np.abs(difference).max(initial=0)))
    if squared == 0:
        return float("inf"), 0
    return float(10 * np.log10(255**2 * count / squared)), largest


def _end_of_scan_header(encoded: bytes) -> int:
    """Where the entropy-coded data starts: the end of the SOS segment (the whole encoding when no
    SOS is found). Segments after SOI are a 0xFF marker byte and a big-endian length that counts itself."""
    position = 2
    while position + 4 <= len(encoded) and encoded[position] == 0xFF:
        marker, length = encoded[position + 1], int.from_bytes(encoded[position + 2:position + 4], "big")
        position += 2 + length
        if marker == _SOS_MARKER:
            return min(position, len(encoded))
    return len(encoded)


def _payload(encodings: Sequence[bytes], header_length: int) -> tuple[np.ndarray, np.ndarray]:
    """The encodings less their shared header, concatenated, and the int64 offsets of each."""
    tails = [encoded[header_length:] for encoded in encodings]
    offsets = np.zeros(len(tails) + 1, dtype=np.int64)
    np.cumsum([len(tail) for tail in tails], out=offsets[1:])
    return np.frombuffer(b"".join(tails), dtype=np.uint8), offsets


def _decode_split(header: bytes, payload: np.ndarray, offsets: np.ndarray, shape: tuple[int, ...], *,
                  where: str) -> np.ndarray:
    """Decode every image of one split into uint8 ``[N, C, H, W]``; ``where`` names it in errors."""
    channels, height, width = shape
    mode = "L" if channels == 1 else "RGB"
    images = np.empty((len(offsets) - 1, height, width, channels), dtype=np.uint8)
    data = payload.tobytes()
    for index in range(len(images)):
        encoded = header + data[offsets[index]:offsets[index + 1]]
        try:
            with Image.open(io.BytesIO(encoded), formats=["JPEG"]) as image:
                image.load()
                if image.mode != mode or image.size != (width, height):
                    raise CorruptDataError(f"{where}: image {index} decodes as {image.mode} {image.size[0]}x"
                                           f"{image.size[1]}, expected {mode} {width}x{height}")
                images[index] = np.asarray(image).reshape(height, width, channels)
        except CorruptDataError:
            raise
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
            raise CorruptDataError(f"{where}: image {index} does not decode as JPEG: {error}") from error
    return np.ascontiguousarray(images.transpose(0, 3, 1, 2))


def _checked_offsets(offsets: np.ndarray, count: int, payload_length: int, path: Path, split: str) -> np.ndarray:
    key = f"{split}_offsets"
    if offsets.dtype.kind not in "iu" or offsets.shape != (count + 1,):
        raise CorruptDataError(f"{path}: '{key}' must be {count + 1} integers (one more than the {count} labels), "
                               f"got {offsets.dtype} {offsets.shape}")
    offsets = offsets.astype(np.int64)
    if offsets[0] != 0 or offsets[-1] != payload_length or (np.diff(offsets) < 0).any():
        raise CorruptDataError(f"{path}: bad '{key}': they must rise from 0 to the payload's {payload_length} bytes, "
                               f"got {offsets[0]}..{offsets[-1]}")
    return offsets


def _flat_bytes(array: np.ndarray, path: Path, key: str) -> bytes:
    if array.dtype != np.uint8 or array.ndim != 1:
        raise CorruptDataError(f"{path}: '{key}' must be a 1-D uint8 array, got {array.dtype} {array.shape}")
    return array.tobytes()


def _strings(array: np.ndarray, path: Path, key: str) -> tuple[str, ...]:
    if array.ndim != 1 or (array.size and array.dtype.kind not in "US"):
        raise CorruptDataError(f"{path}: '{key}' must be a 1-D array of strings, got {array.dtype} {array.shape}")
    return tuple(str(item) for item in array.astype(str))


def _image_shape(array: np.ndarray, path: Path) -> tuple[int, int, int]:
    if array.dtype.kind not in "iu" or array.shape != (3,) or array[0] not in (1, 3) or (array[1:] < 1).any():
        raise CorruptDataError(f"{path}: 'image_shape' must be [C, H, W] with C 1 or 3, got {array.tolist()}")
    channels, height, width = (int(size) for size in array)
    return channels, height, width
