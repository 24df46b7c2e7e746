"""Rankings of models with their noise: which adjacent pairs of a ranking are separated by more
than the noise (:data:`helpers.statistics.uncertainty.RULE`) and which a run cannot tell apart. Generic over
any ``{model: runs}`` mapping; studies 2 and 3 rank their models with it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from helpers.runs import RunOutcome
from helpers.studies.common import verdicts
from helpers.statistics.uncertainty import Measured, difference_se, images_needed, is_clear, seeds_text


@dataclass(frozen=True)
class Gap:
    """Two models next to each other in a ranking: ``higher`` minus ``lower``, with its standard error."""

    higher: str
    lower: str
    difference: float
    standard_error: float

    @property
    def clear(self) -> bool:
        """Whether the gap is larger than the noise (more than two standard errors)."""
        return is_clear(self.difference, self.standard_error)


def ranked(groups: Mapping[str, Sequence[RunOutcome]], *, key: str = "test_top1") -> list[tuple[str, Measured]]:
    """Each model's ``key`` with its uncertainty, best first (ties keep the mapping's order)."""
    values = [(name, verdicts.measured(runs, key)) for name, runs in groups.items() if runs]
    return sorted(values, key=lambda item: -item[1].value)


def adjacent_gaps(ranking: Sequence[tuple[str, Measured]]) -> list[Gap]:
    """The gap between each pair of neighbours of ``ranking`` (from :func:`ranked`)."""
    return [Gap(a, b, first.value - second.value, difference_se(first, second))
            for (a, first), (b, second) in zip(ranking, ranking[1:])]


def noise_phrase(ranking: Sequence[tuple[str, Measured]]) -> str:
    """What the ± means, said once for a ranking: 'binomial SE of 1,000 test images' or 'sd over 3 seeds'."""
    kinds = {(value.kind, value.n) for _, value in ranking}
    if len(kinds) != 1:
        return "± 1 binomial SE (one seed) or the seed sd (several), per model"
    kind, n = kinds.pop()
    return f"± 1 binomial SE of {n:,} test images" if kind == "binomial_se" else f"mean ± sd over {n} seeds"


def ranking_line(groups: Mapping[str, Sequence[RunOutcome]], *, key: str = "test_top1") -> str:
    """'ResNet 97.1 ± 0.5 > LeNet 93.0 ± 0.8 ≈ AlexNet 92.5 ± 0.8 % (± 1 binomial SE of 1,000 test
    images; ">": separated by more than two standard errors, "≈": within the noise)'."""
    ranking = ranked(groups, key=key)
    if not ranking:
        return "no runs"
    parts = [f"{ranking[0][0]} {_short(ranking[0][1])}"]
    for gap, (name, value) in zip(adjacent_gaps(ranking), ranking[1:]):
        parts.append(f"{'>' if gap.clear else '≈'} {name} {_short(value)}")
    return (f"{' '.join(parts)} % ({noise_phrase(ranking)}; \">\": separated by more than two standard errors, "
            "\"≈\": within the noise)")


def gaps_sentence(groups: Mapping[str, Sequence[RunOutcome]], *, key: str = "test_top1") -> str:
    """Which neighbours of the ranking are separated, which are not, and what would separate those."""
    ranking = ranked(groups, key=key)
    values = dict(ranking)
    gaps = adjacent_gaps(ranking)
    if not gaps:
        return "one model only: nothing to rank."
    clear = [f"{g.higher} above {g.lower} ({100 * g.difference:+.1f} ± {100 * g.standard_error:.1f} points)"
             for g in gaps if g.clear]
    unclear = [f"{g.higher} and {g.lower} ({100 * g.difference:+.1f} ± {100 * g.standard_error:.1f} points; "
               f"{_what_would_tell(values[g.higher], g.difference)})" for g in gaps if not g.clear]
    sentences = []
    if clear:
        sentences.append(f"Separated by more than the noise: {'; '.join(clear)}.")
    if unclear:
        sentences.append(f"Not separated, this run cannot order them: {'; '.join(unclear)}.")
    return " ".join(sentences)


def _short(value: Measured) -> str:
    return f"{100 * value.value:.1f} ± {100 * value.spread:.1f}"


def _what_would_tell(value: Measured, difference: float) -> str:
    if difference == 0:
        return "equal: no test set separates them"
    images = images_needed(value.value, difference, current=value.test_images or value.n)
    text = f"about {images:,} test images per model would tell them apart"
    if value.kind == "seed_sd":
        text += ", " + seeds_text(value, difference)
    return text
