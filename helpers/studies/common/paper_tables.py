"""A paper's reported numbers beside a run's, row by row (study 1's Tables 1-2 against its own
epochs). Differences are in percentage points, signed as this run minus the paper. The library
stores accuracies as fractions while papers often print percent; ``unit`` says what the paper's
numbers are and ``run_unit`` (default: the same) what the run's are, and the run's are shown in
the paper's unit so that the two columns read alike.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

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
