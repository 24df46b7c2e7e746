"""``python -m helpers.studies plan``: a study's planned runs written as spec.json files, chosen by
pattern, each trainable on its own with ``python -m helpers.runs --spec``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.errors import InvalidConfigError
from helpers.io import read_json
from helpers.runs import RunSpec, cli
from helpers.studies import plan_command
from helpers.studies import s02_plain_nets as study2
from helpers.studies import s04_caltech_tweaks as study4
from helpers.studies import s05_small_resnets as study5
from helpers.studies.common.parameters import StudyParameters, check_parameters
from helpers.studies.common.selection import run_names, select_runs

REPO = Path(__file__).resolve().parents[2]


def _parameters(profile: str = "smoke", **overrides) -> StudyParameters:
    return check_parameters(**{"profile": profile, "data_dir": None, "device": "auto", "seeds": [0], "epochs": None,
                               "batch_size": None, "output_dir": "unused", **overrides})


def _written(folder: Path) -> dict[str, RunSpec]:
    return {path.parent.name: RunSpec.from_dict(read_json(path)) for path in sorted(folder.glob("*/spec.json"))}


def test_names_of_a_run_are_its_id_its_label_values_and_the_papers_name():
    specs = {spec.run_id: spec for spec in study4.plan(_parameters())}
    assert run_names(specs["model_b_c_l_seed0"]) == ("model_b_c_l_seed0", "B+c+l", "Model-B", "c+l")
    assert run_names(specs["model_b_seed0"])[:2] == ("model_b_seed0", "B")


@pytest.mark.parametrize("patterns, expected", [
    (["B+c+l"], ["model_b_c_l_seed0"]),
    (["A+c+l", "model_b_c_l_seed0"], ["model_a_c_l_seed0", "model_b_c_l_seed0"]),
    (["C"], ["model_c_seed0"]),  # Model-C, not the cosine refinement c
    (["c"], ["model_a_c_seed0", "model_b_c_seed0"]),
    (["B+*m"], ["model_b_m_seed0", "model_b_c_m_seed0", "model_b_l_m_seed0", "model_b_c_l_m_seed0"]),
    (["model_[cd]_*", "D"], ["model_c_seed0", "model_d_seed0"]),
])
def test_select_runs_matches_ids_and_names_in_plan_order(patterns, expected):
    specs = study4.plan(_parameters())
    assert [spec.run_id for spec in select_runs(specs, patterns)] == expected
    assert select_runs(specs, None) == specs


def test_a_pattern_that_matches_no_run_is_refused_naming_some():
    with pytest.raises(InvalidConfigError, match=r"no run matches the pattern 'E\+c'.*model_a_seed0 \(A\)"):
        select_runs(study4.plan(_parameters()), ["B", "E+c"])


def test_plan_writes_exactly_the_chosen_specs(tmp_path, capsys):
    assert plan_command.main(["plan", "04", "--profile", "smoke", "--runs", "B+c+l", "--out", str(tmp_path)]) == 0
    planned = {spec.run_id: spec for spec in study4.plan(_parameters())}
    assert _written(tmp_path) == {"model_b_c_l_seed0": planned["model_b_c_l_seed0"]}
    table = capsys.readouterr().out
    assert "model_b_c_l_seed0" in table and "B+c+l" in table and "resnet50" in table and "caltech101" in table


def test_plan_takes_notebook_parameters_and_writes_both_phases_of_study_5(tmp_path, capsys):
    arguments = ["plan", "5", "-p", "seeds", "[0, 1]", "-p", "epochs", "1", "--out", str(tmp_path)]
    assert plan_command.main(arguments) == 0
    parameters = _parameters(seeds=[0, 1], epochs=1)
    expected = [*study5.tuning_plan(parameters), *study5.plan(parameters)]
    assert _written(tmp_path) == {spec.run_id: spec for spec in expected}
    assert "fallback values" in capsys.readouterr().out


def test_a_planned_run_trains_with_the_training_command_line(tmp_path, capsys):
    assert plan_command.main(["plan", "02", "--runs", "MNIST+LeNet", "--out", str(tmp_path)]) == 0
    folder = tmp_path / "mnist_lenet5_seed0"
    assert sorted(_written(tmp_path)) == ["mnist_lenet5_seed0"]
    assert cli.main(["--spec", str(folder / "spec.json"), "--samples", "--progress", "none", "--out", str(folder)]) == 0
    metrics = read_json(folder / "metrics.json")
    planned = next(spec for spec in study2.plan(_parameters()) if spec.run_id == "mnist_lenet5_seed0")
    assert metrics["model"] == "lenet5" and metrics["dataset"] == "mnist"
    assert metrics["epochs"] == planned.config.epochs  # trained for the planned epochs
    assert RunSpec.from_dict(read_json(folder / "spec.json")).config == planned.config.replace(progress="none")

    # Planned again, the finished run is kept; planned with other settings, it is refused.
    assert plan_command.main(["plan", "02", "--runs", "MNIST+LeNet", "--out", str(tmp_path)]) == 0
    assert "kept (finished run)" in capsys.readouterr().out
    other = planned.config.epochs + 1
    assert plan_command.main(["plan", "02", "--runs", "MNIST+LeNet", "-p", "epochs", str(other), "--out", str(tmp_path)]) == 2
    assert f"config.epochs: {planned.config.epochs} there, {other} now" in capsys.readouterr().err


@pytest.mark.parametrize("arguments, expected", [
    (["plan", "09"], "unknown study id '09'"),
    (["plan", "04", "--profile", "huge"], "unknown profile 'huge'"),
    (["plan", "04", "-p", "epoch", "3"], "unknown parameter 'epoch' (did you mean 'epochs'?)"),
    (["plan", "04", "-p", "epochs", "0"], "invalid epochs 0"),
    (["plan", "04", "-p", "profile", "quick"], "set profile with --profile, not with -p"),
    (["plan", "04", "--runs", "E+c"], "no run matches the pattern 'E+c'"),
    (["plan"], "the following arguments are required: study"),
])
def test_bad_input_is_one_line_and_writes_nothing(arguments, expected, tmp_path, capsys):
    out = tmp_path / "plan"
    assert plan_command.main([*arguments, "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert len(error.strip().splitlines()) == 1 and error.startswith("error: ") and expected in error
    assert not out.exists()


def test_the_module_runs_as_a_command(tmp_path):
    completed = subprocess.run([sys.executable, "-m", "helpers.studies", "plan", "04", "--profile", "quick",
                                "--runs", "B+c+l", "--out", str(tmp_path)], capture_output=True, text=True, cwd=REPO,
                               timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert "model_b_c_l_seed0" in completed.stdout
    assert json.loads((tmp_path / "model_b_c_l_seed0" / "spec.json").read_text())["config"]["epochs"] == 5
