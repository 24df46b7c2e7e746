"""Study 3: AlexNet, VGG19 and ResNet-18/34/50 trained from scratch on Fashion-MNIST, CIFAR-10 and
CIFAR-100 (Kittipipatthanapong 2023, ``../shared/papers/study3_cross_dataset.txt``).

The paper's only result is its Table 1 (test accuracy of five models on three datasets, with
layer and parameter counts); its five figures are illustrations from other papers. This module
plans the 15 runs (x seeds) of a profile (recipes: :mod:`helpers.studies.study3_recipe`) and
builds Table 1 beside the paper's with this run's uncertainty, the ranking of the five models with
the pairs it separates (:mod:`helpers.studies.common.ranking`), the paper's unchecked and
self-contradictory claims computed (:mod:`helpers.studies.study3_contradictions`) and the
conclusion; the figures: :mod:`helpers.studies.study3_figures`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch
from matplotlib.figure import Figure
from torch import nn

from helpers.data.locate import locate_dataset
from helpers.errors import DataNotFoundError
from helpers.models import count_parameters, create_model
from helpers.runs import RunOutcome, RunSpec
from helpers.studies import run_id
from helpers.studies.common import start_weights, summaries, verdicts
from helpers.studies.common.parameters import StudyParameters
from helpers.studies.study3_contradictions import (advantage_markdown, advantage_table, figures_not_reproduced,
                                                   findings, findings_markdown)
from helpers.studies.study3_figures import confusion_figures, params_by_model, summary_figures
from helpers.studies.study3_paper import (DATASETS, MODELS, PAPER_ABSTRACT_RESNET18, PAPER_LAYERS, PAPER_PARAMS,
                                          PAPER_TEST_TOP1, PAPER_TEXT_RESNET18, PLAIN_NETWORKS, RESNETS)
from helpers.studies.common.ranking import (gaps_sentence, pair_counts, ranked, ranking_line,
                                            resnets_above_plain)
from helpers.studies.study3_recipe import (QUICK_ALEXNET_LR, RECIPE, SMOKE_PER_CLASS, SPLIT_SEED, dataset_options,
                                           model_options, plan_table, settings, starting_weights,
                                           train_config)
from helpers.studies.common.summaries import data_kind, dataset_label
from helpers.studies.common.verdicts import NOT_RUN
from helpers.uncertainty import compare_sentence

TITLE = "AlexNet, VGG19 and ResNet-18/34/50 from scratch on Fashion-MNIST, CIFAR-10 and CIFAR-100"
STUDY_ID = "03"
__all__ = ["QUICK_ALEXNET_LR", "RECIPE", "SMOKE_PER_CLASS", "SPLIT_SEED", "advantage_markdown",
           "findings_markdown", "headline_table", "plan_table", "settings"]
SYNTHETIC = "synthetic stand-in"
OPTIONAL_DATASETS = ("CIFAR-100",)  # not in ../shared/data: the cpu profile reports it "not available"


def unavailable_datasets(parameters: StudyParameters) -> dict[str, str]:
    """The optional datasets (display names: CIFAR-100) that the ``cpu`` profile cannot train on,
    each with why: not on disk, and ``download`` off. Its other datasets must be there (a missing
    one stops the study with the command that fetches it); the other profiles use a synthetic
    stand-in (smoke) or fetch what is missing (quick, paper)."""
    if parameters.profile != "cpu" or parameters.download:
        return {}
    missing = {}
    for label in OPTIONAL_DATASETS:
        dataset = DATASETS[label]
        try:
            locate_dataset(dataset, data_dir=parameters.data_dir)
        except DataNotFoundError:
            missing[label] = f"not available: not in the data folder, and the cpu profile does not download ({dataset})"
    return missing


def plan(parameters: StudyParameters) -> list[RunSpec]:
    """The runs of ``parameters.profile``: every dataset x model x seed, dataset-major (at the cpu
    profile only the datasets on disk: :func:`unavailable_datasets`); with the ``pretrained``
    switch on, the ResNets fine-tuned (their ids end ``_pretrained_seed<n>``)."""
    unavailable = unavailable_datasets(parameters)
    weights = starting_weights(parameters)

    def start(model: str) -> dict[str, str]:
        return {start_weights.START_LABEL: start_weights.PRETRAINED} if model in weights else {}

    return [
        RunSpec(run_id=run_id(dataset, model, *start(model).values(), seed=seed), model=model, dataset=dataset,
                config=train_config(model_label, dataset, parameters, seed=seed),
                model_options={**model_options(model_label, parameters.profile),
                               **({"weights": weights[model]} if model in weights else {})},
                dataset_options=dataset_options(dataset, parameters.profile, model_label),
                labels={"model": model_label, "dataset": dataset_title, **start(model), "seed": seed})
        for dataset_title, dataset in DATASETS.items() if dataset_title not in unavailable
        for model_label, (model, _) in MODELS.items()
        for seed in parameters.seeds
    ]


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


def _groups(outcomes: Sequence[RunOutcome], dataset: str) -> dict[str, list[RunOutcome]]:
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
    difference in points, whether it is larger than the noise, and the kind of data behind it;
    a dataset of ``unavailable`` (:func:`unavailable_datasets`) says why it has no runs."""
    unavailable = unavailable or {}
    rows = []
    for dataset in DATASETS:
        groups = _groups(outcomes, dataset)
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
        runs = _groups(outcomes, label)["ResNet-18"]
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
        groups = {model: runs for model, runs in _groups(outcomes, label).items() if runs}
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
    ``unavailable``: :func:`unavailable_datasets`."""
    return {"plan": plan_table([outcome.spec for outcome in outcomes]), "models": model_summary(),
            "table1": table1(outcomes).reset_index(), "accuracy": accuracy_table(outcomes, unavailable=unavailable),
            "ranking": ranking_table(outcomes), "advantage": advantage_table(outcomes),
            "paper_contradictions": findings(), "resnet18_sources": resnet18_sources(outcomes),
            "figures_not_reproduced": figures_not_reproduced(), "runs": runs_table(outcomes)}


def figures(outcomes: Sequence[RunOutcome]) -> dict[str, Figure]:
    """Table 1 as bars (paper marks), parameter counts, cost per run, per-dataset curves, and every
    run's test confusion matrix (``confusion_<run id>``)."""
    return {**summary_figures(outcomes), **confusion_figures(outcomes)}


