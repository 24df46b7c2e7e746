"""One writer per output folder: an advisory lock that names its holder, frees itself when the
holder dies, and guards both the training command line and the batch runner."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers.errors import FolderInUseError
from helpers.io import LOCK_NAME, folder_lock

HOLD = """
import sys, time
from helpers.io import folder_lock
with folder_lock(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(600)
"""


def _holder(folder: Path) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(folder)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "locked"
    return process


def test_a_second_holder_is_refused_with_the_first_ones_process_id(tmp_path):
    holder = _holder(tmp_path)
    try:
        with pytest.raises(FolderInUseError, match=rf"in use by process {holder.pid} \(started "):
            with folder_lock(tmp_path):
                pass
    finally:
        holder.kill()
        holder.wait()


def test_a_killed_holder_does_not_block(tmp_path):
    holder = _holder(tmp_path)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert (tmp_path / LOCK_NAME).exists()  # the stale file stays; the kernel released its lock
    with folder_lock(tmp_path):
        assert f"process {os.getpid()}" in (tmp_path / LOCK_NAME).read_text()


def test_wait_waits_for_the_holder(tmp_path):
    holder = _holder(tmp_path)
    start = time.perf_counter()
    subprocess.Popen(["sh", "-c", f"sleep 1; kill {holder.pid}"])
    with folder_lock(tmp_path, wait=True, poll_seconds=0.1):
        assert time.perf_counter() - start >= 0.5
    holder.wait()


def test_training_command_line_refuses_a_folder_in_use(tmp_path, capsys):
    from helpers.runs import cli

    out = tmp_path / "run"
    with folder_lock(out):
        code = cli.main(["--model", "lenet5", "--dataset", "synthetic", "--epochs", "1", "--out", str(out)])
    error = capsys.readouterr().err
    assert code == 2 and error.startswith(f"error: {out} is in use by process {os.getpid()}")
    assert len(error.strip().splitlines()) == 1 and not (out / "metrics.json").exists()


def test_batch_runner_refuses_a_profile_folder_in_use(tmp_path, capsys):
    from helpers import batch

    notebooks = Path(__file__).resolve().parents[1] / "notebooks"
    with folder_lock(tmp_path / "smoke"):
        code = batch.main(["--notebooks-dir", str(notebooks), "--out", str(tmp_path), "--only", "01"])
    error = capsys.readouterr().err
    assert code == 2 and error.startswith(f"error: {tmp_path / 'smoke'} is in use by process {os.getpid()}")
    assert sorted(path.name for path in (tmp_path / "smoke").iterdir()) == [LOCK_NAME]
