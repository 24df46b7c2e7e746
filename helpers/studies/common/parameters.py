"""A study notebook's parameters: the profiles, the checked parameter set, and the guard against
mistyped papermill parameters. Importable without torch (the batch runner takes ``PROFILES`` here).
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import inspect
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.config import DEVICES, PROGRESS_MODES, check_override
from helpers.data.options import MAX_IMAGE_SIZE, SEED_RANGE, SEED_RANGE_TEXT, check_integer
from helpers.errors import InvalidConfigError, check_choice

PROFILES = ("smoke", "cpu", "quick", "paper")
SAMPLE_PROFILES = ("smoke",)  # trained on the embedded samples; every other profile needs the real data
DOWNLOADING_PROFILES = ("quick", "paper")  # fetch missing data unless download=False; cpu reads what is on disk
# A verdict needs the seed spread: every profile but smoke runs each run with two seeds by default.
PROFILE_SEEDS = {"smoke": (0,), "cpu": (0, 1), "quick": (0, 1), "paper": (0, 1)}
# The image_size parameter (study 4), pixels per side: its ResNets halve the image five times
# (stride 32), so below 8 px the last stages see less than one pixel; the papers train at 224, and
# above helpers.data.options.MAX_IMAGE_SIZE a value is a typo.
IMAGE_SIZE_RANGE = (8, MAX_IMAGE_SIZE)
PAPER = "paper"
CHOSEN = "not stated in the paper; chosen"
INJECTED_CELL_HEADER = "# Parameters"  # how papermill's injected-parameters cell begins
# The pretrained weights a notebook may name (helpers.models.pretrained's, repeated here: no torch at import).
PRETRAINED_NAMES = ("imagenet", "IMAGENET1K_V1", "IMAGENET1K_V2")
VALID_PRETRAINED = ("None (the profile's choice), False (none), 'imagenet', 'IMAGENET1K_V1', 'IMAGENET1K_V2', the "
                    "path of a state-dict file in torchvision's ResNet layout, or of a folder holding one per ResNet "
                    "(resnet18.pth, resnet50.pth, ...)")


@dataclass(frozen=True)
class StudyParameters:
    """A notebook's parameters, checked: the profile and the overrides every study accepts, the
    few that one study adds, and what a study's tuning phase chose."""

    profile: str
    data_dir: str | None
    device: str
    seeds: tuple[int, ...]
    epochs: int | None
    batch_size: int | None
    output_dir: Path
    download: bool = False  # let torchvision fetch data that is not on disk
    torchrun_processes: int = 1  # > 1: each run trains under torchrun, data-parallel over this many processes
    progress: str = "auto"  # TrainConfig.progress of every run: auto | bar | epoch | none
    image_size: int | None = None  # study 4: the image side in pixels; None: the profile's
    runs: tuple[str, ...] | None = None  # shell-style patterns on run ids and names; None: every run
    # None the profile's choice (studies 1, 3: none), False none, a torchvision name ("imagenet"), or an
    # absolute path: a file, or a folder of files named after the networks (helpers.studies.common.start_weights)
    pretrained: bool | str | None = None
    tuned: Mapping[str, Any] | None = None  # what a tuning phase chose (study 5: lr, momentum); None: not run

    @property
    def samples(self) -> bool:
        """Whether the runs read the embedded samples (the smoke profile) instead of the real data."""
        return self.profile in SAMPLE_PROFILES

    @property
    def in_part(self) -> bool:
        """Whether only some of the study's runs are chosen (the ``runs`` parameter)."""
        return self.runs is not None

    def with_tuned(self, values: Mapping[str, Any]) -> StudyParameters:
        """These parameters with ``values`` from the study's tuning phase (its ``tuned_values``)."""
        return dataclasses.replace(self, tuned=dict(values))


