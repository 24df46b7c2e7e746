"""Study 1: ResNet-18 vs ResNet-50 on CIFAR-10 (``../shared/papers/study1_resnet18_vs_resnet50_cifar10.txt``).

The paper trains both networks for 100 epochs (cross-entropy; mean 0.5 / std 0.5 normalisation;
random crop and horizontal flip) and finds ResNet-18 better than ResNet-50 on the test set (0.8294
vs 0.7604), which it blames on overfitting. It describes the ImageNet stem (7x7 conv, stride 2);
32-px CIFAR images then reach the first stage at 8x8, the last at 1x1. Every profile here trains
both models with that stem *and* with the usual CIFAR stem (3x3 conv, stride 1, no max pool), so
the report can say whether the stem, rather than the depth, explains ResNet-50's result.

Every comparison carries its uncertainty (one seed: the binomial standard error of the test set;
several: the seed-to-seed sd) and its verdict is computed (:mod:`helpers.studies.common.verdicts`); where
the paper's explanations disagree with its own numbers: :mod:`helpers.studies.study1_contradictions`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from helpers.models import count_parameters, create_model
from helpers.plots import plot_curves
from helpers.runs import RunOutcome, RunSpec
from helpers.studies import run_id
from helpers.studies.common import recipes, start_weights, summaries, verdicts
from helpers.studies.common.parameters import CHOSEN, PAPER, StudyParameters
from helpers.studies.study1_contradictions import (findings, findings_markdown, findings_table, first_epoch_table,
                                                   overfitting_table, paper_items_table)
from helpers.studies.study1_paper import (MODELS, PAPER_EPOCHS, PAPER_EPOCHS_TOTAL, PAPER_TEST_TOP1, PAPER_TRAIN_LOSS,
                                          PAPER_TRAIN_TOP1, STEMS)
from helpers.studies.study1_tables import (accuracy_table, epoch_table, groups_of, run_name,
                                           runs_table, stem_table)
from helpers.studies.common.summaries import mean_history
from helpers.studies.common.verdicts import headline_table
from helpers.uncertainty import compare_sentence

TITLE = "Study 1: ResNet-18 vs ResNet-50 on CIFAR-10"
STUDY_ID = "01"
PAPER_STEM = "imagenet"
# Re-exported: the tables (study1_tables) and the paper's findings are part of the study's interface.
__all__ = ["accuracy_table", "epoch_table", "findings_markdown", "headline_table", "runs_table", "stem_table"]

RECIPE = recipes.Recipe(
    # The paper: 100 epochs of plain cross-entropy with random crops and flips; optimiser, learning
    # rate, schedule and batch size are not stated (momentum is mentioned).
    paper=dict(epochs=PAPER_EPOCHS_TOTAL, batch_size=128, optimizer="sgd", lr=0.1, momentum=0.9,
               weight_decay=5e-4, scheduler="cosine", augmentation="crop_flip", crop_padding=4, label_smoothing=0.0),
    stated=("epochs", "augmentation", "label_smoothing"),
    profiles={
        # The embedded samples (1,600 train / 400 test), a recipe that learns in ~100 steps: AdamW,
        # one-cycle, label smoothing. Measured (1 thread, bf16): SGD at lr 0.2 diverged on the
        # ImageNet stem (epoch-1 loss 21); AdamW 0.003 at batch 64 for 3 epochs reached 29 % (ResNet-18)
        # and 27.5 % (ResNet-50) test top-1 where 2 epochs at batch 32 left ResNet-50 at 24 %.
        "smoke": dict(epochs=3, batch_size=64, optimizer="adamw", lr=0.003, weight_decay=0.05, scheduler="onecycle",
                      label_smoothing=0.1),
        # Both depths with both stems on the real data within 90 minutes of a 2-core CPU (bf16 where it
        # has it). Measured here: ResNet-18 (CIFAR stem) trains at 140-160 images/s, and 8 epochs of
        # one-cycle to lr 0.1 at batch 128 (label smoothing 0.1) reached 80.3 % on these 25,000 images;
        # the CIFAR-stem ResNet-50 costs 2.2x as much per image, so 6 epochs of all four runs are
        # about 80 minutes. Plain cross-entropy, as the paper, so that the losses compare with its tables.
        "cpu": dict(epochs=6, batch_size=128, lr=0.1, nesterov=True, scheduler="onecycle"),
        # A modern fast recipe: one-cycle, Nesterov, label smoothing, large batches (bf16 on a GPU).
        "quick": dict(epochs=18, batch_size=512, lr=0.4, nesterov=True, scheduler="onecycle", label_smoothing=0.1),
    },
    notes={"momentum": "the paper mentions momentum, no value"},
)
# What sets one stem's runs apart at a profile. Smoke: at 32 px the CIFAR stem costs ResNet-18
# ~2.3x and ResNet-50 ~4x the ImageNet stem's compute per image (measured, bf16 on this CPU), so
# its pair trains one epoch, at batch 16 for 100 steps (batch 32, 50 steps: ResNet-50 21.5 %;
# batch 16: 24.75 %); 4 runs, ~130 CPU-seconds on one thread, about 75 s on 2 idle cores.
PROFILE_STEM_CHANGES = {"smoke": {"cifar": dict(epochs=1, batch_size=16, lr=0.002)}}
# Smoke: the CIFAR-stem pair also trains on 24-px images (resized from 32), which halves its cost
# (measured: ResNet-50 44 s -> 23 s, 25 % -> 22.5 % test top-1; ResNet-18 27 % either way).
PROFILE_STEM_DATA = {"smoke": {"cifar": dict(image_size=24)}}
# Smoke: each residual branch starts at zero (Goyal et al. 2017), so that the 50-layer network
# starts shallow and learns within its ~100 steps (measured: epoch-1 loss 2.38 instead of 3.38).
PROFILE_MODEL_OPTIONS = {"smoke": {"zero_init_residual": True}}


def stem_changes(parameters: StudyParameters, stem: str) -> dict[str, Any]:
    """The config changes of ``stem``'s runs at ``parameters.profile``, except those the notebook
    set itself (its ``epochs`` / ``batch_size`` apply to every run)."""
    changes = PROFILE_STEM_CHANGES.get(parameters.profile, {}).get(stem, {})
    return {name: value for name, value in changes.items()
            if name not in recipes.OVERRIDES or getattr(parameters, name) is None}


def stem_dataset_options(parameters: StudyParameters, stem: str) -> dict[str, Any]:
    """The ``load_dataset`` options of ``stem``'s runs at ``parameters.profile`` (a fresh dict);
    fine-tuned runs (the ``pretrained`` switch) normalise with ImageNet's statistics."""
    normalization = "imagenet" if starting_weights(parameters) else "half"
    return {"normalization": normalization, **RECIPE.dataset_options(parameters.profile),
            **PROFILE_STEM_DATA.get(parameters.profile, {}).get(stem, {})}


