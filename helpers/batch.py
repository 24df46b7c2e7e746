"""Run the study notebooks with papermill and render their reports: ``python -m helpers.batch``.

For each ``notebooks/0N_*.ipynb`` (study id ``0N``) selected, in id order::

    outputs/<profile>/<study>/<notebook>.ipynb   the executed notebook
    outputs/<profile>/<study>/report.html        it, rendered as one self-contained page
    outputs/<profile>/<study>/run.log            every cell's output, as papermill logs it
    outputs/<profile>/<study>/metrics.json ...   what the notebook itself writes
    outputs/<profile>/<study>/study.json         this record, with the study's fingerprint

then ``outputs/<profile>/index.html`` (links to every report with headline numbers) and
``outputs/<profile>/batch.json`` (the same as data). A study runs in ``<study>.partial/`` and is
moved into place only when it succeeded; a failed or interrupted attempt stays there (with its
report) and the next run continues it. A study whose notebook, parameters and library code are
unchanged since its last success is not rerun (``--force`` reruns it). A failing notebook does
not stop the others; the exit status is 1 when any failed, 2 when the command line is wrong
(checked before any work).

Example::

    python -m helpers.batch --profile smoke --only 01 03 --data-dir ../shared/data -p seeds "[0,1]"
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from helpers import batch_parallel
from helpers.batch_state import finished_record, prepare_staging, publish, staging_folder, study_fingerprint
from helpers.errors import HelpersError, InvalidConfigError, check_choice
from helpers.io import check_writable, read_json, write_atomic, write_json
from helpers.papermill_run import code_cell_numbers, execute_notebook
from helpers.reports import (StudyResult, build_index_html, earlier_results, metrics_summary, render_report,
                             summary_table)

# Same as helpers.studies.common.PROFILES (a test checks); not imported from there because that
# module loads torch, which would add seconds to every `--help` and every command-line mistake.
PROFILES = ("smoke", "quick", "paper")
DEVICES = ("auto", "cpu", "cuda", "mps")
PROJECT_ROOT = Path(__file__).resolve().parents[1]
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


def _fresh_metrics(path: Path, started_at: float) -> dict[str, Any] | None:
    """The study's metrics.json if this run wrote it (a previous run's would mislead the index)."""
    if not path.exists() or path.stat().st_mtime < started_at - 1:
        return None
    return read_json(path)


def run_study(options: BatchOptions, study: str, *, stream: TextIO | None = None) -> StudyResult:
    """Execute one notebook and render its report; a failing notebook does not raise (the result
    says what failed). Progress goes to ``stream`` (stdout).

    A study whose last successful run had the same fingerprint (notebook, parameters, library
    code) is not rerun unless ``options.force``. Otherwise it runs in its staging folder,
    continuing an interrupted attempt there, and is published into ``<out>/<study>`` only when
    it succeeded (see :mod:`helpers.batch_state`).
    """
    import nbformat

    stream = stream or sys.stdout
    notebook, published = options.notebooks[study], options.out / study
    parameters = notebook_parameters(options, study)
    fingerprint = study_fingerprint(notebook, parameters)
    record = finished_record(published)
    if record and record["fingerprint"] == fingerprint and not options.force:
        print(f"[{study}] unchanged since its run of {record.get('finished')}; kept (--force reruns it)",
              file=stream, flush=True)
        return _reused_result(record)

    folder = staging_folder(published)
    continuing = prepare_staging(folder, fingerprint, fresh=options.force)
    executed, report = folder / notebook.name, folder / "report.html"
    for stale in (executed, report):  # an earlier attempt's copy would pass for this one's
        stale.unlink(missing_ok=True)
    source = nbformat.read(str(notebook), as_version=4)
    numbers = code_cell_numbers([cell.cell_type for cell in source.cells],
                                [cell.metadata.get("tags", []) for cell in source.cells])
    resumed = " (continuing an interrupted attempt)" if continuing else ""
    print(f"[{study}] {notebook.name} -> {published}{resumed}", file=stream, flush=True)
    started_at, start = time.time(), time.perf_counter()
    outcome = execute_notebook(notebook, executed, parameters, study=study, numbers=numbers,
                               timeout=options.timeout, stream=stream)
    wall_seconds = time.perf_counter() - start
    if executed.exists():  # also after a failure: the report shows the cell that raised
        try:
            render_report(executed, report, title=f"{study} {notebook.stem}", hide_code=options.hide_code)
        except Exception as error:
            outcome = {"status": "failed", "error_name": type(error).__name__,
                       "error_message": f"rendering the report failed: {error}"}
    summary = metrics_summary(_fresh_metrics(folder / "metrics.json", started_at))
    if outcome["status"] == "ok":  # paths as they will be once published
        paths = {"report": f"{study}/report.html", "executed_notebook": f"{study}/{notebook.name}",
                 "log": f"{study}/run.log"}
    else:
        paths = {"report": _relative(report, options.out), "executed_notebook": _relative(executed, options.out),
                 "log": _relative(folder / "run.log", options.out)}
    result = StudyResult(study=study, notebook=notebook.name, wall_seconds=round(wall_seconds, 1),
                         finished=_now(), fingerprint=fingerprint, **paths, **outcome, **summary)
    if result.status == "ok":
        publish(folder, published, asdict(result))
    failure = f": {result.error_name}: {result.error_message}" if result.status != "ok" else ""
    print(f"[{study}] {result.status} in {result.wall_seconds:.0f} s{failure}", file=stream, flush=True)
    return result


def _reused_result(record: Mapping[str, Any]) -> StudyResult:
    names = {item.name for item in fields(StudyResult)}
    return replace(StudyResult(**{key: value for key, value in record.items() if key in names}), reused=True)


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
    """Run every selected study (several at once with ``--jobs``), then write ``index.html`` and
    ``batch.json`` in the profile folder; return this run's results."""
    stream = stream or sys.stdout
    studies = list(options.notebooks)
    jobs, gpus = options.jobs or 1, []
    if len(studies) > 1 and options.jobs != 1:
        gpus = batch_parallel.visible_gpus()
        requested = options.jobs or batch_parallel.default_jobs(gpus)
        jobs = min(requested, len(gpus) if gpus else requested, len(studies))  # one GPU per notebook
    if jobs > 1:
        print(f"running {len(studies)} studies, {jobs} at a time"
              + (f" on GPUs {', '.join(gpus[:jobs])}" if gpus else " on the CPU"), file=stream, flush=True)
        results = batch_parallel.run_parallel(studies, child_arguments(options), options.out, jobs=jobs,
                                              gpus=gpus, stream=stream)
    else:
        results = [run_study(options, study, stream=stream) for study in studies]
    if options.result_file is not None:  # a child of --jobs: the parent writes the index
        write_json(options.result_file, [asdict(result) for result in results])
        return results
    listed = sorted([*earlier_results(options.out / "batch.json", excluding=studies), *results],
                    key=lambda result: result.study)
    date = _now()
    page = build_index_html(listed, profile=options.profile, date=date, device=options.device)
    write_atomic(options.out / "index.html", lambda temporary: temporary.write_text(page, encoding="utf-8"))
    write_json(options.out / "batch.json", batch_summary(options, listed, date=date))
    return results


def child_arguments(options: BatchOptions) -> list[str]:
    """The command-line options that make a child ``python -m helpers.batch`` run like this one."""
    notebooks_dir = next(iter(options.notebooks.values())).parent
    arguments = ["--profile", options.profile, "--out", str(options.out.parent), "--device", options.device,
                 "--notebooks-dir", str(notebooks_dir)]
    if options.data_dir is not None:
        arguments += ["--data-dir", str(options.data_dir)]
    for name, value in options.overrides.items():
        arguments += ["-p", name, json.dumps(value)]
    if options.timeout is not None:
        arguments += ["--timeout", str(options.timeout)]
    return arguments + (["--hide-code"] if options.hide_code else []) + (["--force"] if options.force else [])


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
