"""Study 3's claims ledger (:func:`claims_ledger`, one row per claim of :data:`CLAIMS`) and the
paper against its own numbers (pure functions: rows, tables and computed text).

- The ranking claims per dataset (every ResNet above VGG19, above AlexNet; ResNet-18 the standout;
  deeper ResNets no worse), each a :func:`helpers.studies.common.claims.comparison_row` between the
  two groups the claim rests on, paired on the same test images; a claim about every ResNet rests
  on the weakest one (an unstable one first: :func:`helpers.studies.s03_cross_dataset.groups.pick`).
  A dataset that is not available, or only a synthetic stand-in, makes its rows "not testable".
- The widening advantage: :mod:`helpers.studies.s03_cross_dataset.advantage`.
- Where the text disagrees with its own Table 1 (:func:`findings`; the paper's test sets have
  10,000 images, so its gaps carry that binomial standard error): ledger rows by
  :func:`helpers.studies.common.claims.paper_only_row`.
- This run's ordering of the five models against Table 1's, pair by pair: :func:`pair_counts`.
- Its five figures are illustrations from other papers: :func:`figures_not_reproduced`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from helpers.runs import RunOutcome
from helpers.statistics.paired import decide
from helpers.statistics.uncertainty import Measured, difference_se, is_clear, measure
from helpers.studies.common import verdicts
from helpers.studies.common.claims import (CONTRADICTED, NOT_DECIDED, SUPPORTED, Claim, compare_groups, comparison_row,
                                           paper_only_row, recipe_differences, unstable_runs, untestable_row)
from helpers.studies.s03_cross_dataset.advantage import widening_row
from helpers.studies.s03_cross_dataset.groups import NOT_RUN_HERE, absent_reason, model_groups, pick, what_would_test
from helpers.studies.s03_cross_dataset.paper import (CLAIMS, DATASETS, FIGURES, IMAGE_SIDE, MODELS,
                                                     PAPER_ABSTRACT_RESNET18, PAPER_EPOCHS, PAPER_LAYERS, PAPER_PARAMS,
                                                     PAPER_TEST_IMAGES, PAPER_TEST_TOP1, PAPER_TEXT_RESNET18,
                                                     PLAIN_NETWORKS, QUOTES, RESNETS, WIDENING)

PAIR_OUTCOMES = ("as the paper", "reversed", "within the noise", "not compared")


def paper_measured(dataset: str, model: str) -> Measured:
    """Table 1's cell with the binomial standard error of a 10,000-image test set (one run)."""
    return measure([PAPER_TEST_TOP1[dataset][model]], PAPER_TEST_IMAGES)


def pair_counts(paper: Mapping[str, float], groups: Mapping[str, Sequence[RunOutcome]]) -> dict[str, int]:
    """Of every pair of models run here: how many this run orders clearly as ``paper`` does
    (paired on the same test images), clearly the other way, within the noise, or does not compare
    (a run unstable, or the two trained with different recipes)."""
    names = [name for name, runs in groups.items() if runs and name in paper]
    counts = dict.fromkeys(PAIR_OUTCOMES, 0)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if unstable_runs([*groups[a], *groups[b]]) or recipe_differences(groups[a], groups[b]):
                counts["not compared"] += 1
                continue
            comparison = compare_groups(groups[a], groups[b])
            if not decide(comparison.difference, comparison.standard_error).decided:
                counts["within the noise"] += 1
            else:
                counts["as the paper" if (comparison.difference > 0) == (paper[a] > paper[b]) else "reversed"] += 1
    return counts


# --- the claims ledger ----------------------------------------------------------------------------------------

def claims_ledger(outcomes: Sequence[RunOutcome], *,
                  unavailable: Mapping[str, str] | None = None) -> list[dict[str, str]]:
    """One ledger row per claim of :data:`CLAIMS`, in its order; ``unavailable``: the datasets
    this profile cannot train on, with why
    (:func:`helpers.studies.s03_cross_dataset.data.unavailable_datasets`)."""
    unavailable = unavailable or {}
    rows = []
    for claim in CLAIMS:
        if claim.key == WIDENING.key:
            rows.append(widening_row(outcomes, unavailable))
        elif claim.key in CONTRADICTION_ROWS:
            rows.append(CONTRADICTION_ROWS[claim.key](claim))
        else:
            rows.append(_dataset_row(claim, outcomes, unavailable))
    return rows


