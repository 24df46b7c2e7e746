"""Study 4 (ResNet-50 tweaks and refinements on Caltech-101): plans, settings, tables, headlines,
figures and conclusion on hand-made outcomes, and one heavily reduced real run."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from helpers.errors import UnknownNameError
from helpers.runs import RunOutcome, run_all
from helpers.studies import study4
from helpers.studies.parameters import CHOSEN, PAPER

from study_support import parameters

NAMES = ["A", "B", "C", "D"] + [f"{m}+{r}" for m in "AB" for r in study4.REFINEMENTS]


def by_name(specs):
    return {study4.run_name(s.labels["model"].removeprefix("Model-"), s.labels["refinements"]): s for s in specs}


# --- plans ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("profile", ["smoke", "quick", "paper"])
def test_every_profile_trains_all_18_runs_per_seed(tmp_path, profile):
    specs = study4.plan(parameters(tmp_path, profile))
    assert sorted(by_name(specs)) == sorted(NAMES)
    assert len(specs) == 18
    assert len({spec.run_id for spec in specs}) == 18
    assert len(study4.plan(parameters(tmp_path, profile, seeds=[0, 1, 2]))) == 54


def test_paper_profile_uses_the_papers_settings(tmp_path):
    specs = by_name(study4.plan(parameters(tmp_path, "paper")))
    for spec in specs.values():
        assert spec.model == "resnet50" and spec.dataset == "caltech101"
        assert (spec.config.epochs, spec.config.batch_size, spec.config.lr) == (10, 64, 0.001)
        assert spec.dataset_options == {"image_size": 64}
    assert specs["A"].config.scheduler == "none"  # without c the learning rate is constant
    assert specs["A+c"].config.scheduler == "cosine" and specs["A+c"].config.label_smoothing == 0
    assert specs["B+l"].config.label_smoothing == 0.1 and specs["B+l"].config.mixup_alpha == 0
    assert specs["B+m"].config.mixup_alpha == study4.MIXUP_ALPHA == 0.2
    combined = specs["A+c+l+m"].config
    assert (combined.scheduler, combined.label_smoothing, combined.mixup_alpha) == ("cosine", 0.1, 0.2)


def test_each_model_is_one_switch_on_model_a(tmp_path):
    specs = by_name(study4.plan(parameters(tmp_path)))
    assert specs["A"].model_options == {"stem": "imagenet"}
    assert specs["B"].model_options == {"stem": "imagenet", "stride_in_3x3": True}
    assert specs["C"].model_options == {"stem": "deep"}
    assert specs["D"].model_options == {"stem": "imagenet", "avg_down": True}
    assert specs["B+c+l"].model_options == specs["B"].model_options


def test_smoke_profile_is_small_and_overrides_apply(tmp_path):
    smoke = study4.plan(parameters(tmp_path))
    assert all(spec.config.epochs == 1 and spec.dataset_options["image_size"] == 32 for spec in smoke)
    assert smoke[0].dataset_options["train_per_class"] <= 5
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


# --- tables on hand-made outcomes ---------------------------------------------------------------------

def fake_outcome(spec, top1, top5, epochs=2):
    history = pd.DataFrame({"epoch": range(1, epochs + 1), "train_loss": [2.0, 1.0][:epochs],
                            "train_top1": [0.3, top1 + 0.05][:epochs], "test_loss": [2.1, 1.1][:epochs],
                            "test_top1": [0.2, top1][:epochs], "test_top5": [0.5, top5][:epochs],
                            "lr": [0.001] * epochs})
    classes = [f"class{i}" for i in range(5)]
    metrics = {"params": 23_714_981, "epochs": epochs, "num_train": 100, "num_test": 20,
               "final_train_top1": top1 + 0.05,
               "best_val_top1": None, "test_top1": top1, "test_top5": top5, "wall_seconds": 2.0,
               "train_images_per_second": 50.0, "device": "cpu", "precision": "fp32", "classes": classes,
               "confusion": np.eye(5, dtype=int).tolist(), "data_notes": ["real data"]}
    return RunOutcome(spec=spec, history=history, metrics=metrics)


@pytest.fixture
def outcomes(tmp_path):
    """The paper's own numbers as outcomes, with two seeds differing by +-1 point."""
    specs = study4.plan(parameters(tmp_path, "paper", seeds=[0, 1]))
    paper = {**{m: v for m, v in study4.PAPER_TWEAKS.items()},
             **{f"{m}+{r}": v for m in "AB" for r, v in study4.PAPER_REFINED[m].items()}}
    result = []
    for spec in specs:
        top1, top5 = paper[study4.run_name(spec.labels["model"].removeprefix("Model-"), spec.labels["refinements"])]
        shift = 0.01 if spec.config.seed == 0 else -0.01
        result.append(fake_outcome(spec, top1 + shift, top5 + shift))
    return result


def test_table1_compares_models_with_zero_difference_for_the_papers_numbers(outcomes):
    table = study4.tweak_table(outcomes)
    assert list(table.columns[:5]) == ["model", "metric", "paper", "this run", "difference (points)"]
    assert len(table) == 8
    row = table[(table["model"] == "Model-B") & (table["metric"] == "top-1")].iloc[0]
    assert row["paper"] == 0.79 and row["this run"] == pytest.approx(0.79)
    assert np.allclose(table["difference (points)"], 0, atol=1e-9)
    assert row["this run, % (mean ± sd, seeds)"] == "79.0 ± 1.4 (n=2)"


