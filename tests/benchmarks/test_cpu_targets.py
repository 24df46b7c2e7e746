"""``benchmarks/cpu_targets.py`` on a tiny hand-made reports folder: a target passes, is missed, or
has no runs yet; means and spreads are over seeds; the grid optimum on an edge is missed; decided
claims need two seeds; unreadable reports give exit status 2, everything else 0."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "benchmarks" / "cpu_targets.py"
sys.path.insert(0, str(REPO / "benchmarks"))

import cpu_targets  # noqa: E402
from cpu_targets import MISSED, NO_RUNS, PASS  # noqa: E402


def write_run(root: Path, study: str, run_id: str, labels: dict, *, top1: float, wall_seconds: float = 600.0,
              **metrics) -> None:
    """One run folder's metrics.json, as the run writer lays it out."""
    folder = root / study / "runs" / run_id
    folder.mkdir(parents=True)
    record = {"run_id": run_id, "labels": labels, "test_top1": top1, "wall_seconds": wall_seconds,
              "num_train": 25_000, "num_val": 0, **metrics}
    (folder / "metrics.json").write_text(json.dumps(record))


def write_summary(root: Path, study: str, *, claims=(), unstable=None, **extra) -> None:
    """A study's metrics.json with its claims ledger and unstable runs."""
    (root / study).mkdir(parents=True, exist_ok=True)
    (root / study / "metrics.json").write_text(json.dumps({"claims": list(claims), "unstable_runs": unstable or {},
                                                           **extra}))


def claim(text: str, verdict: str, seeds: str = "1") -> dict:
    return {"claim": text, "this run": "", "seeds": seeds, "verdict": verdict}


def by_name(targets, fragment: str):
    (found,) = [target for target in targets if fragment in target.target]
    return found


@pytest.fixture
def study1(tmp_path):
    """Study 1: ResNet-18 CIFAR stem at 90 and 89.2 % (two seeds), ResNet-50 CIFAR stem at 80 %,
    the ImageNet-stem ResNet-50 unstable, a decided verdict for the ImageNet stem only."""
    for seed, top1 in ((0, 0.90), (1, 0.892)):
        write_run(tmp_path, "01", f"resnet18_cifar_seed{seed}", {"model": "ResNet-18", "stem": "cifar", "seed": seed},
                  top1=top1)
    write_run(tmp_path, "01", "resnet50_cifar_seed0", {"model": "ResNet-50", "stem": "cifar", "seed": 0}, top1=0.80)
    write_run(tmp_path, "01", "resnet18_imagenet_seed0", {"model": "ResNet-18", "stem": "imagenet", "seed": 0},
              top1=0.70)
    write_run(tmp_path, "01", "resnet50_imagenet_seed0", {"model": "ResNet-50", "stem": "imagenet", "seed": 0},
              top1=0.50)
    write_summary(tmp_path, "01", unstable={"resnet50_imagenet_seed0": "loss diverged"}, claims=[
        claim("ResNet-18 beats ResNet-50 on CIFAR-10 (with the ImageNet stem the paper describes)", "supported", "2"),
        claim("ResNet-18 beats ResNet-50 on CIFAR-10, tried with the CIFAR stem", "not decided at this budget")],
        headline=[{"label": "ResNet-18 minus ResNet-50 test top-1 (CIFAR stem)", "this_run": 0.10, "unit": "fraction",
                   "difference": True, "uncertainty": {"value": 0.051, "kind": "paired over 10,000 test images"}}])
    return tmp_path


def test_accuracy_targets_pass_or_miss_on_the_mean_over_seeds(study1):
    targets = cpu_targets.study1_targets(cpu_targets.read_reports(study1)["01"])
    resnet18 = by_name(targets, "ResNet-18 (CIFAR stem) top-1")
    assert resnet18.status == PASS and resnet18.seeds == 2
    assert resnet18.value == pytest.approx(0.896) and resnet18.spread == pytest.approx(0.005657, abs=1e-6)
    assert "89.60 ± 0.57 % (2 seeds)" in resnet18.measured
    resnet50 = by_name(targets, "ResNet-50 (CIFAR stem) top-1")
    assert resnet50.status == MISSED and resnet50.spread is None and resnet50.measured == "80.00 % (1 seed)"


def test_unstable_imagenet_run_and_verdicts_per_stem(study1):
    targets = cpu_targets.study1_targets(cpu_targets.read_reports(study1)["01"])
    stable = by_name(targets, "ImageNet-stem runs")
    assert stable.status == MISSED and "resnet50_imagenet_seed0" in stable.detail
    imagenet, cifar = by_name(targets, "(ImageNet stem) has"), by_name(targets, "(CIFAR stem) has")
    assert imagenet.status == PASS and imagenet.measured == "+20.00 points; verdict: supported"
    # The report's own paired difference where its headline has one (seed 0 alone: 90 - 80), else the means'.
    assert cifar.status == MISSED and cifar.measured == "+10.00 ± 5.10 points; verdict: not decided at this budget"


