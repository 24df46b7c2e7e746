"""The command line's default recipe learns: LeNet-5 on 10,000 MNIST images for 2 epochs.

Claim under test (issue 11): with no recipe options, ``python -m helpers.runs --model lenet5
--dataset mnist --epochs 2 --limit-train 10000`` reaches at least 97 % test top-1, and one and two
processes under ``torchrun`` agree within 1 point. A benchmark of facts: it prints and records the
numbers (``benchmarks/results/default_recipe.json``); nothing here is a timed test.

    python benchmarks/default_recipe.py --data-dir ../shared/data [--seeds 0 1]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))
from helpers.data.locate import shared_data_dir  # noqa: E402
from helpers.io import write_json  # noqa: E402

COMMAND = ["-m", "helpers.runs", "--model", "lenet5", "--dataset", "mnist", "--epochs", "2", "--limit-train", "10000",
           "--no-download"]
TARGET, AGREEMENT_POINTS = 0.97, 1.0


def train(data_dir: str, out: Path, *, seed: int, processes: int) -> dict:
    """Run the default-recipe command (under torchrun for ``processes`` > 1); its metrics."""
    launcher = [sys.executable] + (["-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}"]
                                   if processes > 1 else [])
    command = [*launcher, *COMMAND, "--data-dir", data_dir, "--seed", str(seed), "--out", str(out)]
    subprocess.run(command, check=True, cwd=PROJECT_ROOT, capture_output=True, text=True,
                   env={**os.environ, "OMP_NUM_THREADS": "1"} if processes > 1 else None)  # 2 cores, 2 processes
    return json.loads((out / "metrics.json").read_text())


def main() -> int:
    """Train once per seed with one and with two processes; print and record top-1 and the verdicts."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=str(shared_data_dir()))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--out", default=str(PROJECT_ROOT / "benchmarks" / "results" / "default_recipe.json"))
    arguments = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for seed in arguments.seeds:
            for processes in (1, 2):
                metrics = train(arguments.data_dir, Path(scratch) / f"s{seed}p{processes}", seed=seed,
                                processes=processes)
                rows.append({"seed": seed, "processes": processes, "test_top1": metrics["test_top1"],
                             "augmentation": metrics.get("augmentation"), "wall_seconds": metrics["wall_seconds"]})
                print(f"seed {seed}, {processes} process(es): test top-1 {100 * metrics['test_top1']:.2f} %")
    one = [row["test_top1"] for row in rows if row["processes"] == 1]
    gaps = [100 * abs(a["test_top1"] - b["test_top1"]) for a in rows for b in rows
            if a["seed"] == b["seed"] and a["processes"] == 1 and b["processes"] == 2]
    result = {"command": "python " + " ".join(COMMAND), "runs": rows,
              "target_met": min(one) >= TARGET, "processes_agree": max(gaps) <= AGREEMENT_POINTS,
              "largest_gap_points": max(gaps)}
    print(f"min one-process top-1 {100 * min(one):.2f} % (target {100 * TARGET:.0f} %): "
          f"{'met' if result['target_met'] else 'not met'}; largest 1-vs-2-process gap {max(gaps):.2f} points")
    write_json(arguments.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
