"""Study 5 (ResNets under 5M parameters on CIFAR-10): the tuning (grid), final and ablation plans,
settings, banners, layer tables, tables, headlines, figures, the claims ledger and the answer on
hand-made outcomes, and one reduced real run."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from helpers.runs import RunOutcome, run_all
from helpers.studies import s05_small_resnets as study5
from helpers.studies.s05_small_resnets import contradictions, layers
from helpers.studies.s05_small_resnets import grid as tuning
from helpers.studies.s05_small_resnets.recipe import CONCAT_OFF, CONCAT_ON, EQUAL_RECIPE, NO_AUGMENTATION
from helpers.studies.common.claims import (CONFOUNDED, CONTRADICTED, NOT_DECIDED, SUPPORTED, UNSTABLE, VERDICTS,
                                           ledger_frame, recipe_differences)
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
    specs = [s for s in study5.plan(parameters(tmp_path, profile, seeds=[0, 1]).with_tuned({"lr": 0.05, "momentum": 0.9}))
             if s.labels["phase"] == "final"]
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
    assert [(s.config.epochs, s.config.batch_size) for s in specs] == [(80, 64), (120, 64), (80, 64), (120, 64),
                                                                       (120, 64)]  # then the three ablations
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
    assert {s.config.epochs for s in study5.plan(longer.with_tuned({"lr": 0.1, "momentum": 0.9}))} == {30}


def test_plan_without_grid_result_says_so(tmp_path):
    large = study5.plan(parameters(tmp_path))[1]
    assert (large.config.lr, large.config.momentum) == tuple(study5.FALLBACK_GRID_POINT.values())
    assert large.labels["lr source"].startswith("fallback")


@pytest.mark.parametrize("profile", ["smoke", "cpu", "paper"])
def test_each_ablation_differs_from_its_base_in_the_claims_field_only(tmp_path, profile):
    specs = study5.plan(parameters(tmp_path, profile, seeds=[0, 1]).with_tuned({"lr": 0.2, "momentum": 0.8}))
    final = {s.labels["model"]: s for s in specs if s.labels["phase"] == "final" and s.config.seed == 0}
    ablations = {s.labels["variant"]: s for s in specs if s.labels["phase"] == "ablation" and s.config.seed == 0}
    assert len([s for s in specs if s.labels["phase"] == "ablation"]) == 2 * len(ablations)  # per seed
    assert all(s.model == "resnet_large" for s in ablations.values())

    def differences(first, second):  # recipe fields and data options, as the ledger compares them
        return recipe_differences([RunOutcome(first, pd.DataFrame(), {})], [RunOutcome(second, pd.DataFrame(), {})])

    assert differences(ablations[EQUAL_RECIPE], final["ResNet18"]) == []  # one recipe: the architectures apart
    assert ablations[EQUAL_RECIPE].config.optimizer == "adamw"
    plain = ablations[NO_AUGMENTATION]
    assert (plain.config.augmentation, plain.config.concat_original) == ("none", False)
    assert {d.split()[0] for d in differences(plain, final["ResNetLarge"])} <= {"augmentation", "concat_original"}
    concatenated = final["ResNetLarge"].config.concat_original
    if profile == "cpu":  # there the concatenation's ablation would double its epochs: left out, and said so
        assert set(ablations) == {EQUAL_RECIPE, NO_AUGMENTATION}
    else:
        toggled = ablations[CONCAT_OFF if concatenated else CONCAT_ON]
        assert toggled.config.concat_original is not concatenated
        assert differences(toggled, final["ResNetLarge"]) == [f"concat_original {not concatenated!r} vs "
                                                               f"{concatenated!r}"]
    if profile == "smoke":  # smoke also plans the GPU profiles' concatenation ablation: there it is the final run
        assert set(ablations) == {EQUAL_RECIPE, NO_AUGMENTATION, CONCAT_ON, CONCAT_OFF}
        assert differences(ablations[CONCAT_OFF], final["ResNetLarge"]) == []
    assert len({s.run_id for s in specs}) == len(specs)


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
    assert smoke.loc["ablations (ResNetLarge)", "value"] == (
        "ResNetLarge with ResNet18's recipe; ResNetLarge without augmentation; ResNetLarge with the originals "
        "concatenated; ResNetLarge without the originals concatenated (trains as the final ResNetLarge here; planned "
        "so that this profile checks every run the GPU profiles plan)")


def test_the_plan_banner_says_the_subset_of_the_grid_runs_alone(tmp_path):
    banner = study5.plan_banner(parameters(tmp_path, "smoke"))
    main, grid = banner.split("Grid runs only")
    assert "40 train / 5 test images per class" in grid and "every training image" in grid
    assert "40 train / 5 test" not in main  # the final runs' data: the samples' every image
    assert "Grid runs only" not in study5.plan_banner(parameters(tmp_path, "smoke", runs=["resnet18_*"]))
    for profile in ("cpu", "paper"):  # no subset anywhere (cpu v2: the grid too trains on every image)
        assert "Grid runs only" not in study5.plan_banner(parameters(tmp_path, profile))


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

def fake_outcome(spec, test_top1, train_top1, val_top1=None, epochs=2, num_test=50, history=None, num_train=100,
                 notes=("real",), predictions=False):
    """A finished run of ``spec``: linear curves ending at ``test_top1`` / ``train_top1`` (or the
    test curve ``history``), ``num_train`` training images (twice that a epoch with the original
    copies), 20 to validate and ``num_test`` to test; with ``predictions``, per-image predictions
    right on the first ``test_top1`` share of the test images (so runs compare image by image)."""
    test_curve = np.linspace(0.3, test_top1, epochs) if history is None else np.asarray(history)
    history = pd.DataFrame({"epoch": range(1, epochs + 1), "train_loss": np.linspace(2, 0.5, epochs),
                            "train_top1": np.linspace(0.3, train_top1, epochs),
                            "test_loss": np.linspace(2, 0.6, epochs),
                            "test_top1": test_curve, "test_top5": [0.9] * epochs,
                            "lr": np.linspace(0.001, 0.0, epochs)})
    classes = list(cifar10_classes())
    metrics = {"params": study5.PAPER_PARAMS[spec.labels["model"]], "epochs": epochs, "num_train": num_train,
               "num_val": 20, "num_test": num_test, "final_train_top1": train_top1, "best_val_top1": val_top1,
               "test_top1": test_top1, "test_top5": 0.99, "wall_seconds": 3.0, "train_images_per_second": 40.0,
               "device": "cpu", "precision": "fp32", "classes": classes,
               "confusion": (np.eye(10, dtype=int) * 5).tolist(), "data_notes": list(notes),
               "config": spec.config.to_dict()}
    stored = None
    if predictions:
        labels = (np.arange(num_test) % 10).astype(np.int16)
        predicted = np.where(np.arange(num_test) < round(test_top1 * num_test), labels, (labels + 1) % 10)
        stored = {"test_labels": labels, "test_predicted": predicted.astype(np.int16)}
    return RunOutcome(spec=spec, history=history, metrics=metrics, predictions=stored)


def unstable_copy(outcome):
    """``outcome`` as if its test loss had blown up to 500 after epoch 1 (over 10 ln(classes))."""
    history = outcome.history.copy()
    history.loc[0, "test_loss"] = 500.0
    return replace(outcome, history=history)


def cifar10_classes():
    return ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


@pytest.fixture
def grid_outcomes(tmp_path):
    specs = study5.tuning_plan(parameters(tmp_path, seeds=[0, 1]))
    val = {(0.05, 0.8): 0.5, (0.05, 0.9): 0.6, (0.2, 0.8): 0.7, (0.2, 0.9): 0.65}
    return [fake_outcome(s, 0.5, 0.6, val[s.config.lr, s.config.momentum] + (0.01 if s.config.seed else -0.01))
            for s in specs]


@pytest.fixture
def all_specs(tmp_path):
    """The paper profile's final runs, then its ablations (one seed)."""
    return study5.plan(parameters(tmp_path, "paper").with_tuned({"lr": 0.2, "momentum": 0.8}))


