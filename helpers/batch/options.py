"""The batch runner's command line, checked before any work: which notebooks, which parameters, where.

Every mistake raises :class:`~helpers.errors.HelpersError` naming the bad value (the runner prints
it as one line and exits 2) before a folder is created or a kernel started.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.batch.state import staging_folder
from helpers.config import DEVICES
from helpers.errors import InvalidConfigError, check_choice
from helpers.io import check_writable
from helpers.studies.parameters import PROFILES

PROJECT_ROOT = Path(__file__).resolve().parents[2]
RUNNER_PARAMETERS = ("profile", "output_dir", "data_dir", "device")  # set by options, not by -p
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
    jobs: int | None = None  # None: one per visible GPU, 1 without GPUs
    result_file: Path | None = None  # a --jobs child: write the results here, no index


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not argparse's usage block
        raise InvalidConfigError(message)


def build_parser() -> argparse.ArgumentParser:
    """The command line's options."""
    parser = _ArgumentParser(prog="python -m helpers.batch",
                             description="Run the study notebooks with papermill and render their HTML reports.")
    parser.add_argument("--profile", default="smoke", help=f"one of {', '.join(PROFILES)} (default smoke)")
    parser.add_argument("--only", nargs="+", metavar="ID", help="study ids to run, e.g. 01 03 (default all)")
    parser.add_argument("--data-dir", metavar="DIR", help="dataset folder, passed to every notebook as data_dir")
    parser.add_argument("--out", default="outputs", metavar="DIR",
                        help="output root; results go to DIR/<profile>/ (default outputs)")
    parser.add_argument("--device", default="auto", help=f"one of {', '.join(DEVICES)} (default auto)")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                        help="override a notebook parameter; VALUE is read as JSON when it parses, else a string")
    parser.add_argument("--timeout", type=int, metavar="SECONDS",
                        help="seconds one cell may run before it fails (default no limit)")
    parser.add_argument("--hide-code", action="store_true", help="leave code cells out of the HTML reports")
    parser.add_argument("--force", action="store_true",
                        help="rerun studies even when nothing changed since their last successful run, "
                             "and discard interrupted attempts instead of continuing them")
    parser.add_argument("--jobs", type=int, metavar="N",
                        help="run up to N notebooks at once, each on its own GPU "
                             "(default: one per visible GPU; 1 without GPUs)")
    parser.add_argument("--result-file", help=argparse.SUPPRESS)  # used by --jobs for its children
    parser.add_argument("--notebooks-dir", default=str(PROJECT_ROOT / "notebooks"), metavar="DIR",
                        help="folder of the NN_*.ipynb notebooks (default: the project's notebooks/)")
    return parser


def parse_value(text: str) -> Any:
    """A ``-p`` value: JSON when it parses (``3``, ``[0, 1]``, ``true``, ``null``), else the string."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def discover_notebooks(folder: str | os.PathLike) -> dict[str, Path]:
    """``{study id: notebook}`` for every ``NN_*.ipynb`` in ``folder``, in id order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidConfigError(f"notebooks folder {str(folder)!r} does not exist")
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


def parse_overrides(pairs: Sequence[Sequence[str]]) -> dict[str, Any]:
    """``-p NAME VALUE`` pairs as a dict; names set by their own option are refused."""
    overrides: dict[str, Any] = {}
    for name, text in pairs:
        if name in RUNNER_PARAMETERS:
            raise InvalidConfigError(f"set {name} with --{name.replace('_', '-')}, not with -p")
        overrides[name] = parse_value(text)
    return overrides


def check_parameter_names(notebook: str, declared: Sequence[str], passed: Sequence[str]) -> None:
    """Raise when a passed name is not in the notebook's ``parameters`` cell (papermill only warns)."""
    if not declared:
        raise InvalidConfigError(f"notebook {notebook} has no cell tagged 'parameters'")
    for name in passed:
        if name not in declared:
            raise InvalidConfigError(f"unknown parameter {name!r} for {notebook}; "
                                     f"valid parameters: {', '.join(sorted(declared))}")


def notebook_parameters(options: BatchOptions, study: str) -> dict[str, Any]:
    """What papermill injects into one study's notebook."""
    parameters: dict[str, Any] = {"profile": options.profile,
                                  "output_dir": str(staging_folder(options.out / study)), "device": options.device}
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
    options = BatchOptions(profile=args.profile, notebooks=notebooks, device=args.device, data_dir=data_dir,
                           out=Path(args.out).expanduser().resolve() / args.profile,
                           overrides=parse_overrides(args.parameter), timeout=args.timeout, hide_code=args.hide_code,
                           force=args.force, jobs=args.jobs,
                           result_file=Path(args.result_file) if args.result_file else None)
    import papermill  # slow to import; not needed for `--help` or the checks above

    for study, path in notebooks.items():
        declared = list(papermill.inspect_notebook(str(path)))
        check_parameter_names(path.name, declared, list(notebook_parameters(options, study)))
    check_writable(options.out)  # last: a command line with mistakes creates nothing
    return options


