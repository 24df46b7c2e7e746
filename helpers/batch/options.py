"""The batch runner's command line, checked before any work: which notebooks, which parameters, where.

Every mistake raises :class:`~helpers.errors.HelpersError` naming the bad value (the runner prints
it as one line and exits 2) before a folder is created or a kernel started.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.batch.papermill_run import plain_parameters
from helpers.batch.parallel import visible_gpus
from helpers.batch.state import staging_folder
from helpers.commands import PROJECT_ROOT, OneLineArgumentParser
from helpers.config import DEVICES
from helpers.data.locate import locate_dataset
from helpers.errors import CorruptDataError, DataNotFoundError, HelpersError, InvalidConfigError, check_choice
from helpers.io import check_writable
from helpers.studies.common.parameters import (DOWNLOADING_PROFILES, PROFILES, SAMPLE_PROFILES, check_parameter_values,
                                               parse_value, run_patterns)
from helpers.studies.registry import STUDIES, registered_study

PROJECT_NOTEBOOKS = PROJECT_ROOT / "notebooks"
RUNNER_PARAMETERS = ("profile", "output_dir", "data_dir", "device")  # set by options, not by -p
IN_PART_SUFFIX = "-in-part"  # <profile><suffix>: the folder of studies run in part (the runs parameter)
RUNS_SUFFIX = "-runs"  # <profile><suffix>/<study>: where python -m helpers.batch.train_runs trains
_NOTEBOOK_NAME = re.compile(r"^(\d{2})_.+\.ipynb$")
# What torch's generators take (torch.manual_seed): a seed outside it fails only inside the kernel.
SEED_RANGE = (-(2**63), 2**64 - 1)
# The image_size parameter (study 4), pixels per side. Chosen bounds, not measured limits: the ResNets
# halve the side five times (stride 32), so below 8 px every stage after the second sees 1x1 maps;
# 1024 is over four times the papers' 224 and above the size of the Caltech-101 images themselves.
IMAGE_SIZE_RANGE = (8, 1024)


@dataclass(frozen=True)
class BatchOptions:
    """A checked command line: what to run, with which parameters, and where to write."""

    profile: str
    notebooks: dict[str, Path]  # study id -> notebook, only the selected ones, in id order
    out: Path  # the profile's folder: <--out>/<profile>
    device: str = "auto"
    data_dir: Path | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    timeout: int | None = None
    hide_code: bool = False
    force: bool = False
    jobs: int | None = None  # None: one per visible GPU; without GPUs 2 (1 on a single core)
    result_file: Path | None = None  # a --jobs child: write the results here, no index
    wait: bool = False  # wait for another run's lock on the profile folder instead of refusing
    reuse_only: bool = False  # train nothing: render from finished runs (helpers.batch.reuse)


def build_parser() -> argparse.ArgumentParser:
    """The command line's options."""
    parser = OneLineArgumentParser(prog="python -m helpers.batch",
                             description="Run the study notebooks with papermill and render their HTML reports.")
    parser.add_argument("--profile", default="smoke", help=f"one of {', '.join(PROFILES)} (default smoke)")
    parser.add_argument("--only", nargs="+", metavar="ID", help="study ids to run, e.g. 01 03 (default all)")
    parser.add_argument("--data-dir", metavar="DIR", help="dataset folder, passed to every notebook as data_dir")
    parser.add_argument("--out", default="outputs", metavar="DIR",
                        help="output root; results go to DIR/<profile>/ (default outputs)")
    parser.add_argument("--device", default="auto", help=f"one of {', '.join(DEVICES)} (default auto)")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                        help="override a notebook parameter; VALUE is read as papermill reads it (True, False, "
                             "None, numbers), or as a Python literal ([0, 1], 'text'), else as a string")
    parser.add_argument("-y", "--parameters-yaml", action="append", default=[], metavar="YAML",
                        help="parameters as a YAML mapping, e.g. -y 'seeds: [0, 1]' (as papermill -y)")
    parser.add_argument("-f", "--parameters-file", action="append", default=[], metavar="FILE",
                        help="parameters from a YAML file (as papermill -f); -f, then -y, then -p apply in order")
    parser.add_argument("--runs", nargs="+", metavar="PATTERN",
                        help="train only the runs matching these shell-style patterns on run ids or names (e.g. "
                             "'B+c+l', 'resnet18_*'; python -m helpers.studies plan NN lists them), each pattern "
                             f"matching in every chosen study; results go to DIR/<profile>{IN_PART_SUFFIX}/, apart "
                             "from the whole studies'")
    parser.add_argument("--wait", action="store_true",
                        help="wait for another batch run that is writing the same profile folder")
    parser.add_argument("--timeout", type=int, metavar="SECONDS",
                        help="seconds one cell may run before it fails (default no limit)")
    parser.add_argument("--hide-code", action="store_true", help="leave code cells out of the HTML reports")
    parser.add_argument("--reuse-only", action="store_true",
                        help="train nothing: every planned run must already be finished (published, in "
                             "reports/<profile>/<study>/new-runs, or in DIR/<profile>-runs) and is reused by "
                             "identity; for rendering runs trained on another machine")
    parser.add_argument("--force", action="store_true",
                        help="rerun studies even when nothing changed since their last successful run, "
                             "and discard interrupted attempts instead of continuing them (an interrupted "
                             "--force attempt is continued by the same command)")
    parser.add_argument("--jobs", type=int, metavar="N",
                        help="run up to N notebooks at once, each on its own GPU, or on its share of "
                             "the CPU cores (default: one per visible GPU; 2 without GPUs)")
    parser.add_argument("--result-file", help=argparse.SUPPRESS)  # used by --jobs for its children
    parser.add_argument("--notebooks-dir", default=str(PROJECT_NOTEBOOKS), metavar="DIR",
                        help="folder of the NN_*.ipynb notebooks (default: the project's notebooks/)")
    return parser


