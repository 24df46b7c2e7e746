"""Study 2's figures: the paper's Figures 4 (MNIST) and 6 (CIFAR-10), the highest test accuracy
beside the paper's, and confusion matrices."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure

from helpers.plots import plot_curves
from helpers.runs import RunOutcome
from helpers.studies.common import summaries
from helpers.studies.common.summaries import mean_history
from helpers.studies.s02_plain_nets.metric import best_accuracy, grouped_runs
from helpers.studies.s02_plain_nets.paper import PAPER_BEST_PERCENT, TABLE1_COLUMNS
from helpers.studies.s02_plain_nets.recipe import DATASETS, MODELS


def figures(outcomes: Sequence[RunOutcome]) -> dict[str, Figure]:
    """Figures 4 (MNIST) and 6 (CIFAR-10): train and test accuracy per epoch of the three networks
    (mean over seeds); the highest test accuracy as bars beside the paper's; confusion matrices
    (first seed of each run)."""
    groups = grouped_runs(outcomes)
    result: dict[str, Figure] = {}
    for number, dataset in ((4, "MNIST"), (6, "CIFAR-10")):
        histories = {model: mean_history(runs) for (d, model), runs in groups.items() if d == dataset}
        if not histories:
            continue
        for split in ("train", "test"):
            result[f"fig{number}_{DATASETS[dataset]}_{split}_accuracy"] = plot_curves(
                histories, "top1", splits=(split,), title=f"Figure {number}: {split} accuracy on {dataset}")
    bar_rows = [
        {"dataset": dataset, "model": model, "highest test top-1 (%)": 100 * best_accuracy(runs, "test"),
         "paper (%)": PAPER_BEST_PERCENT[model][TABLE1_COLUMNS.index(f"{dataset} test")]}
        for (dataset, model), runs in groups.items()
    ]
    result.update(summaries.accuracy_bars_and_confusions(
        groups, bar_rows, bars_name="highest_test_accuracy", group="dataset", value="highest test top-1 (%)",
        bars_title="Highest test top-1 during training (black: paper)",
        confusion_name=lambda key: f"confusion_{DATASETS[key[0]]}_{MODELS[key[1]]}",
        confusion_title=lambda key: f"{key[1]} on {key[0]}"))
    return result
