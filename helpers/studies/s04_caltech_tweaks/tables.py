"""Study 4's tables, from the outcomes, each comparison with its uncertainty: Table 1 (tweaks),
Tables 2-3 (refinements on Model-A and Model-B), what each refinement adds (averaged over the
combinations, and alone beside the paper and He et al. 2019), the paper's figures, the models,
every run (with its confusion matrix as a table), the best run, and the headlines.

Accuracy columns are fractions (named "... accuracy"), gaps are points (named "... (points)"):
:func:`helpers.studies.common.display.show_table` shows them as "82.94 %" and "+1.25". One seed carries
the binomial standard error of the validation images, several seeds their sd (n); a gap carries
the standard error of the difference (a single refinement's gain: paired on the same validation
images, :func:`helpers.studies.common.claims.compare_groups`), and a verdict says whether it is
larger than the noise (:data:`helpers.statistics.uncertainty.RULE`). A row resting on an unstable
run (:mod:`helpers.runs.stability`) says so in its "training" column and gets no verdict."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.models import count_parameters, create_model
from helpers.runs import RunOutcome
from helpers.studies.common import claims, summaries, verdicts
from helpers.studies.common.verdicts import NOT_RUN
from helpers.studies.s04_caltech_tweaks import pretrained
from helpers.studies.s04_caltech_tweaks.paper import (BAG_OF_TRICKS_GAINS, PAPER_BEST_TOP1, PAPER_FIGURES,
                                                      PAPER_REFINED, PAPER_TWEAKS, REFINED_MODELS, REFINEMENTS,
                                                      SINGLE_REFINEMENTS, paper_single_gains, run_name)
from helpers.studies.s04_caltech_tweaks.recipe import MODEL_DESCRIPTIONS, MODELS
from helpers.statistics.uncertainty import Measured, format_measured, is_clear

METRICS = (("top-1", "test_top1", 0), ("top-5", "test_top5", 1))  # (name, metrics key, index in the paper's pair)


def groups_by_run(outcomes: Sequence[RunOutcome]) -> dict[str, list[RunOutcome]]:
    """The paper's runs by run name ('A', 'A+c+l', ...), seeds together, in plan order; the
    pretrained comparison's runs (:mod:`helpers.studies.s04_caltech_tweaks.pretrained`) are left out."""
    papers, _ = pretrained.split(outcomes)
    return summaries.group_outcomes(papers, lambda outcome: run_name(
        outcome.spec.labels["model"].removeprefix("Model-"), outcome.spec.labels["refinements"]))


def measured_by_run(outcomes: Sequence[RunOutcome], key: str = "test_top1") -> dict[str, Measured]:
    """Each run name's mean ``key`` with its uncertainty (binomial SE for one seed, sd for several)."""
    return {name: verdicts.measured(runs, key) for name, runs in groups_by_run(outcomes).items()}


def gap_verdict(gap: float, error: float) -> str:
    """'clearly positive', 'clearly negative' or 'within the noise' for a gap and its standard error."""
    if math.isnan(gap):
        return NOT_RUN
    return ("clearly positive" if gap > 0 else "clearly negative") if is_clear(gap, error) else "within the noise"


def training_text(runs: Sequence[RunOutcome]) -> str:
    """'stable', or 'UNSTABLE: <run>: why; ...' naming each unstable run among ``runs`` (seeds)."""
    unstable = claims.unstable_runs(runs)
    return "stable" if not unstable else "UNSTABLE: " + "; ".join(f"{run}: {why}" for run, why in unstable.items())


def _versus_paper(value: Measured, paper: float) -> str:
    difference = value.value - paper
    if not is_clear(difference, value.standard_error):
        return "within the noise of the paper"
    return "above the paper" if difference > 0 else "below the paper"


