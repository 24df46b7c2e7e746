"""Study 1's runs by (model, stem), seeds together, and the display name of each pair: what the
tables, figures, findings and conclusion all group by."""

from __future__ import annotations

from collections.abc import Sequence

from helpers.runs import RunOutcome
from helpers.studies.common import summaries
from helpers.studies.s01_depth.paper import STEMS


def groups_of(outcomes: Sequence[RunOutcome]) -> dict[tuple[str, str], list[RunOutcome]]:
    """Outcomes by (model, stem), seeds together, in plan order."""
    return summaries.group_outcomes(outcomes,
                                    lambda outcome: (outcome.spec.labels["model"], outcome.spec.labels["stem"]))


def run_name(model: str, stem: str) -> str:
    """The display name of a (model, stem) pair, e.g. 'ResNet-18, ImageNet stem'."""
    return f"{model}, {STEMS[stem]}"
