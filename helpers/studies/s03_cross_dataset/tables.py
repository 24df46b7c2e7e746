"""Study 3's tables: Table 1 beside the paper's with this run's uncertainty (:func:`table1`, and
one row per cell: :func:`accuracy_table`), the five models as built here, the ranking of the five
models with the pairs it separates (:mod:`helpers.studies.common.ranking`), ResNet-18's three
sources, the planned and finished runs, and the headlines. The paper's unchecked and
self-contradictory claims, computed: :mod:`helpers.studies.s03_cross_dataset.findings`.
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
from helpers.studies.common.ranking import ranked, ranking_line
from helpers.studies.common.summaries import data_kind, dataset_label
from helpers.studies.common.verdicts import NOT_RUN
from helpers.studies.s03_cross_dataset.figures import params_by_model
from helpers.studies.s03_cross_dataset.findings import (SYNTHETIC, advantage_table, figures_not_reproduced, findings,
                                                        pair_counts, resnets_above_plain)
from helpers.studies.s03_cross_dataset.paper import (DATASETS, MODELS, PAPER_ABSTRACT_RESNET18, PAPER_LAYERS,
                                                     PAPER_PARAMS, PAPER_TEST_TOP1, PAPER_TEXT_RESNET18,
                                                     PLAIN_NETWORKS, RESNETS)
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


def model_groups(outcomes: Sequence[RunOutcome], dataset: str) -> dict[str, list[RunOutcome]]:
    """The runs on ``dataset`` (display name) by model, in the paper's model order, seeds together."""
    return {model: [o for o in outcomes if o.spec.labels["dataset"] == dataset and o.spec.labels["model"] == model]
            for model in MODELS}


def run_grid(outcomes: Sequence[RunOutcome], metric: str = "test_top1") -> pd.DataFrame:
    """``metric`` per dataset (rows) and model (columns), the mean over seeds; NaN where not run."""
    frame = pd.DataFrame([{"dataset": o.spec.labels["dataset"], "model": o.spec.labels["model"],
                           metric: o.metrics[metric]} for o in outcomes], columns=["dataset", "model", metric])
    grid = frame.pivot_table(index="dataset", columns="model", values=metric, aggfunc="mean")
    return grid.reindex(index=list(DATASETS), columns=list(MODELS))


def accuracy_table(outcomes: Sequence[RunOutcome], *, unavailable: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Table 1 one row per cell: the paper's test top-1, this run's with its standard error, the
    difference in points, whether it is larger than the noise, and the kind of data behind it; a
    dataset of ``unavailable`` (:func:`helpers.studies.s03_cross_dataset.data.unavailable_datasets`)
    says why it has no runs."""
    unavailable = unavailable or {}
    rows = []
    for dataset in DATASETS:
        groups = model_groups(outcomes, dataset)
        trained = [o for runs in groups.values() for o in runs]
        kind = data_kind(trained) if trained else ("not available" if dataset in unavailable else NOT_RUN)
        for model, runs in groups.items():
            paper = PAPER_TEST_TOP1[dataset][model]
            row = {"dataset": dataset, "model": model, "paper top-1": paper, "this run top-1": np.nan,
                   "this run ± 1 SE (points)": np.nan, "difference (points)": np.nan,
                   "verdict": unavailable.get(dataset, NOT_RUN),
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
    return pd.DataFrame(rows)


def table1(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """The paper's Table 1 as printed, with this run's row (± 1 SE) under each of the paper's (text)."""
    layers = model_summary().set_index("model")["weight layers"]
    params = params_by_model(outcomes)
    accuracy = accuracy_table(outcomes)
    rows = {("# layers", "paper"): {m: str(PAPER_LAYERS[m]) for m in MODELS},
            ("# layers", "this implementation"): {m: str(layers[m]) for m in MODELS},
            ("# params", "paper"): {m: f"{PAPER_PARAMS[m] / 1e6:.0f}M" for m in MODELS},
            ("# params", "this run (10 classes)"): {m: f"{params[m] / 1e6:.1f}M" if m in params else ""
                                                    for m in MODELS}}
    for label in DATASETS:
        cells = accuracy[accuracy["dataset"] == label].set_index("model")
        rows[(label, "paper")] = {m: f"{100 * cells.at[m, 'paper top-1']:.1f}" for m in MODELS}
        synthetic = " (synthetic)" if dataset_label(label, outcomes) != label else ""
        rows[(label, f"this run ± 1 SE{synthetic}")] = {
            m: "" if pd.isna(cells.at[m, "this run top-1"]) else
            f"{100 * cells.at[m, 'this run top-1']:.1f} ± {cells.at[m, 'this run ± 1 SE (points)']:.1f}"
            for m in MODELS}
        rows[(label, "difference (points)")] = {m: "" if pd.isna(cells.at[m, "difference (points)"]) else
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
                     "this run top-1": verdicts.measured(runs).value if runs else np.nan,
                     "this run (%, ± 1 SE)": verdicts.spread_text(runs) if runs else NOT_RUN,
                     "this run's data": data_kind(runs) if runs else NOT_RUN})
    return pd.DataFrame(rows)


