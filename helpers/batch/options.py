"""The batch runner's command line, checked before any work: which notebooks, which parameters, where.

Every mistake raises :class:`~helpers.errors.HelpersError` naming the bad value (the runner prints
it as one line and exits 2) before a folder is created or a kernel started.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.batch.checks import check_data, check_device, check_run_patterns, check_study_folders, check_values
from helpers.batch.papermill_run import plain_parameters
from helpers.batch.state import staging_folder
from helpers.commands import PROJECT_ROOT, OneLineArgumentParser
from helpers.config import DEVICES
from helpers.errors import HelpersError, InvalidConfigError, check_choice
from helpers.io import check_writable
from helpers.studies.common.parameters import PROFILES, check_parameter_values, parse_value
from helpers.studies.registry import STUDIES

PROJECT_NOTEBOOKS = PROJECT_ROOT / "notebooks"
RUNNER_PARAMETERS = ("profile", "output_dir", "data_dir", "device")  # set by options, not by -p
IN_PART_SUFFIX = "-in-part"  # <profile><suffix>: the folder of studies run in part (the runs parameter)
RUNS_SUFFIX = "-runs"  # <profile><suffix>/<study>: where python -m helpers.batch.train_runs trains
_NOTEBOOK_NAME = re.compile(r"^(\d{2})_.+\.ipynb$")


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
