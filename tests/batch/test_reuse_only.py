"""--reuse-only: reports rendered from runs trained elsewhere, with nothing trained here."""

import os

import pytest

from helpers.batch.checks import chosen_specs
from helpers.batch.options import PROJECT_NOTEBOOKS, BatchOptions
from helpers.batch.reuse import REUSE_ONLY_ENV, check_reusable, missing_runs
from helpers.config import TrainConfig
from helpers.errors import InvalidConfigError
from helpers.runs import RunSpec, run_all
from helpers.runs.execute import REUSE_ONLY_ENV as RUNS_LAYER_ENV

SYNTHETIC = {"num_classes": 3, "image_size": 12, "channels": 1, "train_size": 24, "test_size": 12}


def tiny_spec(run_id="tiny"):
    return RunSpec(run_id=run_id, model="lenet5", dataset="synthetic", dataset_options={"synthetic_options": SYNTHETIC},
                   config=TrainConfig(epochs=1, batch_size=12, progress="none", device="cpu"))


def test_the_batch_layer_and_the_runs_layer_name_the_same_variable():
    assert REUSE_ONLY_ENV == RUNS_LAYER_ENV


def test_with_reuse_only_a_run_not_finished_is_refused_and_nothing_trains(tmp_path, monkeypatch):
    monkeypatch.setenv(REUSE_ONLY_ENV, "1")
    with pytest.raises(InvalidConfigError, match="run tiny has no finished run"):
        run_all([tiny_spec()], tmp_path)
    assert not (tmp_path / "runs" / "tiny" / "metrics.json").exists()


def test_with_reuse_only_a_finished_run_is_loaded(tmp_path, monkeypatch):
    [trained] = run_all([tiny_spec()], tmp_path)
    monkeypatch.setenv(REUSE_ONLY_ENV, "1")
    [loaded] = run_all([tiny_spec()], tmp_path)
    assert loaded.metrics["test_top1"] == trained.metrics["test_top1"]


@pytest.fixture
def no_reuse_only(monkeypatch):
    """$HELPERS_REUSE_ONLY unset, and unset again after the test whatever check_reusable set."""
    monkeypatch.setenv(REUSE_ONLY_ENV, "recorded")  # monkeypatch now restores the variable's absence
    monkeypatch.delenv(REUSE_ONLY_ENV)


def options_for(tmp_path, **changes):
    return BatchOptions(profile="smoke", notebooks={"01": PROJECT_NOTEBOOKS / "01_resnet18_vs_resnet50.ipynb"},
                        out=tmp_path / "outputs" / "smoke", reuse_only=True, **changes)


def test_check_reusable_names_the_runs_missing_before_any_kernel(tmp_path, no_reuse_only):
    options = options_for(tmp_path)
    planned = [spec.run_id for spec in chosen_specs("01", options)]
    assert planned and missing_runs(options, "01") == planned
    with pytest.raises(InvalidConfigError, match=f"study 01 at profile smoke has no finished run for {planned[0]}"):
        check_reusable(options)
    assert REUSE_ONLY_ENV not in os.environ


def test_check_reusable_finds_runs_trained_one_at_a_time_and_sets_the_variable(tmp_path, no_reuse_only):
    options = options_for(tmp_path)
    planned = [spec.run_id for spec in chosen_specs("01", options)]
    for run_id in planned:  # where python -m helpers.batch.train_runs / device_runs put them
        run = tmp_path / "outputs" / "smoke-runs" / "01" / "runs" / run_id
        run.mkdir(parents=True)
        (run / "metrics.json").write_text("{}")
    assert missing_runs(options, "01") == []
    check_reusable(options)
    assert os.environ[REUSE_ONLY_ENV] == "1"


def test_the_variable_set_by_a_test_does_not_outlive_it():
    assert REUSE_ONLY_ENV not in os.environ


def test_a_study_in_part_needs_only_its_chosen_runs(tmp_path):
    options = options_for(tmp_path, overrides={"runs": ["resnet18_*"]})
    chosen = [spec.run_id for spec in chosen_specs("01", options)]
    assert chosen and all(run_id.startswith("resnet18_") for run_id in chosen)
    assert missing_runs(options, "01") == chosen
