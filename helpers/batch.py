"""Run the study notebooks with papermill and render their reports: ``python -m helpers.batch``.

For each ``notebooks/0N_*.ipynb`` (study id ``0N``) selected, in id order::

    outputs/<profile>/<study>/<notebook>.ipynb   the executed notebook (kept when a cell fails)
    outputs/<profile>/<study>/report.html        it, rendered as one self-contained page
    outputs/<profile>/<study>/run.log            every cell's output, as papermill logs it
    outputs/<profile>/<study>/metrics.json ...   what the notebook itself writes

then ``outputs/<profile>/index.html`` (links to every report with headline numbers) and
``outputs/<profile>/batch.json`` (the same as data). A failing notebook does not stop the others;
the exit status is 1 when any failed, 2 when the command line is wrong (checked before any work).

Example::

    python -m helpers.batch --profile smoke --only 01 03 --data-dir ../shared/data -p seeds "[0,1]"
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from helpers.errors import HelpersError, InvalidConfigError, check_choice
from helpers.io import read_json, write_atomic, write_json
from helpers.reports import (StudyResult, build_index_html, earlier_results, metrics_summary, render_report,
                             summary_table)

# Same as helpers.studies.common.PROFILES (a test checks); not imported from there because that
# module loads torch, which would add seconds to every `--help` and every command-line mistake.
PROFILES = ("smoke", "quick", "paper")
DEVICES = ("auto", "cpu", "cuda", "mps")
PROJECT_ROOT = Path(__file__).resolve().parents[1]
RUNNER_PARAMETERS = ("profile", "output_dir", "data_dir", "device")  # set by options, not by -p
KERNEL_ENVIRONMENT = {"HELPERS_PROGRESS": "epoch"}  # one line per epoch in run.log instead of tqdm bars
KERNEL_ARGUMENTS = [
    # helpers.plots builds Figures without pyplot, so the inline backend never loads and a displayed
    # figure is only "<Figure size ...>" text; this registers the PNG formatter at kernel start
    # (and overrides a caller's MPLBACKEND=Agg, as in `make test`).
    "--matplotlib=inline",
    # The kernel's own log (not the cells' output) would print a warning about its local TCP
    # sockets at every start; errors still show.
    "--IPKernelApp.log_level=ERROR",
]
_NOTEBOOK_NAME = re.compile(r"^(\d{2})_.+\.ipynb$")
_EPOCH_LINE = re.compile(r"\bepoch \d+/\d+\b")
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


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
    parameters: dict[str, Any] = {"profile": options.profile, "output_dir": str(options.out / study),
                                  "device": options.device}
    if options.data_dir is not None:
        parameters["data_dir"] = str(options.data_dir)
    return {**parameters, **options.overrides}


def parse_options(argv: Sequence[str] | None) -> BatchOptions:
    """Check the whole command line before any work; raise :class:`HelpersError` naming the problem."""
    args = build_parser().parse_args(argv)
    check_choice("profile", args.profile, PROFILES)
    check_choice("device", args.device, DEVICES)
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
                           overrides=parse_overrides(args.parameter), timeout=args.timeout, hide_code=args.hide_code)
    import papermill  # slow to import; not needed for `--help` or the checks above

    for study, path in notebooks.items():
        declared = list(papermill.inspect_notebook(str(path)))
        check_parameter_names(path.name, declared, list(notebook_parameters(options, study)))
    return options


def code_cell_numbers(cell_types: Sequence[str], tags: Sequence[Sequence[str]]) -> dict[int, int]:
    """Papermill's 1-based cell number -> 1-based code-cell number, in the notebook as papermill
    runs it: with its ``injected-parameters`` cell added after the ``parameters`` cell."""
    kinds = list(cell_types)
    injected = [index for index, cell_tags in enumerate(tags) if "injected-parameters" in cell_tags]
    if not injected:
        marked = [index for index, cell_tags in enumerate(tags) if "parameters" in cell_tags]
        kinds.insert(marked[0] + 1 if marked else 0, "code")
    numbers, count = {}, 0
    for index, kind in enumerate(kinds, start=1):
        if kind == "code":
            count += 1
            numbers[index] = count
    return numbers


class _TerminalProgress(logging.Handler):
    """Turns papermill's log into a few terminal lines: each code cell as it starts, each epoch."""

    def __init__(self, study: str, numbers: Mapping[int, int], stream: TextIO):
        super().__init__(logging.INFO)
        self.study, self.numbers, self.stream = study, numbers, stream
        self.total = max(numbers.values(), default=0)
        self.current_cell: int | None = None  # code-cell number of the cell running now
        self.start = time.perf_counter()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        elapsed = f"{time.perf_counter() - self.start:6.0f} s"
        started = re.match(r"Executing Cell (\d+)", message)
        if started and int(started.group(1)) in self.numbers:
            self.current_cell = self.numbers[int(started.group(1))]
            print(f"  [{self.study}] {elapsed}  cell {self.current_cell}/{self.total}", file=self.stream, flush=True)
        for line in message.splitlines():
            if _EPOCH_LINE.search(line):
                print(f"  [{self.study}] {elapsed}    {line.strip()}", file=self.stream, flush=True)


