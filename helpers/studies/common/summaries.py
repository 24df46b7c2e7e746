"""Pure summaries of a study's runs: grouping and means over seeds, the settings and runs tables,
headline records, shared figures and the conclusion's layout and caveats."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from helpers.plots import plot_confusion_matrix, plot_curves, plot_grouped_bars
from helpers.runs import RunOutcome
from helpers.runs.identity import describe_pins
from helpers.runs.stability import run_instability

def settings_table(rows: Sequence[tuple[str, Any, str]]) -> pd.DataFrame:
    """The settings of a profile with their source: ``(setting, value, source)`` rows.

    ``source`` is :data:`PAPER` for values the paper states and :data:`CHOSEN` (or a longer
    explanation starting with it) for values it leaves out.
    """
    return pd.DataFrame([{"setting": name, "value": str(value), "source": source} for name, value, source in rows])


def runs_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """One row per run: its labels, size, accuracy, wall time and throughput."""
    rows = []
    for outcome in outcomes:
        metrics = outcome.metrics
        rows.append({
            "run": outcome.spec.run_id,
            **outcome.spec.labels,
            "params": metrics["params"],
            "epochs": metrics["epochs"],
            "train images": metrics["num_train"],
            "test images": metrics["num_test"],
            "final train top-1": metrics["final_train_top1"],
            "best val top-1": metrics.get("best_val_top1"),
            "test top-1": metrics["test_top1"],
            "test top-5": metrics["test_top5"],
            "wall seconds": metrics["wall_seconds"],
            "train images/s": metrics["train_images_per_second"],
            "device": device_text(metrics),
            "precision": metrics["precision"],
            "training": stability_text(outcome),
        })
    return pd.DataFrame(rows)


def stability_text(outcome: RunOutcome) -> str:
    """'stable', or 'UNSTABLE: why' (:func:`helpers.runs.stability.instability`): no verdict is
    drawn from an unstable run."""
    reason = run_instability(outcome.history, outcome.metrics)
    return f"UNSTABLE: {reason}" if reason else "stable"


def pins_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """One row per run: what it pinned beside its spec (commit, precision, threads, versions, data
    digest, training semantics; :mod:`helpers.runs.identity`), for a report's method section."""
    return pd.DataFrame([{"run": outcome.spec.run_id, "seed": outcome.spec.config.seed,
                          "pinned": describe_pins(outcome.pinned)} for outcome in outcomes],
                        columns=["run", "seed", "pinned"])


def curves_figures(groups: Mapping[str, Sequence[RunOutcome]], *, prefix: str = "",
                   title: str = "") -> dict[str, Figure]:
    """Loss and accuracy curves per epoch (train and test, or validation where there is one), one
    colour per group of runs (mean over seeds); an unstable group's name says so. Keys
    ``<prefix>loss_curves`` and ``<prefix>accuracy_curves``."""
    histories = {}
    for name, runs in groups.items():
        unstable = any(stability_text(run) != "stable" for run in runs)
        histories[f"{name} (UNSTABLE)" if unstable else name] = mean_history(runs)
    return {f"{prefix}loss_curves": plot_curves(histories, "loss", title=f"{title} loss per epoch".strip()),
            f"{prefix}accuracy_curves": plot_curves(histories, "top1", title=f"{title} top-1 per epoch".strip())}


def device_text(metrics: Mapping[str, Any]) -> str:
    """The run's device, with its thread count on a CPU ('cpu, 1 thread'), where the run recorded
    it: on a CPU the numbers move a little with the thread count."""
    threads = metrics.get("cpu_threads")
    if not threads:
        return str(metrics["device"])
    return f"{metrics['device']}, {threads} thread{'s' if threads != 1 else ''}"


