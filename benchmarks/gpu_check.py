"""Does the CUDA training path work on this GPU, and how fast is it? A check of a few minutes.

Run it before spending GPU hours on a batch (issue 16). On one modern GPU it takes at most about
8 minutes; every part is bounded by that budget, and a part that would overrun is skipped and says so.

1. Correctness on the device: a few steps of every registered model at each input size its
   studies use, in bf16 (fp16 with the gradient scaler where bf16 is not native): finite loss,
   falling on a fixed batch; a checkpoint written and resumed on the device gives the same
   next-step loss; ``torchrun --nproc_per_node=1`` with NCCL trains one epoch; the batch runner
   runs study 01's ``smoke`` profile with ``device=cuda`` end to end (skipped without papermill).
2. Speed, side by side in one run: the engine against the papers' DataLoader/PIL/fp32 loop on
   ResNet-18 and ResNet-50 at CIFAR-10 size, batch 512 and 1024, ``torch.compile`` off and on;
   img/s, the ratio, achieved TFLOP/s as a fraction of the measured bf16 matmul rate, and the
   input pipeline's share of step time.
3. Time to accuracy: ResNet-18 (CIFAR stem), study 1's quick recipe, on the CIFAR-10 on disk:
   training seconds to 85, 90 and 93 % test top-1, beside airbench's 94 % in 3.29 s on an A100.

Goals, reported as met / not met (never asserted): engine >= 5x the loop on ResNet-18; engine
>= 40 % of the bf16 matmul rate on ResNet-50; input pipeline < 5 % of step time.

``--device cpu`` is a dry run of the same code with tiny step counts (under 3 minutes; torchrun
uses gloo there, and the batch-runner step is skipped). Needs torch, torchvision, numpy, pandas.

    python benchmarks/gpu_check.py [--device cuda|cpu] [--data-dir DIR] [--out FILE] [--budget-seconds S]
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import gpu_check_correctness as correctness  # noqa: E402
import gpu_check_report as report  # noqa: E402
import gpu_check_speed as speed  # noqa: E402
from gpu_check_data import head, load_check_data, reshaped  # noqa: E402
from train_throughput import machine_description  # noqa: E402

from helpers.commands import OneLineArgumentParser, run_command  # noqa: E402
from helpers.errors import InvalidConfigError  # noqa: E402
from helpers.io import write_json  # noqa: E402
from helpers.train import library_versions  # noqa: E402

DEVICES = ("cuda", "cpu")
RESULTS = PROJECT_ROOT / "benchmarks" / "results"


@dataclass(frozen=True)
class Scale:
    """Step counts and sizes of one device's check (the CPU's are a dry run's)."""

    budget_seconds: float  # the whole check; parts that would overrun are skipped or stopped
    model_batch: int  # images of the fixed batch each model trains on
    model_steps: int
    resume_images: int  # = the batch: one step per epoch
    torchrun_images: int
    torchrun_batch: int
    batch_sizes: tuple[int, ...]  # speed
    speed_steps: int
    warmup_steps: int
    compile_modes: tuple[bool, ...]
    workers: int  # the reference loop's DataLoader worker processes
    subprocess_timeout: float


SCALES = {
    "cuda": Scale(budget_seconds=460, model_batch=64, model_steps=5, resume_images=256, torchrun_images=4096,
                  torchrun_batch=512, batch_sizes=(512, 1024), speed_steps=20, warmup_steps=3,
                  compile_modes=(False, True), workers=min(8, os.cpu_count() or 2), subprocess_timeout=240),
    # torch.compile is left out on the CPU: compiling two ResNets there takes minutes.
    "cpu": Scale(budget_seconds=170, model_batch=4, model_steps=2, resume_images=8, torchrun_images=32,
                 torchrun_batch=16, batch_sizes=(4, 8), speed_steps=1, warmup_steps=1, compile_modes=(False,),
                 workers=2, subprocess_timeout=120),
}
CPU_NOTES = ["dry run on the CPU: tiny step counts and batch sizes (4 and 8 for the speed part, not 512 and 1024); "
             "the numbers prove the code path, not the GPU's speed",
             "torchrun uses the gloo backend (NCCL needs CUDA)",
             "torch.compile is measured on CUDA only (compiling takes minutes on a CPU)"]


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    """The command line, checked before any work: the device, the data folder (a mistake raises
    :class:`~helpers.errors.InvalidConfigError`, which :func:`main` prints as one line, exit 2)."""
    parser = OneLineArgumentParser(prog="python benchmarks/gpu_check.py", description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cuda", choices=DEVICES, help="cuda (default), or cpu for a dry run")
    parser.add_argument("--data-dir", default=None, help="folder holding CIFAR-10 (default: the library's lookup "
                                                         "order; else the embedded sample, else synthetic)")
    parser.add_argument("--out", default=None, help="the JSON report (default: benchmarks/results/"
                                                    "gpu_check_<device>.json)")
    parser.add_argument("--budget-seconds", type=float, default=None,
                        help="wall seconds for the whole check (default 460 on cuda, 170 on cpu); parts that "
                             "would overrun are skipped and say so")
    arguments = parser.parse_args(argv)
    if arguments.device == "cuda" and not torch.cuda.is_available():
        build = f"CUDA {torch.version.cuda} build" if torch.version.cuda else "CPU-only build"
        raise InvalidConfigError(f"--device cuda: no CUDA device is visible (torch {torch.__version__}, {build}); "
                                 "choose cuda on a machine with a GPU, or cpu for a dry run")
    if arguments.budget_seconds is not None and not arguments.budget_seconds > 0:
        raise InvalidConfigError(f"invalid --budget-seconds {arguments.budget_seconds:g}: expected a positive number")
    if arguments.data_dir is not None and not Path(arguments.data_dir).is_dir():
        raise InvalidConfigError(f"--data-dir {arguments.data_dir!r}: no such folder; give a folder that holds "
                                 "CIFAR-10, or leave it out")
    return arguments


def device_description(device: torch.device) -> dict:
    """The device, driver, CUDA, cuDNN and library versions, and the date."""
    description = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                   "versions": library_versions(), "cuda_runtime": torch.version.cuda}
    if device.type != "cuda":
        machine = machine_description()
        return {**description, "device": "cpu", "name": machine["cpu"], "threads": machine["torch_threads"],
                "driver": None}
    properties = torch.cuda.get_device_properties(device)
    return {**description, "device": "cuda", "name": properties.name, "capability": f"{properties.major}."
            f"{properties.minor}", "memory_gib": round(properties.total_memory / 2**30, 1),
            "device_count": torch.cuda.device_count(), "driver": nvidia_driver(),
            "cudnn": torch.backends.cudnn.version(), "bf16_native": properties.major >= 8}


