"""Study 2's metric, the paper's: the highest top-1 a run reached over its epochs (Table 1), read
from each run's history, and the runs grouped by (dataset, network) with it."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from helpers.runs import RunOutcome
from helpers.studies.common import summaries
from helpers.statistics.uncertainty import Measured, measure

BEST_TEST = "best_test_top1"  # the paper's metric: the highest test top-1 over the epochs


def grouped_runs(outcomes: Sequence[RunOutcome]) -> dict[tuple[str, str], list[RunOutcome]]:
    """Outcomes by (dataset, model), seeds together, in plan order; each with the paper's metric,
    ``metrics["best_test_top1"]``, read from its history (the one source of the highest test top-1)."""
    with_best = [dataclasses.replace(outcome, metrics={**outcome.metrics, BEST_TEST: highest(outcome, "test")})
                 for outcome in outcomes]
    return summaries.group_outcomes(with_best,
                                    lambda outcome: (outcome.spec.labels["dataset"], outcome.spec.labels["model"]))


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
