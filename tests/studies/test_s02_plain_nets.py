"""Study 2 (ResNet vs LeNet-5 vs AlexNet on MNIST and CIFAR-10): plan, Table 1 with this run's
uncertainty, the abstract's differences, headlines, figures, the conclusion's computed verdicts (a
clear win, a tie within the noise, a reversal), the paper's contradictions, and one tiny real run
(the notebook contract: test_notebook_parameters.py)."""

import dataclasses

import matplotlib
import numpy as np
import pandas as pd
import pytest

from helpers.config import TrainConfig
from helpers.runs import RunOutcome, RunSpec, run_all
from helpers.studies import s02_plain_nets as study2
from helpers.studies.common.parameters import CHOSEN, PAPER
from helpers.studies.s02_plain_nets import findings
from helpers.studies.s02_plain_nets.metric import best_accuracy, best_measured
from helpers.studies.s02_plain_nets.paper import PAPER_BEST_PERCENT
from helpers.studies.s02_plain_nets.recipe import DATASETS, MODELS

from study_support import SHARED_DATA, parameters

matplotlib.use("Agg")


def outcome(dataset, model, *, best_train, best_test, seed=0, epochs=4, num_test=100):
    """A finished run whose train and test accuracy peak (at epoch 3) at ``best_train`` / ``best_test``."""
    shape = np.array([0.5, 0.9, 1.0, 0.95])[:epochs]
    history = pd.DataFrame({"epoch": np.arange(1, epochs + 1), "train_loss": 1.0, "train_top1": best_train * shape,
                            "test_loss": 1.0, "test_top1": best_test * shape, "lr": 0.01})
    spec = RunSpec(run_id=f"{DATASETS[dataset]}_{MODELS[model]}_seed{seed}", model=MODELS[model],
                   dataset=DATASETS[dataset], config=TrainConfig(epochs=epochs),
                   labels={"dataset": dataset, "model": model, "seed": seed})
    metrics = {"params": 1000, "epochs": epochs, "num_train": 200, "num_test": num_test,
               "final_train_top1": best_train * 0.95, "best_val_top1": None, "test_top1": best_test * 0.95,
               "test_top5": 1.0, "wall_seconds": 5.0, "train_images_per_second": 100.0, "device": "cpu",
               "precision": "fp32", "confusion": (np.eye(10, dtype=int) * 9 + 1).tolist(),
               "classes": [str(i) for i in range(10)], "data_notes": ["full training set"]}
    return RunOutcome(spec=spec, history=history, metrics=metrics)


def grid(test_accuracy, *, num_test=100, seeds=(0,)):
    """Outcomes of the six runs per seed, the highest test top-1 from ``test_accuracy[dataset][model]``
    (seed s adds s tenths of a point)."""
    return [outcome(dataset, model, best_train=1.0, best_test=value + 0.001 * seed, seed=seed, num_test=num_test)
            for seed in seeds for dataset, row in test_accuracy.items() for model, value in row.items()]


@pytest.fixture
def outcomes():
    return [
        outcome("MNIST", "ResNet", best_train=1.0, best_test=0.995),
        outcome("MNIST", "LeNet", best_train=0.99, best_test=0.990),
        outcome("MNIST", "AlexNet", best_train=1.0, best_test=0.996),
        outcome("CIFAR-10", "ResNet", best_train=0.95, best_test=0.90),
        outcome("CIFAR-10", "LeNet", best_train=0.80, best_test=0.65),
        outcome("CIFAR-10", "AlexNet", best_train=0.99, best_test=0.85),
    ]


