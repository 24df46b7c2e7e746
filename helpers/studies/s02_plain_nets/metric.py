"""Study 2's metrics and groups of runs: the runs by (dataset, network, recipe); the final epoch's
test top-1 (what every verdict and headline reads); the paper's metric, the highest top-1 a run
reached over its epochs (Table 1: the best epoch chosen on the test set itself, so optimistic);
and the pairs a comparison between architectures uses (:func:`equal_recipe_runs`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np

from helpers.runs import RunOutcome
from helpers.studies.common import summaries, verdicts
from helpers.studies.s02_plain_nets.recipe import RECIPE_LABEL, RESNET_RECIPE
from helpers.statistics.uncertainty import Measured, measure

BEST_TEST = "best_test_top1"  # the paper's metric: the highest test top-1 over the epochs
FINAL_TEST = "test_top1"  # the final epoch's test top-1: verdicts and headlines
OWN_RECIPE = "own recipe"  # what a run without a recipe label was trained with
OPTIMISTIC = "best epoch chosen on test, as the paper does (optimistic)"
Key = tuple[str, str, str]  # (dataset, network, recipe)


def recipe_of(outcome: RunOutcome) -> str:
    """The recipe a run was trained with: ``"ResNet's recipe"`` or ``"own recipe"``."""
    return str(outcome.spec.labels.get(RECIPE_LABEL, OWN_RECIPE))


def grouped_runs(outcomes: Sequence[RunOutcome]) -> dict[Key, list[RunOutcome]]:
    """Outcomes by (dataset, network, recipe), seeds together, in plan order; each with the paper's
    metric, ``metrics["best_test_top1"]``, read from its history (the one source of it)."""
    with_best = [dataclasses.replace(outcome, metrics={**outcome.metrics, BEST_TEST: highest(outcome, "test")})
                 for outcome in outcomes]
    return summaries.group_outcomes(with_best, lambda outcome: (
        outcome.spec.labels["dataset"], outcome.spec.labels["model"], recipe_of(outcome)))


def group_name(key: Key) -> str:
    """How tables and figures name a group: ``"LeNet"``, or ``"LeNet (ResNet's recipe)"``."""
    _, model, recipe = key
    return model if recipe == OWN_RECIPE else f"{model} ({recipe})"


def shown_name(key: Key, runs: Sequence[RunOutcome]) -> str:
    """:func:`group_name`, marked ``(UNSTABLE)`` when one of its runs trained unstably."""
    unstable = any(summaries.stability_text(run) != "stable" for run in runs)
    return f"{group_name(key)} (UNSTABLE)" if unstable else group_name(key)


def equal_recipe_runs(groups: Mapping[Key, Sequence[RunOutcome]], dataset: str, model: str) -> list[RunOutcome]:
    """The runs of ``model`` on ``dataset`` to set beside the ResNet's: those trained with the
    ResNet's recipe where the profile planned them, else its own (the same recipe at profiles where
    the three networks share one; :func:`helpers.studies.common.claims.recipe_differences` checks)."""
    return list(groups.get((dataset, model, RESNET_RECIPE)) or groups.get((dataset, model, OWN_RECIPE)) or [])


def own_recipe_runs(groups: Mapping[Key, Sequence[RunOutcome]], dataset: str, model: str) -> list[RunOutcome]:
    """The runs of ``model`` on ``dataset`` with its own recipe (the pair of per-network recipes)."""
    return list(groups.get((dataset, model, OWN_RECIPE)) or [])


def highest(outcome: RunOutcome, split: str) -> float:
    """The highest ``split`` ('train' or 'test') top-1 over the epochs of one run, as a fraction."""
    return float(outcome.history[f"{split}_top1"].max())


def best_accuracy(runs: Sequence[RunOutcome], split: str) -> float:
    """The paper's metric: the highest ``split`` ('train' or 'test') top-1 over the epochs of each
    run, as a fraction, averaged over the runs (seeds)."""
    return float(np.mean([run.history[f"{split}_top1"].max() for run in runs]))


def best_measured(runs: Sequence[RunOutcome], split: str) -> Measured:
    """:func:`best_accuracy` with its uncertainty: the binomial SE of the split's images (one
    seed) or the seed sd (several)."""
    images = int(runs[0].metrics["num_test" if split == "test" else "num_train"])
    return measure([highest(run, split) for run in runs], images)


def final_measured(runs: Sequence[RunOutcome], split: str) -> Measured:
    """The final epoch's ``split`` top-1 (mean over seeds) with its uncertainty (the training
    split's is measured on the augmented batches during the last epoch)."""
    return verdicts.measured(runs, FINAL_TEST if split == "test" else "final_train_top1")
