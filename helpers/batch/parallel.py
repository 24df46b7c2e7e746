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
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from helpers.batch.records import StudyResult

STAGGER_SECONDS = 3.0  # between child starts: avoids the kernel-port race
POLL_SECONDS = 0.2


def visible_gpus() -> list[str]:
    """Ids of the CUDA devices this process may use: what ``CUDA_VISIBLE_DEVICES`` lists, read as
    CUDA reads it (set but empty: none; the list ends at its first entry that names no device), else
    every GPU. The GPUs are counted with ``nvidia-smi`` rather than torch: the batch layer loads no torch."""
    count = _nvidia_gpu_count()
    setting = os.environ.get("CUDA_VISIBLE_DEVICES")
    if setting is None:
        return [str(index) for index in range(count)]
    visible = []
    for item in (item.strip() for item in setting.split(",")):
        if not (item.startswith(("GPU-", "MIG-")) or (item.isdigit() and int(item) < count)):
            break
        visible.append(item)
    return visible[:count]


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
    ``jobs`` at once; return their results in study order. Children's output is passed through.

    Ctrl-C reaches this process alone (the children start with it ignored): the children are then
    stopped with SIGTERM (each stops its notebook's kernel and keeps its attempt to continue), their
    output from then on is dropped, and the interrupt is raised here, so that the terminal shows one
    line, not one per child."""
    pending, running, results = list(studies), {}, {}
    free_slots = list(range(jobs))
    quiet = threading.Event()
    try:
        while pending or running:
            while pending and free_slots:
                study, slot = pending.pop(0), free_slots.pop(0)
                result_file = results_dir / f".{study}.result.json"
                result_file.unlink(missing_ok=True)
                command = [sys.executable, "-m", "helpers.batch", *child_arguments, "--only", study,
                           "--jobs", "1", "--result-file", str(result_file)]
                with _interrupts_ignored():  # inherited by the child, which keeps ignoring them
                    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                               env=child_environment(slot, jobs, gpus))
                threading.Thread(target=_forward, args=(process.stdout, stream, quiet), daemon=True).start()
                running[process] = (study, slot, result_file)
                if pending and free_slots:
                    time.sleep(STAGGER_SECONDS)
            for process in [process for process in running if process.poll() is not None]:
                study, slot, result_file = running.pop(process)
                free_slots.append(slot)
                results[study] = _read_result(study, result_file, process.returncode)
            time.sleep(POLL_SECONDS)
    except BaseException:
        quiet.set()
        _stop(list(running))
        raise
    return [results[study] for study in studies]


STOP_SECONDS = 30.0  # how long a stopped child may take to stop its kernel before it is killed


def _stop(processes: Sequence[subprocess.Popen]) -> None:
    """SIGTERM to each child (it stops its kernel and exits), then SIGKILL to any still running
    after :data:`STOP_SECONDS`."""
    for process in processes:
        process.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for process in processes:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def _interrupts_ignored():
    """SIGINT ignored while a child is started (a child inherits an ignored signal), where this
    is the main thread; elsewhere nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _forward(source: TextIO, stream: TextIO, quiet: threading.Event) -> None:
    for line in source:
        if not quiet.is_set():
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
