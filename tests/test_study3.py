"""Study 3 (five models x three datasets): the plan per profile, Table 1 and its comparison with the
paper, the ranking check, the conclusion and the figures, on hand-made outcomes; one tiny real run."""

from __future__ import annotations

import math
import dataclasses

import numpy as np
import pandas as pd
import pytest

from helpers.runs import RunOutcome, is_finished, run_all
from helpers.studies import study3
from helpers.studies.parameters import CHOSEN, PAPER, PROFILES, check_parameters

SYNTHETIC_NOTE = "SYNTHETIC STAND-IN for cifar100: the real data was not found"
SUBSET_NOTE = "class-balanced subset: 8 train / 4 test images per class (seed 0)"


def parameters(profile="smoke", seeds=(0,), epochs=None, batch_size=None, device="auto", tmp="/tmp/study3-test"):
    return check_parameters(profile=profile, data_dir=None, device=device, seeds=list(seeds), epochs=epochs,
                            batch_size=batch_size, output_dir=tmp)


def fake_outcomes(accuracy=None, *, synthetic_cifar100=True, seeds=(0,)):
    """One outcome per smoke run; test top-1 from ``accuracy[dataset][model]`` (default: the paper's)."""
    accuracy = accuracy or study3.PAPER_TEST_TOP1
    params = {classes: study3.model_summary(num_classes=classes).set_index("model")[f"params ({classes} classes)"]
              for classes in (10, 100)}
    outcomes = []
    for spec in study3.plan(parameters(seeds=seeds)):
        dataset, model = spec.labels["dataset"], spec.labels["model"]
        classes = 100 if dataset == "CIFAR-100" else 10
        notes = [SUBSET_NOTE] + ([SYNTHETIC_NOTE] if synthetic_cifar100 and dataset == "CIFAR-100" else [])
        top1 = accuracy[dataset][model] + 0.01 * spec.config.seed
        history = pd.DataFrame({"epoch": [1, 2], "train_loss": [2.0, 1.5], "train_top1": [0.3, 0.5],
                                "val_loss": [2.1, 1.6], "val_top1": [0.25, top1], "lr": [0.001, 0.0]})
        metrics = {"test_top1": top1, "test_top5": min(1.0, top1 + 0.1), "params": int(params[classes][model]),
                   "epochs": 2,
                   "wall_seconds": 10.0, "train_images_per_second": 50.0, "classes": [f"c{i}" for i in range(classes)],
                   "confusion": np.eye(classes, dtype=int).tolist(), "data_notes": notes}
        outcomes.append(RunOutcome(spec=spec, history=history, metrics=metrics))
    return outcomes


def test_plan_has_every_model_on_every_dataset_per_seed():
    for profile in PROFILES:
        specs = study3.plan(parameters(profile, seeds=(0, 1)))
        assert len(specs) == 5 * 3 * 2
        assert len({spec.run_id for spec in specs}) == len(specs)
        assert {(s.model, s.dataset) for s in specs} == {(m, d) for m, _ in study3.MODELS.values()
                                                         for d in study3.DATASETS.values()}
        assert {s.config.seed for s in specs} == {0, 1}


def test_paper_profile_is_the_papers_recipe():
    specs = study3.plan(parameters("paper"))
    for spec in specs:
        config = spec.config
        assert (config.epochs, config.batch_size, config.lr, config.momentum, config.weight_decay) == (20, 16, 0.001,
                                                                                                       0.9, 0.001)
        assert config.optimizer == "sgd" and config.scheduler == "cosine" and config.restore_best
        assert config.augmentation == "crop_flip" and config.crop_padding == 4 and config.label_smoothing == 0
        assert spec.dataset_options["image_size"] == 32 and spec.dataset_options["val_fraction"] == 0.2
        assert "train_per_class" not in spec.dataset_options
        assert spec.dataset_options.get("to_rgb", False) == (spec.dataset == "fashion_mnist")
    alexnet = next(spec for spec in specs if spec.model == "alexnet")
    assert alexnet.model_options == {"dropout": 0.0}


