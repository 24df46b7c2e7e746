"""Study 4's recipe: Models A-D as switches on ResNet-50, the refinements (c, l, m) as TrainConfig
changes, the training recipe per profile, and the planned runs and settings table.

:func:`plan` gives per seed Models A-D plain (the paper's Table 1), then Model-A and Model-B with
each of the 7 refinement combinations (Tables 2-3), and, with pretrained weights, the pretrained
comparison's runs (:mod:`helpers.studies.s04_caltech_tweaks.pretrained`). :func:`settings` shows
every setting with its source (the paper or chosen here).
"""

from __future__ import annotations

import functools
from typing import Any

import pandas as pd

from helpers.runs import RunSpec
from helpers.studies import run_id
from helpers.studies.common import recipes, summaries
from helpers.studies.common.parameters import CHOSEN, PAPER, StudyParameters
from helpers.studies.s04_caltech_tweaks import pretrained
from helpers.studies.s04_caltech_tweaks.paper import (PAPER_BATCH_SIZE, PAPER_EPOCHS, PAPER_LABEL_SMOOTHING, PAPER_LR,
                                                      REFINED_MODELS, REFINEMENTS, run_name)

# Model-X -> create_model("resnet50", **flags). Each tweak is one independent switch on Model-A.
MODELS = {
    "A": {"stem": "imagenet"},
    "B": {"stem": "imagenet", "stride_in_3x3": True},
    "C": {"stem": "deep"},
    "D": {"stem": "imagenet", "avg_down": True},
}
MODEL_DESCRIPTIONS = {
    "A": "original ResNet-50: 7x7 stem, stride 2 on the first 1x1 conv of a downsampling block",
    "B": "stride 2 moved to the 3x3 conv (no input ignored by a strided 1x1)",
    "C": "stem: three 3x3 convs (32, 32, 64 channels) instead of the 7x7 conv",
    "D": "shortcut of a downsampling block: 2x2 average pool (stride 2), then 1x1 conv stride 1",
}
MIXUP_ALPHA = 0.2  # not stated in the paper; Bag of Tricks uses 0.2
# The refinements as TrainConfig changes: c cosine decay, l label smoothing, m mixup.
REFINEMENT_CHANGES = {"c": {"scheduler": "cosine"}, "l": {"label_smoothing": PAPER_LABEL_SMOOTHING},
                      "m": {"mixup_alpha": MIXUP_ALPHA}}

RECIPE = recipes.Recipe(
    # Optimiser and augmentation are not stated. Adam at the paper's lr 0.001 (no weight decay) learns
    # from scratch in 10 epochs where SGD at 0.001 barely moves; random crop + flip is the usual minimum.
    paper=dict(epochs=PAPER_EPOCHS, batch_size=PAPER_BATCH_SIZE, optimizer="adam", lr=PAPER_LR, weight_decay=0.0,
               augmentation="crop_flip", scheduler="none"),
    stated=("epochs", "batch_size", "lr"),
    # smoke: every embedded image (606 train / 202 validation) at 32 px for 2 epochs: 20 steps of 64.
    # Measured on 2 shared CPU cores, Models A-D, one seed each (validation top-5, 202 images, chance 5 %):
    # 1 epoch reaches 6-10 %, mean 7 %; 2 epochs at lr 0.002 with flips 6-15 %, mean 10 %; at lr 0.001 mean
    # 9 %; with random crops (padding 4) mean 7 %. SGD (momentum 0.9, lr 0.02-0.1) blew the loss up to 10-40
    # without zero gamma and stayed near chance with it.
    # cpu v2 (issue 30): the paper's recipe itself, 10 epochs, on every image at the 64 px on disk, from
    # scratch (no download), two seeds. v1 trained 5 epochs (best row B+c+l 55.6 % validation top-1); a
    # probe of that row for 8 epochs (2026-12-07, one thread beside two runs, 43 images/s) reached 62.7 %
    # (63.0 % with flip TTA, too little to adopt), still climbing, so the paper's 10 are what its 65 %
    # target needs, and they spare every verdict a budget caveat. Cost: 18 ResNet-50s per seed at ~2 GFLOP
    # per 64-px training image and ~6,900 images, 10 epochs: at v1's 103-128 images/s per thread ~11
    # lane-minutes a run, ~6.6 lane-hours for the two seeds (over the study's ~5: the paper's epochs
    # are the reason). Zero-gamma as at smoke (from scratch).
    profiles={"smoke": dict(epochs=2, lr=0.002, augmentation="flip"), "cpu": {}, "quick": dict(epochs=5)},
    notes={"scheduler": "without the refinement c the learning rate stays constant",
           "augmentation": "random crop + flip, the usual minimum; the smoke profile flips only: in 20 steps "
                           "at 32 px, crops cut its top-5 from 10 % to 7 % (4 models, one seed each)"},
)
PROFILE_IMAGE_SIZE = {"smoke": 32, "cpu": 64, "quick": 64, "paper": 64}  # 64: the side of ../shared/data's copy
# Zero-gamma (He et al. 2019, section 3.1): each residual block starts as the identity. From scratch in
# 20 steps the plain initialisation's logits blow up (train loss 6-10 against ln 101 = 4.6) and
# validation top-5 stays at chance; with zero-gamma it reaches 9-17 % (Model-A, measured).
PROFILE_MODEL_OPTIONS = {"smoke": {"zero_init_residual": True}, "cpu": {"zero_init_residual": True}}
# Why the smoke profile departs from the paper's stated values (shown in the settings' source).
SMOKE_REASONS = {
    "epochs": "2 passes over the 606 embedded images, 20 steps of 64: after 1 epoch top-5 is still near chance, "
              "and more would not fit the smoke reports' time budget (measured: 8-15 s per run on 2 shared CPU "
              "cores)",
    "lr": "twice the paper's: from scratch in 20 steps, 0.002 learns faster (top-5 10 % vs 9 %, within noise); "
          "0.004 was worse",
}


