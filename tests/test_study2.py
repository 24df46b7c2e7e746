"""Study 2 (ResNet vs LeNet-5 vs AlexNet on MNIST and CIFAR-10): plan, Table 1, the abstract's
differences, headlines, figures and conclusion on hand-made outcomes and one tiny real run (the
notebook contract: test_notebook_parameters.py)."""

import dataclasses

import matplotlib
import numpy as np
import pandas as pd
import pytest

from helpers.config import TrainConfig
from helpers.runs import RunOutcome, RunSpec, run_all
from helpers.studies import study2
from helpers.studies.parameters import CHOSEN, PAPER

from study_support import SHARED_DATA, parameters

matplotlib.use("Agg")


def outcome(dataset, model, *, best_train, best_test, seed=0, epochs=4):
    """A finished run whose train and test accuracy peak (at epoch 3) at ``best_train`` / ``best_test``."""
    shape = np.array([0.5, 0.9, 1.0, 0.95])[:epochs]
    history = pd.DataFrame({"epoch": np.arange(1, epochs + 1), "train_loss": 1.0, "train_top1": best_train * shape,
                            "test_loss": 1.0, "test_top1": best_test * shape, "lr": 0.01})
    spec = RunSpec(run_id=f"{study2.DATASETS[dataset]}_{study2.MODELS[model]}_seed{seed}", model=study2.MODELS[model],
                   dataset=study2.DATASETS[dataset], config=TrainConfig(epochs=epochs),
                   labels={"dataset": dataset, "model": model, "seed": seed})
    metrics = {"params": 1000, "epochs": epochs, "num_train": 200, "num_test": 100,
               "final_train_top1": best_train * 0.95, "best_val_top1": None, "test_top1": best_test * 0.95,
               "test_top5": 1.0, "wall_seconds": 5.0, "train_images_per_second": 100.0, "device": "cpu",
               "precision": "fp32", "confusion": (np.eye(10, dtype=int) * 9 + 1).tolist(),
               "classes": [str(i) for i in range(10)], "data_notes": ["full training set"]}
    return RunOutcome(spec=spec, history=history, metrics=metrics)


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


@pytest.mark.parametrize("profile, epochs, batch_size", [("smoke", 2, 50), ("quick", 12, 256), ("paper", 20, 128)])
def test_plan_trains_three_networks_on_two_datasets(tmp_path, profile, epochs, batch_size):
    specs = study2.plan(parameters(tmp_path, profile))
    assert len(specs) == 6
    assert [(spec.dataset, spec.model) for spec in specs] == [
        (dataset, model) for dataset in ("mnist", "cifar10") for model in ("resnet18", "lenet5", "alexnet")]
    for spec in specs:
        assert (spec.config.epochs, spec.config.batch_size) == (epochs, batch_size)
        assert "to_rgb" not in spec.dataset_options  # MNIST stays grey: the models take in_channels=1
        if spec.dataset == "mnist":
            assert spec.config.augmentation == "none"  # flipped digits are other shapes
    cifar = {spec.config.augmentation for spec in specs if spec.dataset == "cifar10"}
    assert cifar == ({"none"} if profile == "paper" else {"crop_flip"})
    assert specs[0].model_options == {"stem": "cifar"}


def test_plan_applies_overrides_and_one_run_per_seed(tmp_path):
    specs = study2.plan(parameters(tmp_path, "quick", seeds=[3, 4], epochs=1, batch_size=16))
    assert len(specs) == 12 and len({spec.run_id for spec in specs}) == 12
    assert {spec.config.seed for spec in specs} == {3, 4}
    assert all((spec.config.epochs, spec.config.batch_size) == (1, 16) for spec in specs)


def test_settings_label_every_unstated_value(tmp_path):
    table = study2.settings(parameters(tmp_path, "paper")).set_index("setting")
    for setting in ("epochs", "batch size", "optimizer", "learning rate", "augmentation"):
        assert table.loc[setting, "source"].startswith(CHOSEN), setting
    assert "depth not stated" in table.loc["ResNet", "source"]
    assert table.loc["metric", "source"] == PAPER