def test_missing_studies_have_no_runs_yet(study1):
    targets = cpu_targets.all_targets(cpu_targets.read_reports(study1))
    for number in ("02", "03", "04", "05"):
        assert {target.status for target in targets if target.study == number} == {NO_RUNS}
    assert by_name(targets, "study 2 CPU time").status == NO_RUNS
    assert "02, 03, 04, 05" in by_name(targets, "total CPU time").detail


def test_cpu_time_counts_threads_and_processes(tmp_path):
    """A study's budget is in core-hours: wall x threads x processes; a run without a thread count is
    counted at one thread and the total is said to be a lower bound. A run's own limit is wall time."""
    write_run(tmp_path, "01", "resnet50_cifar_seed0", {"model": "ResNet-50", "stem": "cifar", "seed": 0}, top1=0.8,
              wall_seconds=2.9 * 3600, cpu_threads=1, processes=2)
    write_run(tmp_path, "01", "resnet18_cifar_seed0", {"model": "ResNet-18", "stem": "cifar", "seed": 0}, top1=0.85,
              wall_seconds=2.5 * 3600, cpu_threads=2)
    write_summary(tmp_path, "01")
    targets = cpu_targets.all_targets(cpu_targets.read_reports(tmp_path))
    study = by_name(targets, "study 1 CPU time")
    assert study.status == MISSED and study.measured == "10.80 core-h" and not study.detail
    assert by_name(targets, "each run").status == PASS  # 2.9 h of wall time at most, under the 3 h of a sitting
    write_run(tmp_path, "01", "resnet18_imagenet_seed0", {"model": "ResNet-18", "stem": "imagenet", "seed": 0},
              top1=0.7, wall_seconds=1800)
    targets = cpu_targets.all_targets(cpu_targets.read_reports(tmp_path))
    assert by_name(targets, "study 1 CPU time").measured == ">= 11.30 core-h"
    assert "1 run(s) recorded no thread count" in by_name(targets, "total CPU time").detail


@pytest.mark.parametrize(("point", "inside"), [((0.1, 0.9), True), ((0.05, 0.9), False), ((0.2, 0.9), False),
                                               ((0.1, 0.8), False), ((0.1, 0.95), False), ((0.05, 0.95), False)])
def test_grid_edges(point, inside):
    assert cpu_targets.is_inside_grid(point, [0.05, 0.1, 0.2], [0.8, 0.9, 0.95]) is inside


def write_grid(root: Path, best: tuple[float, float], *, unstable_best: bool = False) -> None:
    """Study 5's 3x3 grid, validation top-1 0.4 everywhere but 0.5 at ``best``."""
    unstable = {}
    for lr in (0.05, 0.1, 0.2):
        for momentum in (0.8, 0.9, 0.95):
            run_id = f"grid_lr{lr:g}_momentum{momentum:g}_seed0"
            write_run(root, "05", run_id, {"model": "ResNetLarge", "phase": "grid", "lr": lr, "momentum": momentum,
                                           "seed": 0}, top1=0.4, best_val_top1=0.5 if (lr, momentum) == best else 0.4)
            if unstable_best and (lr, momentum) == best:
                unstable[run_id] = "diverged"
    write_summary(root, "05", unstable=unstable)


@pytest.mark.parametrize(("best", "status"), [((0.1, 0.9), PASS), ((0.05, 0.95), MISSED), ((0.2, 0.9), MISSED)])
def test_grid_optimum_inside_or_on_an_edge(tmp_path, best, status):
    write_grid(tmp_path, best)
    target = by_name(cpu_targets.study5_targets(cpu_targets.read_reports(tmp_path)["05"]), "grid optimum")
    assert target.status == status
    assert f"optimum lr {best[0]:g}, momentum {best[1]:g}" in target.measured
    assert "grid lr 0.05, 0.1, 0.2, momentum 0.8, 0.9, 0.95" in target.measured


def test_grid_optimum_skips_an_unstable_point(tmp_path):
    write_grid(tmp_path, (0.1, 0.9), unstable_best=True)
    target = by_name(cpu_targets.study5_targets(cpu_targets.read_reports(tmp_path)["05"]), "grid optimum")
    assert target.status == MISSED and "optimum lr 0.05, momentum 0.8" in target.measured  # first of the ties


