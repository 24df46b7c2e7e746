"""Uncertainty that fits the comparison: two models scored on the same test images, over seeds,
and against a paper's number. Pure functions on plain numbers and boolean arrays.

Two models scored on the same images are compared image by image: only the images one model gets
right and the other wrong (the discordant pairs) carry information about their difference, so its
standard error comes from those (McNemar's view of paired proportions), not from two independent
binomial errors, which overstate it when the models agree on most images. With ``b`` images only
the first gets right, ``c`` only the second, of ``n``:

    difference = (c - b) / n,    SE = sqrt(b + c - (c - b)^2 / n) / n.

Over seeds (seed ``i`` of one model paired with seed ``i`` of the other, every seed on the same
test set), the mean difference carries the seed-to-seed spread, which averages away over ``k``
seeds, and the test set's own sampling, which does not: ``SE^2 = sd^2 / k + mean(SE_i^2)``.

Against a paper's number, the paper's own test set adds its binomial error. The verdict rule is
:data:`helpers.statistics.uncertainty.CLEAR_MULTIPLE` standard errors; below it a comparison is
"not decided at this budget", and :func:`decide` says how large a difference the data could have
told from noise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from helpers.statistics.uncertainty import CLEAR_MULTIPLE, Measured, binomial_se

SEED_SPREAD, TEST_SAMPLING = "seed spread", "test-set sampling"  # which part of the noise dominates
NOT_DECIDED = "not decided at this budget"


@dataclass(frozen=True)
class PairedDifference:
    """The second model's accuracy minus the first's on the same ``images``, with its paired
    standard error; ``only_first`` / ``only_second``: images only that model got right."""

    difference: float
    standard_error: float
    images: int
    only_first: int
    only_second: int


@dataclass(frozen=True)
class CombinedDifference:
    """A difference with the standard error of all its noise, and which part dominates it."""

    difference: float
    standard_error: float
    dominant: str
    seeds: int


@dataclass(frozen=True)
class Decision:
    """Whether a difference is told from noise, and the smallest difference this uncertainty
    could tell (``detectable``, :data:`CLEAR_MULTIPLE` standard errors)."""

    decided: bool
    detectable: float
    text: str


def paired_from_counts(only_first: int, only_second: int, images: int) -> PairedDifference:
    """The paired difference from its discordant counts on ``images`` shared test images."""
    if images < 1 or min(only_first, only_second) < 0 or only_first + only_second > images:
        raise ValueError(f"counts {only_first} + {only_second} do not fit {images} images")
    net = only_second - only_first
    variance = max(only_first + only_second - net ** 2 / images, 0.0)
    return PairedDifference(net / images, math.sqrt(variance) / images, images, only_first, only_second)


def paired_difference(first_correct: Sequence[bool] | np.ndarray,
                      second_correct: Sequence[bool] | np.ndarray) -> PairedDifference:
    """The paired difference of two models from their per-image correctness on the same images
    (in the same order), e.g. ``predicted == labels`` of each."""
    first, second = np.asarray(first_correct, dtype=bool), np.asarray(second_correct, dtype=bool)
    if first.shape != second.shape or first.ndim != 1:
        raise ValueError(f"per-image results of shapes {first.shape} and {second.shape}: expected two equal 1-D")
    return paired_from_counts(int(np.sum(first & ~second)), int(np.sum(~first & second)), len(first))


def over_seeds(differences: Sequence[PairedDifference]) -> CombinedDifference:
    """The mean of per-seed paired differences, with the seed spread and the test set's sampling
    combined (the latter does not average away: every seed is scored on the same images)."""
    if not differences:
        raise ValueError("no paired differences")
    values = [item.difference for item in differences]
    seeds = len(values)
    mean = sum(values) / seeds
    seed_variance = (sum((value - mean) ** 2 for value in values) / (seeds - 1) / seeds) if seeds > 1 else 0.0
    test_variance = sum(item.standard_error ** 2 for item in differences) / seeds
    dominant = SEED_SPREAD if seed_variance > test_variance else TEST_SAMPLING
    return CombinedDifference(mean, math.sqrt(seed_variance + test_variance), dominant, seeds)


def against_paper(ours: Measured, paper: float, paper_test_images: int) -> CombinedDifference:
    """This run's accuracy minus the paper's, with the paper's own sampling error (the binomial
    error of its test set) added to ours; which of the two dominates."""
    paper_se = binomial_se(paper, paper_test_images)
    dominant = "this run's uncertainty" if ours.standard_error > paper_se else "the paper's test-set sampling"
    return CombinedDifference(ours.value - paper, math.hypot(ours.standard_error, paper_se), dominant, ours.n)


def decide(difference: float, standard_error: float, *, scale: float = 100.0) -> Decision:
    """A difference counts only beyond :data:`CLEAR_MULTIPLE` standard errors; otherwise it is
    not decided, and the text says the size of difference the data could have detected (in
    points for ``scale`` 100)."""
    detectable = CLEAR_MULTIPLE * standard_error
    if abs(difference) > detectable:
        return Decision(True, detectable, f"{difference * scale:+.2f} ± {standard_error * scale:.2f} points: "
                                          "larger than the noise")
    return Decision(False, detectable, f"{NOT_DECIDED}: {difference * scale:+.2f} ± {standard_error * scale:.2f} "
                                       f"points; only a difference over {detectable * scale:.2f} points could be "
                                       "told from noise here")