def mean_history(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Per-epoch history averaged over the runs (seeds) given; numeric columns only."""
    frames = [outcome.history.select_dtypes("number") for outcome in outcomes]
    return pd.concat(frames).groupby("epoch", as_index=False).mean()


def data_notes(outcomes: Sequence[RunOutcome]) -> list[str]:
    """Every distinct note about the data the runs used, in first-seen order; when the runs used
    more than one dataset, each note starts with its dataset in brackets (``[mnist] ...``), so that a
    note about one dataset is not read as being about another."""
    datasets = {outcome.spec.dataset for outcome in outcomes}
    notes: list[str] = []
    for outcome in outcomes:
        for note in outcome.metrics.get("data_notes", []):
            note = f"[{outcome.spec.dataset}] {note}" if len(datasets) > 1 else note
            if note not in notes:
                notes.append(note)
    return notes


def data_kind(outcomes: Sequence[RunOutcome]) -> str:
    """'synthetic stand-in', 'reduced' or 'full': the data behind ``outcomes``, from their notes."""
    notes = data_notes(outcomes)
    if any("synthetic" in note.lower() for note in notes):
        return "synthetic stand-in"
    return "reduced" if is_reduced_data(notes) else "full"


def dataset_label(label: str, outcomes: Sequence[RunOutcome]) -> str:
    """A dataset's display name (``labels['dataset']``), marked when its runs used a synthetic stand-in."""
    runs = [outcome for outcome in outcomes if outcome.spec.labels["dataset"] == label]
    return f"{label} (synthetic)" if data_kind(runs) == "synthetic stand-in" else label


def is_reduced_data(notes: Sequence[str]) -> bool:
    """Whether the notes say the data is a sample, a subset or synthetic (not the full dataset)."""
    # "the official split has" marks a copy smaller than the official dataset (e.g. 25,000 CIFAR-10 images).
    markers = ("synthetic", "sample", "subset", "only ", "the official split has")
    return any(marker in note.lower() for note in notes for marker in markers)


def conclusion_markdown(
    lines: Sequence[str], caveats: Sequence[str], *, outcomes: Sequence[RunOutcome], profile: str,
    claim: str = "the claim",
) -> str:
    """A study's conclusion: what this run found, then its caveats (reduced data added when it applies)."""
    caveats = list(caveats)
    if profile == "smoke":
        caveats.append(f"reduced data (see the banner): these numbers prove the pipeline, not {claim}")
    elif is_reduced_data(data_notes(outcomes)):
        caveats.append(f"less data than the paper's (see the banner): accuracies are lower than the full data "
                       f"would give, so a shortfall against the paper is partly the data's, and {claim} is tested "
                       "at this scale only")
    return "\n".join(["**In this run:**", *lines, "", "**Caveats:** " + "; ".join(caveats) + "."])


def headline(label: str, paper: float | None, this_run: float | None, unit: str = "fraction", *,
             difference: bool = False) -> dict[str, Any]:
    """One headline number for the report index: this run's value beside the paper's.

    ``difference`` marks a value that is itself a gap between two accuracies (shown in points)."""
    return {"label": label, "paper": paper, "this_run": this_run, "unit": unit, "difference": difference}


def group_outcomes(outcomes: Sequence[RunOutcome],
                   key: Callable[[RunOutcome], Hashable]) -> dict[Any, list[RunOutcome]]:
    """Outcomes grouped by ``key(outcome)`` (for example model and stem), seeds together, in plan order."""
    groups: dict[Any, list[RunOutcome]] = {}
    for outcome in outcomes:
        groups.setdefault(key(outcome), []).append(outcome)
    return groups


def mean_metric(runs: Sequence[RunOutcome], key: str) -> float:
    """The mean of ``metrics[key]`` over runs (seeds)."""
    return float(np.mean([run.metrics[key] for run in runs]))


def accuracy_bars_and_confusions(
    groups: Mapping[Any, Sequence[RunOutcome]],
    bar_rows: Sequence[Mapping[str, Any]],
    *,
    bars_name: str,
    group: str,
    value: str,
    bars_title: str,
    confusion_name: Callable[[Any], str],
    confusion_title: Callable[[Any], str],
) -> dict[str, Figure]:
    """A grouped bar chart of ``bar_rows`` (one bar per model, the paper's value marked from the
    ``paper (%)`` column) and a test confusion matrix of each group's first run."""
    result: dict[str, Figure] = {}
    if bar_rows:
        result[bars_name] = plot_grouped_bars(pd.DataFrame(list(bar_rows)), group=group, category="model",
                                              value=value, paper_value="paper (%)", title=bars_title)
    for key, runs in groups.items():
        first = runs[0]
        result[confusion_name(key)] = plot_confusion_matrix(
            first.confusion, first.metrics["classes"],
            title=f"{confusion_title(key)} (seed {first.spec.labels['seed']}): test confusion")
    return result


def seed_and_epoch_caveats(outcomes: Sequence[RunOutcome], groups: Mapping[Any, Sequence[RunOutcome]], *,
                           paper_epochs: int, noise: str) -> list[str]:
    """The usual caveats of a conclusion: how many seeds each mean has (``noise``: which
    differences a single seed cannot separate) and whether the epochs differ from the paper's."""
    seeds = max((len(runs) for runs in groups.values()), default=0)
    epochs = max((outcome.metrics["epochs"] for outcome in outcomes), default=0)
    caveats = [f"{seeds} seed(s) per run: {noise} are within seed-to-seed noise" if seeds < 3
               else f"means over {seeds} seeds"]
    if epochs != paper_epochs:
        caveats.append(f"{epochs} epoch(s), not the paper's {paper_epochs}")
    return caveats