@pytest.mark.parametrize("profile, epochs, batch_size", [("smoke", 2, 32), ("quick", 12, 256), ("paper", 20, 128)])
def test_plan_trains_three_networks_on_two_datasets(tmp_path, profile, epochs, batch_size):
    specs = study2.plan(parameters(tmp_path, profile))
    assert len(specs) == 6
    assert [(spec.dataset, spec.model) for spec in specs] == [
        (dataset, model) for dataset in ("mnist", "cifar10") for model in ("resnet18", "lenet5", "alexnet")]
    for spec in specs:
        smoke_epochs = {"alexnet": 4, "lenet5": 4}.get(spec.model, epochs)  # Adam needs more steps (recipe.py)
        assert spec.config.epochs == (smoke_epochs if profile == "smoke" else epochs)
        smoke_batch = {"lenet5": 16}.get(spec.model, batch_size)
        assert spec.config.batch_size == (smoke_batch if profile == "smoke" else batch_size)
        assert "to_rgb" not in spec.dataset_options  # MNIST stays grey: the models take in_channels=1
        if spec.dataset == "mnist":
            assert spec.config.augmentation == "none"  # flipped digits are other shapes
    cifar = {spec.config.augmentation for spec in specs if spec.dataset == "cifar10"}
    assert cifar == ({"none"} if profile == "paper" else {"crop_flip"})
    assert specs[0].model_options == {"stem": "cifar"}


def test_smoke_reads_the_samples_small_with_a_fast_recipe(tmp_path):
    specs = {spec.run_id: spec for spec in study2.plan(parameters(tmp_path))}
    resnet, alexnet = specs["mnist_resnet18_seed0"], specs["cifar10_alexnet_seed0"]
    assert resnet.config.scheduler == "onecycle" and resnet.config.label_smoothing > 0
    assert alexnet.config.optimizer == "adam" and resnet.config.optimizer == "sgd"
    assert specs["cifar10_lenet5_seed0"].config.optimizer == "adam"  # no BatchNorm: SGD stayed near chance
    assert {spec.dataset_options["image_size"] for spec in specs.values()} == {16}
    assert "test_per_class" not in resnet.dataset_options  # every test image of the sample
    assert resnet.dataset_options["train_per_class"] == 100
    assert "train_per_class" not in alexnet.dataset_options  # a narrow classifier makes its steps cheap
    assert alexnet.model_options == {"classifier_width": 512}
    assert all("classifier_width" not in spec.model_options for spec in study2.plan(parameters(tmp_path, "paper")))
    assert "train_per_class" not in specs["cifar10_resnet18_seed0"].dataset_options  # every training image
    assert "train_per_class" not in specs["mnist_lenet5_seed0"].dataset_options
    for profile in ("quick", "paper"):
        assert all(spec.dataset_options == {} for spec in study2.plan(parameters(tmp_path, profile)))


def test_plan_applies_overrides_and_one_run_per_seed(tmp_path):
    specs = study2.plan(parameters(tmp_path, "quick", seeds=[3, 4], epochs=1, batch_size=16))
    assert len(specs) == 12 and len({spec.run_id for spec in specs}) == 12
    assert {spec.config.seed for spec in specs} == {3, 4}
    assert all((spec.config.epochs, spec.config.batch_size) == (1, 16) for spec in specs)
    smoke = study2.plan(parameters(tmp_path, batch_size=16))
    assert {spec.config.batch_size for spec in smoke} == {16}  # the notebook's batch size wins over the networks'



def test_settings_label_every_unstated_value(tmp_path):
    table = study2.settings(parameters(tmp_path, "paper")).set_index("setting")
    for setting in ("epochs", "batch size", "optimizer", "learning rate", "augmentation"):
        assert table.loc[setting, "source"].startswith(CHOSEN), setting
    assert "depth not stated" in table.loc["ResNet", "source"]
    assert table.loc["metric", "source"] == PAPER
    smoke = study2.settings(parameters(tmp_path)).set_index("setting")
    assert "16x16" in smoke.loc["image size", "value"] and "ADAM" in smoke.loc["AlexNet at smoke", "value"]
    assert "embedded samples" in smoke.loc["images used", "value"]


