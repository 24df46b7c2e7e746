"""A study's claims ledger: one row per claim of its paper, computed from the runs.

Each study's ``paper.py`` lists its :class:`Claim` objects (the sentence or table cell, where it
stands, the paper's evidence, an outside reference); its ``findings.py`` turns each into a row with
:func:`comparison_row` (two groups of runs compared on the same test images), :func:`paper_only_row`
(the paper against its own numbers) or :func:`untestable_row`. A row carries ``claim | where |
paper | this run | seeds | reference | verdict | what would decide it``; the verdicts are
:data:`VERDICTS`, and one is given only when the difference exceeds twice its combined
uncertainty (:func:`helpers.statistics.paired.decide`), both runs trained stably
(:mod:`helpers.runs.stability`) and alike apart from what the claim is about, and, short of the
paper's epochs, the side behind gained on the other in its last epoch by less than the gap
(:func:`still_learning`, :mod:`helpers.runs.settling`: else the ordering is this budget's,
:data:`STILL_LEARNING`).

Two groups are compared seed by seed on the same test images (:func:`compare_groups`): with stored
predictions, the paired difference's standard error from the discordant images, combined over
seeds with the seed spread; without them (runs made before predictions were stored), the
independent binomial errors, labelled "unpaired".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from helpers.runs import RunOutcome
from helpers.runs.predictions import correct
from helpers.runs.settling import run_last_epoch_rise
from helpers.runs.stability import run_instability
from helpers.studies.ledger import (CONFOUNDED, CONTRADICTED, LEDGER_COLUMNS, NOT_DECIDED, NOT_TESTABLE, STILL_LEARNING,
                                   SUPPORTED, UNSTABLE, VERDICTS)
from helpers.statistics.paired import SEED_SPREAD, CombinedDifference, decide, over_seeds, paired_difference
from helpers.statistics.uncertainty import CLEAR_MULTIPLE, difference_se, images_needed, measure

# Config fields that define how a model was trained: two sides of a comparison must agree on them.
RECIPE_FIELDS = ("optimizer", "lr", "momentum", "nesterov", "weight_decay", "scheduler", "warmup_epochs", "step_epochs",
                 "step_gamma", "epochs", "batch_size", "label_smoothing", "mixup_alpha", "grad_clip_norm",
                 "augmentation", "crop_padding", "concat_original", "restore_best", "tta_flip", "processes")


@dataclass(frozen=True)
class Claim:
    """One claim of a paper: ``statement`` (quoted, or the table cell in words), ``where`` it
    stands, the paper's ``evidence`` (its numbers for it) and an outside ``reference`` ('' when
    none is known)."""

    key: str
    statement: str
    where: str
    evidence: str
    reference: str = ""


@dataclass(frozen=True)
class GroupComparison:
    """``first`` minus ``second`` on the same test images, with its standard error; ``kind`` says how
    the error was formed ('paired' or 'unpaired ...'), ``dominant`` which noise dominates."""

    difference: float
    standard_error: float
    seeds: int
    kind: str
    dominant: str
    images: int


def compare_groups(first: Sequence[RunOutcome], second: Sequence[RunOutcome], key: str = "test_top1") -> GroupComparison:
    """``first`` minus ``second`` in ``key``: the final ``test_top1`` or ``val_top1`` (the last
    epoch's), paired seed by seed over that split's images when every run stored its predictions
    for it, else unpaired; any other metric (``metrics[key]``) unpaired."""
    split = {"test_top1": "test", "val_top1": "val"}.get(key)
    by_seed = {run.spec.config.seed: run for run in second}
    pairs = [(run, by_seed[run.spec.config.seed]) for run in first if run.spec.config.seed in by_seed]
    paired = split is not None and pairs and all(
        correct(a.predictions, split) is not None and correct(b.predictions, split) is not None
        and (a.predictions[f"{split}_labels"] == b.predictions[f"{split}_labels"]).all() for a, b in pairs)
    images = int(first[0].metrics.get(f"num_{split or 'test'}") or first[0].metrics.get("num_test") or 1)
    if paired:
        combined: CombinedDifference = over_seeds([paired_difference(correct(b.predictions, split),
                                                                     correct(a.predictions, split)) for a, b in pairs])
        return GroupComparison(combined.difference, combined.standard_error, combined.seeds,
                               f"paired over {images:,} {'validation' if split == 'val' else 'test'} images",
                               combined.dominant, images)
    a = measure([final_value(run, key) for run in first], images)
    b = measure([final_value(run, key) for run in second], images)
    seeds = min(len(first), len(second))
    dominant = SEED_SPREAD if seeds > 1 and a.spread ** 2 / a.n > a.test_set_se ** 2 else "test-set sampling"
    why = "the runs stored no per-image predictions" if split else f"{key} is not scored per image"
    return GroupComparison(a.value - b.value, difference_se(a, b), seeds, f"unpaired: {why}", dominant, images)


def final_value(run: RunOutcome, key: str) -> float:
    """``metrics[key]``, or the last epoch's ``key`` in the history (``val_top1``: the final weights')."""
    if key in run.metrics and run.metrics[key] is not None:
        return float(run.metrics[key])
    return float(run.history[key].iloc[-1])


def unstable_runs(runs: Iterable[RunOutcome]) -> dict[str, str]:
    """Run id -> why it is unstable (:func:`helpers.runs.stability.instability`), for the unstable ones."""
    found = {}
    for run in runs:
        reason = run_instability(run.history, run.metrics)
        if reason:
            found[run.spec.run_id] = reason
    return found


def last_epoch_rise(runs: Sequence[RunOutcome], key: str = "test_top1") -> float | None:
    """The mean over ``runs`` (seeds) of how much ``key`` rose in each one's last epoch
    (:func:`helpers.runs.settling.last_epoch_rise`); None when a run's history lacks ``key``."""
    rises = [run_last_epoch_rise(run.history, run.metrics, key) for run in runs]
    if not rises or any(rise is None for rise in rises):
        return None
    return sum(rises) / len(rises)


