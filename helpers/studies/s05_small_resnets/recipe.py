"""Study 5's recipe: profiles -> planned runs, in two phases because the second depends on the
first. The tuning phase (:func:`tuning_plan`, built in :mod:`helpers.studies.s05_small_resnets.grid`)
trains ResNetLarge on a train / validation split for every (learning rate, momentum) pair, and
:func:`tuned_values` picks the pair with the best validation top-1; :func:`plan` then trains both
models on the full training set, ResNet18 with AdamW and ResNetLarge with SGD at
``parameters.tuned``, and the ablations (:func:`ablation_plan`) that put the paper's comparisons on
an equal recipe. :func:`settings` shows every setting with its source (the paper or chosen).
"""

from __future__ import annotations

import dataclasses
import functools
import html
from collections.abc import Sequence

import pandas as pd

from helpers.runs import RunOutcome, RunSpec
from helpers.studies import run_id
from helpers.studies.common import recipes, recording, summaries
from helpers.studies.common.parameters import CHOSEN, PAPER, StudyParameters
from helpers.studies.common.selection import matching_runs
from helpers.studies.s05_small_resnets.grid import (PROFILE_GRID_DATA, PROFILE_GRIDS, best_grid_point, grid_plan,
                                                    grid_table, grid_val_fraction)
from helpers.studies.s05_small_resnets.paper import MODELS, PAPER_BATCH_SIZE, PAPER_EPOCHS
from helpers.studies.s05_small_resnets.phases import ABLATION, FINAL

# The paper's augmentation, concatenated with the original images (strengths chosen).
AUGMENTATION = dict(augmentation="study5", crop_padding=4, concat_original=True)
FALLBACK_GRID_POINT = {"lr": 0.05, "momentum": 0.9}  # only when plan() runs without the tuning phase
# The ablations (labels["variant"]) and their run-id words.
EQUAL_RECIPE, NO_AUGMENTATION = "ResNetLarge with ResNet18's recipe", "ResNetLarge without augmentation"
CONCAT_ON, CONCAT_OFF = "ResNetLarge with the originals concatenated", "ResNetLarge without the originals concatenated"
# The words of each ablation's run id.
ABLATION_RUN_WORDS = {EQUAL_RECIPE: "resnet18_recipe", NO_AUGMENTATION: "no_augmentation",
                      CONCAT_ON: "concat_originals", CONCAT_OFF: "no_concat"}
# Which ablations each profile trains, by what they test: "recipe" (:data:`EQUAL_RECIPE`),
# "augmentation" (:data:`NO_AUGMENTATION`), "concatenation" (the final runs' concatenation turned the
# other way: :data:`CONCAT_OFF` where they concatenate, as at quick and paper, else :data:`CONCAT_ON`)
# and "no concatenation" (:data:`CONCAT_OFF` whatever the final runs do). Smoke does not concatenate,
# so its "concatenation" is CONCAT_ON; it plans CONCAT_OFF as well, because smoke checks every run the
# GPU profiles plan (there CONCAT_OFF trains as its final ResNetLarge does; the ledger's
# concatenation row compares the final runs with CONCAT_ON). The cpu profile leaves out the
# concatenation's: there it would concatenate, doubling that run's epochs (about an hour per seed on
# 2 cores); its ledger row then says it was not run.
PROFILE_ABLATIONS = {"smoke": ("recipe", "augmentation", "concatenation", "no concatenation"),
                     "cpu": ("recipe", "augmentation"),
                     "quick": ("recipe", "augmentation", "concatenation"),
                     "paper": ("recipe", "augmentation", "concatenation")}
STATED = ("epochs", "batch_size", "optimizer", "augmentation", "concat_original")
# Smoke: every embedded image (1,600 train, augmented; 400 test), 2 epochs so the curves are lines,
# label smoothing, one-cycle for both models, and without the paper's concatenation of the original
# images, which doubles each epoch: measured (2 cores, bf16), ResNet18 31.5 % / ResNetLarge 36.3 %
# test top-1 in 17 / 10 s of training, against 38.5 % / 44.7 % in 36 / 21 s with it.
# Quick: fewer epochs at a larger batch (fewer, bigger steps on a GPU).
# cpu v2 (issue 30): the real CIFAR-10 on a 2-core CPU (bf16 where it has it), every one of the 25,000
# training images on disk, 12 epochs per run, two seeds. v1 (10 epochs, one seed, 2 threads) measured
# 2,637 s (ResNet18: 77.9 % test top-1) and 1,735 s (ResNetLarge: 77.4 %); at v1's one-thread rates
# (training images/s: ResNet18 107, ResNetLarge 171) 12 epochs take ~58 and ~37 lane-minutes with their
# test passes, so the two models and the two ablations (ResNetLarge) are ~4.5 lane-hours for two seeds
# and the grid (below) ~1.5 more: ~6, over the study's ~5 only by what two seeds of the grid cost.
# Without the concatenation of the originals, which would double each epoch's cost.
CPU = dict(epochs=12, batch_size=128, label_smoothing=0.1, concat_original=False)
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
    from :func:`tuned_values`) on the full training set, tested on the test set; then the profile's
    ablations (:func:`ablation_plan`)."""
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
                labels={"model": model, "phase": FINAL, "seed": seed,
                        **({"lr source": source} if model == "ResNetLarge" else {})}))
    return [*specs, *ablation_plan(parameters)]


def concat_variant(parameters: StudyParameters) -> str:
    """The name of the concatenation ablation: the final runs' choice turned the other way."""
    concatenated = recipes.train_config(RECIPES["ResNetLarge"], parameters, seed=0).concat_original
    return CONCAT_OFF if concatenated else CONCAT_ON


