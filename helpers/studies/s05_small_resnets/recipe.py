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

Every comparison carries its uncertainty and a computed verdict (:mod:`helpers.studies.common.verdicts`);
the tables are in :mod:`helpers.studies.study5_tables`, the paper's inconsistencies (two test
accuracies per model; the plateau after epoch 40) in :mod:`helpers.studies.study5_contradictions`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import pandas as pd
from matplotlib.figure import Figure

from helpers.plots import plot_confusion_matrix, plot_curves, plot_grid_heatmap, plot_learning_rate
from helpers.runs import RunOutcome, RunSpec
from helpers.studies import run_id
from helpers.studies.common import recipes, summaries, verdicts
from helpers.studies.common.parameters import CHOSEN, PAPER, StudyParameters
from helpers.studies.study5_contradictions import (findings_markdown, findings_table, paper_items_table,
                                                   paper_table1_gap, plateau_rows)
from helpers.studies.study5_grid import (PROFILE_GRID_DATA, PROFILE_GRIDS, best_grid_point, grid_choice_sentence,
                                         grid_measured, grid_plan, grid_runs, grid_table, grid_val_fraction)
from helpers.studies.study5_layers import layer_check, layer_tables
from helpers.studies.study5_paper import MODELS, PAPER_BATCH_SIZE, PAPER_EPOCHS, PAPER_PARAMS, PAPER_TEST_TOP1, \
    PAPER_TRAIN_TOP1
from helpers.studies.study5_tables import (accuracy_table, groups_of, measured_train, parameter_table,
                                           runs_table, table1, train_headline)
from helpers.studies.common.summaries import mean_history
from helpers.studies.common.verdicts import headline_table
from helpers.uncertainty import is_clear

TITLE = "Study 5: ResNets under 5 million parameters on CIFAR-10"
STUDY_ID = "05"
# Re-exported: the tables (study5_tables) are part of the study's interface.
__all__ = ["PAPER_PARAMS", "accuracy_table", "grid_table", "headline_table", "parameter_table", "table1"]

# The paper's augmentation, concatenated with the original images (strengths chosen).
AUGMENTATION = dict(augmentation="study5", crop_padding=4, concat_original=True)
FALLBACK_GRID_POINT = {"lr": 0.05, "momentum": 0.9}  # only when plan() runs without the tuning phase
STATED = ("epochs", "batch_size", "optimizer", "augmentation", "concat_original")
# Smoke: every embedded image (1,600 train, augmented; 400 test), 2 epochs so the curves are lines,
# label smoothing, one-cycle for both models, and without the paper's concatenation of the original
# images, which doubles each epoch: measured (2 cores, bf16), ResNet18 31.5 % / ResNetLarge 36.3 %
# test top-1 in 17 / 10 s of training, against 38.5 % / 44.7 % in 36 / 21 s with it. Quick: fewer epochs at a larger batch (fewer, bigger steps on a GPU).
# cpu: the real CIFAR-10 within an hour of a 2-core CPU (bf16 where it has it). Both models cost about
# 1.5 GFLOP per training image, a third of a CIFAR-stem ResNet-18 (measured there: 140-160 images/s),
# so about 10 epochs of 25,000 images each fit beside a reduced grid. Without the concatenation of the
# originals, which would double each epoch's cost: at a fixed budget, twice the epochs instead.
CPU = dict(epochs=10, batch_size=128, label_smoothing=0.1, concat_original=False)
CPU_REASON = ("cpu profile: 10 epochs of each model and the reduced grid fit an hour on a 2-core CPU; concatenating "
              "the originals would double each epoch's cost")