def still_learning(first_name: str, first: Sequence[RunOutcome], second_name: str, second: Sequence[RunOutcome],
                   difference: float, key: str = "test_top1", *, paper_epochs: int | None = None) -> str:
    """Why ``first`` minus ``second`` (``difference``) may be this budget's ordering only, or '':
    the side behind gained on the side ahead in the last epoch (its rise minus the other's, means
    over seeds) by more than the gap, so one more such epoch could close or reverse it; or a side
    trained one epoch, which shows no curve. Never when the side behind trained at least the
    paper's epochs (``paper_epochs``, when known): the ordering at that budget is the paper's claim.
    Both sides rising alike (a schedule's final anneal) leaves the ordering settled."""
    (name, behind), (ahead_name, ahead) = (((second_name, second), (first_name, first)) if difference > 0
                                           else ((first_name, first), (second_name, second)))
    if paper_epochs and behind[0].spec.config.epochs >= paper_epochs:
        return ""
    behind_rise, ahead_rise = last_epoch_rise(behind, key), last_epoch_rise(ahead, key)
    if behind_rise is None or ahead_rise is None:
        return ""
    gap = f"the {100 * abs(difference):.2f}-point gap"
    if min(len(behind[0].history), len(ahead[0].history)) == 1:
        return (f"one epoch: no curve shows {gap} settled ({name} rose {100 * behind_rise:+.2f} points from chance, "
                f"{ahead_name} {100 * ahead_rise:+.2f})")
    catch_up = behind_rise - ahead_rise
    if catch_up <= abs(difference):
        return ""
    return (f"{name} was catching up: it rose {100 * behind_rise:+.2f} points in its last epoch "
            f"({len(behind[0].history)}), {100 * catch_up:.2f} more than {ahead_name}, more than {gap}")


def stand_in_data(runs: Iterable[RunOutcome]) -> str:
    """'embedded samples' or 'synthetic data' when any of ``runs`` trained on them (the smoke
    profile): a difference there is no verdict on a paper's claim. '' for real data."""
    kinds = set()
    for run in runs:
        origin = run.metrics.get("data_origin") or {}
        if origin.get("samples"):
            kinds.add("embedded samples")
        elif str(origin.get("kind", "")).startswith("synthetic"):
            kinds.add("synthetic data")
    return " and ".join(sorted(kinds))


