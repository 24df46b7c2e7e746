"""Study 3's figures: Table 1 as bars, parameter counts, cost per run, curves per dataset, and a
test confusion matrix per run, with the best run's of each dataset picked out (the paper's own
figures are illustrations, not results)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from matplotlib.figure import Figure

from helpers import plots
from helpers.runs import RunOutcome
from helpers.studies.common.summaries import data_kind, dataset_label
from helpers.studies.s03_cross_dataset.paper import DATASETS, MODELS, PAPER_PARAMS, PAPER_TEST_TOP1

CURVE_TITLES = {"top1": "top-1 accuracy", "loss": "cross-entropy loss"}


def params_by_model(outcomes: Sequence[RunOutcome]) -> dict[str, int]:
    """Parameters per model, from a 10-class run where there is one (the paper's counts are 10-class)."""
    counts: dict[str, int] = {}
    for outcome in sorted(outcomes, key=lambda o: len(o.metrics.get("classes", [])) != 10):
        counts.setdefault(outcome.spec.labels["model"], int(outcome.metrics["params"]))
    return counts


def summary_figures(outcomes: Sequence[RunOutcome]) -> dict[str, Figure]:
    """Table 1 as bars (paper marks), parameter counts, cost per run, and per-dataset curves."""
    bars = _bar_frame(outcomes)
    params = params_by_model(outcomes)
    params_frame = pd.DataFrame([{"model": m, "count": "this run (10 classes)",
                                  "parameters (millions)": params[m] / 1e6, "paper": PAPER_PARAMS[m] / 1e6}
                                 for m in MODELS if m in params])
    result = {
        "table1_accuracy_bars": plots.plot_grouped_bars(
            bars, group="dataset", category="model", value="test top-1 (%)", paper_value="paper (%)",
            title="Table 1: test top-1, this run (bars) and the paper (black marks)"),
        "parameters": plots.plot_grouped_bars(
            params_frame, group="model", category="count", value="parameters (millions)", paper_value="paper",
            title="Parameters: this run (bars) and the paper (black marks)"),
        "wall_time": plots.plot_grouped_bars(bars, group="dataset", category="model", value="wall seconds",
                                             title="Wall time per run (training and evaluation)"),
        "throughput": plots.plot_grouped_bars(bars, group="dataset", category="model", value="train images/s",
                                              title="Training throughput"),
    }
    for label, dataset in DATASETS.items():
        histories = _histories(outcomes, label)
        shown = dataset_label(label, outcomes)
        for metric in ("top1", "loss") if histories else ():
            result[f"curves_{metric}_{dataset}"] = _show_points(plots.plot_curves(
                histories, metric, splits=("train", "val"),
                title=f"{shown}: {CURVE_TITLES[metric]} per epoch (train solid, validation dashed)"))
    return result


def confusion_figures(outcomes: Sequence[RunOutcome]) -> dict[str, Figure]:
    """A test-set confusion matrix for every run on real data, named ``confusion_<run id>`` (rows
    normalised beyond 20 classes). Runs on a synthetic stand-in get none: their matrix shows noise,
    and each 100-class figure takes about a second to render."""
    result = {}
    for outcome in outcomes:
        if data_kind([outcome]) == "synthetic stand-in":
            continue
        labels, classes = outcome.spec.labels, outcome.metrics["classes"]
        figure = plots.plot_confusion_matrix(
            outcome.confusion, classes, normalize=len(classes) > 20,
            title=f"{labels['model']} on {dataset_label(labels['dataset'], outcomes)} (seed {labels['seed']}): "
                  f"test top-1 {outcome.metrics['test_top1']:.1%}")
        result[f"confusion_{outcome.spec.run_id}"] = figure
    return result


def figures(outcomes: Sequence[RunOutcome]) -> dict[str, Figure]:
    """Table 1 as bars (paper marks), parameter counts, cost per run, per-dataset curves, and every
    run's test confusion matrix (``confusion_<run id>``)."""
    return {**summary_figures(outcomes), **confusion_figures(outcomes)}


def best_runs(outcomes: Sequence[RunOutcome]) -> list[RunOutcome]:
    """The run with the highest test top-1 on each dataset, in dataset order."""
    best = []
    for label in DATASETS:
        runs = [o for o in outcomes if o.spec.labels["dataset"] == label]
        best += [max(runs, key=lambda o: o.metrics["test_top1"])] if runs else []
    return best


def best_confusions(confusions: dict[str, Figure], outcomes: Sequence[RunOutcome]) -> list[Figure]:
    """From :func:`figures` (or :func:`confusion_figures`), the matrix of each dataset's best run
    (none for a synthetic stand-in)."""
    names = (f"confusion_{outcome.spec.run_id}" for outcome in best_runs(outcomes))
    return [confusions[name] for name in names if name in confusions]


def _show_points(figure: Figure) -> Figure:
    """Mark every point, so that one-epoch runs still show up as curves of a single point."""
    for line in figure.axes[0].lines:
        if line.get_marker() in (None, "None", ""):
            line.set_marker(".")
    return figure


def _bar_frame(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    return pd.DataFrame([{"dataset": dataset_label(o.spec.labels["dataset"], outcomes),
                          "model": o.spec.labels["model"],
                          "test top-1 (%)": o.metrics["test_top1"] * 100,
                          "paper (%)": PAPER_TEST_TOP1[o.spec.labels["dataset"]][o.spec.labels["model"]] * 100,
                          "wall seconds": o.metrics["wall_seconds"],
                          "train images/s": o.metrics["train_images_per_second"]} for o in outcomes])


def _histories(outcomes: Sequence[RunOutcome], label: str) -> dict[str, pd.DataFrame]:
    chosen = [o for o in outcomes if o.spec.labels["dataset"] == label]
    several_seeds = len({o.spec.config.seed for o in chosen}) > 1
    return {o.spec.labels["model"] + (f" seed {o.spec.config.seed}" if several_seeds else ""): o.history
            for o in chosen}
