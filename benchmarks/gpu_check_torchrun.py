"""``gpu_check``'s torchrun step: run under ``torchrun --nproc_per_node=1``, train one epoch data-parallel.

With one process the library would train without a process group (``WORLD_SIZE`` 1 means a
single process), and NCCL would never be touched. So this worker joins the group itself (NCCL on
CUDA, gloo on the CPU), checks an all-reduce, and trains through the data-parallel path
(DistributedDataParallel, all-reduced epoch totals) as a group of one. Writes its result as JSON.

    torchrun --standalone --nproc_per_node=1 benchmarks/gpu_check_torchrun.py --device cuda --out r.json
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

import torch
import torch.distributed as dist

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from gpu_check_data import head, load_check_data  # noqa: E402

from helpers.config import TrainConfig  # noqa: E402
from helpers.io import write_json  # noqa: E402
from helpers.models import create_model  # noqa: E402
from helpers.train import train  # noqa: E402
from helpers.train.distributed import DistributedContext, shutdown  # noqa: E402


class GroupOfOne(DistributedContext):
    """A process group of one that still takes the data-parallel path (DDP, all-reduces)."""

    @property
    def enabled(self) -> bool:
        """Always: the point is to run the collective code on this device."""
        return True


def main() -> int:
    """Join the group, check an all-reduce, train one epoch; write the result to ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", choices=("cuda", "cpu"), required=True)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--train-images", type=int, required=True)
    parser.add_argument("--batch-size", type=int, required=True)
    parser.add_argument("--out", required=True)
    arguments = parser.parse_args()

    local_rank = int(os.environ["LOCAL_RANK"])
    device = torch.device("cuda", local_rank) if arguments.device == "cuda" else torch.device("cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)  # before NCCL starts, so that it binds this GPU
    backend = "nccl" if device.type == "cuda" else "gloo"
    dist.init_process_group(backend=backend)
    context = GroupOfOne(rank=dist.get_rank(), world_size=dist.get_world_size(), local_rank=local_rank)
    total = context.all_reduce_sum(torch.ones((), device=device))  # over NCCL on a GPU

    data = head(load_check_data(arguments.data_dir).data, train=arguments.train_images, test=arguments.batch_size)
    config = TrainConfig(epochs=1, batch_size=arguments.batch_size, lr=0.1, device=arguments.device, progress="none")
    start = time.perf_counter()
    try:
        result = train(create_model("resnet18", seed=0), data, config, distributed=context)
    finally:
        shutdown(context)
    loss = float(result.history["train_loss"].iloc[-1])
    write_json(arguments.out, {
        "backend": backend, "world_size": context.world_size, "all_reduce_ok": total.item() == context.world_size,
        "data_parallel": True, "epochs": len(result.history), "train_loss": loss, "finite": math.isfinite(loss),
        "train_images": len(data.y_train), "batch_size": arguments.batch_size, "device": result.metrics["device"],
        "precision": result.metrics["precision"], "seconds": time.perf_counter() - start})
    return 0


if __name__ == "__main__":
    sys.exit(main())
