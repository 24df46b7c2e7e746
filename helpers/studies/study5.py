"""Study 5: ResNets under 5 million parameters on CIFAR-10 (``../shared/papers/study5_sub5m_resnet_cifar10.txt``).

The paper trains two small ResNets with a strong augmentation whose output is concatenated with
the original images (batch 64): "ResNet18" (BasicBlocks [2,2,2,2], widths 42-84-168-336, dropout
0.15; 4,815,940 parameters) with AdamW for 80 epochs and a "dynamic" learning rate (Figure 5), and
"ResNetLarge" (BasicBlocks [1,1,1,1], widths 64-512; 4,903,242 parameters) with SGD for 120 epochs,
its learning rate and momentum chosen by a grid search on validation accuracy (Figure 7). Table 1:
test 93.02 % / 92.73 %, train 97.98 % / 98.22 %.

Two phases, because the second depends on the first: the tuning phase (:func:`tuning_plan`)
trains ResNetLarge on a train / validation split for every (learning rate, momentum) pair, and
:func:`tuned_values` picks the pair with the best validation top-1; :func:`plan` then trains both
models on the full training set, ResNetLarge with ``parameters.tuned``. The tables, figures,
headlines and conclusion take the outcomes of both phases (their labels say which).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import pandas as pd
from matplotlib.figure import Figure

from helpers.compare import paper_vs_run_grid
from helpers.plots import plot_confusion_matrix, plot_curves, plot_grid_heatmap, plot_learning_rate
from helpers.runs import RunOutcome, RunSpec
from helpers.studies import recipes, run_id, summaries
from helpers.studies.parameters import CHOSEN, PAPER, StudyParameters
from helpers.studies.study5_grid import (PROFILE_GRID_DATA, PROFILE_GRIDS, best_grid_point, grid_plan, grid_runs,
                                         grid_table, grid_val_fraction)
from helpers.studies.study5_layers import layer_check, layer_tables
from helpers.studies.study5_paper import (MODELS, PAPER_BATCH_SIZE, PAPER_EPOCHS, PAPER_OPTIMIZERS, PAPER_PARAMS,
                                          PAPER_TEST_TOP1, PAPER_TRAIN_TOP1)
from helpers.studies.summaries import mean_history, mean_metric

TITLE = "Study 5: ResNets under 5 million parameters on CIFAR-10"
STUDY_ID = "05"

OPTIMIZER_NAMES = {"adamw": "AdamW", "adam": "Adam", "sgd": "SGD"}
# The paper's augmentation, concatenated with the original images (strengths chosen).
AUGMENTATION = dict(augmentation="study5", crop_padding=4, concat_original=True)
FALLBACK_GRID_POINT = {"lr": 0.05, "momentum": 0.9}  # only when plan() runs without the tuning phase
STATED = ("epochs", "batch_size", "optimizer", "augmentation", "concat_original")
# smoke: 2 epochs on 40 images per class (so the curves are lines), a 2x2 grid of 1-epoch runs on
# 24 per class: about a minute on 2 idle CPU cores (measured). quick: fewer epochs at a larger batch
# (fewer, bigger steps on a GPU), learning rates scaled with it.
DATA = {"smoke": dict(train_per_class=40, test_per_class=40)}
RECIPES = {
    "ResNet18": recipes.Recipe(
        paper=dict(epochs=PAPER_EPOCHS["ResNet18"], batch_size=PAPER_BATCH_SIZE, optimizer="adamw", lr=0.001,
                   weight_decay=0.01, scheduler="onecycle", **AUGMENTATION),
        stated=STATED, data=DATA,
        profiles={"smoke": dict(epochs=2), "quick": dict(epochs=20, batch_size=256, lr=0.003, weight_decay=0.05)},
        notes={"scheduler": "the paper shows a 'dynamic learning rate' (Figure 5) without naming it; one-cycle "
                            "is the closest schedule the trainer offers"}),
    # lr and momentum: from the tuning phase (a run's changes); the fallback only without it.
    "ResNetLarge": recipes.Recipe(
        paper=dict(epochs=PAPER_EPOCHS["ResNetLarge"], batch_size=PAPER_BATCH_SIZE, optimizer="sgd",
                   weight_decay=5e-4, scheduler="cosine", **FALLBACK_GRID_POINT, **AUGMENTATION),
        stated=STATED, data=DATA,
        profiles={"smoke": dict(epochs=2),
                  "quick": dict(epochs=20, batch_size=256, nesterov=True, scheduler="onecycle")}),
}


def tuning_plan(parameters: StudyParameters) -> list[RunSpec]:
    """The tuning phase: ResNetLarge for every (learning rate, momentum) of the profile's grid and
    every seed, a few epochs on a validation split (see :mod:`helpers.studies.study5_grid`)."""
    return grid_plan(parameters, RECIPES["ResNetLarge"])


def tuned_values(outcomes: Sequence[RunOutcome]) -> dict[str, float]:
    """The grid's (lr, momentum) with the best mean validation top-1 (first in grid order on ties),
    for :meth:`StudyParameters.with_tuned` and then :func:`plan`."""
    return best_grid_point(outcomes)


def _final_runs(outcomes: Sequence[RunOutcome]) -> list[RunOutcome]:
    return [outcome for outcome in outcomes if outcome.spec.labels.get("phase") != "grid"]


def plan(parameters: StudyParameters) -> list[RunSpec]:
    """Per seed: ResNet18 (AdamW) and ResNetLarge (SGD with ``parameters.tuned``'s lr and momentum,
    from :func:`tuned_values`) on the full training set, tested on the test set."""
    choice = dict(parameters.tuned or FALLBACK_GRID_POINT)
    source = "grid search" if parameters.tuned else "fallback (no grid search run)"
    specs = []
    for seed in parameters.seeds:
        for model, registry_name in MODELS.items():
            changes = {"lr": choice["lr"], "momentum": choice["momentum"]} if model == "ResNetLarge" else {}
            specs.append(RunSpec(
                run_id=run_id(registry_name, seed=seed), model=registry_name, dataset="cifar10",
                config=recipes.train_config(RECIPES[model], parameters, seed=seed, changes=changes),
                dataset_options=RECIPES[model].dataset_options(parameters.profile),
                labels={"model": model, "phase": "final", "seed": seed,
                        **({"lr source": source} if model == "ResNetLarge" else {})}))
    return specs


def settings(parameters: StudyParameters) -> pd.DataFrame:
    """The profile's settings, each with its source (the paper or chosen here)."""
    small, large = (recipes.train_config(RECIPES[model], parameters, seed=parameters.seeds[0]) for model in MODELS)
    small_source, large_source = (functools.partial(recipes.source, RECIPES[model], parameters) for model in MODELS)
    grid, grid_data = PROFILE_GRIDS[parameters.profile], PROFILE_GRID_DATA[parameters.profile]
    _, images, images_source = recipes.images_row(RECIPES["ResNet18"], parameters, everything="all")
    if grid_data:
        images += f" (grid runs: {recipes.describe_subset(grid_data)})"
    augmentation_source = small_source("augmentation", "concat_original")
    if augmentation_source == PAPER:  # the strengths are the library's study5 augmentation, not config fields
        augmentation_source = f"{PAPER} (padding, jitter and translation strengths: {CHOSEN})"
    tuned = parameters.tuned
    chosen = (f"lr {tuned['lr']:g}, momentum {tuned['momentum']:g} (best on validation)" if tuned
              else "from the grid search below")
    return summaries.settings_table([
        ("dataset", "CIFAR-10 (50,000 train / 10,000 test officially)", PAPER),
        ("images used", images, images_source),
        ("normalisation", "CIFAR-10 training-set mean and std per channel",
         f"{PAPER} ('predefined'; values: {CHOSEN})"),
        ("augmentation", "rotation <= 10 deg, flip p 0.5, random crop (padding 4), colour jitter (0.2, 0.2, 0.2, "
         "hue 0.1), translation <= 10 %; concatenated with the original images", augmentation_source),
        ("batch size", small.batch_size, small_source("batch_size")),
        ("ResNet18", "BasicBlocks [2,2,2,2], widths 42-84-168-336, dropout 0.15, 3x3 stem, GAP, linear", PAPER),
        ("ResNet18 optimiser", f"AdamW, weight decay {small.weight_decay}", small_source("optimizer", "weight_decay")),
        ("ResNet18 learning rate",
         f"{small.scheduler}: warm-up to {small.lr} over the first quarter, then linear decay to 0",
         small_source("lr", "scheduler")),
        ("ResNet18 epochs", small.epochs, small_source("epochs")),
        ("ResNetLarge", "BasicBlocks [1,1,1,1], widths 64-128-256-512, 3x3 stem, GAP, linear", PAPER),
        ("ResNetLarge optimiser", f"SGD{' (Nesterov)' if large.nesterov else ''}, weight decay {large.weight_decay}",
         large_source("optimizer", "nesterov", "weight_decay")),
        ("ResNetLarge lr and momentum", chosen, f"{PAPER} (grid search)"),
        ("ResNetLarge lr schedule", large.scheduler, large_source("scheduler")),
        ("ResNetLarge epochs", large.epochs, large_source("epochs")),
        ("grid", f"lr {list(grid['lrs'])} x momentum {list(grid['momenta'])}",
         f"{PAPER} (lr x momentum; values: {CHOSEN})"),
        ("grid runs", f"{min(grid['epochs'], large.epochs)} epoch(s) each, validation = "
         f"{grid_val_fraction(parameters):.0%} of the training images (stratified)", CHOSEN),
        ("seeds", ", ".join(map(str, parameters.seeds)), CHOSEN),
        ("device / precision", f"{small.device} / {small.precision}", "this machine"),
    ])


