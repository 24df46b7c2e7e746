"""Study 5's recipe: profiles -> planned runs, in two phases because the second depends on the
first. The tuning phase (:func:`tuning_plan`, built in :mod:`helpers.studies.s05_small_resnets.grid`)
trains ResNetLarge on a train / validation split for every (learning rate, momentum) pair, and
:func:`tuned_values` picks the pair with the best validation top-1; :func:`plan` then trains both
models on the full training set, ResNet18 with AdamW and ResNetLarge with SGD at
``parameters.tuned``. :func:`settings` shows every setting with its source (the paper or chosen).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import pandas as pd

from helpers.runs import RunOutcome, RunSpec
from helpers.studies import run_id
from helpers.studies.common import recipes, summaries
from helpers.studies.common.parameters import CHOSEN, PAPER, StudyParameters
from helpers.studies.s05_small_resnets.grid import (PROFILE_GRID_DATA, PROFILE_GRIDS, best_grid_point, grid_plan,
                                                    grid_table, grid_val_fraction)
from helpers.studies.s05_small_resnets.paper import MODELS, PAPER_BATCH_SIZE, PAPER_EPOCHS

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
    every seed, a few epochs on a validation split (see :mod:`helpers.studies.s05_small_resnets.grid`)."""
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
