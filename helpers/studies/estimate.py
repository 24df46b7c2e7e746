"""Rough GPU-time ESTIMATES of the studies' ``quick`` and ``paper`` profiles, from FLOPs.

Nothing here is measured on a GPU: FLOPs are counted with ``torch.utils.flop_counter`` on the
CPU, and hours follow from an *assumed* achieved rate (:data:`GPU_ASSUMPTIONS`). Data loading,
augmentation, BatchNorm/activation/pooling FLOPs (not counted by FlopCounterMode) and start-up
are ignored, so real wall times can be longer. ``python -m helpers.studies.estimate`` prints
the table as Markdown.
"""

from __future__ import annotations

import functools
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import torch
from torch.utils.flop_counter import FlopCounterMode

from helpers.data.constants import CALTECH101_TEST_FRACTION, CLASS_NAMES, OFFICIAL_SIZES
from helpers.models import create_model
from helpers.runs import RunSpec
from helpers.studies.common.parameters import StudyParameters
from helpers.studies.registry import STUDIES

CALTECH101_IMAGES = 8_677  # object categories, BACKGROUND_Google excluded (see DATASET_STATS)
NATURAL_SIZE = {"mnist": 28, "fashion_mnist": 28, "caltech101": 64}  # others (CIFAR): 32
# ASSUMED achieved training rates in TFLOP/s for small-image CNNs in mixed precision: about 25 % of
# the dense tensor peak. 32-px CNNs rarely exceed 20-35 % of peak (small kernels, memory-bound
# BatchNorm/ReLU, tiny spatial maps). These are assumptions, NOT measurements.
GPU_ASSUMPTIONS: dict[str, float] = {
    "A100 (bf16, ~25% of 312 TFLOP/s peak)": 78.0,
    "RTX 4090 (bf16, ~25% of 165 TFLOP/s dense peak)": 41.0,
    "T4 (fp16, ~25% of 65 TFLOP/s)": 16.0,
}


def training_flops_per_image(model_name: str, model_options: dict[str, Any] | None = None, *, num_classes: int,
                             in_channels: int, image_size: int) -> float:
    """Training FLOPs of one image: forward FLOPs x 3 (forward + backward, backward ~ 2x forward).

    Forward FLOPs are counted by ``FlopCounterMode`` (2 FLOPs per multiply-add of convolutions and
    matrix products; BatchNorm, activations and pooling are not counted) on a batch of 2, halved.
    The model is built on the ``meta`` device: shapes only, no weights, no arithmetic.
    """
    options = tuple(sorted((model_options or {}).items()))
    return 3.0 * _forward_flops(model_name, options, num_classes, in_channels, image_size)


@functools.cache
def _forward_flops(model_name: str, options: tuple, num_classes: int, in_channels: int, image_size: int) -> float:
    counter = FlopCounterMode(display=False)
    with torch.device("meta"), torch.no_grad():
        model = create_model(model_name, num_classes=num_classes, in_channels=in_channels, **dict(options)).eval()
        with counter:
            model(torch.zeros(2, in_channels, image_size, image_size))
    return counter.get_total_flops() / 2


def _split_sizes(dataset: str) -> tuple[int, int]:
    """(train, test) images before any validation split."""
    if dataset == "caltech101":
        test = round(CALTECH101_IMAGES * CALTECH101_TEST_FRACTION)
        return CALTECH101_IMAGES - test, test
    return OFFICIAL_SIZES[dataset]