def test_study2_one_recipe_for_all_networks_counts_as_the_resnets(tmp_path):
    recipe = {"optimizer": "sgd", "lr": 0.1, "epochs": 12, "seed": 0}
    for run_id, model, config in (("cifar10_resnet18_seed0", "ResNet", recipe),
                                  ("cifar10_lenet5_seed0", "LeNet", recipe),
                                  ("cifar10_alexnet_seed0", "AlexNet", {**recipe, "optimizer": "adam"})):
        write_run(tmp_path, "02", run_id, {"dataset": "CIFAR-10", "model": model, "seed": 0}, top1=0.8, config=config)
    target = by_name(cpu_targets.study2_targets(cpu_targets.read_reports(tmp_path)["02"]), "ResNet's recipe")
    assert target.status == MISSED and target.measured == "LeNet: yes (1 seed); AlexNet: no"
    # Seed 1: the LeNet run recorded before configs named their processes trained on one, as the ResNet's.
    write_run(tmp_path, "02", "cifar10_resnet18_seed1", {"dataset": "CIFAR-10", "model": "ResNet", "seed": 1},
              top1=0.8, config={**recipe, "seed": 1, "processes": 1})
    write_run(tmp_path, "02", "cifar10_lenet5_seed1", {"dataset": "CIFAR-10", "model": "LeNet", "seed": 1},
              top1=0.6, config={**recipe, "seed": 1})
    target = by_name(cpu_targets.study2_targets(cpu_targets.read_reports(tmp_path)["02"]), "ResNet's recipe")
    assert target.measured == "LeNet: yes (2 seeds); AlexNet: no"


def test_study2_equal_recipe_runs_and_own_recipe_accuracy(tmp_path):
    write_run(tmp_path, "02", "cifar10_resnet18_seed0", {"dataset": "CIFAR-10", "model": "ResNet", "seed": 0},
              top1=0.90)
    write_run(tmp_path, "02", "cifar10_lenet5_resnet_recipe_seed0",
              {"dataset": "CIFAR-10", "model": "LeNet", "seed": 0, "recipe": "ResNet's recipe"}, top1=0.6)
    write_run(tmp_path, "02", "mnist_lenet5_seed0", {"dataset": "MNIST", "model": "LeNet", "seed": 0}, top1=0.99)
    write_run(tmp_path, "02", "mnist_lenet5_resnet_recipe_seed0",  # not the own-recipe number
              {"dataset": "MNIST", "model": "LeNet", "seed": 0, "recipe": "ResNet's recipe"}, top1=0.999)
    targets = cpu_targets.study2_targets(cpu_targets.read_reports(tmp_path)["02"])
    assert by_name(targets, "CIFAR-10 ResNet").status == PASS
    lenet = by_name(targets, "MNIST LeNet")
    assert lenet.status == MISSED and lenet.value == pytest.approx(0.99)
    assert by_name(targets, "MNIST AlexNet").status == NO_RUNS
    recipe = by_name(targets, "ResNet's recipe")
    assert recipe.status == MISSED and recipe.measured == "LeNet: yes (1 seed); AlexNet: no"


def test_study3_counts_all_images_of_the_cifar10_runs(tmp_path):
    write_run(tmp_path, "03", "cifar10_resnet18_seed0", {"model": "ResNet-18", "dataset": "CIFAR-10", "seed": 0},
              top1=0.95, num_train=8000, num_val=2000)
    write_summary(tmp_path, "03", claims=[claim("The plain networks fall further behind the ResNets as the task "
                                                "gets harder", "contradicted")])
    targets = cpu_targets.study3_targets(cpu_targets.read_reports(tmp_path)["03"])
    cifar = by_name(targets, "CIFAR-10 ResNet-18")
    assert cifar.status == MISSED and "10,000 images" in cifar.measured  # accurate, but on too few images
    assert by_name(targets, "gap widening").status == PASS


def test_study4_rows_need_two_seeds_and_pretrained_runs_are_left_out(tmp_path):
    for model, refinements in cpu_targets.STUDY4_ROWS:
        for seed in (0, 1):
            write_run(tmp_path, "04", f"{model}_{refinements}_seed{seed}",
                      {"model": model, "refinements": refinements, "seed": seed}, top1=0.5)
    write_run(tmp_path, "04", "model_b_c_l_pretrained_seed0",
              {"model": "Model-B", "refinements": "c+l", "start": "pretrained", "seed": 0}, top1=0.95)
    write_run(tmp_path, "04", "model_b_c_l_scratch_seed0",
              {"model": "Model-B", "refinements": "c+l", "start": "scratch", "seed": 0}, top1=0.66)
    targets = cpu_targets.study4_targets(cpu_targets.read_reports(tmp_path)["04"])
    assert by_name(targets, ">= 2 seeds").status == PASS
    best = by_name(targets, "best from-scratch")
    assert best.status == PASS and best.value == pytest.approx(0.66) and "(scratch)" in best.measured