def image_size_for(parameters: StudyParameters) -> int:
    """The image side used: the notebook's ``image_size`` if given, else the profile's."""
    return parameters.image_size or PROFILE_IMAGE_SIZE[parameters.profile]


def changes_for(refinements: str, image_size: int) -> dict[str, Any]:
    """The TrainConfig changes of a run with ``refinements`` ('none', 'c', 'c+l', ...) at ``image_size``."""
    changes: dict[str, Any] = {"crop_padding": max(1, image_size // 8)}
    for refinement in () if refinements == "none" else refinements.split("+"):
        changes.update(REFINEMENT_CHANGES[refinement])
    return changes


def plan(parameters: StudyParameters) -> list[RunSpec]:
    """Per seed: Models A-D plain (Table 1), then A and B with each of the 7 refinement
    combinations (Tables 2-3): 18 runs per seed at every profile. With pretrained weights
    (:func:`pretrained.weights_for`), 4 more per seed: B and B+c+l fine-tuned from them
    and their from-scratch twins, all with the fine-tuning recipe."""
    size = image_size_for(parameters)
    pairs = [(model, "none") for model in MODELS] + [(m, r) for m in REFINED_MODELS for r in REFINEMENTS]
    model_options = PROFILE_MODEL_OPTIONS.get(parameters.profile, {})
    specs = [
        RunSpec(run_id=run_id("model", run_name(model, refinements), seed=seed), model="resnet50",
                dataset="caltech101",
                config=recipes.train_config(RECIPE, parameters, seed=seed, changes=changes_for(refinements, size)),
                model_options={**MODELS[model], **model_options},
                dataset_options={"image_size": size, **RECIPE.dataset_options(parameters.profile)},
                labels={"model": f"Model-{model}", "refinements": refinements, "seed": seed})
        for seed in parameters.seeds for model, refinements in pairs
    ]
    weights = pretrained.weights_for(parameters)
    if weights is None:
        return specs
    starts = {pretrained.PRETRAINED: {"weights": weights}, pretrained.SCRATCH: {}}
    return specs + [
        RunSpec(run_id=run_id("model", run_name(model, refinements), start, seed=seed), model="resnet50",
                dataset="caltech101",
                config=recipes.train_config(RECIPE, parameters, seed=seed, changes={
                    **changes_for(refinements, size), **pretrained.FINE_TUNING}),
                model_options={**MODELS[model], **model_options, **weights_option},  # the twins differ here alone
                dataset_options={"image_size": size, **RECIPE.dataset_options(parameters.profile),
                                 **pretrained.FINE_TUNING_DATA},
                labels={"model": f"Model-{model}", "refinements": refinements, pretrained.START: start,
                        "seed": seed})
        for seed in parameters.seeds for model, refinements in pretrained.COMPARED
        for start, weights_option in starts.items()
    ]


def _why(parameters: StudyParameters, field: str, value: Any) -> str:
    """The reason the smoke profile's value of a stated ``field`` departs from the paper's, or ''."""
    smoke_value = RECIPE.fields("smoke").get(field)
    if parameters.profile != "smoke" or field not in SMOKE_REASONS or value != smoke_value:
        return ""
    return f"; {SMOKE_REASONS[field]}"


def settings(parameters: StudyParameters) -> pd.DataFrame:
    """The profile's settings, each with its source (the paper or chosen here)."""
    size = image_size_for(parameters)
    changes = changes_for("none", size)
    config = recipes.train_config(RECIPE, parameters, seed=parameters.seeds[0], changes=changes)
    source = functools.partial(recipes.source, RECIPE, parameters, changes=changes)
    zero_gamma = PROFILE_MODEL_OPTIONS.get(parameters.profile, {}).get("zero_init_residual", False)
    augmentation = {"crop_flip": f"random crop (padding {config.crop_padding}) + horizontal flip",
                    "flip": "horizontal flip only (no crop)"}.get(config.augmentation, config.augmentation)
    return summaries.settings_table([
        ("dataset", "Caltech-101, 101 categories (BACKGROUND_Google excluded)", PAPER),
        ("split", "stratified random 0.8 / 0.2 train / validation (fixed seed 0); the validation part is "
         "this report's 'test' split", f"{PAPER} (0.8 / 0.2; seed and stratification: {CHOSEN})"),
        recipes.images_row(RECIPE, parameters, everything="all (about 6,900 train / 1,740 validation)",
                           test_word="validation"),
        ("image size", f"{size}x{size} px (shorter side resized, centre crop)",
         f"{CHOSEN}: 64 px is the resolution of the available copy; 224 with full-resolution data"
         + ("; the smoke profile uses 32 px, where ResNet-50 with the 7x7 stem is cheap" if size == 32 else "")),
        *pretrained_settings_rows(parameters, image_size=size, epochs=config.epochs),
        ("models", "ResNet-50 Model-A (original), B (stride on 3x3), C (deep stem), D (avg-pool shortcut)", PAPER),
        ("initialisation", "Kaiming-normal convs, BatchNorm at (1, 0)" + (
            "; zero gamma in the last BatchNorm of every residual block (each block starts as the identity)"
            if zero_gamma else ""),
         f"{CHOSEN} (torchvision's" + (
             "; zero gamma, He et al. 2019: without it, 20 steps from scratch blow the logits up and "
             "validation top-5 stays at chance)" if zero_gamma else ")")),
        ("epochs", config.epochs, source("epochs") + _why(parameters, "epochs", config.epochs)),
        ("batch size", config.batch_size, source("batch_size")),
        ("optimizer", f"{config.optimizer.capitalize()}, weight decay {config.weight_decay}",
         source("optimizer", "weight_decay")),
        ("learning rate", f"{config.lr}", source("lr") + _why(parameters, "lr", config.lr)),
        ("lr schedule without c", "constant" if config.scheduler == "none" else config.scheduler, source("scheduler")),
        ("c: cosine decay", f"from {config.lr} to 0 over all steps, no warm-up", f"{PAPER} (no warm-up: {CHOSEN})"),
        ("l: label smoothing", PAPER_LABEL_SMOOTHING, PAPER),
        ("m: mixup", f"alpha {MIXUP_ALPHA} (one lambda and one pairing per batch)", f"{CHOSEN} (alpha not stated)"),
        ("augmentation", augmentation, source("augmentation", *(("crop_padding",) if "crop" in augmentation else ()))),
        ("seeds", ", ".join(map(str, parameters.seeds)), CHOSEN),
        ("device / precision", f"{config.device} / {config.precision}", "this machine"),
    ])


def pretrained_settings_rows(parameters: StudyParameters, *, image_size: int,
                             epochs: int) -> list[tuple[str, str, str]]:
    """The settings rows on pretrained weights (:mod:`~helpers.studies.s04_caltech_tweaks.pretrained`):
    where runs start from, and the comparison's recipe."""
    weights = pretrained.weights_for(parameters)
    chosen_by = ("notebook parameter pretrained" if parameters.pretrained is not None
                 else f"{parameters.profile} profile")
    if weights is None:
        reason = (f"{CHOSEN}: from scratch. The paper's 0.93 top-1 after 10 epochs is in the range of "
                  "ImageNet-pretrained, fine-tuned ResNet-50s, not of from-scratch training, so expect far lower "
                  "numbers here")
        if parameters.profile in ("smoke", "cpu") and parameters.pretrained is None:
            reason += f" ({chosen_by}: no download)"
        return [("pretrained weights", "none: every run trains from scratch; the pretrained comparison (B and B+c+l "
                 "fine-tuned beside from-scratch twins) needs pretrained=\"imagenet\" or a file path", reason)]
    value = (f"Tables 1-3: none (from scratch). Pretrained comparison: Model-B and B+c+l fine-tuned from "
             f"{pretrained.weights_words(weights)}, beside from-scratch twins; Model-B (torchvision's layout) receives "
             "every tensor but the 101-class head (Models A and D would too; Model-C's deep stem would be newly "
             "initialised)")
    source = (f"{CHOSEN} ({chosen_by}): the paper does not say whether it fine-tuned; its 0.93 after 10 epochs is "
              "in the range of fine-tuned ResNet-50s, so both are run")
    recipe = (f"both twins: SGD (Nesterov, momentum 0.9), lr 0.01 for every layer, weight decay 1e-4, 1 epoch of "
              f"linear warm-up; B then constant, B+c+l cosine decay to 0 and label smoothing 0.1; {epochs} epochs, "
              f"batch as above, images at {image_size} px normalised with ImageNet's mean and std")
    why = (f"{CHOSEN}: a usual full fine-tuning recipe; no lower learning rate for the backbone (the trainer has no "
           f"per-layer learning rates); the ImageNet weights were trained at 224 px, so at {image_size} px they start "
           "at another scale")
    return [("pretrained weights", value, source), ("pretrained comparison recipe", recipe, why)]
