"""Per-epoch checkpoints: everything a run needs to continue exactly where it stopped.

A checkpoint holds the model, optimizer, scheduler and gradient-scaler states, every random
generator the training touches, the history so far and the run's identity (its config and
labels). It is written atomically after each finished epoch, so a kill at any moment leaves the
previous epoch's checkpoint intact. It is read with ``weights_only=True``: plain containers and
tensors only, never arbitrary pickled objects.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from helpers.config import RESULT_NEUTRAL_FIELDS, nested_differences
from helpers.errors import CheckpointMismatchError, CorruptDataError
from helpers.io import save_tensors_atomic

CHECKPOINT_FORMAT = 1
# What a resume reads: a checkpoint without one of these is refused, not half-loaded.
CHECKPOINT_KEYS = ("identity", "model", "optimizer", "scheduler", "scaler", "rng", "history", "best_val_top1",
                   "best_state", "train_seconds", "train_images", "wall_seconds")
IGNORED_FOR_RESUME = RESULT_NEUTRAL_FIELDS  # a resume may change them


def run_identity(config_dict: dict[str, Any], labels: dict[str, Any] | None) -> dict[str, Any]:
    """What must match for a checkpoint to be resumed: the config (minus the result-neutral fields) and labels."""
    config = {key: value for key, value in config_dict.items() if key not in IGNORED_FOR_RESUME}
    if config.get("processes") == 1:  # as checkpoints written before configs named their processes say it
        del config["processes"]
    return {"config": config, "run": dict(labels or {})}


def resume_differences(recorded: dict[str, Any], wanted: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields in which a checkpoint's identity ``recorded`` differs from the run's ``wanted``
    (``name: (there, now)``), result-neutral config fields left out wherever a config appears: the
    identity repeats the run's spec, config included, under ``run``."""
    return {name: values for name, values in nested_differences(recorded, wanted).items()
            if not any(name.endswith(f"config.{field}") for field in IGNORED_FOR_RESUME)}


def save_checkpoint(path: str | os.PathLike, state: dict[str, Any]) -> Path:
    """Write ``state`` (plain containers and tensors) to ``path`` atomically."""
    return save_tensors_atomic(path, {"format": CHECKPOINT_FORMAT, **state})


def load_checkpoint(path: str | os.PathLike, identity: dict[str, Any]) -> dict[str, Any]:
    """Read a checkpoint safely and check it belongs to the run described by ``identity``.

    Raises :class:`CheckpointMismatchError` naming every field that differs, and
    :class:`~helpers.errors.CorruptDataError` for a file that is not a readable checkpoint.
    """
    path = Path(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # noqa: BLE001 - truncated zip, foreign pickle, ...: all mean unreadable
        raise CorruptDataError(f"checkpoint {path} cannot be read ({type(error).__name__}: {error}); "
                               "delete it to start the run afresh") from error
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        found = state.get("format") if isinstance(state, dict) else None
        raise CorruptDataError(f"{path} is not a checkpoint of this version of the library (format {found!r}, "
                               f"expected {CHECKPOINT_FORMAT}); delete it to start the run afresh")
    missing = [key for key in CHECKPOINT_KEYS if key not in state]
    if missing:
        raise CorruptDataError(f"checkpoint {path} lacks {', '.join(missing)}; delete it to start the run afresh")
    differences = resume_differences(state["identity"], identity)
    if differences:
        listed = "; ".join(f"{name}: {old!r} in the checkpoint, {new!r} now" for name, (old, new) in differences.items())
        raise CheckpointMismatchError(
            f"{path} belongs to a run with other settings ({listed}); resume with the same settings, "
            "or use another output folder (or force a fresh run) to start over"
        )
    return state


def rng_states(generator: torch.Generator) -> dict[str, Any]:
    """The states of every generator training draws from: torch's global CPU (and CUDA) ones and
    the engine's own (augmentation, shuffling, mixup)."""
    states = {"torch": torch.get_rng_state(), "engine": generator.get_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def restore_rng_states(states: dict[str, Any], generator: torch.Generator) -> None:
    """Put back what :func:`rng_states` recorded."""
    torch.set_rng_state(states["torch"])
    generator.set_state(states["engine"])
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])