def _groups(outcomes: Sequence[RunOutcome]) -> dict[str, list[RunOutcome]]:
    """The final runs by model, seeds together."""
    return summaries.group_outcomes(_final_runs(outcomes), lambda outcome: outcome.spec.labels["model"])


def table1(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Table 1 in the paper's form, a paper and a this-run column per model (accuracies in %)."""
    groups = _groups(outcomes)
    columns = {}
    for model in MODELS:
        runs = groups.get(model, [])
        columns[f"{model} (paper)"] = [PAPER_EPOCHS[model], PAPER_OPTIMIZERS[model], f"{PAPER_PARAMS[model]:,}",
                                       f"{100 * PAPER_TEST_TOP1[model]:.2f}%", f"{100 * PAPER_TRAIN_TOP1[model]:.2f}%"]
        columns[f"{model} (this run)"] = (
            [runs[0].metrics["epochs"], OPTIMIZER_NAMES[runs[0].metrics["config"]["optimizer"]],
             f"{runs[0].metrics['params']:,}", f"{100 * mean_metric(runs, 'test_top1'):.2f}%",
             f"{100 * mean_metric(runs, 'final_train_top1'):.2f}%"] if runs else [None] * 5)
    index = ["Epochs", "Optimiser", "Parameters", "Final Test Accuracy", "Final Train Accuracy"]
    return pd.DataFrame(columns, index=pd.Index(index, name="Model ->"))


def accuracy_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Table 1's accuracies, paper vs this run (mean over seeds), in percent with differences."""
    groups = _groups(outcomes)
    paper = pd.DataFrame({"test top-1": PAPER_TEST_TOP1, "train top-1": PAPER_TRAIN_TOP1})
    run = pd.DataFrame({model: {"test top-1": mean_metric(runs, "test_top1"),
                                "train top-1": mean_metric(runs, "final_train_top1")}
                        for model, runs in groups.items()}).T
    return paper_vs_run_grid(100 * paper, run, unit="percent", run_unit="fraction", row_label="model",
                             column_label="metric")


def parameter_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Parameter counts, paper vs the trained models (the difference should be 0)."""
    groups = _groups(outcomes)
    counts = {model: groups[model][0].metrics["params"] if model in groups else None for model in MODELS}
    return pd.DataFrame([{"model": model, "paper": PAPER_PARAMS[model], "this run": count,
                          "difference": None if count is None else count - PAPER_PARAMS[model]}
                         for model, count in counts.items()])


def tables(outcomes: Sequence[RunOutcome]) -> dict[str, pd.DataFrame]:
    """Every table of the report, by file name: Table 1, its accuracies vs the paper, parameter
    counts, the grid (Figure 7), every run (grid runs first) and the layer tables (Figures 2-3)."""
    layers = layer_tables()
    return {"table1": table1(outcomes).reset_index(), "table1_accuracy_vs_paper": accuracy_table(outcomes),
            "parameters": parameter_table(outcomes), "fig7_grid": grid_table(outcomes),
            "runs": summaries.runs_table([*grid_runs(outcomes), *_final_runs(outcomes)]),
            "fig2_resnet18_layers": layers["ResNet18"], "fig3_resnetlarge_layers": layers["ResNetLarge"],
            "layer_check": layer_check(layers)}


def headlines(outcomes: Sequence[RunOutcome]) -> list[dict]:
    """Test and train top-1 of both models, and the best grid point's validation top-1."""
    groups = _groups(outcomes)
    items = []
    for model, runs in groups.items():
        items.append(summaries.headline(f"{model} test top-1", PAPER_TEST_TOP1[model],
                                        mean_metric(runs, "test_top1")))
        items.append(summaries.headline(f"{model} train top-1", PAPER_TRAIN_TOP1[model],
                                        mean_metric(runs, "final_train_top1")))
    if all(model in groups for model in MODELS):
        gap = mean_metric(groups["ResNet18"], "test_top1") - mean_metric(groups["ResNetLarge"], "test_top1")
        items.append(summaries.headline("ResNet18 minus ResNetLarge test top-1",
                                        round(PAPER_TEST_TOP1["ResNet18"] - PAPER_TEST_TOP1["ResNetLarge"], 4), gap,
                                        difference=True))
    if grid_runs(outcomes):
        items.append(summaries.headline("ResNetLarge grid: best validation top-1", None,
                                        float(grid_table(outcomes)["validation top-1"].max())))
    return items


def figures(outcomes: Sequence[RunOutcome]) -> dict[str, Figure]:
    """Figures 4 and 8 (test confusion matrices, first seed), 5 (ResNet18's learning rate per epoch),
    6 and 9 (accuracy and loss, train and test, mean over seeds) and 7 (the grid's validation top-1)."""
    groups = _groups(outcomes)
    result: dict[str, Figure] = {}
    numbers = {"ResNet18": (4, 6), "ResNetLarge": (8, 9)}
    for model, runs in groups.items():
        confusion_number, curve_number = numbers[model]
        slug = model.lower()
        result[f"fig{confusion_number}_{slug}_confusion"] = plot_confusion_matrix(
            runs[0].confusion, runs[0].metrics["classes"],
            title=f"Figure {confusion_number}: {model} test confusion (seed {runs[0].spec.labels['seed']})")
        history = mean_history(runs)
        result[f"fig{curve_number}_{slug}_accuracy"] = plot_curves(
            {model: history}, "top1", splits=("train", "test"), title=f"Figure {curve_number}: {model} accuracy")
        result[f"fig{curve_number}_{slug}_loss"] = plot_curves(
            {model: history}, "loss", splits=("train", "test"), title=f"Figure {curve_number}: {model} loss")
    if "ResNet18" in groups:
        result["fig5_resnet18_learning_rate"] = plot_learning_rate(
            mean_history(groups["ResNet18"]), title="Figure 5: ResNet18 learning rate at the end of each epoch")
    if grid_runs(outcomes):
        result["fig7_resnetlarge_grid"] = plot_grid_heatmap(
            grid_table(outcomes), x="momentum", y="learning rate", value="validation top-1",
            title="Figure 7: ResNetLarge validation top-1 over learning rate x momentum")
    return result


def conclusion(outcomes: Sequence[RunOutcome], parameters: StudyParameters) -> str:
    """What this run says about the paper's results, as markdown, from the numbers themselves."""
    groups = _groups(outcomes)
    lines = []
    for model, runs in groups.items():
        test, train = mean_metric(runs, "test_top1"), mean_metric(runs, "final_train_top1")
        params = runs[0].metrics["params"]
        match = "matching" if params == PAPER_PARAMS[model] else "unlike"
        paper_test = PAPER_TEST_TOP1[model]
        lines.append(f"- **{model}** ({params:,} parameters, {match} the paper's {PAPER_PARAMS[model]:,}): "
                     f"test {100 * test:.2f} % ({100 * (test - paper_test):+.2f} points vs the paper's "
                     f"{100 * paper_test:.2f} %), "
                     f"train {100 * train:.2f} % (paper {100 * PAPER_TRAIN_TOP1[model]:.2f} %); "
                     f"train minus test {100 * (train - test):+.1f} points.")
    if all(model in groups for model in MODELS):
        gap = mean_metric(groups["ResNet18"], "test_top1") - mean_metric(groups["ResNetLarge"], "test_top1")
        leader = "ResNet18" if gap > 0 else "ResNetLarge" if gap < 0 else "neither"
        verdict = "as in" if leader == "ResNet18" else "unlike"
        lines.append(f"- {leader} leads on test by {abs(100 * gap):.2f} points, {verdict} the paper "
                     f"(ResNet18 ahead by 0.29 points, a gap the size of seed-to-seed noise on CIFAR-10).")
    if grid_runs(outcomes):
        grid = grid_table(outcomes)
        best = tuned_values(outcomes)
        spread = 100 * (grid["validation top-1"].max() - grid["validation top-1"].min())
        lines.append(f"- Grid search: best lr {best['lr']:g}, momentum {best['momentum']:g} "
                     f"({100 * grid['validation top-1'].max():.1f} % validation top-1); the grid spans "
                     f"{spread:.1f} points. The paper shows its grid (Figure 7) but not the values it chose.")
    chance = 1 / len(outcomes[0].metrics["classes"]) if outcomes else 0.0
    if groups and max(mean_metric(runs, "test_top1") for runs in groups.values()) < 2 * chance:
        lines.append(f"- Both models are near chance ({100 * chance:.0f} %): which one leads is noise here.")
    seeds = max((len(runs) for runs in groups.values()), default=0)
    epochs = {model: runs[0].metrics["epochs"] for model, runs in groups.items()}
    caveats = [f"{seeds} seed(s) per model: differences under a point are within seed-to-seed noise"
               if seeds < 3 else f"means over {seeds} seeds"]
    if any(epochs[model] != PAPER_EPOCHS[model] for model in epochs):
        caveats.append("epochs " + ", ".join(f"{m} {e} (paper {PAPER_EPOCHS[m]})" for m, e in epochs.items()))
    return summaries.conclusion_markdown(lines, caveats, outcomes=outcomes, profile=parameters.profile,
                                         claim="the paper's claims")
