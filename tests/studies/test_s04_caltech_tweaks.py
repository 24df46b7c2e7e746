"""Study 4 (ResNet-50 tweaks and refinements on Caltech-101): plans, settings, tables, headlines,
figures and conclusion on hand-made outcomes, and one heavily reduced real run."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import nbformat
import pytest

from helpers.errors import InvalidConfigError, UnknownNameError
from helpers.runs import RunOutcome, run_all
from helpers.studies import estimate
from helpers.studies import s04_caltech_tweaks as study4
from helpers.studies.s04_caltech_tweaks import findings, paper, pretrained
from helpers.studies.s04_caltech_tweaks.recipe import MIXUP_ALPHA
from helpers.studies.s04_caltech_tweaks.tables import (figure_list, refinement_effects, refinement_gains,
                                                       refinement_table, tweak_table)
from helpers.studies.common.claims import (CONFOUNDED, CONTRADICTED, LEDGER_COLUMNS, NOT_DECIDED, SUPPORTED, UNSTABLE,
                                           VERDICTS, ledger_frame)
from helpers.studies.common.display import show_table
from helpers.studies.common.parameters import CHOSEN, PAPER, check_parameter_values
from helpers.studies.common.selection import select_runs
from helpers.statistics.uncertainty import Measured

from study_support import parameters

REPO = Path(__file__).resolve().parents[2]
NAMES = ["A", "B", "C", "D"] + [f"{m}+{r}" for m in "AB" for r in paper.REFINEMENTS]


def by_name(specs):
    return {paper.run_name(s.labels["model"].removeprefix("Model-"), s.labels["refinements"]): s for s in specs}


# --- plans ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("profile", ["smoke", "quick", "paper"])
def test_every_profile_trains_all_18_runs_per_seed(tmp_path, profile):
    specs = study4.plan(parameters(tmp_path, profile, pretrained=False))
    assert sorted(by_name(specs)) == sorted(NAMES)
    assert len(specs) == 18
    assert len({spec.run_id for spec in specs}) == 18
    assert len(study4.plan(parameters(tmp_path, profile, seeds=[0, 1, 2], pretrained=False))) == 54


def test_paper_profile_uses_the_papers_settings(tmp_path):
    specs = by_name(study4.plan(parameters(tmp_path, "paper")))
    for spec in specs.values():
        assert spec.model == "resnet50" and spec.dataset == "caltech101"
        assert (spec.config.epochs, spec.config.batch_size, spec.config.lr) == (10, 64, 0.001)
        assert spec.dataset_options == {"image_size": 64}
    assert specs["A"].config.scheduler == "none"  # without c the learning rate is constant
    assert specs["A+c"].config.scheduler == "cosine" and specs["A+c"].config.label_smoothing == 0
    assert specs["B+l"].config.label_smoothing == 0.1 and specs["B+l"].config.mixup_alpha == 0
    assert specs["B+m"].config.mixup_alpha == MIXUP_ALPHA == 0.2
    combined = specs["A+c+l+m"].config
    assert (combined.scheduler, combined.label_smoothing, combined.mixup_alpha) == ("cosine", 0.1, 0.2)
    # cpu v2 trains the paper's recipe itself, on every image, with zero gamma (from scratch) as its one addition.
    cpu = by_name(study4.plan(parameters(tmp_path, "cpu")))
    assert {name: spec.config for name, spec in cpu.items()} == {name: spec.config for name, spec in specs.items()}
    assert all(spec.dataset_options == {"image_size": 64} and spec.model_options["zero_init_residual"]
               for spec in cpu.values())


def test_each_model_is_one_switch_on_model_a(tmp_path):
    specs = by_name(study4.plan(parameters(tmp_path, "paper")))
    assert specs["A"].model_options == {"stem": "imagenet"}
    assert specs["B"].model_options == {"stem": "imagenet", "stride_in_3x3": True}
    assert specs["C"].model_options == {"stem": "deep"}
    assert specs["D"].model_options == {"stem": "imagenet", "avg_down": True}
    assert specs["B+c+l"].model_options == specs["B"].model_options
    smoke = by_name(study4.plan(parameters(tmp_path)))  # smoke: zero gamma on every model alike
    for name, spec in smoke.items():
        assert spec.model_options == {**specs[name].model_options, "zero_init_residual": True}, name


def test_smoke_profile_learns_on_every_embedded_image_and_overrides_apply(tmp_path):
    smoke = by_name(study4.plan(parameters(tmp_path)))
    for spec in smoke.values():
        assert spec.dataset_options == {"image_size": 32}  # no per-class subset: all 606 / 202 samples
        config = spec.config
        assert (config.epochs, config.batch_size, config.optimizer, config.lr, config.augmentation) == (
            2, 64, "adam", 0.002, "flip")
    # The refinements stay what they are: c is the only schedule change, l and m their paper values.
    assert smoke["A"].config.scheduler == "none" and smoke["A+c"].config.scheduler == "cosine"
    assert (smoke["B+l+m"].config.label_smoothing, smoke["B+l+m"].config.mixup_alpha) == (0.1, 0.2)
    overridden = study4.plan(parameters(tmp_path, "paper", epochs=3, batch_size=32, seeds=[7], image_size=224))
    assert {(s.config.epochs, s.config.batch_size, s.config.seed) for s in overridden} == {(3, 32, 7)}
    assert {s.dataset_options["image_size"] for s in overridden} == {224}
    assert all(s.run_id.endswith("_seed7") for s in overridden)


def test_bad_profile_is_rejected_before_planning(tmp_path):
    with pytest.raises(UnknownNameError, match="profile"):
        parameters(tmp_path, "full")


def test_settings_label_every_source_and_say_from_scratch(tmp_path):
    table = study4.settings(parameters(tmp_path, "paper"))
    assert list(table.columns) == ["setting", "value", "source"]
    assert all(source.startswith((PAPER, CHOSEN, "this machine", "override")) for source in table["source"])
    rows = table.set_index("setting")
    assert "from scratch" in rows.loc["pretrained weights", "value"]
    assert "fine-tuned" in rows.loc["pretrained weights", "source"]
    assert "0.2" in rows.loc["m: mixup", "value"] and rows.loc["m: mixup", "source"].startswith(CHOSEN)
    assert rows.loc["image size", "source"].startswith(CHOSEN)
    assert rows.loc["optimizer", "source"] == CHOSEN
    assert "zero gamma" not in rows.loc["initialisation", "value"]


def test_smoke_settings_say_why_they_depart_from_the_paper(tmp_path):
    rows = study4.settings(parameters(tmp_path)).set_index("setting")
    assert rows.loc["epochs", "value"] == "2" and "20 steps" in rows.loc["epochs", "source"]
    assert rows.loc["learning rate", "source"].startswith("smoke profile (paper profile: 0.001); twice the paper's")
    assert "zero gamma" in rows.loc["initialisation", "value"]
    assert rows.loc["augmentation", "value"] == "horizontal flip only (no crop)"
    assert "every image they hold" in rows.loc["images used", "value"]
    overridden = study4.settings(parameters(tmp_path, epochs=5)).set_index("setting")  # no reason for another value
    assert overridden.loc["epochs", "source"] == "notebook parameter (paper profile: 10)"


# --- tables on hand-made outcomes ---------------------------------------------------------------------

def fake_outcome(spec, top1, top5, epochs=2, *, num_test=20, classes=5, notes=("real data",)):
    history = pd.DataFrame({"epoch": range(1, epochs + 1), "train_loss": [2.0, 1.0][:epochs],
                            "train_top1": [0.3, top1 + 0.05][:epochs], "test_loss": [2.1, 1.1][:epochs],
                            "test_top1": [top1 - 0.001, top1][:epochs], "test_top5": [0.5, top5][:epochs],
                            "lr": [0.001] * epochs})
    names = [f"class{i}" for i in range(classes)]
    metrics = {"params": 23_714_981, "epochs": epochs, "num_train": 100, "num_test": num_test,
               "final_train_top1": top1 + 0.05,
               "best_val_top1": None, "test_top1": top1, "test_top5": top5, "wall_seconds": 2.0,
               "train_images_per_second": 50.0, "device": "cpu", "precision": "fp32", "classes": names,
               "confusion": np.eye(classes, dtype=int).tolist(), "data_notes": list(notes)}
    return RunOutcome(spec=spec, history=history, metrics=metrics)


PAPER_NUMBERS = {**paper.PAPER_TWEAKS, **{f"{m}+{r}": v for m in "AB" for r, v in paper.PAPER_REFINED[m].items()}}


def name_of(spec):
    return paper.run_name(spec.labels["model"].removeprefix("Model-"), spec.labels["refinements"])


@pytest.fixture
def outcomes(tmp_path):
    """The paper's own numbers as outcomes, with two seeds differing by +-1 point."""
    specs = study4.plan(parameters(tmp_path, "paper", seeds=[0, 1]))
    result = []
    for spec in specs:
        top1, top5 = PAPER_NUMBERS[name_of(spec)]
        shift = 0.01 if spec.config.seed == 0 else -0.01
        result.append(fake_outcome(spec, top1 + shift, top5 + shift))
    return result


