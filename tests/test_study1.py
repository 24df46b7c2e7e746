"""Study 1 (ResNet-18 vs ResNet-50 on CIFAR-10): plan, tables, headlines, figures and conclusion
on hand-made outcomes and one tiny real run (the notebook contract: test_notebook_parameters.py)."""

import dataclasses
import math

import matplotlib
import numpy as np
import pandas as pd
import pytest

from helpers.config import TrainConfig
from helpers.data.constants import CIFAR10_CLASSES
from helpers.runs import RunOutcome, RunSpec, run_all
from helpers.studies import study1
from helpers.studies.parameters import CHOSEN, PAPER

from study_support import SHARED_DATA, parameters

matplotlib.use("Agg")


def outcome(model, stem, *, test_top1, train_top1=0.9, epochs=12, seed=0, train_loss_start=2.0):
    """A finished run with a linear history: train loss from ``train_loss_start`` down by 0.1 per
    epoch, train top-1 reaching ``train_top1`` at the last epoch."""
    epoch = np.arange(1, epochs + 1)
    history = pd.DataFrame({
        "epoch": epoch,
        "train_loss": train_loss_start - 0.1 * (epoch - 1),
        "train_top1": np.linspace(0.3, train_top1, epochs),
        "test_loss": 1.0,
        "test_top1": np.linspace(0.2, test_top1, epochs),
        "lr": 0.1,
    })
    confusion = np.eye(10, dtype=int) * 8 + 1
    spec = RunSpec(run_id=f"{study1.MODELS[model]}_{stem}_seed{seed}", model=study1.MODELS[model], dataset="cifar10",
                   config=TrainConfig(epochs=epochs), model_options={"stem": stem},
                   labels={"model": model, "stem": stem, "seed": seed})
    metrics = {"params": 11_000_000 if model == "ResNet-18" else 23_000_000, "epochs": epochs, "num_train": 500,
               "num_test": 100, "final_train_top1": train_top1, "best_val_top1": None, "test_top1": test_top1,
               "test_top5": 0.99, "wall_seconds": 10.0, "train_images_per_second": 50.0, "device": "cpu",
               "precision": "fp32", "confusion": confusion.tolist(), "classes": list(CIFAR10_CLASSES),
               "data_notes": ["class-balanced subset: 50 train / 10 test images per class"]}
    return RunOutcome(spec=spec, history=history, metrics=metrics)


@pytest.fixture
def outcomes():
    return [
        outcome("ResNet-18", "imagenet", test_top1=0.80),
        outcome("ResNet-18", "cifar", test_top1=0.90),
        outcome("ResNet-50", "imagenet", test_top1=0.70, train_top1=0.95),
        outcome("ResNet-50", "cifar", test_top1=0.92),
    ]


@pytest.mark.parametrize("profile, epochs, batch_size", [("smoke", 2, 50), ("quick", 18, 512), ("paper", 100, 128)])
def test_plan_trains_both_models_with_both_stems(tmp_path, profile, epochs, batch_size):
    specs = study1.plan(parameters(tmp_path, profile))
    assert len(specs) == 4
    assert {(spec.model, spec.model_options["stem"]) for spec in specs} == {
        (model, stem) for model in ("resnet18", "resnet50") for stem in ("imagenet", "cifar")}
    assert specs[0].model_options == {"stem": "imagenet"}  # the paper's description comes first
    for spec in specs:
        assert spec.dataset == "cifar10"
        assert spec.dataset_options["normalization"] == "half"
        assert (spec.config.epochs, spec.config.batch_size) == (epochs, batch_size)
        assert spec.config.augmentation == "crop_flip" and spec.config.crop_padding == 4
        assert spec.config.device == "cpu"
    assert ("train_per_class" in specs[0].dataset_options) == (profile == "smoke")


def test_plan_applies_overrides_and_one_run_per_seed(tmp_path):
    specs = study1.plan(parameters(tmp_path, "paper", seeds=[0, 1, 2], epochs=3, batch_size=32))
    assert len(specs) == 12
    assert len({spec.run_id for spec in specs}) == 12
    assert {spec.config.seed for spec in specs} == {0, 1, 2}
    assert all((spec.config.epochs, spec.config.batch_size) == (3, 32) for spec in specs)


def test_settings_label_unstated_values_as_chosen(tmp_path):
    table = study1.settings(parameters(tmp_path, "paper")).set_index("setting")
    assert list(table.columns) == ["value", "source"]
    for setting in ("batch size", "learning rate", "weight decay"):
        assert table.loc[setting, "source"].startswith(CHOSEN)
    assert table.loc["optimizer", "source"].startswith(CHOSEN)
    for setting in ("normalisation", "epochs", "stem: imagenet", "dataset"):
        assert table.loc[setting, "source"] == PAPER
    smoke = study1.settings(parameters(tmp_path, "smoke")).set_index("setting")
    assert smoke.loc["epochs", "source"] == "smoke profile (paper profile: 100)"  # the paper states 100
    assert smoke.loc["images used", "value"] == ("the embedded samples (data/samples), not the full dataset: "
                                                 "20 train / 10 test images per class")


def test_epoch_table_compares_the_epochs_this_run_reached(outcomes):
    table = study1.epoch_table(outcomes, "ResNet-18")
    assert list(table["stem"].unique()) == ["imagenet", "cifar"]
    imagenet = table[table["stem"] == "imagenet"].set_index("epoch")
    assert list(imagenet.index) == list(study1.PAPER_EPOCHS)
    assert imagenet.loc[1, "paper train loss"] == 1.8464
    assert imagenet.loc[1, "this run train loss"] == pytest.approx(2.0)
    assert imagenet.loc[11, "loss difference"] == pytest.approx(1.0 - 0.7212)
    assert imagenet.loc[1, "top-1 difference (points)"] == pytest.approx(100 * (0.3 - 0.3311))
    # The hand-made runs stop at epoch 12: later epochs have the paper's value and NaN for this run.
    assert imagenet.loc[21:, "this run train loss"].isna().all()
    assert imagenet.loc[91, "paper train top-1"] == 0.9286
    resnet50 = study1.epoch_table(outcomes, "ResNet-50").set_index(["stem", "epoch"])
    assert resnet50.loc[("cifar", 1), "paper train loss"] == 5.3736


