"""Which data a study was made from, and whether that data is still what is on disk: a study whose
datasets changed (full data in place of the samples, a file replaced) is not "unchanged" to the
batch runner even when its notebook and parameters are."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from helpers.data.locate import data_identity, locate_dataset
from helpers.errors import HelpersError


def data_origins(metrics: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Every distinct dataset origin (dataset, kind, path, samples) that a study's runs recorded
    in its ``metrics.json``, in first-seen order."""
    origins: list[dict[str, Any]] = []
    for run in ((metrics or {}).get("runs") or {}).values():
        origin = run.get("data_origin") if isinstance(run, dict) else None
        if isinstance(origin, dict) and origin not in origins:
            origins.append(origin)
    return origins


def data_state(origins: Sequence[Mapping[str, Any]], data_dir: str | os.PathLike | None) -> list[dict[str, Any]]:
    """Where each dataset of ``origins`` would be found now, and what it holds there (see
    :func:`helpers.data.locate.data_identity`): a study made from other data is not "unchanged"."""
    state = []
    for origin in origins:
        name, samples = origin.get("dataset"), bool(origin.get("samples"))
        if origin.get("kind") == "synthetic":
            state.append({"dataset": name, "kind": "synthetic"})
            continue
        try:
            kind, path = locate_dataset(name, data_dir=data_dir, samples=samples)
        except (HelpersError, KeyError):
            state.append({"dataset": name, "samples": samples, "found": False})
            continue
        state.append({"dataset": name, "samples": samples, **data_identity(kind, path)})
    return state