def _compare(paper: dict[str, tuple[float, float]], groups: dict[str, list[RunOutcome]],
             names: dict[str, str], label: str) -> pd.DataFrame:
    """Paper vs this run (mean over seeds, with its uncertainty) for top-1 and top-5 of ``names``
    (row -> run name): the difference in points, its standard error and the verdict."""
    rows = []
    for row, (metric, key, index) in ((row, metric) for row in paper for metric in METRICS):
        runs = groups.get(names[row], [])
        value = verdicts.measured(runs, key) if runs else None
        paper_value = paper[row][index]
        difference = 100 * (value.value - paper_value) if value else np.nan
        training = training_text(runs) if runs else NOT_RUN
        verdict = (NOT_RUN if not value else claims.UNSTABLE if training != "stable"
                   else _versus_paper(value, paper_value))
        rows.append({label: row, "metric": metric, "paper accuracy": paper_value,
                     "this run accuracy": value.value if value else np.nan,
                     "this run (%, ± uncertainty)": format_measured(value, digits=2),
                     "difference (points)": difference,
                     "± 1 SE (points)": 100 * value.standard_error if value else np.nan,
                     "training": training, "verdict": verdict})
    return pd.DataFrame(rows)


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
    those without it (the plain model counts as 'without'), in points, here (with the standard
    error of that difference) and in the paper."""
    groups, measured = groups_by_run(outcomes), measured_by_run(outcomes)
    rows = []
    for model in REFINED_MODELS:
        paper = {"none": PAPER_TWEAKS[model][0], **{r: v[0] for r, v in PAPER_REFINED[model].items()}}
        run = {r: measured[run_name(model, r)] for r in paper if run_name(model, r) in measured}
        stable = not claims.unstable_runs([o for r in run for o in groups[run_name(model, r)]])
        for refinement in SINGLE_REFINEMENTS:
            effect, error = _effect(run, refinement)
            rows.append({"model": f"Model-{model}", "refinement": refinement,
                         "paper effect (points)": _effect(paper, refinement)[0],
                         "this run effect (points)": effect, "± 1 SE (points)": error,
                         "this run": gap_verdict(effect, error) if stable or math.isnan(effect) else claims.UNSTABLE})
    return pd.DataFrame(rows)


def _effect(top1_by_refinements: dict[str, float | Measured], refinement: str) -> tuple[float, float]:
    """Mean top-1 of the combinations containing ``refinement`` minus the rest, in points, and
    its standard error (0 for the paper's exact numbers)."""
    with_it = [value for name, value in top1_by_refinements.items() if refinement in name.split("+")]
    without = [value for name, value in top1_by_refinements.items() if refinement not in name.split("+")]
    if not with_it or not without:
        return np.nan, np.nan

    def mean_and_variance(items: list[float | Measured]) -> tuple[float, float]:
        values = [item.value if isinstance(item, Measured) else item for item in items]
        errors = [item.standard_error if isinstance(item, Measured) else 0.0 for item in items]
        return float(np.mean(values)), sum(error ** 2 for error in errors) / len(items) ** 2

    (high, high_variance), (low, low_variance) = mean_and_variance(with_it), mean_and_variance(without)
    return 100 * (high - low), 100 * math.sqrt(high_variance + low_variance)


def refinement_gains(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Each single refinement (c, l, m) on Model-A and Model-B minus the plain model, top-1 in
    points: the paper's (Tables 2-3 minus Table 1), He et al. 2019's on ImageNet, and this run's
    with the standard error of the difference (paired on the validation images where the runs
    stored predictions) and its verdict ('not decided: run unstable' on an unstable run)."""
    groups = groups_by_run(outcomes)
    rows = []
    for model in REFINED_MODELS:
        paper = paper_single_gains(model)
        for refinement in SINGLE_REFINEMENTS:
            plain, refined = groups.get(model), groups.get(run_name(model, refinement))
            comparison = claims.compare_groups(refined, plain) if plain and refined else None
            gain = 100 * comparison.difference if comparison else np.nan
            error = 100 * comparison.standard_error if comparison else np.nan
            unstable = comparison is not None and claims.unstable_runs([*plain, *refined])
            rows.append({"model": f"Model-{model}", "refinement": refinement,
                         "paper gain (points)": paper[refinement],
                         "Bag of Tricks gain on ImageNet (points)": BAG_OF_TRICKS_GAINS[refinement],
                         "this run gain (points)": gain, "± 1 SE (points)": error,
                         "uncertainty": comparison.kind if comparison else NOT_RUN,
                         "this run": claims.UNSTABLE if unstable else gap_verdict(gain, error)})
    return pd.DataFrame(rows)


def figure_list() -> pd.DataFrame:
    """The paper's figures and what this report does with each (illustrations are listed as not
    reproduced, with the reason)."""
    return pd.DataFrame([{"paper figure": figure, "shows": shows, "in this report": treatment}
                         for figure, shows, treatment in PAPER_FIGURES])


def confusion_tables(outcomes: Sequence[RunOutcome]) -> dict[str, pd.DataFrame]:
    """Every run's validation confusion matrix (rows true, columns predicted) as a named table."""
    return {f"confusion_{outcome.spec.run_id}": pd.DataFrame(outcome.confusion, index=outcome.metrics["classes"],
                                                             columns=outcome.metrics["classes"])
            for outcome in outcomes}


def best_run(outcomes: Sequence[RunOutcome]) -> str | None:
    """The run name with the highest mean validation top-1 (first in plan order on ties); None
    when none of the paper's runs ran."""
    groups = groups_by_run(outcomes)
    if not groups:
        return None
    return max(groups, key=lambda name: summaries.mean_metric(groups[name], "test_top1"))


def model_table(*, image_size: int, num_classes: int = 101) -> pd.DataFrame:
    """Models A-D: their tweak, flags and parameter count (at ``num_classes`` outputs)."""
    return pd.DataFrame([
        {"model": f"Model-{name}", "tweak": MODEL_DESCRIPTIONS[name], "flags": str(flags),
         "params": count_parameters(create_model("resnet50", num_classes=num_classes, **flags)),
         "input": f"3x{image_size}x{image_size}"}
        for name, flags in MODELS.items()
    ])


def runs_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Every run (:func:`summaries.runs_table`) with its validation top-1 and top-5 and their
    binomial standard errors (one run, the validation images); the paper's runs show 'scratch
    (paper recipe)' as their start when the pretrained comparison ran too."""
    table = summaries.runs_table(outcomes)
    if pretrained.START in table:
        table[pretrained.START] = table[pretrained.START].fillna("scratch (paper recipe)")
    return table.assign(**{
        f"test {metric} (%, ± 1 SE)": [verdicts.spread_text([outcome], key) for outcome in outcomes]
        for metric, key in (("top-1", "test_top1"), ("top-5", "test_top5"))})


def time_to_accuracy_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Minutes until each run's per-epoch top-1 on the validation images (the history's "test"
    split) first reaches each Caltech-101 mark (:func:`summaries.time_to_accuracy_table`), its
    start named as in :func:`runs_table`."""
    table = summaries.time_to_accuracy_table(outcomes)
    if pretrained.START in table:
        table[pretrained.START] = table[pretrained.START].fillna("scratch (paper recipe)")
    return table


def tables(outcomes: Sequence[RunOutcome]) -> dict[str, pd.DataFrame]:
    """Every table of the report, by file name (confusion matrices included)."""
    return {"table1_tweaks": tweak_table(outcomes), "table2_refinements_model_a": refinement_table(outcomes, "A"),
            "pretrained_comparison": pretrained.comparison_table(outcomes),
            "table3_refinements_model_b": refinement_table(outcomes, "B"),
            "refinement_effects": refinement_effects(outcomes), "refinement_gains": refinement_gains(outcomes),
            "paper_figures": figure_list(), "runs": runs_table(outcomes),
            "time_to_accuracy": time_to_accuracy_table(outcomes), **confusion_tables(outcomes)}


def headlines(outcomes: Sequence[RunOutcome]) -> list[dict]:
    """Top-1 of Models A and B, of A+c+l and B+c+l (the paper's best) and of the best run here,
    Model-B minus Model-A and A+c+l minus A, and the best top-5 here (against chance), then the
    pretrained comparison's (when it ran); each with its uncertainty and verdict
    (:mod:`helpers.studies.common.verdicts`)."""
    groups = groups_by_run(outcomes)
    paper = {"A": PAPER_TWEAKS["A"][0], "B": PAPER_TWEAKS["B"][0], "A+c+l": PAPER_REFINED["A"]["c+l"][0],
             "B+c+l": PAPER_REFINED["B"]["c+l"][0]}
    items = [verdicts.accuracy_headline(f"{name} top-1 (validation)", value, groups[name])
             for name, value in paper.items() if name in groups]
    for first, second in (("B", "A"), ("A+c+l", "A")):
        if first in groups and second in groups:
            items.append(verdicts.gap_headline(f"{first} minus {second} top-1", round(paper[first] - paper[second], 4),
                                               groups[first], groups[second]))
    if groups:
        best = best_run(outcomes)
        items.append(verdicts.accuracy_headline(f"best run here ({best}) vs the paper's best (c+l) top-1",
                                                PAPER_BEST_TOP1, groups[best]))
        top5 = measured_by_run(outcomes, "test_top5")
        best5 = max(top5, key=lambda name: top5[name].value)
        classes = len(outcomes[0].metrics["classes"])
        items.append(verdicts.accuracy_headline(f"best top-5 here ({best5}; chance 5/{classes})", None,
                                                groups[best5], "test_top5"))
    return items + pretrained.headlines(outcomes)
