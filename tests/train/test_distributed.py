"""Data-parallel training with torchrun on the CPU (gloo): same numbers as one process, clear
failure when a rank dies, resume afterwards."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import torch

from helpers.train.distributed import DistributedContext

REPO = Path(__file__).resolve().parents[2]
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
# fp32 so that the only difference between one and two processes is the order of float sums.
RUN = ["-m", "helpers.runs", "--model", "lenet5", "--dataset", "synthetic", "--epochs", "3", "--batch-size", "64",
       "--lr", "0.05", "--scheduler", "onecycle", "--limit-train", "640", "--limit-test", "200", "--device", "cpu",
       "--precision", "fp32"]
LONGER_RUN = [*RUN[:RUN.index("--epochs")], "--epochs", "4", *RUN[RUN.index("--epochs") + 2:]]
LONGER_RUN[LONGER_RUN.index("--limit-train") + 1] = "6000"
LONGER_RUN += ["--checkpoint-seconds", "0"]  # a checkpoint after every epoch, for the kill below
# Stated tolerance between one and two processes (same global batch 64, same seed):
LOSS_TOLERANCE = 1e-3  # absolute, on per-epoch losses
ACCURACY_TOLERANCE = 0.01  # absolute, on per-epoch accuracies (2 of 200 test images)
TIMING = ["seconds", "images_per_second"]


def run(command, out: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*command, "--progress", "none", "--out", str(out)], cwd=REPO, capture_output=True,
                          text=True, timeout=600, **kwargs)


def test_shards_of_a_global_batch_cover_it_once():
    batch = torch.arange(13)
    shards = [DistributedContext(rank=rank, world_size=3).shard(batch) for rank in range(3)]
    assert torch.equal(torch.cat(shards), batch)
    assert [len(shard) for shard in shards] == [5, 4, 4]
    assert torch.equal(DistributedContext().shard(batch), batch)


@pytest.mark.slow
def test_two_processes_match_one_process_within_tolerance(tmp_path):
    single = run([sys.executable, *RUN], tmp_path / "one")
    assert single.returncode == 0, single.stderr
    double = run([*TORCHRUN, *RUN], tmp_path / "two")
    assert double.returncode == 0, double.stderr
    assert "2 processes" in double.stdout and double.stdout.count("test top-1") == 1  # only rank 0 prints

    one, two = (pd.read_csv(tmp_path / name / "history.csv") for name in ("one", "two"))
    assert list(one.columns) == list(two.columns) and len(one) == len(two) == 3
    for column in ("train_loss", "test_loss"):
        assert (one[column] - two[column]).abs().max() < LOSS_TOLERANCE, (column, one[column], two[column])
    for column in ("train_top1", "test_top1", "test_top5"):
        assert (one[column] - two[column]).abs().max() <= ACCURACY_TOLERANCE, (column, one[column], two[column])
    metrics = json.loads((tmp_path / "two" / "metrics.json").read_text())
    assert metrics["processes"] == 2 and metrics["num_train"] == 640
    columns = ["train_loss", "train_top1", "test_loss", "test_top1"]
    print(pd.concat({"one process": one[columns], "two processes": two[columns]}, axis=1).to_string())


def _worker_with_rank(parent: int, rank: int, deadline: float) -> int | None:
    """The pid of torchrun's worker with ``RANK=rank`` (a direct child of ``parent``)."""
    while time.monotonic() < deadline:
        try:
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            return None
        for child in children:
            try:
                environment = Path(f"/proc/{child}/environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if f"RANK={rank}".encode() in environment:
                return int(child)
        time.sleep(0.1)
    return None


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="finds torchrun's workers through /proc")
def test_a_killed_rank_fails_the_run_clearly_and_resume_finishes_it(tmp_path):
    out = tmp_path / "killed"
    process = subprocess.Popen([*TORCHRUN, *LONGER_RUN, "--progress", "none", "--out", str(out)], cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 600
    while not (out / "checkpoint.pt").exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    worker = _worker_with_rank(process.pid, 1, deadline)
    assert worker is not None, "rank 1 not found"
    os.kill(worker, signal.SIGKILL)
    _, stderr = process.communicate(timeout=600)
    assert process.returncode != 0
    assert "helpers.runs FAILED" in stderr and "rank" in stderr and "Signal 9 (SIGKILL)" in stderr
    assert not (out / "metrics.json").exists() and (out / "checkpoint.pt").exists()
    finished_epochs = len(torch.load(out / "checkpoint.pt", weights_only=True)["history"])
    assert 1 <= finished_epochs < 4

    resumed = run([*TORCHRUN, *LONGER_RUN], out)
    assert resumed.returncode == 0, resumed.stderr
    uninterrupted = run([*TORCHRUN, *LONGER_RUN], tmp_path / "whole")
    assert uninterrupted.returncode == 0, uninterrupted.stderr
    expected = pd.read_csv(tmp_path / "whole" / "history.csv").drop(columns=TIMING)
    got = pd.read_csv(out / "history.csv").drop(columns=TIMING)
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-6)


@pytest.mark.slow
def test_run_all_can_train_each_run_under_torchrun(tmp_path, capsys):
    from helpers.config import TrainConfig
    from helpers.runs import RunSpec, run_all

    # The processes are the config's: part of the run (each computes its own batch-norm statistics).
    config = TrainConfig(epochs=2, batch_size=32, lr=0.05, device="cpu", precision="fp32", progress="none",
                         processes=2)
    spec = RunSpec(run_id="lenet", model="lenet5", dataset="synthetic", config=config,
                   dataset_options={"train_per_class": 20, "test_per_class": 5})
    [outcome] = run_all([spec], tmp_path)
    assert outcome.metrics["processes"] == 2 and len(outcome.history) == 2
    assert "lenet5 on synthetic: test top-1" in capsys.readouterr().out  # the workers' output is passed on
    assert (tmp_path / "runs" / "lenet" / "model.pt").is_file()
    [again] = run_all([spec], tmp_path)  # finished: read back, not retrained
    assert again.metrics == outcome.metrics
