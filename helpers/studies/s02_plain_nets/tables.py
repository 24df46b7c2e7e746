"""Study 2's tables: Table 1 cell by cell beside the paper's with this run's uncertainty, this
run's Table 1 in the paper's layout, the abstract's differences, every run, and the headlines.

The paper's metric is the highest test (or train) top-1 over the epochs
(:mod:`helpers.studies.s02_plain_nets.metric`); every comparison carries its uncertainty (one seed:
the binomial standard error of the test set; several: the seed sd) and a computed verdict
(:mod:`helpers.studies.common.verdicts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from helpers.runs import RunOutcome
from helpers.studies.common import summaries, verdicts
from helpers.studies.common.verdicts import NOT_RUN
from helpers.studies.s02_plain_nets.findings import figures_not_reproduced, findings_table, mean_wall_seconds
from helpers.studies.s02_plain_nets.metric import BEST_TEST, best_measured, grouped_runs
from helpers.studies.s02_plain_nets.networks import network_parameters
from helpers.studies.s02_plain_nets.paper import PAPER_BEST_PERCENT, PAPER_DIFFERENCES_POINTS, TABLE1_COLUMNS
from helpers.studies.s02_plain_nets.recipe import MODELS
from helpers.statistics.uncertainty import compare_sentence, format_measured


def table1(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Table 1 cell by cell: the paper's highest accuracy beside this run's with its uncertainty,
    the difference in points and whether it is larger than this run's noise."""
    groups = grouped_runs(outcomes)
    rows = []
    for model in MODELS:
        for column in TABLE1_COLUMNS:
            dataset, split = column.rsplit(" ", 1)
            paper = PAPER_BEST_PERCENT[model][TABLE1_COLUMNS.index(column)] / 100
            runs = groups.get((dataset, model))
            value = best_measured(runs, split) if runs else None
            verdict = compare_sentence("this run", value, "the paper", paper)[0] if value else None
            rows.append({"model": model, "column": column, "paper top-1": paper,
                         "this run top-1": value.value if value else np.nan,
                         "this run ± 1 SE (points)": 100 * value.standard_error if value else np.nan,
                         "difference (points)": 100 * (value.value - paper) if value else np.nan,
                         "verdict": {"first": "above the paper", "second": "below the paper",
                                     "unclear": "within the noise", None: NOT_RUN}[verdict]})
    return pd.DataFrame(rows)


def this_run_table1(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """This run's Table 1 in the paper's layout: highest accuracy (%) ± 1 SE per cell (text)."""
    groups = grouped_runs(outcomes)
    frame = pd.DataFrame(NOT_RUN, index=pd.Index(list(MODELS), name="model"),
                         columns=[f"{column} (%, ± 1 SE)" for column in TABLE1_COLUMNS])
    for (dataset, model), runs in groups.items():
        for split in ("train", "test"):
            value = best_measured(runs, split)
            frame.loc[model, f"{dataset} {split} (%, ± 1 SE)"] = (f"{100 * value.value:.2f} ± "
                                                                  f"{100 * value.standard_error:.2f}")
    return frame


def differences_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """The abstract's differences (the ResNet's highest test accuracy minus LeNet's and AlexNet's)
    in points, paper vs this run, with this run's standard error and whether its sign is clear."""
    groups = grouped_runs(outcomes)
    rows = []
    for (other, dataset), paper in PAPER_DIFFERENCES_POINTS.items():
        row = {"difference": f"ResNet - {other}, {dataset} test", "paper (points)": paper,
               "this run (points)": np.nan, "this run ± 1 SE (points)": np.nan, "this run's sign": NOT_RUN}
        if (dataset, "ResNet") in groups and (dataset, other) in groups:
            record = verdicts.gap_headline("", None, groups[dataset, "ResNet"], groups[dataset, other], key=BEST_TEST)
            row.update({"this run (points)": 100 * record["this_run"],
                        "this run ± 1 SE (points)": 100 * record["uncertainty"]["standard_error"],
                        "this run's sign": record["verdict"]})
        rows.append(row)
    return pd.DataFrame(rows)


def runs_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Every run (:func:`summaries.runs_table`) with its highest test top-1 and its uncertainty."""
    measured = [best_measured([outcome], "test") for outcome in outcomes]
    return summaries.runs_table(outcomes).assign(**{
        "highest test top-1": [value.value for value in measured],
        "highest test top-1 (%, ± 1 SE)": [format_measured(value, digits=2) for value in measured]})


def tables(outcomes: Sequence[RunOutcome]) -> dict[str, pd.DataFrame]:
    """Every table of the report, by the file name it is saved under."""
    return {
        "table1_best_accuracy": table1(outcomes),
        "table1_this_run": this_run_table1(outcomes).reset_index(),
        "abstract_differences": differences_table(outcomes),
        "paper_contradictions": findings_table(network_parameters(outcomes),
                                               mean_wall_seconds(grouped_runs(outcomes))),
        "figures_not_reproduced": figures_not_reproduced(),
        "runs": runs_table(outcomes),
    }


def headlines(outcomes: Sequence[RunOutcome]) -> list[dict[str, Any]]:
    """Highest test top-1 per network and dataset beside Table 1 (fractions, with uncertainty and
    verdict), and the abstract's four differences (gaps, with their standard error)."""
    groups = grouped_runs(outcomes)
    items = [verdicts.accuracy_headline(f"{model} highest test top-1, {dataset}",
                                        PAPER_BEST_PERCENT[model][TABLE1_COLUMNS.index(f"{dataset} test")] / 100,
                                        runs, key=BEST_TEST)
             for (dataset, model), runs in groups.items()]
    for (other, dataset), paper in PAPER_DIFFERENCES_POINTS.items():
        label = f"ResNet minus {other}, {dataset} highest test top-1"
        if (dataset, "ResNet") in groups and (dataset, other) in groups:
            items.append(verdicts.gap_headline(label, paper / 100, groups[dataset, "ResNet"], groups[dataset, other],
                                               key=BEST_TEST))
        else:
            items.append(summaries.headline(label, paper / 100, None, difference=True))
    return items
