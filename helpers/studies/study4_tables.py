"""Study 4's comparisons with the paper, from the outcomes: Table 1 (tweaks), Tables 2-3
(refinements on Model-A and Model-B), what each refinement adds, the best run, and every run's
confusion matrix as a table."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.compare import format_mean_spread, paper_vs_run_grid
from helpers.runs import RunOutcome
from helpers.studies import summaries
from helpers.studies.study4_paper import PAPER_REFINED, PAPER_TWEAKS, REFINED_MODELS, REFINEMENTS, run_name


def groups_by_run(outcomes: Sequence[RunOutcome]) -> dict[str, list[RunOutcome]]:
    """Outcomes by run name ('A', 'A+c+l', ...), seeds together, in plan order."""
    return summaries.group_outcomes(outcomes, lambda outcome: run_name(
        outcome.spec.labels["model"].removeprefix("Model-"), outcome.spec.labels["refinements"]))


def _compare(paper: dict[str, tuple[float, float]], groups: dict[str, list[RunOutcome]],
             names: dict[str, str], label: str) -> pd.DataFrame:
    """Paper vs this run (mean over seeds) for top-1 and top-5 of ``names`` (row -> run name)."""
    paper_frame = pd.DataFrame(paper, index=["top-1", "top-5"]).T
    run_frame = pd.DataFrame({row: {"top-1": summaries.mean_metric(groups[name], "test_top1"),
                                    "top-5": summaries.mean_metric(groups[name], "test_top5")}
                              for row, name in names.items() if name in groups}).T
    table = paper_vs_run_grid(paper_frame, run_frame, row_label=label, column_label="metric")
    spreads = {(row, metric): format_mean_spread([run.metrics[key] for run in groups.get(names[row], [])])
               for row in paper for metric, key in (("top-1", "test_top1"), ("top-5", "test_top5"))}
    table["this run, % (mean ± sd, seeds)"] = [spreads[row, metric]
                                               for row, metric in zip(table[label], table["metric"])]
    return table


def tweak_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Table 1: Models A-D, top-1 and top-5 on validation, paper vs this run, in points."""
    paper = {f"Model-{name}": values for name, values in PAPER_TWEAKS.items()}
    return _compare(paper, groups_by_run(outcomes), {f"Model-{name}": name for name in PAPER_TWEAKS}, "model")


def refinement_table(outcomes: Sequence[RunOutcome], model: str) -> pd.DataFrame:
    """Table 2 (``model='A'``) or 3 (``'B'``): the 7 refinement combinations, paper vs this run."""
    return _compare(PAPER_REFINED[model], groups_by_run(outcomes), {r: run_name(model, r) for r in REFINEMENTS},
                    "refinements")


def refinement_effects(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Per model (A, B) and refinement (c, l, m): mean top-1 of the runs with it minus the mean of
    those without it (the plain model counts as 'without'), in points, here and in the paper."""
    groups = groups_by_run(outcomes)
    rows = []
    for model in REFINED_MODELS:
        paper = {"none": PAPER_TWEAKS[model][0], **{r: v[0] for r, v in PAPER_REFINED[model].items()}}
        run = {r: summaries.mean_metric(groups[run_name(model, r)], "test_top1")
               for r in paper if run_name(model, r) in groups}
        for refinement in ("c", "l", "m"):
            rows.append({"model": f"Model-{model}", "refinement": refinement,
                         "paper effect (points)": _effect(paper, refinement),
                         "this run effect (points)": _effect(run, refinement)})
    return pd.DataFrame(rows)


def _effect(top1_by_refinements: dict[str, float], refinement: str) -> float:
    """Mean top-1 of the combinations containing ``refinement`` minus the rest, in points."""
    with_it = [value for name, value in top1_by_refinements.items() if refinement in name.split("+")]
    without = [value for name, value in top1_by_refinements.items() if refinement not in name.split("+")]
    return float(100 * (np.mean(with_it) - np.mean(without))) if with_it and without else np.nan


def confusion_tables(outcomes: Sequence[RunOutcome]) -> dict[str, pd.DataFrame]:
    """Every run's validation confusion matrix (rows true, columns predicted) as a named table."""
    return {f"confusion_{outcome.spec.run_id}": pd.DataFrame(outcome.confusion, index=outcome.metrics["classes"],
                                                             columns=outcome.metrics["classes"])
            for outcome in outcomes}


def best_run(outcomes: Sequence[RunOutcome]) -> str:
    """The run name with the highest mean validation top-1 (first in plan order on ties)."""
    groups = groups_by_run(outcomes)
    return max(groups, key=lambda name: summaries.mean_metric(groups[name], "test_top1"))