@pytest.fixture
def final_specs(all_specs):
    return [spec for spec in all_specs if spec.labels["phase"] == "final"]


@pytest.fixture
def outcomes(final_specs):
    return [fake_outcome(final_specs[0], 0.9302, 0.9798), fake_outcome(final_specs[1], 0.9373, 0.9722)]


def paper_budget_outcomes(all_specs, accuracies, num_test=10_000):
    """Every final and ablation run at the paper's budget (80 / 120 epochs, 50,000 images), with
    test top-1 ``accuracies[variant or model]`` and per-image predictions."""
    return [fake_outcome(spec, accuracies[spec.labels.get("variant", spec.labels["model"])], 0.98,
                         epochs=spec.config.epochs, num_test=num_test, num_train=50_000, predictions=True)
            for spec in all_specs]


def test_grid_table_and_best_point(grid_outcomes, tmp_path):
    table = study5.grid_table(grid_outcomes)
    assert len(table) == 4 and set(table["seeds"]) == {2}
    point = table.set_index(["learning rate", "momentum"]).loc[(0.2, 0.8)]
    assert point["validation top-1"] == pytest.approx(0.7)
    assert point["validation ± 1 SE (points)"] == pytest.approx(100 * math.sqrt(0.0002 / 2 + 0.7 * 0.3 / 20))  # sd 0.014
    assert study5.tuned_values(grid_outcomes) == {"lr": 0.2, "momentum": 0.8}
    diverged = [unstable_copy(o) if (o.spec.config.lr, o.spec.config.momentum) == (0.2, 0.8) else o
                for o in grid_outcomes]
    assert study5.tuned_values(diverged) == {"lr": 0.2, "momentum": 0.9}  # the best stable point
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
    assert {item["verdict"] for item in headlines[:4]} == {NOT_DECIDED}  # 2 epochs of 100 images: below the budget
    gap = headlines[labels.index("ResNet18 minus ResNetLarge test top-1, each model its own recipe, as Table 1")]
    assert gap["difference"] and gap["verdict"] == CONFOUNDED and gap["paper"] == pytest.approx(0.0029)
    grid = headlines[labels.index("ResNetLarge grid: best validation top-1")]
    assert grid["this_run"] == pytest.approx(0.7) and grid["uncertainty"]["kind"] == "seed_sd"
    json.dumps(headlines)
    shown = study5.headline_table(headlines).set_index("headline")
    assert shown.loc["ResNet18 test top-1", "paper"] == "93.02 %"
    tables = study5.tables([*grid_outcomes, *outcomes])
    assert {"claims_ledger", "table1", "table1_accuracy_vs_paper", "model_ordering", "parameters", "fig7_grid", "runs",
            "fig2_resnet18_layers", "fig3_resnetlarge_layers", "layer_check", "paper_contradictions",
            "plateau_after_epoch_40", "paper_items", "time_to_accuracy"} == set(tables)
    assert len(tables["runs"]) == 10 and "test top-1 ± 1 SE (points)" in tables["runs"].columns
    assert set(tables["runs"]["training"]) == {"stable"}
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
    rows = {row["model"]: row for row in contradictions.plateau_rows(study5.groups_of(long))}
    assert rows["ResNet18"]["gain after epoch 40 (points)"] == pytest.approx(2.0)
    assert rows["ResNet18"]["share of the gain after epoch 1"] == pytest.approx(0.02 / 0.62)
    assert rows["ResNetLarge"]["share of the gain after epoch 1"] > 0.6
    assert "Borne out for one model only" in study5.contradictions_markdown(long)
    items = contradictions.paper_items_table().set_index("item")
    assert items.loc["Figure 1", "in this report"] == "not reproduced" and "illustration" in items.loc[
        "Figure 1", "where / why"]
    assert (items.drop("Figure 1")["in this report"] == "reproduced").all()


