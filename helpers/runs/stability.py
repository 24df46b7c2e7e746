"""Whether a finished run trained stably: a run that diverged or collapsed back to chance is no
evidence for or against a claim (its comparisons are "not decided: run unstable").

A run is **unstable** when, in its per-epoch history, a loss is not finite; or a test (or
validation) loss after an epoch exceeds :data:`LOSS_LIMIT_MULTIPLE` times ln(classes), ten times
what a uniform guess costs; or its test accuracy, after learning (at its best at least a quarter of
the way from chance to perfect), falls back to chance (within a twentieth of the way) at the end.
Pure functions of the history, so runs finished before this check existed are judged alike.
"""

from __future__ import annotations

import math

import pandas as pd

LOSS_LIMIT_MULTIPLE = 10.0
LEARNED_FRACTION = 0.25  # of the way from chance to 100 %: the run had learned
FALLEN_FRACTION = 0.05  # ... and ended within this fraction of chance: it fell back


def instability(history: pd.DataFrame, num_classes: int) -> str | None:
    """Why the run with this ``history`` (one row per epoch) is unstable, or None when it is not."""
    if history.empty or num_classes < 2:
        return None
    for column in ("train_loss", "val_loss", "test_loss"):
        if column in history and not all(math.isfinite(value) for value in history[column].astype(float)):
            epoch = int(history["epoch"][~history[column].astype(float).map(math.isfinite)].iloc[0])
            return f"its {column.replace('_', ' ')} is not finite at epoch {epoch}"
    limit = LOSS_LIMIT_MULTIPLE * math.log(num_classes)
    for column in ("val_loss", "test_loss"):
        if column in history and (history[column] > limit).any():
            row = history[history[column] > limit].iloc[0]
            return (f"its {column.replace('_', ' ')} after epoch {int(row['epoch'])} is {row[column]:.3g}, over ten times "
                    f"ln({num_classes}) = {limit:.1f}")
    if "test_top1" in history:
        chance = 1 / num_classes
        best, final = float(history["test_top1"].max()), float(history["test_top1"].iloc[-1])
        if best - chance >= LEARNED_FRACTION * (1 - chance) and final - chance <= FALLEN_FRACTION * (1 - chance):
            return (f"its test top-1 reached {100 * best:.1f} % and fell back to {100 * final:.1f} % (chance "
                    f"{100 * chance:.1f} %)")
    return None


def run_instability(history: pd.DataFrame, metrics: dict) -> str | None:
    """:func:`instability` of a finished run from its history and metrics (the class count from
    ``metrics["classes"]``; 10 when a run did not record its classes)."""
    return instability(history, len(metrics.get("classes") or []) or 10)