def test_split_seed_is_fixed_while_training_seed_follows_the_parameters():
    specs = study3.plan(parameters("paper", seeds=(3, 4)))
    assert {s.dataset_options["seed"] for s in specs} == {study3.SPLIT_SEED}
    assert {s.config.seed for s in specs} == {3, 4}


def test_overrides_and_device_reach_every_run():
    specs = study3.plan(parameters("quick", epochs=1, batch_size=8, device="cpu"))
    assert {(s.config.epochs, s.config.batch_size, s.config.device) for s in specs} == {(1, 8, "cpu")}
    assert all(s.config.warmup_epochs <= 1 for s in specs)


def test_quick_profile_is_a_modern_recipe_and_alexnet_gets_a_lower_lr():
    specs = study3.plan(parameters("quick"))
    resnet = next(s for s in specs if s.model == "resnet18")
    assert resnet.config.batch_size == 256 and resnet.config.label_smoothing == 0.1 and resnet.config.lr == 0.1
    assert next(s for s in specs if s.model == "alexnet").config.lr == study3.QUICK_ALEXNET_LR


def test_smoke_profile_uses_small_class_balanced_subsets():
    specs = study3.plan(parameters("smoke"))
    assert {s.config.epochs for s in specs} == {1}
    for spec in specs:
        train, test = study3.SMOKE_PER_CLASS[spec.dataset]
        assert (spec.dataset_options["train_per_class"], spec.dataset_options["test_per_class"]) == (train, test)


def test_settings_name_their_source_and_what_a_profile_changes():
    paper = study3.settings(parameters("paper")).set_index("setting")
    assert list(paper.columns) == ["value", "source"]
    assert paper.at["lr", "source"] == PAPER and paper.at["batch_size", "value"] == "16"
    assert paper.at["loss", "source"].startswith(CHOSEN)
    quick = study3.settings(parameters("quick")).set_index("setting")
    assert quick.at["batch_size", "source"] == "quick profile (paper profile: 16)"
    assert "images per class" in study3.settings(parameters("smoke"))["setting"].tolist()


def test_model_summary_matches_the_papers_layer_and_parameter_counts():
    summary = study3.model_summary().set_index("model")
    for model in ("ResNet-18", "ResNet-34", "ResNet-50"):
        assert summary.at[model, "weight layers"] == study3.PAPER_LAYERS[model]
    ratio = summary["params (10 classes)"] / summary["params (paper)"]
    assert ratio.between(0.97, 1.05).all()  # the paper rounds to millions
    assert summary.at["ResNet-18", "params (10 classes)"] == 11_173_962


def test_accuracy_table_gives_differences_in_points_and_marks_synthetic_data():
    accuracy = {d: dict(row) for d, row in study3.PAPER_TEST_TOP1.items()}
    accuracy["CIFAR-10"] = {**accuracy["CIFAR-10"], "ResNet-18": 0.90}
    table = study3.accuracy_table(fake_outcomes(accuracy))
    assert list(table.columns) == ["dataset", "model", "paper", "this run", "difference (points)", "this run's data"]
    assert len(table) == 15 and table["dataset"].iloc[0] == "Fashion-MNIST" and table["model"].iloc[0] == "AlexNet"
    row = table[(table["dataset"] == "CIFAR-10") & (table["model"] == "ResNet-18")].iloc[0]
    assert row["paper"] == pytest.approx(89.3) and row["this run"] == pytest.approx(90.0)
    assert row["difference (points)"] == pytest.approx(0.7)
    kinds = table.drop_duplicates("dataset").set_index("dataset")["this run's data"]
    assert kinds["CIFAR-100"] == "synthetic stand-in" and kinds["CIFAR-10"] == "reduced"