# --- the claims ledger and the answer -------------------------------------------------------------------

def keyed(ledger):
    return {claim.key: row for claim, row in zip(study5.CLAIMS, ledger)}


def test_the_ledger_has_one_valid_row_per_claim(outcomes, grid_outcomes):
    for runs in ([], outcomes, [*grid_outcomes, *outcomes]):
        ledger = study5.claims_ledger(runs)
        assert [row["claim"] for row in ledger] == [claim.statement for claim in study5.CLAIMS]
        assert all(row["verdict"] in VERDICTS and row["what would decide it"] for row in ledger)
        assert list(ledger_frame(ledger).columns)[-2:] == ["verdict", "what would decide it"]
    rows = keyed(study5.claims_ledger(outcomes))
    assert rows["params_under_5m"]["verdict"] == SUPPORTED  # counted on the built models: exact
    assert "ResNet18 4,815,940 (+0 against Figure 2)" in rows["params_under_5m"]["this run"]
    assert rows["ordering"]["verdict"] == NOT_DECIDED and "was not run" in rows["ordering"]["this run"]
    assert rows["kaggle_vs_table1"]["verdict"] == NOT_DECIDED  # the paper's own numbers decide neither order
    assert "kuangliu/pytorch-cifar" in rows["resnet18_accuracy"]["reference"]
    assert "8.75/7.51/7.17/6.97" in rows["resnetlarge_accuracy"]["reference"]