def test_table1_compares_the_highest_accuracies_with_their_noise(outcomes):
    table = study2.table1(outcomes).set_index(["model", "column"])
    row = table.loc[("ResNet", "CIFAR-10 test")]
    assert row["paper top-1"] == pytest.approx(0.866)
    assert row["this run top-1"] == pytest.approx(0.90)
    assert row["difference (points)"] == pytest.approx(3.4)
    assert row["this run ± 1 SE (points)"] == pytest.approx(3.0)  # sqrt(0.9 * 0.1 / 100)
    assert row["verdict"] == "within the noise"
    assert len(table) == 12
    wide = study2.this_run_table1(outcomes)
    assert wide.loc["AlexNet", "CIFAR-10 train (%, ± 1 SE)"] == "99.00 ± 0.70"  # 200 training images


def test_highest_accuracy_is_the_maximum_over_epochs_averaged_over_seeds():
    runs = [outcome("MNIST", "ResNet", best_train=1.0, best_test=0.98),
            outcome("MNIST", "ResNet", best_train=1.0, best_test=0.96, seed=1)]
    assert best_accuracy(runs, "test") == pytest.approx(0.97)
    measured = best_measured(runs, "test")
    assert (measured.kind, measured.n) == ("seed_sd", 2)


def test_differences_table_matches_the_abstract(outcomes):
    table = study2.differences_table(outcomes).set_index("difference")
    assert table.loc["ResNet - LeNet, MNIST test", "paper (points)"] == 0.555
    assert table.loc["ResNet - LeNet, MNIST test", "this run (points)"] == pytest.approx(0.5)
    assert table.loc["ResNet - AlexNet, MNIST test", "this run (points)"] == pytest.approx(-0.1)
    assert table.loc["ResNet - LeNet, CIFAR-10 test", "this run (points)"] == pytest.approx(25.0)
    assert table.loc["ResNet - LeNet, CIFAR-10 test", "this run's sign"] == "clearly positive"
    assert table.loc["ResNet - AlexNet, MNIST test", "this run's sign"] == "within the noise"
    # The abstract's numbers are the differences of Table 1's test columns.
    paper = PAPER_BEST_PERCENT
    assert paper["ResNet"][1] - paper["LeNet"][1] == pytest.approx(0.555)
    assert paper["ResNet"][3] - paper["AlexNet"][3] == pytest.approx(2.46)


def test_headlines_carry_uncertainty_and_verdict(outcomes):
    items = {item["label"]: item for item in study2.headlines(outcomes)}
    resnet = items["ResNet highest test top-1, CIFAR-10"]
    assert (resnet["paper"], resnet["unit"]) == (pytest.approx(0.866), "fraction")
    assert resnet["this_run"] == pytest.approx(0.90)
    assert resnet["uncertainty"]["kind"] == "binomial_se" and resnet["uncertainty"]["n"] == 100
    assert resnet["verdict"] == "within the noise of the paper"
    gap = items["ResNet minus AlexNet, MNIST highest test top-1"]
    assert gap["paper"] == pytest.approx(0.00225) and gap["difference"] and gap["verdict"] == "within the noise"
    assert len(items) == 10
    partial = {item["label"]: item for item in study2.headlines(outcomes[:3])}
    assert partial["ResNet minus LeNet, CIFAR-10 highest test top-1"]["this_run"] is None


def test_tables_and_figures_cover_the_report(outcomes):
    assert set(study2.tables(outcomes)) == {"table1_best_accuracy", "table1_this_run", "abstract_differences",
                                            "paper_contradictions", "figures_not_reproduced", "runs"}
    assert "highest test top-1 (%, ± 1 SE)" in study2.tables(outcomes)["runs"]
    figures = study2.figures(outcomes)
    assert {"fig4_mnist_train_accuracy", "fig4_mnist_test_accuracy", "fig6_cifar10_train_accuracy",
            "fig6_cifar10_test_accuracy", "highest_test_accuracy", "confusion_mnist_lenet5",
            "confusion_cifar10_alexnet"} <= set(figures)
    labels = [line.get_label() for line in figures["fig6_cifar10_test_accuracy"].axes[0].lines]
    assert labels == ["ResNet test", "LeNet test", "AlexNet test"]


# --- the conclusion's verdicts are computed from the noise ------------------------------------------