def test_accuracy_and_stem_tables_differences_in_points(outcomes):
    table = study1.accuracy_table(outcomes).set_index("run")
    assert table.loc["ResNet-18, ImageNet stem", "paper"] == 0.8294
    assert table.loc["ResNet-18, ImageNet stem", "difference (points)"] == pytest.approx(100 * (0.80 - 0.8294))
    assert table.loc["ResNet-50, CIFAR stem", "difference (points)"] == pytest.approx(100 * (0.92 - 0.7604))
    assert list(table["seeds"]) == [1, 1, 1, 1]
    stems = study1.stem_table(outcomes).set_index("stem")
    assert stems.loc["imagenet", "ResNet-50 - ResNet-18 (points)"] == pytest.approx(-10.0)
    assert stems.loc["cifar", "ResNet-50 - ResNet-18 (points)"] == pytest.approx(2.0)
    assert stems.loc["cifar", "paper: ResNet-50 - ResNet-18 (points)"] == pytest.approx(-6.9)
    assert stems.loc["imagenet", "ResNet-50 train - test (points)"] == pytest.approx(25.0)


def test_seeds_are_averaged(outcomes):
    extra = [outcome("ResNet-18", "imagenet", test_top1=0.84, seed=1)]
    table = study1.accuracy_table(outcomes + extra).set_index("run")
    assert table.loc["ResNet-18, ImageNet stem", "this run"] == pytest.approx(0.82)
    assert table.loc["ResNet-18, ImageNet stem", "seeds"] == 2


def test_headlines_hold_the_key_comparisons(outcomes):
    items = {item["label"]: item for item in study1.headlines(outcomes)}
    r18 = items["ResNet-18 test top-1 (ImageNet stem)"]
    assert (r18["paper"], r18["this_run"], r18["unit"]) == (0.8294, 0.80, "fraction")
    assert items["ResNet-50 test top-1 (ImageNet stem)"]["paper"] == 0.7604
    assert items["ResNet-50 test top-1 (CIFAR stem)"]["paper"] is None
    gap = items["ResNet-18 minus ResNet-50 test top-1 (ImageNet stem)"]
    assert gap["paper"] == pytest.approx(0.069) and gap["this_run"] == pytest.approx(0.10) and gap["difference"]
    assert not r18["difference"]
    assert items["ResNet-18 minus ResNet-50 test top-1 (CIFAR stem)"]["this_run"] == pytest.approx(-0.02)


def test_tables_and_figures_cover_the_report(outcomes):
    assert set(study1.tables(outcomes)) == {"table1_resnet18_training", "table2_resnet50_training", "test_accuracy",
                                            "stem_comparison", "runs"}
    figures = study1.figures(outcomes)
    assert {"fig1_resnet18_loss", "fig1_resnet18_accuracy", "fig2_resnet50_loss", "fig2_resnet50_accuracy",
            "test_accuracy_by_stem", "confusion_resnet18_imagenet", "confusion_resnet50_cifar"} <= set(figures)
    labels = [line.get_label() for line in figures["fig1_resnet18_loss"].axes[0].lines]
    assert "ResNet-18, ImageNet stem (paper)" in labels and "ResNet-18, CIFAR stem test" in labels


def test_conclusion_names_the_winner_per_stem_and_the_caveats(outcomes, tmp_path):
    text = study1.conclusion(outcomes, parameters(tmp_path, "smoke"))
    assert "ImageNet stem**: ResNet-18 80.00 %, ResNet-50 70.00 %" in text
    assert "ResNet-18 wins by 10.00 points, which agrees with the paper" in text
    assert "ResNet-50 wins by 2.00 points, which disagrees with the paper" in text
    assert "+22.00 points" in text
    assert "not the paper's 100" in text and "reduced data" in text


def test_model_table_counts_parameters():
    table = study1.model_table().set_index(["model", "stem"])
    assert table.loc[("ResNet-18", "CIFAR stem"), "params"] == 11_173_962
    assert table.loc[("ResNet-50", "ImageNet stem"), "params"] > table.loc[("ResNet-18", "ImageNet stem"), "params"]


@pytest.mark.slow
def test_tiny_real_run_gives_every_table_and_figure(tmp_path):
    """The smoke plan cut to ResNet-18 (ImageNet stem), 1 epoch, 5 images per class."""
    spec = study1.plan(parameters(tmp_path))[0]
    spec = dataclasses.replace(spec, config=spec.config.replace(epochs=1, progress="none"),
                               dataset_options={**spec.dataset_options, "train_per_class": 5, "test_per_class": 2})
    data_dir = SHARED_DATA if SHARED_DATA.is_dir() else None
    outcomes = run_all([spec], tmp_path, data_dir=data_dir, synthetic_stand_in=True)
    assert 0 <= outcomes[0].metrics["test_top1"] <= 1
    assert len(outcomes[0].history) == 1
    tables = study1.tables(outcomes)
    assert not math.isnan(tables["table1_resnet18_training"].iloc[0]["this run train loss"])
    assert "confusion_resnet18_imagenet" in study1.figures(outcomes)
    assert study1.headlines(outcomes)[0]["this_run"] == outcomes[0].metrics["test_top1"]
