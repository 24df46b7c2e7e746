"""Does the ResNets' advantage widen with the difficulty of the dataset? The paper says so
(Sections 4.2 and 5) but never computes it. Here the gap of :data:`ADVANTAGE_PAIR` (ResNet-18
minus VGG19: the paper's headline model and the plain network trained with the ResNets' recipe)
per dataset, paired on each dataset's test images, and its change from one dataset to the next
(independent test sets: the two errors add). The paper's own gaps, also as a share of the plain
network's errors; a synthetic stand-in is labelled and never compared.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from helpers.runs import RunOutcome
from helpers.statistics.paired import SEED_SPREAD, TEST_SAMPLING, Decision, decide
from helpers.studies.common.claims import (CONFOUNDED, CONTRADICTED, NOT_DECIDED, NOT_TESTABLE, STILL_LEARNING,
                                           SUPPORTED, UNSTABLE, Claim, GroupComparison, compare_groups, paper_only_row,
                                           recipe_differences, stand_in_data, still_learning, unstable_runs,
                                           untestable_row, what_would_decide)
from helpers.studies.common.summaries import data_kind
from helpers.studies.s03_cross_dataset.groups import SYNTHETIC, absent_reason, model_groups
from helpers.studies.s03_cross_dataset.paper import (ADVANTAGE_PAIR, DATASETS, PAPER_EPOCHS, PAPER_TEST_TOP1,
                                                     PLAIN_NETWORKS, RESNETS, WIDENING)

SHARE = "paper: gap / the plain network's errors (%)"


@dataclass(frozen=True)
class DatasetGap:
    """ResNet-18 minus VGG19 on one dataset: the paired comparison, which runs were unstable, how
    the two were trained differently, and why the gap may be this budget's ('' when settled)."""

    dataset: str
    comparison: GroupComparison
    unstable: dict[str, str]
    recipes: list[str]
    synthetic: bool
    learning: str = ""


@dataclass(frozen=True)
class Step:
    """The change of the gap from ``easier`` to ``harder``, with its standard error and decision."""

    easier: str
    harder: str
    change: float
    standard_error: float
    decision: Decision


def paper_gap(dataset: str) -> float:
    """Table 1's ResNet-18 minus VGG19 on ``dataset`` (a fraction)."""
    first, second = ADVANTAGE_PAIR
    return PAPER_TEST_TOP1[dataset][first] - PAPER_TEST_TOP1[dataset][second]


def dataset_gaps(outcomes: Sequence[RunOutcome]) -> dict[str, DatasetGap]:
    """The gap on every dataset where both models of the pair were run, in dataset order."""
    gaps = {}
    for dataset in DATASETS:
        groups = model_groups(outcomes, dataset)
        first, second = (groups[name] for name in ADVANTAGE_PAIR)
        if first and second:
            comparison = compare_groups(first, second)
            gaps[dataset] = DatasetGap(dataset, comparison, unstable_runs([*first, *second]),
                                       recipe_differences(first, second), data_kind([*first, *second]) == SYNTHETIC,
                                       still_learning(ADVANTAGE_PAIR[0], first, ADVANTAGE_PAIR[1], second,
                                                      comparison.difference, paper_epochs=PAPER_EPOCHS))
    return gaps


def steps(gaps: Mapping[str, DatasetGap]) -> list[Step]:
    """The change of the gap between neighbouring real datasets (in difficulty order)."""
    real = [gap for gap in gaps.values() if not gap.synthetic]
    result = []
    for easier, harder in zip(real, real[1:]):
        change = harder.comparison.difference - easier.comparison.difference
        error = math.hypot(harder.comparison.standard_error, easier.comparison.standard_error)
        result.append(Step(easier.dataset, harder.dataset, change, error, decide(change, error)))
    return result


def advantage_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Per dataset with runs of the pair: the paper's gap (and as a share of VGG19's errors), the
    best ResNet minus the better plain network in the paper, and this run's gap ± 1 SE."""
    rows = []
    for dataset, gap in dataset_gaps(outcomes).items():
        paper = PAPER_TEST_TOP1[dataset]
        best_gap = max(paper[m] for m in RESNETS) - max(paper[m] for m in PLAIN_NETWORKS)
        comparison = gap.comparison
        rows.append({"dataset": dataset, "paper gap (points)": 100 * paper_gap(dataset),
                     SHARE: 100 * paper_gap(dataset) / (1 - paper[ADVANTAGE_PAIR[1]]),
                     "paper best ResNet minus best plain (points)": 100 * best_gap,
                     "this run gap (points)": 100 * comparison.difference,
                     "this run ± 1 SE (points)": 100 * comparison.standard_error, "seeds": comparison.seeds,
                     "uncertainty": comparison.kind, "this run's data": SYNTHETIC if gap.synthetic else "real",
                     "training": "; ".join(f"UNSTABLE: {run}" for run in gap.unstable) or "stable",
                     "recipes": ", ".join(gap.recipes) or "the same"})
    return pd.DataFrame(rows)