def test_table1_compares_models_with_zero_difference_for_the_papers_numbers(outcomes):
    table = tweak_table(outcomes)
    assert list(table.columns) == ["model", "metric", "paper accuracy", "this run accuracy",
                                   "this run (%, ± uncertainty)", "difference (points)", "± 1 SE (points)",
                                   "training", "verdict"]
    assert set(table["training"]) == {"stable"}
    assert len(table) == 8
    row = table[(table["model"] == "Model-B") & (table["metric"] == "top-1")].iloc[0]
    assert row["paper accuracy"] == 0.79 and row["this run accuracy"] == pytest.approx(0.79)
    assert np.allclose(table["difference (points)"], 0, atol=1e-9)
    assert row["this run (%, ± uncertainty)"] == "79.00 ± 1.41 (sd, 2 seeds)"  # two seeds: their sd
    # the mean's SE: seed sd / sqrt(2) and the binomial noise of 20 images, added in quadrature
    assert row["± 1 SE (points)"] == pytest.approx(100 * (0.0002 / 2 + 0.79 * 0.21 / 20) ** 0.5)
    assert set(table["verdict"]) == {"within the noise of the paper"}
    single = tweak_table([o for o in outcomes if o.spec.config.seed == 0])  # one seed: binomial SE
    assert single.iloc[0]["this run (%, ± uncertainty)"] == "67.00 ± 10.51 (binomial SE, 20 images)"


def test_refinement_tables_and_differences_in_points(outcomes):
    shifted = [fake_outcome(o.spec, o.metrics["test_top1"] - 0.30, o.metrics["test_top5"], num_test=10_000)
               for o in outcomes]
    for model in "AB":
        table = refinement_table(shifted, model)
        assert list(table["refinements"].unique()) == list(paper.REFINEMENTS)
        top1 = table[table["metric"] == "top-1"]
        assert np.allclose(top1["difference (points)"], -30.0)
        assert set(top1["verdict"]) == {"below the paper"}  # 30 points on 10,000 images: clear
        assert np.allclose(table[table["metric"] == "top-5"]["difference (points)"], 0.0, atol=1e-9)


def test_refinement_effects_match_hand_computed_values(outcomes):
    effects = refinement_effects(outcomes).set_index(["model", "refinement"])
    # Model-A: with c 0.90, 0.93, 0.92, 0.91; without c: 0.66 (plain), 0.82, 0.83, 0.81.
    assert effects.loc[("Model-A", "c"), "paper effect (points)"] == pytest.approx(13.5)
    assert effects.loc[("Model-A", "c"), "this run effect (points)"] == pytest.approx(13.5)
    assert 0 < effects.loc[("Model-A", "c"), "± 1 SE (points)"] < 10
    assert effects.loc[("Model-A", "c"), "this run"] == "clearly positive"


def test_single_refinement_gains_beside_the_paper_and_bag_of_tricks(outcomes):
    assert paper.paper_single_gains("A") == {"c": 24.0, "l": 16.0, "m": 17.0}
    assert paper.paper_single_gains("B") == {"c": 11.0, "l": 5.0, "m": -1.0}
    gains = refinement_gains(outcomes).set_index(["model", "refinement"])
    assert gains.loc[("Model-A", "c"), "paper gain (points)"] == 24.0
    assert gains.loc[("Model-A", "c"), "Bag of Tricks gain on ImageNet (points)"] == 0.75
    assert gains.loc[("Model-A", "c"), "this run gain (points)"] == pytest.approx(24.0)
    assert gains.loc[("Model-B", "m"), "this run"] == "within the noise"  # -1 point on 20 images