def parse_yaml_parameters(texts: Sequence[str], files: Sequence[str]) -> dict[str, Any]:
    """The parameters of ``-f`` files, then ``-y`` strings (later ones win), as papermill reads them."""
    import yaml  # papermill's own dependency; loaded only when YAML is given

    parameters: dict[str, Any] = {}
    sources = [(f"-f {path}", _read_text(path)) for path in files] + [(f"-y {text!r}", text) for text in texts]
    for origin, text in sources:
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise InvalidConfigError(f"{origin} is not valid YAML: {str(error).splitlines()[0]}") from error
        if loaded is None:
            continue
        if not isinstance(loaded, dict):
            raise InvalidConfigError(f"{origin} is not a YAML mapping of parameter names to values")
        parameters.update(loaded)
    return parameters


def _default_value(source: Any) -> Any:
    """A parameter's default as papermill reports it (the source text of its value)."""
    try:
        return ast.literal_eval(source) if isinstance(source, str) else source
    except (ValueError, SyntaxError):
        return source


def _read_text(path: str) -> str:
    try:
        return Path(path).expanduser().read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidConfigError(f"invalid -f {path!r}: {error.strerror or error}") from error


def discover_notebooks(folder: str | os.PathLike) -> dict[str, Path]:
    """``{study id: notebook}`` in id order: the registry's notebooks for the project's own
    notebooks folder (each must be there), else every ``NN_*.ipynb`` in ``folder`` (a folder of
    copies or of other notebooks)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidConfigError(f"notebooks folder {str(folder)!r} does not exist")
    if folder.resolve() == PROJECT_NOTEBOOKS.resolve():
        missing = [study.notebook for study in STUDIES if not (folder / study.notebook).is_file()]
        if missing:
            raise InvalidConfigError(f"registered notebooks missing from {str(folder)!r}: {', '.join(missing)} "
                                     "(helpers/studies/registry.py lists them)")
        return {study.id: folder / study.notebook for study in STUDIES}
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        match = _NOTEBOOK_NAME.match(path.name)
        if match is None:
            continue
        study = match.group(1)
        if study in found:
            raise InvalidConfigError(f"two notebooks for study {study}: {found[study].name}, {path.name}")
        found[study] = path
    if not found:
        raise InvalidConfigError(f"no notebooks named NN_*.ipynb in {str(folder)!r}")
    return found


def select_notebooks(available: Mapping[str, Path], only: Sequence[str] | None) -> dict[str, Path]:
    """The notebooks ``--only`` asks for (all when None); an unknown id raises listing the known."""
    if not only:
        return dict(available)
    for study in only:
        check_choice("study id", study, available)
    return {study: path for study, path in available.items() if study in only}


def parse_overrides(pairs: Sequence[Sequence[str]], base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``base`` (the YAML parameters) updated with the ``-p NAME VALUE`` pairs; names set by their
    own option are refused, and so is a name that is no Python identifier or a value that is not
    plain data (see :func:`plain_parameters`)."""
    overrides: dict[str, Any] = dict(base or {})
    overrides.update({name: parse_value(text) for name, text in pairs})
    for name in overrides:
        if name in RUNNER_PARAMETERS:
            raise InvalidConfigError(f"set {name} with --{name.replace('_', '-')}, not with -p")
    return plain_parameters(overrides)


