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
unchanged since its last success is not rerun (``--force`` reruns it); a changed one reruns its
notebook but reuses every finished training run whose identity still matches (see
:mod:`helpers.batch.state`), so only a change to what training computes retrains. A failing notebook does
not stop the others; the exit status is 1 when any failed, 2 when the command line is wrong
(checked before any work).

Example::

    python -m helpers.batch --profile smoke --only 01 03 --data-dir ../shared/data -p seeds "[0,1]"
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from helpers.batch import parallel
from helpers.batch.data_state import data_origins, data_state
from helpers.batch.options import BatchOptions, discover_notebooks, notebook_parameters, parse_options
from helpers.batch.papermill_run import check_injected_parameters, code_cell_numbers, execute_notebook, kernel_name
from helpers.batch.records import StudyResult, metrics_summary
from helpers.batch.reports import render_report, summary_table, write_profile_pages
from helpers.batch.reuse import check_reusable, run_sources
from helpers.batch.state import (finished_record, outside_runs, prepare_staging, publish, published_results,
                                 record_failed_attempt, remove_path, remove_stale, staging_folder, study_fingerprint,
                                 superseded_attempt)
from helpers.commands import run_command
from helpers.io import folder_lock, read_json, write_json
from helpers.studies.registry import registered_title


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
    it succeeded (see :mod:`helpers.batch.state`).
    """
    import nbformat

    stream = stream or sys.stdout
    notebook, published = options.notebooks[study], options.out / study
    parameters = check_injected_parameters(notebook, notebook_parameters(options, study))  # before anything is made
    fingerprint = study_fingerprint(notebook, parameters)
    record = finished_record(published)
    folder = staging_folder(published)
    if record and record["fingerprint"] == fingerprint and not options.force:
        if record.get("data") == data_state(data_origins(_read_metrics(published)), options.data_dir):
            print(f"[{study}] unchanged since its run of {record.get('finished')}; kept (--force reruns it)",
                  file=stream, flush=True)
            if superseded_attempt(folder, fingerprint):  # an interrupted --force: the published run is its result
                remove_path(folder)
                print(f"[{study}] removed the interrupted attempt in {folder.name}: it was rerunning this same "
                      "published run (--force reruns it)", file=stream, flush=True)
            _print_data(study, record.get("data") or [], stream)
            return _reused_result(record)
        print(f"[{study}] the data it was made from has changed since its run of {record.get('finished')}; "
              "rerunning", file=stream, flush=True)

    published_runs = run_sources(options, study)  # reused by identity
    adopted = outside_runs(folder)
    if adopted:
        print(f"[{study}] {len(adopted)} finished run(s) trained into {folder.name}/runs outside the batch, reused "
              f"where their identity matches: {', '.join(adopted)}", file=stream, flush=True)
    continuing = prepare_staging(folder, fingerprint, fresh=options.force, run_sources=published_runs)
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
    metrics = _fresh_metrics(folder / "metrics.json", started_at)
    summary = metrics_summary(metrics)
    if executed.exists():  # also after a failure: the report shows the cell that raised
        try:
            render_report(executed, report, title=registered_title(study, notebook.name) or f"{study} {notebook.stem}",
                          hide_code=options.hide_code, answer=summary.get("answer", ""),
                          run_patterns=summary.get("run_patterns"))
        except Exception as error:
            outcome = {"status": "failed", "error_name": type(error).__name__,
                       "error_message": f"rendering the report failed: {error}"}
    if outcome["status"] == "ok":  # paths as they will be once published
        paths = {"report": f"{study}/report.html", "executed_notebook": f"{study}/{notebook.name}",
                 "log": f"{study}/run.log"}
    else:
        paths = {"report": _relative(report, options.out), "executed_notebook": _relative(executed, options.out),
                 "log": _relative(folder / "run.log", options.out)}
    result = StudyResult(study=study, notebook=notebook.name, wall_seconds=round(wall_seconds, 1),
                         finished=_now(), fingerprint=fingerprint, **paths, **outcome, **summary)
    data = data_state(data_origins(metrics), options.data_dir)
    _print_data(study, data, stream)
    if result.status == "ok":
        publish(folder, published, {**asdict(result), "data": data})
    else:
        record_failed_attempt(folder, fingerprint, asdict(result))
    failure = f": {result.error_name}: {result.error_message}" if result.status != "ok" else ""
    print(f"[{study}] {result.status} in {result.wall_seconds:.0f} s{failure}", file=stream, flush=True)
    return result


def _read_metrics(folder: Path) -> dict[str, Any] | None:
    try:
        return read_json(folder / "metrics.json")
    except (OSError, ValueError):
        return None


def _print_data(study: str, data: Sequence[Mapping[str, Any]], stream: TextIO) -> None:
    """One line per dataset a study used: which, from where, and whether it was a sample."""
    for item in data:
        if item.get("kind") == "synthetic":
            where = "generated synthetic data"
        elif not item.get("found", True):
            where = "not on disk (a synthetic stand-in)" if item.get("samples") else "not found"
        else:
            where = f"{item['path']} ({item['files']:,} file(s), {item['bytes'] / 1e6:,.1f} MB)"
        sample = ", EMBEDDED SAMPLE" if item.get("samples") else ""
        print(f"[{study}] data: {item.get('dataset')}{sample}: {where}", file=stream, flush=True)


def _reused_result(record: Mapping[str, Any]) -> StudyResult:
    names = {item.name for item in fields(StudyResult)}
    return replace(StudyResult(**{key: value for key, value in record.items() if key in names}), reused=True)


def _relative(path: Path, root: Path) -> str | None:
    return path.relative_to(root).as_posix() if path.exists() else None


def batch_summary(options: BatchOptions, results: Sequence[StudyResult], *, date: str,
                  jobs: int = 1) -> dict[str, Any]:
    """What ``batch.json`` records: this run's settings (``jobs``: studies at once), which studies
    it ran and whether they all passed, and every study the index lists (earlier runs' included)."""
    ran = list(options.notebooks)
    return {"profile": options.profile, "date": date, "device": options.device,
            "data_dir": str(options.data_dir) if options.data_dir else None, "parameters": options.overrides,
            "timeout": options.timeout, "jobs": jobs, "ran": ran,
            "ok": all(result.status == "ok" for result in results if result.study in ran),
            "studies": [asdict(result) for result in results]}


def run_batch(options: BatchOptions, *, stream: TextIO | None = None) -> list[StudyResult]:
    """Run every selected study (several at once: one per GPU, two on a CPU, or ``--jobs``), then
    write ``index.html`` and ``batch.json`` in the profile folder; return this run's results."""
    stream = stream or sys.stdout
    studies = list(options.notebooks)
    if options.result_file is None:  # the parent of a --jobs run tidies the folder and registers the kernel, once
        kernel_name(stream)
        every_study = discover_notebooks(next(iter(options.notebooks.values())).parent)
        for stale in remove_stale(options.out, list(every_study)):
            print(f"removed {stale.name}: left by a study that no longer exists or by a crash", file=stream)
    jobs, gpus = options.jobs or 1, []
    if len(studies) > 1 and options.jobs != 1:
        gpus = parallel.visible_gpus()
        requested = options.jobs or parallel.default_jobs(gpus)
        jobs = min(requested, len(gpus) if gpus else requested, len(studies))  # one GPU per notebook
    if jobs > 1:
        print(f"running {len(studies)} studies, {jobs} at a time"
              + (f" on GPUs {', '.join(gpus[:jobs])}" if gpus else " on the CPU"), file=stream, flush=True)
        results = parallel.run_parallel(studies, child_arguments(options), options.out, jobs=jobs,
                                              gpus=gpus, stream=stream)
    else:
        results = [run_study(options, study, stream=stream) for study in studies]
    if options.result_file is not None:  # a child of --jobs: the parent writes the index
        write_json(options.result_file, [asdict(result) for result in results])
        return results
    reused = {result.study for result in results if result.reused}
    listed = [replace(result, reused=result.study in reused)  # what is on disk, not this run's view alone
              for result in published_results(options.out)]
    date = _now()
    write_profile_pages(options.out, listed, profile=options.profile, date=date, device=options.device)
    write_json(options.out / "batch.json", batch_summary(options, listed, date=date, jobs=jobs))
    return results


def child_arguments(options: BatchOptions) -> list[str]:
    """The command-line options that make a child ``python -m helpers.batch`` run like this one."""
    notebooks_dir = next(iter(options.notebooks.values())).parent
    arguments = ["--profile", options.profile, "--out", str(options.out.parent), "--device", options.device,
                 "--notebooks-dir", str(notebooks_dir)]
    if options.data_dir is not None:
        arguments += ["--data-dir", str(options.data_dir)]
    for name, value in options.overrides.items():
        arguments += ["-p", name, repr(value)]  # a Python literal, as parse_value reads it
    if options.timeout is not None:
        arguments += ["--timeout", str(options.timeout)]
    if options.reuse_only:
        arguments.append("--reuse-only")
    return arguments + (["--hide-code"] if options.hide_code else []) + (["--force"] if options.force else [])


def _now() -> str:
    return datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: 0 when every study ran, 1 when one failed, 2 for a wrong command line,
    130 when interrupted."""
    return run_command(lambda: _run(parse_options(argv)),
                       interrupted="rerun the same command to continue (finished studies are kept)")


def _run(options: BatchOptions) -> int:
    if options.reuse_only:
        check_reusable(options)
    if options.result_file is not None:  # a --jobs child: its parent holds the folder's lock
        results = run_batch(options)
    else:
        with folder_lock(options.out, wait=options.wait):
            results = run_batch(options)
    print(f"\n{summary_table(results)}\n\nindex: {options.out / 'index.html'}")
    return 0 if all(result.status == "ok" for result in results) else 1