def best_runs(outcomes: Sequence[RunOutcome]) -> list[RunOutcome]:
    """The run with the highest test top-1 on each dataset, in dataset order."""
    best = []
    for label in DATASETS:
        runs = [o for o in outcomes if o.spec.labels["dataset"] == label]
        best += [max(runs, key=lambda o: o.metrics["test_top1"])] if runs else []
    return best


def best_confusions(confusions: dict[str, Figure], outcomes: Sequence[RunOutcome]) -> list[Figure]:
    """From :func:`figures` (or :func:`confusion_figures`), the matrix of each dataset's best run
    (none for a synthetic stand-in)."""
    names = (f"confusion_{outcome.spec.run_id}" for outcome in best_runs(outcomes))
    return [confusions[name] for name in names if name in confusions]


def headlines(outcomes: Sequence[RunOutcome]) -> list[dict[str, Any]]:
    """ResNet-18's test top-1 on each dataset beside Table 1's (with uncertainty and verdict), and
    the best ResNet's lead over the better plain network per dataset; a synthetic stand-in is
    labelled and not set beside the paper."""
    items = []
    for label in DATASETS:
        groups = _groups(outcomes, label)
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


def conclusion(outcomes: Sequence[RunOutcome], parameters: StudyParameters) -> str:
    """Markdown: per dataset the ranking with the pairs it separates, the paper's central claim
    checked against the noise, the widening advantage, and what the data can and cannot show."""
    ranking = ranking_table(outcomes).set_index("dataset") if outcomes else pd.DataFrame()
    lines, claims = ["**What this run shows** (test top-1 of the epoch with the best validation top-1)", ""], {}
    for label in DATASETS:
        groups = {model: runs for model, runs in _groups(outcomes, label).items() if runs}
        if not groups:
            continue
        shown = dataset_label(label, outcomes)
        row = ranking.loc[shown]
        synthetic = row["this run's data"] == SYNTHETIC
        claim = row["every ResNet above AlexNet and VGG19"]
        lines.append(f"- **{shown}**: {ranking_line(groups)}. {gaps_sentence(groups)} Against Table 1: "
                     f"{row['pairs clearly as in the paper']} of the model pairs ordered clearly as in the paper, "
                     f"{row['pairs clearly reversed']} clearly reversed, {row['pairs within the noise']} within the "
                     f"noise. Every ResNet above AlexNet and VGG19: {claim}; in the paper: yes."
                     + (" A synthetic stand-in: it says nothing about the real dataset and is not counted below."
                        if synthetic else ""))
        if not synthetic:
            claims[label] = claim.split(" ")[0]
    lines += [f"- **{label}**: {why}; its column of Table 1 stays empty." for label, why
              in unavailable_datasets(parameters).items()]
    held = [d for d, word in claims.items() if word == "yes"]
    contradicted = [d for d, word in claims.items() if word == "no"]
    lines += ["", f"The paper's central claim, every ResNet above both AlexNet and VGG19 by more than the noise: holds "
                  f"on {len(held)}, is contradicted on {len(contradicted)} and cannot be told on "
                  f"{len(claims) - len(held) - len(contradicted)} of the {len(claims)} real datasets run here.", "",
              "**Does the ResNets' advantage widen with difficulty?**", advantage_markdown(outcomes)]
    epochs = sorted({int(outcome.metrics["epochs"]) for outcome in outcomes})
    notes = summaries.data_notes(outcomes)
    if parameters.profile == "smoke" or summaries.is_reduced_data(notes) or epochs[-1] < RECIPE.paper["epochs"]:
        purpose = ("they prove the pipeline, not the claim" if parameters.profile == "smoke" else
                   "the ranking is that of this short budget, which may differ from the paper's full recipe")
        lines += ["", f"These runs used reduced data and {', '.join(map(str, epochs))} epoch(s) instead of the paper's "
                      f"full data and {RECIPE.paper['epochs']} epochs: {purpose}."]
        if parameters.profile == "smoke":
            lines.append("At the smoke profile the models also saw different numbers of images (ResNet-18 the "
                         "most; see the settings), so their ranking reflects that budget, not only the architectures.")
    fine_tuned = start_weights.caveat(outcomes, from_scratch=PLAIN_NETWORKS)
    if fine_tuned:
        lines += ["", f"**Not the paper's setting**: {fine_tuned}."]
    return "\n".join(lines)