def starting_weights(parameters: StudyParameters) -> dict[str, str]:
    """Each model's pretrained weights (registry name -> weights), or {}: the ``pretrained``
    switch, off by default (:mod:`helpers.studies.common.start_weights`)."""
    return start_weights.weights_by_model(parameters.pretrained, MODELS.values())


def plan(parameters: StudyParameters) -> list[RunSpec]:
    """Both models x both stems x each seed: 4 runs per seed, the paper's stem first; with the
    ``pretrained`` switch on, the same runs fine-tuned (ids end ``_pretrained_seed<n>``)."""
    model_options = PROFILE_MODEL_OPTIONS.get(parameters.profile, {})
    weights = starting_weights(parameters)
    start = {start_weights.START_LABEL: start_weights.PRETRAINED} if weights else {}
    return [
        RunSpec(
            run_id=run_id(registry_name, stem, *start.values(), seed=seed),
            model=registry_name,
            dataset="cifar10",
            config=recipes.train_config(RECIPE, parameters, seed=seed, changes=stem_changes(parameters, stem)),
            model_options={"stem": stem, **model_options,
                           **({"weights": weights[registry_name]} if weights else {})},
            dataset_options=stem_dataset_options(parameters, stem),
            labels={"model": model, "stem": stem, **start, "seed": seed},
        )
        for seed in parameters.seeds
        for model, registry_name in MODELS.items()
        for stem in STEMS
    ]


