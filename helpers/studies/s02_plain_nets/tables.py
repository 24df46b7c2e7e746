"""Study 2's tables: this run's Table 1 (final epoch, with the paper's metric beside it), Table 1
cell by cell against the paper's, the comparisons of the claims with each pair of runs, every run,
and the headlines.

Every verdict reads the final epoch; the paper's metric, the highest accuracy over the epochs
(the best epoch chosen on the test set itself), is shown beside it and labelled optimistic
(:mod:`helpers.studies.s02_plain_nets.metric`). Every comparison carries its uncertainty (one
seed: the binomial standard error of the test set; several: the seed sd; a gap between two
networks: paired over the same test images where the runs stored their predictions).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from helpers.runs import RunOutcome
from helpers.studies.common import summaries, verdicts
from helpers.studies.common.claims import UNSTABLE, compare_groups, unstable_runs
from helpers.studies.common.verdicts import NOT_RUN
from helpers.statistics.paired import decide
from helpers.statistics.uncertainty import compare_sentence, format_measured
from helpers.studies.s02_plain_nets.findings import comparisons_table, figures_not_reproduced
from helpers.studies.s02_plain_nets.metric import (BEST_TEST, FINAL_TEST, OPTIMISTIC, OWN_RECIPE, best_measured,
                                                   equal_recipe_runs, final_measured, group_name, grouped_runs,
                                                   own_recipe_runs, recipe_of, shown_name)
from helpers.studies.s02_plain_nets.paper import (COMPARED_DATASETS, PAPER_BEST_PERCENT, PAPER_DIFFERENCES_POINTS,
                                                  RIVALS, TABLE1_COLUMNS)
from helpers.studies.s02_plain_nets.recipe import MODELS


def this_run_table1(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """This run's Table 1, one row per network and recipe: per dataset the final epoch's train and
    test top-1 (%, ± 1 SE) and the paper's metric, the highest test top-1 over the epochs
    (:data:`OPTIMISTIC`); 'not run' where a network did not run, '(UNSTABLE)' on a network that
    trained unstably."""
    groups = grouped_runs(outcomes)
    columns = [f"{dataset} {what}" for dataset in COMPARED_DATASETS
               for what in ("train, final epoch (%)", "test, final epoch (%)", f"test, {OPTIMISTIC} (%)")]
    recipes = {model: list(dict.fromkeys(key[2] for key in groups if key[1] == model)) or [OWN_RECIPE]
               for model in MODELS}
    rows = {}
    for model, names in recipes.items():
        for recipe in names:
            row = dict.fromkeys(columns, NOT_RUN)
            unstable = False
            for dataset in COMPARED_DATASETS:
                runs = groups.get((dataset, model, recipe))
                if runs:
                    unstable |= shown_name((dataset, model, recipe), runs).endswith("(UNSTABLE)")
                    row.update({f"{dataset} train, final epoch (%)": _percent(final_measured(runs, "train")),
                                f"{dataset} test, final epoch (%)": _percent(final_measured(runs, "test")),
                                f"{dataset} test, {OPTIMISTIC} (%)": _percent(best_measured(runs, "test"))})
            name = group_name(("", model, recipe))
            rows[f"{name} (UNSTABLE)" if unstable else name] = row
    return pd.DataFrame.from_dict(rows, orient="index", columns=columns).rename_axis("network")


def table1(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Table 1 cell by cell, each network with its own recipe (as the paper's): the paper's value
    (the highest over its epochs), this run's final epoch with its uncertainty and the difference
    from the paper's, and this run's highest over the epochs (for test cells: :data:`OPTIMISTIC`)."""
    groups = grouped_runs(outcomes)
    rows = []
    for model in MODELS:
        for column in TABLE1_COLUMNS:
            dataset, split = column.rsplit(" ", 1)
            paper = PAPER_BEST_PERCENT[model][TABLE1_COLUMNS.index(column)] / 100
            runs = groups.get((dataset, model, OWN_RECIPE))
            final = final_measured(runs, split) if runs else None
            verdict = compare_sentence("this run", final, "the paper", paper)[0] if final else None
            rows.append({"model": model, "column": column, "paper top-1 (highest over its epochs)": paper,
                         "this run top-1, final epoch": final.value if final else np.nan,
                         "this run ± 1 SE (points)": 100 * final.standard_error if final else np.nan,
                         "final minus paper (points)": 100 * (final.value - paper) if final else np.nan,
                         "verdict (final epoch)": {"first": "above the paper", "second": "below the paper",
                                                   "unclear": "within the noise", None: NOT_RUN}[verdict],
                         "this run top-1, highest over the epochs": (best_measured(runs, split).value if runs
                                                                     else np.nan),
                         "training": ("UNSTABLE" if any(summaries.stability_text(run) != "stable" for run in runs)
                                      else "stable") if runs else NOT_RUN})
    return pd.DataFrame(rows)


