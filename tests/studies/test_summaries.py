"""The time-to-accuracy table (:func:`helpers.studies.common.summaries.time_to_accuracy_table`) on
hand-made runs whose minutes are computed by hand, and its place in every study's tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers.config import TrainConfig
from helpers.runs import RunOutcome, RunSpec
from helpers.studies import registry
from helpers.studies.common.summaries import time_to_accuracy_table

from study_support import parameters
from test_studies import every_spec, fake_outcome  # hand-made runs of every study

CIFAR_COLUMNS = ["minutes to 80 %", "minutes to 85 %", "minutes to 89 %"]


def outcome(run_id: str, dataset: str, *, seconds, test_top1=None, val_top1=None, pinned=None, notes=(),
            labels=None) -> RunOutcome:
    """A finished run whose history has the given per-epoch seconds and top-1 columns."""
    history = {"epoch": np.arange(1, len(seconds) + 1), "seconds": seconds}
    if test_top1 is not None:
        history["test_top1"] = test_top1
    if val_top1 is not None:
        history["val_top1"] = val_top1
    spec = RunSpec(run_id=run_id, model="lenet5", dataset=dataset, config=TrainConfig(epochs=len(seconds)),
                   labels=dict(labels or {"model": "LeNet", "seed": 0}))
    return RunOutcome(spec=spec, history=pd.DataFrame(history), metrics={"data_notes": list(notes)}, pinned=pinned)


def test_minutes_sum_each_epochs_seconds_up_to_the_first_epoch_that_reaches_the_mark():
    run = outcome("cifar_run", "cifar10", seconds=[30.0, 60.0, 90.0, 120.0], test_top1=[0.70, 0.80, 0.79, 0.86],
                  pinned={"device": "cpu", "threads": 2})
    row = time_to_accuracy_table([run]).iloc[0]
    assert row["minutes to 80 %"] == pytest.approx(1.5)  # epoch 2 reaches 80 % exactly: (30 + 60) s
    assert row["minutes to 85 %"] == pytest.approx(5.0)  # epoch 4: (30 + 60 + 90 + 120) s; the dip at 3 is ignored
    assert row["minutes to 89 %"] == "not reached (best 86.0 %)"
    assert row["total minutes"] == pytest.approx(5.0)
    assert (row["run"], row["model"], row["seed"], row["dataset"]) == ("cifar_run", "LeNet", 0, "cifar10")
    assert (row["scored on"], row["device, threads"], row["data"]) == ("test", "cpu, 2 threads", "full")


def test_without_test_scores_the_validation_curve_is_used_and_said_so():
    run = outcome("mnist_run", "mnist", seconds=[12.0, 24.0], test_top1=[np.nan, np.nan], val_top1=[0.985, 0.991])
    row = time_to_accuracy_table([run]).iloc[0]
    assert row["scored on"] == "validation"
    assert row["minutes to 99 %"] == pytest.approx(0.6)  # (12 + 24) s
    assert row["minutes to 99.5 %"] == "not reached (best 99.1 %)"
    assert row["device, threads"] == "not pinned"  # a run made before runs pinned their threads


def test_several_datasets_share_one_table_with_each_runs_own_marks():
    cifar = outcome("cifar_run", "cifar10", seconds=[60.0, 60.0], test_top1=[0.81, 0.90],
                    pinned={"device": "cuda:0", "threads": None})
    mnist = outcome("mnist_run", "mnist", seconds=[6.0, 6.0], test_top1=[0.991, 0.996],
                    notes=["class-balanced subset: 2 train / 1 test images per class (seed 0)"])
    table = time_to_accuracy_table([cifar, mnist]).set_index("run")
    marks = [column for column in table.columns if column.startswith("minutes to")]
    assert marks == [*CIFAR_COLUMNS, "minutes to 99 %", "minutes to 99.5 %"]  # the union, lowest first
    assert table.loc["cifar_run", marks].tolist() == [1.0, 2.0, 2.0, "-", "-"]  # 81 %, then 90 %
    assert table.loc["mnist_run", marks].tolist() == ["-", "-", "-", 0.1, 0.2]
    assert table.loc["cifar_run", "device, threads"] == "cuda:0"
    assert table.loc["mnist_run", "data"] == "reduced: not the full dataset's minutes"
    assert list(table.columns)[-1] == "total minutes"


def test_synthetic_data_and_own_marks_and_a_history_without_times():
    run = outcome("synthetic_run", "cifar100", seconds=[np.nan, np.nan], test_top1=[0.30, 0.55],
                  notes=["synthetic stand-in: cifar100 is not on disk"])
    row = time_to_accuracy_table([run], marks={"cifar100": (0.5, 0.6)}).iloc[0]
    assert row["data"] == "synthetic stand-in: not the full dataset's minutes"
    assert math.isnan(row["minutes to 50 %"])  # reached at epoch 2, but the history recorded no times
    assert row["minutes to 60 %"] == "not reached (best 55.0 %)"
    assert math.isnan(row["total minutes"])


def test_a_label_only_some_runs_carry_stays_among_the_labels():
    grid = outcome("grid_run", "cifar10", seconds=[60.0], test_top1=[0.5],
                   labels={"model": "ResNetLarge", "lr": 0.1, "seed": 0})
    final = outcome("final_run", "cifar10", seconds=[60.0], test_top1=[0.5], labels={"model": "ResNetLarge", "seed": 0})
    assert list(time_to_accuracy_table([grid, final]).columns) == [
        "run", "model", "lr", "seed", "dataset", "data", "device, threads", "scored on", *CIFAR_COLUMNS,
        "total minutes"]


@pytest.mark.parametrize("study", registry.STUDIES, ids=lambda study: study.id)
def test_every_studys_tables_give_minutes_to_accuracy_for_every_run(study, tmp_path):
    module = study.module()
    tuning, final = every_spec(module, parameters(tmp_path))
    outcomes = [fake_outcome(spec) for spec in [*tuning, *final]]
    for run in outcomes:  # one minute per epoch
        run.history["seconds"] = 60.0
    table = module.tables(outcomes)["time_to_accuracy"]
    assert sorted(table["run"]) == sorted(spec.run_id for spec in [*tuning, *final])
    epochs = {run.spec.run_id: len(run.history) for run in outcomes}
    assert table.set_index("run")["total minutes"].to_dict() == {run: float(count) for run, count in epochs.items()}