def check_parameter_names(notebook: str, declared: Sequence[str], passed: Sequence[str]) -> None:
    """Raise when a passed name is not in the notebook's ``parameters`` cell (papermill only warns)."""
    if not declared:
        raise InvalidConfigError(f"notebook {notebook} has no cell tagged 'parameters'")
    for name in passed:
        if name not in declared:
            raise InvalidConfigError(f"unknown parameter {name!r} for {notebook}; "
                                     f"valid parameters: {', '.join(sorted(declared))}")


def notebook_parameters(options: BatchOptions, study: str) -> dict[str, Any]:
    """What papermill injects into one study's notebook. A notebook with a ``progress`` parameter
    gets 'epoch': one line per epoch in run.log and the terminal, where tqdm bars would be noise
    (``-p progress ...`` overrides it)."""
    import papermill  # slow to import; parse_options has loaded it before it gets here

    parameters: dict[str, Any] = {"profile": options.profile,
                                  "output_dir": str(staging_folder(options.out / study)), "device": options.device}
    if "progress" in papermill.inspect_notebook(str(options.notebooks[study])):
        parameters["progress"] = "epoch"
    if options.data_dir is not None:
        parameters["data_dir"] = str(options.data_dir)
    return {**parameters, **options.overrides}


def check_run_patterns(study: str, options: BatchOptions) -> None:
    """Raise naming the study when one of the ``runs`` patterns matches none of its runs. The
    study's plan needs torch, which the batch runner loads only here, for a study run in part."""
    from helpers.studies.plan_command import check_run_patterns as check_plan

    try:
        check_plan(study, options.profile, run_patterns(options.overrides["runs"]), options.overrides)
    except HelpersError as error:
        raise InvalidConfigError(f"study {study}: {error}") from error


def check_device(device: str) -> None:
    """Raise when ``device`` names a GPU this machine does not have (the notebook would find out
    only after its kernel started). GPUs are counted by ``nvidia-smi``; torch is asked only where
    there is none (this layer loads no torch otherwise)."""
    if device == "cuda" and not visible_gpus() and (shutil.which("nvidia-smi") or not _torch_sees("cuda")):
        raise InvalidConfigError("invalid --device 'cuda': no CUDA GPU is visible here; valid choices here: auto, cpu")
    if device == "mps" and (sys.platform != "darwin" or not _torch_sees("mps")):
        raise InvalidConfigError("invalid --device 'mps': Apple's MPS is not available here; valid choices here: "
                                 "auto, cpu")


def _torch_sees(device: str) -> bool:
    import torch  # only for --device cuda without nvidia-smi, or mps on a Mac

    return torch.cuda.is_available() if device == "cuda" else torch.backends.mps.is_available()


def check_study_folders(out: Path, studies: Sequence[str]) -> None:
    """Raise when a study's folder or staging folder under ``out`` is in the way: a file, a link
    to nothing, or (the staging folder) a link, which the batch makes and removes itself. A study
    folder that links to a folder elsewhere is fine: publishing replaces the folder it points to."""
    for study in studies:
        for folder in (out / study, staging_folder(out / study)):
            if folder.is_symlink() and folder.name.endswith(".partial"):
                raise InvalidConfigError(f"invalid output folder {str(folder)!r}: a symbolic link; the batch makes "
                                         "this staging folder itself (link the study's or the profile's folder)")
            if (folder.exists() or folder.is_symlink()) and not folder.is_dir():
                raise InvalidConfigError(f"invalid output folder {str(folder)!r}: "
                                         + ("a link to nothing" if folder.is_symlink() else "a file, not a folder"))


def check_values(notebook: str, values: Mapping[str, Any]) -> None:
    """What the notebook's own checks do not see before its runs are planned: seeds given twice
    (two runs of one id), seeds outside what torch takes, and an image size out of range."""
    seeds = values.get("seeds")
    if isinstance(seeds, str):
        seeds = parse_value(seeds)
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        seeds = [seeds]
    if isinstance(seeds, (list, tuple)):
        seeds = list(seeds)
        repeated = sorted({seed for seed in seeds if seeds.count(seed) > 1})
        if repeated:
            raise InvalidConfigError(f"{notebook}: invalid seeds {seeds!r}: {', '.join(map(str, repeated))} given "
                                     "twice; expected distinct integers")
        low, high = SEED_RANGE
        for seed in seeds:
            if not low <= seed <= high:
                raise InvalidConfigError(f"{notebook}: invalid seed {seed}: expected an integer from -2**63 to 2**64-1")
    image_size = values.get("image_size")
    low, high = IMAGE_SIZE_RANGE
    if isinstance(image_size, int) and not isinstance(image_size, bool) and not low <= image_size <= high:
        raise InvalidConfigError(f"{notebook}: invalid image_size {image_size}: expected {low} to {high} pixels "
                                 "per side, or None for the profile's")


