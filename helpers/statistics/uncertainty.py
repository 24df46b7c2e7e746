"""How sure a number is, and whether a difference between two numbers is larger than the noise.

Pure functions on plain numbers. An accuracy measured once carries the binomial standard error of
its test set, ``sqrt(p (1 - p) / n)``; an accuracy averaged over seeds carries the seed-to-seed
standard deviation (n seeds). A comparison uses the mean's standard error, which adds the two
sources of noise: ``sqrt(sd^2 / n + p (1 - p) / N)`` (seeds, and the N test images themselves).
The standard error of a difference of two independent measurements is the root of the sum of
their squares.

The rule for a verdict, stated once: a difference is *clear* when it is more than
:data:`CLEAR_MULTIPLE` (two) standard errors of the difference; otherwise this run cannot tell
the two apart, and :func:`images_needed` / :func:`seeds_needed` say what would.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

CLEAR_MULTIPLE = 2.0  # a difference counts only when larger than this many standard errors
KINDS = ("binomial_se", "seed_sd")
RULE = f"a difference counts only when it exceeds {CLEAR_MULTIPLE:g} standard errors of the difference"


@dataclass(frozen=True)
class Measured:
    """A fraction (accuracy) with its uncertainty.

    ``kind`` is ``"binomial_se"`` (one seed: ``spread`` is the binomial standard error of a test
    set of ``n`` images) or ``"seed_sd"`` (``n`` seeds: ``spread`` is their standard deviation;
    with one seed it falls back to the binomial error of ``test_images``)."""

    value: float
    spread: float
    kind: str
    n: int
    test_images: int = 0

    @property
    def test_set_se(self) -> float:
        """The binomial error of the test set every seed is scored on (0 when its size is unknown):
        the part of the noise that no number of seeds averages away."""
        return binomial_se(self.value, self.test_images) if self.test_images else 0.0

    @property
    def standard_error(self) -> float:
        """The standard error of ``value`` itself: for seeds, the mean's, test-set noise included."""
        if self.kind == "binomial_se":
            return self.spread
        return math.sqrt(self.spread ** 2 / self.n + self.test_set_se ** 2)

    def as_record(self, *, scale: float = 1.0) -> dict[str, float | int | str]:
        """The uncertainty as plain data, in the unit of ``value * scale`` (metrics.json's form)."""
        return {"value": self.spread * scale, "kind": self.kind, "n": self.n,
                "standard_error": self.standard_error * scale}


def binomial_se(accuracy: float, test_images: int) -> float:
    """Standard error of an accuracy measured on ``test_images`` independent images."""
    if test_images < 1:
        raise ValueError(f"test_images={test_images!r} must be at least 1")
    return math.sqrt(max(accuracy * (1 - accuracy), 0.0) / test_images)


def measure(values: Sequence[float], test_images: int) -> Measured:
    """An accuracy over seeds: mean and seed sd for two or more, the binomial error for one."""
    values = [float(value) for value in values]
    if not values:
        raise ValueError("no values to measure")
    mean = sum(values) / len(values)
    if len(values) == 1:
        return Measured(mean, binomial_se(mean, test_images), "binomial_se", test_images, test_images)
    sd = math.sqrt(sum((value - mean) ** 2 for value in values) / (len(values) - 1))
    return Measured(mean, sd, "seed_sd", len(values), test_images)


def difference_se(*measured: Measured | None) -> float:
    """Standard error of a difference (or sum) of independent measurements; None counts as exact."""
    return math.sqrt(sum(item.standard_error ** 2 for item in measured if item is not None))


def is_clear(difference: float, standard_error: float) -> bool:
    """Whether ``difference`` is more than :data:`CLEAR_MULTIPLE` standard errors from zero."""
    return abs(difference) > CLEAR_MULTIPLE * standard_error


def images_needed(accuracy: float, difference: float, *, current: int) -> int | None:
    """Test images (per side) at which a ``difference`` between two accuracies near ``accuracy``
    would be clear, or None when no test set could (a difference of zero)."""
    if difference == 0:
        return None
    variance = max(accuracy * (1 - accuracy), 1e-6)
    needed = math.ceil(2 * variance * (CLEAR_MULTIPLE / abs(difference)) ** 2)
    return max(needed, current + 1)


