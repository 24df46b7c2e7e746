"""Where study 2's paper explains its results in ways its own Table 1 does not bear out, computed
from the numbers (pure functions: a table and markdown), the figures it shows that are
illustrations rather than results, and what this run says about the paper's claim, comparison by
comparison (:func:`claim_verdicts`).

Each finding quotes the text, gives Table 1's numbers and says what they show. The paper's test
sets have 10,000 images and it reports one run per network, so its own gaps carry the binomial
standard error of that test set (:func:`paper_measured`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from helpers.runs import RunOutcome
from helpers.studies.common import verdicts
from helpers.studies.common.verdicts import chance_sentence, measured
from helpers.studies.s02_plain_nets.metric import BEST_TEST, grouped_runs
from helpers.studies.s02_plain_nets.networks import network_parameters
from helpers.studies.s02_plain_nets.paper import (FIGURES, PAPER_BEST_PERCENT, PAPER_TEST_IMAGES, QUOTES,
                                                  TABLE1_COLUMNS)
from helpers.studies.s02_plain_nets.recipe import DATASETS
from helpers.statistics.uncertainty import Measured, compare_sentence, difference_se, is_clear, measure


def paper_value(model: str, column: str) -> float:
    """Table 1's value for ``model`` and ``column`` ('MNIST test', ...), as a fraction."""
    return PAPER_BEST_PERCENT[model][TABLE1_COLUMNS.index(column)] / 100


def paper_measured(model: str, column: str) -> Measured:
    """Table 1's value with the binomial standard error of the paper's 10,000-image test set (one run)."""
    return measure([paper_value(model, column)], PAPER_TEST_IMAGES)


def findings(params: Mapping[str, int], wall_seconds: Mapping[tuple[str, str], float]) -> list[dict[str, str]]:
    """The paper's explanations checked against its own numbers: ``claim`` (quoted), ``where``,
    ``numbers`` (Table 1's, or this run's where the paper gives none) and ``verdict``.

    ``params``: parameters per network as built here; ``wall_seconds``: this run's mean wall time
    per (dataset, network), for the claim about training speed (the paper reports no timing)."""
    rows = [_training_accuracy_order(), _resnet_versus_alexnet(), _simplicity(), _generalization(),
            _parameters_and_speed(params, wall_seconds)]
    return [row for row in rows if row]


def findings_table(params: Mapping[str, int], wall_seconds: Mapping[tuple[str, str], float]) -> pd.DataFrame:
    """:func:`findings` as a table (one row per claim)."""
    return verdicts.findings_frame(findings(params, wall_seconds))


def findings_markdown(params: Mapping[str, int], wall_seconds: Mapping[tuple[str, str], float]) -> str:
    """:func:`findings` as markdown bullets: the quote, then the numbers and what they show."""
    return verdicts.findings_bullets(findings(params, wall_seconds))


def figures_not_reproduced() -> pd.DataFrame:
    """Every figure of the paper: what it shows, and whether this report redraws it (and if not, why)."""
    return pd.DataFrame([{"figure": f"Figure {number}", "shows": shows,
                          "in this report": "reproduced" if reproduced else "not reproduced",
                          "where / why": reason}
                         for number, (shows, reproduced, reason) in FIGURES.items()])


def _quote(key: str) -> tuple[str, str]:
    where, text = QUOTES[key]
    return text, where


def _training_accuracy_order() -> dict[str, str]:
    claim, where = _quote("mnist_train_middle")
    resnet, alexnet, lenet = (paper_value(m, "MNIST train") for m in ("ResNet", "AlexNet", "LeNet"))
    cifar = {m: paper_value(m, "CIFAR-10 train") for m in PAPER_BEST_PERCENT}
    middle_on_cifar = sorted(cifar, key=cifar.get, reverse=True).index("ResNet") == 1
    numbers = (f"Table 1, MNIST train: ResNet {100 * resnet:.3f} %, AlexNet {100 * alexnet:.3f} %, LeNet "
               f"{100 * lenet:.3f} %.")
    if resnet >= alexnet:
        verdict = (f"Not borne out on MNIST: the ResNet's training accuracy equals AlexNet's ({100 * resnet:.3f} %), "
                   "it is not below it" if resnet == alexnet else "Not borne out: the ResNet is above AlexNet")
        verdict += (f"; on CIFAR-10 the ResNet is indeed in the middle ({100 * cifar['AlexNet']:.3f} > "
                    f"{100 * cifar['ResNet']:.3f} > {100 * cifar['LeNet']:.3f} %)." if middle_on_cifar else ".")
    else:
        verdict = "Borne out: the ResNet is below AlexNet."
    return {"claim": claim, "where": where, "numbers": numbers, "verdict": verdict}


