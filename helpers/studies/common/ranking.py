"""Rankings of models with their noise: which adjacent pairs of a ranking are separated by more
than the noise (:data:`helpers.uncertainty.RULE`) and which a run cannot tell apart. Generic over
any ``{model: runs}`` mapping; studies 2 and 3 rank their models with it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from helpers.runs import RunOutcome
from helpers.studies.common import verdicts
from helpers.uncertainty import Measured, difference_se, images_needed, is_clear, seeds_text


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


# Study 3: this run's ordering of the five models against Table 1's, pair by pair.
def pair_counts(paper: Mapping[str, float], groups: Mapping[str, Sequence[RunOutcome]]) -> dict[str, int]:
    """Of every pair of models run here: how many this run orders clearly as ``paper`` does
    (``"as the paper"``), clearly the other way (``"reversed"``), or cannot order (``"within the noise"``)."""
    values = {name: verdicts.measured(runs) for name, runs in groups.items() if runs and name in paper}
    names = list(values)
    counts = {"as the paper": 0, "reversed": 0, "within the noise": 0}
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            gap, error = values[a].value - values[b].value, difference_se(values[a], values[b])
            if not is_clear(gap, error):
                counts["within the noise"] += 1
            else:
                counts["as the paper" if (gap > 0) == (paper[a] > paper[b]) else "reversed"] += 1
    return counts


def resnets_above_plain(groups: Mapping[str, Sequence[RunOutcome]], resnets: Sequence[str],
                        plain: Sequence[str]) -> str:
    """The paper's central claim on one dataset, computed: every ResNet clearly above every plain
    network (``"yes"``), one clearly below (``"no"``), or some pairs within the noise (``"cannot tell"``)."""
    if not all(groups.get(name) for name in (*resnets, *plain)):
        return "not checked (a model is missing)"
    idle = [name for name in (*resnets, *plain)
            if verdicts.chance_sentence(groups[name], len(groups[name][0].metrics.get("classes") or range(10)))]
    if idle:
        return f"cannot tell ({', '.join(idle)} not clearly above chance: no evidence either way)"
    below, unclear = [], []
    for resnet in resnets:
        for other in plain:
            a, b = verdicts.measured(groups[resnet]), verdicts.measured(groups[other])
            gap, error = a.value - b.value, difference_se(a, b)
            if not is_clear(gap, error):
                unclear.append(f"{resnet}/{other}")
            elif gap < 0:
                below.append(f"{resnet} below {other}")
    if below:
        return f"no ({', '.join(below)}, by more than the noise)"
    if unclear:
        return f"cannot tell ({len(unclear)} of {len(resnets) * len(plain)} pairs within the noise)"
    return "yes (every pair by more than the noise)"