def test_refinement_tables_and_differences_in_points(outcomes):
    shifted = [fake_outcome(o.spec, o.metrics["test_top1"] - 0.05, o.metrics["test_top5"]) for o in outcomes]
    for model in "AB":
        table = study4.refinement_table(shifted, model)
        assert list(table["refinements"].unique()) == list(study4.REFINEMENTS)
        top1 = table[table["metric"] == "top-1"]
        assert np.allclose(top1["difference (points)"], -5.0)
        assert np.allclose(table[table["metric"] == "top-5"]["difference (points)"], 0.0, atol=1e-9)


def test_refinement_effects_match_hand_computed_values(outcomes):
    effects = study4.refinement_effects(outcomes).set_index(["model", "refinement"])
    # Model-A: with c 0.90, 0.93, 0.92, 0.91; without c: 0.66 (plain), 0.82, 0.83, 0.81.
    assert effects.loc[("Model-A", "c"), "paper effect (points)"] == pytest.approx(13.5)
    assert effects.loc[("Model-A", "c"), "this run effect (points)"] == pytest.approx(13.5)


def test_headlines_best_run_and_all_tables(outcomes):
    labels = [item["label"] for item in study4.headlines(outcomes)]
    assert labels[:4] == ["A top-1 (validation)", "B top-1 (validation)", "A+c+l top-1 (validation)",
                          "B+c+l top-1 (validation)"]
    assert "Model-B minus Model-A top-1" in labels
    assert all(set(item) == {"label", "paper", "this_run", "unit", "difference"} for item in study4.headlines(outcomes))
    differences = [item["label"] for item in study4.headlines(outcomes) if item["difference"]]
    assert differences == ["Model-B minus Model-A top-1"]
    assert study4.best_run(outcomes) == "A+c+l"  # 0.93 and first in plan order among the ties
    tables = study4.tables(outcomes)
    assert {"table1_tweaks", "table2_refinements_model_a", "table3_refinements_model_b", "refinement_effects",
            "runs"} <= set(tables)
    assert sum(name.startswith("confusion_") for name in tables) == len(outcomes)
    assert len(tables["runs"]) == 36 and {"params", "wall seconds", "train images/s"} <= set(tables["runs"].columns)


def on_a_subset(outcomes):
    """``outcomes`` as if trained on two images per class (the smoke profile's data)."""
    subset = {"train_per_class": 2, "test_per_class": 2}
    return [replace(o, spec=replace(o.spec, dataset_options={**o.spec.dataset_options, **subset})) for o in outcomes]


def test_figures_curves_bars_and_confusions(outcomes):
    figures = study4.figures(on_a_subset(outcomes))
    assert {"fig4_model_b_curves", "fig5_a_c_l_curves", "fig6_b_c_l_curves", "top1_top5_bars",
            "confusion_best"} <= set(figures)
    assert not any(name.startswith("confusion_model") for name in figures)  # on a subset: the best run's only
    legend = [text.get_text() for text in figures["fig4_model_b_curves"].axes[0].get_legend().get_texts()]
    assert legend == ["B train", "B val", "B (paper)"]
    assert "A+c+l" in figures["confusion_best"].axes[0].get_title()
    everything = study4.figures(outcomes[:3])  # on the full data: every run's matrix too
    assert {f"confusion_{o.spec.run_id}" for o in outcomes[:3]} <= set(everything)


def test_conclusion_is_driven_by_the_numbers(outcomes, tmp_path):
    smoke = parameters(tmp_path)
    text = study4.conclusion(outcomes, parameters(tmp_path, "paper"))
    assert "Model-B leads, which agrees with" in text
    assert "best A+c+l at 93.0 %, as in the paper (c+l alone best, 93 %)" in text
    assert "chance" not in text
    assert "+13.5 points on average here, +13.5 in the paper" in text
    assert "from scratch" in text
    assert "reduced data" not in text
    flipped = [fake_outcome(o.spec, 0.5 if o.spec.labels["model"] == "Model-C" else 0.1, 0.6) for o in outcomes]
    assert "Model-C leads, which differs from" in study4.conclusion(flipped, smoke)
    assert "reduced data" in study4.conclusion(flipped, smoke)
    at_chance = [fake_outcome(o.spec, 0.01, 0.05) for o in outcomes]
    text = study4.conclusion(at_chance, smoke)
    assert "Models A, B, C, D tie" in text
    assert "best A+c, A+l, A+m, A+c+l, A+c+m, A+l+m, A+c+l+m (tied) at 1.0 %" in text
    assert "Every run is at or near chance (1/5 = 20.0 %)" in text


def test_model_table_lists_four_resnet50s():
    table = study4.model_table(image_size=32)
    assert list(table["model"]) == ["Model-A", "Model-B", "Model-C", "Model-D"]
    params = dict(zip(table["model"], table["params"]))
    assert params["Model-A"] == params["Model-B"] == 23_714_981  # torchvision resnet50(num_classes=101)
    assert params["Model-C"] > params["Model-A"] and params["Model-D"] == params["Model-A"]


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
    table = study4.refinement_table(outcomes, "B")
    assert table.loc[table["refinements"] == "c+l+m", "this run"].notna().all()
    assert json.loads(json.dumps(study4.headlines(outcomes)))