def ranking_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Per dataset: the paper's order of the five models and this run's (">": separated by more than
    the noise, "≈": not), how many model pairs this run orders clearly as the paper, clearly the
    other way, or not at all, and the paper's central claim (every ResNet above AlexNet and VGG19)."""
    rows = []
    for label in DATASETS:
        groups = {model: runs for model, runs in model_groups(outcomes, label).items() if runs}
        if not groups:
            continue
        paper = PAPER_TEST_TOP1[label]
        counts = pair_counts(paper, groups)
        rows.append({"dataset": dataset_label(label, outcomes),
                     "this run's data": data_kind([o for runs in groups.values() for o in runs]),
                     "paper order": " > ".join(sorted(paper, key=paper.get, reverse=True)),
                     "this run order": ranking_line(groups).split(" % (")[0],
                     "pairs clearly as in the paper": counts["as the paper"],
                     "pairs clearly reversed": counts["reversed"], "pairs within the noise": counts["within the noise"],
                     "every ResNet above AlexNet and VGG19": resnets_above_plain(groups, RESNETS, PLAIN_NETWORKS)})
    return pd.DataFrame(rows)


def runs_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Every run (:func:`summaries.runs_table`) with its test top-1 ± its binomial standard error."""
    return summaries.runs_table(outcomes).assign(
        **{"test top-1 (%, ± 1 SE)": [verdicts.spread_text([outcome]) for outcome in outcomes]})


def tables(outcomes: Sequence[RunOutcome], *, unavailable: Mapping[str, str] | None = None) -> dict[str, pd.DataFrame]:
    """Every table of the report, by the file name it is saved under (the runs, the models as
    built here, Table 1 and its long form, the ranking, the widening advantage, the paper's
    contradictions, ResNet-18's three sources, the figures not reproduced, every run);
    ``unavailable``: :func:`helpers.studies.s03_cross_dataset.data.unavailable_datasets`."""
    return {"plan": plan_table([outcome.spec for outcome in outcomes]), "models": model_summary(),
            "table1": table1(outcomes).reset_index(), "accuracy": accuracy_table(outcomes, unavailable=unavailable),
            "ranking": ranking_table(outcomes), "advantage": advantage_table(outcomes),
            "paper_contradictions": findings(), "resnet18_sources": resnet18_sources(outcomes),
            "figures_not_reproduced": figures_not_reproduced(), "runs": runs_table(outcomes)}


def headlines(outcomes: Sequence[RunOutcome]) -> list[dict[str, Any]]:
    """ResNet-18's test top-1 on each dataset beside Table 1's (with uncertainty and verdict), and
    the best ResNet's lead over the better plain network per dataset; a synthetic stand-in is
    labelled and not set beside the paper."""
    items = []
    for label in DATASETS:
        groups = model_groups(outcomes, label)
        synthetic = data_kind([o for runs in groups.values() for o in runs]) == SYNTHETIC
        shown = dataset_label(label, outcomes)
        if groups["ResNet-18"]:
            items.append(verdicts.accuracy_headline(f"ResNet-18 test top-1, {shown}",
                                                    None if synthetic else PAPER_TEST_TOP1[label]["ResNet-18"],
                                                    groups["ResNet-18"]))
        resnet = next((name for name, _ in ranked({m: groups[m] for m in RESNETS})), None)
        plain = next((name for name, _ in ranked({m: groups[m] for m in PLAIN_NETWORKS})), None)
        if resnet and plain:
            paper = PAPER_TEST_TOP1[label]
            gap = max(paper[m] for m in RESNETS) - max(paper[m] for m in PLAIN_NETWORKS)
            items.append(verdicts.gap_headline(f"best ResNet minus best of AlexNet/VGG19, {shown}",
                                               None if synthetic else gap, groups[resnet], groups[plain]))
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