def test_table1_accuracies_are_decided_only_at_the_papers_budget(all_specs, outcomes):
    short = keyed(study5.claims_ledger(outcomes))["resnet18_accuracy"]  # 2 epochs on 100 images
    assert short["verdict"] == NOT_DECIDED
    assert short["what would decide it"] == ("the paper's budget: 80 epochs (this run: 2); the 50,000 training images "
                                             "(this run: 100)")  # the paper profile concatenates, as the paper
    at_budget = {"ResNet18": 0.9295, "ResNetLarge": 0.90, EQUAL_RECIPE: 0.93, NO_AUGMENTATION: 0.90, CONCAT_OFF: 0.90}
    rows = keyed(study5.claims_ledger(paper_budget_outcomes(all_specs, at_budget)))
    assert rows["resnet18_accuracy"]["verdict"] == NOT_DECIDED  # on the paper's number: within the noise
    assert "test images per model" in rows["resnet18_accuracy"]["what would decide it"]
    assert rows["resnetlarge_accuracy"]["verdict"] == CONTRADICTED  # 2.73 points below, beyond 2 SE
    assert rows["resnetlarge_accuracy"]["seeds"] == "1"


def test_comparisons_use_one_recipe_and_the_paper_pair_gets_no_verdict(all_specs):
    accuracies = {"ResNet18": 0.90, "ResNetLarge": 0.95, EQUAL_RECIPE: 0.95, NO_AUGMENTATION: 0.85, CONCAT_OFF: 0.95}
    runs = paper_budget_outcomes(all_specs, accuracies)
    rows = keyed(study5.claims_ledger(runs))
    assert rows["ordering"]["verdict"] == SUPPORTED  # ResNetLarge with ResNet18's recipe, 5 points ahead, paired
    assert "ResNetLarge (ResNet18's recipe) minus ResNet18: +5.00 ± 0.22 points (paired over 10,000" in \
        rows["ordering"]["this run"]
    assert "with each model's own recipe, as the paper (no verdict: recipes differ): +5.00" in rows["ordering"]["this run"]
    assert rows["augmentation"]["verdict"] == SUPPORTED
    assert rows["concatenation"]["verdict"] == NOT_DECIDED  # 0.95 both ways
    assert "twice the steps per epoch" in rows["concatenation"]["this run"]
    pairs = study5.tables(runs)["model_ordering"].set_index("pair")["verdict"]
    assert list(pairs) == [SUPPORTED, CONFOUNDED]
    # Without the equal-recipe run the ordering is not decided, whatever the paper-recipe pair shows.
    without = [run for run in runs if run.spec.labels.get("variant") != EQUAL_RECIPE]
    assert keyed(study5.claims_ledger(without))["ordering"]["verdict"] == NOT_DECIDED