@contextmanager
def _papermill_logging(log_path: Path, progress: logging.Handler) -> Iterator[None]:
    """Send papermill's log (cells and their outputs) to ``log_path`` and to ``progress``."""
    logger = logging.getLogger("papermill")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    to_file = logging.FileHandler(log_path, mode="w", encoding="utf-8")
    to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    previous_level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(to_file)
    logger.addHandler(progress)
    try:
        yield
    finally:
        logger.removeHandler(progress)
        logger.removeHandler(to_file)
        to_file.close()
        logger.setLevel(previous_level)


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables (inherited by the kernel papermill starts), then restore them."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _describe_error(error: BaseException, numbers: Mapping[int, int], current_cell: int | None) -> dict[str, Any]:
    """Name, message and code-cell number of what stopped a notebook: the exception a cell raised,
    or the runner's own (a cell's time-out, a dead kernel) in the cell that was running."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(error, PapermillExecutionError):
        return {"error_name": error.ename, "error_message": _ANSI_ESCAPE.sub("", str(error.evalue)),
                "error_cell": numbers.get(error.cell_index + 1)}
    lines = _ANSI_ESCAPE.sub("", str(error)).strip().splitlines()  # a time-out also quotes the cell: drop it
    return {"error_name": type(error).__name__, "error_message": lines[0] if lines else "", "error_cell": current_cell}


def _execute(options: BatchOptions, study: str, numbers: Mapping[int, int], stream: TextIO) -> dict[str, Any]:
    """Run one notebook with papermill; ``{'status': 'ok'}`` or the failure's description."""
    import papermill

    notebook, folder = options.notebooks[study], options.out / study
    progress = _TerminalProgress(study, numbers, stream)
    try:
        with _papermill_logging(folder / "run.log", progress), _environment(KERNEL_ENVIRONMENT):
            papermill.execute_notebook(str(notebook), str(folder / notebook.name),
                                       parameters=notebook_parameters(options, study), kernel_name="python3",
                                       log_output=True, progress_bar=False, execution_timeout=options.timeout,
                                       cwd=str(notebook.parent), extra_arguments=KERNEL_ARGUMENTS)
    except Exception as error:  # a failing notebook must not stop the batch; papermill kept its output
        return {"status": "failed", **_describe_error(error, numbers, progress.current_cell)}
    return {"status": "ok"}


def _fresh_metrics(path: Path, started_at: float) -> dict[str, Any] | None:
    """The study's metrics.json if this run wrote it (a previous run's would mislead the index)."""
    if not path.exists() or path.stat().st_mtime < started_at - 1:
        return None
    return read_json(path)


