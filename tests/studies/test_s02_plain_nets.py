"""Study 2 (ResNet vs LeNet-5 vs AlexNet on MNIST and CIFAR-10): the plan with its equal-recipe
runs, this run's Table 1 (final epoch, the paper's metric beside it), the claims ledger (one row
per claim; unstable runs, recipes that differ and a network at chance decide nothing; the verdict
rests on the equal-recipe pair), headlines, figures with loss curves, the answer, the paper's
contradictions, and one tiny real run (the notebook contract: test_notebook_parameters.py)."""

import dataclasses

import matplotlib
import numpy as np
import pandas as pd
import pytest

from helpers.config import TrainConfig
from helpers.runs import RunOutcome, RunSpec, run_all
from helpers.studies import s02_plain_nets as study2
from helpers.studies.common.claims import (CONFOUNDED, CONTRADICTED, NOT_DECIDED, NOT_TESTABLE, SUPPORTED, UNSTABLE,
                                           VERDICTS, ledger_frame)
from helpers.studies.common.parameters import CHOSEN, PAPER
from helpers.studies.s02_plain_nets import findings
from helpers.studies.s02_plain_nets.metric import OPTIMISTIC, best_accuracy, best_measured
from helpers.studies.s02_plain_nets.paper import CLAIMS, PAPER_BEST_PERCENT
from helpers.studies.s02_plain_nets.recipe import DATASETS, MODELS, RESNET_RECIPE

from study_support import SHARED_DATA, parameters

matplotlib.use("Agg")

ADAM = TrainConfig(epochs=4, optimizer="adam", lr=5e-4)  # a rival's own recipe, unlike the ResNet's


def outcome(dataset, model, *, best_train, best_test, seed=0, epochs=4, num_test=100, config=None, recipe=None,
            speed=100.0):
    """A finished run whose train and test accuracy peak (at epoch 3) at ``best_train`` / ``best_test``
    and end at 0.95 of that; ``recipe`` labels an equal-recipe run (the ResNet's)."""
    shape = np.array([0.5, 0.9, 1.0, 0.95])[:epochs]
    history = pd.DataFrame({"epoch": np.arange(1, epochs + 1), "train_loss": 1.0, "train_top1": best_train * shape,
                            "test_loss": 1.0, "test_top1": best_test * shape, "lr": 0.01})
    labels = {"dataset": dataset, "model": model, "seed": seed, **({"recipe": recipe} if recipe else {})}
    spec = RunSpec(run_id=f"{DATASETS[dataset]}_{MODELS[model]}{'_resnet_recipe' if recipe else ''}_seed{seed}",
                   model=MODELS[model], dataset=DATASETS[dataset],
                   config=(config or TrainConfig(epochs=epochs)).replace(seed=seed), labels=labels)
    metrics = {"params": 1000, "epochs": epochs, "num_train": 200, "num_test": num_test,
               "final_train_top1": best_train * 0.95, "best_val_top1": None, "test_top1": best_test * 0.95,
               "test_top5": 1.0, "wall_seconds": 5.0, "train_images_per_second": speed, "device": "cpu",
               "precision": "fp32", "confusion": (np.eye(10, dtype=int) * 9 + 1).tolist(),
               "classes": [str(i) for i in range(10)], "data_notes": ["full training set"]}
    return RunOutcome(spec=spec, history=history, metrics=metrics)


def grid(test_accuracy, *, num_test=100, seeds=(0,)):
    """Outcomes of the six runs per seed (one recipe shared by all), the highest test top-1 from
    ``test_accuracy[dataset][model]`` (seed s adds s tenths of a point)."""
    return [outcome(dataset, model, best_train=1.0, best_test=value + 0.001 * seed, seed=seed, num_test=num_test)
            for seed in seeds for dataset, row in test_accuracy.items() for model, value in row.items()]


def unstable(run, test_loss=500.0):
    """A copy of ``run`` whose test loss exploded after epoch 1."""
    history = run.history.copy()
    history.loc[0, "test_loss"] = test_loss
    return dataclasses.replace(run, history=history)


def ledger_verdicts(outcomes):
    return {claim.key: findings.verdict_of(study2.claims_ledger(outcomes), claim) for claim in CLAIMS}


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


# --- the plan -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("profile, epochs, batch_size", [("smoke", 2, 32), ("quick", 12, 256), ("paper", 20, 128)])
def test_plan_trains_three_networks_on_two_datasets(tmp_path, profile, epochs, batch_size):
    specs = [spec for spec in study2.plan(parameters(tmp_path, profile)) if "recipe" not in spec.labels]
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