def test_table1_compares_the_highest_accuracies_in_percent(outcomes):
    table = study2.table1(outcomes).set_index(["model", "column"])
    row = table.loc[("ResNet", "CIFAR-10 test")]
    assert row["paper"] == 86.6
    assert row["this run"] == pytest.approx(90.0)
    assert row["difference (points)"] == pytest.approx(3.4)
    assert table.loc[("LeNet", "MNIST train"), "this run"] == pytest.approx(99.0)
    assert len(table) == 12
    wide = study2.this_run_table1(outcomes)
    assert list(wide.columns) == list(study2.TABLE1_COLUMNS)
    assert wide.loc["AlexNet", "CIFAR-10 train"] == pytest.approx(99.0)


def test_highest_accuracy_is_the_maximum_over_epochs_averaged_over_seeds():
    runs = [outcome("MNIST", "ResNet", best_train=1.0, best_test=0.98),
            outcome("MNIST", "ResNet", best_train=1.0, best_test=0.96, seed=1)]
    assert study2.best_accuracy(runs, "test") == pytest.approx(0.97)


def test_differences_table_matches_the_abstract(outcomes):
    table = study2.differences_table(outcomes).set_index("difference")
    assert table.loc["ResNet - LeNet, MNIST test", "paper"] == 0.555
    assert table.loc["ResNet - LeNet, MNIST test", "this run"] == pytest.approx(0.5)
    assert table.loc["ResNet - AlexNet, MNIST test", "this run"] == pytest.approx(-0.1)
    assert table.loc["ResNet - LeNet, CIFAR-10 test", "this run"] == pytest.approx(25.0)
    assert table.loc["ResNet - AlexNet, CIFAR-10 test", "difference (points)"] == pytest.approx(5.0 - 2.46)
    # The abstract's numbers are the differences of Table 1's test columns.
    paper = study2.PAPER_BEST_PERCENT
    assert paper["ResNet"][1] - paper["LeNet"][1] == pytest.approx(0.555)
    assert paper["ResNet"][3] - paper["AlexNet"][3] == pytest.approx(2.46)


def test_headlines(outcomes):
    items = {item["label"]: item for item in study2.headlines(outcomes)}
    resnet = items["ResNet highest test top-1, CIFAR-10"]
    assert (resnet["paper"], resnet["unit"]) == (86.6, "percent")
    assert resnet["this_run"] == pytest.approx(90.0)
    assert items["ResNet - AlexNet, MNIST test (points)"]["paper"] == 0.225
    assert len(items) == 10
    partial = {item["label"]: item for item in study2.headlines(outcomes[:3])}
    assert partial["ResNet - LeNet, CIFAR-10 test (points)"]["this_run"] is None


def test_tables_and_figures_cover_the_report(outcomes):
    assert set(study2.tables(outcomes)) == {"table1_best_accuracy", "table1_this_run", "abstract_differences", "runs"}
    figures = study2.figures(outcomes)
    assert {"fig4_mnist_train_accuracy", "fig4_mnist_test_accuracy", "fig6_cifar10_train_accuracy",
            "fig6_cifar10_test_accuracy", "highest_test_accuracy", "confusion_mnist_lenet5",
            "confusion_cifar10_alexnet"} <= set(figures)
    labels = [line.get_label() for line in figures["fig6_cifar10_test_accuracy"].axes[0].lines]
    assert labels == ["ResNet test", "LeNet test", "AlexNet test"]


def test_conclusion_ranks_the_networks_per_dataset(outcomes, tmp_path):
    text = study2.conclusion(outcomes, parameters(tmp_path, "quick"))
    assert "**MNIST** (highest test top-1): AlexNet 99.60 %, ResNet 99.50 %, LeNet 99.00 %; AlexNet is best" in text
    assert "**CIFAR-10** (highest test top-1): ResNet 90.00 %" in text and "the ResNet is best, as in the paper" in text
    assert "reduced data" not in text


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
    assert table.loc["LeNet"].notna().all() and table.loc["ResNet"].isna().all()
    assert "confusion_mnist_lenet5" in study2.figures(outcomes)
