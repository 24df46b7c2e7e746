"""Write the embedded samples: small, class-balanced, seeded subsets of the real datasets.

    python scripts/make_samples.py --source ../shared/data --out data/samples
    python scripts/make_samples.py --source ../shared/data --out data/samples --train-per-class 50 --test-per-class 10

They let the smoke profile of every study run offline on real images (``make samples`` runs the
first command). For each of CIFAR-10, MNIST, Fashion-MNIST and Caltech-101 the source is read with
:func:`helpers.data.load_dataset` (so formats, Caltech decoding and its 20 % stratified hold-out are
exactly the library's), a seeded class-balanced subset of each split is kept, and the result is
written as ``<name>.npz`` in the schema :func:`helpers.data.readers.read_npz` reads: ``x_train``,
``x_test`` uint8 ``[N, H, W, 3]`` (RGB) or ``[N, H, W]`` (grey), ``y_train``, ``y_test`` int64,
``classes`` unicode strings. ``MANIFEST.json`` records per file the source, the per-class counts,
shapes, sha256 and the command. The same inputs and arguments give the same bytes: the zip members
get a fixed timestamp, and every subset is drawn with a fixed seed. CIFAR-100 is not embedded: the
shared data has no copy of it.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import shlex
import sys
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import PIL
import torch

PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:  # run as a plain script from a checkout without `pip install -e .`
    sys.path.insert(0, str(PROJECT_ROOT))

from helpers.data import DataOptions, load_dataset  # noqa: E402
from helpers.data.constants import CALTECH101_DEFAULT_SIZE  # noqa: E402
from helpers.data.locate import find_in  # noqa: E402
from helpers.data.readers import read_npz  # noqa: E402
from helpers.io import write_atomic, write_json  # noqa: E402

# (train, test) images per class. Chosen to fit ~15 MB in git: decoded pixels barely deflate
# (CIFAR-10 ~93 %, Caltech ~81 % of raw), so the RGB sets dominate. Caltech keeps 6 train / 2 test
# of each of its 101 classes (the smallest class, inline_skate, has 25 / 6 after the hold-out).
DEFAULT_COUNTS = {
    "cifar10": (160, 40),
    "mnist": (200, 100),
    "fashion_mnist": (200, 100),
    "caltech101": (6, 2),
}
SIZE_LIMIT_BYTES = 20_000_000  # the budget for data/samples in git
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can store
FILE_MODE = 0o644  # the temporary file's 0600 would make a shared checkout unreadable to others
SCRIPT = "scripts/make_samples.py"


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line: where to read, where to write, how many images per class."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, type=Path, help="folder holding the full datasets")
    parser.add_argument("--out", required=True, type=Path, help="folder to write <name>.npz and MANIFEST.json into")
    parser.add_argument("--train-per-class", type=_positive, default=None,
                        help="training images per class for every dataset (default: per dataset, see DEFAULT_COUNTS)")
    parser.add_argument("--test-per-class", type=_positive, default=None,
                        help="test images per class for every dataset (default: per dataset)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the class-balanced draw")
    parser.add_argument("--caltech-size", type=_positive, default=CALTECH101_DEFAULT_SIZE,
                        help="side of the square Caltech-101 images, in pixels")
    parser.add_argument("--cache-dir", type=Path, default=None, help="cache of decoded Caltech images")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Write every sample file and the manifest; print what was written. Returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    missing = [name for name in DEFAULT_COUNTS if find_in(args.source, name) is None]
    if missing:
        print(f"error: not in {args.source}: {', '.join(missing)} (torchvision layout or <name>.npz)", file=sys.stderr)
        return 2

    files = {}
    for name, (train_default, test_default) in DEFAULT_COUNTS.items():
        train_per_class = args.train_per_class or train_default
        test_per_class = args.test_per_class or test_default
        files[f"{name}.npz"] = write_sample(
            name, source=args.source, out=args.out, train_per_class=train_per_class,
            test_per_class=test_per_class, seed=args.seed, caltech_size=args.caltech_size, cache_dir=args.cache_dir,
        )  # fmt: skip
    total = sum(entry["bytes"] for entry in files.values())
    manifest = {
        "description": "Class-balanced, seeded subsets of real datasets for the smoke profile (see data/README.md)",
        "command": shlex.join(["python", SCRIPT, *argv]),
        "seed": args.seed,
        "versions": {"numpy": np.__version__, "torch": torch.__version__, "pillow": PIL.__version__},
        "total_bytes": total,
        "files": files,
    }
    write_json(args.out / "MANIFEST.json", manifest).chmod(FILE_MODE)
    print(format_table(files, total))
    if total > SIZE_LIMIT_BYTES:
        print(f"warning: {total:,} bytes exceeds the {SIZE_LIMIT_BYTES:,}-byte budget", file=sys.stderr)
    return 0


def write_sample(
    name: str, *, source: Path, out: Path, train_per_class: int, test_per_class: int, seed: int,
    caltech_size: int, cache_dir: Path | None,
) -> dict:
    """Read ``name`` from ``source``, keep a balanced subset, write ``out/<name>.npz``; its manifest entry."""
    kind, path = find_in(source, name)
    options = DataOptions(train_per_class=train_per_class, test_per_class=test_per_class, seed=seed,
                          image_size=caltech_size if name == "caltech101" else None, cache_dir=cache_dir)
    data = load_dataset(name, options, data_dir=source)
    arrays = {
        "x_train": to_numpy_images(data.x_train),
        "y_train": data.y_train.numpy().astype(np.int64),
        "x_test": to_numpy_images(data.x_test),
        "y_test": data.y_test.numpy().astype(np.int64),
        "classes": np.array(data.classes, dtype=str),
    }
    target = out / f"{name}.npz"
    write_atomic(target, lambda temporary: temporary.write_bytes(npz_bytes(arrays))).chmod(FILE_MODE)
    check_written(target, arrays)
    return {
        "dataset": name,
        "source": {"layout": kind, "path": path.relative_to(source).as_posix()},
        "per_class_requested": {"train": train_per_class, "test": test_per_class},
        "per_class": {split: class_counts(arrays[f"y_{split}"], data.classes) for split in ("train", "test")},
        "shapes": {key: list(array.shape) for key, array in arrays.items()},
        "dtypes": {key: array.dtype.str for key, array in arrays.items()},
        "bytes": target.stat().st_size,
        "sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
        "loader_notes": list(data.notes),
    }


def to_numpy_images(images: torch.Tensor) -> np.ndarray:
    """uint8 ``[N, C, H, W]`` as the npz stores it: ``[N, H, W, 3]`` for RGB, ``[N, H, W]`` for grey."""
    if images.shape[1] == 1:
        return np.ascontiguousarray(images[:, 0].numpy())
    return np.ascontiguousarray(images.permute(0, 2, 3, 1).numpy())


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """The ``np.savez_compressed`` archive of ``arrays``, with every member stamped at a fixed time.

    numpy stamps each member with the current time, so two runs would differ in those bytes
    alone; re-packing with a fixed time (same names, order and deflate level) makes them equal.
    """
    raw = io.BytesIO()
    np.savez_compressed(raw, **arrays)
    packed = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = FILE_MODE << 16  # fixed, not the creating process's umask
            target.writestr(info, source.read(member))
    return packed.getvalue()


def check_written(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Read ``path`` back with the library's reader and compare with what was meant to be written."""
    splits = read_npz(path)
    for split in ("train", "test"):
        expected = torch.from_numpy(arrays[f"x_{split}"])
        expected = expected.unsqueeze(1) if expected.ndim == 3 else expected.permute(0, 3, 1, 2)
        if not torch.equal(getattr(splits, f"x_{split}"), expected) or not np.array_equal(
            getattr(splits, f"y_{split}").numpy(), arrays[f"y_{split}"]
        ):
            raise RuntimeError(f"{path}: {split} split does not read back as written")


def class_counts(labels: np.ndarray, classes: tuple[str, ...]) -> dict[str, int]:
    """Images per class name, in class order (0 for a class with none)."""
    counts = Counter(labels.tolist())
    return {name: counts.get(index, 0) for index, name in enumerate(classes)}


def format_table(files: dict[str, dict], total: int) -> str:
    """What was written, one line per file, and the total size."""
    lines = [f"{'file':<20}{'x_train':<22}{'x_test':<22}{'classes':>8}{'bytes':>13}"]
    for file_name, entry in files.items():
        shapes = entry["shapes"]
        lines.append(
            f"{file_name:<20}{str(tuple(shapes['x_train'])):<22}{str(tuple(shapes['x_test'])):<22}"
            f"{shapes['classes'][0]:>8}{entry['bytes']:>13,}"
        )
    lines.append(f"{'total':<72}{total:>13,}")
    return "\n".join(lines)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive integer")
    return value


if __name__ == "__main__":
    sys.exit(main())
