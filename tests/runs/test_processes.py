"""How many processes train a run is part of the run: each computes its own batch-norm statistics
over its share of the batch, so a run trained data-parallel over two processes is not the run one
process trains. The count lives in the config (its identity, its checkpoint, the claims' recipe
comparison); a run recorded before the config named it had one process."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from helpers.config import TrainConfig
from helpers.errors import InvalidConfigError
from helpers.runs import RunOutcome, RunSpec, cli, save_run
from helpers.runs.spec import spec_differences
from helpers.studies.common import recipes
from helpers.studies.common.claims import recipe_differences
from helpers.studies.common.parameters import check_parameters
from helpers.train.checkpoint import run_identity
from helpers.train.distributed import SINGLE_PROCESS
from helpers.train.loop import train

COMMAND = ["--model", "lenet5", "--dataset", "synthetic", "--epochs", "1", "--device", "cpu", "--out", "unused"]


def _spec(**config) -> RunSpec:
    return RunSpec(run_id="r", model="lenet5", dataset="synthetic", config=TrainConfig(device="cpu", **config))


def test_a_run_recorded_before_processes_existed_is_the_one_process_run(tmp_path):
    folder = save_run(tmp_path / "old", _spec(), pd.DataFrame({"epoch": [1]}), {"test_top1": 0.5, "device": "cpu"})
    recorded = json.loads((folder / "spec.json").read_text())
    del recorded["config"]["processes"]  # as every spec.json written before this field
    (folder / "spec.json").write_text(json.dumps(recorded))
    assert spec_differences(folder, _spec()) is None
    assert spec_differences(folder, _spec(processes=2)) == "config.processes: 1 there, 2 now"


def test_the_checkpoint_identity_of_one_process_is_as_before_and_two_differ():
    one, two = (run_identity(TrainConfig(processes=count).to_dict(), None) for count in (1, 2))
    assert "processes" not in one["config"] and two["config"]["processes"] == 2


def test_two_runs_on_different_process_counts_are_trained_differently():
    def outcome(processes: int) -> RunOutcome:
        return RunOutcome(spec=_spec(processes=processes), history=None, metrics={})

    assert recipe_differences([outcome(1)], [outcome(2)]) == ["processes 1 vs 2"]
    assert recipe_differences([outcome(2)], [outcome(2)]) == []


def test_the_notebooks_torchrun_processes_go_into_every_config(tmp_path):
    recipe = recipes.Recipe(paper=dict(epochs=2, batch_size=64, optimizer="sgd", lr=0.1, weight_decay=0.0,
                                       augmentation="none"), stated=(), profiles={"cpu": dict(processes=2)})
    for profile, asked, expected in (("paper", 1, 1), ("paper", 4, 4), ("cpu", 1, 2), ("cpu", 4, 4)):
        parameters = check_parameters(profile=profile, data_dir=None, device="cpu", seeds=None, epochs=None,
                                      batch_size=None, output_dir=str(tmp_path), torchrun_processes=asked)
        assert recipes.train_config(recipe, parameters, seed=0).processes == expected, (profile, asked)


def test_the_command_line_takes_torchruns_processes_and_refuses_a_mismatch(monkeypatch):
    assert cli.spec_from_command_line(COMMAND).config.processes == 1
    with pytest.raises(InvalidConfigError, match="invalid processes 2: 1 process.*torchrun --nproc-per-node 2"):
        cli.spec_from_command_line([*COMMAND, "--processes", "2"])
    monkeypatch.setenv("WORLD_SIZE", "2")  # under torchrun: its count unless --processes says otherwise
    assert cli.spec_from_command_line(COMMAND).config.processes == 2
    with pytest.raises(InvalidConfigError, match="invalid processes 1: 2 process"):
        cli.spec_from_command_line([*COMMAND, "--processes", "1"])


def test_training_refuses_a_config_whose_processes_did_not_start():
    config = TrainConfig(device="cpu", processes=2)
    with pytest.raises(InvalidConfigError, match="invalid processes 2: this run was started with 1 process"):
        train(None, None, config, distributed=SINGLE_PROCESS)  # refused before the model or data is touched
