"""Study 1's runs by (model, stem), seeds together, and the display name of each pair: what the
tables, figures, findings and conclusion all group by. A pair with an unstable run
(:mod:`helpers.runs.stability`) is named so wherever it is shown."""

from __future__ import annotations

from collections.abc import Sequence

from helpers.runs import RunOutcome
from helpers.studies.common import summaries
from helpers.studies.common.claims import unstable_runs
from helpers.studies.s01_depth.paper import STEMS

UNSTABLE_MARK = " (UNSTABLE)"  # appended to the name of a pair with an unstable run in figures


def groups_of(outcomes: Sequence[RunOutcome]) -> dict[tuple[str, str], list[RunOutcome]]:
    """Outcomes by (model, stem), seeds together, in plan order."""
    return summaries.group_outcomes(outcomes,
                                    lambda outcome: (outcome.spec.labels["model"], outcome.spec.labels["stem"]))


def run_name(model: str, stem: str) -> str:
    """The display name of a (model, stem) pair, e.g. 'ResNet-18, ImageNet stem'."""
    return f"{model}, {STEMS[stem]}"


def is_unstable(runs: Sequence[RunOutcome]) -> bool:
    """Whether any of ``runs`` trained unstably (no verdict or finding may rest on them)."""
    return bool(unstable_runs(runs))


def shown_name(model: str, stem: str, runs: Sequence[RunOutcome]) -> str:
    """:func:`run_name`, marked ' (UNSTABLE)' when one of ``runs`` trained unstably."""
    return run_name(model, stem) + (UNSTABLE_MARK if is_unstable(runs) else "")