def test_accuracy_table_averages_seeds_and_leaves_missing_runs_blank():
    outcomes = fake_outcomes(seeds=(0, 1))  # seed 1 scores one point more
    table = study3.accuracy_table(outcomes)
    assert table["difference (points)"].tolist() == pytest.approx([0.5] * 15)
    partial = study3.accuracy_table([o for o in outcomes if o.spec.model != "vgg19"])
    assert partial[partial["model"] == "VGG19"]["this run"].isna().all()


def test_table1_has_the_papers_rows_and_this_runs():
    table = study3.table1(fake_outcomes())
    assert list(table.columns) == list(study3.MODELS)
    assert table.loc[("# params", "paper"), "AlexNet"] == "56M"
    assert table.loc[("# params", "this run (10 classes)"), "ResNet-18"] == "11.2M"
    assert table.loc[("# layers", "this implementation"), "ResNet-50"] == "50"
    assert table.loc[("CIFAR-10", "paper"), "VGG19"] == "74.7"
    assert table.loc[("CIFAR-10", "difference (points)"), "VGG19"] == "+0.0"
    assert ("CIFAR-100", "this run (synthetic)") in table.index
    assert ("CIFAR-10", "this run") in table.index


def test_resnet18_sources_show_the_abstract_disagreeing_with_table1():
    table = study3.resnet18_sources(fake_outcomes()).set_index("dataset")
    assert table.at["Fashion-MNIST", "Table 1"] == pytest.approx(93.4)
    assert table.at["Fashion-MNIST", "abstract"] == pytest.approx(93.7)
    assert table.at["Fashion-MNIST", "Section 4.2 text"] == pytest.approx(93.6)
    assert table.at["CIFAR-100", "abstract"] == pytest.approx(65.2) and table.at["CIFAR-100", "Table 1"] == 65.7
    assert math.isnan(table.at["CIFAR-10", "Section 4.2 text"])


def test_ranking_agrees_when_this_run_equals_the_paper():
    ranking = study3.ranking_table(fake_outcomes()).set_index("dataset")
    assert ranking.at["Fashion-MNIST", "paper winner"] == "ResNet-34"
    assert ranking["same winner"].all() and ranking["every ResNet above AlexNet and VGG19"].all()
    assert (ranking["pairs ordered as in the paper"] == "10 of 10").all()
    assert "CIFAR-100 (synthetic)" in ranking.index


def test_ranking_and_conclusion_report_a_different_winner():
    accuracy = {d: dict(row) for d, row in study3.PAPER_TEST_TOP1.items()}
    accuracy["CIFAR-10"] = {**accuracy["CIFAR-10"], "AlexNet": 0.95}
    outcomes = fake_outcomes(accuracy)
    ranking = study3.ranking_table(outcomes).set_index("dataset")
    assert ranking.at["CIFAR-10", "this run winner"] == "AlexNet" and not ranking.at["CIFAR-10", "same winner"]
    assert not ranking.at["CIFAR-10", "every ResNet above AlexNet and VGG19"]
    assert ranking.at["CIFAR-10", "pairs ordered as in the paper"] == "7 of 10"  # AlexNet now above the three ResNets
    text = study3.conclusion(outcomes, parameters())
    assert "**CIFAR-10**: AlexNet won with 95.0 %" in text and "the paper's winner was ResNet-34 (89.6 %)" in text
    assert "holds on 2 of 3 datasets checked" in text
    assert "synthetic" in text and "prove the pipeline" in text


def test_ties_are_reported_as_ties_not_as_the_papers_winner():
    accuracy = {d: {m: 0.10 for m in study3.MODELS} for d in study3.PAPER_TEST_TOP1}
    accuracy["CIFAR-100"] = {**{m: 0.01 for m in study3.MODELS}, "ResNet-18": 0.02, "ResNet-50": 0.02}
    outcomes = fake_outcomes(accuracy)
    ranking = study3.ranking_table(outcomes).set_index("dataset")
    assert ranking.at["CIFAR-100 (synthetic)", "this run winner"] == "ResNet-18 = ResNet-50"
    assert not ranking["same winner"].any()
    assert ranking.at["CIFAR-10", "pairs ordered as in the paper"] == "0 of 10"  # ties order nothing
    assert "ResNet-18 = ResNet-50 tied with 2.0 %" in study3.conclusion(outcomes, parameters())