def _dataset_row(claim: Claim, outcomes: Sequence[RunOutcome], unavailable: Mapping[str, str]) -> dict[str, str]:
    """A ranking claim on one dataset (its key ends with the dataset's load name)."""
    dataset = next(label for label, name in DATASETS.items() if claim.key.endswith(f"_{name}"))
    why = absent_reason(dataset, outcomes, unavailable)
    if why:
        return {**untestable_row(claim, why), "what would decide it": what_would_test(dataset)}
    groups = model_groups(outcomes, dataset)
    kind = claim.key.removesuffix(f"_{DATASETS[dataset]}")
    if kind.startswith("resnets_above_"):
        plain = "VGG19" if kind.endswith("vgg19") else "AlexNet"
        first_names, second_names, note = RESNETS, (plain,), "the weakest ResNet here"
    elif kind == "resnet18_standout":
        first_names, second_names, note = ("ResNet-18",), tuple(m for m in MODELS if m != "ResNet-18"), \
            "the best of the other four here"
    else:  # depth_no_worse
        first_names, second_names, note = ("ResNet-34", "ResNet-50"), ("ResNet-18",), "the weaker deep ResNet here"
    missing = [name for name in (*first_names, *second_names) if not groups[name]]
    if missing:
        return untestable_row(claim, f"{', '.join(missing)} {NOT_RUN_HERE}", verdict=NOT_DECIDED)
    first = pick(groups, first_names, lowest=True)
    second = pick(groups, second_names, lowest=False)
    paper = PAPER_TEST_TOP1[dataset]
    row = comparison_row(claim, first, groups[first], second, groups[second], expected="positive",
                         paper_effect=paper[first] - paper[second],
                         paper_epochs=PAPER_EPOCHS)
    picked = first if len(first_names) > 1 else second
    return {**row, "this run": f"{row['this run']}; {picked} is {note}"}


# --- the paper against its own numbers -------------------------------------------------------------------------

def findings() -> pd.DataFrame:
    """Where the paper's text disagrees with its own Table 1, one row each: the quote, where, the
    numbers, and what they show."""
    return verdicts.findings_frame([_abstract_numbers(), _standout(), _fashion_identical(), _simpler(), _resolution()])


def _contradiction(finding: Callable[[], dict[str, str]], verdict: Callable[[], str],
                   decide_text: str = "") -> Callable[[Claim], dict[str, str]]:
    def row(claim: Claim) -> dict[str, str]:
        found = finding()
        return paper_only_row(claim, f"{found['numbers']} {found['verdict']}", verdict(), decide_text)
    return row


def _abstract_numbers() -> dict[str, str]:
    table = {d: PAPER_TEST_TOP1[d]["ResNet-18"] for d in DATASETS}
    matches = {d: [m for m in MODELS if PAPER_TEST_TOP1[d][m] == PAPER_ABSTRACT_RESNET18[d]] for d in DATASETS}
    numbers = "; ".join(f"{d}: abstract {100 * PAPER_ABSTRACT_RESNET18[d]:.1f}, Table 1 {100 * table[d]:.1f}"
                        + (f", Section 4.2 {100 * PAPER_TEXT_RESNET18[d]:.1f}" if d in PAPER_TEXT_RESNET18 else "")
                        + (f" (the abstract's number is Table 1's {', '.join(matches[d])})" if matches[d] else "")
                        for d in DATASETS) + " %."
    return {"claim": "achieving accuracy rates of 93.7%, 89.6%, and 65.2%", "where": "Abstract, on ResNet-18",
            "numbers": numbers, "verdict": "The abstract's ResNet-18 numbers are not Table 1's; they are ResNet-34's."}


def _resnet_spread(dataset: str) -> tuple[str, float, float]:
    """Table 1's best ResNet on ``dataset``, and its lead over ResNet-18 with its standard error."""
    best = max(RESNETS, key=PAPER_TEST_TOP1[dataset].get)
    a, b = paper_measured(dataset, best), paper_measured(dataset, "ResNet-18")
    return best, a.value - b.value, difference_se(a, b)


def _standout() -> dict[str, str]:
    where, claim = QUOTES["abstract_resnet18"]
    parts = []
    for dataset in DATASETS:
        best = max(RESNETS, key=PAPER_TEST_TOP1[dataset].get)
        worst = min(RESNETS, key=PAPER_TEST_TOP1[dataset].get)
        a, b = paper_measured(dataset, best), paper_measured(dataset, worst)
        parts.append(f"{dataset}: best {best} {100 * a.value:.1f}, spread of the three ResNets "
                     f"{100 * (a.value - b.value):.1f} ± {100 * difference_se(a, b):.1f} points")
    return {"claim": claim, "where": where, "numbers": "; ".join(parts) + f" (± 1 SE of {PAPER_TEST_IMAGES:,} test "
            "images).", "verdict": "ResNet-18 is best only on CIFAR-100, and on every dataset the three ResNets lie "
            "within the noise of one another: Table 1 cannot single one out."}