def test_the_papers_contradiction_and_its_figures_are_reported():
    sentence = study4.contradiction_sentence()
    assert "66 % top-1 in the paper's Table 1 but 82-90 % with any single refinement" in sentence
    assert "(c +24, l +16, m +17 points)" in sentence and "c +0.75, l +0.40, m +0.84" in sentence
    assert "different baseline" in sentence and "pretrained weights" in sentence
    figures = figure_list().set_index("paper figure")
    assert list(figures.index) == [f"Figure {number}" for number in range(1, 7)]
    for number in (1, 2, 3):  # illustrations: listed, with the reason
        assert figures.loc[f"Figure {number}", "in this report"].startswith("not reproduced: an illustration")
    assert figures.loc["Figure 5", "in this report"] == "reproduced: fig5_a_c_l_curves"


def test_headlines_carry_uncertainty_and_all_tables(outcomes):
    items = study4.headlines(outcomes)
    labels = [item["label"] for item in items]
    assert labels[:4] == ["A top-1 (validation)", "B top-1 (validation)", "A+c+l top-1 (validation)",
                          "B+c+l top-1 (validation)"]
    assert [item["label"] for item in items if item["difference"]] == ["B minus A top-1", "A+c+l minus A top-1"]
    assert all({"label", "paper", "this_run", "unit", "difference", "uncertainty"} <= set(item) for item in items)
    assert items[0]["uncertainty"]["kind"] == "seed_sd" and items[0]["uncertainty"]["n"] == 2
    assert items[0]["verdict"] == "within the noise of the paper"
    assert labels[-1] == "best top-5 here (A+c+l; chance 5/5)" and items[-1]["paper"] is None
    json.dumps(items)
    shown = study4.headline_table(items)  # the shared table (helpers.studies.common.verdicts.headline_table)
    assert list(shown.columns) == ["headline", "paper", "this run (± 1 SE)", "verdict"]
    assert "+13.00 points" in show_table(shown, precision=2).to_html()  # the notebook's call
    shown = shown.set_index("headline")
    assert shown.loc["B minus A top-1", "paper"] == "+13.00 points"  # a gap: in points
    assert shown.loc["B minus A top-1", "this run (± 1 SE)"].startswith("+13.00 ± ")
    assert shown.loc["B minus A top-1", "this run (± 1 SE)"].endswith(" points")
    assert shown.loc["A top-1 (validation)", "paper"] == "66.00 %"
    assert shown.loc["A top-1 (validation)", "verdict"] == "within the noise of the paper"
    assert study4.best_run(outcomes) == "A+c+l"  # 0.93 and first in plan order among the ties
    tables = study4.tables(outcomes)
    assert {"table1_tweaks", "table2_refinements_model_a", "table3_refinements_model_b", "refinement_effects",
            "refinement_gains", "paper_figures", "runs"} <= set(tables)
    assert sum(name.startswith("confusion_") for name in tables) == len(outcomes)
    assert len(tables["runs"]) == 36 and {"params", "wall seconds", "train images/s"} <= set(tables["runs"].columns)
    assert tables["runs"]["test top-1 (%, ± 1 SE)"].iloc[0] == "67.00 ± 10.51 (binomial SE, 20 images)"


def test_tables_show_percentages_points_and_whole_text(outcomes, tmp_path):
    html = show_table(tweak_table(outcomes)).to_html()
    assert "79.00 %" in html and "+0.00" in html
    settings = show_table(study4.settings(parameters(tmp_path))).to_html()
    assert "fine-tuned ResNet-50s, not of from-scratch training, so expect far lower numbers here" in settings


def on_samples(outcomes):
    """``outcomes`` as if trained on the embedded samples (the smoke profile's data)."""
    notes = ["embedded sample subset (data/samples): 606 train / 202 test images"]
    return [fake_outcome(o.spec, o.metrics["test_top1"], o.metrics["test_top5"], notes=notes) for o in outcomes]


def test_figures_curves_bars_and_confusions(outcomes):
    figures = study4.figures(on_samples(outcomes))
    curves = {f"table{number}_{kind}_curves" for number in (1, 2, 3) for kind in ("loss", "accuracy")}
    assert {"fig4_model_b_curves", "fig5_a_c_l_curves", "fig6_b_c_l_curves", "top1_top5_bars",
            "confusion_best", *curves} == set(figures)  # on the samples: the best run's matrix only
    loss = figures["table2_loss_curves"].axes[0]
    assert "Table 2, Model-A" in loss.get_title() and "loss" in loss.get_title()
    legend = [text.get_text() for text in loss.get_legend().get_texts()]
    assert {"Model-A train", "Model-A test", "A+c+l+m train", "A+c+l+m test"} <= set(legend), legend
    legend = [text.get_text() for text in figures["fig4_model_b_curves"].axes[0].get_legend().get_texts()]
    assert legend == ["B train", "B val", "B (paper)"]
    assert "A+c+l" in figures["confusion_best"].axes[0].get_title()
    everything = study4.figures(outcomes[:3])  # on the full data: every run's matrix too
    assert {f"confusion_{o.spec.run_id}" for o in outcomes[:3]} <= set(everything)


# --- the claims ledger and the answer: verdicts computed from made-up outcomes ----------------------------

def made_up(tmp_path, top1_of, *, num_test, top5=0.5, classes=5, profile="paper"):
    """One seed of every run, top-1 ``top1_of(name)``, on ``num_test`` validation images."""
    return [fake_outcome(spec, top1_of(name_of(spec)), top5, num_test=num_test, classes=classes)
            for spec in study4.plan(parameters(tmp_path, profile))]


def ledger_by_key(outcomes):
    rows = study4.claims_ledger(outcomes)
    assert len(rows) == len(study4.CLAIMS)
    return {claim.key: row for claim, row in zip(study4.CLAIMS, rows)}


def unstable_copy(outcome):
    """``outcome`` as if its validation loss had blown up to 500 after epoch 1 (over 10 ln(classes))."""
    history = outcome.history.copy()
    history.loc[0, "test_loss"] = 500.0
    return replace(outcome, history=history)


def with_predictions(outcome, correct_first):
    """``outcome`` with stored per-image predictions: its first ``correct_first`` of its validation
    images right, the rest wrong (so two runs share the images they get right)."""
    images = outcome.metrics["num_test"]
    labels = np.arange(images, dtype=np.int16) % len(outcome.metrics["classes"])
    predicted = np.where(np.arange(images) < correct_first, labels, (labels + 1) % len(outcome.metrics["classes"]))
    return replace(outcome, predictions={"test_labels": labels, "test_predicted": predicted.astype(np.int16),
                                         "test_top5": predicted.astype(np.int16)[:, None]},
                   metrics={**outcome.metrics, "test_top1": correct_first / images})