def check_parameters(
    *,
    profile: str,
    data_dir: str | None,
    device: str,
    seeds: Sequence[int] | str | None,
    epochs: int | None,
    batch_size: int | None,
    output_dir: str | os.PathLike,
    download: bool | None = None,
    torchrun_processes: int = 1,
    progress: str = "auto",
    image_size: int | None = None,
    runs: Sequence[str] | str | None = None,
    pretrained: bool | str | os.PathLike | None = None,
) -> StudyParameters:
    """Validate a notebook's parameters before any data is read; raise naming the bad value.

    Every value is type-checked (``"False"`` is no bool). ``seeds`` may be the text of a list, as
    papermill's ``-p`` passes ``[0, 1]``; ``None`` is the profile's (:data:`PROFILE_SEEDS`: one seed
    for smoke, two for every other profile, so that a verdict can see the seed spread). ``download=None`` is the profile's choice: the quick and
    paper profiles fetch missing data, the others do not. ``runs`` (shell-style patterns, see
    :mod:`helpers.studies.common.selection`) may be one pattern, a list, or the text of a list.
    ``pretrained`` (studies 1, 3, 4) is checked by :func:`check_pretrained`: a path must exist.
    Relative paths (``output_dir``, ``data_dir``, ``pretrained``) resolve against :func:`project_root`.
    """
    for name, value in (("profile", profile), ("device", device), ("progress", progress)):
        _require_type(name, value, str, "a string")
    check_choice("profile", profile, PROFILES)
    check_choice("device", device, DEVICES)
    check_choice("progress", progress, PROGRESS_MODES)
    seeds = PROFILE_SEEDS[profile] if seeds is None or seeds == "None" else _seeds(seeds)
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):  # None: the profile's
        if value is not None:
            check_override(name, value)  # the config's own rule, not a second copy of it
    if image_size is not None:
        low, high = IMAGE_SIZE_RANGE
        check_integer("image_size", image_size, low, high,
                      expected=f"{low} to {high} pixels per side, or None for the profile's")
    if download is not None and not isinstance(download, bool):
        raise InvalidConfigError(f"invalid download {download!r}: expected True, False or None (the profile's choice)")
    if isinstance(torchrun_processes, bool) or not isinstance(torchrun_processes, int) or torchrun_processes < 1:
        raise InvalidConfigError(f"invalid torchrun_processes {torchrun_processes!r}: expected a positive integer")
    if torchrun_processes > 1 and device == "cuda":
        import torch

        visible = torch.cuda.device_count()
        if visible < torchrun_processes:
            raise InvalidConfigError(f"invalid torchrun_processes {torchrun_processes}: only {visible} GPU(s) visible; "
                                     "one process per GPU")
    if data_dir is not None:
        _require_type("data_dir", data_dir, (str, os.PathLike), "a folder path or None")
        folder = resolve_path(data_dir)
        where = "" if str(folder) == os.fspath(data_dir) else f" ({folder})"
        if folder.is_file():
            raise InvalidConfigError(f"invalid data_dir {str(data_dir)!r}: it is a file, not a folder{where}")
        if not folder.is_dir():
            raise InvalidConfigError(f"invalid data_dir {str(data_dir)!r}: no such folder{where}")
        data_dir = data_dir if isinstance(data_dir, str) and Path(data_dir).is_absolute() else str(folder)
    _require_type("output_dir", output_dir, (str, os.PathLike), "a folder path")
    output_dir = resolve_path(output_dir)
    if download is None:
        download = profile in DOWNLOADING_PROFILES
    return StudyParameters(profile=profile, data_dir=data_dir, device=device, seeds=seeds, epochs=epochs,
                           batch_size=batch_size, output_dir=output_dir, download=download,
                           torchrun_processes=torchrun_processes, progress=progress, image_size=image_size,
                           runs=run_patterns(runs), pretrained=check_pretrained(pretrained))


def check_parameter_values(values: Mapping[str, Any]) -> None:
    """:func:`check_parameters` on a notebook's parameter values as papermill would inject them
    (its defaults overlaid with the overrides); names it does not know are left to the notebook.
    The batch runner calls this before any kernel starts."""
    accepted = inspect.signature(check_parameters).parameters
    known = {name: value for name, value in values.items() if name in accepted}
    for name, parameter in accepted.items():
        if parameter.default is inspect.Parameter.empty and name not in known:
            known[name] = {"profile": "smoke", "device": "auto", "seeds": None, "output_dir": "."}.get(name)
    check_parameters(**known)


def check_pretrained(pretrained: Any) -> bool | str | None:
    """The ``pretrained`` parameter checked: None (the profile's choice) and False (no pretrained
    runs) as they are, a torchvision name in its canonical spelling (``"imagenet"``,
    ``"IMAGENET1K_V1"``), or else the path of an existing file or folder (one file per network,
    :mod:`helpers.studies.common.start_weights`), made absolute (a relative path resolves against
    :func:`project_root`, as ``output_dir`` does). Reads no file."""
    if pretrained is None or pretrained is False:
        return pretrained
    if isinstance(pretrained, bool) or not isinstance(pretrained, (str, os.PathLike)) or not str(pretrained).strip():
        raise InvalidConfigError(f"invalid pretrained {pretrained!r}: expected {VALID_PRETRAINED}")
    text = os.fspath(pretrained)
    for name in PRETRAINED_NAMES:
        if text.lower() == name.lower():
            return name
    path = resolve_path(text)
    if not path.exists():
        raise InvalidConfigError(f"invalid pretrained {text!r}: no such file or folder ({path}); "
                                 f"expected {VALID_PRETRAINED}")
    return str(path)