def runs_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Every run (:func:`summaries.runs_table`, with its stability) with its recipe and the highest
    test top-1 over its epochs (the paper's metric, labelled optimistic)."""
    measured = [best_measured([outcome], "test") for outcome in outcomes]
    table = summaries.runs_table(outcomes).drop(columns=["recipe"], errors="ignore")  # the label, where set
    table.insert(list(table.columns).index("params"), "recipe", [recipe_of(outcome) for outcome in outcomes])
    return table.assign(**{f"highest test top-1, {OPTIMISTIC} (%, ± 1 SE)": [format_measured(value, digits=2)
                                                                              for value in measured]})


def time_to_accuracy_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Minutes until each run's per-epoch test top-1 first reaches each mark of its dataset
    (:func:`summaries.time_to_accuracy_table`), with its recipe named as in :func:`runs_table`."""
    table = summaries.time_to_accuracy_table(outcomes)
    recipes = [recipe_of(outcome) for outcome in outcomes]
    if "recipe" in table:  # the label, where set
        table["recipe"] = recipes
    else:
        table.insert(table.columns.get_loc("data"), "recipe", recipes)
    return table


def tables(outcomes: Sequence[RunOutcome]) -> dict[str, pd.DataFrame]:
    """Every table of the report, by the file name it is saved under."""
    return {
        "table1_this_run": this_run_table1(outcomes).reset_index(),
        "table1_vs_paper": table1(outcomes),
        "comparisons": comparisons_table(outcomes),
        "figures_not_reproduced": figures_not_reproduced(),
        "runs": runs_table(outcomes),
        "time_to_accuracy": time_to_accuracy_table(outcomes),
    }


def headlines(outcomes: Sequence[RunOutcome]) -> list[dict[str, Any]]:
    """The final epoch's test top-1 of each network (own recipe) beside Table 1's; the four gaps
    of the abstract at the final epoch on the equal-recipe pairs (paired over the test images where
    the runs stored predictions), and the same gaps on the paper's metric, labelled optimistic."""
    groups = grouped_runs(outcomes)
    items = [verdicts.accuracy_headline(f"{model} test top-1, final epoch, {dataset}",
                                        PAPER_BEST_PERCENT[model][TABLE1_COLUMNS.index(f"{dataset} test")] / 100,
                                        runs, key=FINAL_TEST)
             for (dataset, model, recipe), runs in groups.items() if recipe == OWN_RECIPE]
    for dataset in COMPARED_DATASETS:
        resnet = own_recipe_runs(groups, dataset, "ResNet")
        for other in RIVALS:
            paper = PAPER_DIFFERENCES_POINTS[other, dataset] / 100
            label = f"ResNet minus {other}, {dataset} test top-1"
            rival = equal_recipe_runs(groups, dataset, other)
            if not resnet or not rival:
                items += [summaries.headline(f"{label}, final epoch, same recipe", paper, None, difference=True),
                          summaries.headline(f"{label}, {OPTIMISTIC}", paper, None, difference=True)]
                continue
            optimistic = verdicts.gap_headline(f"{label}, {OPTIMISTIC}", paper, resnet, rival, key=BEST_TEST)
            items += [_paired_gap(f"{label}, final epoch, same recipe", paper, resnet, rival), optimistic]
            if unstable_runs([*resnet, *rival]):  # no verdict from an unstable run
                items[-2]["verdict"] = items[-1]["verdict"] = UNSTABLE
    return items


def _paired_gap(label: str, paper: float, first: Sequence[RunOutcome], second: Sequence[RunOutcome]) -> dict[str, Any]:
    """A gap headline from :func:`compare_groups` (paired where it can be), with its decision."""
    comparison = compare_groups(first, second, FINAL_TEST)
    decided = decide(comparison.difference, comparison.standard_error).decided
    return {"label": label, "paper": paper, "this_run": comparison.difference, "unit": "fraction", "difference": True,
            "uncertainty": {"value": comparison.standard_error, "kind": comparison.kind, "n": comparison.images,
                            "standard_error": comparison.standard_error},
            "verdict": ("clearly positive" if comparison.difference > 0 else "clearly negative") if decided
            else "within the noise", "seeds": verdicts.headline_seeds(first, second)}


def _percent(value: Any) -> str:
    return f"{100 * value.value:.2f} ± {100 * value.standard_error:.2f}"
