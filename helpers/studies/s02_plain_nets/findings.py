"""Study 2's claims ledger (:func:`claims_ledger`): one row per claim of the paper
(:data:`~helpers.studies.s02_plain_nets.paper.CLAIMS`), computed from the runs and the paper's
own numbers; the comparisons it rests on (:func:`comparisons`); and the figures of the paper that
are illustrations rather than results.

The four claims of Table 1 (the ResNet ahead of LeNet and of AlexNet on each dataset) are judged
on the final epoch's test top-1 of the ResNet and the other network trained with the same recipe
(:func:`~helpers.studies.s02_plain_nets.metric.equal_recipe_runs`), paired over the test images
(:func:`helpers.studies.common.claims.comparison_row`); the pair trained with each network's own
recipe is shown beside it, labelled, and decides nothing. A network that ended not clearly above
chance decides nothing either. The text's other claims are checked against Table 1 itself: its
test sets have 10,000 images and it reports one run per network, so its own gaps carry the
binomial standard error of that test set (:func:`paper_measured`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from helpers.runs import RunOutcome
from helpers.studies.common import claims
from helpers.studies.common.claims import CONTRADICTED, NOT_DECIDED, SUPPORTED, Claim
from helpers.studies.common.verdicts import chance_sentence
from helpers.studies.s02_plain_nets.metric import (BEST_TEST, FINAL_TEST, OPTIMISTIC, Key, equal_recipe_runs,
                                                   grouped_runs, own_recipe_runs)
from helpers.studies.s02_plain_nets.networks import network_parameters
from helpers.studies.s02_plain_nets.paper import (CLAIMS, COMPARED_DATASETS, FIGURES, PAPER_BEST_PERCENT,
                                                  PAPER_DIFFERENCES_POINTS, PAPER_TEST_IMAGES, RIVALS, TABLE1_COLUMNS)
from helpers.statistics.paired import decide
from helpers.statistics.uncertainty import Measured, difference_se, measure

EQUAL_PAIR = "same recipe (the ResNet's)"
OWN_PAIR = "per-network recipes (differ per model)"
CLAIMS_BY_KEY = {claim.key: claim for claim in CLAIMS}
# Throughput differences within this factor are noise: the published cpu runs' images/s moved by about
# 10 % from epoch to epoch (LeNet-5 on CIFAR-10: 8,460-10,020).
SPEED_MARGIN = 1.1


def paper_value(model: str, column: str) -> float:
    """Table 1's value for ``model`` and ``column`` ('MNIST test', ...), as a fraction."""
    return PAPER_BEST_PERCENT[model][TABLE1_COLUMNS.index(column)] / 100


def paper_measured(model: str, column: str) -> Measured:
    """Table 1's value with the binomial standard error of the paper's 10,000-image test set (one run)."""
    return measure([paper_value(model, column)], PAPER_TEST_IMAGES)


def comparison_claim(dataset: str, other: str) -> Claim:
    """The claim that the ResNet beats ``other`` on ``dataset``."""
    return CLAIMS_BY_KEY[f"resnet_over_{other.lower()}_{dataset.lower().replace('-', '')}"]


# --- the comparisons of Table 1 ------------------------------------------------------------------

def at_chance(runs: Sequence[RunOutcome]) -> str | None:
    """Why ``runs`` ended with nothing a comparison could use (final test top-1 not clearly above
    chance), or None."""
    return chance_sentence(runs, len(runs[0].metrics.get("classes") or range(10)), key=FINAL_TEST)