def _per_stem(parameters: StudyParameters, field: str) -> str:
    """A config field's value, or its value per stem where the stems differ."""
    values = {stem: getattr(recipes.train_config(RECIPE, parameters, seed=0, changes=stem_changes(parameters, stem)),
                            field) for stem in STEMS}
    if len(set(values.values())) == 1:
        return str(values[PAPER_STEM])
    return ", ".join(f"{value} ({STEMS[stem]})" for stem, value in values.items())


def settings(parameters: StudyParameters) -> pd.DataFrame:
    """The profile's settings, each with its source (the paper or chosen here)."""
    config = recipes.train_config(RECIPE, parameters, seed=parameters.seeds[0])
    source = functools.partial(recipes.source, RECIPE, parameters)
    optimizer = (f"SGD, momentum {config.momentum}" + (", Nesterov" if config.nesterov else "")
                 if config.optimizer == "sgd" else {"adam": "Adam", "adamw": "AdamW"}[config.optimizer])
    loss = "cross-entropy" + (f", label smoothing {config.label_smoothing}" if config.label_smoothing else "")
    zero_init = PROFILE_MODEL_OPTIONS.get(parameters.profile, {}).get("zero_init_residual", False)
    weights = starting_weights(parameters)
    rows = [
        ("dataset", "CIFAR-10", PAPER),
        recipes.images_row(RECIPE, parameters, everything="all (the paper: 50,000 train / 10,000 test)"),
        _image_size_row(parameters),
        ("normalisation", "mean 0.5, std 0.5 per channel", PAPER) if not weights else
        ("normalisation", "ImageNet mean/std per channel", f"{start_weights.SWITCH}: the statistics the weights "
                                                           "were trained with (the paper: mean 0.5, std 0.5)"),
        start_weights.settings_row(weights),
        ("augmentation", f"random crop 32x32 (padding {config.crop_padding}) + horizontal flip",
         source("augmentation", "crop_padding")),
        ("loss", loss, source("label_smoothing")),
        ("models", "ResNet-18 (BasicBlock [2,2,2,2]), ResNet-50 (Bottleneck [3,4,6,3])", PAPER),
        ("stem: imagenet", "7x7 conv stride 2 + 3x3 max pool stride 2", PAPER),
        ("stem: cifar", "3x3 conv stride 1, no max pool",
         "beyond the paper: tests whether the stem explains ResNet-50's result"),
        ("initialisation", "Kaiming normal, BatchNorm at (1, 0)" + (
            "; zero-init residual (each block's last BatchNorm starts at 0)" if zero_init else ""),
         f"{CHOSEN} ({parameters.profile} profile: the 50-layer network learns within ~100 steps)" if zero_init
         else CHOSEN),
        ("epochs", _per_stem(parameters, "epochs"), source("epochs")),
        ("batch size", _per_stem(parameters, "batch_size"), source("batch_size")),
        ("optimizer", optimizer, source("optimizer", "momentum", "nesterov")),
        ("learning rate", f"{_per_stem(parameters, 'lr')} ({config.scheduler} schedule, per step)",
         source("lr", "scheduler")),
        ("weight decay", config.weight_decay, source("weight_decay")),
    ]
    if any(stem_changes(parameters, stem) for stem in STEMS):
        smaller = " on smaller images" if PROFILE_STEM_DATA.get(parameters.profile) else ""
        rows.append(("why the stems train differently", f"the CIFAR-stem pair: fewer epochs at a smaller batch{smaller}",
                     f"{parameters.profile} profile: at 32 px the CIFAR stem costs ResNet-18 ~2.3x and ResNet-50 ~4x "
                     "the ImageNet stem's compute per image (measured); ResNet-18 and ResNet-50 of one stem share "
                     "a recipe, so the paper's comparison stays like for like"))
    rows += [("seeds", ", ".join(map(str, parameters.seeds)), CHOSEN),
             ("device / precision", f"{config.device} / {config.precision}", "this machine")]
    return summaries.settings_table(rows)


