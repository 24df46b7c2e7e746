"""Does the training path work on the device? ``gpu_check``'s correctness part.

Four checks, each a few optimizer steps: every registered model at each input size its studies
train it at (finite loss, falling on a fixed batch); a checkpoint written and resumed on the
device (the next step's loss equals the uninterrupted run's); ``torchrun`` with one process
training one epoch (NCCL on CUDA, gloo on the CPU); and the batch runner running study 01's
``smoke`` profile end to end.
"""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import torch

from helpers.config import TrainConfig
from helpers.data import ImageDataset
from helpers.device import resolve_precision
from helpers.models import available_models, create_model
from helpers.train import train
from helpers.train.engine import TrainingEngine

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# The inputs each model is trained on in the studies' quick and paper profiles: (in_channels,
# image size, classes, model options, studies). tests/benchmarks/test_gpu_check.py checks this
# table against the studies' plans, so that a study's new input size is not left unchecked.
MODEL_INPUTS: dict[str, tuple[tuple[int, int, int, dict, str], ...]] = {
    "alexnet": ((1, 28, 10, {}, "02"), (3, 32, 10, {}, "02, 03")),
    "lenet5": ((1, 28, 10, {}, "02"), (3, 32, 10, {}, "02")),
    "resnet18": ((3, 32, 10, {"stem": "cifar"}, "01, 02, 03"), (1, 28, 10, {"stem": "cifar"}, "02")),
    "resnet34": ((3, 32, 100, {}, "03"),),
    "resnet50": ((3, 32, 10, {}, "01, 03"), (3, 64, 101, {"stem": "imagenet"}, "04")),
    "resnet18_narrow": ((3, 32, 10, {}, "05"),),
    "resnet_large": ((3, 32, 10, {}, "05"),),
    "vgg19": ((3, 32, 100, {}, "03"),),
}
NO_STUDY_INPUT = ((3, 32, 10, {}, "none (checked at CIFAR-10 size)"),)  # registered, trained by no study
RESUME_TOLERANCE = 1e-4  # relative: the same weights, batch and kernels give the same loss
BATCH_RUNNER_STUDY = "01"


def model_cases() -> list[dict]:
    """One case per registered model and input size (models no study trains: CIFAR-10 size)."""
    return [{"model": name, "in_channels": channels, "image_size": size, "num_classes": classes,
             "model_options": options, "studies": studies}
            for name in available_models()
            for channels, size, classes, options, studies in MODEL_INPUTS.get(name, NO_STUDY_INPUT)]


def fixed_batch_config(batch_size: int, device: torch.device) -> TrainConfig:
    """A plain recipe for memorising one batch: AdamW at 3e-4, no augmentation. Measured on the CPU:
    the loss falls on every model within 5 steps (at 1e-3 AlexNet's rose to 10 by step 3)."""
    return TrainConfig(epochs=1, batch_size=batch_size, optimizer="adamw", lr=3e-4, weight_decay=0.0,
                       scheduler="none", label_smoothing=0.0, augmentation="none", device=device.type,
                       progress="none")


def check_model(case: dict, batch: ImageDataset, device: torch.device, *, steps: int) -> dict:
    """``steps`` engine steps of one model on the one batch ``batch`` holds; its losses, whether
    they are finite and whether the last is below the first."""
    batch_size = len(batch.y_train)
    config = fixed_batch_config(batch_size, device)
    model = create_model(case["model"], num_classes=case["num_classes"], in_channels=case["in_channels"], seed=0,
                         **case["model_options"])
    start = time.perf_counter()
    engine = TrainingEngine(model, batch, config, device=device, precision=resolve_precision("auto", device))
    indices = torch.arange(batch_size, device=device)
    losses = []
    for step in range(steps):
        engine.reset_totals()
        engine.step(indices, step)
        losses.append(engine.loss_sum.item() / batch_size)
    finite = all(math.isfinite(loss) for loss in losses)
    return {**case, "input": f"{case['in_channels']}x{case['image_size']}x{case['image_size']}",
            "batch_size": batch_size, "precision": engine.precision, "scaler": engine.scaler.is_enabled(),
            "losses": losses, "finite": finite, "decreasing": finite and losses[-1] < losses[0],
            "seconds": time.perf_counter() - start}