def recipe_differences(first: Sequence[RunOutcome], second: Sequence[RunOutcome], *,
                       allowed: Sequence[str] = ()) -> list[str]:
    """How the two groups were trained differently (recipe fields and data options), apart from the
    ``allowed`` fields a claim is about: ``['epochs 4 vs 8', ...]`` (empty when alike)."""
    a, b = first[0].spec, second[0].spec
    left = {**{name: getattr(a.config, name) for name in RECIPE_FIELDS}, **a.dataset_options}
    right = {**{name: getattr(b.config, name) for name in RECIPE_FIELDS}, **b.dataset_options}
    return [f"{name} {left.get(name)!r} vs {right.get(name)!r}" for name in sorted(set(left) | set(right))
            if name not in allowed and left.get(name) != right.get(name)]


def comparison_row(claim: Claim, first_name: str, first: Sequence[RunOutcome], second_name: str,
                   second: Sequence[RunOutcome], *, expected: str, paper_effect: float | None = None,
                   paper_epochs: int | None = None, allowed_differences: Sequence[str] = (),
                   key: str = "test_top1") -> dict[str, str]:
    """The ledger row of a claim that ``first`` beats (``expected="positive"``) or trails
    (``"negative"``) ``second``: the paired difference with its uncertainty and seeds, and the
    verdict. ``paper_effect`` (the paper's own difference, a fraction) sizes "what would decide it";
    ``paper_epochs`` says when this run trained fewer epochs than the paper (and only then can the
    side behind be :func:`still_learning`)."""
    if expected not in ("positive", "negative"):
        raise ValueError(f"expected={expected!r}: 'positive' or 'negative'")
    if not first or not second:
        return untestable_row(claim, f"{first_name if not first else second_name} was not run at this profile",
                              verdict=NOT_DECIDED)
    comparison = compare_groups(first, second, key)
    decision = decide(comparison.difference, comparison.standard_error)
    unstable = unstable_runs([*first, *second])
    recipes = recipe_differences(first, second, allowed=allowed_differences)
    stand_in = stand_in_data([*first, *second])
    learning = still_learning(first_name, first, second_name, second, comparison.difference, key,
                              paper_epochs=paper_epochs)
    if unstable:
        verdict = UNSTABLE
    elif stand_in:
        verdict = NOT_TESTABLE
    elif recipes:
        verdict = CONFOUNDED
    elif learning and decision.decided:
        verdict = STILL_LEARNING
    elif not decision.decided:
        verdict = NOT_DECIDED
    else:
        verdict = SUPPORTED if (comparison.difference > 0) == (expected == "positive") else CONTRADICTED
    ours = (f"{first_name} minus {second_name}: {100 * comparison.difference:+.2f} ± "
            f"{100 * comparison.standard_error:.2f} points ({comparison.kind}; {comparison.dominant} dominates)")
    if unstable:
        ours += "; unstable: " + "; ".join(f"{run} ({why})" for run, why in unstable.items())
    if recipes:
        ours += "; trained differently: " + ", ".join(recipes)
    if stand_in:
        ours += f"; {stand_in}: a pipeline check, not evidence about the paper's claim"
    if learning:
        ours += f"; {learning}"
    epochs = first[0].spec.config.epochs
    return _row(claim, ours, comparison.seeds, verdict,
                what_would_decide(comparison, verdict, target=paper_effect, epochs=epochs, paper_epochs=paper_epochs))


def paper_only_row(claim: Claim, finding: str, verdict: str, decide_text: str = "") -> dict[str, str]:
    """The ledger row of a claim judged against the paper's own numbers (its internal
    contradictions): ``finding`` says what they show; no run of ours enters it."""
    return _row(claim, finding, 0, verdict, decide_text or "decided by the paper's own numbers")