def test_an_unstable_run_leaves_the_claims_resting_on_it_undecided(all_specs):
    accuracies = {"ResNet18": 0.90, "ResNetLarge": 0.95, EQUAL_RECIPE: 0.95, NO_AUGMENTATION: 0.85, CONCAT_OFF: 0.95}
    runs = [unstable_copy(run) if run.spec.run_id == "resnet_large_seed0" else run
            for run in paper_budget_outcomes(all_specs, accuracies)]
    rows = keyed(study5.claims_ledger(runs))
    for key in ("resnetlarge_accuracy", "augmentation", "concatenation", "plateau"):
        assert rows[key]["verdict"] == UNSTABLE, key
        assert "a rerun that trains stably" in rows[key]["what would decide it"]
    assert "unstable: resnet_large_seed0 (its test loss after epoch 1 is 500" in rows["augmentation"]["this run"]
    assert rows["ordering"]["verdict"] == SUPPORTED  # the equal-recipe pair does not rest on it
    assert rows["resnet18_accuracy"]["verdict"] != UNSTABLE
    table = study5.accuracy_table(runs).set_index(["model", "metric"])
    assert table.loc[("ResNetLarge", "test top-1"), "verdict"] == UNSTABLE
    assert "(UNSTABLE)" in study5.table1(runs).loc["Final Test Accuracy", "ResNetLarge (this run)"]
    assert study5.tables(runs)["runs"].set_index("run").loc["resnet_large_seed0", "training"].startswith("UNSTABLE")
    headline = {item["label"]: item for item in study5.headlines(runs)}
    assert headline["ResNetLarge test top-1"]["verdict"] == UNSTABLE
    figure = study5.figures(runs)["fig9_resnetlarge_accuracy"]
    assert any("UNSTABLE" in label for label in figure.axes[0].get_legend_handles_labels()[1])


def test_the_grid_claim_compares_the_best_point_with_the_worst(tmp_path):
    specs = study5.tuning_plan(parameters(tmp_path))
    val = {(0.05, 0.8): 0.5, (0.05, 0.9): 0.6, (0.2, 0.8): 0.7, (0.2, 0.9): 0.65}
    test = {(0.05, 0.8): 0.5, (0.05, 0.9): 0.6, (0.2, 0.8): 0.8, (0.2, 0.9): 0.65}
    runs = [fake_outcome(s, test[s.config.lr, s.config.momentum], 0.6, val[s.config.lr, s.config.momentum],
                         num_test=1_000, predictions=True) for s in specs]
    row = keyed(study5.claims_ledger(runs))["grid_search"]
    assert row["this run"].startswith("best point (lr 0.2, momentum 0.8) minus worst point (lr 0.05, momentum 0.8): "
                                      "+30.00")
    assert row["verdict"] == SUPPORTED and "a second seed would check it" in row["what would decide it"]
    # A point that diverged is left out (named), and the comparison is among the stable points.
    runs = [unstable_copy(run) if run.spec.config.lr == 0.05 and run.spec.config.momentum == 0.8 else run
            for run in runs]
    row = keyed(study5.claims_ledger(runs))["grid_search"]
    assert row["this run"].startswith("best point (lr 0.2, momentum 0.8) minus worst point (lr 0.05, momentum 0.9): "
                                      "+20.00")
    assert row["this run"].endswith("trained unstably, left out: lr 0.05 / momentum 0.8")
    runs = [unstable_copy(run) if run.spec.config.lr == 0.2 else run for run in runs]
    assert keyed(study5.claims_ledger(runs))["grid_search"]["verdict"] == UNSTABLE  # one stable point is no comparison


