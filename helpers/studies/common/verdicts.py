"""A study's comparisons with their uncertainty: headline records and verdict sentences computed
from the runs, never written in advance (the rule: :data:`helpers.statistics.uncertainty.RULE`).

An accuracy over one seed carries the binomial standard error of its test set; over several
seeds, the seed-to-seed standard deviation (n seeds). A headline's ``uncertainty`` is recorded in
the headline's unit (fractions), with its kind and n, for ``metrics.json`` and the index.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from helpers.runs import RunOutcome
from helpers.statistics.paired import decide
from helpers.studies import seedless_run_id
from helpers.studies.common.claims import (CONFOUNDED, STILL_LEARNING, UNSTABLE, compare_groups, recipe_differences,
                                           still_learning, unstable_runs)
from helpers.statistics.uncertainty import Measured, compare_sentence, difference_se, format_measured, is_clear, measure

NOT_RUN = "not run"  # what a table shows for a row of the paper's that this run did not train


def measured(runs: Sequence[RunOutcome], key: str = "test_top1") -> Measured:
    """``metrics[key]`` over the runs (seeds) with its uncertainty: the binomial error counts the
    images of the split ``key`` was measured on (``*val*``: validation, ``*train*``: training,
    otherwise test)."""
    return measure([run.metrics[key] for run in runs], split_images(runs[0], key))


def split_images(run: RunOutcome, key: str) -> int:
    """How many images ``metrics[key]`` of ``run`` was measured on (at least 1)."""
    split = "val" if "val" in key else "train" if "train" in key else "test"
    return int(run.metrics.get(f"num_{split}") or run.metrics.get("num_test") or 1)


def headline_seeds(*groups: Sequence[RunOutcome]) -> list[int]:
    """The seeds a headline rests on: those of its runs, or, for a comparison of several groups,
    the seeds that every group trained (a study's other seeds do not count for it)."""
    seeds = set.intersection(*({run.spec.config.seed for run in group} for group in groups))
    return sorted(seeds)


def seeds_per_run(outcomes: Sequence[RunOutcome], unit: str = "run") -> str:
    """How many seeds the runs of ``outcomes`` rest on, in words: "2 seeds per run" when every run
    has as many, else the range with the runs that have the fewest named ("1-2 seeds per run (1:
    cifar10_alexnet)"): a study published in part must not read as if every row had the most."""
    counts = _seeds_by_run(outcomes)
    if not counts:
        return f"no {unit}s"
    fewest, most = min(map(len, counts.values())), max(map(len, counts.values()))
    if fewest == most:
        return f"{most} seed{'s' if most > 1 else ''} per {unit}"
    named = sorted(name for name, seeds in counts.items() if len(seeds) == fewest)
    shown = ", ".join(named[:4]) + (f" and {len(named) - 4} more" if len(named) > 4 else "")
    return f"{fewest}-{most} seeds per {unit} ({fewest}: {shown})"


def seed_range(outcomes: Sequence[RunOutcome]) -> tuple[int, int]:
    """The fewest and the most seeds any run of ``outcomes`` has ((0, 0) for none): with fewest below
    2, some row's seed spread is not measured."""
    counts = [len(seeds) for seeds in _seeds_by_run(outcomes).values()]
    return (min(counts), max(counts)) if counts else (0, 0)


def single_seed_caveat(outcomes: Sequence[RunOutcome], images: str, unit: str = "run") -> str | None:
    """The caveat of runs with one seed (None when every run has two or more): their uncertainty is
    the binomial standard error of ``images`` ("the 10,000 test images") alone."""
    fewest, most = seed_range(outcomes)
    if not outcomes or fewest >= 2:
        return None
    where = f"where a {unit} has one seed, its uncertainty is" if most > 1 else "each uncertainty is"
    return (f"{seeds_per_run(outcomes, unit)}: {where} the binomial standard error of {images}; its seed-to-seed "
            "spread is not measured")


def seed_caveat(outcomes: Sequence[RunOutcome], images: str, unit: str = "run") -> str:
    """A conclusion's seed caveat: :func:`single_seed_caveat` (over ``images``) where a run has one
    seed, else the means over the seeds, with differences paired over the test images where the runs
    stored their predictions."""
    return (single_seed_caveat(outcomes, images, unit)
            or f"means over {seeds_per_run(outcomes, unit)}; differences paired over the test images where the runs "
               "stored their predictions")


def _seeds_by_run(outcomes: Sequence[RunOutcome]) -> dict[str, set[str]]:
    # Each seed of a run is its own run id ("<name>_seed<N>"): the ids under one name are its seeds.
    counts: dict[str, set[str]] = {}
    for outcome in outcomes:
        counts.setdefault(seedless_run_id(outcome.spec.run_id), set()).add(outcome.spec.run_id)
    return counts


def accuracy_headline(label: str, paper: float | None, runs: Sequence[RunOutcome], key: str = "test_top1") -> dict[str, Any]:
    """A headline: this run's mean ``key`` with its uncertainty and seeds, beside the paper's value,
    and whether the two differ by more than the noise."""
    value = measured(runs, key)
    record = {"label": label, "paper": paper, "this_run": value.value, "unit": "fraction", "difference": False,
              "uncertainty": value.as_record(), "seeds": headline_seeds(runs)}
    if paper is not None:
        verdict, _ = compare_sentence("this run", value, "the paper", paper)
        record["verdict"] = {"first": "above the paper", "second": "below the paper",
                             "unclear": "within the noise of the paper"}[verdict]
    return record


def gap_headline(label: str, paper_gap: float | None, first: Sequence[RunOutcome], second: Sequence[RunOutcome],
                 key: str = "test_top1") -> dict[str, Any]:
    """A headline whose value is a gap between two accuracies (``first`` minus ``second``), with
    the standard error of the difference, and whether its sign is clear ("not decided: run
    unstable" when a run of either side is unstable)."""
    a, b = measured(first, key), measured(second, key)
    gap, error = a.value - b.value, difference_se(a, b)
    record = {"label": label, "paper": paper_gap, "this_run": gap, "unit": "fraction", "difference": True,
              "uncertainty": {"value": error, "kind": "difference_se", "n": min(a.n, b.n), "standard_error": error},
              "seeds": headline_seeds(first, second)}
    record["verdict"] = ("clearly positive" if gap > 0 else "clearly negative") if is_clear(gap, error) \
        else "within the noise"
    if unstable_runs([*first, *second]):
        record["verdict"] = UNSTABLE  # no verdict from a run that diverged or collapsed
    return record


def paired_gap_headline(label: str, paper_gap: float | None, first: Sequence[RunOutcome],
                        second: Sequence[RunOutcome], *, key: str = "test_top1",
                        undecided: str = "within the noise", paper_epochs: int | None = None) -> dict[str, Any]:
    """A headline whose value is ``first`` minus ``second`` in ``key``, compared seed by seed on the
    same images where the runs stored predictions (:func:`compare_groups`), with its standard error
    and the seeds both groups trained. Its verdict: none from an unstable run (:data:`UNSTABLE`),
    from two recipes (:data:`CONFOUNDED`) or while the side behind was still learning short of
    ``paper_epochs`` (:data:`STILL_LEARNING`, as the ledger: :func:`still_learning`); else the sign,
    where the difference clears the rule, and ``undecided`` where it does not."""
    comparison = compare_groups(first, second, key)
    decided = decide(comparison.difference, comparison.standard_error).decided
    if unstable_runs([*first, *second]):
        verdict = UNSTABLE
    elif recipe_differences(first, second):
        verdict = CONFOUNDED
    elif decided and still_learning("first", first, "second", second, comparison.difference, key,
                                    paper_epochs=paper_epochs):
        verdict = STILL_LEARNING
    elif decided:
        verdict = "clearly positive" if comparison.difference > 0 else "clearly negative"
    else:
        verdict = undecided
    error = comparison.standard_error
    return {"label": label, "paper": paper_gap, "this_run": comparison.difference, "unit": "fraction",
            "difference": True, "uncertainty": {"value": error, "kind": comparison.kind, "n": comparison.seeds,
                                                "standard_error": error},
            "verdict": verdict, "seeds": headline_seeds(first, second)}


def versus_sentence(first_name: str, first: Sequence[RunOutcome], second_name: str, second: Sequence[RunOutcome],
                    *, claim_winner: str | None = None, key: str = "test_top1") -> str:
    """One sentence comparing two groups of runs, with both numbers and their uncertainty, and
    (with ``claim_winner``, the name the paper says wins) whether this run agrees, disagrees or
    cannot tell."""
    a, b = measured(first, key), measured(second, key)
    verdict, sentence = compare_sentence(first_name, a, second_name, b)
    numbers = f"{first_name} {format_measured(a)}, {second_name} {format_measured(b)} %"
    if claim_winner is None:
        return f"{numbers}. {sentence}"
    winner = {"first": first_name, "second": second_name}.get(verdict)
    if winner is None:
        judgement = "so this run can neither confirm nor contradict the paper's ordering"
    elif winner == claim_winner:
        judgement = f"which agrees with the paper ({claim_winner} ahead)"
    else:
        judgement = f"which disagrees with the paper ({claim_winner} ahead there)"
    return f"{numbers}. {sentence[:-1]}, {judgement}."


def versus_paper_sentence(name: str, runs: Sequence[RunOutcome], paper: float, *, key: str = "test_top1") -> str:
    """One sentence comparing a group of runs with the paper's number for it."""
    value = measured(runs, key)
    verdict, sentence = compare_sentence(f"{name} here", value, "the paper", paper)
    return f"{name}: {format_measured(value)} % here, {100 * paper:.2f} % in the paper. {sentence}"


def chance_sentence(runs: Sequence[RunOutcome], num_classes: int, key: str = "test_top1") -> str | None:
    """A warning when the runs are not clearly above chance (1 / classes), else None."""
    value = measured(runs, key)
    chance = 1 / num_classes
    if is_clear(value.value - chance, value.standard_error):
        return None
    return (f"{format_measured(value)} % is not clearly above chance ({100 * chance:.1f} %): these runs learned "
            "nothing this report could compare")


def spread_text(runs: Sequence[RunOutcome], key: str = "test_top1") -> str:
    """``'82.94 ± 0.38 (binomial SE, 10,000 images)'`` for a table cell."""
    value = measured(runs, key)
    return format_measured(value, digits=2) if not math.isnan(value.value) else "n/a"


def headline_table(headlines: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Headline records as text a reader can read: accuracies in %, gaps in signed points, this
    run's value with its standard error, and the verdict ('n/a' where there is none). Every study's
    report shows its headlines through this one table."""
    def shown(value: float | None, gap: bool, error: float | None = None) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "n/a"
        spread = f" ± {100 * error:.2f}" if error is not None else ""
        return f"{100 * value:+.2f}{spread} points" if gap else f"{100 * value:.2f}{spread} %"

    rows = []
    for item in headlines:
        gap = bool(item.get("difference"))
        error = (item.get("uncertainty") or {}).get("standard_error")
        rows.append({"headline": item["label"], "paper": shown(item["paper"], gap),
                     "this run (± 1 SE)": shown(item["this_run"], gap, error), "verdict": item.get("verdict", "n/a")})
    return pd.DataFrame(rows, columns=["headline", "paper", "this run (± 1 SE)", "verdict"])


FINDING_COLUMNS = ("claim", "where", "numbers", "verdict")  # a finding: the quote, where, the numbers, what they show


def findings_frame(rows: Sequence[Mapping[str, str]]) -> pd.DataFrame:
    """A study's findings (dicts with :data:`FINDING_COLUMNS`) as a table, one row per claim."""
    return pd.DataFrame(list(rows), columns=list(FINDING_COLUMNS))


def findings_bullets(rows: Sequence[Mapping[str, str]]) -> str:
    """A study's findings as markdown bullets: the quote, where it stands, the numbers, the verdict."""
    return "\n".join(f"- *\"{row['claim']}\"* ({row['where']}): {row['numbers']} **{row['verdict']}**"
                     for row in rows)