def run_cost(spec: RunSpec) -> dict[str, Any]:
    """Images and FLOPs of one full-data run: epochs x training images (x2 with ``concat_original``)
    at 3x forward cost, plus per epoch the validation and test images at forward cost (1/3 of
    training), plus a final test pass with ``restore_best`` / ``tta_flip`` (x2 with TTA)."""
    options, config = spec.dataset_options, spec.config
    train_all, test = _split_sizes(spec.dataset)
    val = round(train_all * options.get("val_fraction", 0.0))
    train = (train_all - val) * (2 if config.concat_original else 1)
    grey = spec.dataset in ("mnist", "fashion_mnist") and not options.get("to_rgb", False)
    architecture = {name: value for name, value in spec.model_options.items() if name != "weights"}  # load nothing
    per_image = training_flops_per_image(
        spec.model, architecture, num_classes=len(CLASS_NAMES[spec.dataset]), in_channels=1 if grey else 3,
        image_size=options.get("image_size") or NATURAL_SIZE.get(spec.dataset, 32))
    eval_images = config.epochs * (val + test)
    if config.restore_best or config.tta_flip:
        eval_images += test * (2 if config.tta_flip else 1)
    train_images = config.epochs * train
    flops = per_image * (train_images + eval_images / 3)
    return {"run_id": spec.run_id, "epochs": config.epochs, "train_images": train_images,
            "eval_images": eval_images, "flops_per_image": per_image, "flops": flops}


def study_specs(study_module: ModuleType, profile: str, *, seeds: tuple[int, ...] = (0,)) -> list[RunSpec]:
    """Every run of ``profile`` in order: a study's tuning phase (study 5: the grid), then its plan."""
    parameters = StudyParameters(profile=profile, data_dir=None, device="cpu", seeds=seeds, epochs=None,
                                 batch_size=None, output_dir=Path("."))
    tuning = study_module.tuning_plan(parameters) if hasattr(study_module, "tuning_plan") else []
    return [*tuning, *study_module.plan(parameters)]


def estimate_study(study_module: ModuleType, profile: str, *, achieved_tflops: float,
                   seeds: tuple[int, ...] = (0,)) -> dict[str, Any]:
    """Runs, epoch range, total PFLOP and ESTIMATED hours at ``achieved_tflops`` (TFLOP/s)."""
    specs = study_specs(study_module, profile, seeds=seeds)
    costs = [run_cost(spec) for spec in specs]
    flops = sum(cost["flops"] for cost in costs)
    epochs = [cost["epochs"] for cost in costs]
    return {"runs": len(costs), "epochs": (min(epochs), max(epochs)), "pflop": flops / 1e15,
            "batch_sizes": sorted({spec.config.batch_size for spec in specs}),
            "precisions": sorted({spec.config.precision for spec in specs}),
            "hours": flops / (achieved_tflops * 1e12) / 3600, "costs": costs}


def _significant(value: float, digits: int = 2) -> float:
    return float(f"{value:.{digits}g}")


def estimates_table(*, profiles: tuple[str, ...] = ("quick", "paper"), seeds: tuple[int, ...] = (0,)) -> pd.DataFrame:
    """A row per study x profile: runs, epochs, PFLOP and estimated hours on each assumed GPU."""
    rows = []
    for study in STUDIES:
        for profile in profiles:
            estimate = estimate_study(study.module(), profile, achieved_tflops=1.0, seeds=seeds)
            low, high = estimate["epochs"]
            row = {"study": study.id, "profile": profile, "runs": estimate["runs"],
                   "epochs": str(low) if low == high else f"{low}-{high}",
                   "batch": "/".join(map(str, estimate["batch_sizes"])), "precision": "/".join(estimate["precisions"]),
                   "PFLOP": _significant(estimate["pflop"])}
            for gpu, rate in GPU_ASSUMPTIONS.items():
                row[f"est. hours, {gpu}"] = _significant(estimate["hours"] / rate)
            rows.append(row)
    return pd.DataFrame(rows)


def to_markdown(frame: pd.DataFrame) -> str:
    """A GitHub Markdown table of ``frame`` (no ``tabulate`` needed)."""
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(f"{value:g}" if isinstance(value, float) else str(value) for value in row) + " |"
              for row in frame.itertuples(index=False)]
    return "\n".join(lines)


if __name__ == "__main__":
    print("ESTIMATES from counted FLOPs (training = 3x forward) and ASSUMED achieved GPU rates, one seed; "
          "not measurements.\n")
    table = estimates_table()
    print(to_markdown(table))
    if (table["precision"] == "fp32").any():
        print("\nRows with precision fp32 skip the bf16/fp16 tensor-core rates assumed here (T4: ~8 TFLOP/s "
              "fp32 peak), and batch 16 leaves a large GPU mostly idle: expect those hours to be several times "
              "longer.")
