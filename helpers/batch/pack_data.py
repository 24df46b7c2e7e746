"""``python -m helpers.batch.pack_data --studies 01 02 [--source DIR | --samples] [--out data/packed]``
(``make pack-data STUDIES="01 02"``): the data some studies need, packed small enough to travel to a
borrowed GPU machine, and whether it travels.

That machine receives the repository's working tree and the ignored folders a call names, 64 MiB
in all, tracked files included, and has no ``../shared/data``. The datasets of the studies named
(:mod:`helpers.studies.registry`) are written by :mod:`helpers.data.pack` into ``--out``
(``data/packed``, ignored by git); the command prints each one's size and form, the total against
``--budget-mib`` (over it: one line, exit 2, nothing written), and the tracked files plus the pack
against the machine's limit, with the folders to carry. ``--samples`` packs the embedded samples
instead (the CPU dry run of the whole GPU path; the loader then says they are samples).
"""

from __future__ import annotations

import argparse
import math
import os
import shlex
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from helpers.commands import PROJECT_ROOT, OneLineArgumentParser, project_relative, run_command
from helpers.data.locate import PROJECT_DATA_DIR, checked_folder, samples_dir, shared_data_dir
from helpers.data.pack import DEFAULT_BUDGET_MIB, DEFAULT_QUALITY, MIB, PackedDataset, pack_datasets
from helpers.studies.registry import find_study, study_ids

DEVICE_LIMIT_MIB = 64  # what a GPU machine receives in all: working tree plus the folders a call names


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m helpers.batch.pack_data``."""
    parser = OneLineArgumentParser(prog="python -m helpers.batch.pack_data",
                                   description="Pack the data of some studies small enough for a GPU machine.")
    parser.add_argument("--studies", nargs="+", required=True, help=f"study ids: {', '.join(study_ids())}")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--source", type=Path, default=None, help="folder of the full datasets (default ../shared/data)")
    where.add_argument("--samples", action="store_true", help="pack the embedded samples (data/samples) instead")
    parser.add_argument("--out", type=Path, default=PROJECT_DATA_DIR / "packed", help="default data/packed")
    parser.add_argument("--budget-mib", type=_positive_float, default=DEFAULT_BUDGET_MIB,
                        help=f"most MiB the packed datasets may take (default {DEFAULT_BUDGET_MIB})")
    parser.add_argument("--quality", type=_quality, default=DEFAULT_QUALITY, help="JPEG quality, 1-95 (default 75)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Pack the datasets of the studies named; print one line per dataset, the total and whether it
    fits a GPU machine. Exit status 2 with one line for a bad value or a pack over budget."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    return run_command(lambda: _pack(build_parser().parse_args(arguments), arguments))


def _pack(arguments: argparse.Namespace, argv: list[str]) -> int:
    studies = [find_study(study_id) for study_id in arguments.studies]
    source = samples_dir() if arguments.samples else checked_folder(arguments.source or shared_data_dir(), "--source")
    packed = pack_datasets(list(dict.fromkeys(name for study in studies for name in study.datasets)),
                           source=source, out=arguments.out, samples=arguments.samples, quality=arguments.quality,
                           budget_mib=arguments.budget_mib,
                           optional=[name for study in studies for name in study.optional],
                           command=shlex.join(["python", "-m", "helpers.batch.pack_data", *argv]),
                           label=f"the data of studies {' '.join(study.id for study in studies)}")
    print(device_line(arguments.out, packed, tracked_tree_bytes(PROJECT_ROOT)))
    return 0


def device_line(out: Path, packed: Sequence[PackedDataset], tracked: int | None) -> str:
    """What a GPU machine would receive: tracked files plus these packs, against its limit, and the
    folders a call carries."""
    total = sum(item.size for item in packed)
    if tracked is None:
        return (f"GPU machine: the packed data take {total / MIB:.1f} of its {DEVICE_LIMIT_MIB} MiB "
                "(tracked files not counted: not a git checkout)")
    whole = tracked + total
    carry = [project_relative(out / entry, PROJECT_ROOT) for item in packed for entry in item.entries]
    if whole > DEVICE_LIMIT_MIB * MIB:
        verdict = "it will not travel: carry fewer studies per call"
    elif None in carry:
        verdict = f"it fits, but {out} is outside the repository, which alone travels: pack into data/packed"
    else:
        verdict = f"it travels; carry {' '.join(carry)}"
    return (f"GPU machine: tracked files {tracked / MIB:.1f} MiB + packed {total / MIB:.1f} MiB = "
            f"{whole / MIB:.1f} MiB of its {DEVICE_LIMIT_MIB} MiB: {verdict}")


def tracked_tree_bytes(root: Path) -> int | None:
    """The bytes of the files git tracks under ``root`` (as they are in the working tree); None
    outside a git checkout or without git."""
    try:
        completed = subprocess.run(["git", "-C", str(root), "ls-files", "-z"], capture_output=True, timeout=60,
                                   check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    paths = (root / os.fsdecode(name) for name in completed.stdout.split(b"\0") if name)
    return sum(path.stat().st_size for path in paths if path.is_file())


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"invalid value {text!r}: expected a positive number of MiB")
    return value


def _quality(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 95:
        raise argparse.ArgumentTypeError(f"invalid value {text!r}: expected an integer from 1 to 95")
    return int(text)


if __name__ == "__main__":
    sys.exit(main())