def test_notes_and_epoch_contents_belong_to_their_own_runs(tmp_path):
    params = parameters(tmp_path, "cpu", seeds=[0]).with_tuned({"lr": 0.2, "momentum": 0.8})
    disk, subset = "25,000 train / 10,000 test images on disk", "class-balanced subset: 1000 train / 100 test images"
    runs = [*(fake_outcome(s, 0.5, 0.6, 0.5, notes=(disk, subset)) for s in study5.tuning_plan(params)),
            *(fake_outcome(s, 0.7, 0.8, notes=(disk,)) for s in study5.plan(params))]
    table = study5.tables(runs)["runs"]
    assert all(subset in notes for notes in table[table["phase"] == "grid"]["data"])
    assert not any(subset in notes for notes in table[table["phase"] != "grid"]["data"])
    assert study5.tagged_data_notes(runs) == [disk, f"[grid] {subset}"]
    headline = {item["label"]: item for item in study5.headlines(runs)}
    assert headline["ResNet18 test top-1"]["data_notes"] == [disk]
    assert subset in headline["ResNetLarge grid: best validation top-1"]["data_notes"]
    banners = study5.data_banners(runs, profile="cpu")
    grid_part, final_part = banners.split("Final runs and ablation runs")
    assert "Grid runs" in grid_part and subset in grid_part and subset not in final_part
    # The cpu profile does not concatenate: no sentence says its epochs hold the originals.
    note = study5.epoch_note(runs)
    assert "ResNet18 (final); ResNetLarge (final); ResNetLarge with ResNet18's recipe; grid runs: 100 images: one " \
           "augmented copy of each training image, the originals not added" in note
    assert "ResNetLarge without augmentation: 100 images: each training image once, unaugmented" in note
    assert "as the original" not in note
    paper_runs = [fake_outcome(s, 0.9, 0.9) for s in study5.plan(parameters(tmp_path, "paper"))]
    assert "ResNet18 (final); ResNetLarge (final); ResNetLarge with ResNet18's recipe: 200 images: each of the 100 " \
           "training images as the original and once augmented" in study5.epoch_note(paper_runs)


def test_the_answer_is_short_and_computed(all_specs, tmp_path):
    accuracies = {"ResNet18": 0.90, "ResNetLarge": 0.95, EQUAL_RECIPE: 0.95, NO_AUGMENTATION: 0.85, CONCAT_OFF: 0.95}
    runs = paper_budget_outcomes(all_specs, accuracies)
    text = study5.answer(runs, parameters(tmp_path, "paper"))
    assert "ResNet18 90.00 ± 0.30 %, ResNetLarge 95.00 ± 0.22 % (Table 1: 93.02 % and 92.73 %)" in text
    assert "At the paper's budget, the accuracy claims are contradicted (ResNet18) and supported" in text
    assert "ResNetLarge ahead of ResNet18 on one recipe: supported" in text
    assert "**Claims** (9):" in text and "80 / 120 epochs (paper 80 / 120); 1 seed per model" in text
    assert len(text.split()) <= 130
    short = study5.answer(runs[:2], parameters(tmp_path))  # finals only, on 50,000 images but at 80/120 epochs
    assert "ResNetLarge ahead of ResNet18 on one recipe: not decided at this budget" in short


def test_the_conclusion_gives_every_claims_verdict_and_the_caveats(all_specs, outcomes, tmp_path):
    accuracies = {"ResNet18": 0.90, "ResNetLarge": 0.95, EQUAL_RECIPE: 0.95, NO_AUGMENTATION: 0.85, CONCAT_OFF: 0.95}
    runs = paper_budget_outcomes(all_specs, accuracies)
    text = study5.conclusion(runs, parameters(tmp_path, "paper"))
    ledger = study5.claims_ledger(runs)
    assert text.count("\n- **") == len(ledger) == 9
    for row in ledger:
        assert f": **{row['verdict']}**." in text
    assert "**ResNetLarge ahead of ResNet18**: ResNetLarge (ResNet18's recipe) minus ResNet18: +5.00" in text
    assert "**Table 1 against the Kaggle scores**: the paper's own numbers, no run of ours" in text
    assert "had less than the paper's" not in text  # at the paper's budget
    smoke = study5.conclusion(outcomes, parameters(tmp_path))
    assert "ResNet18 had less than the paper's 80 epochs (this run: 2)" in smoke and "prove the pipeline" in smoke
    part = study5.conclusion(runs[:1], parameters(tmp_path, "paper", runs="resnet18_*"))
    assert "only the runs matching resnet18_* trained" in part and "**ResNetLarge's 92.73 % (Table 1)**" in part


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
    final = [replace(s, dataset_options=tiny) for s in study5.plan(params.with_tuned(best)) if s.labels["phase"] == "final"]
    outcomes = run_all(final, tmp_path / "out", synthetic_stand_in=True)
    assert [o.metrics["params"] for o in outcomes] == [4_815_940, 4_903_242]
    assert grid_outcomes[0].metrics["best_val_top1"] is not None
    assert set(study5.tables([*grid_outcomes, *outcomes])) >= {"table1", "fig7_grid"}