def pair_row(claim: Claim, dataset: str, other: str, resnet: Sequence[RunOutcome],
             rival: Sequence[RunOutcome]) -> dict[str, str]:
    """The ledger row of ``claim`` from one pair of run groups: :func:`claims.comparison_row` on the
    final epoch (unstable runs and recipes that differ are caught there), "not decided" where a
    network ended at chance, and the difference of the paper's metric beside it, labelled."""
    paper_effect = PAPER_DIFFERENCES_POINTS[other, dataset] / 100
    row = claims.comparison_row(claim, "ResNet", resnet, other, rival, expected="positive", paper_effect=paper_effect)
    if not resnet or not rival:
        return row
    idle = {name: at_chance(runs) for name, runs in (("ResNet", resnet), (other, rival))}
    idle = {name: why for name, why in idle.items() if why}
    if idle and row["verdict"] in (SUPPORTED, CONTRADICTED, NOT_DECIDED):
        row["verdict"] = NOT_DECIDED
        row["this run"] += "; " + "; ".join(f"{name}: {why}" for name, why in idle.items())
        row["what would decide it"] = ("a recipe under which both networks learn (for a network without "
                                       "BatchNorm: a lower peak learning rate or Adam), trained by both")
    best = np.mean([run.metrics[BEST_TEST] for run in resnet]) - np.mean([run.metrics[BEST_TEST] for run in rival])
    row["this run"] += f"; {OPTIMISTIC}: {100 * best:+.2f} points"
    return row


def comparisons(outcomes: Sequence[RunOutcome]) -> list[dict[str, Any]]:
    """Every comparison of Table 1 with each pair of run groups this run has: the equal-recipe pair
    (the verdict's) and, where the profile gave the networks different recipes, the per-network
    pair (labelled; "not decided: recipes differ"). One dict per pair: ``dataset``, ``other``,
    ``pair``, and the ledger row's fields."""
    groups = grouped_runs(outcomes)
    result = []
    for dataset in COMPARED_DATASETS:
        resnet = own_recipe_runs(groups, dataset, "ResNet")
        for other in RIVALS:
            claim = comparison_claim(dataset, other)
            equal, own = equal_recipe_runs(groups, dataset, other), own_recipe_runs(groups, dataset, other)
            separate = {run.spec.run_id for run in own} != {run.spec.run_id for run in equal}
            pairs = [(EQUAL_PAIR, equal)] + ([(OWN_PAIR, own)] if own and separate else [])
            for pair, rival in pairs:
                result.append({"dataset": dataset, "other": other, "pair": pair,
                               **pair_row(claim, dataset, other, resnet, rival)})
    return result


def comparisons_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """:func:`comparisons` as a table: which pair, the paper's difference, this run's (final
    epoch, with its uncertainty and the paper's metric beside it), the verdict."""
    rows = [{"comparison": f"ResNet - {row['other']}, {row['dataset']} test", "pair": row["pair"],
             "paper (points)": PAPER_DIFFERENCES_POINTS[row["other"], row["dataset"]], "this run": row["this run"],
             "seeds": row["seeds"], "verdict": row["verdict"]} for row in comparisons(outcomes)]
    return pd.DataFrame(rows, columns=["comparison", "pair", "paper (points)", "this run", "seeds", "verdict"])


# --- the paper against its own numbers ---------------------------------------------------------------

def _training_accuracy_order() -> tuple[str, str]:
    resnet, alexnet = paper_value("ResNet", "MNIST train"), paper_value("AlexNet", "MNIST train")
    cifar = {model: paper_value(model, "CIFAR-10 train") for model in PAPER_BEST_PERCENT}
    middle_on_cifar = sorted(cifar, key=cifar.get, reverse=True).index("ResNet") == 1
    if resnet < alexnet:
        return "Table 1 bears it out: on MNIST the ResNet's training accuracy is below AlexNet's.", SUPPORTED
    relation = "equals" if resnet == alexnet else "is above"
    finding = (f"Table 1 does not bear it out on MNIST: the ResNet's training accuracy {relation} AlexNet's "
               f"({100 * resnet:.3f} vs {100 * alexnet:.3f} %)")
    if middle_on_cifar:
        finding += (f"; on CIFAR-10 the ResNet is in the middle ({100 * cifar['AlexNet']:.3f} > "
                    f"{100 * cifar['ResNet']:.3f} > {100 * cifar['LeNet']:.3f} %)")
    return finding + ".", CONTRADICTED


