"""Figures built from data: each function returns a :class:`matplotlib.figure.Figure`.

Each is a :class:`helpers.report_figures.ReportFigure` (made by
:func:`helpers.report_figures.new_figure`: no pyplot, no global rcParams), which a notebook
displays by making it a cell's value; saving is :func:`helpers.report_figures.save_figure`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from helpers.errors import check_choice
from helpers.report_figures import new_figure

CURVE_METRICS = ("loss", "top1", "top5")
SHORT_HISTORY_EPOCHS = 20  # curves this short get a marker on every epoch
SPLIT_LINESTYLES = {"train": "-", "val": "--", "test": ":"}
METRIC_LABELS = {
    "loss": "cross-entropy loss",
    "top1": "top-1 accuracy (%)",
    "top5": "top-5 accuracy (%)",
}

History = pd.DataFrame | Sequence[Mapping[str, float]]


def _epoch_axis(axes: Axes) -> None:
    """Label the x axis 'epoch' and tick whole epochs only (a short run got ticks at 1.25, 1.5, ...)."""
    axes.set_xlabel("epoch")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))


def _as_frame(history: History) -> pd.DataFrame:
    """A history as a DataFrame with an ``epoch`` column (1-based row number when absent)."""
    frame = history if isinstance(history, pd.DataFrame) else pd.DataFrame(list(history))
    if "epoch" not in frame.columns:
        frame = frame.assign(epoch=np.arange(1, len(frame) + 1))
    return frame


def _as_runs(histories: Mapping[str, History] | History) -> dict[str, pd.DataFrame]:
    """Named histories; a single history gets the empty name."""
    if isinstance(histories, Mapping):
        return {str(name): _as_frame(history) for name, history in histories.items()}
    return {"": _as_frame(histories)}


def _run_colors(names: Sequence[str]) -> dict[str, tuple[float, float, float]]:
    """One colour per run name, stable in order of appearance."""
    palette = sns.color_palette("tab10", n_colors=max(len(names), 1))
    return {name: palette[index % len(palette)] for index, name in enumerate(names)}


def _label(run: str, detail: str) -> str:
    return f"{run} {detail}" if run else detail


def _paper_points(curve: pd.DataFrame | pd.Series, metric: str) -> pd.Series:
    """A paper curve as a Series indexed by epoch (frames are indexed by their ``epoch`` column)."""
    if isinstance(curve, pd.Series):
        return curve.dropna()
    for column in (metric, f"train_{metric}"):
        if column in curve.columns:
            return curve.set_index("epoch")[column].dropna()
    raise KeyError(
        f"paper curve has no column {metric!r} or 'train_{metric}'; columns: {list(curve.columns)}"
    )


def plot_curves(
    histories: Mapping[str, History] | History,
    metric: str = "loss",
    *,
    splits: Sequence[str] = ("train", "val", "test"),
    title: str | None = None,
    paper: Mapping[str, pd.DataFrame | pd.Series] | None = None,
) -> Figure:
    """Per-epoch curves of ``metric`` ('loss', 'top1', 'top5'): a colour per run, a style per split.

    A split whose column is missing or all NaN is skipped. Accuracies are drawn in percent.
    ``paper`` maps a run name to the paper's reported curve (a Series indexed by epoch, or a frame
    with ``epoch`` and ``metric`` or ``train_<metric>`` columns), in the same unit as the
    histories (fractions for accuracy); it is drawn as markers in that run's colour.
    """
    check_choice("metric", metric, CURVE_METRICS)
    for split in splits:
        check_choice("split", split, SPLIT_LINESTYLES)
    runs = _as_runs(histories)
    scale = 1.0 if metric == "loss" else 100.0
    names = list(runs) + [name for name in (paper or {}) if name not in runs]
    colors = _run_colors(names)
    figure, axes = new_figure((7, 4.5))
    for name, frame in runs.items():
        for split in splits:
            column = f"{split}_{metric}"
            if column not in frame.columns or frame[column].isna().all():
                continue
            points = frame[["epoch", column]].dropna()
            axes.plot(
                points["epoch"], points[column] * scale, color=colors[name],
                linestyle=SPLIT_LINESTYLES[split], label=_label(name, split),
                marker="." if len(points) <= SHORT_HISTORY_EPOCHS else None,  # a 1-epoch line is invisible
            )
    for name, curve in (paper or {}).items():
        points = _paper_points(curve, metric)
        axes.plot(
            points.index, points.to_numpy(dtype=float) * scale, color=colors[name],
            linestyle="none", marker="o", markerfacecolor="none", label=_label(name, "(paper)"),
        )
    _epoch_axis(axes)
    axes.set_ylabel(METRIC_LABELS[metric])
    if title:
        axes.set_title(title)
    if axes.lines:
        axes.legend(fontsize="small")
    return figure


def plot_confusion_matrix(
    confusion: np.ndarray,
    class_names: Sequence[str],
    *,
    normalize: bool = False,
    title: str | None = None,
) -> Figure:
    """Heatmap of a confusion matrix (rows = true class, columns = predicted), every class labelled.

    ``normalize`` divides each row by its count (classes with no samples stay blank). Cells are
    annotated up to 20 classes; beyond that the figure grows with the number of classes and the
    tick labels shrink so that all of them (e.g. Caltech-101's 101) stay legible.
    """
    confusion = np.asarray(confusion)
    num_classes = len(class_names)
    if confusion.shape != (num_classes, num_classes):
        raise ValueError(f"confusion must be [{num_classes}, {num_classes}]; got {confusion.shape}")
    values = confusion.astype(float)
    if normalize:
        row_sums = values.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            values = np.where(row_sums > 0, values / row_sums, np.nan)
    annotate = num_classes <= 20
    # ~0.18 inch (13 points) per cell leaves room for a 7-point label at 101 classes
    side = max(5.0, 0.18 * num_classes + 2.5)
    tick_size = 10 if num_classes <= 20 else 8 if num_classes <= 50 else 7
    figure, axes = new_figure((side + 1.0, side), style="white")
    sns.heatmap(
        values, ax=axes, cmap="Blues", square=True,
        annot=confusion if annotate and not normalize else annotate,
        fmt=".2f" if normalize else "d", annot_kws={"fontsize": 8},
        xticklabels=list(class_names), yticklabels=list(class_names),
        cbar_kws={"label": "fraction of true class" if normalize else "count", "shrink": 0.8},
    )
    axes.tick_params(labelsize=tick_size)
    for label in axes.get_xticklabels():
        label.set_rotation(90 if num_classes > 10 else 45)
        label.set_horizontalalignment("center" if num_classes > 10 else "right")
    for label in axes.get_yticklabels():
        label.set_rotation(0)
    axes.set_xlabel("predicted class")
    axes.set_ylabel("true class")
    if title:
        axes.set_title(title)
    return figure


def plot_learning_rate(
    history: Mapping[str, History] | History, *, log_scale: bool = False, title: str | None = None
) -> Figure:
    """Learning rate per epoch, one line per run; ``log_scale`` for step decays over decades."""
    runs = _as_runs(history)
    colors = _run_colors(list(runs))
    figure, axes = new_figure((6, 3.5))
    for name, frame in runs.items():
        if "lr" not in frame.columns:
            raise KeyError(f"history {name!r} has no 'lr' column; columns: {list(frame.columns)}")
        axes.plot(frame["epoch"], frame["lr"], color=colors[name], marker=".", label=name or "lr")
    _epoch_axis(axes)
    axes.set_ylabel("learning rate")
    if log_scale:
        axes.set_yscale("log")
    if title:
        axes.set_title(title)
    if len(runs) > 1:
        axes.legend(fontsize="small")
    return figure


def plot_grid_heatmap(
    frame: pd.DataFrame, *, x: str, y: str, value: str, title: str | None = None, fmt: str = ".3f"
) -> Figure:
    """Heatmap of ``value`` over the grid ``x`` by ``y``, from a long frame (a row per grid point).

    Repeated grid points (e.g. several seeds) are averaged. ``y`` increases upwards.
    """
    grid = frame.pivot_table(index=y, columns=x, values=value, aggfunc="mean")
    grid = grid.sort_index().sort_index(axis=1)
    figure, axes = new_figure((1.1 * grid.shape[1] + 3, 0.7 * grid.shape[0] + 2), style="white")
    sns.heatmap(grid, ax=axes, annot=True, fmt=fmt, cmap="viridis", cbar_kws={"label": value})
    axes.invert_yaxis()
    axes.tick_params(axis="y", labelrotation=0)
    axes.set_xlabel(x)
    axes.set_ylabel(y)
    if title:
        axes.set_title(title)
    return figure


def plot_grouped_bars(
    frame: pd.DataFrame,
    *,
    group: str,
    category: str,
    value: str,
    title: str | None = None,
    paper_value: str | None = None,
) -> Figure:
    """Bars of ``value`` per ``group`` (x positions), one bar per ``category`` within each group.

    Groups and categories keep their order of first appearance. ``paper_value`` names a column of
    the paper's numbers (same unit as ``value``), drawn as a black mark across each bar.
    """
    groups = list(pd.unique(frame[group]))
    categories = list(pd.unique(frame[category]))
    run = frame.pivot_table(index=group, columns=category, values=value, aggfunc="mean")
    run = run.reindex(index=groups, columns=categories)
    colors = _run_colors([str(name) for name in categories])
    width = 0.8 / max(len(categories), 1)
    positions = np.arange(len(groups))
    figure, axes = new_figure((max(6.0, 0.5 * len(groups) * len(categories) + 3), 4.5))
    handles = []
    for index, name in enumerate(categories):
        offsets = positions - 0.4 + width * (index + 0.5)
        bars = axes.bar(
            offsets, run[name].to_numpy(dtype=float), width=width, color=colors[str(name)],
            label=str(name),
        )
        handles.append(bars)
    if paper_value is not None and categories:
        paper = frame.pivot_table(index=group, columns=category, values=paper_value, aggfunc="mean")
        paper = paper.reindex(index=groups, columns=categories)
        for index, name in enumerate(categories):
            offsets = positions - 0.4 + width * (index + 0.5)
            marks = axes.hlines(
                paper[name].to_numpy(dtype=float), offsets - width / 2, offsets + width / 2,
                color="black", linewidth=2, zorder=3, label="paper",
            )
        handles.append(marks)
    axes.set_xticks(positions, [str(name) for name in groups])
    axes.set_xlabel(group)
    axes.set_ylabel(value)
    if title:
        axes.set_title(title)
    axes.legend(
        handles=handles, fontsize="small", title=category, loc="upper left", bbox_to_anchor=(1, 1)
    )
    return figure
