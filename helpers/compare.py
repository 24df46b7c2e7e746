"""A paper's reported numbers beside this run's, and statistics over seeds.

Differences are in percentage points and signed as this run minus the paper, so a positive
difference means this run scored higher. The library stores accuracies as fractions while papers
often print percent; ``unit`` says what the paper's numbers are and ``run_unit`` (default: the
same) what this run's are, and the run's are shown in the paper's unit so that the two columns
read alike.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from helpers.errors import check_choice
from helpers.units import PERCENT_PER_UNIT, UNITS

COLUMNS = ("paper", "this run", "difference (points)")


def _to_float(value: float | None) -> float:
    """``value`` as a float; NaN for None or anything that is not a number."""
    if value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _check_units(unit: str, run_unit: str | None) -> tuple[str, str]:
    check_choice("unit", unit, UNITS)
    run_unit = unit if run_unit is None else check_choice("unit", run_unit, UNITS)
    return unit, run_unit


def paper_vs_run(
    paper: Mapping[str, float],
    run: Mapping[str, float | None],
    *,
    unit: str = "fraction",
    run_unit: str | None = None,
    label: str = "metric",
) -> pd.DataFrame:
    """One row per key of ``paper`` (in its order): paper value, this run's, difference in points.

    Columns are ``[label, 'paper', 'this run', 'difference (points)']``. Values are shown in the
    paper's ``unit`` ('fraction' or 'percent'); this run's values, given in ``run_unit``, are
    converted to it. The difference is always in percentage points (this run minus paper). A key
    missing from ``run``, or a None value, gives NaN rather than an error; keys only in ``run``
    are ignored.
    """
    unit, run_unit = _check_units(unit, run_unit)
    paper_scale, run_scale = PERCENT_PER_UNIT[unit], PERCENT_PER_UNIT[run_unit]
    rows = []
    for key, paper_value in paper.items():
        paper_shown = _to_float(paper_value)
        run_shown = _to_float(run.get(key)) * run_scale / paper_scale
        rows.append(
            {
                label: key,
                "paper": paper_shown,
                "this run": run_shown,
                "difference (points)": (run_shown - paper_shown) * paper_scale,
            }
        )
    return pd.DataFrame(rows, columns=[label, *COLUMNS])


def paper_vs_run_grid(
    paper: pd.DataFrame,
    run: pd.DataFrame,
    *,
    unit: str = "fraction",
    run_unit: str | None = None,
    row_label: str | None = None,
    column_label: str | None = None,
) -> pd.DataFrame:
    """A paper's table and this run's of the same layout, compared cell by cell, as a long frame.

    For example study 3's datasets x models grid of test accuracy. ``run`` is aligned on
    ``paper``'s index and columns: the paper's cells define the rows (row by row, in order) and
    a cell missing or None in ``run`` gives NaN. Columns are ``[row_label, column_label, 'paper',
    'this run', 'difference (points)']``; the labels default to the index and column names of
    ``paper`` (or 'row' and 'column'). Units as in :func:`paper_vs_run`.
    """
    unit, run_unit = _check_units(unit, run_unit)
    row_label = row_label or paper.index.name or "row"
    column_label = column_label or paper.columns.name or "column"
    paper_scale, run_scale = PERCENT_PER_UNIT[unit], PERCENT_PER_UNIT[run_unit]
    aligned = run.reindex(index=paper.index, columns=paper.columns)
    paper_values = paper.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    run_values = aligned.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    rows = []
    for i, row_key in enumerate(paper.index):
        for j, column_key in enumerate(paper.columns):
            paper_shown = paper_values[i, j]
            run_shown = run_values[i, j] * run_scale / paper_scale
            rows.append(
                {
                    row_label: row_key,
                    column_label: column_key,
                    "paper": paper_shown,
                    "this run": run_shown,
                    "difference (points)": (run_shown - paper_shown) * paper_scale,
                }
            )
    return pd.DataFrame(rows, columns=[row_label, column_label, *COLUMNS])


def mean_and_spread(values: Sequence[float]) -> dict[str, float | int]:
    """Mean, sample standard deviation (ddof=1; 0 for one value), min, max and n of ``values``.

    With no values, n is 0 and the statistics are NaN.
    """
    array = np.asarray([_to_float(value) for value in values], dtype=float)
    n = len(array)
    if n == 0:
        return {"mean": math.nan, "std": math.nan, "min": math.nan, "max": math.nan, "n": 0}
    return {
        "mean": float(array.mean()),
        "std": float(array.std(ddof=1)) if n > 1 else 0.0,
        "min": float(array.min()),
        "max": float(array.max()),
        "n": n,
    }


def format_mean_spread(values: Sequence[float], percent: bool = True, *, digits: int = 1) -> str:
    """'mean ± std (n=k)', e.g. '93.0 ± 0.3 (n=3)'; with ``percent`` fractions show as percent.

    A single value is shown without a spread ('93.0 (n=1)'), none as 'n/a (n=0)'.
    """
    stats = mean_and_spread(values)
    if stats["n"] == 0:
        return "n/a (n=0)"
    scale = 100.0 if percent else 1.0
    mean = f"{stats['mean'] * scale:.{digits}f}"
    if stats["n"] == 1:
        return f"{mean} (n=1)"
    return f"{mean} ± {stats['std'] * scale:.{digits}f} (n={stats['n']})"
