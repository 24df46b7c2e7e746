"""Study 3's tables: the claims ledger, Table 1 beside the paper's with this run's uncertainty
(:func:`table1`, and one row per cell: :func:`accuracy_table`; a dataset with no runs is left out,
and :func:`absent_note` says why), the five models as built here, the ranking of the five models
with the pairs it separates, ResNet-18's three sources, the planned and finished runs, and the
headlines. The claims and the paper's self-contradictions, computed:
:mod:`helpers.studies.s03_cross_dataset.findings`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from helpers.models import count_parameters, create_model
from helpers.runs import RunOutcome, RunSpec
from helpers.studies.common import summaries, verdicts
from helpers.studies.common.claims import ledger_frame
from helpers.studies.common.ranking import ranking_line
from helpers.studies.common.summaries import data_kind, dataset_label
from helpers.studies.common.verdicts import NOT_RUN
from helpers.studies.s03_cross_dataset.advantage import advantage_table, paper_gap
from helpers.studies.s03_cross_dataset.figures import params_by_model
from helpers.studies.s03_cross_dataset.findings import claims_ledger, figures_not_reproduced, findings, pair_counts
from helpers.studies.s03_cross_dataset.groups import SYNTHETIC, dataset_runs, model_groups
from helpers.studies.s03_cross_dataset.paper import (ADVANTAGE_PAIR, DATASETS, MODELS, PAPER_ABSTRACT_RESNET18,
                                                     PAPER_EPOCHS, PAPER_LAYERS, PAPER_PARAMS, PAPER_TEST_TOP1,
                                                     PAPER_TEXT_RESNET18)
from helpers.statistics.uncertainty import compare_sentence


def weight_layers(model: nn.Module) -> int:
    """Conv and linear layers on the main path; projection shortcuts are not counted (He et al.)."""
    return sum(1 for name, module in model.named_modules()
               if isinstance(module, (nn.Conv2d, nn.Linear)) and "downsample" not in name)


def model_summary(num_classes: int = 10) -> pd.DataFrame:
    """Each model as built here (on the meta device: no memory, no init cost) beside the paper's counts."""
    rows = []
    for label, (name, options) in MODELS.items():
        with torch.device("meta"):
            model = create_model(name, num_classes=num_classes, in_channels=3, **options)
        rows.append({"model": label, "registry name": name, "options": options or "",
                     "weight layers": weight_layers(model), "layers (paper)": PAPER_LAYERS[label],
                     f"params ({num_classes} classes)": count_parameters(model), "params (paper)": PAPER_PARAMS[label]})
    return pd.DataFrame(rows)


def run_grid(outcomes: Sequence[RunOutcome], metric: str = "test_top1") -> pd.DataFrame:
    """``metric`` per dataset (rows) and model (columns), the mean over seeds; NaN where not run."""
    frame = pd.DataFrame([{"dataset": o.spec.labels["dataset"], "model": o.spec.labels["model"],
                           metric: o.metrics[metric]} for o in outcomes], columns=["dataset", "model", metric])
    grid = frame.pivot_table(index="dataset", columns="model", values=metric, aggfunc="mean")
    return grid.reindex(index=list(DATASETS), columns=list(MODELS))


def trained_datasets(outcomes: Sequence[RunOutcome]) -> list[str]:
    """The datasets (display names) this run trained on, in the paper's order."""
    return [dataset for dataset in DATASETS if dataset_runs(outcomes, dataset)]


def absent_note(outcomes: Sequence[RunOutcome], unavailable: Mapping[str, str] | None = None) -> str:
    """One line per dataset of the paper that has no runs here, saying why it is absent from the
    tables ('' when every dataset was trained)."""
    unavailable = unavailable or {}
    return "\n".join(f"*{dataset} is absent from these tables*: {unavailable.get(dataset, NOT_RUN)}."
                     for dataset in DATASETS if dataset not in trained_datasets(outcomes))


