"""Pure tests of helpers.compare: differences in points, missing values, row order, seed stats."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from helpers.compare import (
    format_mean_spread,
    mean_and_spread,
    paper_vs_run,
    paper_vs_run_grid,
)
from helpers.errors import UnknownNameError


def test_paper_vs_run_fractions_give_points() -> None:
    frame = paper_vs_run(
        {"ResNet-18": 0.8294, "ResNet-50": 0.7604},
        {"ResNet-50": 0.80, "ResNet-18": 0.93},
        label="model",
    )
    assert list(frame.columns) == ["model", "paper", "this run", "difference (points)"]
    assert list(frame["model"]) == ["ResNet-18", "ResNet-50"]  # paper order, not run order
    assert list(frame["paper"]) == [0.8294, 0.7604]
    assert frame["difference (points)"].tolist() == pytest.approx([10.06, 3.96])


def test_paper_vs_run_percent_and_missing_values() -> None:
    frame = paper_vs_run(
        {"ResNet18": 93.02, "ResNetLarge": 92.73, "extra": 50.0},
        {"ResNet18": 92.5, "ResNetLarge": None, "ignored": 1.0},
        unit="percent",
    )
    assert list(frame["metric"]) == ["ResNet18", "ResNetLarge", "extra"]
    assert frame.loc[0, "difference (points)"] == pytest.approx(-0.52)
    assert math.isnan(frame.loc[1, "this run"]) and math.isnan(frame.loc[1, "difference (points)"])
    assert math.isnan(frame.loc[2, "difference (points)"])


def test_paper_vs_run_converts_run_fractions_to_paper_percent() -> None:
    frame = paper_vs_run({"test": 86.6}, {"test": 0.9}, unit="percent", run_unit="fraction")
    assert frame.loc[0, "this run"] == pytest.approx(90.0)
    assert frame.loc[0, "difference (points)"] == pytest.approx(3.4)


def test_paper_vs_run_rejects_unknown_unit() -> None:
    with pytest.raises(UnknownNameError, match="percent"):
        paper_vs_run({"a": 1.0}, {"a": 1.0}, unit="permille")


def test_paper_vs_run_grid_long_frame() -> None:
    paper = pd.DataFrame(
        {"AlexNet": [89.4, 77.6], "ResNet-18": [93.4, 89.3]},
        index=pd.Index(["Fashion-MNIST", "CIFAR-10"], name="dataset"),
    )
    run = pd.DataFrame(  # fractions, columns in another order, one cell missing
        {"ResNet-18": [0.94, None], "AlexNet": [0.90, 0.78]},
        index=["Fashion-MNIST", "CIFAR-10"],
    )
    frame = paper_vs_run_grid(paper, run, unit="percent", run_unit="fraction", column_label="model")
    assert list(frame.columns) == ["dataset", "model", "paper", "this run", "difference (points)"]
    assert list(zip(frame["dataset"], frame["model"])) == [
        ("Fashion-MNIST", "AlexNet"),
        ("Fashion-MNIST", "ResNet-18"),
        ("CIFAR-10", "AlexNet"),
        ("CIFAR-10", "ResNet-18"),
    ]
    assert frame["this run"].tolist()[:3] == pytest.approx([90.0, 94.0, 78.0])
    assert frame["difference (points)"].tolist()[:3] == pytest.approx([0.6, 0.6, 0.4])
    assert math.isnan(frame["difference (points)"].iloc[3])


def test_mean_and_spread() -> None:
    stats = mean_and_spread([0.92, 0.93, 0.94])
    assert stats["mean"] == pytest.approx(0.93)
    assert stats["std"] == pytest.approx(0.01)  # ddof=1
    assert (stats["min"], stats["max"], stats["n"]) == (0.92, 0.94, 3)
    assert mean_and_spread([0.5])["std"] == 0.0
    assert mean_and_spread([])["n"] == 0


def test_format_mean_spread() -> None:
    assert format_mean_spread([0.927, 0.930, 0.933]) == "93.0 ± 0.3 (n=3)"
    assert format_mean_spread([92.7, 93.3], percent=False) == "93.0 ± 0.4 (n=2)"
    assert format_mean_spread([0.93]) == "93.0 (n=1)"
    assert format_mean_spread([]) == "n/a (n=0)"
