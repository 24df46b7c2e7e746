"""Study 1's recipe: the paper's training settings and each profile's, resolved into the planned
runs (:func:`plan`: both models x both stems x each seed) and the settings table (:func:`settings`)
with the source of every value (the paper, or chosen here)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pandas as pd

from helpers.config import TrainConfig
from helpers.runs import RunSpec
from helpers.studies import run_id
from helpers.studies.common import recipes, start_weights, summaries
from helpers.studies.common.parameters import CHOSEN, PAPER, StudyParameters
from helpers.studies.s01_depth.paper import MODELS, PAPER_EPOCHS_TOTAL, PAPER_STEM, STEMS
from helpers.train.optim import ONECYCLE_PEAK_FRACTION, ONECYCLE_START_FACTOR

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
        # cpu v2: every run at most ~3 hours on a 2-core CPU, the whole study about 8 hours for two seeds.
        # Measured here (bf16, 2 threads, batch 128): the CIFAR-stem ResNet-18 trains at 93 images/s and
        # ResNet-50 at 37, so an epoch of the 25,000 images costs ~5 and ~13 minutes with its test pass;
        # 12 epochs keep ResNet-50 near 2.6 hours, and ResNet-18 and ResNet-50 of one stem share every
        # setting. One-cycle to lr 0.1 with Nesterov reaches most of its accuracy in few epochs (v1: 78.6 %
        # after 6); the test score averages each image with its mirror (flip TTA, a choice of ours, both
        # networks alike; the per-epoch curves are without it). Plain cross-entropy, as the paper, so the
        # losses compare with its tables.
        "cpu": dict(epochs=12, batch_size=128, lr=0.1, nesterov=True, scheduler="onecycle", tta_flip=True),
        # A modern fast recipe: one-cycle, Nesterov, label smoothing, large batches (bf16 on a GPU).
        "quick": dict(epochs=18, batch_size=512, lr=0.4, nesterov=True, scheduler="onecycle", label_smoothing=0.1),
    },
    notes={"momentum": "the paper mentions momentum, no value"},
)
# What sets one stem's runs apart at a profile. Smoke: at 32 px the CIFAR stem costs ResNet-18
# ~2.3x and ResNet-50 ~4x the ImageNet stem's compute per image (measured, bf16 on this CPU), so
# its pair trains one epoch, at batch 16 for 100 steps (batch 32, 50 steps: ResNet-50 21.5 %;
# batch 16: 24.75 %); 4 runs, ~130 CPU-seconds on one thread, about 75 s on 2 idle cores.
#
# cpu, quick, paper: the ImageNet-stem pair also warms up and clips its gradients, a choice of ours (the
# paper states neither). At 32 px that stem leaves a 1x1 map in the last stage, and at the cpu profile
# (one-cycle to lr 0.1, its default ramp over 1.5 epochs) ResNet-50 nearly diverged: test loss 487 after
# epoch 1 (unstable beyond 10 * ln(10) = 23), 25.4 % test top-1 after 6 epochs (reports/cpu/01).
# Both networks of the stem get the same recipe, so the paper's comparison stays like for like; the
# CIFAR-stem pair trained stably and keeps its recipe (and its finished runs). Quick's one-cycle
# already ramps up linearly over its first quarter (4.5 of 18 epochs), longer than the 2 epochs given
# elsewhere: it only adds clipping. Measured with them (cpu profile, ResNet-50, seed 0, one thread, bf16):
# test loss 2.42 after epoch 1, 51.9 % test top-1 after 6 epochs, every epoch stable.
STABLE_IMAGENET_STEM = dict(warmup_epochs=2.0, grad_clip_norm=1.0)
# cpu: the CIFAR-stem pair trains data-parallel over two processes (torchrun, gloo, one thread each).
# On one thread its ResNet-50 needs 4 hours or more for 12 epochs, longer than a sitting (measured
# 2026-12-07: the CIFAR-stem ResNet-18 at 42-52 training images/s on one thread beside another run;
# ResNet-50 costs ~2.4x per image, v1: 30-34 against 74-81); two processes about halve it. Each computes
# its batch-norm statistics over its 64 images of the global batch of 128, so both networks of the stem
# train so (like for like), and the one-process ResNet-18 runs made before are not reused for them.
CPU_CIFAR_STEM_PROCESSES = 2
PROFILE_STEM_CHANGES = {
    "smoke": {"cifar": dict(epochs=1, batch_size=16, lr=0.002)},
    "cpu": {"imagenet": STABLE_IMAGENET_STEM, "cifar": dict(processes=CPU_CIFAR_STEM_PROCESSES)},
    "quick": {"imagenet": dict(grad_clip_norm=STABLE_IMAGENET_STEM["grad_clip_norm"])},
    "paper": {"imagenet": STABLE_IMAGENET_STEM},
}
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
        ("test evaluation", "each test image averaged with its mirror (flip TTA) for the final score; the "
         "per-epoch curves without" if config.tta_flip else "each test image once", source("tta_flip")),
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
    rows += [_stabiliser_row(parameters, "warm-up", "warmup_epochs", _warmup_text),
             _stabiliser_row(parameters, "gradient clipping", "grad_clip_norm", _clipping_text)]
    if any(recipes.train_config(RECIPE, parameters, seed=0, changes=stem_changes(parameters, stem)).processes > 1
           for stem in STEMS):
        rows.append(("processes per run", _per_stem(parameters, "processes"), _processes_source(parameters)))
    changed = ({name for stem in STEMS for name in stem_changes(parameters, stem)} - set(STABLE_IMAGENET_STEM)
               - {"processes"})
    if changed or PROFILE_STEM_DATA.get(parameters.profile):
        smaller = " on smaller images" if PROFILE_STEM_DATA.get(parameters.profile) else ""
        rows.append(("why the stems train differently", f"the CIFAR-stem pair: fewer epochs at a smaller batch{smaller}",
                     f"{parameters.profile} profile: at 32 px the CIFAR stem costs ResNet-18 ~2.3x and ResNet-50 ~4x "
                     "the ImageNet stem's compute per image (measured); ResNet-18 and ResNet-50 of one stem share "
                     "a recipe, so the paper's comparison stays like for like"))
    rows += [("seeds", ", ".join(map(str, parameters.seeds)), CHOSEN),
             ("device / precision", f"{config.device} / {config.precision}", "this machine")]
    return summaries.settings_table(rows)


def _processes_source(parameters: StudyParameters) -> str:
    if parameters.torchrun_processes > 1:
        return "notebook parameter (torchrun_processes)"
    return (f"{CHOSEN} ({parameters.profile} profile: data-parallel over {CPU_CIFAR_STEM_PROCESSES} processes, one "
            "thread each, so that the CIFAR-stem ResNet-50 finishes in a sitting (on one thread its 12 epochs take "
            "4 hours or more); each process computes batch-norm statistics over its half of the batch, for "
            "ResNet-18 and ResNet-50 of that stem alike)")


def _stabiliser_row(parameters: StudyParameters, setting: str, field: str,
                    text: Callable[[TrainConfig], str]) -> tuple[str, str, str]:
    """A settings row showing ``text(config)`` of the runs, per stem where the stems differ; where
    the ImageNet-stem pair sets ``field`` to train stably (a choice of ours) the source says why."""
    values = {stem: text(recipes.train_config(RECIPE, parameters, seed=0, changes=stem_changes(parameters, stem)))
              for stem in STEMS}
    shown = values[PAPER_STEM] if len(set(values.values())) == 1 else "; ".join(
        f"{value} ({STEMS[stem]})" for stem, value in values.items())
    if field not in stem_changes(parameters, PAPER_STEM):
        return (setting, shown, CHOSEN)
    return (setting, shown,
            f"{CHOSEN}: ours, not the paper's, for the ImageNet-stem pair (ResNet-18 and ResNet-50 alike, so the "
            "paper's comparison stays like for like): at 32 px ResNet-50 with that stem nearly diverged without "
            "them (cpu profile, seed 0: test loss 487 after epoch 1, 25.4 % test top-1 after 6 epochs; with them "
            "2.42 and 51.9 %)")


def _warmup_text(config: TrainConfig) -> str:
    if config.scheduler == "onecycle":  # one-cycle ramps up by itself: over its warm-up, else its first quarter
        epochs = config.warmup_epochs or ONECYCLE_PEAK_FRACTION * config.epochs
        return f"linear from lr/{1 / ONECYCLE_START_FACTOR:g} over the first {epochs:g} epochs (one-cycle's ramp)"
    return f"linear over the first {config.warmup_epochs:g} epochs" if config.warmup_epochs else "none"


def _clipping_text(config: TrainConfig) -> str:
    return f"global gradient norm at most {config.grad_clip_norm:g}" if config.grad_clip_norm else "none"


def _image_size_row(parameters: StudyParameters) -> tuple[str, str, str]:
    sizes = {stem: stem_dataset_options(parameters, stem).get("image_size") for stem in STEMS}
    if set(sizes.values()) == {None}:
        return ("image size", "32x32 (native)", PAPER)
    shown = ", ".join(f"{size or 32}x{size or 32} ({STEMS[stem]})" for stem, size in sizes.items())
    return ("image size", shown, f"{parameters.profile} profile (the paper: 32x32): the CIFAR-stem pair on "
                                 f"{sizes['cifar']}-px images (resized) halves its cost")
