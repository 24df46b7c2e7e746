"""How much a run was still learning at its end: the last epoch's rise, from chance after one epoch."""

import pandas as pd
import pytest

from helpers.runs.settling import last_epoch_rise, run_last_epoch_rise


def test_the_rise_is_the_last_epoch_over_the_one_before():
    history = pd.DataFrame({"epoch": [1, 2, 3], "test_top1": [0.4, 0.7, 0.75], "val_top1": [0.5, 0.6, 0.58]})
    assert last_epoch_rise(history, 10) == pytest.approx(0.05)
    assert last_epoch_rise(history, 10, "val_top1") == pytest.approx(-0.02)  # a fall is a negative rise


def test_one_epoch_counts_from_chance_and_a_missing_column_gives_none():
    history = pd.DataFrame({"epoch": [1], "test_top1": [0.8]})
    assert last_epoch_rise(history, 10) == pytest.approx(0.7)
    assert last_epoch_rise(history, 100) == pytest.approx(0.79)
    assert last_epoch_rise(history, 10, "val_top1") is None
    assert last_epoch_rise(history.iloc[0:0], 10) is None
    assert run_last_epoch_rise(history, {"classes": ["a", "b"]}) == pytest.approx(0.3)  # two classes: chance 0.5
    assert run_last_epoch_rise(history, {}) == pytest.approx(0.7)  # no classes recorded: ten