@pytest.mark.parametrize("profile, per_seed", [("smoke", 10), ("cpu", 6), ("quick", 6), ("paper", 6)])
def test_rivals_with_a_recipe_of_their_own_also_train_with_the_resnets(tmp_path, profile, per_seed):
    specs = study2.plan(parameters(tmp_path, profile, seeds=[0, 1]))
    assert len(specs) == 2 * per_seed and len({spec.run_id for spec in specs}) == len(specs)
    by_id = {spec.run_id: spec for spec in specs}
    # The runs of each network's own recipe keep their ids and labels: published runs stay reusable.
    assert by_id["cifar10_alexnet_seed0"].labels == {"dataset": "CIFAR-10", "model": "AlexNet", "seed": 0}
    equal = [spec for spec in specs if spec.labels.get("recipe") == RESNET_RECIPE]
    assert len(equal) == 2 * (per_seed - 6)
    for spec in equal:
        resnet = by_id[f"{spec.dataset}_resnet18_seed{spec.config.seed}"]
        assert spec.run_id == f"{spec.dataset}_{spec.model}_resnet_recipe_seed{spec.config.seed}"
        assert (spec.config, spec.dataset_options) == (resnet.config, resnet.dataset_options)
        assert spec.model_options == by_id[f"{spec.dataset}_{spec.model}_seed{spec.config.seed}"].model_options
    settings = study2.settings(parameters(tmp_path, profile)).set_index("setting")
    assert ("none needed" in settings.loc["equal-recipe runs", "value"]) == (per_seed == 6)


def test_cpu_trains_the_three_networks_with_one_recipe_per_dataset(tmp_path):
    specs = study2.plan(parameters(tmp_path, "cpu", seeds=[0, 1]))
    for dataset, epochs in (("mnist", 3), ("cifar10", 12)):
        configs = {spec.model: spec.config.replace(seed=0) for spec in specs if spec.dataset == dataset}
        assert set(configs) == {"resnet18", "lenet5", "alexnet"} and len(set(configs.values())) == 1
        config = configs["alexnet"]
        assert (config.optimizer, config.lr, config.epochs, config.grad_clip_norm) == ("sgd", 0.1, epochs, 1.0)
    assert all(spec.dataset_options == {} for spec in specs)  # all images on disk, for every network
    settings = study2.settings(parameters(tmp_path, "cpu")).set_index("setting")
    assert settings.loc["epochs at cpu", "value"] == "MNIST 3, CIFAR-10 12 (every network alike)"
    assert settings.loc["gradient clipping", "value"] == "global norm 1.0"


def test_smoke_reads_the_samples_small_with_a_fast_recipe(tmp_path):
    specs = {spec.run_id: spec for spec in study2.plan(parameters(tmp_path))}
    resnet, alexnet = specs["mnist_resnet18_seed0"], specs["cifar10_alexnet_seed0"]
    assert resnet.config.scheduler == "onecycle" and resnet.config.label_smoothing > 0
    assert alexnet.config.optimizer == "adam" and resnet.config.optimizer == "sgd"
    assert specs["cifar10_lenet5_seed0"].config.optimizer == "adam"  # no BatchNorm: SGD stayed near chance
    assert {spec.dataset_options["image_size"] for spec in specs.values()} == {16}
    assert "test_per_class" not in resnet.dataset_options  # every test image of the sample
    assert resnet.dataset_options["train_per_class"] == 100
    assert specs["mnist_alexnet_resnet_recipe_seed0"].dataset_options["train_per_class"] == 100  # the ResNet's data
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
    assert table.loc["metric", "source"] == PAPER and OPTIMISTIC in table.loc["metric", "value"]
    assert table.loc["verdict metric", "value"].startswith("final-epoch test top-1")
    smoke = study2.settings(parameters(tmp_path)).set_index("setting")
    assert "16x16" in smoke.loc["image size", "value"] and "ADAM" in smoke.loc["AlexNet at smoke", "value"]
    assert "embedded samples" in smoke.loc["images used", "value"]


# --- tables, headlines, figures --------------------------------------------------------------------------