def run_study(options: BatchOptions, study: str, *, stream: TextIO | None = None) -> StudyResult:
    """Execute one notebook into its output folder and render its report; a failing notebook
    does not raise (the result says what failed). Progress goes to ``stream`` (stdout)."""
    import nbformat

    stream = stream or sys.stdout
    notebook, folder = options.notebooks[study], options.out / study
    executed, report = folder / notebook.name, folder / "report.html"
    for stale in (executed, report):  # an earlier run's copy would pass for this run's
        stale.unlink(missing_ok=True)
    source = nbformat.read(str(notebook), as_version=4)
    numbers = code_cell_numbers([cell.cell_type for cell in source.cells],
                                [cell.metadata.get("tags", []) for cell in source.cells])
    print(f"[{study}] {notebook.name} -> {folder}", file=stream, flush=True)
    started_at, start = time.time(), time.perf_counter()
    outcome = _execute(options, study, numbers, stream)
    wall_seconds = time.perf_counter() - start
    if executed.exists():  # also after a failure: the report shows the cell that raised
        try:
            render_report(executed, report, title=f"{study} {notebook.stem}", hide_code=options.hide_code)
        except Exception as error:
            outcome = {"status": "failed", "error_name": type(error).__name__,
                       "error_message": f"rendering the report failed: {error}"}
    result = StudyResult(study=study, notebook=notebook.name, wall_seconds=round(wall_seconds, 1),
                         report=_relative(report, options.out), executed_notebook=_relative(executed, options.out),
                         log=_relative(folder / "run.log", options.out), finished=_now(), **outcome,
                         **metrics_summary(_fresh_metrics(folder / "metrics.json", started_at)))
    failure = f": {result.error_name}: {result.error_message}" if result.status != "ok" else ""
    print(f"[{study}] {result.status} in {result.wall_seconds:.0f} s{failure}", file=stream, flush=True)
    return result


def _relative(path: Path, root: Path) -> str | None:
    return path.relative_to(root).as_posix() if path.exists() else None


def batch_summary(options: BatchOptions, results: Sequence[StudyResult], *, date: str) -> dict[str, Any]:
    """What ``batch.json`` records: this run's settings, which studies it ran and whether they all
    passed, and every study the index lists (earlier runs' included)."""
    ran = list(options.notebooks)
    return {"profile": options.profile, "date": date, "device": options.device,
            "data_dir": str(options.data_dir) if options.data_dir else None, "parameters": options.overrides,
            "timeout": options.timeout, "ran": ran,
            "ok": all(result.status == "ok" for result in results if result.study in ran),
            "studies": [asdict(result) for result in results]}


def run_batch(options: BatchOptions, *, stream: TextIO | None = None) -> list[StudyResult]:
    """Run every selected study, then write ``index.html`` and ``batch.json`` in the profile folder;
    return this run's results."""
    results = [run_study(options, study, stream=stream) for study in options.notebooks]
    listed = sorted([*earlier_results(options.out / "batch.json", excluding=list(options.notebooks)), *results],
                    key=lambda result: result.study)
    date = _now()
    page = build_index_html(listed, profile=options.profile, date=date, device=options.device)
    write_atomic(options.out / "index.html", lambda temporary: temporary.write_text(page, encoding="utf-8"))
    write_json(options.out / "batch.json", batch_summary(options, listed, date=date))
    return results


def _now() -> str:
    return datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: 0 when every study ran, 1 when one failed, 2 for a wrong command line,
    130 when interrupted."""
    try:
        options = parse_options(argv)
    except HelpersError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        results = run_batch(options)
    except KeyboardInterrupt:
        print("error: interrupted; the index was not updated", file=sys.stderr)
        return 130
    print(f"\n{summary_table(results)}\n\nindex: {options.out / 'index.html'}")
    return 0 if all(result.status == "ok" for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