def test_the_ledger_has_one_row_per_claim_each_with_a_verdict_and_what_would_decide_it(outcomes, tmp_path):
    rows = study4.claims_ledger(outcomes)
    assert [row["claim"] for row in rows] == [claim.statement for claim in study4.CLAIMS]
    assert len({claim.key for claim in study4.CLAIMS}) == len(study4.CLAIMS) == 16
    for row in rows:
        assert row["verdict"] in VERDICTS and row["what would decide it"].strip(), row
        assert set(row) == set(LEDGER_COLUMNS)
    frame = ledger_frame(rows)
    assert list(frame.columns) == list(LEDGER_COLUMNS) and len(frame) == 16
    json.dumps(rows)
    rows = {claim.key: row for claim, row in zip(study4.CLAIMS, rows)}
    # the paper's own numbers, two seeds +-1 point on 20 images: the seed spread is measured
    assert rows["single_A_c"]["seeds"] == "2" and "A+c minus Model-A: +24.00" in rows["single_A_c"]["this run"]
    assert rows["tweak_b_best"]["this run"].startswith("against the strongest other here: Model-B minus Model-A")
    assert "Table 5" in rows["tweak_b_best"]["reference"] and "+0.75" in rows["single_A_c"]["reference"]
    assert rows["same_baseline"]["seeds"] == "-"  # the paper against its reference: no run of ours
    # on the embedded samples the answer's scope says so
    assert "Caltech-101 (the embedded samples, not the full data: 100 train / 20 validation images at 64 px)" in \
        study4.answer(on_samples(outcomes), parameters(tmp_path, "paper"))


def test_ledger_a_clear_win_supports_the_papers_gains(tmp_path):
    rows = ledger_by_key(made_up(tmp_path, lambda name: PAPER_NUMBERS[name][0], num_test=10_000))
    compared = {key: row for key, row in rows.items() if key in findings.COMPARED}
    assert {key for key, row in compared.items() if row["verdict"] != SUPPORTED} == {"single_B_m"}
    assert "a second seed would check it" in rows["single_A_c"]["what would decide it"]
    assert rows["best_A"]["this run"].startswith("against the strongest other here: A+c+l minus A+c+m: +1.00")
    # B+m minus B, one point on 10,000 images from one seed: within the noise, and what would tell it
    row = rows["single_B_m"]
    assert row["verdict"] == NOT_DECIDED and "B+m minus Model-B: -1.00 ± 0.58 points" in row["this run"]
    assert "telling 1.00 points from noise needs a standard error under 0.50 (now 0.58)" in row["what would decide it"]
    assert "at least two seeds" in row["what would decide it"]
    assert rows["level"]["verdict"] == CONFOUNDED and "A+c+l 93.0 ± 0.3" in rows["level"]["this run"]
    assert 'pretrained="imagenet"' in rows["level"]["what would decide it"]
    assert rows["same_baseline"]["verdict"] == CONTRADICTED
    assert "16-24 points" in rows["same_baseline"]["this run"] and "19 times" in rows["same_baseline"][
        "what would decide it"]


def test_ledger_a_reversal_contradicts_the_paper(tmp_path):
    top1 = {"A": 0.30, "C": 0.50}  # every other run at 0.10, on 1,000 images
    rows = ledger_by_key(made_up(tmp_path, lambda name: top1.get(name, 0.10), num_test=1000))
    assert rows["tweak_b_best"]["verdict"] == CONTRADICTED
    assert "Model-B minus Model-C: -40.00" in rows["tweak_b_best"]["this run"]  # the strongest other here
    assert rows["tweak_a_second"]["verdict"] == CONTRADICTED
    assert rows["single_A_c"]["verdict"] == CONTRADICTED and "-20.00" in rows["single_A_c"]["this run"]
    assert rows["single_B_c"]["verdict"] == NOT_DECIDED  # 0.10 vs 0.10


def test_ledger_a_tie_within_the_noise_decides_nothing(tmp_path):
    # A few points apart on 202 images (the smoke profile's validation set): all within the noise.
    top1 = {"A": 0.03, "B": 0.04, "C": 0.035, "D": 0.025}
    outcomes = made_up(tmp_path, lambda name: top1.get(name, 0.03), num_test=202, profile="smoke")
    rows = ledger_by_key(outcomes)
    assert {row["verdict"] for key, row in rows.items() if key in findings.COMPARED} == {NOT_DECIDED}
    assert rows["tweak_b_best"]["what would decide it"].endswith(
        "and the paper's 10 epochs (this run: 2), since the ordering may change with training length")
    text = study4.answer(outcomes, parameters(tmp_path))
    assert "0 of the paper's 14 tweak, refinement and ranking claims held here and 0 were contradicted" in text


def test_an_unstable_run_leaves_the_claims_resting_on_it_undecided(tmp_path):
    outcomes = made_up(tmp_path, lambda name: PAPER_NUMBERS[name][0], num_test=10_000)
    outcomes = [unstable_copy(o) if o.spec.run_id == "model_b_seed0" else o for o in outcomes]
    rows = ledger_by_key(outcomes)
    on_b = {"tweak_b_best", "single_B_c", "single_B_l", "single_B_m"}
    for key in on_b:
        assert rows[key]["verdict"] == UNSTABLE, key
        assert "unstable: model_b_seed0 (its test loss after epoch 1 is 500" in rows[key]["this run"]
        assert "a rerun that trains stably" in rows[key]["what would decide it"]
    assert all(rows[key]["verdict"] != UNSTABLE for key in rows if key not in on_b)
    assert rows["single_A_c"]["verdict"] == SUPPORTED
    # tables and figures mark it, and give no verdict on it
    table = tweak_table(outcomes).set_index(["model", "metric"])
    assert table.loc[("Model-B", "top-1"), "training"].startswith("UNSTABLE: model_b_seed0: its test loss")
    assert table.loc[("Model-B", "top-1"), "verdict"] == UNSTABLE
    assert table.loc[("Model-A", "top-1"), "training"] == "stable"
    gains = refinement_gains(outcomes).set_index(["model", "refinement"])
    assert set(gains.loc["Model-B", "this run"]) == {UNSTABLE} and gains.loc[("Model-A", "c"), "this run"] != UNSTABLE
    assert set(refinement_effects(outcomes).set_index("model").loc["Model-B", "this run"]) == {UNSTABLE}
    figures = study4.figures(outcomes)
    legend = [text.get_text() for text in figures["table1_loss_curves"].axes[0].get_legend().get_texts()]
    assert any("Model-B (UNSTABLE)" in text for text in legend)
    assert any("B (UNSTABLE)" in text for text in [
        text.get_text() for text in figures["fig4_model_b_curves"].axes[0].get_legend().get_texts()])
    assert study4.tables(outcomes)["runs"].set_index("run").loc["model_b_seed0", "training"].startswith("UNSTABLE")


