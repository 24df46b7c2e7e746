"""Paired, seed and paper uncertainty against hand-computed examples."""

import math

import numpy as np
import pytest

from helpers.statistics.paired import (NOT_DECIDED, SEED_SPREAD, TEST_SAMPLING, against_paper, decide,
                                       over_seeds, paired_difference, paired_from_counts)
from helpers.statistics.uncertainty import Measured, binomial_se


def test_paired_se_comes_from_the_discordant_images():
    # 1,000 images: 30 only the first model gets right, 10 only the second.
    paired = paired_from_counts(30, 10, 1000)
    assert paired.difference == pytest.approx(-0.02)
    assert paired.standard_error == pytest.approx(math.sqrt(40 - 400 / 1000) / 1000)  # 0.006293
    # Two ~90 % models scored independently would claim sqrt(2 * 0.9 * 0.1 / 1000) = 0.0134: twice as wide.
    assert paired.standard_error < 0.5 * math.sqrt(2 * 0.09 / 1000)


def test_paired_difference_counts_per_image_results():
    first = np.array([1, 1, 1, 0, 0, 1, 0, 1], dtype=bool)
    second = np.array([1, 0, 1, 1, 1, 1, 0, 1], dtype=bool)
    paired = paired_difference(first, second)
    assert (paired.only_first, paired.only_second, paired.images) == (1, 2, 8)
    assert paired.difference == pytest.approx(1 / 8)
    assert paired.standard_error == pytest.approx(math.sqrt(3 - 1 / 8) / 8)


def test_identical_models_differ_by_zero_with_zero_error():
    same = paired_difference([True, False, True], [True, False, True])
    assert same.difference == 0 and same.standard_error == 0


def test_mismatched_or_impossible_inputs_are_refused():
    with pytest.raises(ValueError, match="expected two equal 1-D"):
        paired_difference([True, False], [True])
    with pytest.raises(ValueError, match="do not fit"):
        paired_from_counts(6, 5, 10)


def test_over_seeds_adds_the_spread_to_the_test_sets_sampling_and_names_the_larger():
    a, b = paired_from_counts(0, 200, 10_000), paired_from_counts(0, 400, 10_000)  # +2 and +4 points
    combined = over_seeds([a, b])
    seed_part = ((0.02 - 0.03) ** 2 + (0.04 - 0.03) ** 2) / 1 / 2  # sd^2 / k = 0.0001
    test_part = (a.standard_error ** 2 + b.standard_error ** 2) / 2
    assert combined.difference == pytest.approx(0.03) and combined.seeds == 2
    assert combined.standard_error == pytest.approx(math.sqrt(seed_part + test_part))
    assert combined.dominant == SEED_SPREAD
    one = over_seeds([a])
    assert one.standard_error == pytest.approx(a.standard_error) and one.dominant == TEST_SAMPLING


def test_against_a_paper_includes_its_own_test_set_error():
    ours = Measured(0.90, 0.003, "binomial_se", 10_000, 10_000)
    result = against_paper(ours, 0.93, 10_000)
    assert result.difference == pytest.approx(-0.03)
    assert result.standard_error == pytest.approx(math.sqrt(0.003 ** 2 + binomial_se(0.93, 10_000) ** 2))  # 0.003938
    assert result.dominant == "this run's uncertainty"


def test_the_two_standard_error_rule_and_what_could_be_detected():
    assert decide(0.03, 0.01).decided  # 3 SE
    undecided = decide(0.01, 0.006)  # 1.7 SE
    assert not undecided.decided and undecided.detectable == pytest.approx(0.012)
    assert undecided.text == (f"{NOT_DECIDED}: +1.00 ± 0.60 points; only a difference over 1.20 points could be told "
                              "from noise here")
    assert not decide(0.02, 0.01).decided  # exactly 2 SE is not more than 2 SE
