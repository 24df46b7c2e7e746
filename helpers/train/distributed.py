"""Data-parallel training across processes started by ``torchrun`` (DistributedDataParallel).

``torchrun --nproc_per_node=N`` over the training command line starts N processes with ``RANK``,
``WORLD_SIZE`` and ``LOCAL_RANK`` set; :func:`context_from_environment` joins them into one
process group (NCCL on CUDA, gloo on the CPU). Every rank holds the whole training set on its
device and draws the same shuffled order and the same augmentation for each global batch, then
keeps its own contiguous share of the batch: the shards never overlap, are reshuffled every
epoch, and together are exactly the batch one process would have trained on. Gradients are
averaged by DDP; the epoch's loss and accuracy sums are all-reduced; only rank 0 writes.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from helpers.errors import InvalidConfigError

ENVIRONMENT_KEYS = ("RANK", "WORLD_SIZE", "LOCAL_RANK")


@dataclass(frozen=True)
class DistributedContext:
    """This process's place in a data-parallel run (a single process is rank 0 of 1)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        """Whether this process writes files and prints progress (rank 0)."""
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        """Whether there is more than one process."""
        return self.world_size > 1

    def shard(self, batch: torch.Tensor) -> torch.Tensor:
        """This rank's contiguous share of a global batch (shares differ by at most one item)."""
        if not self.enabled:
            return batch
        return torch.tensor_split(batch, self.world_size)[self.rank]

    def all_reduce_sum(self, tensor: torch.Tensor) -> torch.Tensor:
        """``tensor`` summed over all ranks (in place; returned for convenience)."""
        if self.enabled:
            dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        return tensor

    def all_reduce_max(self, tensor: torch.Tensor) -> torch.Tensor:
        """``tensor``'s maximum over all ranks (in place; returned for convenience)."""
        if self.enabled:
            dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
        return tensor

    def barrier(self) -> None:
        """Wait until every rank gets here."""
        if self.enabled:
            dist.barrier()


SINGLE_PROCESS = DistributedContext()


def launched_by_torchrun() -> bool:
    """Whether the environment describes a multi-process run (``WORLD_SIZE`` > 1)."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def context_from_environment(device_type: str, *, timeout_seconds: float = 600) -> DistributedContext:
    """Join the process group that ``torchrun`` set up, or describe a single process.

    The backend is NCCL for CUDA and gloo otherwise. A missing variable raises
    :class:`~helpers.errors.InvalidConfigError` naming it.
    """
    if not launched_by_torchrun():
        return SINGLE_PROCESS
    missing = [key for key in ENVIRONMENT_KEYS if key not in os.environ]
    if missing:
        raise InvalidConfigError(f"WORLD_SIZE > 1 but {', '.join(missing)} not set: launch with torchrun")
    context = DistributedContext(rank=int(os.environ["RANK"]), world_size=int(os.environ["WORLD_SIZE"]),
                                 local_rank=int(os.environ["LOCAL_RANK"]))
    if not dist.is_initialized():
        backend = "nccl" if device_type == "cuda" else "gloo"
        dist.init_process_group(backend=backend, timeout=datetime.timedelta(seconds=timeout_seconds))
    return context


def distributed_device(device: torch.device, context: DistributedContext) -> torch.device:
    """Each rank's own GPU (``cuda:LOCAL_RANK``); other device types are shared as they are."""
    if device.type == "cuda" and context.enabled:
        torch.cuda.set_device(context.local_rank)
        return torch.device("cuda", context.local_rank)
    return device


def check_batch_size(batch_size: int, context: DistributedContext) -> None:
    """A global batch must give every rank at least one image."""
    if context.enabled and batch_size < context.world_size:
        raise InvalidConfigError(
            f"invalid batch_size {batch_size}: expected at least one image per process ({context.world_size} processes)"
        )


def shutdown(context: DistributedContext) -> None:
    """Leave the process group (at the end of a run)."""
    if context.enabled and dist.is_initialized():
        dist.destroy_process_group()