def test_profile_claims_need_two_seeds_and_no_unstable_run(study1):
    targets = cpu_targets.profile_targets(cpu_targets.read_reports(study1))
    seeds = by_name(targets, "decided claims with >= 2 seeds")
    assert seeds.status == PASS and seeds.measured.startswith("1 of 1 rows")  # the undecided row is not counted
    unstable = by_name(targets, "unstable run")  # the decided row names ResNet-50, whose ImageNet-stem run is unstable
    assert unstable.status == MISSED and "ResNet-18 beats ResNet-50" in unstable.detail
    assert by_name(targets, "study 1 CPU time").value == pytest.approx(5 * 600 / 3600)
    assert by_name(targets, "each run").status == PASS


def test_script_writes_json_and_exits_0_with_missed_targets(study1, tmp_path):
    out = tmp_path / "result.json"
    completed = subprocess.run([sys.executable, str(SCRIPT), "--reports", str(study1), "--out", str(out)],
                               capture_output=True, text=True, cwd=REPO, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert "MISSED" in completed.stdout and "no runs yet" in completed.stdout
    result = json.loads(out.read_text())
    assert result["counts"][PASS] + result["counts"][MISSED] + result["counts"][NO_RUNS] == len(result["targets"])
    assert {"study", "target", "status", "measured", "value", "seeds", "spread"} <= set(result["targets"][0])


@pytest.mark.parametrize("damage", ["missing folder", "bad json", "no top-1"])
def test_unreadable_reports_exit_2(tmp_path, damage):
    reports = tmp_path / "reports"
    if damage != "missing folder":
        write_run(reports, "01", "resnet18_cifar_seed0", {"model": "ResNet-18", "stem": "cifar", "seed": 0}, top1=0.9)
        path = reports / "01" / "runs" / "resnet18_cifar_seed0" / "metrics.json"
        path.write_text("{not json" if damage == "bad json" else json.dumps({"labels": {}, "wall_seconds": 1}))
    completed = subprocess.run([sys.executable, str(SCRIPT), "--reports", str(reports), "--out",
                                str(tmp_path / "out.json")], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert completed.returncode == 2 and "cpu_targets:" in completed.stderr
    assert not (tmp_path / "out.json").exists()


def test_new_runs_count_only_when_asked_and_replace_the_runs_of_their_id(study1):
    new = study1 / "01" / "new-runs" / "resnet50_cifar_seed0"
    new.mkdir(parents=True)
    (new / "metrics.json").write_text(json.dumps({"run_id": "resnet50_cifar_seed0", "test_top1": 0.88,
                                                  "wall_seconds": 9000.0, "num_train": 25_000, "num_val": 0,
                                                  "labels": {"model": "ResNet-50", "stem": "cifar", "seed": 0}}))
    published = cpu_targets.all_targets(cpu_targets.read_reports(study1))
    assert by_name(published, "ResNet-50 (CIFAR stem) top-1").status == MISSED  # the report's run: 80 %
    progress = cpu_targets.all_targets(cpu_targets.read_reports(study1, with_new_runs=True))
    assert by_name(progress, "ResNet-50 (CIFAR stem) top-1").status == PASS  # its new run: 88 %
    assert "88.00 %" in by_name(progress, "ResNet-50 (CIFAR stem) top-1").measured


def test_a_run_kept_under_an_alternate_name_counts_for_time_not_accuracy(tmp_path):
    """new-runs/<id>~2 (a run of that id trained another way, replaced): its CPU time counts, its top-1 not."""
    labels = {"model": "ResNet-18", "stem": "cifar", "seed": 0}
    write_run(tmp_path, "01", "resnet18_cifar_seed0", labels, top1=0.90, wall_seconds=3600, cpu_threads=1, processes=2)
    write_summary(tmp_path, "01")
    aside = tmp_path / "01" / "new-runs" / "resnet18_cifar_seed0~2"
    aside.mkdir(parents=True)
    (aside / "metrics.json").write_text(json.dumps({"run_id": "resnet18_cifar_seed0", "labels": labels, "test_top1": 0.5,
                                                    "wall_seconds": 7200, "cpu_threads": 1, "processes": 1}))
    study = cpu_targets.read_reports(tmp_path, with_new_runs=True)["01"]
    accuracy = by_name(cpu_targets.study1_targets(study), "ResNet-18 (CIFAR stem) top-1")
    assert accuracy.status == PASS and accuracy.seeds == 1 and accuracy.value == pytest.approx(0.90)
    assert by_name(cpu_targets.profile_targets({"01": study}), "study 1 CPU time").measured == "4.00 core-h"
