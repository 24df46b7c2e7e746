"""How fast does the engine train on the device? ``gpu_check``'s speed and time-to-accuracy parts.

Speed: the engine against the papers' style of loop (``reference_loop``: a DataLoader of PIL
images with worker processes, fp32) on ResNet-18 and ResNet-50 at CIFAR-10 size, side by side in
one run, at each batch size, with ``torch.compile`` off and on; achieved TFLOP/s (FLOPs counted
by torch's FlopCounterMode; batch norm and activations not counted) against the device's
measured bf16 matmul rate. Timings follow a warm-up (which includes the compilation).

Time to accuracy: ResNet-18 (CIFAR stem) with study 1's ``quick`` recipe, evaluation excluded.
"""

from __future__ import annotations

import time

import torch

from gpu_check_data import OFFICIAL_CIFAR10_TRAIN, CheckData, head, tiled
from reference_loop import ReferenceTrainer, numpy_seed, reference_loader
from train_throughput import engine_accuracy_curve, engine_window, matmul_gflops, training_step_flops

from helpers.config import TrainConfig
from helpers.data import ImageDataset
from helpers.device import resolve_precision
from helpers.models import create_model
from helpers.train.engine import TrainingEngine

SPEED_MODELS = ("resnet18", "resnet50")  # registered defaults: the CIFAR stem
COMPILE_SECONDS_GUESS = 120  # a compiled row is started only with this much time to spare
# Study 1's quick recipe (helpers/studies/s01_depth/recipe.py, RECIPE.fields("quick")), copied so that the
# check needs no notebook stack; tests/benchmarks/test_gpu_check.py keeps the two equal.
STUDY1_QUICK = dict(epochs=18, batch_size=512, optimizer="sgd", lr=0.4, momentum=0.9, nesterov=True, weight_decay=5e-4,
                    scheduler="onecycle", warmup_epochs=0.0, label_smoothing=0.1, mixup_alpha=0.0, grad_clip_norm=0.0,
                    augmentation="crop_flip", crop_padding=4, concat_original=False, precision="auto",
                    restore_best=False, tta_flip=False)
STUDY1_QUICK_MODEL = dict(name="resnet18", stem="cifar")
TARGETS = (0.85, 0.90, 0.93)  # 85 %: a mark also for the 25,000-image copy a GPU machine gets, which may fall short of 93 %
AIRBENCH = {"test_top1": 0.94, "seconds": 3.29, "gpu": "NVIDIA A100",
            "source": "airbench94 (Keller Jordan, github.com/KellerJordan/cifar10-airbench)",
            "note": "a different, smaller network and recipe: what is possible on CIFAR-10, not a like-for-like "
                    "comparison"}


def matmul_ceiling(device: torch.device) -> dict[str, float]:
    """The device's bf16 and fp32 matmul TFLOP/s, measured now (large squares on a GPU)."""
    size, seconds = (8192, 1.0) if device.type == "cuda" else (2048, 0.4)
    return {dtype_name: matmul_gflops(dtype, seconds, device=device, size=size) / 1000
            for dtype_name, dtype in (("bf16", torch.bfloat16), ("fp32", torch.float32))}


def speed_config(batch_size: int, device: torch.device, *, compile: bool) -> TrainConfig:
    """The reference loop's recipe (SGD, constant lr, crop and flip) for the engine."""
    return TrainConfig(epochs=1, batch_size=batch_size, lr=0.05, momentum=0.9, weight_decay=5e-4, scheduler="none",
                       label_smoothing=0.0, augmentation="crop_flip", device=device.type, progress="none",
                       compile=compile)


def measure_speed(check_data: CheckData, device: torch.device, *, batch_sizes: tuple[int, ...], steps: int,
                  warmup_steps: int, compile_modes: tuple[bool, ...], workers: int, bf16_tflops: float,
                  deadline: float) -> list[dict]:
    """One row per model, batch size and side (reference; engine with each compile mode).

    A compiled row that would not finish before ``deadline`` is skipped, with the reason."""
    data = tiled(check_data.data, min_train=max(steps, warmup_steps) * max(batch_sizes))
    rows = []
    for model_name in SPEED_MODELS:
        flops_per_image = training_step_flops(create_model(model_name, seed=0), data, 2) / 2
        for batch_size in batch_sizes:
            common = {"model": model_name, "batch_size": batch_size, "data": check_data.label,
                      "flops_per_image": flops_per_image}
            reference = rates(reference_row(model_name, data, device, batch_size=batch_size, steps=steps,
                                            warmup_steps=warmup_steps, workers=workers), flops_per_image, bf16_tflops)
            rows.append({**common, **reference})
            for compile in compile_modes:
                if compile and time.perf_counter() + COMPILE_SECONDS_GUESS > deadline:
                    rows.append({**common, "side": "engine", "compile": True,
                                 "skipped": "the check's time budget (compilation takes minutes)"})
                    continue
                engine = engine_row(model_name, data, device, batch_size=batch_size, steps=steps,
                                    warmup_steps=warmup_steps, compile=compile)
                engine_rates = rates(engine, flops_per_image, bf16_tflops)
                engine_rates["speedup"] = engine_rates["images_per_second"] / reference["images_per_second"]
                rows.append({**common, **engine_rates})
    return rows


