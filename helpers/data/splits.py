"""Seeded choices of a dataset's indices: a stratified hold-out (:func:`stratified_split`) and a
class-balanced subset (:func:`balanced_subset`). Both draw on the CPU with their own generator, so
the same seed picks the same images on any device."""

from __future__ import annotations

import torch


def stratified_split(labels: torch.Tensor, fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Split indices of ``labels`` into ``(rest, held_out)`` with ``fraction`` of each class held out.

    Seeded and independent of device (computed on CPU). The two parts are disjoint, cover every
    index, and are each sorted. Per class, ``round(fraction * count)`` is held out, clamped so that
    every class with at least 2 samples keeps at least one on each side (a class of 1 stays in
    ``rest``); ``fraction=0`` holds out nothing.
    """
    if not 0 <= fraction < 1:
        raise ValueError(f"fraction={fraction!r} must be in [0, 1)")
    labels = _check_labels(labels)
    generator = torch.Generator().manual_seed(seed)
    rest, held = [torch.zeros(0, dtype=torch.int64)], [torch.zeros(0, dtype=torch.int64)]
    for label in torch.unique(labels):
        members = torch.nonzero(labels == label).flatten()
        members = members[torch.randperm(len(members), generator=generator)]
        count = len(members)
        num_held = int(fraction * count + 0.5)
        if fraction > 0 and count >= 2:
            num_held = min(max(num_held, 1), count - 1)
        elif count < 2:
            num_held = 0
        held.append(members[:num_held])
        rest.append(members[num_held:])
    return torch.cat(rest).sort().values, torch.cat(held).sort().values


def balanced_subset(labels: torch.Tensor, per_class: int, seed: int) -> torch.Tensor:
    """Sorted indices of a seeded random ``per_class`` samples of every class (all of a smaller class)."""
    if isinstance(per_class, bool) or not isinstance(per_class, int) or per_class < 1:
        raise ValueError(f"per_class={per_class!r} must be a positive integer")
    labels = _check_labels(labels)
    generator = torch.Generator().manual_seed(seed)
    chosen = [torch.zeros(0, dtype=torch.int64)]
    for label in torch.unique(labels):
        members = torch.nonzero(labels == label).flatten()
        chosen.append(members[torch.randperm(len(members), generator=generator)[:per_class]])
    return torch.cat(chosen).sort().values


def _check_labels(labels: torch.Tensor) -> torch.Tensor:
    labels = torch.as_tensor(labels).cpu()
    if labels.ndim != 1 or labels.dtype.is_floating_point or labels.dtype == torch.bool:
        raise ValueError(f"labels must be a 1-D integer tensor, got {labels.dtype} of shape {tuple(labels.shape)}")
    return labels
