"""Uncertainty and verdicts: computed from the numbers, never fixed in advance."""

from __future__ import annotations

import math

import pytest

from helpers.statistics.uncertainty import (CLEAR_MULTIPLE, Measured, binomial_se, compare_sentence, difference_se,
                                 format_measured, images_needed, is_clear, measure, seeds_needed)


def test_binomial_standard_error_of_study_1s_smoke_run():
    # 14 % on 100 test images: one standard error is about 3.5 points.
    assert binomial_se(0.14, 100) == pytest.approx(math.sqrt(0.14 * 0.86 / 100))
    assert 0.034 < binomial_se(0.14, 100) < 0.035
    with pytest.raises(ValueError):
        binomial_se(0.5, 0)


def test_measure_one_seed_uses_the_test_set_several_use_the_seeds():
    single = measure([0.8], 10_000)
    assert (single.kind, single.n, single.spread) == ("binomial_se", 10_000, pytest.approx(0.004))
    several = measure([0.80, 0.82, 0.84], 10_000)
    assert several.kind == "seed_sd" and several.n == 3
    assert several.value == pytest.approx(0.82) and several.spread == pytest.approx(0.02)
    assert several.standard_error == pytest.approx(math.sqrt(0.02 ** 2 / 3 + 0.82 * 0.18 / 10_000))
    assert several.as_record(scale=100)["value"] == pytest.approx(2.0)


def test_a_clear_win_a_tie_within_noise_and_a_reversal():
    win, sentence = compare_sentence("ResNet-18", measure([0.83], 10_000), "ResNet-50", measure([0.76], 10_000))
    assert win == "first" and "ResNet-18 is clearly higher" in sentence and "+7.0 ±" in sentence
    tie, sentence = compare_sentence("ResNet-18", measure([0.14], 100), "ResNet-50", measure([0.10], 100))
    assert tie == "unclear" and "cannot tell them apart" in sentence and "test images per model" in sentence
    assert "+4.0 ± 4.6" in sentence
    reversal, sentence = compare_sentence("ResNet-18", measure([0.70, 0.71], 10_000), "ResNet-50",
                                          measure([0.78, 0.79], 10_000))
    assert reversal == "second" and "ResNet-50 is clearly higher" in sentence


def test_against_an_exact_paper_number_only_this_runs_error_counts():
    verdict, sentence = compare_sentence("this run", measure([0.80], 10_000), "the paper", 0.8294)
    assert verdict == "second" and "-2.9 ± 0.4" in sentence
    verdict, _ = compare_sentence("this run", measure([0.825], 10_000), "the paper", 0.8294)
    assert verdict == "unclear"


def test_what_would_tell_grows_as_the_gap_shrinks():
    assert images_needed(0.5, 0.04, current=100) == math.ceil(2 * 0.25 * (CLEAR_MULTIPLE / 0.04) ** 2)
    assert images_needed(0.5, 0.01, current=100) > images_needed(0.5, 0.04, current=100)
    assert images_needed(0.5, 0.0, current=100) is None
    assert seeds_needed(0.02, 0.01, current=2) == math.ceil(2 * (CLEAR_MULTIPLE * 0.02 / 0.01) ** 2)
    assert is_clear(0.05, 0.02) and not is_clear(0.03, 0.02)
    assert difference_se(Measured(0.5, 0.03, "binomial_se", 100), None) == pytest.approx(0.03)


def test_format_measured():
    assert format_measured(measure([0.8294], 10_000)) == "82.9 ± 0.4 (binomial SE, 10,000 images)"
    assert format_measured(measure([0.80, 0.82, 0.84], 10_000)) == "82.0 ± 2.0 (sd, 3 seeds)"
    assert format_measured(None) == "n/a"


def test_a_standard_error_under_a_fifth_of_a_point_is_shown_with_two_decimals():
    # Study 2's quick ResNet-18 on MNIST against the paper: one decimal would print "-0.1 ± 0.1" beside
    # "clearly higher", a difference that looks like one standard error.
    verdict, sentence = compare_sentence("this run", measure([0.9952], 10_000), "the paper", 0.99665)
    assert verdict == "second" and "-0.15 ± 0.07 points" in sentence
    _, sentence = compare_sentence("ResNet", measure([0.9952], 10_000), "AlexNet", measure([0.9959], 10_000))
    assert "-0.07 ± 0.09 points" in sentence and "cannot tell them apart" in sentence
    _, sentence = compare_sentence("this run", measure([0.80], 10_000), "the paper", 0.8294)
    assert "-2.9 ± 0.4 points" in sentence  # an error of 0.4 points keeps one decimal


def test_seeds_cannot_remove_the_shared_test_sets_noise():
    # Every seed is scored on the same 10,000 test images: their binomial error stays.
    assert seeds_needed(0.02, 0.01, current=2, test_se=0.0) == seeds_needed(0.02, 0.01, current=2)
    assert seeds_needed(0.0002, 0.0012, current=3, test_se=0.00068) is None  # 2 SE of the test set alone > gap
    assert seeds_needed(0.01, 0.01, current=3, test_se=0.001) == math.ceil(0.01 ** 2 / ((0.01 / 2) ** 2 / 2 - 0.001 ** 2))
    # Study 2's quick ResNet-18 on MNIST, three seeds, against the paper's 99.665 %.
    verdict, sentence = compare_sentence("this run", measure([0.9952, 0.9955, 0.9956], 10_000), "the paper", 0.99665)
    assert verdict == "unclear" and "-0.12 ± 0.07 points" in sentence
    assert "more seeds alone would not" in sentence and "seeds at this seed-to-seed spread" not in sentence
    _, sentence = compare_sentence("ResNet-18", measure([0.80, 0.82, 0.84], 10_000), "ResNet-50",
                                   measure([0.77, 0.79, 0.81], 10_000))
    assert "or about 5 seeds at this seed-to-seed spread" in sentence
