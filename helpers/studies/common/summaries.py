"""Pure summaries of a study's runs: grouping and means over seeds, the settings, runs and
time-to-accuracy tables, headline records, shared figures and the conclusion's layout and caveats."""

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


# The top-1 marks of the time-to-accuracy table, per dataset (load_dataset names): chosen here, below
# and near each dataset's well-trained accuracy, so that the table separates fast and slow runs.
ACCURACY_MARKS: dict[str, tuple[float, ...]] = {
    "cifar10": (0.80, 0.85, 0.89), "mnist": (0.99, 0.995), "fashion_mnist": (0.90, 0.93),
    "caltech101": (0.50, 0.65), "cifar100": (0.50, 0.70)}
OTHER_DATASET = "-"  # a mark of another dataset than the run's


def time_to_accuracy_table(outcomes: Sequence[RunOutcome], *,
                           marks: Mapping[str, Sequence[float]] | None = None) -> pd.DataFrame:
    """One row per run: the wall minutes until its per-epoch top-1 first reaches each mark.

    Columns: the run, its labels (as :func:`runs_table`), its dataset, its data
    (:func:`data_kind`; on a sample or a synthetic stand-in the minutes say nothing about the full
    data), the device and CPU threads it pinned ('not pinned' for a run made before pinning), the
    curve it is scored on ('test': the history's ``test_top1``; 'validation': its ``val_top1``,
    used only where the history has no test scores), then ``minutes to NN %`` for every mark of
    ``marks`` (default :data:`ACCURACY_MARKS`; the union over the runs' datasets, lowest first)
    and ``total minutes`` (every epoch's seconds: without the setup and the final scoring that the
    runs table's wall seconds include).

    A mark's minutes are the history's ``seconds`` (each epoch's training and evaluation) summed
    up to and including the first epoch whose top-1 reaches the mark; 'not reached (best NN.N %)'
    when none does; :data:`OTHER_DATASET` for a mark of another dataset; NaN without per-epoch
    times. The curve is the per-epoch one, never averaged over flipped images: a run with flip
    test-time augmentation gets it on its final score only. Times depend on the device and the
    threads (shown) and on what else the machine was running.
    """
    marks = ACCURACY_MARKS if marks is None else marks
    columns = sorted({mark for outcome in outcomes for mark in marks.get(outcome.spec.dataset, ())})
    rows = []
    for outcome in outcomes:
        scored_on, top1 = _per_epoch_top1(outcome.history)
        seconds = outcome.history["seconds"] if "seconds" in outcome.history else pd.Series(np.nan, top1.index)
        minutes = (seconds.cumsum() / 60).round(1)  # a tenth of a minute: finer says nothing across machines
        own = set(marks.get(outcome.spec.dataset, ()))
        kind = data_kind([outcome])
        rows.append({
            "run": outcome.spec.run_id,
            **outcome.spec.labels,
            **({} if "dataset" in outcome.spec.labels else {"dataset": outcome.spec.dataset}),
            "data": kind if kind == "full" else f"{kind}: not the full dataset's minutes",
            "device, threads": _pinned_device(outcome.pinned),
            "scored on": scored_on,
            **{f"minutes to {_percent_text(mark)}": (_minutes_to(mark, top1, minutes) if mark in own
                                                    else OTHER_DATASET) for mark in columns},
            "total minutes": float(minutes.iloc[-1]) if len(minutes) else np.nan,
        })
    labels = list(dict.fromkeys(key for outcome in outcomes for key in outcome.spec.labels))
    fixed = ["data", "device, threads", "scored on", *(f"minutes to {_percent_text(mark)}" for mark in columns),
             "total minutes"]
    # A label that only some runs carry (a grid run's lr) stays beside the others, not after the minutes.
    return pd.DataFrame(rows, columns=["run", *labels, *([] if "dataset" in labels else ["dataset"]), *fixed])


def _per_epoch_top1(history: pd.DataFrame) -> tuple[str, pd.Series]:
    """Which split scores the time-to-accuracy table ('test' where the history has test scores,
    else 'validation') and its top-1 per epoch."""
    for column, split in (("test_top1", "test"), ("val_top1", "validation")):
        if column in history and history[column].notna().any():
            return split, history[column]
    return "none", pd.Series(np.nan, history.index)


def _minutes_to(mark: float, top1: pd.Series, minutes: pd.Series) -> float | str:
    """Minutes until the first epoch whose ``top1`` reaches ``mark``, or 'not reached (best NN.N %)'."""
    reached = (top1 >= mark).to_numpy()
    if reached.any():
        return float(minutes.iloc[int(np.argmax(reached))])  # argmax: the first epoch that reached it
    best = top1.max()
    return f"not reached (best {100 * best:.1f} %)" if pd.notna(best) else "not reached (no per-epoch top-1)"


def _percent_text(mark: float) -> str:
    """A mark as a column name's percentage: 0.8 -> '80 %', 0.995 -> '99.5 %'."""
    return f"{round(100 * mark, 2):g} %"


def _pinned_device(pinned: Mapping[str, Any] | None) -> str:
    """The device and CPU threads a run pinned ('cpu, 2 threads', 'cuda:0'), or 'not pinned'."""
    if not pinned:
        return "not pinned"
    return device_text({"device": pinned.get("device"), "cpu_threads": pinned.get("threads")})


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
             difference: bool = False, seeds: Sequence[int] = ()) -> dict[str, Any]:
    """One headline number for the report index: this run's value beside the paper's, and the seeds
    it rests on (none for a headline this run could not measure).

    ``difference`` marks a value that is itself a gap between two accuracies (shown in points)."""
    return {"label": label, "paper": paper, "this_run": this_run, "unit": unit, "difference": difference,
            "seeds": list(seeds)}


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