def test_a_pair_trained_with_different_recipes_gets_no_verdict(tmp_path):
    outcomes = made_up(tmp_path, lambda name: PAPER_NUMBERS[name][0], num_test=10_000)
    changed = {"model_a_c_seed0": dict(lr=0.01), "model_b_c_l_seed0": dict(label_smoothing=0.2)}
    outcomes = [replace(o, spec=replace(o.spec, config=replace(o.spec.config, **changed[o.spec.run_id])))
                if o.spec.run_id in changed else o for o in outcomes]
    rows = ledger_by_key(outcomes)
    assert rows["single_A_c"]["verdict"] == CONFOUNDED
    assert "trained differently: lr 0.01 vs 0.001" in rows["single_A_c"]["this run"]
    assert "both sides trained with the same recipe" in rows["single_A_c"]["what would decide it"]
    # label smoothing is what the stacked claim is about, so 0.2 vs 0 is allowed there ...
    assert rows["stacked_B_l"]["verdict"] == SUPPORTED
    # ... but not where the claim is about mixup alone
    assert rows["stacked_B_m"]["verdict"] == CONFOUNDED and "label_smoothing 0.1 vs 0.2" in rows["stacked_B_m"][
        "this run"]
    assert rows["single_A_l"]["verdict"] == SUPPORTED  # A+l and A untouched


def test_paired_predictions_give_a_paired_uncertainty(tmp_path):
    outcomes = made_up(tmp_path, lambda name: 0.5, num_test=1000)
    right = {"model_a_seed0": 500, "model_a_c_seed0": 540}  # A+c right on A's 500 and 40 more
    outcomes = [with_predictions(o, right.get(o.spec.run_id, 500)) for o in outcomes]
    row = ledger_by_key(outcomes)["single_A_c"]
    assert "A+c minus Model-A: +4.00 ± 0.62 points (paired over 1,000 test images" in row["this run"]
    assert row["verdict"] == SUPPORTED  # unpaired, 4 points on 1,000 images would be within the noise
    gains = refinement_gains(outcomes).set_index(["model", "refinement"])
    assert gains.loc[("Model-A", "c"), "uncertainty"].startswith("paired")
    assert gains.loc[("Model-A", "c"), "this run"] == "clearly positive"


def test_a_study_run_in_part_leaves_the_missing_claims_undecided(tmp_path):
    outcomes = [o for o in made_up(tmp_path, lambda name: 0.5, num_test=100) if name_of(o.spec) in ("A", "A+c")]
    rows = ledger_by_key(outcomes)
    assert rows["tweak_b_best"]["verdict"] == NOT_DECIDED and "was not run" in rows["tweak_b_best"]["this run"]
    assert rows["level"]["verdict"] == NOT_DECIDED and "not run" in rows["level"]["this run"]
    assert rows["single_A_c"]["verdict"] == NOT_DECIDED and "A+c minus Model-A: +0.00" in rows["single_A_c"][
        "this run"]
    assert "None of the paper's runs finished here" in study4.answer([], parameters(tmp_path))


def test_the_answer_is_short_computed_and_first_in_the_record(tmp_path):
    outcomes = made_up(tmp_path, lambda name: PAPER_NUMBERS[name][0], num_test=10_000)
    text = study4.answer(outcomes, parameters(tmp_path, "paper"))
    assert text.startswith("**Answer.** Trained alike, 13 of the paper's 14 tweak, refinement and ranking claims "
                           "held here and 0 were contradicted")
    assert "The best run here, A+c+l, reached 93.0 % validation top-1 at its final epoch" in text
    assert "under 1 point He et al. 2019 measured" in text  # the paper against its reference
    assert "**Claims** (16): 13 supported, 1 contradicted, 1 not decided at this budget, 1 not decided: recipes " \
           "differ." in text
    assert "**Scope**: Caltech-101 (the full data on disk: 100 train / 10,000 validation images at 64 px), 2 " \
           "epoch(s) (paper 10), 1 seed per run, validation top-1 at the final epoch" in text
    assert len(text.split()) <= 130


def test_the_discussion_keeps_the_pretrained_question_the_floor_and_the_caveats(tmp_path):
    chance = made_up(tmp_path, lambda name: 0.01, num_test=202, top5=0.05, classes=101, profile="smoke")
    text = study4.conclusion(chance, parameters(tmp_path))
    assert "**Top-5 against chance** (5/101 = 5.0 %): not clearly above chance in any run" in text
    assert "zero gamma: Models A and B start as the same network" in text  # the smoke profile's initialisation
    assert "1 seed per run: each uncertainty is the binomial standard error of the validation images alone" in text and "reduced data" in text
    learned = made_up(tmp_path, lambda name: 0.05, num_test=202, top5=0.15, classes=101, profile="smoke")
    assert "clearly above chance in 18 of 18 runs" in study4.conclusion(learned, parameters(tmp_path))


def test_the_notebook_opens_with_the_answer_then_the_claims_then_evidence_then_method():
    notebook = nbformat.read(REPO / "notebooks" / "04_caltech101_tweaks.ipynb", as_version=4)
    headings = [cell.source.splitlines()[0] for cell in notebook.cells if cell.cell_type == "markdown"]
    order = [headings.index(heading) for heading in ("## Answer", "## Claims, one by one",
                                                     "## Evidence: Table 1, model tweaks", "## Method and settings",
                                                     "## Recorded results")]
    assert order == sorted(order)
    source = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert "seeds = None  # type: Optional[list[int]] None: the profile's (smoke [0]; cpu, quick and paper [0, 1])" \
        in source
    assert "claims=ledger, answer=answer" in source and "study4.claims_ledger(outcomes)" in source
    assert "study4.conclusion(" in source and "## Conclusion" not in headings
    words = sum(len(cell.source.split()) for cell in notebook.cells[notebook.cells.index(next(
        cell for cell in notebook.cells if cell.source.startswith("## Claims"))):] if cell.cell_type == "markdown")
    assert words < 700  # prose after the ledger stays short (generated text adds the rest)