def test_claim_is_not_checked_when_a_model_is_missing():
    outcomes = [o for o in fake_outcomes() if o.spec.model != "alexnet"]
    ranking = study3.ranking_table(outcomes)
    assert ranking["every ResNet above AlexNet and VGG19"].isna().all()
    text = study3.conclusion(outcomes, parameters())
    assert "not checked" in text and "holds on 0 of 0 datasets" in text


def test_conclusion_without_reduced_data_makes_no_caveat():
    outcomes = fake_outcomes(synthetic_cifar100=False)
    for outcome in outcomes:
        outcome.metrics.update(data_notes=[], epochs=20)
    text = study3.conclusion(outcomes, parameters("paper"))
    assert "holds on 3 of 3 datasets checked" in text and "synthetic" not in text and "pipeline" not in text


def test_headlines_are_resnet18_per_dataset():
    lines = study3.headlines(fake_outcomes())
    assert [set(line) for line in lines] == [{"label", "paper", "this_run", "unit", "difference"}] * 3
    assert not any(line["difference"] for line in lines)  # accuracies, not gaps
    assert lines[0]["paper"] == 0.934 and lines[0]["this_run"] == pytest.approx(0.934)
    assert lines[2]["label"] == "ResNet-18 test top-1, CIFAR-100 (synthetic)"


def test_figures_cover_the_table_costs_curves_and_every_confusion_matrix():
    outcomes = fake_outcomes()
    figures = study3.figures(outcomes)
    for name in ("table1_accuracy_bars", "parameters", "wall_time", "throughput", "curves_top1_cifar10",
                 "curves_loss_fashion_mnist", "curves_top1_cifar100", "confusion_cifar10_vgg19_seed0"):
        assert name in figures, name
    assert all(line.get_marker() == "." for line in figures["curves_top1_cifar10"].axes[0].lines)


def test_confusion_figures_for_every_run_and_the_best_per_dataset():
    kept = {"resnet18", "resnet34"}  # a few runs keep the test short: a 100-class matrix takes seconds
    outcomes = [o for o in fake_outcomes()
                if o.spec.model in kept and (o.spec.dataset, o.spec.model) != ("cifar100", "resnet34")]
    confusions = study3.confusion_figures(outcomes)
    assert len(confusions) == 5 and "confusion_cifar100_resnet18_seed0" in confusions
    assert [o.spec.run_id for o in study3.best_runs(outcomes)] == [
        "fashion_mnist_resnet34_seed0", "cifar10_resnet34_seed0", "cifar100_resnet18_seed0"]
    best = study3.best_confusions(confusions, outcomes)
    assert best[2] is confusions["confusion_cifar100_resnet18_seed0"]
    assert "ResNet-18 on CIFAR-100 (synthetic)" in best[2].axes[0].get_title()


@pytest.mark.slow
def test_a_tiny_real_run_goes_through_the_tables(tmp_path):
    # ResNet-18 on a CIFAR-100 synthetic stand-in (or real data if present), 8-px images, one epoch.
    spec = next(s for s in study3.plan(parameters("smoke")) if s.run_id == "cifar100_resnet18_seed0")
    spec = dataclasses.replace(spec, config=spec.config.replace(progress="none", device="cpu"),
                               dataset_options={**spec.dataset_options, "image_size": 8})
    outcomes = run_all([spec], tmp_path, data_dir=tmp_path, synthetic_stand_in=True)
    assert is_finished(tmp_path / "runs" / spec.run_id)
    assert outcomes[0].confusion.shape == (100, 100)
    table = study3.accuracy_table(outcomes)
    assert table["this run"].notna().sum() == 1
    assert "ResNet-18" in study3.conclusion(outcomes, parameters())
    assert study3.headlines(outcomes)[2]["this_run"] == outcomes[0].metrics["test_top1"]
