"""Tests of helpers.plots: each builder returns a Figure with the expected lines, axes, labels."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from helpers.errors import UnknownNameError
from helpers.plots import (
    plot_confusion_matrix,
    plot_curves,
    plot_grid_heatmap,
    plot_grouped_bars,
    plot_learning_rate,
)
from helpers.report_figures import save_figure

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _history(num_epochs: int = 3, with_val: bool = False) -> pd.DataFrame:
    epochs = np.arange(1, num_epochs + 1)
    frame = pd.DataFrame(
        {
            "epoch": epochs,
            "train_loss": 2.0 / epochs,
            "train_top1": 0.3 * epochs / num_epochs,
            "test_loss": 2.2 / epochs,
            "test_top1": 0.25 * epochs / num_epochs,
            "lr": 0.1 / epochs,
        }
    )
    if with_val:
        frame["val_loss"] = np.nan  # a split that was never evaluated
    return frame


def test_plot_curves_two_runs_two_splits_has_four_lines() -> None:
    figure = plot_curves({"resnet18": _history(), "resnet50": _history(with_val=True)}, "loss")
    assert isinstance(figure, Figure)
    (axes,) = figure.axes
    assert len(axes.lines) == 4  # the all-NaN val column and the missing one are skipped
    labels = [line.get_label() for line in axes.lines]
    assert labels == ["resnet18 train", "resnet18 test", "resnet50 train", "resnet50 test"]
    assert axes.lines[0].get_color() != axes.lines[2].get_color()  # a colour per run
    assert axes.lines[0].get_linestyle() != axes.lines[1].get_linestyle()  # a style per split
    assert not plt.get_fignums()  # nothing registered with pyplot


def test_plot_curves_accuracy_in_percent_with_paper_markers() -> None:
    paper = pd.Series([0.3311, 0.7497], index=[1, 11])
    one_epoch = [_history().iloc[0].to_dict()]  # a list of dicts is a history too
    figure = plot_curves(one_epoch, "top1", splits=("train",), paper={"r": paper})
    (axes,) = figure.axes
    assert len(axes.lines) == 2
    assert axes.lines[0].get_ydata()[0] == pytest.approx(10.0)  # 0.1 shown as percent
    np.testing.assert_allclose(axes.lines[1].get_ydata(), [33.11, 74.97])
    assert axes.lines[1].get_label() == "r (paper)"
    assert "%" in axes.get_ylabel()


def test_plot_curves_rejects_unknown_metric() -> None:
    with pytest.raises(UnknownNameError, match="loss"):
        plot_curves(_history(), "accuracy")


def test_plot_confusion_matrix_small_is_annotated() -> None:
    confusion = np.array([[5, 1, 0], [0, 3, 2], [0, 0, 0]])
    figure = plot_confusion_matrix(confusion, ["a", "b", "c"], normalize=True, title="test")
    axes = figure.axes[0]
    assert [label.get_text() for label in axes.get_xticklabels()] == ["a", "b", "c"]
    assert len(axes.texts) == 6  # the absent class's row is blank (NaN) after normalising
    assert axes.get_title() == "test"


def test_plot_confusion_matrix_101_classes_labels_every_class() -> None:
    names = [f"class_{index}" for index in range(101)]
    confusion = np.random.default_rng(0).integers(0, 5, size=(101, 101))
    figure = plot_confusion_matrix(confusion, names)
    axes = figure.axes[0]
    assert len(axes.get_xticklabels()) == 101 and len(axes.get_yticklabels()) == 101
    assert axes.get_yticklabels()[100].get_text() == "class_100"
    assert not axes.texts  # no annotations at this size
    assert figure.get_figwidth() > 15


def test_plot_learning_rate_one_line_per_run() -> None:
    figure = plot_learning_rate({"a": _history(), "b": _history(5)}, log_scale=True)
    axes = figure.axes[0]
    assert len(axes.lines) == 2 and axes.get_yscale() == "log"
    assert len(plot_learning_rate(_history()).axes[0].lines) == 1


def test_plot_grid_heatmap_pivots_long_frame() -> None:
    frame = pd.DataFrame(
        [(lr, momentum, lr * momentum) for lr in (0.1, 0.01, 0.001) for momentum in (0.8, 0.9)],
        columns=["lr", "momentum", "val_top1"],
    )
    figure = plot_grid_heatmap(frame, x="momentum", y="lr", value="val_top1", fmt=".2f")
    axes = figure.axes[0]
    assert len(axes.texts) == 6
    assert [label.get_text() for label in axes.get_xticklabels()] == ["0.8", "0.9"]
    assert axes.get_xlabel() == "momentum" and axes.get_ylabel() == "lr"


def test_plot_grouped_bars_with_paper_marks() -> None:
    frame = pd.DataFrame(
        {
            "dataset": ["MNIST", "MNIST", "CIFAR-10", "CIFAR-10"],
            "model": ["ResNet", "LeNet", "ResNet", "LeNet"],
            "test accuracy (%)": [99.5, 99.0, 85.0, 60.0],
            "paper": [99.665, 99.11, 86.6, 63.47],
        }
    )
    figure = plot_grouped_bars(
        frame, group="dataset", category="model", value="test accuracy (%)", paper_value="paper"
    )
    axes = figure.axes[0]
    assert len(axes.patches) == 4
    assert [label.get_text() for label in axes.get_xticklabels()] == ["MNIST", "CIFAR-10"]
    assert sum(isinstance(item, LineCollection) for item in axes.collections) == 2
    legend_labels = [text.get_text() for text in axes.get_legend().get_texts()]
    assert legend_labels == ["ResNet", "LeNet", "paper"]


def test_save_figure_writes_png_atomically(tmp_path) -> None:
    target = tmp_path / "figures" / "nested" / "curves.png"
    path = save_figure(plot_curves(_history(), "loss"), target, dpi=50)
    assert path == target
    assert target.read_bytes()[:8] == PNG_SIGNATURE
    assert [item.name for item in target.parent.iterdir()] == ["curves.png"]  # no temp file left
    save_figure(plot_curves(_history(), "top1"), target, dpi=50)  # overwrites in place
    assert target.read_bytes()[:8] == PNG_SIGNATURE


def test_epoch_axes_tick_whole_epochs_only() -> None:
    # Three epochs gave ticks at 1.00, 1.25, ... 3.00: a reader looked for epoch 1.25.
    for figure in (plot_curves(_history(3), "loss"), plot_learning_rate(_history(3))):
        axes = figure.axes[0]
        figure.canvas.draw()
        low, high = axes.get_xlim()
        ticks = [tick for tick in axes.get_xticks() if low <= tick <= high]
        assert ticks and all(float(tick).is_integer() for tick in ticks), ticks


def test_a_displayed_figure_carries_a_description_for_its_alt_text() -> None:
    from IPython.core.formatters import DisplayFormatter

    formatter = DisplayFormatter()
    titled = plot_curves({"resnet18": _history()}, "loss", splits=("train",), title="Figure 1: ResNet-18 loss")
    data, metadata = formatter.format(titled)
    assert data["image/png"][:8] == PNG_SIGNATURE
    assert metadata["image/png"]["alt"] == ("Figure 1: ResNet-18 loss: cross-entropy loss against epoch "
                                            "(resnet18 train)")
    # `%matplotlib inline` registers its own PNG printer for every Figure: the description still comes along.
    formatter.formatters["image/png"].for_type(Figure, lambda figure: b"png bytes")
    data, metadata = formatter.format(plot_confusion_matrix(np.eye(2, dtype=int), ["a", "b"]))
    assert data["image/png"] == b"png bytes"
    assert metadata["image/png"]["alt"] == "true class against predicted class"
    titled.suptitle("Figure 1 (cpu profile)")  # a title set after the figure was built, as reports do
    assert formatter.format(titled)[1]["image/png"]["alt"].startswith("Figure 1 (cpu profile): ")