def _resnet_versus_alexnet() -> dict[str, str]:
    similar, where_mnist = _quote("mnist_test_similar")
    same, where_cifar = _quote("cifar_test_same")
    better, where_conclusion = _quote("conclusion_better")
    parts, verdicts = [], []
    for dataset in ("MNIST", "CIFAR-10"):
        resnet, alexnet = (paper_measured(model, f"{dataset} test") for model in ("ResNet", "AlexNet"))
        gap, error = resnet.value - alexnet.value, difference_se(resnet, alexnet)
        parts.append(f"{dataset}: ResNet minus AlexNet {100 * gap:+.3f} ± {100 * error:.3f} points "
                     f"({gap / error:.1f} standard errors)")
        verdicts.append(is_clear(gap, error) and gap > 0)
    numbers = (f"Table 1, one run each, ± 1 binomial SE of {PAPER_TEST_IMAGES:,} test images: " + "; ".join(parts)
               + ".")
    if all(verdicts):
        verdict = ("The text contradicts itself: Section 4 calls the two 'similar' and 'about the same', Section 5 "
                   "calls the ResNet better; by the test-set noise alone the ResNet's lead is real on both datasets, "
                   "but on MNIST only just (one run, and the best epoch picked on the test set itself).")
    else:
        verdict = ("The text contradicts itself (Section 4: 'similar', 'about the same'; Section 5: 'better'), and "
                   "Table 1 cannot settle it on every dataset: a lead within the noise is no evidence of 'better'.")
    return {"claim": f"{similar}\" / \"{same}\" vs \"{better}", "where": f"{where_mnist}; {where_conclusion}",
            "numbers": numbers, "verdict": verdict}


def _simplicity() -> dict[str, str]:
    claim, where = _quote("mnist_simplicity")
    leads = {(dataset, model): 100 * (paper_value(model, f"{dataset} test") - paper_value("LeNet", f"{dataset} test"))
             for dataset in ("MNIST", "CIFAR-10") for model in ("ResNet", "AlexNet")}
    numbers = "; ".join(f"{model} minus LeNet, test: {leads['MNIST', model]:.3f} points on MNIST, "
                        f"{leads['CIFAR-10', model]:.2f} on CIFAR-10 "
                        f"({leads['CIFAR-10', model] / leads['MNIST', model]:.0f} times larger)"
                        for model in ("ResNet", "AlexNet")) + "."
    verdict = ("Not borne out as an explanation: the deeper networks' lead over LeNet is smallest on the simple "
               "dataset and largest on the harder one, so MNIST's simplicity does not explain it."
               if all(leads["CIFAR-10", m] > leads["MNIST", m] for m in ("ResNet", "AlexNet"))
               else "Consistent with the text: the lead is larger on MNIST.")
    return {"claim": claim, "where": where, "numbers": numbers, "verdict": verdict}


def _generalization() -> dict[str, str]:
    claim, where = _quote("generalization")
    gaps = {(dataset, model): 100 * (paper_value(model, f"{dataset} train") - paper_value(model, f"{dataset} test"))
            for dataset in ("MNIST", "CIFAR-10") for model in PAPER_BEST_PERCENT}
    numbers = "Train minus test accuracy, points: " + "; ".join(
        f"{dataset}: " + ", ".join(f"{model} {gaps[dataset, model]:.3f}" for model in PAPER_BEST_PERCENT)
        for dataset in ("MNIST", "CIFAR-10")) + "."
    smallest = all(min(PAPER_BEST_PERCENT, key=lambda m, d=dataset: gaps[d, m]) == "ResNet"
                   for dataset in ("MNIST", "CIFAR-10"))
    verdict = ("Borne out (checked, no contradiction): the ResNet has the smallest train-test gap on both datasets."
               if smallest else "Not borne out: another network generalises with a smaller train-test gap.")
    return {"claim": claim, "where": where, "numbers": numbers, "verdict": verdict}


