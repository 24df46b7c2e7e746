"""What the batch runner records about each study: :class:`StudyResult`, and the fields of a
study's ``metrics.json`` it keeps (:func:`metrics_summary`). Imported by the index page, the
terminal summary and results.csv alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

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
    answer: str = ""  # the report's opening answer (metrics.json)
    claims: list[dict[str, Any]] = field(default_factory=list)  # its claims ledger, one row per claim


def runs_wall_seconds(metrics: Mapping[str, Any] | None) -> float | None:
    """The wall seconds of a study's runs together, from its ``metrics.json``; None when a run did
    not record them. Unlike an attempt's wall time, it counts runs that an earlier, interrupted
    attempt finished and the last attempt only loaded."""
    runs = (metrics or {}).get("runs") or {}
    seconds = [run.get("wall_seconds") for run in runs.values() if isinstance(run, Mapping)]
    if not seconds or not all(isinstance(value, (int, float)) for value in seconds):
        return None
    return float(sum(seconds))


def metrics_summary(metrics: Mapping[str, Any] | None) -> dict[str, Any]:
    """The fields of a study's ``metrics.json`` that the index shows (empty when there is none)."""
    if not metrics:
        return {}
    runs = metrics.get("runs") or {}
    devices = sorted({str(run["device"]) for run in runs.values() if isinstance(run, Mapping) and run.get("device")})
    return {
        "title": metrics.get("title"),
        "headline": list(metrics.get("headline") or []),
        "reduced_data": bool(metrics.get("reduced_data", False)),
        "data_notes": list(metrics.get("data_notes") or []),
        "devices": devices,
        "seeds": list(metrics.get("seeds") or []),
        "profile": metrics.get("profile"),
        "run_patterns": list(metrics["run_patterns"]) if metrics.get("run_patterns") else None,
        "runs_seconds": runs_wall_seconds(metrics),
        "answer": str(metrics.get("answer") or ""),
        "claims": [dict(row) for row in metrics.get("claims") or [] if isinstance(row, Mapping)],
    }
