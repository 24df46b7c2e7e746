"""Study 2: a ResNet vs LeNet-5 vs AlexNet on MNIST and CIFAR-10
(``../shared/papers/study2_resnet_vs_lenet_alexnet.txt``).

The paper trains the three networks on both datasets and reports, per network and dataset, the
highest train and test accuracy reached during training (Table 1): the ResNet's best test accuracy
beats LeNet's by 0.555 / 23.13 points and AlexNet's by 0.225 / 2.46 points (MNIST / CIFAR-10).
It states no depth, optimiser, learning rate, batch size, epochs or augmentation: every one of
them is chosen here and labelled so. The ResNet is ResNet-18 with the CIFAR stem (3x3, stride 1),
which suits 28- and 32-px images. Every comparison carries its uncertainty (one seed: the binomial
standard error of the test set; several: the seed sd), and every verdict is computed
(:mod:`helpers.studies.common.verdicts`); where the paper's text and its Table 1 disagree, and which of its
figures are illustrations: :mod:`helpers.studies.study2_contradictions`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from helpers.models import count_parameters, create_model
from helpers.plots import plot_curves
from helpers.runs import RunOutcome, RunSpec
from helpers.studies import run_id
from helpers.studies.common import summaries, verdicts
from helpers.studies.common.parameters import StudyParameters
from helpers.studies.study2_contradictions import (figures_not_reproduced, findings_markdown, findings_table,
                                                   mean_wall_seconds)
from helpers.studies.study2_paper import PAPER_BEST_PERCENT, PAPER_DIFFERENCES_POINTS, TABLE1_COLUMNS
from helpers.studies.study2_recipe import (DATASETS, IN_CHANNELS, MODELS, RECIPE, dataset_options, images_text,
                                           model_options, recipe_for, settings)
from helpers.studies.common.ranking import gaps_sentence, ranking_line
from helpers.studies.common.verdicts import headline_table
from helpers.studies.common.summaries import mean_history
from helpers.studies.common.verdicts import NOT_RUN
from helpers.uncertainty import Measured, compare_sentence, format_measured, measure

TITLE = "Study 2: ResNet vs LeNet-5 vs AlexNet on MNIST and CIFAR-10"
STUDY_ID = "02"
__all__ = ["RECIPE", "headline_table", "settings"]  # re-exported for the notebook and the tests
BEST_TEST = "best_test_top1"  # the paper's metric: the highest test top-1 over the epochs


def plan(parameters: StudyParameters) -> list[RunSpec]:
    """Three networks x two datasets x each seed: 6 runs per seed, MNIST first."""
    return [
        RunSpec(
            run_id=run_id(DATASETS[dataset], registry_name, seed=seed),
            model=registry_name,
            dataset=DATASETS[dataset],
            config=recipe_for(dataset, model, parameters, seed=seed),
            model_options=model_options(model, parameters.profile),
            dataset_options=dataset_options(dataset, parameters.profile, model),
            labels={"dataset": dataset, "model": model, "seed": seed},
        )
        for seed in parameters.seeds
        for dataset in DATASETS
        for model, registry_name in MODELS.items()
    ]


def model_table(profile: str = "paper") -> pd.DataFrame:
    """Parameter count of each network for each dataset, as ``profile`` builds it (LeNet's and
    AlexNet's do not depend on the image size; the input channels change the first conv)."""
    rows = []
    for model, registry_name in MODELS.items():
        options = model_options(model, profile)
        row = {"model": model, "registry name": registry_name, "options": options or ""}
        for dataset, channels in IN_CHANNELS.items():
            network = create_model(registry_name, in_channels=channels, seed=0, **options)
            row[f"params ({dataset})"] = count_parameters(network)
        rows.append(row)
    return pd.DataFrame(rows)


def _groups(outcomes: Sequence[RunOutcome]) -> dict[tuple[str, str], list[RunOutcome]]:
    """Outcomes by (dataset, model), seeds together, in plan order; each with the paper's metric,
    ``metrics["best_test_top1"]``, read from its history (the one source of the highest test top-1)."""
    with_best = [dataclasses.replace(outcome, metrics={**outcome.metrics, BEST_TEST: _highest(outcome, "test")})
                 for outcome in outcomes]
    return summaries.group_outcomes(with_best,
                                    lambda outcome: (outcome.spec.labels["dataset"], outcome.spec.labels["model"]))


def _highest(outcome: RunOutcome, split: str) -> float:
    return float(outcome.history[f"{split}_top1"].max())


def best_accuracy(runs: Sequence[RunOutcome], split: str) -> float:
    """The paper's metric: the highest ``split`` ('train' or 'test') top-1 over the epochs of each
    run, as a fraction, averaged over the runs (seeds)."""
    return float(np.mean([run.history[f"{split}_top1"].max() for run in runs]))


def best_measured(runs: Sequence[RunOutcome], split: str) -> Measured:
    """:func:`best_accuracy` with its uncertainty: the binomial SE of the split's images (one
    seed) or the seed sd (several)."""
    images = int(runs[0].metrics["num_test" if split == "test" else "num_train"])
    return measure([_highest(run, split) for run in runs], images)


def table1(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Table 1 cell by cell: the paper's highest accuracy beside this run's with its uncertainty,
    the difference in points and whether it is larger than this run's noise."""
    groups = _groups(outcomes)
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
    groups = _groups(outcomes)
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
    groups = _groups(outcomes)
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


def _params(outcomes: Sequence[RunOutcome]) -> dict[str, int]:
    """Parameters per network at 3 input channels, from this run's CIFAR-10 runs where there are all three."""
    params = {outcome.spec.labels["model"]: int(outcome.metrics["params"]) for outcome in outcomes
              if outcome.spec.labels["dataset"] == "CIFAR-10"}
    return params if len(params) == len(MODELS) else dict(model_table().set_index("model")["params (CIFAR-10)"])


def contradictions_markdown(outcomes: Sequence[RunOutcome]) -> str:
    """Where the paper's explanations and its Table 1 disagree, as markdown (with this run's
    parameter counts and wall times where the paper gives none)."""
    return findings_markdown(_params(outcomes), mean_wall_seconds(_groups(outcomes)))


def tables(outcomes: Sequence[RunOutcome]) -> dict[str, pd.DataFrame]:
    """Every table of the report, by the file name it is saved under."""
    return {
        "table1_best_accuracy": table1(outcomes),
        "table1_this_run": this_run_table1(outcomes).reset_index(),
        "abstract_differences": differences_table(outcomes),
        "paper_contradictions": findings_table(_params(outcomes), mean_wall_seconds(_groups(outcomes))),
        "figures_not_reproduced": figures_not_reproduced(),
        "runs": runs_table(outcomes),
    }


def headlines(outcomes: Sequence[RunOutcome]) -> list[dict[str, Any]]:
    """Highest test top-1 per network and dataset beside Table 1 (fractions, with uncertainty and
    verdict), and the abstract's four differences (gaps, with their standard error)."""
    groups = _groups(outcomes)
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


def figures(outcomes: Sequence[RunOutcome]) -> dict[str, Figure]:
    """Figures 4 (MNIST) and 6 (CIFAR-10): train and test accuracy per epoch of the three networks
    (mean over seeds); the highest test accuracy as bars beside the paper's; confusion matrices
    (first seed of each run)."""
    groups = _groups(outcomes)
    result: dict[str, Figure] = {}
    for number, dataset in ((4, "MNIST"), (6, "CIFAR-10")):
        histories = {model: mean_history(runs) for (d, model), runs in groups.items() if d == dataset}
        if not histories:
            continue
        for split in ("train", "test"):
            result[f"fig{number}_{DATASETS[dataset]}_{split}_accuracy"] = plot_curves(
                histories, "top1", splits=(split,), title=f"Figure {number}: {split} accuracy on {dataset}")
    bar_rows = [
        {"dataset": dataset, "model": model, "highest test top-1 (%)": 100 * best_accuracy(runs, "test"),
         "paper (%)": PAPER_BEST_PERCENT[model][TABLE1_COLUMNS.index(f"{dataset} test")]}
        for (dataset, model), runs in groups.items()
    ]
    result.update(summaries.accuracy_bars_and_confusions(
        groups, bar_rows, bars_name="highest_test_accuracy", group="dataset", value="highest test top-1 (%)",
        bars_title="Highest test top-1 during training (black: paper)",
        confusion_name=lambda key: f"confusion_{DATASETS[key[0]]}_{MODELS[key[1]]}",
        confusion_title=lambda key: f"{key[1]} on {key[0]}"))
    return result


def at_chance(runs: Sequence[RunOutcome]) -> str | None:
    """Why ``runs`` learned nothing a comparison could use (not clearly above chance), or None."""
    return verdicts.chance_sentence(runs, len(runs[0].metrics.get("classes") or range(10)), key=BEST_TEST)


def claim_verdicts(outcomes: Sequence[RunOutcome]) -> dict[tuple[str, str], str]:
    """The paper's claim, pair by pair: for each dataset and rival, ``"agrees"`` (the ResNet's
    highest test top-1 is clearly higher), ``"disagrees"`` (clearly lower) or ``"cannot tell"``
    (within the noise, or one of the two not clearly above chance: a win over a network that
    learned nothing is no evidence)."""
    groups = _groups(outcomes)
    result = {}
    for dataset in DATASETS:
        for other in ("LeNet", "AlexNet"):
            if (dataset, "ResNet") in groups and (dataset, other) in groups:
                if at_chance(groups[dataset, "ResNet"]) or at_chance(groups[dataset, other]):
                    result[dataset, other] = "cannot tell"
                    continue
                verdict, _ = compare_sentence("ResNet", verdicts.measured(groups[dataset, "ResNet"], BEST_TEST), other,
                                              verdicts.measured(groups[dataset, other], BEST_TEST))
                result[dataset, other] = {"first": "agrees", "second": "disagrees", "unclear": "cannot tell"}[verdict]
    return result


def conclusion(outcomes: Sequence[RunOutcome], parameters: StudyParameters) -> str:
    """What this run says about the paper's claim (the ResNet beats LeNet and AlexNet on both
    datasets), as markdown: per dataset the ranking with the pairs it separates, and each of the
    claim's comparisons as agree / disagree / cannot tell, computed from the noise."""
    groups = _groups(outcomes)
    lines = []
    for dataset in DATASETS:
        by_model = {model: groups[dataset, model] for model in MODELS if (dataset, model) in groups}
        if not by_model:
            continue
        lines.append(f"- **{dataset}** (highest test top-1 during training): {ranking_line(by_model, key=BEST_TEST)}. "
                     f"{gaps_sentence(by_model, key=BEST_TEST)}")
        chance = {model: at_chance(runs) for model, runs in by_model.items()}
        lines += [f"  - {model}: {warning}." for model, warning in chance.items() if warning]
        for other in ("LeNet", "AlexNet"):
            if "ResNet" not in by_model or other not in by_model:
                continue
            if chance["ResNet"] or chance[other]:
                lines.append(f"  - ResNet against {other}: not compared, since "
                             f"{'the ResNet' if chance['ResNet'] else other} learned nothing above chance here.")
            else:
                lines.append("  - " + verdicts.versus_sentence("ResNet", by_model["ResNet"], other, by_model[other],
                                                               claim_winner="ResNet", key=BEST_TEST))
    claims = claim_verdicts(outcomes)
    counts = {word: sum(verdict == word for verdict in claims.values())
              for word in ("agrees", "disagrees", "cannot tell")}
    lines += ["", f"The paper's claim (the ResNet ahead of LeNet and of AlexNet on both datasets), comparison by "
                  f"comparison: this run agrees on {counts['agrees']}, disagrees on {counts['disagrees']} and cannot "
                  f"tell on {counts['cannot tell']} of {len(claims)}."]
    seeds = max((len(runs) for runs in groups.values()), default=0)
    caveats = [f"{seeds} seed(s) per run: the ± is the binomial standard error of the test set"
               if seeds < 2 else f"means over {seeds} seeds (± the seed sd)",
               "the highest test accuracy over the epochs is selected on the test set itself (the paper's metric), "
               "so it is optimistic"]
    epochs = {(outcome.spec.labels["dataset"], outcome.spec.labels["model"]): int(outcome.metrics["epochs"])
              for outcome in outcomes}
    for dataset in DATASETS:
        counts = {model: epochs[dataset, model] for model in MODELS if (dataset, model) in epochs}
        if len(set(counts.values())) > 1:
            caveats.append(f"on {dataset} the networks trained for different numbers of epochs ("
                           + ", ".join(f"{model} {count}" for model, count in counts.items())
                           + "; see the settings), so a gap between them includes that budget, not only the "
                             "architecture")
    if parameters.profile == "smoke":
        caveats.append(f"the smoke profile trains on {images_text(parameters)}, at reduced size and for "
                       f"{RECIPE.fields('smoke')['epochs']} epochs (see the settings)")
    return summaries.conclusion_markdown(lines, caveats, outcomes=outcomes, profile=parameters.profile)