def project_root(working_dir: str | os.PathLike | None = None) -> Path:
    """The folder that relative notebook paths resolve against: the nearest folder, from the
    working directory (``working_dir``, else the process's) upwards, that holds a ``notebooks``
    and a ``helpers`` folder (a checkout of this project, whose notebooks run in ``notebooks/``);
    outside any checkout, the working directory itself. Never where the ``helpers`` package is
    installed: for an installed package that is site-packages, not the user's project."""
    start = Path(working_dir if working_dir is not None else Path.cwd()).expanduser().resolve()
    for folder in (start, *start.parents):
        if (folder / "notebooks").is_dir() and (folder / "helpers").is_dir():
            return folder
    return start


def resolve_path(path: str | os.PathLike) -> Path:
    """``path`` (``~`` expanded) as it is when absolute, else under :func:`project_root`."""
    path = Path(path).expanduser()
    return path if path.is_absolute() else project_root() / path


def _require_type(name: str, value: Any, kinds: type | tuple[type, ...], expected: str) -> None:
    if not isinstance(value, kinds) or isinstance(value, bool):
        raise InvalidConfigError(f"invalid {name} {value!r}: a {type(value).__name__}, expected {expected}")


def run_patterns(runs: Any) -> tuple[str, ...] | None:
    """The ``runs`` parameter as a tuple of patterns; None (every run) for None. A string that reads as a list
    (papermill's ``-p runs '["B+c+l"]'``) is that list; any other string is one pattern."""
    if runs is None:
        return None
    if isinstance(runs, str) and runs.lstrip().startswith(("[", "(")):
        try:
            runs = ast.literal_eval(runs)
        except (ValueError, SyntaxError):
            raise InvalidConfigError(f"invalid runs {runs!r}: expected a pattern, a list of patterns or None") from None
    patterns = (runs,) if isinstance(runs, str) else tuple(runs) if isinstance(runs, (list, tuple)) else None
    if not patterns or not all(isinstance(pattern, str) and pattern.strip() for pattern in patterns):
        raise InvalidConfigError(f"invalid runs {runs!r}: expected a pattern ('B+c+l', 'resnet18_*'), a non-empty "
                                 "list of patterns, or None for every run")
    return patterns


def _seeds(seeds: Any) -> tuple[int, ...]:
    if isinstance(seeds, str):  # papermill's -p passes a list as its text
        try:
            seeds = ast.literal_eval(seeds)
        except (ValueError, SyntaxError):
            raise InvalidConfigError(f"invalid seeds {seeds!r}: expected a non-empty list of integers") from None
    seeds = tuple(seeds) if isinstance(seeds, (list, tuple)) else (seeds,)
    if not seeds or not all(isinstance(seed, int) and not isinstance(seed, bool) for seed in seeds):
        raise InvalidConfigError(f"invalid seeds {list(seeds)!r}: expected a non-empty list of integers")
    repeated = sorted({seed for seed in seeds if seeds.count(seed) > 1})
    if repeated:  # two runs of one id: the second would load the first's results
        raise InvalidConfigError(f"invalid seeds {list(seeds)!r}: {', '.join(map(str, repeated))} given twice; "
                                 "expected distinct integers")
    for seed in seeds:
        check_integer("seed", seed, *SEED_RANGE, expected=f"an integer from {SEED_RANGE_TEXT}")
    return seeds


def parse_value(text: str) -> Any:
    """A ``-p`` value as papermill's ``-p`` reads it (``True``, ``False``, ``None``, integers,
    floats, else the string), and Python literals too (``[0, 1]``, ``'3'``), which papermill
    leaves as text and the notebooks' checks also accept."""
    named = {"True": True, "False": False, "None": None}
    if text in named:
        return named[text]
    for number in (int, float):
        try:
            return number(text)
        except ValueError:
            pass
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text
    return value if isinstance(value, (list, tuple, dict, str)) else text


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