def accuracy_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Table 1 one row per cell of a dataset trained here: the paper's test top-1, this run's with
    its standard error, the difference in points, whether it is larger than the noise, and the
    kind of data behind it (a model not run shows 'not run')."""
    rows = []
    for dataset in trained_datasets(outcomes):
        groups = model_groups(outcomes, dataset)
        kind = data_kind(dataset_runs(outcomes, dataset))
        for model, runs in groups.items():
            paper = PAPER_TEST_TOP1[dataset][model]
            row = {"dataset": dataset, "model": model, "paper top-1": paper, "this run top-1": np.nan,
                   "this run ± 1 SE (points)": np.nan, "difference (points)": np.nan, "verdict": NOT_RUN,
                   "this run's data": kind}
            if runs:
                value = verdicts.measured(runs)
                verdict = compare_sentence("this run", value, "the paper", paper)[0]
                row.update({"this run top-1": value.value, "this run ± 1 SE (points)": 100 * value.standard_error,
                            "difference (points)": 100 * (value.value - paper),
                            "verdict": "not compared (synthetic stand-in)" if kind == SYNTHETIC else
                            {"first": "above the paper", "second": "below the paper",
                             "unclear": "within the noise"}[verdict]})
            rows.append(row)
    return pd.DataFrame(rows, columns=["dataset", "model", "paper top-1", "this run top-1", "this run ± 1 SE (points)",
                                       "difference (points)", "verdict", "this run's data"])


def table1(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """The paper's Table 1 as printed, with this run's row (± 1 SE) under each of the paper's (text)
    for the datasets trained here (the paper's rows of the others stay)."""
    layers = model_summary().set_index("model")["weight layers"]
    params = params_by_model(outcomes)
    accuracy = accuracy_table(outcomes)
    rows = {("# layers", "paper"): {m: str(PAPER_LAYERS[m]) for m in MODELS},
            ("# layers", "this implementation"): {m: str(layers[m]) for m in MODELS},
            ("# params", "paper"): {m: f"{PAPER_PARAMS[m] / 1e6:.0f}M" for m in MODELS},
            ("# params", "this run (10 classes)"): {m: f"{params[m] / 1e6:.1f}M" if m in params else NOT_RUN
                                                    for m in MODELS}}
    for label in DATASETS:
        rows[(label, "paper")] = {m: f"{100 * PAPER_TEST_TOP1[label][m]:.1f}" for m in MODELS}
        if label not in trained_datasets(outcomes):
            continue
        cells = accuracy[accuracy["dataset"] == label].set_index("model")
        synthetic = " (synthetic)" if dataset_label(label, outcomes) != label else ""
        rows[(label, f"this run ± 1 SE{synthetic}")] = {
            m: NOT_RUN if pd.isna(cells.at[m, "this run top-1"]) else
            f"{100 * cells.at[m, 'this run top-1']:.1f} ± {cells.at[m, 'this run ± 1 SE (points)']:.1f}"
            for m in MODELS}
        rows[(label, "difference (points)")] = {m: NOT_RUN if pd.isna(cells.at[m, "difference (points)"]) else
                                                 f"{cells.at[m, 'difference (points)']:+.1f}" for m in MODELS}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index = pd.MultiIndex.from_tuples(table.index, names=["row", "source"])
    return table


def resnet18_sources(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """ResNet-18's test top-1 as Table 1, the abstract and Section 4.2 give it, and this run's (± 1 SE)."""
    rows = []
    for label in DATASETS:
        runs = model_groups(outcomes, label)["ResNet-18"]
        rows.append({"dataset": label, "Table 1 top-1": PAPER_TEST_TOP1[label]["ResNet-18"],
                     "abstract top-1": PAPER_ABSTRACT_RESNET18[label],
                     "Section 4.2 text top-1": PAPER_TEXT_RESNET18.get(label, np.nan),
                     "this run (%, ± 1 SE)": verdicts.spread_text(runs) if runs else NOT_RUN,
                     "this run's data": data_kind(runs) if runs else NOT_RUN})
    return pd.DataFrame(rows)


def ranking_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Per dataset: the paper's order of the five models and this run's (">": separated by more than
    two unpaired standard errors, "≈": not), and how many model pairs this run orders clearly as
    the paper (paired on the same test images), clearly the other way, within the noise, or does
    not compare (an unstable run, or a different recipe)."""
    rows = []
    for label in trained_datasets(outcomes):
        groups = {model: runs for model, runs in model_groups(outcomes, label).items() if runs}
        paper = PAPER_TEST_TOP1[label]
        counts = pair_counts(paper, groups)
        rows.append({"dataset": dataset_label(label, outcomes),
                     "this run's data": data_kind(dataset_runs(outcomes, label)),
                     "paper order": " > ".join(sorted(paper, key=paper.get, reverse=True)),
                     "this run order": ranking_line(groups).split(" % (")[0],
                     "pairs clearly as in the paper": counts["as the paper"],
                     "pairs clearly reversed": counts["reversed"], "pairs within the noise": counts["within the noise"],
                     "pairs not compared (unstable or recipes differ)": counts["not compared"]})
    return pd.DataFrame(rows)


def runs_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Every run (:func:`summaries.runs_table`, with its training stability) with its test top-1 ±
    its binomial standard error, and the final epoch's test top-1 beside it."""
    return summaries.runs_table(outcomes).assign(
        **{"test top-1 (%, ± 1 SE)": [verdicts.spread_text([outcome]) for outcome in outcomes],
           "final-epoch test top-1": [float(outcome.history["test_top1"].iloc[-1]) if "test_top1" in outcome.history
                                      else np.nan for outcome in outcomes]})


def tables(outcomes: Sequence[RunOutcome], *, unavailable: Mapping[str, str] | None = None) -> dict[str, pd.DataFrame]:
    """Every table of the report, by the file name it is saved under (the claims ledger, the runs,
    the models as built here, Table 1 and its long form, the ranking, the widening advantage, the
    paper's contradictions, ResNet-18's three sources, the figures not reproduced, every run, the
    minutes to each accuracy mark);
    ``unavailable``: :func:`helpers.studies.s03_cross_dataset.data.unavailable_datasets`."""
    return {"claims": ledger_frame(claims_ledger(outcomes, unavailable=unavailable)),
            "plan": plan_table([outcome.spec for outcome in outcomes]), "models": model_summary(),
            "table1": table1(outcomes).reset_index(), "accuracy": accuracy_table(outcomes),
            "ranking": ranking_table(outcomes), "advantage": advantage_table(outcomes),
            "paper_contradictions": findings(), "resnet18_sources": resnet18_sources(outcomes),
            "figures_not_reproduced": figures_not_reproduced(), "runs": runs_table(outcomes),
            "time_to_accuracy": summaries.time_to_accuracy_table(outcomes)}


def headlines(outcomes: Sequence[RunOutcome]) -> list[dict[str, Any]]:
    """ResNet-18's test top-1 on each dataset beside Table 1's (with uncertainty and verdict), and
    ResNet-18's lead over VGG19 per dataset, paired on the same test images (no verdict from an
    unstable run or a different recipe); a synthetic stand-in is labelled and not set beside the paper."""
    items = []
    first_name, second_name = ADVANTAGE_PAIR
    for label in trained_datasets(outcomes):
        groups = model_groups(outcomes, label)
        synthetic = data_kind(dataset_runs(outcomes, label)) == SYNTHETIC
        shown = dataset_label(label, outcomes)
        if groups["ResNet-18"]:
            items.append(verdicts.accuracy_headline(f"ResNet-18 test top-1, {shown}",
                                                    None if synthetic else PAPER_TEST_TOP1[label]["ResNet-18"],
                                                    groups["ResNet-18"]))
        first, second = groups[first_name], groups[second_name]
        if first and second:
            items.append(verdicts.paired_gap_headline(f"{first_name} minus {second_name}, {shown}",
                                                      None if synthetic else paper_gap(label), first, second,
                                                      paper_epochs=PAPER_EPOCHS))
    return items


def plan_table(specs: Sequence[RunSpec]) -> pd.DataFrame:
    """One row per planned run: what is trained on what, for how long."""
    return pd.DataFrame([{
        "run": spec.run_id, "model": spec.labels["model"], "dataset": spec.labels["dataset"], "seed": spec.config.seed,
        "epochs": spec.config.epochs, "batch size": spec.config.batch_size, "optimizer": spec.config.optimizer,
        "lr": spec.config.lr, "image size": spec.dataset_options.get("image_size"),
        "train/test per class": f"{_per_class(spec, 'train_per_class')} / {_per_class(spec, 'test_per_class')}",
    } for spec in specs])


def _per_class(spec: RunSpec, option: str) -> str:
    return str(spec.dataset_options.get(option, "all"))
