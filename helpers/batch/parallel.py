"""``python -m helpers.batch --jobs N``: up to N study notebooks at once, one child process each.

Each study runs in its own ``python -m helpers.batch --only <study>`` child, so papermill's
logging and the kernel's environment stay per study. With GPUs, each child sees only its own
GPU (``CUDA_VISIBLE_DEVICES``), and N is capped at the number of GPUs; on a CPU the cores are
split between the children (``OMP_NUM_THREADS``), since oversubscribed torch threads spin and
slow everything down. Each child keeps its share to the end, so that a run's numbers (which move
a little with the thread count) do not depend on when another study finished. Children start a
few seconds apart: Jupyter kernels pick their TCP ports by probing for free ones, and two kernels
starting in the same instant can pick the same port.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from helpers.batch.records import StudyResult

STAGGER_SECONDS = 3.0  # between child starts: avoids the kernel-port race
POLL_SECONDS = 0.2


def visible_gpus() -> list[str]:
    """Ids of the CUDA devices this process may use (what ``CUDA_VISIBLE_DEVICES`` lists, if set).

    The GPUs are counted with ``nvidia-smi`` rather than torch: the batch layer loads no torch."""
    count = _nvidia_gpu_count()
    listed = [item.strip() for item in os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",") if item.strip()]
    return listed[:count] if listed else [str(index) for index in range(count)]


def _nvidia_gpu_count() -> int:
    if shutil.which("nvidia-smi") is None:
        return 0
    try:
        listing = subprocess.run(["nvidia-smi", "--list-gpus"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return 0
    return sum(line.startswith("GPU ") for line in listing.stdout.splitlines()) if listing.returncode == 0 else 0


CPU_JOBS = 2  # studies at once on a machine without GPUs (when it has at least two cores)


def default_jobs(gpus: Sequence[str], cores: int | None = None) -> int:
    """One job per GPU; on a machine without GPUs, :data:`CPU_JOBS` studies at once, each on its
    share of the ``cores`` (default: all of this machine's), or one where there is a single core.

    Two at once because small-batch training gains less from a second thread than from a second
    study (study 3's smoke notebook: 116 s on two threads, 179 s on one), and one study's
    one-threaded work (kernel start, imports, saving, figures, rendering) overlaps the other's
    training: on a 2-core Xeon the smoke job took 354 s two at a time (one thread each) against
    424 s one at a time (two threads)."""
    if gpus:
        return len(gpus)
    return max(1, min(CPU_JOBS, cores if cores is not None else (os.cpu_count() or 1)))


def child_environment(slot: int, jobs: int, gpus: Sequence[str]) -> dict[str, str]:
    """The environment of the child in ``slot`` (0-based): its own GPU, or its share of the cores."""
    environment = dict(os.environ)
    if gpus:
        environment["CUDA_VISIBLE_DEVICES"] = gpus[slot % len(gpus)]
    else:
        environment["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // jobs))
    return environment


def run_parallel(studies: Sequence[str], child_arguments: Sequence[str], results_dir: Path, *, jobs: int,
                 gpus: Sequence[str], stream: TextIO) -> list[StudyResult]:
    """Run each study in a child ``python -m helpers.batch`` with ``child_arguments``, at most
    ``jobs`` at once; return their results in study order. Children's output is passed through."""
    pending, running, results = list(studies), {}, {}
    free_slots = list(range(jobs))
    try:
        while pending or running:
            while pending and free_slots:
                study, slot = pending.pop(0), free_slots.pop(0)
                result_file = results_dir / f".{study}.result.json"
                result_file.unlink(missing_ok=True)
                command = [sys.executable, "-m", "helpers.batch", *child_arguments, "--only", study,
                           "--jobs", "1", "--result-file", str(result_file)]
                process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                           env=child_environment(slot, jobs, gpus))
                threading.Thread(target=_forward, args=(process.stdout, stream), daemon=True).start()
                running[process] = (study, slot, result_file)
                if pending and free_slots:
                    time.sleep(STAGGER_SECONDS)
            for process in [process for process in running if process.poll() is not None]:
                study, slot, result_file = running.pop(process)
                free_slots.append(slot)
                results[study] = _read_result(study, result_file, process.returncode)
            time.sleep(POLL_SECONDS)
    except BaseException:
        for process in running:
            process.terminate()
        raise
    return [results[study] for study in studies]


def _forward(source: TextIO, stream: TextIO) -> None:
    for line in source:
        print(line, end="", file=stream, flush=True)


def _read_result(study: str, result_file: Path, returncode: int) -> StudyResult:
    try:
        entries = json.loads(result_file.read_text(encoding="utf-8"))
        result_file.unlink()
        return StudyResult(**entries[0])
    except (OSError, ValueError, TypeError, IndexError):
        return StudyResult(study=study, notebook="", status="failed", wall_seconds=0.0,
                           error_name="ChildProcessError",
                           error_message=f"the batch process for study {study} exited with {returncode} "
                                         "without a result")