def _image_size_row(parameters: StudyParameters) -> tuple[str, str, str]:
    sizes = {stem: stem_dataset_options(parameters, stem).get("image_size") for stem in STEMS}
    if set(sizes.values()) == {None}:
        return ("image size", "32x32 (native)", PAPER)
    shown = ", ".join(f"{size or 32}x{size or 32} ({STEMS[stem]})" for stem, size in sizes.items())
    return ("image size", shown, f"{parameters.profile} profile (the paper: 32x32): the CIFAR-stem pair on "
                                 f"{sizes['cifar']}-px images (resized) halves its cost")


def model_table(num_classes: int = 10) -> pd.DataFrame:
    """Each model with each stem: its stem, parameter count, and the feature-map side entering
    the first and the last stage for a 32-px CIFAR image (the ImageNet stem divides it by 4)."""
    sides = {"imagenet": (8, 1), "cifar": (32, 4)}  # 32 / 4 into stage 1, then three stride-2 stages
    rows = []
    for model, registry_name in MODELS.items():
        for stem, stem_name in STEMS.items():
            network = create_model(registry_name, num_classes=num_classes, stem=stem, seed=0)
            first, last = sides[stem]
            rows.append({"model": model, "stem": stem_name, "params": count_parameters(network),
                         "stage 1 input (32 px)": f"{first}x{first}", "last stage (32 px)": f"{last}x{last}"})
    return pd.DataFrame(rows)


def contradictions_markdown(outcomes: Sequence[RunOutcome]) -> str:
    """Where the paper's explanations disagree with its own numbers, this run's beside them (markdown)."""
    return findings_markdown(groups_of(outcomes))


def tables(outcomes: Sequence[RunOutcome]) -> dict[str, pd.DataFrame]:
    """Every table of the report, by the file name it is saved under."""
    groups = groups_of(outcomes)
    return {
        "table1_resnet18_training": epoch_table(outcomes, "ResNet-18"),
        "table2_resnet50_training": epoch_table(outcomes, "ResNet-50"),
        "test_accuracy": accuracy_table(outcomes),
        "stem_comparison": stem_table(outcomes),
        "paper_contradictions": findings_table(groups),
        "overfitting_gaps": overfitting_table(groups),
        "first_epoch_loss": first_epoch_table(groups),
        "paper_items": paper_items_table(),
        "runs": runs_table(outcomes),
    }


def headlines(outcomes: Sequence[RunOutcome]) -> list[dict]:
    """The key comparisons for the report index, each with its uncertainty and verdict: test
    top-1 per model and stem, and ResNet-18 minus ResNet-50 per stem."""
    groups = groups_of(outcomes)
    items = [verdicts.accuracy_headline(f"{model} test top-1 ({STEMS[stem]})",
                                        PAPER_TEST_TOP1[model] if stem == PAPER_STEM else None, runs)
             for (model, stem), runs in groups.items()]
    paper_gap = round(PAPER_TEST_TOP1["ResNet-18"] - PAPER_TEST_TOP1["ResNet-50"], 4)
    for stem in STEMS:
        if all((model, stem) in groups for model in MODELS):
            items.append(verdicts.gap_headline(f"ResNet-18 minus ResNet-50 test top-1 ({STEMS[stem]})",
                                               paper_gap if stem == PAPER_STEM else None,
                                               groups["ResNet-18", stem], groups["ResNet-50", stem]))
    return items


def figures(outcomes: Sequence[RunOutcome]) -> dict[str, Figure]:
    """Figures 1 (ResNet-18) and 2 (ResNet-50): loss and accuracy per epoch, train and test, both
    stems, the paper's points as markers on the ImageNet-stem run; accuracy bars; confusion
    matrices (first seed of each run)."""
    groups = groups_of(outcomes)
    result: dict[str, Figure] = {}
    for number, model in enumerate(MODELS, start=1):
        histories = {run_name(m, stem): mean_history(runs) for (m, stem), runs in groups.items() if m == model}
        paper_name = run_name(model, PAPER_STEM)
        slug = MODELS[model]
        for metric, paper_values, word in (("loss", PAPER_TRAIN_LOSS, "loss"), ("top1", PAPER_TRAIN_TOP1, "accuracy")):
            paper = {paper_name: pd.Series(paper_values[model], index=PAPER_EPOCHS)}
            figure = plot_curves(histories, metric, splits=("train", "test"), paper=paper,
                                 title=f"Figure {number}: {model} on CIFAR-10, {word} (circles: paper, train)")
            if metric == "loss":  # the paper's losses span 0.2-5.4 and early test losses can be far larger
                figure.axes[0].set_yscale("log")
            result[f"fig{number}_{slug}_{word}"] = figure
    bar_rows = [
        {"stem": STEMS[stem], "model": model, "test top-1 (%)": 100 * summaries.mean_metric(runs, "test_top1"),
         "paper (%)": 100 * PAPER_TEST_TOP1[model] if stem == PAPER_STEM else np.nan}
        for (model, stem), runs in groups.items()
    ]
    result.update(summaries.accuracy_bars_and_confusions(
        groups, bar_rows, bars_name="test_accuracy_by_stem", group="stem", value="test top-1 (%)",
        bars_title="Test top-1 by model and stem (black: paper)",
        confusion_name=lambda key: f"confusion_{MODELS[key[0]]}_{key[1]}",
        confusion_title=lambda key: run_name(*key)))
    return result