def _resnet_versus_alexnet() -> tuple[str, str]:
    parts, decided = [], []
    for dataset in COMPARED_DATASETS:
        resnet, alexnet = (paper_measured(model, f"{dataset} test") for model in ("ResNet", "AlexNet"))
        gap, error = resnet.value - alexnet.value, difference_se(resnet, alexnet)
        parts.append(f"{dataset} {100 * gap:+.3f} ± {100 * error:.3f} points ({gap / error:.1f} SE)")
        decided.append(decide(gap, error).decided)
    finding = (f"ResNet minus AlexNet in Table 1 (± 1 binomial SE of {PAPER_TEST_IMAGES:,} test images, one run "
               "each): " + "; ".join(parts) + ". ")
    if all(decided):
        return (finding + "Both leads exceed twice their noise, so 'about the same' does not describe the paper's own "
                "numbers, while Section 5 calls the ResNet better: the text contradicts itself (and the best epoch "
                "was chosen on the test set)."), CONTRADICTED
    return (finding + "A lead within twice its noise cannot tell 'about the same' from 'better' on every dataset."), \
        NOT_DECIDED


def _simplicity() -> tuple[str, str]:
    leads = {(dataset, model): 100 * (paper_value(model, f"{dataset} test") - paper_value("LeNet", f"{dataset} test"))
             for dataset in COMPARED_DATASETS for model in ("ResNet", "AlexNet")}
    numbers = "; ".join(f"{model}'s lead over LeNet is {leads['CIFAR-10', model] / leads['MNIST', model]:.0f} times "
                        "larger on CIFAR-10 than on MNIST" for model in ("ResNet", "AlexNet"))
    if all(leads["CIFAR-10", model] > leads["MNIST", model] for model in ("ResNet", "AlexNet")):
        return (f"Table 1: {numbers}. The deeper networks' lead is smallest on the simple dataset, so MNIST's "
                "simplicity does not explain it."), CONTRADICTED
    return f"Table 1: {numbers}; the lead is larger on MNIST, as the text says.", SUPPORTED


def _generalization() -> tuple[str, str]:
    gaps = {(dataset, model): 100 * (paper_value(model, f"{dataset} train") - paper_value(model, f"{dataset} test"))
            for dataset in COMPARED_DATASETS for model in PAPER_BEST_PERCENT}
    numbers = "Train minus test in Table 1, points: " + "; ".join(
        f"{dataset} " + ", ".join(f"{model} {gaps[dataset, model]:.3f}" for model in PAPER_BEST_PERCENT)
        for dataset in COMPARED_DATASETS) + "."
    smallest = all(min(PAPER_BEST_PERCENT, key=lambda m, d=dataset: gaps[d, m]) == "ResNet"
                   for dataset in COMPARED_DATASETS)
    if smallest:
        return numbers + " The ResNet has the smallest train-test gap on both datasets.", SUPPORTED
    return numbers + " Another network has a smaller train-test gap.", CONTRADICTED