def test_model_table_lists_four_resnet50s():
    table = study4.model_table(image_size=32)
    assert list(table["model"]) == ["Model-A", "Model-B", "Model-C", "Model-D"]
    params = dict(zip(table["model"], table["params"]))
    assert params["Model-A"] == params["Model-B"] == 23_714_981  # torchvision resnet50(num_classes=101)
    assert params["Model-C"] > params["Model-A"] and params["Model-D"] == params["Model-A"]


# --- the pretrained question ------------------------------------------------------------------------

IMAGENET_RECORD = {"weights": "imagenet", "origin": "ResNet50_Weights.IMAGENET1K_V1", "sha256": "0676ba61" + "0" * 56,
                   "loaded": 318, "initialised": 2, "initialised_names": ["fc.weight", "fc.bias"],
                   "unused_names": ["fc.weight", "fc.bias"]}


def test_pretrained_parameter_is_checked_in_one_line_before_any_data(tmp_path):
    for bad in (True, 3, "", ["imagenet"]):
        with pytest.raises(InvalidConfigError, match=r"^invalid pretrained .*: expected None \(the profile's choice\), "
                                                     r"False \(none\), 'imagenet'") as raised:
            parameters(tmp_path, pretrained=bad)
        assert "\n" not in str(raised.value)
    with pytest.raises(InvalidConfigError, match=r"^invalid pretrained 'missing.pth': no such file or folder \(.*missing.pth\)"):
        parameters(tmp_path, pretrained="missing.pth")
    assert parameters(tmp_path, pretrained="ImageNet").pretrained == "imagenet"
    assert parameters(tmp_path, pretrained="imagenet1k_v2").pretrained == "IMAGENET1K_V2"
    assert parameters(tmp_path).pretrained is None and parameters(tmp_path, pretrained=False).pretrained is False
    weights = tmp_path / "w.pth"
    weights.write_bytes(b"not read here")
    assert parameters(tmp_path, pretrained=weights).pretrained == str(weights)
    # Other studies' notebooks do not declare it: the batch runner's check leaves the name out.
    check_parameter_values({"profile": "quick", "seeds": [0], "output_dir": str(tmp_path)})


def test_quick_fine_tunes_b_and_b_c_l_beside_from_scratch_twins(tmp_path):
    specs = {spec.run_id: spec for spec in study4.plan(parameters(tmp_path, "quick"))}
    added = ["model_b_pretrained_seed0", "model_b_scratch_seed0", "model_b_c_l_pretrained_seed0",
             "model_b_c_l_scratch_seed0"]
    assert list(specs)[18:] == added and len(specs) == 22
    fine, twin = specs["model_b_c_l_pretrained_seed0"], specs["model_b_c_l_scratch_seed0"]
    assert fine.model_options == {**twin.model_options, "weights": "imagenet"}  # the twins differ here alone
    assert twin.model_options == {"stem": "imagenet", "stride_in_3x3": True}
    assert fine.config == twin.config and fine.data_options == twin.data_options
    assert twin.dataset_options == {"image_size": 64, "normalization": "imagenet"}
    config = fine.config
    assert (config.optimizer, config.nesterov, config.lr, config.weight_decay, config.warmup_epochs, config.epochs) == (
        "sgd", True, 0.01, 1e-4, 1.0, 5)
    assert (config.scheduler, config.label_smoothing) == ("cosine", 0.1)
    assert specs["model_b_pretrained_seed0"].config.scheduler == "none"  # B: constant after the warm-up
    assert fine.labels == {"model": "Model-B", "refinements": "c+l", "start": "pretrained", "seed": 0}
    ordered = list(specs.values())
    assert [s.run_id for s in select_runs(ordered, ["B+c+l"])] == ["model_b_c_l_seed0"]  # the paper's run only
    assert [s.run_id for s in select_runs(ordered, ["B+c+l+[ps]*"])] == added[2:]
    assert [s.run_id for s in select_runs(ordered, ["*+pretrained"])] == added[::2]
    for profile in ("smoke", "cpu", "paper"):  # no download: from scratch only
        assert len(study4.plan(parameters(tmp_path, profile))) == 18, profile
    weights = tmp_path / "test_weights.pth"
    weights.write_bytes(b"")
    smoke = study4.plan(parameters(tmp_path, pretrained=str(weights)))
    assert len(smoke) == 22 and smoke[18].model_options["weights"] == str(weights)
    assert smoke[18].config.epochs == 2 and smoke[18].dataset_options["image_size"] == 32  # as cheap as smoke's others
    costs = [estimate.run_cost(spec)["flops"] for spec in (fine, twin)]  # counts FLOPs, loads no weights
    assert costs[0] == costs[1] > 0


def test_settings_say_where_runs_start_from_and_the_fine_tuning_recipe(tmp_path):
    quick = study4.settings(parameters(tmp_path, "quick")).set_index("setting")
    value = quick.loc["pretrained weights", "value"]
    assert "torchvision's ResNet-50 ImageNet weights (IMAGENET1K_V1" in value and "Tables 1-3: none" in value
    assert "Model-C's deep stem would be newly initialised" in value
    assert quick.loc["pretrained weights", "source"].startswith(f"{CHOSEN} (quick profile)")
    recipe = quick.loc["pretrained comparison recipe"]
    assert "lr 0.01 for every layer" in recipe["value"] and "at 64 px" in recipe["value"]
    assert "no lower learning rate for the backbone" in recipe["source"]
    for profile in ("smoke", "cpu"):
        rows = study4.settings(parameters(tmp_path, profile)).set_index("setting")
        assert 'needs pretrained="imagenet" or a file path' in rows.loc["pretrained weights", "value"]
        assert rows.loc["pretrained weights", "source"].endswith(f"({profile} profile: no download)")
        assert "pretrained comparison recipe" not in rows.index
    weights = tmp_path / "test_weights.pth"
    weights.write_bytes(b"")
    rows = study4.settings(parameters(tmp_path, pretrained=str(weights))).set_index("setting")
    assert "the file test_weights.pth (ImageNet weights only if its SHA-256" in rows.loc["pretrained weights", "value"]
    assert "notebook parameter pretrained" in rows.loc["pretrained weights", "source"]