RECIPES = {
    "ResNet18": recipes.Recipe(
        paper=dict(epochs=PAPER_EPOCHS["ResNet18"], batch_size=PAPER_BATCH_SIZE, optimizer="adamw", lr=0.001,
                   weight_decay=0.01, scheduler="onecycle", **AUGMENTATION),
        stated=STATED,
        profiles={"smoke": dict(epochs=2, lr=0.003, weight_decay=0.05, label_smoothing=0.1, concat_original=False),
                  "cpu": dict(CPU, lr=0.003, weight_decay=0.05),
                  "quick": dict(epochs=20, batch_size=256, lr=0.003, weight_decay=0.05)},
        notes={"scheduler": "the paper shows a 'dynamic learning rate' (Figure 5) without naming it; one-cycle "
                            "is the closest schedule the trainer offers"}),
    # lr and momentum: from the tuning phase (a run's changes); the fallback only without it.
    "ResNetLarge": recipes.Recipe(
        paper=dict(epochs=PAPER_EPOCHS["ResNetLarge"], batch_size=PAPER_BATCH_SIZE, optimizer="sgd",
                   weight_decay=5e-4, scheduler="cosine", **FALLBACK_GRID_POINT, **AUGMENTATION),
        stated=STATED,
        profiles={"smoke": dict(epochs=2, nesterov=True, scheduler="onecycle", label_smoothing=0.1,
                                concat_original=False),
                  "cpu": dict(CPU, nesterov=True, scheduler="onecycle"),
                  "quick": dict(epochs=20, batch_size=256, nesterov=True, scheduler="onecycle")}),
}


def tuning_plan(parameters: StudyParameters) -> list[RunSpec]:
    """The tuning phase: ResNetLarge for every (learning rate, momentum) of the profile's grid and
    every seed, a few epochs on a validation split (see :mod:`helpers.studies.study5_grid`)."""
    return grid_plan(parameters, RECIPES["ResNetLarge"])