def test_table1_reads_the_final_epoch_with_the_papers_metric_beside_it(outcomes):
    table = study2.table1(outcomes).set_index(["model", "column"])
    row = table.loc[("ResNet", "CIFAR-10 test")]
    assert row["paper top-1 (highest over its epochs)"] == pytest.approx(0.866)
    assert row["this run top-1, final epoch"] == pytest.approx(0.855)  # 0.95 of the peak
    assert row["this run top-1, highest over the epochs"] == pytest.approx(0.90)
    assert row["final minus paper (points)"] == pytest.approx(-1.1)
    assert row["this run ± 1 SE (points)"] == pytest.approx(100 * np.sqrt(0.855 * 0.145 / 100))
    assert row["verdict (final epoch)"] == "within the noise" and row["training"] == "stable"
    assert len(table) == 12
    wide = study2.this_run_table1(outcomes)
    assert wide.loc["AlexNet", "CIFAR-10 train, final epoch (%)"] == "94.05 ± 1.67"  # 200 training images
    assert wide.loc["ResNet", f"CIFAR-10 test, {OPTIMISTIC} (%)"] == "90.00 ± 3.00"


def test_this_run_table1_marks_unstable_and_equal_recipe_rows(outcomes):
    runs = [unstable(outcomes[0]), *outcomes[1:],
            outcome("MNIST", "LeNet", best_train=0.9, best_test=0.9, recipe=RESNET_RECIPE)]
    wide = study2.this_run_table1(runs)
    assert {"ResNet (UNSTABLE)", "LeNet", f"LeNet ({RESNET_RECIPE})", "AlexNet"} == set(wide.index)
    assert wide.loc[f"LeNet ({RESNET_RECIPE})", "CIFAR-10 test, final epoch (%)"] == "not run"
    table = study2.runs_table(runs)
    assert list(table["recipe"]) == ["own recipe"] * 6 + [RESNET_RECIPE]
    assert list(table["training"]).count("stable") == 6


def test_highest_accuracy_is_the_maximum_over_epochs_averaged_over_seeds():
    runs = [outcome("MNIST", "ResNet", best_train=1.0, best_test=0.98),
            outcome("MNIST", "ResNet", best_train=1.0, best_test=0.96, seed=1)]
    assert best_accuracy(runs, "test") == pytest.approx(0.97)
    measured = best_measured(runs, "test")
    assert (measured.kind, measured.n) == ("seed_sd", 2)


def test_headlines_read_the_final_epoch_and_label_the_papers_metric(outcomes):
    items = {item["label"]: item for item in study2.headlines(outcomes)}
    resnet = items["ResNet test top-1, final epoch, CIFAR-10"]
    assert (resnet["paper"], resnet["unit"]) == (pytest.approx(0.866), "fraction")
    assert resnet["this_run"] == pytest.approx(0.855)
    assert resnet["uncertainty"]["kind"] == "binomial_se" and resnet["uncertainty"]["n"] == 100
    gap = items["ResNet minus LeNet, CIFAR-10 test top-1, final epoch, same recipe"]
    assert gap["this_run"] == pytest.approx(0.95 * 0.25) and gap["verdict"] == "clearly positive"
    assert "unpaired" in gap["uncertainty"]["kind"]  # these runs stored no predictions
    best = items[f"ResNet minus LeNet, CIFAR-10 test top-1, {OPTIMISTIC}"]
    assert best["this_run"] == pytest.approx(0.25) and best["paper"] == pytest.approx(0.2313)
    assert len(items) == 14
    partial = {item["label"]: item for item in study2.headlines(outcomes[:3])}
    assert partial["ResNet minus LeNet, CIFAR-10 test top-1, final epoch, same recipe"]["this_run"] is None
    flagged = {item["label"]: item for item in study2.headlines([unstable(outcomes[3]), *outcomes[4:]])}
    assert flagged["ResNet minus LeNet, CIFAR-10 test top-1, final epoch, same recipe"]["verdict"] == UNSTABLE


def test_tables_and_figures_cover_the_report(outcomes):
    tables = study2.tables(outcomes)
    assert set(tables) == {"table1_this_run", "table1_vs_paper", "comparisons", "figures_not_reproduced", "runs",
                           "time_to_accuracy"}
    assert f"highest test top-1, {OPTIMISTIC} (%, ± 1 SE)" in tables["runs"]
    assert set(tables["runs"]["recipe"]) == {"own recipe"} and set(tables["runs"]["training"]) == {"stable"}
    figures = study2.figures(outcomes)
    assert {"mnist_loss_curves", "mnist_accuracy_curves", "cifar10_loss_curves", "cifar10_accuracy_curves",
            "fig4_mnist_train_accuracy", "fig4_mnist_test_accuracy", "fig6_cifar10_train_accuracy",
            "fig6_cifar10_test_accuracy", "final_test_accuracy", "confusion_mnist_lenet5",
            "confusion_cifar10_alexnet"} <= set(figures)
    labels = [line.get_label() for line in figures["fig6_cifar10_test_accuracy"].axes[0].lines]
    assert labels == ["ResNet test", "LeNet test", "AlexNet test"]
    loss = {line.get_label() for line in figures["cifar10_loss_curves"].axes[0].lines}
    assert {"ResNet train", "ResNet test", "AlexNet test"} <= loss


