"""``benchmarks/gpu_check.py``: the dry run on the CPU writes a complete report; bad input is refused
in one line with exit status 2; its tables agree with the studies they stand for."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "benchmarks" / "gpu_check.py"
sys.path.insert(0, str(REPO / "benchmarks"))


def run_check(*arguments: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *arguments], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory):
    """One dry run on the CPU (about 2 minutes on 2 cores): its JSON report and printed output."""
    out = tmp_path_factory.mktemp("gpu_check") / "report.json"
    completed = run_check("--device", "cpu", "--out", str(out), "--budget-seconds", "180")
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return json.loads(out.read_text()), completed.stdout


@pytest.mark.slow
def test_every_registered_model_trains_on_the_device(dry_run):
    from helpers.models import available_models

    report, _ = dry_run
    models = report["correctness"]["models"]
    assert {row["model"] for row in models} == set(available_models())
    for row in models:
        assert row["finite"] and row["decreasing"], row
        assert row["losses"][-1] < row["losses"][0]
    assert report["passed"] is True


@pytest.mark.slow
def test_resume_torchrun_and_batch_runner_are_reported(dry_run):
    report, _ = dry_run
    correctness = report["correctness"]
    resume = correctness["resume"]
    assert resume["same"] and resume["loss_resumed"] == pytest.approx(resume["loss_uninterrupted"], rel=1e-4)
    torchrun = correctness["torchrun"]
    assert torchrun["ok"] and torchrun["backend"] == "gloo" and torchrun["epochs"] == 1 and torchrun["data_parallel"]
    batch_runner = correctness["batch_runner"]
    assert batch_runner["ok"] is None and "CPU" in batch_runner["skipped"]  # skipped, with its reason


@pytest.mark.slow
def test_speed_has_both_sides_and_their_ratio(dry_run):
    report, _ = dry_run
    rows = report["speed"]
    assert {row["model"] for row in rows} == {"resnet18", "resnet50"}
    assert len({row["batch_size"] for row in rows}) == 2
    for model in ("resnet18", "resnet50"):
        for batch_size in {row["batch_size"] for row in rows}:
            sides = {row["side"]: row for row in rows if row["model"] == model and row["batch_size"] == batch_size}
            assert set(sides) == {"reference", "engine"}
            reference, engine = sides["reference"], sides["engine"]
            assert reference["images_per_second"] > 0 and engine["images_per_second"] > 0
            assert engine["speedup"] == pytest.approx(engine["images_per_second"] / reference["images_per_second"])
            assert 0 <= engine["input_share"] < 1 and engine["fraction_of_bf16_matmul"] > 0
    assert report["matmul_tflops"]["bf16"] > 0
    assert "sample" in report["data"] or "SYNTHETIC" in report["data"] or report["data_kind"] == "cifar10"


@pytest.mark.slow
def test_report_names_the_device_time_to_accuracy_and_goals(dry_run):
    report, printed = dry_run
    device = report["device"]
    assert device["device"] == "cpu" and device["name"] and device["date"]
    assert device["versions"]["torch"] == torch.__version__
    tta = report["time_to_accuracy"]
    assert set(tta["seconds_to"]) == {"85%", "90%", "93%"} and tta["curve"] and "dry run" in tta["note"]
    assert tta["airbench"]["seconds"] == 3.29 and "different, smaller network" in tta["airbench"]["note"]
    assert len(report["goals"]) == 3 and all(isinstance(goal["met"], bool) for goal in report["goals"])
    goal_lines = [line for line in printed.splitlines() if line.rstrip().endswith(("-> met", "-> not met"))]
    assert len(goal_lines) == 3
    assert "speed (data:" in printed and "airbench94" in printed and "gloo" in printed


def refused(capsys, *arguments: str) -> str:
    """The one line ``gpu_check.main(arguments)`` refuses with (exit status 2), run in-process: the
    refusals come before any work, so no child process is needed to see them."""
    import gpu_check

    assert gpu_check.main(list(arguments)) == 2
    stderr = capsys.readouterr().err
    assert stderr.startswith("error: ")
    assert len(stderr.strip().splitlines()) == 1
    return stderr


def test_unknown_device_is_refused_in_one_line(tmp_path, capsys):
    stderr = refused(capsys, "--device", "tpu", "--out", str(tmp_path / "r.json"))
    assert "'tpu'" in stderr and "cuda" in stderr and "cpu" in stderr
    assert not (tmp_path / "r.json").exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is visible here")
def test_cuda_without_a_gpu_is_refused_in_one_line(tmp_path, capsys):
    stderr = refused(capsys, "--out", str(tmp_path / "r.json"))  # --device cuda is the default
    assert "no CUDA device" in stderr and "cpu" in stderr
    assert not (tmp_path / "r.json").exists()


def test_the_budget_given_is_the_budget_kept(dry_run):
    report, _ = dry_run
    assert report["budget_seconds"] == 180 and report["seconds"] <= 180 + 60


def test_a_budget_that_is_not_positive_is_refused_in_one_line(tmp_path, capsys):
    stderr = refused(capsys, "--device", "cpu", "--budget-seconds", "0", "--out", str(tmp_path / "r.json"))
    assert "--budget-seconds 0" in stderr
    assert not (tmp_path / "r.json").exists()


def test_missing_data_folder_is_refused_in_one_line(tmp_path, capsys):
    missing = tmp_path / "no_such_folder"
    stderr = refused(capsys, "--device", "cpu", "--data-dir", str(missing), "--out", str(tmp_path / "r.json"))
    assert str(missing) in stderr
    assert not (tmp_path / "r.json").exists()


def test_model_inputs_cover_every_input_the_studies_train_on():
    from gpu_check_correctness import MODEL_INPUTS
    from helpers.studies.estimate import NATURAL_SIZE, study_specs
    from helpers.studies.registry import STUDIES

    checked = {(model, channels, size) for model, inputs in MODEL_INPUTS.items() for channels, size, *_ in inputs}
    trained = set()
    for study in STUDIES:
        for profile in ("quick", "paper"):
            for spec in study_specs(study.module(), profile):
                options = spec.dataset_options
                grey = spec.dataset in ("mnist", "fashion_mnist") and not options.get("to_rgb", False)
                size = options.get("image_size") or NATURAL_SIZE.get(spec.dataset, 32)
                trained.add((spec.model, 1 if grey else 3, size))
    assert trained <= checked, trained - checked


def test_time_to_accuracy_uses_study1s_quick_recipe():
    from gpu_check_speed import STUDY1_QUICK, STUDY1_QUICK_MODEL
    from helpers.studies import s01_depth as study1
    from helpers.studies.estimate import study_specs

    assert STUDY1_QUICK == study1.RECIPE.fields("quick")
    cifar_stem = [spec for spec in study_specs(study1, "quick") if spec.run_id == "resnet18_cifar_seed0"]
    assert cifar_stem and cifar_stem[0].model == STUDY1_QUICK_MODEL["name"]
    assert cifar_stem[0].model_options == {"stem": STUDY1_QUICK_MODEL["stem"]}