def seeds_needed(seed_sd: float, difference: float, *, current: int, test_se: float = 0.0) -> int | None:
    """Seeds (per side) at which a ``difference`` would be clear given a seed-to-seed sd, or None
    when no number of seeds could: every seed is scored on the same test set, so its binomial
    error ``test_se`` (per side) stays however many seeds are averaged."""
    if difference == 0:
        return None
    # Clear when 2 * (seed_sd**2 / n + test_se**2) < (difference / CLEAR_MULTIPLE)**2, both sides alike.
    room = (difference / CLEAR_MULTIPLE) ** 2 / 2 - test_se ** 2
    if room <= 0:
        return None
    return max(math.ceil(seed_sd ** 2 / room), current + 1)


def format_measured(item: Measured | None, *, scale: float = 100.0, digits: int = 1) -> str:
    """``'82.9 ± 0.4 (binomial SE, 10,000 images)'`` or ``'82.9 ± 1.1 (sd, 3 seeds)'``."""
    if item is None or math.isnan(item.value):
        return "n/a"
    what = (f"binomial SE, {item.n:,} images" if item.kind == "binomial_se" else f"sd, {item.n} seeds")
    return f"{item.value * scale:.{digits}f} ± {item.spread * scale:.{digits}f} ({what})"


def compare_sentence(first: str, first_value: Measured, second: str, second_value: Measured | float, *,
                     scale: float = 100.0, unit: str = "points", evaluated_on: str = "test") -> tuple[str, str]:
    """``(verdict, sentence)`` comparing two accuracies (the second may be a paper's exact number).

    ``verdict`` is ``"first"`` (the first is clearly higher), ``"second"`` or ``"unclear"``; the
    sentence states the difference with its standard error and, when unclear, what would tell
    (how many ``evaluated_on`` images: "test", or "validation" where the accuracies are measured
    on a validation split)."""
    second_measured = second_value if isinstance(second_value, Measured) else None
    second_number = second_value.value if isinstance(second_value, Measured) else float(second_value)
    difference = first_value.value - second_number
    error = difference_se(first_value, second_measured)
    digits = _decimals(error * scale)
    stated = f"{first} minus {second}: {difference * scale:+.{digits}f} ± {error * scale:.{digits}f} {unit} (1 SE)"
    if is_clear(difference, error):
        leader = first if difference > 0 else second
        return ("first" if difference > 0 else "second"), f"{stated}: {leader} is clearly higher ({RULE})."
    tell = _what_would_tell(first_value, difference, evaluated_on)
    return "unclear", f"{stated}: within the noise, so this run cannot tell them apart; {tell}."


def _decimals(error: float) -> int:
    # One decimal cannot carry a standard error that rounds to 0.1 or 0.0 (MNIST near 99 %): "-0.1 ± 0.1,
    # clearly lower" reads as a contradiction, "-0.15 ± 0.07" does not.
    return 1 if round(error, 1) >= 0.2 else 2


def _what_would_tell(measured: Measured, difference: float, evaluated_on: str) -> str:
    if difference == 0:
        return f"no {evaluated_on} set or seed count separates two equal numbers"
    images = images_needed(measured.value, difference, current=measured.test_images or measured.n)
    text = f"a gap this size would be clear with about {images:,} {evaluated_on} images per model"
    if measured.kind == "seed_sd":
        text += ", " + seeds_text(measured, difference, evaluated_on)
    return text


def seeds_text(measured: Measured, difference: float, evaluated_on: str = "test") -> str:
    """What more seeds would do for a ``difference`` near a seed-averaged ``measured``: "or about N
    seeds at this seed-to-seed spread", or why no number of seeds would (the shared test set's noise)."""
    seeds = seeds_needed(measured.spread, difference, current=measured.n, test_se=measured.test_set_se)
    if seeds is None:
        return f"while more seeds alone would not: the {evaluated_on} set's own noise is too large for it"
    return f"or about {seeds} seeds at this seed-to-seed spread"
