"""Study 5 (ResNets under 5M parameters on CIFAR-10): the tuning (grid) and final plans, settings,
layer tables, tables, headlines, figures and conclusion on hand-made outcomes, and one reduced real run."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from helpers.runs import RunOutcome, run_all
from helpers.studies import s05_small_resnets as study5
from helpers.studies.s05_small_resnets import findings, layers
from helpers.studies.s05_small_resnets import grid as tuning
from helpers.studies.common.parameters import CHOSEN, PAPER

from study_support import parameters


# --- plans ------------------------------------------------------------------------------------------

def test_smoke_grid_is_2x2_on_a_validation_split(tmp_path):
    grid = study5.tuning_plan(parameters(tmp_path))
    assert len(grid) == 4
    assert {(s.config.lr, s.config.momentum) for s in grid} == {(0.05, 0.8), (0.05, 0.9), (0.2, 0.8), (0.2, 0.9)}
    for spec in grid:
        assert spec.model == "resnet_large" and spec.config.optimizer == "sgd"
        assert spec.dataset_options["val_fraction"] > 0
        assert spec.config.epochs == 1
    assert len(study5.tuning_plan(parameters(tmp_path, seeds=[0, 1]))) == 8


@pytest.mark.parametrize("profile", ["smoke", "quick", "paper"])
def test_final_plan_trains_both_models_per_seed_with_the_papers_augmentation(tmp_path, profile):
    specs = study5.plan(parameters(tmp_path, profile, seeds=[0, 1]).with_tuned({"lr": 0.05, "momentum": 0.9}))
    assert [s.labels["model"] for s in specs] == ["ResNet18", "ResNetLarge"] * 2
    assert len({s.run_id for s in specs}) == 4
    for spec in specs:
        # the smoke profile does not concatenate the originals: half the cost per epoch
        assert (spec.config.augmentation, spec.config.concat_original) == ("study5", profile != "smoke")
        assert "val_fraction" not in spec.dataset_options  # final runs train on all training images
    small, large = specs[0].config, specs[1].config
    assert small.optimizer == "adamw" and small.scheduler == "onecycle"
    assert (large.optimizer, large.lr, large.momentum) == ("sgd", 0.05, 0.9)


def test_paper_profile_uses_the_papers_epochs_and_batch(tmp_path):
    specs = study5.plan(parameters(tmp_path, "paper").with_tuned({"lr": 0.1, "momentum": 0.95}))
    assert [(s.config.epochs, s.config.batch_size) for s in specs] == [(80, 64), (120, 64)]
    assert all(s.dataset_options == {} for s in specs)
    grid = study5.tuning_plan(parameters(tmp_path, "paper"))
    paper_grid = tuning.PROFILE_GRIDS["paper"]
    assert len(grid) == len(paper_grid["lrs"]) * len(paper_grid["momenta"])


def test_overrides_apply_to_final_and_cap_the_grid(tmp_path):
    params = parameters(tmp_path, "paper", epochs=2, batch_size=32, seeds=[3])
    final = study5.plan(params.with_tuned({"lr": 0.1, "momentum": 0.9}))
    assert {(s.config.epochs, s.config.batch_size, s.config.seed) for s in final} == {(2, 32, 3)}
    assert {s.config.epochs for s in study5.tuning_plan(params)} == {2}  # grid: min(10, 2)
    longer = parameters(tmp_path, "paper", epochs=30)
    assert {s.config.epochs for s in study5.tuning_plan(longer)} == {10}  # the grid's own length
    assert [s.config.epochs for s in study5.plan(longer.with_tuned({"lr": 0.1, "momentum": 0.9}))] == [30, 30]


def test_plan_without_grid_result_says_so(tmp_path):
    large = study5.plan(parameters(tmp_path))[1]
    assert (large.config.lr, large.config.momentum) == tuple(study5.FALLBACK_GRID_POINT.values())
    assert large.labels["lr source"].startswith("fallback")


def test_settings_label_every_source(tmp_path):
    table = study5.settings(parameters(tmp_path, "paper").with_tuned({"lr": 0.05, "momentum": 0.9}))
    assert all(source.startswith((PAPER, CHOSEN, "this machine")) for source in table["source"])
    rows = table.set_index("setting")
    assert "Figure 5" in rows.loc["ResNet18 learning rate", "source"]
    assert "lr 0.05, momentum 0.9" in rows.loc["ResNetLarge lr and momentum", "value"]
    assert rows.loc["ResNet18 epochs", "value"] == "80" and rows.loc["ResNet18 epochs", "source"] == PAPER
    assert rows.loc["loss", "value"] == "cross-entropy"
    smoke = study5.settings(parameters(tmp_path)).set_index("setting")
    assert smoke.loc["loss", "value"] == "cross-entropy, label smoothing 0.1 (both models)"
    assert smoke.loc["images used", "value"].endswith("every image they hold (grid runs: 40 train / 5 test images "
                                                      "per class)")


# --- layer tables (Figures 2 and 3) -------------------------------------------------------------------

def test_layer_tables_match_figures_2_and_3():
    tables = layers.layer_tables()
    check = layers.layer_check(tables)
    assert (check["difference"] == 0).all(), check
    assert tables["ResNet18"]["layer"].iloc[-1] == "Linear-57"
    assert tables["ResNetLarge"]["layer"].iloc[-2] == "AdaptiveAvgPool2d-29"
    text = layers.layer_text(tables["ResNet18"])
    assert "Total params: 4,815,940" in text and "Dropout-5" in text
    assert layers.layer_totals(tables["ResNetLarge"]).loc["Total params", "formatted"] == "4,903,242"


# --- tables on hand-made outcomes ---------------------------------------------------------------------

def fake_outcome(spec, test_top1, train_top1, val_top1=None, epochs=2, num_test=50, history=None):
    """A finished run of ``spec``: linear curves ending at ``test_top1`` / ``train_top1`` (or the
    test curve ``history``), 100 training images (200 a epoch with the original copies), 20 to
    validate and ``num_test`` to test."""
    test_curve = np.linspace(0.3, test_top1, epochs) if history is None else np.asarray(history)
    history = pd.DataFrame({"epoch": range(1, epochs + 1), "train_loss": np.linspace(2, 0.5, epochs),
                            "train_top1": np.linspace(0.3, train_top1, epochs),
                            "test_loss": np.linspace(2, 0.6, epochs),
                            "test_top1": test_curve, "test_top5": [0.9] * epochs,
                            "lr": np.linspace(0.001, 0.0, epochs)})
    classes = list(cifar10_classes())
    metrics = {"params": study5.PAPER_PARAMS[spec.labels["model"]], "epochs": epochs, "num_train": 100,
               "num_val": 20, "num_test": num_test, "final_train_top1": train_top1, "best_val_top1": val_top1,
               "test_top1": test_top1, "test_top5": 0.99, "wall_seconds": 3.0, "train_images_per_second": 40.0,
               "device": "cpu", "precision": "fp32", "classes": classes,
               "confusion": (np.eye(10, dtype=int) * 5).tolist(), "data_notes": ["real"], "config": spec.config.to_dict()}
    return RunOutcome(spec=spec, history=history, metrics=metrics)


def cifar10_classes():
    return ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


@pytest.fixture
def grid_outcomes(tmp_path):
    specs = study5.tuning_plan(parameters(tmp_path, seeds=[0, 1]))
    val = {(0.05, 0.8): 0.5, (0.05, 0.9): 0.6, (0.2, 0.8): 0.7, (0.2, 0.9): 0.65}
    return [fake_outcome(s, 0.5, 0.6, val[s.config.lr, s.config.momentum] + (0.01 if s.config.seed else -0.01))
            for s in specs]


@pytest.fixture
def final_specs(tmp_path):
    return study5.plan(parameters(tmp_path, "paper").with_tuned({"lr": 0.2, "momentum": 0.8}))


@pytest.fixture
def outcomes(final_specs):
    return [fake_outcome(final_specs[0], 0.9302, 0.9798), fake_outcome(final_specs[1], 0.9373, 0.9722)]


def test_grid_table_and_best_point(grid_outcomes, tmp_path):
    table = study5.grid_table(grid_outcomes)
    assert len(table) == 4 and set(table["seeds"]) == {2}
    point = table.set_index(["learning rate", "momentum"]).loc[(0.2, 0.8)]
    assert point["validation top-1"] == pytest.approx(0.7)
    assert point["validation ± 1 SE (points)"] == pytest.approx(100 * math.sqrt(0.0002 / 2 + 0.7 * 0.3 / 20))  # sd 0.014
    assert study5.tuned_values(grid_outcomes) == {"lr": 0.2, "momentum": 0.8}
    assert study5.tuned_values([]) == {}  # no tuning run (run in part): plan() falls back, and says so
    fallback = study5.plan(parameters(tmp_path).with_tuned({}))[1]
    assert fallback.labels["lr source"] == "fallback (no grid search run)"
    with pytest.raises(ValueError, match="grid"):
        tuning.best_grid_point([])
    sentence = tuning.grid_choice_sentence(grid_outcomes)
    assert sentence.startswith("best lr 0.2, momentum 0.8 (70.0 ± 10.3 % validation top-1)")
    assert "the runner-up (lr 0.2 / momentum 0.9)" in sentence and "cannot tell them apart" in sentence
    assert "validation images per model" in sentence and "test images" not in sentence  # the grid never tests


def test_accuracy_table_with_uncertainty_and_verdicts(outcomes):
    table = study5.accuracy_table(outcomes).set_index(["model", "metric"])
    assert table.loc[("ResNet18", "test top-1"), "paper top-1"] == pytest.approx(0.9302)
    assert table.loc[("ResNet18", "test top-1"), "difference (points)"] == pytest.approx(0.0, abs=1e-9)
    assert table.loc[("ResNet18", "test top-1"), "verdict"] == "within the noise of the paper"
    assert table.loc[("ResNetLarge", "test top-1"), "this run top-1"] == pytest.approx(0.9373)
    assert table.loc[("ResNetLarge", "test top-1"), "difference (points)"] == pytest.approx(1.0)
    assert table.loc[("ResNetLarge", "test top-1"), "this run ± 1 SE (points)"] == pytest.approx(
        100 * math.sqrt(0.9373 * 0.0627 / 50))
    # The train accuracy is measured on 200 images a epoch (the originals and their augmented copies).
    assert table.loc[("ResNetLarge", "train top-1"), "this run ± 1 SE (points)"] == pytest.approx(
        100 * math.sqrt(0.9722 * 0.0278 / 200))
    assert table.loc[("ResNetLarge", "train top-1"), "difference (points)"] == pytest.approx(-1.0)


def test_table1_in_the_papers_form_and_parameters(outcomes):
    table = study5.table1(outcomes)
    assert list(table.index) == ["Epochs", "Optimiser", "Parameters", "Final Test Accuracy", "Final Train Accuracy"]
    assert table.loc["Optimiser", "ResNet18 (this run)"] == "AdamW"
    assert table.loc["Optimiser", "ResNetLarge (this run)"] == "SGD"
    assert table.loc["Final Test Accuracy", "ResNetLarge (paper)"] == "92.73%"
    assert table.loc["Final Test Accuracy", "ResNetLarge (this run)"] == "93.73% ± 3.43"
    assert list(study5.parameter_table(outcomes)["difference"]) == [0, 0]


def test_headlines_tables_figures(outcomes, grid_outcomes):
    headlines = study5.headlines([*grid_outcomes, *outcomes])
    labels = [item["label"] for item in headlines]
    assert labels[:4] == ["ResNet18 test top-1", "ResNet18 train top-1", "ResNetLarge test top-1",
                          "ResNetLarge train top-1"]
    assert headlines[0]["paper"] == 0.9302 and headlines[2]["this_run"] == pytest.approx(0.9373)
    assert headlines[0]["uncertainty"]["n"] == 50 and headlines[1]["uncertainty"]["n"] == 200
    assert headlines[0]["verdict"] == "within the noise of the paper"
    gap = headlines[labels.index("ResNet18 minus ResNetLarge test top-1")]
    assert gap["difference"] and gap["verdict"] == "within the noise"
    grid = headlines[labels.index("ResNetLarge grid: best validation top-1")]
    assert grid["this_run"] == pytest.approx(0.7) and grid["uncertainty"]["kind"] == "seed_sd"
    json.dumps(headlines)
    shown = study5.headline_table(headlines).set_index("headline")
    assert shown.loc["ResNet18 test top-1", "paper"] == "93.02 %"
    tables = study5.tables([*grid_outcomes, *outcomes])
    assert {"table1", "table1_accuracy_vs_paper", "parameters", "fig7_grid", "runs", "fig2_resnet18_layers",
            "fig3_resnetlarge_layers", "layer_check", "paper_contradictions", "plateau_after_epoch_40",
            "paper_items"} == set(tables)
    assert len(tables["runs"]) == 10 and "test top-1 ± 1 SE (points)" in tables["runs"].columns
    figures = study5.figures([*grid_outcomes, *outcomes])
    assert {"fig4_resnet18_confusion", "fig5_resnet18_learning_rate", "fig6_resnet18_accuracy", "fig6_resnet18_loss",
            "fig7_resnetlarge_grid", "fig8_resnetlarge_confusion", "fig9_resnetlarge_accuracy",
            "fig9_resnetlarge_loss"} == set(figures)


# --- the paper against its own numbers ----------------------------------------------------------------

def test_the_kaggle_scores_are_named_and_not_reproduced(outcomes):
    text = study5.contradictions_markdown(outcomes)
    assert "81.2 % (ResNet18), 81.3 % (ResNetLarge)" in text and "11.82 and 11.43 points lower" in text
    assert "cannot be reproduced here" in text
    assert "+0.29 ± 0.36 points" in text and "within its own noise" in text
    assert "not able to cross the 80% suggested accuracy" in text


def test_the_plateau_after_epoch_40_is_checked_only_on_long_runs(final_specs, outcomes):
    assert "too short to check" in study5.contradictions_markdown(outcomes)
    assert study5.tables(outcomes)["plateau_after_epoch_40"].empty
    flat = np.concatenate([np.linspace(0.3, 0.9, 40), np.linspace(0.9, 0.92, 40)])
    rising = np.linspace(0.3, 0.9, 120)
    long = [fake_outcome(final_specs[0], 0.92, 0.98, epochs=80, num_test=10_000, history=flat),
            fake_outcome(final_specs[1], 0.9, 0.98, epochs=120, num_test=10_000, history=rising)]
    rows = {row["model"]: row for row in findings.plateau_rows(study5.groups_of(long))}
    assert rows["ResNet18"]["gain after epoch 40 (points)"] == pytest.approx(2.0)
    assert rows["ResNet18"]["share of the gain after epoch 1"] == pytest.approx(0.02 / 0.62)
    assert rows["ResNetLarge"]["share of the gain after epoch 1"] > 0.6
    assert "Borne out for one model only" in study5.contradictions_markdown(long)
    items = findings.paper_items_table().set_index("item")
    assert items.loc["Figure 1", "in this report"] == "not reproduced" and "illustration" in items.loc[
        "Figure 1", "where / why"]
    assert (items.drop("Figure 1")["in this report"] == "reproduced").all()


# --- conclusions: a clear win, a tie within the noise, a reversal ------------------------------------

def test_conclusion_a_clear_win_agrees_with_the_paper(final_specs, tmp_path):
    runs = [fake_outcome(final_specs[0], 0.93, 0.98, num_test=10_000),
            fake_outcome(final_specs[1], 0.90, 0.98, num_test=10_000)]
    text = study5.conclusion(runs, parameters(tmp_path, "paper"))
    assert "ResNet18 is clearly higher" in text and "which agrees with the paper (ResNet18 ahead)" in text
    assert "matching the paper's 4,815,940" in text and "reduced data" not in text
    assert "Table 1's own gap (+0.29 ± 0.36 points) is within its own noise" in text


def test_conclusion_a_tie_within_the_noise_claims_nothing(outcomes, grid_outcomes, tmp_path):
    text = study5.conclusion([*grid_outcomes, *outcomes], parameters(tmp_path))
    assert "can neither confirm nor contradict the paper's ordering" in text
    assert "agrees" not in text.replace("disagrees", "") and "test images per model" in text
    assert "best lr 0.2, momentum 0.8" in text and "reduced data" in text
    assert "binomial standard error of the 50 test images" in text


def test_conclusion_a_reversal_disagrees(final_specs, tmp_path):
    runs = [fake_outcome(final_specs[0], 0.88, 0.98, num_test=10_000),
            fake_outcome(final_specs[1], 0.93, 0.98, num_test=10_000)]
    text = study5.conclusion(runs, parameters(tmp_path, "paper"))
    assert "ResNetLarge is clearly higher" in text and "which disagrees with the paper (ResNet18 ahead there)" in text
    at_chance = [fake_outcome(o.spec, 0.12, 0.15, num_test=100) for o in runs]
    assert "not clearly above chance (10.0 %)" in study5.conclusion(at_chance, parameters(tmp_path))


# --- one real run ----------------------------------------------------------------------------------

@pytest.mark.slow
def test_reduced_smoke_grid_and_final_runs(tmp_path):
    """A 1-point grid and both final models on 4 images per class (real CIFAR-10 when present)."""
    params = parameters(tmp_path)
    tiny = {"train_per_class": 4, "test_per_class": 4}
    grid = [replace(s, dataset_options={**s.dataset_options, **tiny}) for s in study5.tuning_plan(params)[:1]]
    grid_outcomes = run_all(grid, tmp_path / "out", synthetic_stand_in=True)
    best = study5.tuned_values(grid_outcomes)
    assert best == {"lr": grid[0].config.lr, "momentum": grid[0].config.momentum}
    final = [replace(s, dataset_options=tiny) for s in study5.plan(params.with_tuned(best))]
    outcomes = run_all(final, tmp_path / "out", synthetic_stand_in=True)
    assert [o.metrics["params"] for o in outcomes] == [4_815_940, 4_903_242]
    assert grid_outcomes[0].metrics["best_val_top1"] is not None
    assert set(study5.tables([*grid_outcomes, *outcomes])) >= {"table1", "fig7_grid"}
