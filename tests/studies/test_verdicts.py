"""A study's verdicts are computed from its runs: made-up outcomes (a clear win, a tie within the
noise, a reversal) and the wording each gets; headline records carry their uncertainty."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure

from helpers.config import TrainConfig
from helpers.runs import RunOutcome, RunSpec
from helpers.studies.common import verdicts
from helpers.studies.common.display import show_table, with_profile


def runs(*accuracies: float, test_images: int = 10_000) -> list[RunOutcome]:
    spec = RunSpec(run_id="r", model="lenet5", dataset="cifar10", config=TrainConfig())
    return [RunOutcome(spec=spec, history=pd.DataFrame(), metrics={"test_top1": value, "num_test": test_images})
            for value in accuracies]


def test_a_clear_win_agrees_with_the_paper():
    sentence = verdicts.versus_sentence("ResNet-18", runs(0.83), "ResNet-50", runs(0.76), claim_winner="ResNet-18")
    assert "ResNet-18 83.0 ± 0.4 (binomial SE, 10,000 images)" in sentence
    assert "ResNet-18 is clearly higher" in sentence and "agrees with the paper (ResNet-18 ahead)" in sentence


def test_a_tie_within_the_noise_claims_nothing():
    # Study 1's old smoke report: 14 % vs 10 % on 100 test images was called agreement.
    sentence = verdicts.versus_sentence("ResNet-18", runs(0.14, test_images=100), "ResNet-50",
                                        runs(0.10, test_images=100), claim_winner="ResNet-18")
    assert "cannot tell them apart" in sentence and "neither confirm nor contradict" in sentence
    assert "agrees" not in sentence.replace("disagrees", "") and "test images per model" in sentence


def test_a_reversal_disagrees_over_seeds():
    sentence = verdicts.versus_sentence("ResNet-18", runs(0.70, 0.71, 0.69), "ResNet-50", runs(0.78, 0.79, 0.80),
                                        claim_winner="ResNet-18")
    assert "(sd, 3 seeds)" in sentence and "ResNet-50 is clearly higher" in sentence
    assert "disagrees with the paper (ResNet-18 ahead there)" in sentence


def test_headlines_carry_their_uncertainty_and_verdict():
    single = verdicts.accuracy_headline("ResNet-18 test top-1", 0.8294, runs(0.80))
    assert single["uncertainty"]["kind"] == "binomial_se" and single["uncertainty"]["n"] == 10_000
    assert single["uncertainty"]["value"] == pytest.approx((0.8 * 0.2 / 10_000) ** 0.5)
    assert single["verdict"] == "below the paper"
    close = verdicts.accuracy_headline("x", 0.80, runs(0.795, test_images=400))
    assert close["verdict"] == "within the noise of the paper"
    seeds = verdicts.accuracy_headline("x", None, runs(0.5, 0.6))
    assert seeds["uncertainty"]["kind"] == "seed_sd" and seeds["uncertainty"]["n"] == 2 and "verdict" not in seeds
    gap = verdicts.gap_headline("18 minus 50", 0.069, runs(0.14, test_images=100), runs(0.10, test_images=100))
    assert gap["difference"] and gap["this_run"] == pytest.approx(0.04) and gap["verdict"] == "within the noise"


def seeded(*seeds: int, accuracy: float = 0.8) -> list[RunOutcome]:
    return [RunOutcome(spec=RunSpec(run_id=f"r{seed}", model="lenet5", dataset="cifar10", config=TrainConfig(seed=seed)),
                       history=pd.DataFrame(), metrics={"test_top1": accuracy, "num_test": 10_000}) for seed in seeds]


def test_a_headline_names_the_seeds_it_rests_on_not_the_studys():
    # Study 1 in part: ResNet-18 (CIFAR stem) had seed 0 only while the study's other rows had 0 and 1,
    # and the index said "2 (seeds 0, 1)" beside a one-run standard error.
    assert verdicts.accuracy_headline("one seed", None, seeded(0))["seeds"] == [0]
    assert verdicts.accuracy_headline("two seeds", None, seeded(1, 0))["seeds"] == [0, 1]
    assert verdicts.gap_headline("gap", None, seeded(0, 1), seeded(1, 2))["seeds"] == [1]


def test_chance_is_named_when_runs_did_not_learn():
    assert "not clearly above chance (10.0 %)" in verdicts.chance_sentence(runs(0.12, test_images=100), 10)
    assert verdicts.chance_sentence(runs(0.5, test_images=1000), 10) is None


def test_tables_show_percentages_and_signed_points_and_whole_text():
    frame = pd.DataFrame({"model": ["A"], "test top-1": [0.8294], "train loss": [0.2006],
                          "difference (points)": [-6.9], "source": ["x" * 120]})
    html = show_table(frame).to_html()
    assert "82.94 %" in html and "0.2006" in html and "-6.90" in html and "x" * 120 in html


def test_figures_carry_the_profile():
    figure = Figure()
    figure.add_subplot().set_title("Figure 1: loss")
    with_profile({"f": figure}, "smoke")
    assert figure.axes[0].get_title() == "Figure 1: loss (smoke profile)"


def test_uncertainty_counts_the_images_of_the_split_it_was_measured_on():
    spec = RunSpec(run_id="r", model="lenet5", dataset="cifar10", config=TrainConfig())
    run = RunOutcome(spec=spec, history=pd.DataFrame(),
                     metrics={"test_top1": 0.5, "best_val_top1": 0.5, "final_train_top1": 0.5,
                              "num_test": 10_000, "num_val": 100, "num_train": 40_000})
    assert [verdicts.measured([run], key).n for key in ("test_top1", "best_val_top1", "final_train_top1")] == \
        [10_000, 100, 40_000]
    assert verdicts.measured([run], "best_val_top1").standard_error == pytest.approx(0.05)


def test_a_gap_resting_on_an_unstable_run_has_no_verdict():
    clear = verdicts.gap_headline("18 minus 50", None, runs(0.83), runs(0.25))
    assert clear["verdict"] == "clearly positive"
    diverged = runs(0.25)
    diverged[0].history = pd.DataFrame({"epoch": [1, 2], "train_loss": [3.6, 2.0], "test_loss": [487.0, 2.0],
                                        "test_top1": [0.1, 0.25]})
    assert verdicts.gap_headline("18 minus 50", None, runs(0.83), diverged)["verdict"] == "not decided: run unstable"


def named(run_id: str, *seeds: int) -> list[RunOutcome]:
    return [RunOutcome(spec=RunSpec(run_id=f"{run_id}_seed{seed}", model="lenet5", dataset="cifar10",
                                    config=TrainConfig(seed=seed)), history=pd.DataFrame(), metrics={})
            for seed in seeds]


def test_seeds_per_run_names_the_runs_with_fewer_seeds():
    # Study 2 published in part said "2 seed(s) per run" while its CIFAR-10 AlexNet row had one.
    even = named("cifar10_resnet18", 0, 1) + named("cifar10_lenet5", 0, 1)
    assert verdicts.seeds_per_run(even) == "2 seeds per run" and verdicts.seed_range(even) == (2, 2)
    assert verdicts.single_seed_caveat(even, "the 10,000 test images") is None
    uneven = even + named("cifar10_alexnet", 0)
    assert verdicts.seeds_per_run(uneven) == "1-2 seeds per run (1: cifar10_alexnet)"
    assert verdicts.seed_range(uneven) == (1, 2)
    assert verdicts.single_seed_caveat(uneven, "the 10,000 test images") == (
        "1-2 seeds per run (1: cifar10_alexnet): where a run has one seed, its uncertainty is the binomial "
        "standard error of the 10,000 test images; its seed-to-seed spread is not measured")
    single = named("resnet18", 0)
    assert verdicts.seeds_per_run(single, "model") == "1 seed per model"
    assert verdicts.single_seed_caveat(single, "the test images", "model").startswith(
        "1 seed per model: each uncertainty is the binomial standard error of the test images")
    assert verdicts.seeds_per_run([]) == "no runs" and verdicts.seed_range([]) == (0, 0)
    many = even + [run for index in range(6) for run in named(f"m{index}", 3)]
    assert verdicts.seeds_per_run(many).endswith("(1: m0, m1, m2, m3 and 2 more)")
