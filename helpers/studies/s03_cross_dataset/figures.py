"""Study 3's figures: Table 1 as bars, parameter counts, cost per run, loss and accuracy curves per
dataset (train, validation and test per epoch, mean over seeds, an unstable model labelled), and a
test confusion matrix per run, with the best model's of each dataset picked out (its first seed).
The paper's own figures are illustrations, not results."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from matplotlib.figure import Figure

from helpers import plots
from helpers.runs import RunOutcome
from helpers.studies.common import summaries
from helpers.studies.common.summaries import data_kind, dataset_label
from helpers.studies.s03_cross_dataset.paper import DATASETS, MODELS, PAPER_PARAMS, PAPER_TEST_TOP1


def params_by_model(outcomes: Sequence[RunOutcome]) -> dict[str, int]:
    """Parameters per model, from a 10-class run where there is one (the paper's counts are 10-class)."""
    counts: dict[str, int] = {}
    for outcome in sorted(outcomes, key=lambda o: len(o.metrics.get("classes", [])) != 10):
        counts.setdefault(outcome.spec.labels["model"], int(outcome.metrics["params"]))
    return counts


def summary_figures(outcomes: Sequence[RunOutcome]) -> dict[str, Figure]:
    """Table 1 as bars (paper marks, mean over seeds), parameter counts, cost per run, and the loss
    and accuracy curves of each dataset trained (``<dataset>_loss_curves``, ``<dataset>_accuracy_curves``)."""
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
        groups = {model: [o for o in outcomes if o.spec.labels["dataset"] == label and o.spec.labels["model"] == model]
                  for model in MODELS}
        groups = {model: runs for model, runs in groups.items() if runs}
        if groups:
            result.update(summaries.curves_figures(groups, prefix=f"{dataset}_",
                                                   title=f"{dataset_label(label, outcomes)}:"))
    return result


def curve_figures(figures: dict[str, Figure]) -> list[Figure]:
    """From :func:`figures`, the loss then the accuracy curves of each dataset trained, in dataset order."""
    return [figures[f"{dataset}_{kind}_curves"] for dataset in DATASETS.values() for kind in ("loss", "accuracy")
            if f"{dataset}_{kind}_curves" in figures]


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
    """On each dataset, in dataset order, the first seed's run of the model with the highest mean
    test top-1 over seeds."""
    best = []
    for label in DATASETS:
        groups = {model: [o for o in outcomes if o.spec.labels["dataset"] == label and o.spec.labels["model"] == model]
                  for model in MODELS}
        groups = {model: runs for model, runs in groups.items() if runs}
        if groups:
            model = max(groups, key=lambda name: sum(o.metrics["test_top1"] for o in groups[name]) / len(groups[name]))
            best.append(min(groups[model], key=lambda o: o.spec.config.seed))
    return best


def best_confusions(confusions: dict[str, Figure], outcomes: Sequence[RunOutcome]) -> list[Figure]:
    """From :func:`figures` (or :func:`confusion_figures`), the matrix of each dataset's best run
    (none for a synthetic stand-in)."""
    names = (f"confusion_{outcome.spec.run_id}" for outcome in best_runs(outcomes))
    return [confusions[name] for name in names if name in confusions]


def _bar_frame(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    return pd.DataFrame([{"dataset": dataset_label(o.spec.labels["dataset"], outcomes),
                          "model": o.spec.labels["model"],
                          "test top-1 (%)": o.metrics["test_top1"] * 100,
                          "paper (%)": PAPER_TEST_TOP1[o.spec.labels["dataset"]][o.spec.labels["model"]] * 100,
                          "wall seconds": o.metrics["wall_seconds"],
                          "train images/s": o.metrics["train_images_per_second"]} for o in outcomes])
