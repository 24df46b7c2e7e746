"""Study 5's figures, drawn from the runs: Figures 4 and 8 (test confusion matrices), 5 (ResNet18's
learning rate), 6 and 9 (accuracy and loss per epoch) and 7 (the grid's validation top-1), and the
loss and accuracy curves of the final runs beside the ablations. A model whose runs trained
unstably is named '(UNSTABLE)' in its curves."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure

from helpers.plots import plot_confusion_matrix, plot_curves, plot_grid_heatmap, plot_learning_rate
from helpers.runs import RunOutcome
from helpers.studies.common.claims import unstable_runs
from helpers.studies.common.summaries import curves_figures, mean_history
from helpers.studies.s05_small_resnets.grid import grid_table
from helpers.studies.s05_small_resnets.phases import ablations_of, grid_runs, groups_of


def figures(outcomes: Sequence[RunOutcome]) -> dict[str, Figure]:
    """Figures 4 and 8 (test confusion matrices, first seed), 5 (ResNet18's learning rate per epoch),
    6 and 9 (accuracy and loss, train and test, mean over seeds), 7 (the grid's validation top-1),
    and ``final_and_ablations_loss_curves`` / ``..._accuracy_curves`` (train and test per epoch of
    both final models and every ablation) when there are ablations."""
    groups = groups_of(outcomes)
    result: dict[str, Figure] = {}
    numbers = {"ResNet18": (4, 6), "ResNetLarge": (8, 9)}
    for model, runs in groups.items():
        confusion_number, curve_number = numbers[model]
        slug = model.lower()
        result[f"fig{confusion_number}_{slug}_confusion"] = plot_confusion_matrix(
            runs[0].confusion, runs[0].metrics["classes"],
            title=f"Figure {confusion_number}: {model} test confusion (seed {runs[0].spec.labels['seed']})")
        history = {f"{model} (UNSTABLE)" if unstable_runs(runs) else model: mean_history(runs)}
        result[f"fig{curve_number}_{slug}_accuracy"] = plot_curves(
            history, "top1", splits=("train", "test"), title=f"Figure {curve_number}: {model} accuracy")
        result[f"fig{curve_number}_{slug}_loss"] = plot_curves(
            history, "loss", splits=("train", "test"), title=f"Figure {curve_number}: {model} loss")
    if "ResNet18" in groups:
        result["fig5_resnet18_learning_rate"] = plot_learning_rate(
            mean_history(groups["ResNet18"]), title="Figure 5: ResNet18 learning rate at the end of each epoch")
    if grid_runs(outcomes):
        result["fig7_resnetlarge_grid"] = plot_grid_heatmap(
            grid_table(outcomes), x="momentum", y="learning rate", value="validation top-1",
            title="Figure 7: ResNetLarge validation top-1 over learning rate x momentum")
    ablations = ablations_of(outcomes)
    if ablations:
        result.update(curves_figures({**groups, **ablations}, prefix="final_and_ablations_",
                                     title="Final runs and ablations:"))
    return result