def tuned_values(outcomes: Sequence[RunOutcome]) -> dict[str, float]:
    """The grid's (lr, momentum) with the best mean validation top-1 (first in grid order on ties),
    for :meth:`StudyParameters.with_tuned` and then :func:`plan`; ``{}`` when no grid run is among
    ``outcomes`` (a study run in part without its tuning phase), so that :func:`plan` falls back to
    :data:`FALLBACK_GRID_POINT` and says so in its labels."""
    return best_grid_point(outcomes) if grid_table(outcomes).shape[0] else {}


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
    smoothing = {model: config.label_smoothing for model, config in zip(MODELS, (small, large))}
    return summaries.settings_table([
        ("dataset", "CIFAR-10 (50,000 train / 10,000 test officially)", PAPER),
        ("images used", images, images_source),
        ("normalisation", "CIFAR-10 training-set mean and std per channel",
         f"{PAPER} ('predefined'; values: {CHOSEN})"),
        ("augmentation", "rotation <= 10 deg, flip p 0.5, random crop (padding 4), colour jitter (0.2, 0.2, 0.2, "
         "hue 0.1), translation <= 10 %" + ("; concatenated with the original images" if small.concat_original
                                            else f"; not concatenated with the original images (the {parameters.profile} "
                                                 "profile: half the cost per epoch)"), augmentation_source),
        ("batch size", small.batch_size, small_source("batch_size")),
        ("loss", _loss_text(smoothing), small_source("label_smoothing")),
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


def _loss_text(smoothing: dict[str, float]) -> str:
    """'cross-entropy', with each model's label smoothing (once when both share it)."""
    if len(set(smoothing.values())) == 1:
        value = next(iter(smoothing.values()))
        return "cross-entropy" + (f", label smoothing {value} (both models)" if value else "")
    return "cross-entropy, label smoothing " + ", ".join(f"{value} ({model})" for model, value in smoothing.items())


def contradictions_markdown(outcomes: Sequence[RunOutcome]) -> str:
    """The paper's numbers against each other and this run's curves, as markdown."""
    return findings_markdown(groups_of(outcomes))


def tables(outcomes: Sequence[RunOutcome]) -> dict[str, pd.DataFrame]:
    """Every table of the report, by file name: Table 1, its accuracies vs the paper, parameter
    counts, the grid (Figure 7), the paper's inconsistencies, the plateau check, the paper's items,
    every run (grid runs first) and the layer tables (Figures 2-3)."""
    layers = layer_tables()
    groups = groups_of(outcomes)
    return {"table1": table1(outcomes).reset_index(), "table1_accuracy_vs_paper": accuracy_table(outcomes),
            "parameters": parameter_table(outcomes), "fig7_grid": grid_table(outcomes),
            "paper_contradictions": findings_table(groups), "plateau_after_epoch_40": pd.DataFrame(plateau_rows(groups)),
            "paper_items": paper_items_table(), "runs": runs_table(outcomes),
            "fig2_resnet18_layers": layers["ResNet18"], "fig3_resnetlarge_layers": layers["ResNetLarge"],
            "layer_check": layer_check(layers)}


def headlines(outcomes: Sequence[RunOutcome]) -> list[dict]:
    """Test and train top-1 of both models beside Table 1's and the gap between them, each with
    its uncertainty and verdict; the best grid point's validation top-1."""
    groups = groups_of(outcomes)
    items = []
    for model, runs in groups.items():
        items.append(verdicts.accuracy_headline(f"{model} test top-1", PAPER_TEST_TOP1[model], runs))
        items.append(train_headline(f"{model} train top-1", PAPER_TRAIN_TOP1[model], runs))
    if all(model in groups for model in MODELS):
        items.append(verdicts.gap_headline("ResNet18 minus ResNetLarge test top-1",
                                           round(PAPER_TEST_TOP1["ResNet18"] - PAPER_TEST_TOP1["ResNetLarge"], 4),
                                           groups["ResNet18"], groups["ResNetLarge"]))
    if grid_runs(outcomes):
        best = tuned_values(outcomes)
        runs = [o for o in grid_runs(outcomes) if (o.spec.labels["lr"], o.spec.labels["momentum"]) ==
                (best["lr"], best["momentum"])]
        record = verdicts.accuracy_headline("ResNetLarge grid: best validation top-1", None, runs, key="best_val_top1")
        items.append({**record, "uncertainty": grid_measured(runs).as_record()})  # the validation set's size
    return items


def figures(outcomes: Sequence[RunOutcome]) -> dict[str, Figure]:
    """Figures 4 and 8 (test confusion matrices, first seed), 5 (ResNet18's learning rate per epoch),
    6 and 9 (accuracy and loss, train and test, mean over seeds) and 7 (the grid's validation top-1)."""
    groups = groups_of(outcomes)
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
    """What this run says about the paper's results, as markdown, from the numbers themselves:
    each model against Table 1, the two models against each other (agrees, disagrees or cannot
    tell: a difference counts only beyond 2 standard errors), the grid's choice, chance."""
    groups = groups_of(outcomes)
    lines = []
    for model, runs in groups.items():
        params = runs[0].metrics["params"]
        match = "matching" if params == PAPER_PARAMS[model] else "unlike"
        train = measured_train(runs)
        lines.append(f"- **{model}** ({params:,} parameters, {match} the paper's {PAPER_PARAMS[model]:,}): "
                     + verdicts.versus_paper_sentence("Test top-1", runs, PAPER_TEST_TOP1[model])
                     + f" Train top-1 {100 * train.value:.1f} ± {100 * train.standard_error:.1f} % "
                     f"(paper {100 * PAPER_TRAIN_TOP1[model]:.2f} %).")
    if all(model in groups for model in MODELS):
        paper_gap, paper_error = paper_table1_gap()
        lines.append("- **ResNet18 vs ResNetLarge**: " + verdicts.versus_sentence(
            "ResNet18", groups["ResNet18"], "ResNetLarge", groups["ResNetLarge"], claim_winner="ResNet18")
            + f" Table 1's own gap ({100 * paper_gap:+.2f} ± {100 * paper_error:.2f} points) is "
            + ("clear" if is_clear(paper_gap, paper_error) else "within its own noise")
            + ", and the paper's Kaggle scores rank the models the other way (see 'The paper against its own numbers').")
    if grid_runs(outcomes):
        lines.append(f"- **Grid search**: {grid_choice_sentence(outcomes)} The paper shows its grid (Figure 7) but "
                     "not the values it chose.")
    for model, runs in groups.items():
        warning = verdicts.chance_sentence(runs, len(runs[0].metrics["classes"]))
        if warning:
            lines.append(f"- {model}: {warning}.")
    seeds = max((len(runs) for runs in groups.values()), default=0)
    caveats = [f"{seeds} seed(s) per model: each uncertainty is the binomial standard error of the "
               f"{outcomes[-1].metrics['num_test']:,} test images; seed-to-seed spread is not measured" if seeds < 2
               else f"means over {seeds} seeds ± their sd"] if outcomes else []
    epochs = {model: runs[0].metrics["epochs"] for model, runs in groups.items()}
    if any(epochs[model] != PAPER_EPOCHS[model] for model in epochs):
        caveats.append("epochs " + ", ".join(f"{m} {e} (paper {PAPER_EPOCHS[m]})" for m, e in epochs.items()))
    return summaries.conclusion_markdown(lines, caveats, outcomes=outcomes, profile=parameters.profile,
                                         claim="the paper's claims")