def test_a_clear_win_agrees_with_the_paper(tmp_path):
    runs = grid({"MNIST": {"ResNet": 0.99, "LeNet": 0.90, "AlexNet": 0.80},
                 "CIFAR-10": {"ResNet": 0.86, "LeNet": 0.63, "AlexNet": 0.70}}, num_test=10_000)
    text = study2.conclusion(runs, parameters(tmp_path, "quick"))
    assert "ResNet 99.0 ± 0.1 > LeNet 90.0 ± 0.3 > AlexNet 80.0 ± 0.4 %" in text
    assert "± 1 binomial SE of 10,000 test images" in text
    assert text.count("which agrees with the paper (ResNet ahead)") == 4
    verdicts = study2.table1(runs).set_index(["model", "column"])["verdict"]
    assert verdicts["ResNet", "MNIST test"] == "below the paper"  # 99.0 ± 0.1 vs 99.665
    assert verdicts["LeNet", "CIFAR-10 test"] == "within the noise"  # 63.0 ± 0.5 vs 63.47
    assert "this run agrees on 4, disagrees on 0 and cannot tell on 0 of 4" in text
    assert "reduced data" not in text


def test_a_tie_within_the_noise_says_this_run_cannot_tell(tmp_path):
    runs = grid({"MNIST": {"ResNet": 0.95, "LeNet": 0.94, "AlexNet": 0.96},
                 "CIFAR-10": {"ResNet": 0.30, "LeNet": 0.28, "AlexNet": 0.29}}, num_test=400)
    text = study2.conclusion(runs, parameters(tmp_path))
    assert "≈" in text and ">" not in text.split("%")[0]
    assert "Not separated, this run cannot order them" in text and "test images per model would tell them apart" in text
    assert "agrees with" not in text and "disagrees with" not in text
    assert "cannot tell on 4 of 4" in text and "prove the pipeline" in text


def test_a_reversal_over_seeds_disagrees(tmp_path):
    runs = grid({"MNIST": {"ResNet": 0.90, "LeNet": 0.95, "AlexNet": 0.97},
                 "CIFAR-10": {"ResNet": 0.50, "LeNet": 0.60, "AlexNet": 0.70}}, num_test=10_000, seeds=(0, 1, 2))
    text = study2.conclusion(runs, parameters(tmp_path, "quick", seeds=[0, 1, 2]))
    assert "AlexNet 97.1 ± 0.1 > LeNet 95.1 ± 0.1 > ResNet 90.1 ± 0.1 % (mean ± sd over 3 seeds" in text
    assert text.count("which disagrees with the paper (ResNet ahead there)") == 4
    assert "disagrees on 4" in text and "means over 3 seeds" in text


def test_a_win_over_a_network_at_chance_is_no_evidence(tmp_path):
    runs = grid({"MNIST": {"ResNet": 0.95, "LeNet": 0.94, "AlexNet": 0.11}}, num_test=400)
    text = study2.conclusion(runs, parameters(tmp_path))
    assert "AlexNet: 11.0 ± 1.6 (binomial SE, 400 images) % is not clearly above chance" in text
    assert "ResNet against AlexNet: not compared, since AlexNet learned nothing above chance here" in text
    assert study2.claim_verdicts(runs) == {("MNIST", "LeNet"): "cannot tell", ("MNIST", "AlexNet"): "cannot tell"}


# --- the paper against its own numbers ---------------------------------------------------------------

def test_contradictions_are_computed_from_table1():
    params = {"ResNet": 11_173_962, "LeNet": 61_706, "AlexNet": 57_023_306}
    table = findings.findings_table(params, {("MNIST", "ResNet"): 9.0, ("MNIST", "LeNet"): 1.0})
    text = " ".join(table["numbers"] + " " + table["verdict"])
    assert "ResNet 100.000 %, AlexNet 100.000 %" in text and "equals AlexNet's" in text  # "in the middle" is not
    assert "+0.225 ± 0.094 points (2.4 standard errors)" in text and "+2.460 ± 0.499 points" in text
    assert "0.555 points on MNIST, 23.13 on CIFAR-10 (42 times larger)" in text
    assert "the ResNet has 181 times more" in text and "MNIST: ResNet 9.0 s, LeNet 1.0 s" in text
    assert "smallest train-test gap on both datasets" in text  # checked, and it holds
    markdown = findings.findings_markdown(params, {})
    assert markdown.count("\n- ") == len(table) - 1