@pytest.mark.parametrize("fine, scratch, expected", [
    ((0.92, 0.01), (0.40, 0.01), "fine-tuned (within the noise of the fine-tuned run, clearly apart from the "
                                 "from-scratch run)"),
    ((0.60, 0.01), (0.92, 0.01), "from scratch (within the noise of the from-scratch run, clearly apart from the "
                                 "fine-tuned run)"),
    ((0.80, 0.01), (0.40, 0.01), "fine-tuned (clearly above both runs, nearer the fine-tuned run)"),
    ((0.99, 0.001), (0.50, 0.001), "fine-tuned (between the two runs, clearly nearer the fine-tuned run)"),
    ((0.96, 0.05), (0.90, 0.05), "cannot tell (fine-tuned and from scratch are within the noise of each other)"),
    ((0.99, 0.035), (0.87, 0.035), "cannot tell (within the noise of both runs)"),
])
def test_the_papers_value_resembles_a_side_only_beyond_the_noise(fine, scratch, expected):
    as_measured = [Measured(value, error, "binomial_se", 1000, 1000) for value, error in (fine, scratch)]
    word, text = pretrained.resemblance(0.93, *as_measured)
    assert text == expected and word == (None if expected.startswith("cannot") else expected.split(" (")[0])


def comparison_outcomes(tmp_path, record, *, fine=0.92, scratch=0.45, num_test=1740):
    """The quick profile's 22 runs, one seed: the paper's own numbers for its 18, ``fine`` and
    ``scratch`` top-1 for the comparison's (B 0.02 lower), fine-tuned ones with ``record``."""
    result = []
    for spec in study4.plan(parameters(tmp_path, "quick")):
        start = spec.labels.get("start")
        top1 = PAPER_NUMBERS[name_of(spec)][0] if start is None else (fine if start == "pretrained" else scratch) - (
            0.02 if spec.labels["refinements"] == "none" else 0.0)
        outcome = fake_outcome(spec, top1, min(1.0, top1 + 0.05), num_test=num_test)
        outcome.metrics["weights"] = record if start == "pretrained" else None
        result.append(outcome)
    return result


def test_comparison_with_imagenet_weights_says_the_paper_resembles_fine_tuning(tmp_path):
    outcomes = comparison_outcomes(tmp_path, IMAGENET_RECORD)
    table = study4.tables(outcomes)["pretrained_comparison"].set_index("run")
    assert list(table.index) == ["B", "B+c+l"]
    assert table.loc["B+c+l", "paper accuracy"] == 0.93 and table.loc["B", "paper accuracy"] == 0.79
    assert table.loc["B+c+l", "fine-tuned minus from scratch (points)"] == pytest.approx(47.0)
    assert table.loc["B+c+l", "verdict"] == "clearly positive"
    assert table.loc["B+c+l", "the paper resembles"].startswith("fine-tuned (within the noise of the fine-tuned run")
    assert table.loc["B", "the paper resembles"] == ("fine-tuned (between the two runs, clearly nearer the fine-tuned "
                                                     "run)")
    # The paper's tables ignore the comparison's runs: Model-B is the paper-recipe run, not a twin.
    assert tweak_table(outcomes).set_index(["model", "metric"]).loc[
        ("Model-B", "top-1"), "this run accuracy"] == pytest.approx(0.79)
    assert study4.best_run(outcomes) == "A+c+l"
    runs = study4.tables(outcomes)["runs"].set_index("run")
    assert runs.loc["model_b_seed0", "start"] == "scratch (paper recipe)"
    assert runs.loc["model_b_pretrained_seed0", "start"] == "pretrained"
    text = study4.conclusion(outcomes, parameters(tmp_path, "quick"))
    assert ("- **Pretrained or not** (the paper does not say; same recipe, epochs and data for both, fine-tuned from "
            "torchvision's ImageNet weights ResNet50_Weights.IMAGENET1K_V1 (SHA-256 0676ba610000)): ") in text
    assert ("B+c+l fine-tuned 92.0 ± 0.7 (binomial SE, 1,740 images) %, from scratch 45.0 ± 1.2 (binomial SE, "
            "1,740 images) %, gap +47.0 ± 1.4 points (clear); the paper's 93 %: resembles fine-tuned") in text
    assert "not ImageNet weights" not in text
    level = ledger_by_key(outcomes)["level"]  # the twins place the paper's 0.93; the level itself stays undecided
    assert level["verdict"] == CONFOUNDED
    assert "Fine-tuned beside from-scratch twins (one recipe): B fine-tuned" in level["this run"]
    assert "the paper's 93 %: resembles fine-tuned" in level["this run"]
    labels = [item["label"] for item in study4.headlines(outcomes)]
    assert labels[-3:] == ["B+c+l fine-tuned top-1 vs the paper's best",
                           "B+c+l from scratch (fine-tuning recipe) top-1 vs the paper's best",
                           "B+c+l fine-tuned minus from scratch top-1"]
    notes = pretrained.notes(outcomes, parameters(tmp_path, "quick"))
    assert "318 tensors loaded, 2 newly initialised (fc.weight, fc.bias)" in notes
    assert "Model-C's deep stem would be newly initialised" in notes
    record = pretrained.record(outcomes, parameters(tmp_path, "quick"))
    assert record["weights"] == "imagenet" and len(record["comparison"]) == 2
    json.dumps(record)


def test_twins_trained_differently_or_unstable_get_no_verdict(tmp_path):
    outcomes = comparison_outcomes(tmp_path, IMAGENET_RECORD)
    outcomes = [replace(o, spec=replace(o.spec, config=replace(o.spec.config, lr=0.1)))
                if o.spec.run_id == "model_b_c_l_scratch_seed0" else
                unstable_copy(o) if o.spec.run_id == "model_b_pretrained_seed0" else o for o in outcomes]
    table = study4.tables(outcomes)["pretrained_comparison"].set_index("run")
    assert table.loc["B+c+l", "verdict"] == CONFOUNDED
    assert table.loc["B+c+l", "the paper resembles"] == f"no verdict ({CONFOUNDED})"
    assert table.loc["B", "verdict"] == UNSTABLE and table.loc["B", "uncertainty"].startswith("unpaired")
    text = study4.conclusion(outcomes, parameters(tmp_path, "quick"))
    assert f"gap +47.0 ± 1.4 points ({CONFOUNDED}); the paper's 93 %: {CONFOUNDED}" in text
    assert study4.headlines(outcomes)[-1]["verdict"] == CONFOUNDED  # the twins' gap headline
    assert "resembles" not in text
    figures = study4.figures(outcomes)
    legend = [text.get_text() for text in figures["pretrained_loss_curves"].axes[0].get_legend().get_texts()]
    assert "B fine-tuned (UNSTABLE) test" in legend and "B+c+l from scratch train" in legend