def test_figures_name_unstable_runs_and_equal_recipe_groups(outcomes):
    runs = [*outcomes[:3], unstable(outcomes[3]), *outcomes[4:],
            outcome("CIFAR-10", "AlexNet", best_train=0.5, best_test=0.5, recipe=RESNET_RECIPE)]
    figures = study2.figures(runs)
    fig6 = [line.get_label() for line in figures["fig6_cifar10_test_accuracy"].axes[0].lines]
    assert fig6[0] == "ResNet (UNSTABLE) test"
    curves = {line.get_label() for line in figures["cifar10_accuracy_curves"].axes[0].lines}
    assert {"ResNet (UNSTABLE) test", f"AlexNet ({RESNET_RECIPE}) test"} <= curves


# --- the claims ledger -------------------------------------------------------------------------------------

def test_the_ledger_has_one_row_per_claim_with_a_verdict_and_what_would_decide_it(outcomes):
    ledger = study2.claims_ledger(outcomes)
    assert [row["claim"] for row in ledger] == [claim.statement for claim in CLAIMS]
    assert all(row["verdict"] in VERDICTS and row["what would decide it"] for row in ledger)
    frame = ledger_frame(ledger)
    assert len(frame) == len(CLAIMS) == 9
    lenet_mnist = frame.set_index("claim").loc[CLAIMS[0].statement]
    assert "99.05" in lenet_mnist["reference"]  # LeNet-5 on MNIST, LeCun et al. 1998
    assert f"{OPTIMISTIC}: +0.50 points" in lenet_mnist["this run"]


def test_a_clear_win_on_equal_recipes_supports_the_paper():
    runs = grid({"MNIST": {"ResNet": 0.99, "LeNet": 0.90, "AlexNet": 0.80},
                 "CIFAR-10": {"ResNet": 0.86, "LeNet": 0.63, "AlexNet": 0.70}}, num_test=10_000)
    verdicts = ledger_verdicts(runs)
    assert [verdicts[claim.key] for claim in CLAIMS[:4]] == [SUPPORTED] * 4
    # Text claims judged on Table 1 itself, whatever the runs.
    assert verdicts["mnist_train_middle"] == CONTRADICTED  # 100.000 = 100.000, not "in the middle"
    assert verdicts["resnet_alexnet_about_the_same"] == CONTRADICTED  # 2.4 and 4.9 SE: not "about the same"
    assert verdicts["mnist_simplicity"] == CONTRADICTED and verdicts["generalization"] == SUPPORTED


def test_a_tie_within_the_noise_is_not_decided_and_says_what_would_decide_it():
    runs = grid({"MNIST": {"ResNet": 0.95, "LeNet": 0.94, "AlexNet": 0.96},
                 "CIFAR-10": {"ResNet": 0.30, "LeNet": 0.28, "AlexNet": 0.29}}, num_test=400)
    ledger = study2.claims_ledger(runs)
    assert [row["verdict"] for row in ledger[:4]] == [NOT_DECIDED] * 4
    assert "test images per model" in ledger[0]["what would decide it"]


def test_a_reversal_over_seeds_contradicts_the_paper():
    runs = grid({"MNIST": {"ResNet": 0.90, "LeNet": 0.95, "AlexNet": 0.97},
                 "CIFAR-10": {"ResNet": 0.50, "LeNet": 0.60, "AlexNet": 0.70}}, num_test=10_000, seeds=(0, 1, 2))
    ledger = study2.claims_ledger(runs)
    assert [row["verdict"] for row in ledger[:4]] == [CONTRADICTED] * 4 and ledger[0]["seeds"] == "3"


