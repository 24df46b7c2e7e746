"""What makes two runs the same run, and what a finished run pins beside its spec.

A finished run is reused, instead of retrained, when its **identity** matches the run asked for:
its spec (model and variant, dataset and its options, the whole recipe: optimiser, schedule,
epochs, augmentation, seed, precision), the digest of the data it trained and was scored on, and
:data:`TRAINING_SEMANTICS`, a version bumped on purpose when a change to the library alters what
training computes (the loss, the schedule, the augmentation, the initialisation, the data order,
the evaluation). Everything else -- report, table and plot code, the commit -- may change without
retraining anything.

``spec.json`` records the spec and, under ``"pinned"``, what a reader needs to tell whether two
runs are comparable (:func:`pins`): the commit, the precision and threads it ran with, the Python,
torch and torchvision versions, the data digest and the training-semantics version. A run
finished before pinning existed has none; it is reused on its spec alone, and reports say its
pins are unknown.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from helpers.data.arrays import ImageDataset
from helpers.provenance import source_revision

TRAINING_SEMANTICS = 1  # bump when a change alters what training computes (see the module docstring)
PINNED_KEY = "pinned"  # spec.json's key for :func:`pins`


def data_digest(data: ImageDataset) -> str:
    """A SHA-256 of what the run trains and is scored on: every split's images and labels (after
    subsetting and resizing), the class names and the normalisation constants."""
    digest = hashlib.sha256()
    digest.update(repr((data.classes, data.mean, data.std)).encode())
    for name in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test"):
        tensor = getattr(data, name)
        digest.update(name.encode())
        if tensor is not None:
            array = np.ascontiguousarray(tensor.cpu().numpy())
            digest.update(repr((array.dtype.str, array.shape)).encode())
            digest.update(array.tobytes())
    return digest.hexdigest()


def pins(data_digest_value: str, metrics: Mapping[str, Any]) -> dict[str, Any]:
    """What a finished run pins beside its spec: the training-semantics version, the data digest,
    the commit (and whether the checkout had uncommitted changes), the precision, device and CPU
    threads it trained with and the library versions (from its ``metrics``)."""
    versions = metrics.get("versions") or {}
    revision = source_revision()
    return {"training_semantics": TRAINING_SEMANTICS, "data_digest": data_digest_value,
            "commit": revision["commit"], "uncommitted_changes": revision["uncommitted_changes"],
            "precision": metrics.get("precision"), "device": metrics.get("device"),
            "device_name": metrics.get("device_name"),
            "threads": metrics.get("cpu_threads"), "python": versions.get("python"),
            "torch": versions.get("torch"), "torchvision": versions.get("torchvision")}


def identity_mismatch(pinned: Mapping[str, Any] | None, digest_now: str | None) -> str | None:
    """Why a finished run with these ``pinned`` values is not the run asked for, or None when it
    is: another training-semantics version, or data whose digest differs from ``digest_now``. A
    run without pins (made before pinning) is judged on its spec alone."""
    if not pinned:
        return None
    if pinned.get("training_semantics") != TRAINING_SEMANTICS:
        return (f"it was trained under training semantics {pinned.get('training_semantics')}, "
                f"this library trains under {TRAINING_SEMANTICS}")
    if digest_now is not None and pinned.get("data_digest") not in (None, digest_now):
        return "its data digest differs from the data loaded now"
    return None


def describe_pins(pinned: Mapping[str, Any] | None) -> str:
    """One line for a report's method section: what the run pinned, or that it predates pinning."""
    if not pinned:
        return "not pinned (the run was made before runs recorded their commit and data digest)"
    commit = (pinned.get("commit") or "unknown")[:10] + (" with uncommitted changes" if pinned.get("uncommitted_changes")
                                                         else "")
    threads = f", {pinned['threads']} CPU threads" if pinned.get("threads") else ""
    hardware = f" ({pinned['device_name']})" if pinned.get("device_name") else ""
    return (f"commit {commit}; {pinned.get('precision')} on {pinned.get('device')}{hardware}{threads}; Python "
            f"{pinned.get('python')}, torch {pinned.get('torch')}, torchvision {pinned.get('torchvision')}; data "
            f"digest {str(pinned.get('data_digest'))[:12]}; training semantics {pinned.get('training_semantics')}")