def nvidia_driver() -> str:
    """The NVIDIA driver version, read with nvidia-smi ('unknown' without it)."""
    try:
        completed = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                                   capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown (nvidia-smi not available)"
    return completed.stdout.strip().splitlines()[0] if completed.returncode == 0 and completed.stdout.strip() \
        else "unknown"


def default_out(description: dict) -> Path:
    """``benchmarks/results/gpu_check_<device name>.json`` (``gpu_check_cpu.json`` on the CPU)."""
    name = "cpu" if description["device"] == "cpu" else re.sub(r"[^a-z0-9]+", "_", description["name"].lower())
    return RESULTS / f"gpu_check_{name.strip('_')}.json"


def run_correctness(check_data, device, scale: Scale, scratch: Path, data_dir: str | None, say) -> dict:
    """Every model on a fixed batch, the resume, torchrun and the batch runner."""
    models = []
    for case in correctness.model_cases():
        batch = reshaped(head(check_data.data, train=scale.model_batch, test=scale.model_batch),
                         in_channels=case["in_channels"], image_size=case["image_size"])
        models.append(correctness.check_model(case, batch, device, steps=scale.model_steps))
        say(f"  {case['model']:16s} {models[-1]['input']:8s} losses "
            + " ".join(f"{loss:.3f}" for loss in models[-1]["losses"]))
    resume = correctness.check_resume(head(check_data.data, train=scale.resume_images, test=scale.resume_images),
                                      device, scratch)
    say(f"  resume: next-step loss {resume['loss_resumed']:.6f} vs {resume['loss_uninterrupted']:.6f}")
    torchrun = correctness.check_torchrun(device, data_dir, scratch, train_images=scale.torchrun_images,
                                          batch_size=scale.torchrun_batch, timeout=scale.subprocess_timeout)
    say(f"  torchrun: {'ok' if torchrun['ok'] else 'FAILED'}")
    batch_runner = correctness.check_batch_runner(device, scratch / "batch", timeout=scale.subprocess_timeout)
    return {"fixed_batch": f"{scale.model_batch} images of {check_data.label}, resized (and made grey) to each "
                           "input size", "models": models, "resume": resume, "torchrun": torchrun,
            "batch_runner": batch_runner}


def main(argv: list[str] | None = None) -> int:
    """Run the check, print its table and write the JSON; exit 1 if a correctness check failed,
    2 with one line for a bad command line."""
    return run_command(lambda: _check(parse_arguments(argv)))


def _check(arguments: argparse.Namespace) -> int:
    started = time.perf_counter()
    device = torch.device(arguments.device)
    scale = SCALES[arguments.device]
    deadline = started + (arguments.budget_seconds or scale.budget_seconds)
    description = device_description(device)
    out = Path(arguments.out) if arguments.out else default_out(description)
    check_data = load_check_data(arguments.data_dir)
    result = {"device": description, "data": check_data.label, "data_kind": check_data.kind,
              "notes": CPU_NOTES if device.type == "cpu" else [], "scale": scale.__dict__,
              "budget_seconds": deadline - started}

    def say(line: str) -> None:
        print(line, flush=True)

    say(f"gpu check on {description['name']} ({arguments.device}); data: {check_data.label}")
    with tempfile.TemporaryDirectory(prefix="gpu_check_") as scratch:
        say("correctness ...")
        result["correctness"] = run_correctness(check_data, device, scale, Path(scratch), arguments.data_dir, say)
        write_json(out, result)
    say("speed ...")
    ceiling = speed.matmul_ceiling(device)
    tta_reserve = 0.45 * (deadline - time.perf_counter())  # what the compiled rows must leave to the last part
    result["matmul_tflops"] = ceiling
    result["speed"] = speed.measure_speed(check_data, device, batch_sizes=scale.batch_sizes, steps=scale.speed_steps,
                                          warmup_steps=scale.warmup_steps, compile_modes=scale.compile_modes,
                                          workers=scale.workers, bf16_tflops=ceiling["bf16"],
                                          deadline=deadline - tta_reserve)
    result["matmul_tflops_after"] = speed.matmul_ceiling(device)
    write_json(out, result)
    say("time to accuracy ...")
    result["time_to_accuracy"] = speed.time_to_accuracy(check_data, device, dry_run=device.type == "cpu",
                                                        deadline=deadline)
    result["goals"] = report.goals(result["speed"])
    result["passed"] = report.passed(result["correctness"])
    result["seconds"] = time.perf_counter() - started
    write_json(out, result)
    say(report.table(result))
    say(f"wrote {out} ({result['seconds']:.0f} s)")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
