"""Recording a study: its data banner, and its tables, figures and ``metrics.json`` on disk."""

from __future__ import annotations

import html
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from helpers.io import write_csv, write_json
from helpers.report_figures import save_figure
from helpers.provenance import provenance
from helpers.runs import RunOutcome, RunSpec
from helpers.studies.common.claims import unstable_runs
from helpers.studies.common.parameters import StudyParameters
from helpers.studies.common.selection import check_patterns, matching_runs
from helpers.studies.common.summaries import data_notes, is_reduced_data

BANNER_STYLE = "padding:8px 12px;border-radius:4px"


def data_banner(notes: Sequence[str], *, profile: str) -> str:
    """An HTML banner for the top of a report: loud when the data is reduced or synthetic."""
    if not notes:
        return ""
    reduced = is_reduced_data(notes) or profile == "smoke"
    colour, title = (("#fff3cd", "These numbers come from reduced or stand-in data, not the paper's setting")
                     if reduced else ("#e7f1ff", "Data used"))
    items = "".join(f"<li>{html.escape(note)}</li>" for note in notes)
    return (f'<div style="background:{colour};border:1px solid #d6b656;{BANNER_STYLE}">'
            f"<b>{title}</b> (profile <code>{profile}</code>)<ul>{items}</ul></div>")


def plan_banner(specs: Sequence[RunSpec], parameters: StudyParameters) -> str:
    """The banner at the top of a report, before any run: what data the profile trains on, and
    which runs, when the study runs in part (``parameters.runs``; a pattern that matches none of
    ``specs`` raises here, before any training).

    Loud (yellow) when the runs will read the embedded samples, a per-class subset or a stand-in,
    or when only some runs are chosen; the banner after training lists what the runs actually loaded."""
    check_patterns(specs, parameters.runs)
    chosen = matching_runs(specs, parameters.runs)
    part = (f"<b>Run in part</b>: {len(chosen)} of the study's {len(specs)} runs, those matching "
            f"<code>runs = {html.escape(repr(list(parameters.runs)))}</code>; the tables mark the paper's other rows "
            "'not run', and a conclusion that needs them is not drawn." if parameters.in_part else "")
    specs = chosen
    subset = sorted({spec.dataset for spec in specs
                     if spec.dataset_options.get("train_per_class") or spec.dataset_options.get("test_per_class")})
    datasets = ", ".join(sorted({spec.dataset for spec in specs}))
    items = []
    if parameters.samples:
        items.append(f"the <b>embedded samples</b> in data/samples (a few hundred to two thousand images per "
                     f"dataset), not the full datasets ({html.escape(datasets)}); a dataset without a sample "
                     "(CIFAR-100) is a synthetic stand-in")
    if subset:
        items.append(f"a class-balanced <b>subset</b> of {html.escape(', '.join(subset))} (see the settings)")
    if not items:
        data = (f"<b>Data</b> (profile <code>{parameters.profile}</code>): the full datasets on disk "
                f"({html.escape(datasets)}); the banner after training lists what each run loaded.")
        if not part:
            return f'<div style="background:#e7f1ff;border:1px solid #9ec5fe;{BANNER_STYLE}">{data}</div>'
        return f'<div style="background:#fff3cd;border:1px solid #d6b656;{BANNER_STYLE}">{part}<br>{data}</div>'
    listed = "".join(f"<li>{item}</li>" for item in items)
    return (f'<div style="background:#fff3cd;border:1px solid #d6b656;{BANNER_STYLE}">'
            + (f"{part}<br>" if part else "") +
            f"<b>{_reduced_heading(parameters)}</b> (profile "
            f"<code>{parameters.profile}</code>). The runs train on<ul>{listed}</ul></div>")


def _reduced_heading(parameters: StudyParameters) -> str:
    # Samples prove the pipeline only; a real-data subset (the cpu profile) does test the claim,
    # at a smaller scale than the paper's, which the reader must keep in mind.
    if parameters.samples:
        return "Samples: these numbers do not test the paper's claim"
    return "Less data than the paper used: compare these numbers with the paper's with that in mind"


def save_tables(output_dir: str | os.PathLike, tables: Mapping[str, pd.DataFrame]) -> list[Path]:
    """Write each table as ``<output_dir>/tables/<name>.csv`` (atomic)."""
    return [write_csv(Path(output_dir) / "tables" / f"{name}.csv", frame) for name, frame in tables.items()]


def save_figures(output_dir: str | os.PathLike, figures: Mapping[str, Figure]) -> list[Path]:
    """Write each figure as ``<output_dir>/figures/<name>.png`` (atomic)."""
    return [save_figure(figure, Path(output_dir) / "figures" / f"{name}.png") for name, figure in figures.items()]


def write_study_metrics(
    output_dir: str | os.PathLike,
    *,
    study: str,
    title: str,
    parameters: StudyParameters,
    headlines: Sequence[dict[str, Any]],
    outcomes: Sequence[RunOutcome],
    claims: Sequence[Mapping[str, Any]] = (),
    answer: str = "",
    data_notes_override: Sequence[str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Write the study's ``metrics.json``: its answer and claims ledger
    (:mod:`helpers.studies.common.claims`), headline numbers, every run's metrics and what it
    pinned, which runs were unstable, data notes (``data_notes_override``: the study's own, e.g.
    tagged by the runs they concern; else :func:`summaries.data_notes`)."""
    notes = list(data_notes_override) if data_notes_override is not None else data_notes(outcomes)
    summary = {
        "study": study,
        "title": title,
        "profile": parameters.profile,
        "seeds": list(parameters.seeds),
        "answer": answer,
        "claims": [dict(row) for row in claims],
        "headline": list(headlines),
        "data_notes": notes,
        "reduced_data": is_reduced_data(notes) or parameters.profile == "smoke",
        "run_in_part": parameters.in_part,  # only the runs matching run_patterns trained: not the whole study
        "run_patterns": list(parameters.runs) if parameters.runs else None,
        "wall_seconds": sum(outcome.metrics["wall_seconds"] for outcome in outcomes),
        "runs": {outcome.spec.run_id: outcome.metrics for outcome in outcomes},
        "pinned": {outcome.spec.run_id: outcome.pinned for outcome in outcomes},
        "unstable_runs": unstable_runs(outcomes),
        "provenance": provenance(),  # the commit and machine it was made with
        **(extra or {}),
    }
    return write_json(Path(output_dir) / "metrics.json", summary)
