"""Study 2's figures: loss and accuracy curves per dataset (train and test, every network and
recipe), the paper's Figures 4 (MNIST) and 6 (CIFAR-10), the final test accuracy beside the
paper's, and confusion matrices."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure

from helpers.plots import plot_curves
from helpers.runs import RunOutcome
from helpers.studies.common import summaries
from helpers.studies.common.summaries import mean_history
from helpers.studies.s02_plain_nets.findings import groups_by_dataset
from helpers.studies.s02_plain_nets.metric import OWN_RECIPE, final_measured, group_name, grouped_runs, shown_name
from helpers.studies.s02_plain_nets.paper import PAPER_BEST_PERCENT, TABLE1_COLUMNS
from helpers.studies.s02_plain_nets.recipe import DATASETS, MODELS

PAPER_FIGURES = {"MNIST": 4, "CIFAR-10": 6}


def figures(outcomes: Sequence[RunOutcome]) -> dict[str, Figure]:
    """Per dataset, loss and top-1 curves (train and test per epoch, mean over seeds) of every
    network and recipe (``<dataset>_loss_curves``, ``<dataset>_accuracy_curves``); Figures 4 and 6
    (train and test accuracy of the three networks with their own recipes); the final test top-1
    as bars beside Table 1's; a confusion matrix per network with its own recipe (first seed).
    A group with an unstable run is named so."""
    result: dict[str, Figure] = {}
    for dataset, groups in groups_by_dataset(outcomes).items():
        result.update(summaries.curves_figures({group_name(key): runs for key, runs in groups.items()},
                                               prefix=f"{DATASETS[dataset]}_", title=dataset))
        own = {shown_name(key, runs): mean_history(runs) for key, runs in groups.items() if key[2] == OWN_RECIPE}
        number = PAPER_FIGURES[dataset]
        for split in ("train", "test"):
            result[f"fig{number}_{DATASETS[dataset]}_{split}_accuracy"] = plot_curves(
                own, "top1", splits=(split,), title=f"Figure {number}: {split} accuracy on {dataset}")
    groups = grouped_runs(outcomes)
    bar_rows = [
        {"dataset": dataset, "model": group_name((dataset, model, recipe)),
         "final test top-1 (%)": 100 * final_measured(runs, "test").value,
         "paper (%)": PAPER_BEST_PERCENT[model][TABLE1_COLUMNS.index(f"{dataset} test")]}
        for (dataset, model, recipe), runs in groups.items()
    ]
    result.update(summaries.accuracy_bars_and_confusions(
        {key: runs for key, runs in groups.items() if key[2] == OWN_RECIPE}, bar_rows,
        bars_name="final_test_accuracy", group="dataset", value="final test top-1 (%)",
        bars_title="Final-epoch test top-1 (black: the paper's best epoch, chosen on test)",
        confusion_name=lambda key: f"confusion_{DATASETS[key[0]]}_{MODELS[key[1]]}",
        confusion_title=lambda key: f"{key[1]} on {key[0]}"))
    return result