def advantage_markdown(outcomes: Sequence[RunOutcome]) -> str:
    """The paper's gaps (points, and share of errors: widening or not), then this run's steps."""
    name = f"{ADVANTAGE_PAIR[0]} minus {ADVANTAGE_PAIR[1]}"
    points = [paper_gap(d) for d in DATASETS]
    shares = [paper_gap(d) / (1 - PAPER_TEST_TOP1[d][ADVANTAGE_PAIR[1]]) for d in DATASETS]
    lines = [f"- **The paper** ({name}): " + ", ".join(f"{d} {100 * g:+.1f}" for d, g in zip(DATASETS, points))
             + " points: " + ("it widens" if points == sorted(points) else "it does not widen") + " in points; as a "
             "share of VGG19's errors (" + ", ".join(f"{100 * s:.0f} %" for s in shares) + ") it "
             + ("widens too." if shares == sorted(shares) else "does not widen.")]
    for step in steps(dataset_gaps(outcomes)):
        lines.append(f"- **This run, {step.easier} to {step.harder}**: the gap changes by {100 * step.change:+.2f} ± "
                     f"{100 * step.standard_error:.2f} points: "
                     + ("by more than the noise." if step.decision.decided else f"{NOT_DECIDED}."))
    return "\n".join(lines)


def widening_row(outcomes: Sequence[RunOutcome], unavailable: Mapping[str, str], *,
                 claim: Claim = WIDENING) -> dict[str, str]:
    """The ledger row of the widening claim: supported when the gap grows by more than the noise
    at every step between the real datasets here, contradicted when it shrinks so at one."""
    gaps = dataset_gaps(outcomes)
    real = {d: gap for d, gap in gaps.items() if not gap.synthetic}
    absent = {d: why for d in DATASETS if d not in real and (why := absent_reason(d, outcomes, unavailable))}
    if len(real) < 2:
        return untestable_row(claim, f"needs {ADVANTAGE_PAIR[0]} and {ADVANTAGE_PAIR[1]} on two real datasets; "
                              f"this run has {len(real)}" + "".join(f"; {why}" for why in absent.values()),
                              verdict=NOT_TESTABLE if absent else NOT_DECIDED)
    found = steps(real)
    ours = ("; ".join(f"{d} {100 * g.comparison.difference:+.2f} ± {100 * g.comparison.standard_error:.2f}"
                      for d, g in real.items()) + f" points ({ADVANTAGE_PAIR[0]} minus {ADVANTAGE_PAIR[1]}); "
            + "; ".join(f"{s.easier} to {s.harder} {100 * s.change:+.2f} ± {100 * s.standard_error:.2f} points"
                        for s in found) + "".join(f"; {why}" for why in absent.values()))
    unstable = {run: why for gap in real.values() for run, why in gap.unstable.items()}
    recipes = sorted({f"{d}: {', '.join(g.recipes)}" for d, g in real.items() if g.recipes})
    learning = [f"{d}: {g.learning}" for d, g in real.items() if g.learning]
    stand_in = stand_in_data(o for o in outcomes if o.spec.labels["dataset"] in real
                             and o.spec.labels["model"] in ADVANTAGE_PAIR)
    if unstable:
        verdict, ours = UNSTABLE, ours + "; unstable: " + "; ".join(f"{r} ({w})" for r, w in unstable.items())
    elif stand_in:
        verdict, ours = NOT_TESTABLE, ours + f"; {stand_in}: a pipeline check, not evidence about the paper's claim"
    elif recipes:
        verdict, ours = CONFOUNDED, ours + "; trained differently: " + "; ".join(recipes)
    elif learning and any(s.decision.decided for s in found):
        verdict = STILL_LEARNING
    elif any(s.decision.decided and s.change < 0 for s in found):
        verdict = CONTRADICTED
    elif all(s.decision.decided and s.change > 0 for s in found):
        verdict = SUPPORTED
    else:
        verdict = NOT_DECIDED
    if learning:
        ours += "; " + "; ".join(learning)
    # "What would decide it" for the step hardest to tell apart at the paper's size of change.
    weakest = max(found, key=lambda s: s.standard_error / max(abs(paper_gap(s.harder) - paper_gap(s.easier)), 1e-9))
    comparisons = [g.comparison for g in real.values()]
    dominant = SEED_SPREAD if any(c.dominant == SEED_SPREAD for c in comparisons) else TEST_SAMPLING
    step = GroupComparison(weakest.change, weakest.standard_error, min(c.seeds for c in comparisons),
                           "independent test sets", dominant, min(c.images for c in comparisons))
    run_epochs = min(o.spec.config.epochs for o in outcomes if o.spec.labels["model"] in ADVANTAGE_PAIR)
    decide_text = what_would_decide(step, verdict, target=paper_gap(weakest.harder) - paper_gap(weakest.easier),
                                    epochs=run_epochs, paper_epochs=PAPER_EPOCHS)
    if absent:
        decide_text += f"; and runs on {' and '.join(absent)}, for the rest of the paper's claim"
    return {**paper_only_row(claim, ours, verdict, decide_text), "seeds": str(step.seeds)}
