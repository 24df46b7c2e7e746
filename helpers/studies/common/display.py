"""How a study notebook shows its tables and figures: one format for every report.

Accuracies are fractions everywhere in the library; a reader sees them as percentages with two
decimals, gaps between accuracies as signed points, and every text cell whole (no truncation).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pandas as pd
from matplotlib.figure import Figure
from pandas.io.formats.style import Styler

# Columns holding accuracies as fractions: their names mention top-1, top-5 or accuracy (a loss
# column never does). Others can be named with ``percent=``.
_ACCURACY_NAME = re.compile(r"top-?[15]|accuracy", re.IGNORECASE)
_POINTS_NAME = re.compile(r"\(points\)|points\b", re.IGNORECASE)
# An uncertainty in points ("± 1 SE (points)", "seed sd (points)") has no sign to show.
_SPREAD_NAME = re.compile(r"±|\bSE\b|\bsd\b")


def percent_columns(frame: pd.DataFrame) -> list[str]:
    """The columns :func:`show_table` shows as percentages by default: numeric, named like an
    accuracy (top-1, top-5, accuracy, not loss or points), every value within [0, 1]."""
    chosen = []
    for column in frame.columns:
        name, values = str(column), frame[column]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        if (_ACCURACY_NAME.search(name) and not _POINTS_NAME.search(name) and "loss" not in name.lower()
                and values.dropna().between(0, 1).all()):
            chosen.append(column)
    return chosen


def show_table(frame: pd.DataFrame, *, precision: int = 4, percent: Sequence[str] | None = None,
               points: Sequence[str] | None = None) -> Styler:
    """``frame`` styled for a report: accuracy columns (``percent``; default
    :func:`percent_columns`) as percentages with two decimals, gap columns (``points``; default:
    names with "points") as signed points (an uncertainty, named with "±", "SE" or "sd", without a
    sign), other numbers with ``precision`` decimals, 'n/a' for missing values, long text wrapped
    rather than cut, no row numbers (a named index becomes the first columns).
    ``display(show_table(a), show_table(b))`` shows several."""
    if any(name is not None for name in frame.index.names):
        frame = frame.reset_index()
    percent = percent_columns(frame) if percent is None else [c for c in percent if c in frame.columns]
    points = [c for c in frame.columns if _POINTS_NAME.search(str(c))] if points is None else list(points)
    points = [c for c in points if pd.api.types.is_numeric_dtype(frame[c])]
    formats = {**{c: _as_percent for c in percent},
               **{c: _as_spread if _SPREAD_NAME.search(str(c)) else _as_signed_points for c in points}}
    others = [column for column in frame.columns if column not in formats]
    styler = frame.style.format(precision=precision, na_rep="n/a", subset=others) if others else frame.style
    if formats:
        styler = styler.format(formats, subset=list(formats))
    return (styler.hide(axis="index")
            .set_properties(**{"white-space": "normal", "max-width": "40em"}))


def _as_percent(value: float) -> str:
    return "n/a" if pd.isna(value) else f"{100 * value:.2f} %"


def _as_signed_points(value: float) -> str:
    return "n/a" if pd.isna(value) else f"{value:+.2f}"


def _as_spread(value: float) -> str:
    return "n/a" if pd.isna(value) else f"{value:.2f}"


class ReportFigures(dict):
    """A study's figures by name; a name that is missing (its runs did not train: the study ran
    in part) gives a small figure saying so instead of a KeyError, so the notebook's display cells
    run unchanged. Only the figures that exist are saved."""

    def __missing__(self, name: str) -> Figure:
        figure = Figure(figsize=(6, 0.8))
        figure.text(0.5, 0.5, f"{name}: not run (the study ran in part; see the banner at the top)",
                    ha="center", va="center", fontsize=10, color="#555555")
        return figure


def with_profile(figures: Mapping[str, Figure], profile: str) -> ReportFigures:
    """The same figures with ``(<profile> profile)`` added to every title, so that a figure copied
    out of its report still says which profile made it; a missing name gives a 'not run'
    placeholder (:class:`ReportFigures`)."""
    for figure in figures.values():
        if figure._suptitle is not None:  # noqa: SLF001 - matplotlib keeps the suptitle only here
            figure.suptitle(f"{figure._suptitle.get_text()} ({profile} profile)")
            continue
        for axes in figure.axes[:1]:
            axes.set_title(f"{axes.get_title()} ({profile} profile)".strip())
    return ReportFigures(figures)
