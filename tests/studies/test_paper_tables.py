"""Pure tests of helpers.studies.common.paper_tables: differences in points, missing values, row order."""

from __future__ import annotations

import math

import pytest

from helpers.studies.common.paper_tables import paper_vs_run
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