def conclusion(outcomes: Sequence[RunOutcome], parameters: StudyParameters) -> str:
    """What this run says about the paper's claim (ResNet-18 beats ResNet-50), as markdown: per
    stem agrees, disagrees or cannot tell (a difference counts only beyond 2 standard errors)."""
    groups = groups_of(outcomes)
    lines = []
    for stem in STEMS:
        if all((model, stem) in groups for model in MODELS):
            lines.append(f"- **{STEMS[stem]}**: " + verdicts.versus_sentence(
                "ResNet-18", groups["ResNet-18", stem], "ResNet-50", groups["ResNet-50", stem],
                claim_winner="ResNet-18"))
    if all(("ResNet-50", stem) in groups for stem in STEMS):
        cifar, imagenet = groups["ResNet-50", "cifar"], groups["ResNet-50", "imagenet"]
        _, sentence = compare_sentence("ResNet-50 with the CIFAR stem", verdicts.measured(cifar),
                                       "with the ImageNet stem", verdicts.measured(imagenet))
        lines.append(f"- **The stem**: {sentence[:-1]}{_recipe_difference(cifar[0], imagenet[0])}.")
    for key, runs in groups.items():
        warning = verdicts.chance_sentence(runs, len(runs[0].metrics["classes"]))
        if warning:
            lines.append(f"- {run_name(*key)}: {warning}.")
    overfitting = findings(groups)[0]["verdict"]
    lines.append(f"- **The paper's explanation** (overfitting; section 'The paper against its own numbers'): "
                 f"{overfitting.split(':')[0].lower()}.")
    seeds = max((len(runs) for runs in groups.values()), default=0)
    caveats = [f"{seeds} seed(s) per run: each uncertainty is the binomial standard error of the "
               f"{outcomes[0].metrics['num_test']:,} test images; seed-to-seed spread is not measured" if seeds < 2
               else f"means over {seeds} seeds ± their sd"] if outcomes else []
    epochs = {STEMS[stem]: runs[0].metrics["epochs"] for (model, stem), runs in groups.items()}
    if any(value != PAPER_EPOCHS_TOTAL for value in epochs.values()):
        caveats.append("epochs " + ", ".join(f"{value} ({name})" for name, value in epochs.items())
                       + f", not the paper's {PAPER_EPOCHS_TOTAL}")
    fine_tuned = start_weights.caveat(outcomes)
    if fine_tuned:
        caveats.append(fine_tuned)
    return summaries.conclusion_markdown(lines, caveats, outcomes=outcomes, profile=parameters.profile)


def _recipe_difference(first: RunOutcome, second: RunOutcome) -> str:
    """'' when two runs trained alike, else a note of how they differ (epochs, batch, images)."""
    fields = {"epochs": "epochs", "batch_size": "batch", "lr": "lr"}
    a, b = first.spec.config, second.spec.config
    differences = [f"{word} {getattr(a, name)} vs {getattr(b, name)}" for name, word in fields.items()
                   if getattr(a, name) != getattr(b, name)]
    if first.metrics["num_train"] != second.metrics["num_train"]:
        differences.append(f"{first.metrics['num_train']:,} vs {second.metrics['num_train']:,} training images")
    return f" (not like for like at this profile: {', '.join(differences)})" if differences else ""
