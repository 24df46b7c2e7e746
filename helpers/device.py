"""Choosing the device and the numeric precision a run uses.

One code path serves CUDA, Apple MPS and the CPU; the config names a device ('auto' picks the
best available) and a precision ('auto' picks the fastest one the device runs well).
"""

from __future__ import annotations

import functools
import platform

import torch

from helpers.errors import InvalidConfigError

AUTOCAST_DTYPES = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}


def resolve_device(name: str = "auto") -> torch.device:
    """The torch device for ``name``: 'auto' picks cuda, then mps, then cpu.

    Asking for a device that is not available raises :class:`InvalidConfigError`, because a run
    silently falling back to the CPU would take hours longer than its user planned.
    """
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise InvalidConfigError("invalid device 'cuda': CUDA is not available here; use 'auto' or 'cpu'")
    if name == "mps" and not torch.backends.mps.is_available():
        raise InvalidConfigError("invalid device 'mps': MPS is not available here; use 'auto' or 'cpu'")
    return torch.device(name)


def device_name(device: torch.device) -> str:
    """The hardware behind ``device`` in words, for a run's record: the GPU's name (``NVIDIA H100
    80GB HBM3``), ``Apple GPU (mps)``, or the CPU's model name."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    if device.type == "mps":
        return "Apple GPU (mps)"
    from helpers.provenance import machine_description  # deferred: provenance is only needed here

    return machine_description()["cpu"]


@functools.cache
def cpu_has_bf16_instructions() -> bool:
    """Whether this CPU has native bf16 dot products (AVX512-BF16 or AMX), read from /proc/cpuinfo.

    Without them, bf16 autocast on the CPU is emulated and slower than fp32.
    """
    if platform.system() != "Linux":
        return False
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            flags = next((line for line in cpuinfo if line.startswith("flags")), "")
    except OSError:
        return False
    return bool({"avx512_bf16", "amx_bf16"} & set(flags.split()))


def resolve_precision(precision: str, device: torch.device) -> str:
    """The precision actually used: 'fp32', 'bf16' or 'fp16'.

    'auto' means bf16 autocast where the device computes it natively (recent CUDA GPUs, CPUs with
    AVX512-BF16/AMX), fp16 with a gradient scaler on older CUDA GPUs, and fp32 otherwise
    (including MPS, where autocast support varies between releases).
    """
    if precision != "auto":
        if precision == "fp16" and device.type == "cpu":
            raise InvalidConfigError("invalid precision 'fp16' on the CPU: use 'bf16' or 'fp32'")
        return precision
    if device.type == "cuda":
        # Without the emulation flag torch says yes on pre-Ampere GPUs (T4, V100), where bf16 is emulated and slow.
        return "bf16" if torch.cuda.is_bf16_supported(including_emulation=False) else "fp16"
    if device.type == "cpu" and cpu_has_bf16_instructions():
        return "bf16"
    return "fp32"


def autocast_dtype(precision: str) -> torch.dtype | None:
    """The autocast dtype of a resolved precision (None for fp32)."""
    return AUTOCAST_DTYPES[precision]