def _parameters_and_speed(params: Mapping[str, int], wall_seconds: Mapping[tuple[str, str], float]) -> dict[str, str]:
    fewer, where_fewer = _quote("fewer_parameters")
    more, where_more = _quote("more_resources")
    if not {"ResNet", "LeNet", "AlexNet"} <= set(params):
        return {}
    numbers = (f"The paper reports no parameter count or training time. As built here: ResNet-18 "
               f"{params['ResNet'] / 1e6:.1f}M parameters, LeNet-5 {params['LeNet'] / 1e6:.2f}M "
               f"(the ResNet has {params['ResNet'] / params['LeNet']:.0f} times more), "
               f"AlexNet {params['AlexNet'] / 1e6:.1f}M.")
    times = [f"{dataset}: ResNet {wall_seconds[dataset, 'ResNet']:.1f} s, LeNet {wall_seconds[dataset, 'LeNet']:.1f} s"
             for dataset in ("MNIST", "CIFAR-10")
             if (dataset, "ResNet") in wall_seconds and (dataset, "LeNet") in wall_seconds]
    if times:
        numbers += (" This run's wall time per run (same epochs; the images each network saw are in the "
                    "settings): " + "; ".join(times) + ".")
    verdict = ("The paper contradicts itself (Section 2: fewer parameters and faster; Section 5: more resources) "
               "and measures neither; the ResNet has fewer parameters than AlexNet but far more than LeNet.")
    return {"claim": f"{fewer}\" vs \"{more}", "where": f"{where_fewer}; {where_more}", "numbers": numbers,
            "verdict": verdict}


def mean_wall_seconds(groups: Mapping[tuple[str, str], Sequence[RunOutcome]]) -> dict[tuple[str, str], float]:
    """This run's mean wall seconds per (dataset, network)."""
    return {key: float(np.mean([run.metrics["wall_seconds"] for run in runs])) for key, runs in groups.items()}


def contradictions_markdown(outcomes: Sequence[RunOutcome]) -> str:
    """Where the paper's explanations and its Table 1 disagree, as markdown (with this run's
    parameter counts and wall times where the paper gives none)."""
    return findings_markdown(network_parameters(outcomes), mean_wall_seconds(grouped_runs(outcomes)))


def at_chance(runs: Sequence[RunOutcome]) -> str | None:
    """Why ``runs`` learned nothing a comparison could use (not clearly above chance), or None."""
    return chance_sentence(runs, len(runs[0].metrics.get("classes") or range(10)), key=BEST_TEST)


def claim_verdicts(outcomes: Sequence[RunOutcome]) -> dict[tuple[str, str], str]:
    """The paper's claim, pair by pair: for each dataset and rival, ``"agrees"`` (the ResNet's
    highest test top-1 is clearly higher), ``"disagrees"`` (clearly lower) or ``"cannot tell"``
    (within the noise, or one of the two not clearly above chance: a win over a network that
    learned nothing is no evidence)."""
    groups = grouped_runs(outcomes)
    result = {}
    for dataset in DATASETS:
        for other in ("LeNet", "AlexNet"):
            if (dataset, "ResNet") in groups and (dataset, other) in groups:
                if at_chance(groups[dataset, "ResNet"]) or at_chance(groups[dataset, other]):
                    result[dataset, other] = "cannot tell"
                    continue
                verdict, _ = compare_sentence("ResNet", measured(groups[dataset, "ResNet"], BEST_TEST), other,
                                              measured(groups[dataset, other], BEST_TEST))
                result[dataset, other] = {"first": "agrees", "second": "disagrees", "unclear": "cannot tell"}[verdict]
    return result