def check_data(study: str, notebook: Path, options: BatchOptions) -> None:
    """Raise when a dataset the study trains on is not on disk and will not be downloaded (the
    ``cpu`` profile, or ``download=False``): the notebook would stop at its first run. The datasets
    are those of the runs chosen for a study run in part (:func:`chosen_datasets`), else the
    registry's for the profile. The smoke profile reads the embedded samples; notebooks the
    registry does not list are not checked."""
    download = options.overrides.get("download")
    if options.profile in SAMPLE_PROFILES or download or (download is None and options.profile in DOWNLOADING_PROFILES):
        return
    registered = registered_study(study, notebook.name)
    if registered is None:
        return
    in_part = options.overrides.get("runs") is not None
    for dataset in chosen_datasets(study, options) if in_part else registered.datasets_needed(options.profile):
        try:
            locate_dataset(dataset, data_dir=options.data_dir)
        except (DataNotFoundError, CorruptDataError) as error:
            raise InvalidConfigError(f"study {study}: {error}") from error


def chosen_datasets(study: str, options: BatchOptions) -> list[str]:
    """The datasets of the runs a study run in part trains (its plan, which needs torch)."""
    return sorted({spec.dataset for spec in chosen_specs(study, options)})


def chosen_specs(study: str, options: BatchOptions) -> list:
    """The runs the study's notebook plans with these options (those of the ``runs`` patterns for a
    study run in part), as RunSpecs; the plan needs torch, imported here."""
    import inspect

    from helpers.studies.common.parameters import check_parameters
    from helpers.studies.common.selection import select_runs
    from helpers.studies.plan_command import NOTEBOOK_DEFAULTS, planned_runs, study_module

    accepted = set(inspect.signature(check_parameters).parameters) - {"runs", "profile", "output_dir", "data_dir"}
    values = {name: value for name, value in options.overrides.items() if name in accepted}
    parameters = check_parameters(**{**NOTEBOOK_DEFAULTS, **values, "profile": options.profile, "output_dir": ".",
                                     "data_dir": str(options.data_dir) if options.data_dir else None})
    tuning, final = planned_runs(study_module(study), parameters)
    return select_runs([*tuning, *final], list(run_patterns(options.overrides.get("runs")) or ()))


def parse_options(argv: Sequence[str] | None) -> BatchOptions:
    """Check the whole command line before any work; raise :class:`HelpersError` naming the problem."""
    args = build_parser().parse_args(argv)
    check_choice("profile", args.profile, PROFILES)
    check_choice("device", args.device, DEVICES)
    if args.jobs is not None and args.jobs < 1:
        raise InvalidConfigError(f"invalid --jobs {args.jobs}: expected a positive number")
    if args.timeout is not None and args.timeout < 1:
        raise InvalidConfigError(f"invalid --timeout {args.timeout}: expected a positive number of seconds")
    data_dir = None
    if args.data_dir is not None:
        data_dir = Path(args.data_dir).expanduser().resolve()
        if not data_dir.is_dir():
            raise InvalidConfigError(f"invalid --data-dir {args.data_dir!r}: no such folder")
    notebooks = select_notebooks(discover_notebooks(args.notebooks_dir), args.only)
    overrides = parse_overrides(args.parameter, parse_yaml_parameters(args.parameters_yaml, args.parameters_file))
    if args.runs:
        overrides["runs"] = list(args.runs)
    in_part = overrides.get("runs") is not None  # a study run in part never replaces the whole study's results
    options = BatchOptions(profile=args.profile, notebooks=notebooks, device=args.device, data_dir=data_dir,
                           out=Path(args.out).expanduser().resolve() / (args.profile + (IN_PART_SUFFIX if in_part
                                                                                         else "")),
                           overrides=overrides,
                           wait=args.wait, timeout=args.timeout, hide_code=args.hide_code,
                           force=args.force, jobs=args.jobs, reuse_only=args.reuse_only,
                           result_file=Path(args.result_file) if args.result_file else None)
    import papermill  # slow to import; not needed for `--help` or the checks above

    for study, path in notebooks.items():
        declared = papermill.inspect_notebook(str(path))
        passed = notebook_parameters(options, study)
        check_parameter_names(path.name, list(declared), list(passed))
        defaults = {name: _default_value(item.get("default")) for name, item in declared.items()}
        try:
            check_parameter_values({**defaults, **passed})
        except HelpersError as error:
            raise InvalidConfigError(f"{path.name}: {error}") from error
        check_values(path.name, {**defaults, **passed})
    check_device(options.device)
    check_study_folders(options.out, list(notebooks))
    for study, path in notebooks.items():
        if in_part:
            check_run_patterns(study, options)
        check_data(study, path, options)
    check_writable(options.out)  # last: a command line with mistakes creates nothing
    return options