def check_resume(data: ImageDataset, device: torch.device, folder: Path) -> dict:
    """Train two one-step epochs; then resume the checkpoint of epoch 1 in a fresh model: the
    second epoch's loss (its one step) must equal the uninterrupted run's."""
    batch_size = len(data.y_train)  # one step per epoch: the epoch's loss is that step's loss
    config = TrainConfig(epochs=2, batch_size=batch_size, lr=0.1, augmentation="crop_flip", device=device.type,
                         progress="none", seed=0, checkpoint_seconds=0.0)  # epoch 1's checkpoint, however fast
    checkpoint = folder / "checkpoint.pt"
    labels = {"model": "resnet18", "check": "resume"}
    uninterrupted = train(create_model("resnet18", seed=0), data, config, run_labels=labels,
                          checkpoint_path=checkpoint, checkpoint_last_epoch=False)  # keeps epoch 1's checkpoint
    resumed = train(create_model("resnet18", seed=1), data, config, run_labels=labels, checkpoint_path=checkpoint)
    expected = float(uninterrupted.history["train_loss"].iloc[-1])
    found = float(resumed.history["train_loss"].iloc[-1])
    difference = abs(found - expected)
    return {"model": "resnet18", "batch_size": batch_size, "checkpoint_bytes": checkpoint.stat().st_size,
            "loss_uninterrupted": expected, "loss_resumed": found, "difference": difference,
            "identical": difference == 0.0, "same": difference <= RESUME_TOLERANCE * max(1.0, abs(expected)),
            "tolerance": f"{RESUME_TOLERANCE:g} relative"}


def check_torchrun(device: torch.device, data_dir: str | None, folder: Path, *, train_images: int,
                   batch_size: int, timeout: float) -> dict:
    """``torchrun --nproc_per_node=1`` trains ResNet-18 for one epoch through the data-parallel
    path (``gpu_check_torchrun.py``); its result, or the end of its error output."""
    result_path = folder / "torchrun.json"
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=1",
               str(Path(__file__).resolve().parent / "gpu_check_torchrun.py"), "--device", device.type,
               "--train-images", str(train_images), "--batch-size", str(batch_size), "--out", str(result_path)]
    if data_dir is not None:
        command += ["--data-dir", data_dir]
    start = time.perf_counter()
    completed = _run(command, timeout=timeout)
    seconds = time.perf_counter() - start
    if completed["returncode"] != 0 or not result_path.is_file():
        return {"ok": False, "seconds": seconds, "command": _shown(command), **completed}
    result = json.loads(result_path.read_text())
    ok = result["all_reduce_ok"] and math.isfinite(result["train_loss"]) and result["epochs"] == 1
    return {"ok": ok, "seconds": seconds, "command": _shown(command), **result}


def check_batch_runner(device: torch.device, folder: Path, *, timeout: float) -> dict:
    """The batch runner runs study 01's ``smoke`` profile on ``device`` end to end (notebook,
    runs, report); skipped with the reason where it cannot or should not run."""
    if device.type != "cuda":
        return {"ok": None, "skipped": "on the CPU dry run: a notebook run takes minutes on a CPU (one row of "
                                       "study 01 took about 2 minutes on a 2-core machine); it runs with --device "
                                       "cuda"}
    if importlib.util.find_spec("papermill") is None:
        return {"ok": None, "skipped": "papermill is not installed (the notebook stack: pip install -r "
                                       "requirements.txt)"}
    command = [sys.executable, "-m", "helpers.batch", "--profile", "smoke", "--only", BATCH_RUNNER_STUDY,
               "--device", device.type, "--out", str(folder), "--force"]
    start = time.perf_counter()
    completed = _run(command, timeout=timeout)
    metrics_files = sorted(folder.glob(f"smoke/{BATCH_RUNNER_STUDY}/runs/*/metrics.json"))
    runs = [json.loads(path.read_text()) for path in metrics_files]
    on_device = [run.get("device", "") for run in runs]
    ok = completed["returncode"] == 0 and bool(runs) and all(name.startswith(device.type) for name in on_device)
    return {"ok": ok, "seconds": time.perf_counter() - start, "command": _shown(command), "runs": len(runs),
            "devices": sorted(set(on_device)), "test_top1": {run.get("run_id"): run.get("test_top1") for run in runs},
            **completed}


def _run(command: list[str], *, timeout: float) -> dict:
    """Run ``command`` from the project root; its exit status and, on failure, its output's end."""
    try:
        completed = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"returncode": None, "error": f"timed out after {timeout:.0f} s"}
    if completed.returncode == 0:
        return {"returncode": 0}
    tail = (completed.stderr.strip() or completed.stdout.strip()).splitlines()[-12:]
    return {"returncode": completed.returncode, "error": "\n".join(tail)}


def _shown(command: list[str]) -> str:
    return " ".join(["python" if part == sys.executable else part for part in command])