def untestable_row(claim: Claim, why: str, *, verdict: str = NOT_TESTABLE) -> dict[str, str]:
    """The ledger row of a claim this run cannot test, and why (for example data that is not here)."""
    return _row(claim, why, 0, verdict, why)


def what_would_decide(comparison: GroupComparison, verdict: str, *, target: float | None = None,
                      epochs: int | None = None, paper_epochs: int | None = None) -> str:
    """What would decide a comparison, from its measured noise: the test images or seeds at which a
    difference of ``target`` (the paper's, else the one observed) would exceed twice its standard
    error, and the paper's epochs when this run trained fewer."""
    budget = (f"; and the paper's {paper_epochs} epochs (this run: {epochs}), since the ordering may change with "
              "training length") if paper_epochs and epochs and epochs < paper_epochs else ""
    if verdict == UNSTABLE:
        return "a rerun that trains stably (warm-up, gradient clipping or a lower peak rate)" + budget
    if verdict == NOT_TESTABLE:
        return "the real dataset (these runs read embedded samples or synthetic data)" + budget
    if verdict == CONFOUNDED:
        return "both sides trained with the same recipe (data, optimiser, schedule, epochs, augmentation)" + budget
    if verdict == STILL_LEARNING:
        return ("longer training, until the side behind gains less than the gap on the other in its last epoch"
                + (budget or "; its curve shows whether the gap holds"))
    if verdict in (SUPPORTED, CONTRADICTED):
        more = "a second seed would check it" if comparison.seeds < 2 else "decided at this budget"
        return more + budget
    size = abs(target) if target else abs(comparison.difference)
    if size == 0:
        return "no budget separates two equal numbers" + budget
    options = []
    accuracy_scale = 0.5  # a conservative p(1-p) scale for the images estimate
    images = images_needed(accuracy_scale, size, current=comparison.images)
    if images:
        options.append(f"about {images:,} test images per model")
    if comparison.seeds > 1 and comparison.dominant == SEED_SPREAD:
        # Seed spread dominates: the standard error falls about as 1 / sqrt(seeds).
        seeds = math.ceil(comparison.seeds * (comparison.standard_error * CLEAR_MULTIPLE / size) ** 2)
        options.append(f"about {max(seeds, comparison.seeds + 1)} seeds")
    elif comparison.seeds < 2:
        options.append("at least two seeds (the seed spread is not measured)")
    return (f"telling {100 * size:.2f} points from noise needs a standard error under {100 * size / CLEAR_MULTIPLE:.2f} "
            f"(now {100 * comparison.standard_error:.2f}): " + " or ".join(options) + budget)


def _row(claim: Claim, ours: str, seeds: int, verdict: str, decide_text: str) -> dict[str, str]:
    if verdict not in VERDICTS:
        raise ValueError(f"verdict {verdict!r}: one of {', '.join(VERDICTS)}")
    return {"claim": claim.statement, "where": claim.where, "paper": claim.evidence, "this run": ours,
            "seeds": str(seeds) if seeds else "-", "reference": claim.reference or "-", "verdict": verdict,
            "what would decide it": decide_text}


def ledger_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """A study's ledger rows as a table (:data:`LEDGER_COLUMNS`)."""
    return pd.DataFrame(list(rows), columns=list(LEDGER_COLUMNS))


def verdict_counts(rows: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """How many claims got each verdict, in :data:`VERDICTS` order, the absent ones left out."""
    counts = {verdict: sum(row["verdict"] == verdict for row in rows) for verdict in VERDICTS}
    return {verdict: count for verdict, count in counts.items() if count}


def answer_markdown(lead: str, rows: Sequence[Mapping[str, Any]], *, scope: str) -> str:
    """A report's opening answer: ``lead`` (the study's one-sentence answer), the verdict counts of
    its claims, and ``scope`` (data, epochs, seeds: what the answer rests on). Kept short (the
    reader sees at a glance which claims held)."""
    counts = ", ".join(f"{count} {verdict}" for verdict, count in verdict_counts(rows).items())
    return f"**Answer.** {lead}\n\n**Claims** ({len(rows)}): {counts}. **Scope**: {scope}"
