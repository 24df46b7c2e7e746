"""Study 5's two phases among a study's outcomes: the grid search's runs (the tuning phase,
:mod:`helpers.studies.s05_small_resnets.grid`) and the final runs (both models on all training
images), by model."""

from __future__ import annotations

from collections.abc import Sequence

from helpers.runs import RunOutcome
from helpers.studies.common import summaries


def grid_runs(outcomes: Sequence[RunOutcome]) -> list[RunOutcome]:
    """The grid search's runs among ``outcomes``."""
    return [outcome for outcome in outcomes if outcome.spec.labels.get("phase") == "grid"]


def final_runs(outcomes: Sequence[RunOutcome]) -> list[RunOutcome]:
    """The final runs (both models on all training images) among ``outcomes``, without the grid's."""
    return [outcome for outcome in outcomes if outcome.spec.labels.get("phase") != "grid"]


def groups_of(outcomes: Sequence[RunOutcome]) -> dict[str, list[RunOutcome]]:
    """The final runs by model, seeds together, in plan order."""
    return summaries.group_outcomes(final_runs(outcomes), lambda outcome: outcome.spec.labels["model"])
