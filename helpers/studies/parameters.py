"""A study notebook's parameters: the profiles, the checked parameter set, and the guard against
mistyped papermill parameters. Importable without torch (the batch runner takes ``PROFILES`` here).
"""

from __future__ import annotations

import ast
import difflib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from helpers.config import DEVICES
from helpers.errors import InvalidConfigError, check_choice

PROFILES = ("smoke", "quick", "paper")
PROJECT_ROOT = Path(__file__).resolve().parents[2]
PAPER = "paper"
CHOSEN = "not stated in the paper; chosen"
INJECTED_CELL_HEADER = "# Parameters"  # how papermill's injected-parameters cell begins


@dataclass(frozen=True)
class StudyParameters:
    """A notebook's parameters, checked: the profile and the overrides every study accepts."""

    profile: str
    data_dir: str | None
    device: str
    seeds: tuple[int, ...]
    epochs: int | None
    batch_size: int | None
    output_dir: Path
    download: bool = False
    torchrun_processes: int = 1  # > 1: each run trains under torchrun, data-parallel over this many processes


def check_parameters(
    *,
    profile: str,
    data_dir: str | None,
    device: str,
    seeds: Sequence[int],
    epochs: int | None,
    batch_size: int | None,
    output_dir: str | os.PathLike,
    download: bool = False,
    torchrun_processes: int = 1,
) -> StudyParameters:
    """Validate a notebook's parameters before any data is read; raise naming the bad value."""
    check_choice("profile", profile, PROFILES)
    check_choice("device", device, DEVICES)
    seeds = tuple(seeds) if isinstance(seeds, (list, tuple)) else (seeds,)
    if not seeds or not all(isinstance(seed, int) and not isinstance(seed, bool) for seed in seeds):
        raise InvalidConfigError(f"invalid seeds {list(seeds)!r}: expected a non-empty list of integers")
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise InvalidConfigError(f"invalid {name} {value!r}: expected a positive integer or None")
    if isinstance(torchrun_processes, bool) or not isinstance(torchrun_processes, int) or torchrun_processes < 1:
        raise InvalidConfigError(f"invalid torchrun_processes {torchrun_processes!r}: expected a positive integer")
    if torchrun_processes > 1 and device == "cuda":
        import torch

        visible = torch.cuda.device_count()
        if visible < torchrun_processes:
            raise InvalidConfigError(f"invalid torchrun_processes {torchrun_processes}: only {visible} GPU(s) visible; "
                                     "one process per GPU")
    if data_dir is not None and not Path(data_dir).expanduser().is_dir():
        raise InvalidConfigError(f"invalid data_dir {str(data_dir)!r}: no such folder")
    output_dir = Path(output_dir).expanduser()
    if not output_dir.is_absolute():  # notebooks run from notebooks/, the batch runner from anywhere
        output_dir = PROJECT_ROOT / output_dir
    return StudyParameters(profile=profile, data_dir=data_dir, device=device, seeds=seeds, epochs=epochs,
                           batch_size=batch_size, output_dir=output_dir, download=download,
                           torchrun_processes=torchrun_processes)


def reject_unknown_parameters(cell_sources: Sequence[str]) -> None:
    """Raise when papermill injected a parameter that the notebook's ``parameters`` cell lacks.

    papermill only warns about such a name, so a typo (``-p epoch 3``) would run the study with
    the default. ``cell_sources`` is IPython's ``In``: papermill's injected cell starts with
    ``# Parameters`` and runs right after the parameters cell. Without one nothing is checked.
    """
    sources = list(cell_sources)
    for index in range(len(sources) - 1, 0, -1):
        if sources[index].startswith(INJECTED_CELL_HEADER):
            declared = assigned_names(sources[index - 1])
            unknown = [name for name in assigned_names(sources[index]) if name not in declared]
            if unknown:
                hints = [f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
                         for name in unknown for close in [difflib.get_close_matches(name, declared, n=1)]]
                raise InvalidConfigError(f"unknown parameter(s) {', '.join(hints)}; "
                                         f"valid parameters: {', '.join(sorted(declared))}")
            return


def assigned_names(source: str) -> list[str]:
    """Names assigned at the top level of a cell's source, in order."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [target.id for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign))
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name)]
