"""What the batch runner records about each study: :class:`StudyResult`, and the fields of a
study's ``metrics.json`` it keeps (:func:`read_study_metrics`, :func:`metrics_summary`). Imported by
the index page, the terminal summary and results.csv alike.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.io import read_json

STATUSES = ("ok", "failed")


@dataclass(frozen=True)
class StudyResult:
    """What the batch runner records about one study notebook.

    Paths are relative to the profile's output folder (where ``index.html`` lives), so the
    index's links keep working when the folder is moved or zipped.
    """

    study: str
    notebook: str
    status: str
    wall_seconds: float
    report: str | None = None
    executed_notebook: str | None = None
    log: str | None = None
    error_name: str | None = None
    error_message: str | None = None
    error_cell: int | None = None
    finished: str | None = None  # local date and time the study ended
    title: str | None = None
    headline: list[dict[str, Any]] = field(default_factory=list)
    reduced_data: bool = False
    data_notes: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    seeds: list[int] = field(default_factory=list)
    profile: str | None = None
    run_patterns: list[str] | None = None  # the study ran in part: only the runs matching these
    fingerprint: str | None = None  # of notebook, parameters and library code (helpers.batch.state)
    reused: bool = False  # unchanged since its last successful run, so not rerun this time
    # The study's runs together (training and evaluation, from metrics.json): an attempt that only
    # loaded finished runs takes seconds, while the runs it shows took hours.
    runs_seconds: float | None = None
    # Their CPU time (core-seconds: wall time x threads x processes of each run on a CPU), and how many
    # of those runs recorded no thread count (counted as one thread, so the sum is then a lower bound).
    runs_core_seconds: float | None = None
    runs_without_threads: int = 0
    answer: str = ""  # the report's opening answer (metrics.json)
    claims: list[dict[str, Any]] = field(default_factory=list)  # its claims ledger, one row per claim


def read_study_metrics(path: str | os.PathLike) -> dict[str, Any] | None:
    """A study's ``metrics.json`` at ``path``; None when it is missing, truncated (a full disk, a
    copy cut short) or holds no JSON object, so that the index shows the study without its numbers
    instead of failing on one damaged file."""
    try:
        metrics = read_json(Path(path))
    except (OSError, ValueError):  # ValueError: JSONDecodeError, UnicodeDecodeError
        return None
    return metrics if isinstance(metrics, dict) else None


def runs_wall_seconds(metrics: Mapping[str, Any] | None) -> float | None:
    """The wall seconds of a study's runs together, from its ``metrics.json``; None when a run did
    not record them. Unlike an attempt's wall time, it counts runs that an earlier, interrupted
    attempt finished and the last attempt only loaded."""
    runs = _field(metrics, "runs", Mapping) or {}
    seconds = [run.get("wall_seconds") for run in runs.values() if isinstance(run, Mapping)]
    if not seconds or not all(isinstance(value, (int, float)) for value in seconds):
        return None
    return float(sum(seconds))


def runs_core_seconds(metrics: Mapping[str, Any] | None) -> tuple[float, int] | None:
    """The CPU time of a study's runs on a CPU, from its ``metrics.json``: core-seconds (each run's
    wall seconds x its threads x its processes) and how many of them recorded no thread count
    (counted at one thread); None when no run trained on a CPU with its wall time recorded."""
    runs = [run for run in (_field(metrics, "runs", Mapping) or {}).values()
            if isinstance(run, Mapping) and run.get("device") == "cpu"
            and isinstance(run.get("wall_seconds"), (int, float))]
    if not runs:
        return None
    unknown = sum(1 for run in runs if not isinstance(run.get("cpu_threads"), int))
    seconds = sum(run["wall_seconds"] * (run["cpu_threads"] if isinstance(run.get("cpu_threads"), int) else 1)
                  * (run["processes"] if isinstance(run.get("processes"), int) else 1) for run in runs)
    return float(seconds), unknown


def metrics_summary(metrics: Mapping[str, Any] | None) -> dict[str, Any]:
    """The fields of a study's ``metrics.json`` that the index shows (empty when there is none, or
    when it is no mapping); a field of the wrong kind is left out, as if it were not recorded."""
    if not metrics or not isinstance(metrics, Mapping):
        return {}
    runs = _field(metrics, "runs", Mapping) or {}
    devices = sorted({str(run["device"]) for run in runs.values() if isinstance(run, Mapping) and run.get("device")})
    patterns = _field(metrics, "run_patterns", list)
    return {
        "title": metrics.get("title"),
        "headline": [row for row in _field(metrics, "headline", list) or [] if isinstance(row, Mapping)],
        "reduced_data": bool(metrics.get("reduced_data", False)),
        "data_notes": [str(note) for note in _field(metrics, "data_notes", list) or []],
        "devices": devices,
        "seeds": list(_field(metrics, "seeds", list) or []),
        "profile": metrics.get("profile"),
        "run_patterns": list(patterns) if patterns else None,
        "runs_seconds": runs_wall_seconds(metrics),
        **dict(zip(("runs_core_seconds", "runs_without_threads"), runs_core_seconds(metrics) or (None, 0))),
        "answer": str(metrics.get("answer") or ""),
        "claims": [dict(row) for row in _field(metrics, "claims", list) or [] if isinstance(row, Mapping)],
    }


def _field(metrics: Mapping[str, Any] | None, name: str, kind: type) -> Any:
    """``metrics[name]`` when it is a ``kind`` (a JSON object is a Mapping, an array a list), else None."""
    value = metrics.get(name) if isinstance(metrics, Mapping) else None
    return value if isinstance(value, kind) else None