def test_an_unstable_run_decides_nothing_it_enters(outcomes):
    runs = [*outcomes[:3], unstable(outcomes[3]), *outcomes[4:]]  # the ResNet on CIFAR-10
    verdicts = ledger_verdicts(runs)
    assert verdicts["resnet_over_lenet_cifar10"] == verdicts["resnet_over_alexnet_cifar10"] == UNSTABLE
    assert verdicts["resnet_over_lenet_mnist"] != UNSTABLE
    row = next(row for row in study2.claims_ledger(runs) if row["claim"] == CLAIMS[2].statement)
    assert "cifar10_resnet18_seed0 (its test loss after epoch 1 is 500" in row["this run"]


def test_the_verdict_rests_on_the_equal_recipe_pair_and_the_other_pair_is_labelled():
    resnet = outcome("CIFAR-10", "ResNet", best_train=1.0, best_test=0.90, num_test=10_000)
    own = outcome("CIFAR-10", "AlexNet", best_train=1.0, best_test=0.60, num_test=10_000, config=ADAM)
    verdicts = ledger_verdicts([resnet, own])
    assert verdicts["resnet_over_alexnet_cifar10"] == CONFOUNDED  # only a pair trained differently
    same = outcome("CIFAR-10", "AlexNet", best_train=1.0, best_test=0.89, num_test=10_000, recipe=RESNET_RECIPE)
    rows = study2.comparisons([resnet, own, same])
    cifar_alexnet = [row for row in rows if (row["dataset"], row["other"]) == ("CIFAR-10", "AlexNet")]
    assert [(row["pair"], row["verdict"]) for row in cifar_alexnet] == [
        (findings.EQUAL_PAIR, NOT_DECIDED), (findings.OWN_PAIR, CONFOUNDED)]
    assert "trained differently: epochs 4 vs 4" not in rows[-1]["this run"]
    assert "optimizer 'sgd' vs 'adam'" in rows[-1]["this run"]
    assert ledger_verdicts([resnet, own, same])["resnet_over_alexnet_cifar10"] == NOT_DECIDED  # +0.95 ± 0.6
    table = study2.comparisons_table([resnet, own, same])
    assert list(table["pair"]) == [findings.EQUAL_PAIR] * 4 + [findings.OWN_PAIR]  # MNIST and LeNet: not run


def test_a_win_over_a_network_at_chance_is_no_evidence():
    runs = grid({"MNIST": {"ResNet": 0.95, "LeNet": 0.94, "AlexNet": 0.11}}, num_test=10_000)
    ledger = study2.claims_ledger(runs)
    row = next(row for row in ledger if row["claim"] == CLAIMS[1].statement)
    assert row["verdict"] == NOT_DECIDED and "AlexNet: " in row["this run"] and "not clearly above chance" in row[
        "this run"]
    assert "a recipe under which both networks learn" in row["what would decide it"]
    assert ledger[2]["verdict"] == NOT_DECIDED and "was not run" in ledger[2]["this run"]  # CIFAR-10 not run


def test_runs_on_the_embedded_samples_test_no_claim_even_beside_a_network_at_chance():
    runs = grid({"MNIST": {"ResNet": 0.95, "LeNet": 0.60, "AlexNet": 0.11}}, num_test=10_000)
    runs = [dataclasses.replace(run, metrics={**run.metrics, "data_origin": {"samples": True}}) for run in runs]
    ledger = study2.claims_ledger(runs)
    assert [row["verdict"] for row in ledger[:2]] == [NOT_TESTABLE] * 2  # a pipeline check, not evidence


def test_the_speed_claim_reads_the_throughput_of_equal_recipe_pairs(outcomes):
    slow = [dataclasses.replace(run, metrics={**run.metrics, "train_images_per_second":
                                              50.0 if run.spec.labels["model"] == "ResNet" else 500.0})
            for run in outcomes]
    row = study2.claims_ledger(slow)[-1]
    assert row["verdict"] == CONTRADICTED and "MNIST: ResNet 50 vs LeNet 500" in row["this run"]
    assert "same epochs" not in row["this run"]
    assert study2.claims_ledger(outcomes)[-1]["verdict"] == NOT_DECIDED  # equal speeds: neither faster


def test_the_papers_own_numbers_are_checked():
    rows = {row["claim"]: row for row in findings.paper_rows([])}
    text = " ".join(row["this run"] for row in rows.values())
    assert "equals AlexNet's (100.000 vs 100.000 %)" in text
    assert "+0.225 ± 0.094 points (2.4 SE)" in text and "+2.460 ± 0.499 points" in text
    assert "42 times larger on CIFAR-10 than on MNIST" in text
    assert "smallest train-test gap on both datasets" in text
    assert rows[CLAIMS[-1].statement]["verdict"] == NOT_DECIDED  # no run timed here


