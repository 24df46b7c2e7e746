"""How much a finished run was still learning when it stopped: the rise of an accuracy over its
last epoch.

Two models ordered after a short run are ordered at that budget only: the one behind may be the
one that learns more slowly, not the one that ends worse. When the run behind gained on the other
in its last epoch (rose more) by more than the gap, one more such epoch could close or reverse it,
so the comparison is no verdict on a paper that trained for longer
(:func:`helpers.studies.common.claims.still_learning`). A one-epoch run has no earlier epoch (its
rise is counted from chance): one epoch never shows an ordering settled. Pure functions of the
history, like :mod:`helpers.runs.stability`.
"""

from __future__ import annotations

import pandas as pd


def last_epoch_rise(history: pd.DataFrame, num_classes: int, key: str = "test_top1") -> float | None:
    """How much ``key`` (an accuracy, a fraction) rose over the last epoch of the run with this
    ``history`` (one row per epoch): the last value minus the one before, or minus chance
    (1 / ``num_classes``) after one epoch. None when the history has no such column."""
    if history.empty or key not in history or num_classes < 1:
        return None
    values = history[key].astype(float).tolist()
    before = values[-2] if len(values) > 1 else 1 / num_classes
    return values[-1] - before


def run_last_epoch_rise(history: pd.DataFrame, metrics: dict, key: str = "test_top1") -> float | None:
    """:func:`last_epoch_rise` of a finished run from its history and metrics (the class count from
    ``metrics["classes"]``; 10 when a run did not record its classes)."""
    return last_epoch_rise(history, len(metrics.get("classes") or []) or 10, key)