def _standout_verdict() -> str:
    """Contradicted when Table 1 puts another ResNet clearly above ResNet-18 on some dataset."""
    leads = [_resnet_spread(d) for d in DATASETS]
    return CONTRADICTED if any(lead > 0 and is_clear(lead, error) for _, lead, error in leads) else NOT_DECIDED


def _fashion_gap() -> tuple[float, float]:
    resnet, plain = paper_measured("Fashion-MNIST", "ResNet-18"), paper_measured("Fashion-MNIST", "VGG19")
    return resnet.value - plain.value, difference_se(resnet, plain)


def _fashion_identical() -> dict[str, str]:
    where, claim = QUOTES["fashion_identical"]
    marginal = QUOTES["fashion_marginal"][1]
    gap, error = _fashion_gap()
    return {"claim": f"{claim}\" ... \"{marginal}", "where": f"{where}, on Fashion-MNIST",
            "numbers": f"ResNet-18 {100 * PAPER_TEST_TOP1['Fashion-MNIST']['ResNet-18']:.1f} vs VGG19 "
                       f"{100 * PAPER_TEST_TOP1['Fashion-MNIST']['VGG19']:.1f} %: "
                       f"{100 * gap:+.1f} ± {100 * error:.1f} points ({gap / error:.0f} standard errors).",
            "verdict": "Not identical: a gap of that many standard errors is no marginal increase."
            if is_clear(gap, error) else "Within the noise: the text is borne out."}


def _simpler() -> dict[str, str]:
    where, claim = QUOTES["simpler_models"]
    return {"claim": claim, "where": where,
            "numbers": ", ".join(f"{m} {PAPER_LAYERS[m]} layers, {PAPER_PARAMS[m] / 1e6:.0f}M parameters"
                                 for m in (*PLAIN_NETWORKS, "ResNet-18")) + " (Table 1).",
            "verdict": f"By the paper's own counts AlexNet has "
                       f"{PAPER_PARAMS['AlexNet'] / PAPER_PARAMS['ResNet-18']:.0f} times ResNet-18's parameters "
                       "and VGG19 more layers than ResNet-18: neither is simpler by size."}


def _resolution() -> dict[str, str]:
    where, claim = QUOTES["cifar100_resolution"]
    return {"claim": claim, "where": where,
            "numbers": ", ".join(f"{d} {side}x{side}" for d, side in IMAGE_SIDE.items()) + " px (Section 4.1).",
            "verdict": "CIFAR-100's images are as small as CIFAR-10's: resolution cannot explain the drop."}


CONTRADICTION_ROWS: dict[str, Callable[[Claim], dict[str, str]]] = {
    "abstract_numbers": _contradiction(_abstract_numbers, lambda: CONTRADICTED if any(
        PAPER_ABSTRACT_RESNET18[d] != PAPER_TEST_TOP1[d]["ResNet-18"] for d in DATASETS) else SUPPORTED),
    "standout_in_table1": _contradiction(_standout, _standout_verdict,
                                         "the paper's runs repeated over seeds: one run per cell of 10,000 test "
                                         "images cannot order the three ResNets"),
    "fashion_identical": _contradiction(_fashion_identical, lambda: CONTRADICTED if is_clear(*_fashion_gap())
                                        else SUPPORTED),
    "simpler_models": _contradiction(_simpler, lambda: CONTRADICTED if (
        PAPER_PARAMS["AlexNet"] > PAPER_PARAMS["ResNet-18"] or PAPER_LAYERS["VGG19"] > PAPER_LAYERS["ResNet-18"])
        else SUPPORTED),
    "cifar100_resolution": _contradiction(_resolution, lambda: CONTRADICTED if (
        IMAGE_SIDE["CIFAR-100"] <= IMAGE_SIDE["CIFAR-10"]) else SUPPORTED),
}


def figures_not_reproduced() -> pd.DataFrame:
    """The paper's figures: all illustrations from other papers, so none is redrawn here."""
    return pd.DataFrame([{"figure": f"Figure {number}", "shows": shows, "in this report": "not reproduced",
                          "why": "an illustration taken from another paper, not a result of this paper's experiments"}
                         for number, shows in FIGURES.items()])