def test_weights_from_another_file_are_named_and_not_called_imagenet(tmp_path):
    record = {**IMAGENET_RECORD, "weights": "/tmp/random_test_weights.pth", "origin": "/tmp/random_test_weights.pth",
              "sha256": "ab" * 32}
    outcomes = comparison_outcomes(tmp_path, record, fine=0.05, scratch=0.04, num_test=202)
    text = study4.conclusion(outcomes, parameters(tmp_path, "quick"))
    assert ("weights from the file random_test_weights.pth (SHA-256 abababababab), not torchvision's ImageNet weights "
            "(only torchvision's published files count as ImageNet weights here)") in text
    assert "the paper's 93 %: cannot tell (fine-tuned and from scratch are within the noise of each other)" in text
    assert "These are not ImageNet weights, so this comparison checks the pipeline" in text


def test_without_weights_the_report_says_which_runs_need_them(tmp_path):
    outcomes = made_up(tmp_path, lambda name: 0.03, num_test=202, profile="smoke")
    text = study4.conclusion(outcomes, parameters(tmp_path))
    assert ("- **Pretrained or not**: not tested in this run: the smoke profile trains from scratch only and downloads "
            "no weights. The runs that need pretrained weights, B+pretrained, B+c+l+pretrained (beside their "
            "from-scratch twins B+scratch, B+c+l+scratch), are planned with the notebook parameter "
            '`pretrained="imagenet"`') in text
    assert "not tested in this run: the notebook parameter pretrained=False" in study4.conclusion(
        outcomes, parameters(tmp_path, pretrained=False))
    assert pretrained.notes(outcomes, parameters(tmp_path)).startswith(
        "**Pretrained comparison**: not tested in this run")
    table = study4.tables(outcomes)["pretrained_comparison"]
    assert set(table["verdict"]) == set(table["the paper resembles"]) == {"not run"}
    assert pretrained.record(outcomes, parameters(tmp_path)) == {"weights": None, "sources": [],
                                                                         "comparison": None}


@pytest.mark.slow
def test_notebook_at_smoke_fine_tunes_from_a_weights_file(tmp_path):
    """The real notebook at the smoke profile, B+c+l and its two twins only, fine-tuned from a
    random-weight file made here: the report names the file and does not call it ImageNet's."""
    import papermill
    import torch
    import torchvision

    weights = tmp_path / "random_test_weights.pth"
    torch.save(torchvision.models.resnet50().state_dict(), weights)
    notebook = REPO / "notebooks" / "04_caltech101_tweaks.ipynb"
    environment = {key: value for key, value in os.environ.items() if key != "HELPERS_DATA_DIR"}
    with mock.patch.dict(os.environ, environment, clear=True):
        papermill.execute_notebook(str(notebook), str(tmp_path / "out.ipynb"), kernel_name="python3",
                                   # one epoch at 16 px: the test is about naming the weights, not learning
                                   parameters={"profile": "smoke", "pretrained": str(weights), "epochs": 1,
                                               "image_size": 16, "runs": ["B+c+l", "B+c+l+[ps]*"],
                                               "output_dir": str(tmp_path / "study"), "progress": "none"},
                                   cwd=str(notebook.parent), progress_bar=False)
    metrics = json.loads((tmp_path / "study" / "metrics.json").read_text())
    assert sorted(metrics["runs"]) == ["model_b_c_l_pretrained_seed0", "model_b_c_l_scratch_seed0",
                                       "model_b_c_l_seed0"]
    loaded = metrics["runs"]["model_b_c_l_pretrained_seed0"]["weights"]
    assert loaded["origin"] == str(weights) and loaded["initialised_names"] == ["fc.weight", "fc.bias"]
    assert metrics["runs"]["model_b_c_l_scratch_seed0"]["weights"] is None
    source = metrics["pretrained"]["sources"][0]
    assert source.startswith(f"weights from the file random_test_weights.pth (SHA-256 {loaded['sha256'][:12]}), "
                             "not torchvision's ImageNet weights")
    assert [row["run"] for row in metrics["pretrained"]["comparison"]] == ["B", "B+c+l"]
    assert len(metrics["claims"]) == len(study4.CLAIMS) and metrics["answer"].startswith("**Answer.**")
    assert {row["verdict"] for row in metrics["claims"]} <= set(VERDICTS)
    assert metrics["pretrained"]["comparison"][1]["verdict"] != "not run"
    text = "\n".join(str(output.get("data", {}).get("text/markdown", "")) + str(output.get("data", {}).get(
        "text/html", "")) for cell in nbformat.read(tmp_path / "out.ipynb", as_version=4).cells
        for output in cell.get("outputs", []))
    assert "Fine-tuned runs start from** weights from the file random_test_weights.pth" in text
    assert "fine-tuned minus from scratch (points)" in text  # the comparison table
    assert "These are not ImageNet weights, so this comparison checks the pipeline" in text


# --- one real run ----------------------------------------------------------------------------------

@pytest.mark.slow
def test_reduced_smoke_run_trains_and_tables_build(tmp_path):
    """Two runs (Model-B, B+c+l+m) on one image per class at 32 px (real data when present)."""
    params = parameters(tmp_path)
    specs = [s for s in study4.plan(params) if s.run_id in ("model_b_seed0", "model_b_c_l_m_seed0")]
    specs = [replace(s, dataset_options={"image_size": 32, "train_per_class": 1, "test_per_class": 1}) for s in specs]
    outcomes = run_all(specs, tmp_path / "out", synthetic_stand_in=True)
    assert [o.metrics["num_test"] for o in outcomes] == [101, 101]
    assert all(np.asarray(o.confusion).shape == (101, 101) for o in outcomes)
    table = refinement_table(outcomes, "B")
    assert table.loc[table["refinements"] == "c+l+m", "this run accuracy"].notna().all()
    assert json.loads(json.dumps(study4.headlines(outcomes)))