def test_illustrations_are_listed_as_not_reproduced():
    figures = findings.figures_not_reproduced().set_index("figure")
    assert list(figures.index) == [f"Figure {n}" for n in range(1, 7)]
    assert (figures["in this report"] == "not reproduced").sum() == 4
    assert figures.loc["Figure 3", "where / why"].startswith("sample images")
    assert figures.loc["Figure 4", "in this report"] == "reproduced"


def test_model_table_counts_grey_and_colour_inputs():
    table = study2.model_table().set_index("model")
    assert table.loc["LeNet", "params (MNIST)"] == 61_706
    assert table.loc["LeNet", "params (CIFAR-10)"] == 62_006
    assert table.loc["AlexNet", "params (CIFAR-10)"] == 57_023_306


@pytest.mark.slow
def test_tiny_real_run_gives_every_table(tmp_path):
    """The smoke plan cut to LeNet-5 on both datasets, 1 epoch, 5 images per class."""
    specs = [spec for spec in study2.plan(parameters(tmp_path)) if spec.model == "lenet5"]
    specs = [dataclasses.replace(spec, config=spec.config.replace(epochs=1, progress="none"),
                                 dataset_options={**spec.dataset_options, "train_per_class": 5, "test_per_class": 2})
             for spec in specs]
    data_dir = SHARED_DATA if SHARED_DATA.is_dir() else None
    outcomes = run_all(specs, tmp_path, data_dir=data_dir, synthetic_stand_in=True)
    assert [outcome.metrics["num_test"] for outcome in outcomes] == [20, 20]
    table = study2.this_run_table1(outcomes)
    assert table.loc["LeNet"].ne("not run").all() and table.loc["ResNet"].eq("not run").all()
    assert "confusion_mnist_lenet5" in study2.figures(outcomes)
    assert "LeNet" in study2.conclusion(outcomes, parameters(tmp_path))


def test_model_table_shows_the_smoke_profiles_narrow_alexnet():
    paper, smoke = (study2.model_table(profile).set_index("model") for profile in ("paper", "smoke"))
    assert smoke.loc["AlexNet", "options"] == {"classifier_width": 512}
    assert smoke.loc["AlexNet", "params (CIFAR-10)"] < paper.loc["AlexNet", "params (CIFAR-10)"] / 5
    assert smoke.loc["ResNet", "params (CIFAR-10)"] == paper.loc["ResNet", "params (CIFAR-10)"]


def test_unequal_epochs_are_a_stated_caveat_and_cpu_plans_them(tmp_path):
    specs = {(spec.dataset, spec.model): spec for spec in study2.plan(parameters(tmp_path, "cpu"))}
    assert specs["cifar10", "resnet18"].config.epochs == 8 and specs["cifar10", "alexnet"].config.epochs == 4
    assert specs["cifar10", "alexnet"].config.optimizer == "adam" and specs["mnist", "resnet18"].config.batch_size == 64
    assert all("train_per_class" not in spec.dataset_options for spec in specs.values())  # all images on disk
    runs = [outcome("CIFAR-10", model, best_train=1.0, best_test=value, epochs=epochs, num_test=10_000)
            for model, value, epochs in (("ResNet", 0.82, 4), ("LeNet", 0.70, 4), ("AlexNet", 0.62, 2))]
    text = study2.conclusion(runs, parameters(tmp_path, "cpu"))
    assert "on CIFAR-10 the networks trained for different numbers of epochs (ResNet 4, LeNet 4, AlexNet 2" in text
    same = study2.conclusion(runs[:2], parameters(tmp_path, "cpu"))
    assert "different numbers of epochs" not in same