def reference_row(model_name: str, data: ImageDataset, device: torch.device, *, batch_size: int, steps: int,
                  warmup_steps: int, workers: int) -> dict:
    """The papers' loop: time ``steps`` steps after ``warmup_steps`` (worker start-up)."""
    numpy_seed(0)
    loader = reference_loader(data, batch_size=batch_size, num_workers=workers, pin_memory=device.type == "cuda")
    trainer = ReferenceTrainer(create_model(model_name, seed=0), loader, device=device)
    trainer.run_steps(warmup_steps)
    window = trainer.run_steps(steps)
    del trainer, loader  # stops the worker processes
    return {"side": "reference", "compile": False, "precision": "fp32", "workers": workers, **window}


def engine_row(model_name: str, data: ImageDataset, device: torch.device, *, batch_size: int, steps: int,
               warmup_steps: int, compile: bool) -> dict:
    """The engine: time ``steps`` steps after ``warmup_steps`` (and the compilation, if any)."""
    if compile:
        torch.compiler.reset()  # compile for this batch size alone, not a dynamic-shape graph
    engine = TrainingEngine(create_model(model_name, seed=0), data, speed_config(batch_size, device, compile=compile),
                            device=device, precision=resolve_precision("auto", device))
    start = time.perf_counter()
    engine_window(engine, warmup_steps)
    warmup_seconds = time.perf_counter() - start
    window = engine_window(engine, steps)
    return {"side": "engine", "compile": engine.compiled, "precision": engine.precision,
            "warmup_seconds": warmup_seconds, **window}


def rates(window: dict, flops_per_image: float, bf16_tflops: float) -> dict:
    """A timing window's images per second, input-pipeline share and achieved TFLOP/s."""
    images_per_second = window["images"] / window["seconds"]
    tflops = flops_per_image * images_per_second / 1e12
    return {**window, "images_per_second": images_per_second, "tflops": tflops,
            "input_share": window["input_seconds"] / window["seconds"], "fraction_of_bf16_matmul": tflops / bf16_tflops}


def time_to_accuracy(check_data: CheckData, device: torch.device, *, dry_run: bool, deadline: float) -> dict:
    """Seconds of training (evaluation excluded) to each of :data:`TARGETS`, with study 1's quick
    recipe on the full CIFAR-10; on the dry run, one epoch of a few images proves the code path."""
    if not dry_run and check_data.kind != "cifar10":
        return {"skipped": f"needs CIFAR-10 on disk (found: {check_data.label}); pass --data-dir",
                "airbench": AIRBENCH}
    config = TrainConfig.from_dict({**STUDY1_QUICK, "device": device.type, "progress": "none", "seed": 0})
    data, note = check_data.data, f"study 1's quick recipe, {config.epochs} epochs at batch {config.batch_size}"
    if not check_data.full_cifar10:  # e.g. the 25,000-image copy packed for a GPU machine
        note += (f", on {len(data.y_train):,} of the official {OFFICIAL_CIFAR10_TRAIN:,} training images: "
                 "fewer images reach lower accuracy, so the targets may not be reached")
    if dry_run:
        data, config = head(data, train=32, test=100), config.replace(epochs=1, batch_size=16)
        note = (f"dry run: 1 epoch of 32 images at batch 16 ({check_data.label}); the targets are not expected. "
                f"The real check: {note}")
    options = {key: value for key, value in STUDY1_QUICK_MODEL.items() if key != "name"}
    model = create_model(STUDY1_QUICK_MODEL["name"], seed=config.seed, **options)
    curve = engine_accuracy_curve(data, config, target=max(TARGETS), model=model, device=device,
                                  time_limit=max(0.0, deadline - time.perf_counter()))
    reached = {f"{target:.0%}": next((row["seconds"] for row in curve if row["test_top1"] >= target), None)
               for target in TARGETS}
    stopped = ("" if curve[-1]["test_top1"] >= max(TARGETS) or len(curve) == config.epochs
               else f"stopped after epoch {len(curve)} of {config.epochs}: the check's time budget")
    return {"model": "ResNet-18 (CIFAR stem)", "data": check_data.label, "recipe": config.to_dict(), "note": note,
            "curve": curve, "seconds_to": reached, "best_test_top1": max(row["test_top1"] for row in curve),
            "stopped": stopped, "airbench": AIRBENCH}