def _parameters_and_speed(outcomes: Sequence[RunOutcome]) -> tuple[str, str, str]:
    """The Section 2 claim (fewer parameters, faster training) against this run's parameter counts
    and training throughput; throughput is compared between runs with the same recipe and batch
    size (the equal-recipe pairs), as images per second, which the number of epochs does not change."""
    params = network_parameters(outcomes)
    finding = (f"As built here: ResNet-18 {params['ResNet'] / 1e6:.1f} M parameters, AlexNet "
               f"{params['AlexNet'] / 1e6:.1f} M, LeNet-5 {params['LeNet'] / 1e6:.2f} M: fewer than AlexNet, "
               f"{params['ResNet'] / params['LeNet']:.0f} times LeNet-5's.")
    groups = grouped_runs(outcomes)
    speeds, slower, faster = [], [], []
    for dataset in COMPARED_DATASETS:
        resnet = own_recipe_runs(groups, dataset, "ResNet")
        for other in RIVALS:
            rival = equal_recipe_runs(groups, dataset, other)
            if not resnet or not rival or claims.recipe_differences(resnet, rival):
                continue
            mine, theirs = (float(np.mean([run.metrics["train_images_per_second"] for run in runs]))
                            for runs in (resnet, rival))
            speeds.append(f"{dataset}: ResNet {mine:,.0f} vs {other} {theirs:,.0f}")
            slower.append(mine < theirs / SPEED_MARGIN)
            faster.append(mine > theirs * SPEED_MARGIN)
    if not speeds:
        return (finding + " No pair of runs with the same recipe measured the training speed here.", NOT_DECIDED,
                "the ResNet and the other networks trained with the same recipe and batch size, timed")
    finding += (" Training images per second on this machine (same recipe and batch size within each pair): "
                + "; ".join(speeds) + ".")
    if all(slower):
        return finding + " The ResNet trains slowest in every pair.", CONTRADICTED, "decided by this run's timing"
    if all(faster):
        return finding + " The ResNet trains fastest in every pair.", SUPPORTED, "decided by this run's timing"
    return (finding + f" Not slower or faster than every rival by more than {SPEED_MARGIN - 1:.0%}.", NOT_DECIDED,
            "the same timing on another machine (GPU), repeated, since the order is not the same in every pair")


def paper_rows(outcomes: Sequence[RunOutcome]) -> list[dict[str, str]]:
    """The ledger rows of the text's claims, judged on Table 1 itself (and, for speed, on this run)."""
    rows = [claims.paper_only_row(CLAIMS_BY_KEY[key], *check())
            for key, check in (("mnist_train_middle", _training_accuracy_order),
                               ("resnet_alexnet_about_the_same", _resnet_versus_alexnet),
                               ("mnist_simplicity", _simplicity), ("generalization", _generalization))]
    finding, verdict, decide_text = _parameters_and_speed(outcomes)
    rows.append(claims.paper_only_row(CLAIMS_BY_KEY["fewer_parameters_faster"], finding, verdict, decide_text))
    return rows


def claims_ledger(outcomes: Sequence[RunOutcome]) -> list[dict[str, str]]:
    """One row per claim of :data:`CLAIMS`, in its order: the four comparisons of Table 1 on their
    equal-recipe pair (:func:`comparisons`), then the text's claims (:func:`paper_rows`)."""
    ledger = {row["claim"]: {key: value for key, value in row.items() if key not in ("dataset", "other", "pair")}
              for row in comparisons(outcomes) if row["pair"] == EQUAL_PAIR}
    ledger.update({row["claim"]: row for row in paper_rows(outcomes)})
    return [ledger[claim.statement] for claim in CLAIMS]


def verdict_of(ledger: Sequence[Mapping[str, str]], claim: Claim) -> str:
    """The verdict the ledger gives ``claim``."""
    return next(row["verdict"] for row in ledger if row["claim"] == claim.statement)


def figures_not_reproduced() -> pd.DataFrame:
    """Every figure of the paper: what it shows, and whether this report redraws it (and if not, why)."""
    return pd.DataFrame([{"figure": f"Figure {number}", "shows": shows,
                          "in this report": "reproduced" if reproduced else "not reproduced",
                          "where / why": reason}
                         for number, (shows, reproduced, reason) in FIGURES.items()])


def groups_by_dataset(outcomes: Sequence[RunOutcome]) -> dict[str, dict[Key, list[RunOutcome]]]:
    """The run groups of each dataset, in plan order."""
    result: dict[str, dict[Key, list[RunOutcome]]] = {}
    for key, runs in grouped_runs(outcomes).items():
        result.setdefault(key[0], {})[key] = runs
    return result
