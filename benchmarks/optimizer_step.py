"""Optimizer step time on the CPU: torch's fused kernels against foreach.

Claim under test: on the CPU, ``fused=True`` SGD (momentum, Nesterov, weight decay) and Adam step
the parameters of the studies' largest models several times faster than ``foreach=True``, which
is why :func:`helpers.train.optim.build_optimizer` uses fused on the CPU as on CUDA. The two sides
alternate within one run (this machine's speed drifts); medians and the range over repeats are
printed and written to ``benchmarks/results/optimizer_step.json``. A benchmark of facts, not a test.

    python benchmarks/optimizer_step.py [--repeats 5] [--steps 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))
from helpers.io import write_json  # noqa: E402
from helpers.models import create_model  # noqa: E402

MODELS = ("resnet50", "alexnet", "vgg19")
OUTPUT = PROJECT_ROOT / "benchmarks" / "results" / "optimizer_step.json"


def make_optimizer(kind: str, name: str, parameters: list[torch.nn.Parameter]) -> torch.optim.Optimizer:
    """SGD (the studies' settings) or Adam over ``parameters``, with ``kind`` 'fused' or 'foreach'."""
    if name == "sgd":
        return torch.optim.SGD(parameters, lr=0.01, momentum=0.9, nesterov=True, weight_decay=5e-4, **{kind: True})
    return torch.optim.Adam(parameters, lr=1e-4, **{kind: True})


def step_milliseconds(optimizer: torch.optim.Optimizer, steps: int) -> float:
    """Mean wall time of one ``optimizer.step()`` over ``steps`` steps, after one warm-up step."""
    optimizer.step()
    start = time.perf_counter()
    for _ in range(steps):
        optimizer.step()
    return (time.perf_counter() - start) / steps * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=5)
    arguments = parser.parse_args()
    torch.manual_seed(0)
    rows = []
    for model_name in MODELS:
        parameters = list(create_model(model_name, 10, 3).parameters())
        for parameter in parameters:
            parameter.grad = torch.randn_like(parameter)
        for optimizer_name in ("sgd", "adam"):
            times: dict[str, list[float]] = {"foreach": [], "fused": []}
            for _ in range(arguments.repeats):  # alternate the two sides
                for kind in times:
                    times[kind].append(step_milliseconds(make_optimizer(kind, optimizer_name, parameters),
                                                         arguments.steps))
            medians = {kind: statistics.median(values) for kind, values in times.items()}
            rows.append({"model": model_name, "parameters": sum(p.numel() for p in parameters),
                         "optimizer": optimizer_name,
                         **{f"{kind}_ms_median": round(medians[kind], 2) for kind in times},
                         **{f"{kind}_ms_range": [round(min(v), 2), round(max(v), 2)] for kind, v in times.items()},
                         "speedup_median": round(medians["foreach"] / medians["fused"], 2)})
            print(f"{model_name:9s} {optimizer_name:5s} foreach {medians['foreach']:7.1f} ms  fused "
                  f"{medians['fused']:7.1f} ms  x{rows[-1]['speedup_median']:.1f}")
    write_json(OUTPUT, {"torch": torch.__version__, "threads": torch.get_num_threads(),
                        "repeats": arguments.repeats, "steps": arguments.steps, "rows": rows})
    print(f"wrote {OUTPUT.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