def ablation_names(parameters: StudyParameters) -> list[str]:
    """The profile's ablations (:data:`PROFILE_ABLATIONS`) by name, in plan order, each once."""
    by_kind = {"recipe": EQUAL_RECIPE, "augmentation": NO_AUGMENTATION, "concatenation": concat_variant(parameters),
               "no concatenation": CONCAT_OFF}
    return list(dict.fromkeys(by_kind[kind] for kind in PROFILE_ABLATIONS[parameters.profile]))


def ablation_plan(parameters: StudyParameters) -> list[RunSpec]:
    """Per seed, the profile's ablations (:data:`PROFILE_ABLATIONS`), each ResNetLarge changed in one
    respect from a final run, so that a claim comparing two configurations compares them on one
    recipe (:func:`helpers.studies.common.claims.comparison_row` checks it):

    - :data:`EQUAL_RECIPE`: ResNetLarge trained exactly as the final ResNet18 (the paper trains the
      two models differently; this pair tells the architectures apart);
    - :data:`NO_AUGMENTATION`: the final ResNetLarge on the plain images, without the augmentation
      and without the concatenation of the originals;
    - :data:`CONCAT_ON` or :data:`CONCAT_OFF`: the concatenation of the originals turned the other
      way from the final runs (smoke plans :data:`CONCAT_OFF` too: see :data:`PROFILE_ABLATIONS`).

    ResNetLarge rather than ResNet18, because it trains about a third faster (cpu profile, 10 epochs:
    1,735 s against 2,637 s)."""
    choice = dict(parameters.tuned or FALLBACK_GRID_POINT)
    tuned = {"lr": choice["lr"], "momentum": choice["momentum"]}
    variants = {
        EQUAL_RECIPE: (RECIPES["ResNet18"], {}),
        NO_AUGMENTATION: (RECIPES["ResNetLarge"], {**tuned, "augmentation": "none", "concat_original": False}),
        CONCAT_ON: (RECIPES["ResNetLarge"], {**tuned, "concat_original": True}),
        CONCAT_OFF: (RECIPES["ResNetLarge"], {**tuned, "concat_original": False}),
    }
    wanted = ablation_names(parameters)
    return [RunSpec(run_id=run_id(MODELS["ResNetLarge"], ABLATION_RUN_WORDS[name], seed=seed),
                    model=MODELS["ResNetLarge"], dataset="cifar10",
                    config=recipes.train_config(variants[name][0], parameters, seed=seed, changes=variants[name][1]),
                    dataset_options=RECIPES["ResNetLarge"].dataset_options(parameters.profile),
                    labels={"model": "ResNetLarge", "phase": ABLATION, "variant": name, "seed": seed})
            for seed in parameters.seeds for name in wanted]


def plan_banner(parameters: StudyParameters) -> str:
    """The banner before any run (:func:`recording.plan_banner` over every run of both phases), with
    a per-class subset that only the grid runs use said of the grid runs alone, not of every run."""
    subset_keys = ("train_per_class", "test_per_class")
    grid = tuning_plan(parameters)
    whole = [dataclasses.replace(spec, dataset_options={key: value for key, value in spec.dataset_options.items()
                                                        if key not in subset_keys}) for spec in grid]
    banner = recording.plan_banner([*whole, *plan(parameters)], parameters)
    subset = recipes.describe_subset(PROFILE_GRID_DATA[parameters.profile])
    if not subset or not matching_runs(grid, parameters.runs):
        return banner
    source = "the embedded samples" if parameters.samples else "the data on disk"
    return banner + (f'<div style="background:#fff3cd;border:1px solid #d6b656;{recording.BANNER_STYLE}"><b>Grid runs '
                     f"only</b> (the tuning phase): a class-balanced subset of {html.escape(source)}, {subset}, "
                     f"{grid_val_fraction(parameters):.0%} of it held out to validate. The final runs and the "
                     f"ablations train on every training image of {html.escape(source)}.</div>")


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
        ("ablations (ResNetLarge)", "; ".join(_ablation_text(name, large.concat_original)
                                               for name in ablation_names(parameters)) or "none",
         f"{CHOSEN} (the paper has none: they put its comparisons on an equal recipe)"),
        ("seeds", ", ".join(map(str, parameters.seeds)), CHOSEN),
        ("device / precision", f"{small.device} / {small.precision}", "this machine"),
    ])


def _loss_text(smoothing: dict[str, float]) -> str:
    """'cross-entropy', with each model's label smoothing (once when both share it)."""
    if len(set(smoothing.values())) == 1:
        value = next(iter(smoothing.values()))
        return "cross-entropy" + (f", label smoothing {value} (both models)" if value else "")
    return "cross-entropy, label smoothing " + ", ".join(f"{value} ({model})" for model, value in smoothing.items())


def _ablation_text(name: str, concatenated: bool) -> str:
    """An ablation's name, with why it is planned where it trains as the final ResNetLarge does."""
    if name == CONCAT_OFF and not concatenated:
        return f"{name} (trains as the final ResNetLarge here; planned so that this profile checks every run " \
               "the GPU profiles plan)"
    return name