# --- the answer ----------------------------------------------------------------------------------------

def test_the_answer_is_short_and_computed(tmp_path):
    runs = grid({"MNIST": {"ResNet": 0.99, "LeNet": 0.90, "AlexNet": 0.989},
                 "CIFAR-10": {"ResNet": 0.86, "LeNet": 0.63, "AlexNet": 0.70}}, num_test=10_000)
    text = study2.answer(runs, parameters(tmp_path, "quick"))
    assert text.startswith("**Answer.** Each rival against the ResNet on the ResNet's recipe")
    assert "the ResNet is ahead of LeNet on MNIST (+8.55 ± 0.42 points)" in text  # unpaired: no stored predictions
    assert "; not decided at this budget for AlexNet on MNIST (+0.10 ± 0.34 points)." in text
    assert "quick profile" in text and "1 seed per run" in text and "**Claims** (9)" in text
    assert len(text.split()) <= 130
    smoke = study2.conclusion(runs, parameters(tmp_path))
    assert "prove the pipeline" in smoke
    # Where only the rivals' own recipes ran (a cpu report re-rendered before its equal-recipe runs
    # trained), the answer says why there is no verdict instead of naming a recipe they did not train on.
    own = [run for run in runs if run.spec.labels.get("recipe") != "ResNet's recipe"]
    differing = [dataclasses.replace(run, spec=dataclasses.replace(run.spec, config=run.spec.config.replace(lr=0.5)))
                 if run.spec.model != "resnet18" else run for run in own]
    text = study2.answer(differing, parameters(tmp_path, "quick"))
    assert "no verdict for LeNet on MNIST" in text and "only the rival's own recipe ran" in text


def test_illustrations_are_listed_as_not_reproduced():
    figures = findings.figures_not_reproduced().set_index("figure")
    assert list(figures.index) == [f"Figure {n}" for n in range(1, 7)]
    assert (figures["in this report"] == "not reproduced").sum() == 4
    assert figures.loc["Figure 3", "where / why"].startswith("sample images")
    assert figures.loc["Figure 4", "in this report"] == "reproduced"
    paper = PAPER_BEST_PERCENT
    assert paper["ResNet"][1] - paper["LeNet"][1] == pytest.approx(0.555)  # the abstract's differences
    assert paper["ResNet"][3] - paper["AlexNet"][3] == pytest.approx(2.46)


def test_model_table_counts_grey_and_colour_inputs():
    table = study2.model_table().set_index("model")
    assert table.loc["LeNet", "params (MNIST)"] == 61_706
    assert table.loc["LeNet", "params (CIFAR-10)"] == 62_006
    assert table.loc["AlexNet", "params (CIFAR-10)"] == 57_023_306


def test_model_table_shows_the_smoke_profiles_narrow_alexnet():
    paper, smoke = (study2.model_table(profile).set_index("model") for profile in ("paper", "smoke"))
    assert smoke.loc["AlexNet", "options"] == {"classifier_width": 512}
    assert smoke.loc["AlexNet", "params (CIFAR-10)"] < paper.loc["AlexNet", "params (CIFAR-10)"] / 5
    assert smoke.loc["ResNet", "params (CIFAR-10)"] == paper.loc["ResNet", "params (CIFAR-10)"]


@pytest.mark.slow
def test_tiny_real_run_gives_every_table(tmp_path):
    """The smoke plan cut to LeNet-5 on both datasets, 1 epoch, 5 images per class."""
    specs = [spec for spec in study2.plan(parameters(tmp_path))
             if spec.model == "lenet5" and "recipe" not in spec.labels]
    specs = [dataclasses.replace(spec, config=spec.config.replace(epochs=1, progress="none"),
                                 dataset_options={**spec.dataset_options, "train_per_class": 5, "test_per_class": 2})
             for spec in specs]
    data_dir = SHARED_DATA if SHARED_DATA.is_dir() else None
    outcomes = run_all(specs, tmp_path, data_dir=data_dir, synthetic_stand_in=True)
    assert [outcome.metrics["num_test"] for outcome in outcomes] == [20, 20]
    table = study2.this_run_table1(outcomes)
    assert table.loc["LeNet"].ne("not run").all() and table.loc["ResNet"].eq("not run").all()
    assert {"confusion_mnist_lenet5", "mnist_loss_curves"} <= set(study2.figures(outcomes))
    assert len(study2.claims_ledger(outcomes)) == len(CLAIMS)
