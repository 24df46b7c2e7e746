"""Study 3's claims against this run's data and the paper against its own numbers (pure
functions: tables and computed markdown).

- The paper's central claim, every ResNet above AlexNet and VGG19, per dataset:
  :func:`resnets_above_plain`; this run's ordering of the five models against Table 1's, pair by
  pair: :func:`pair_counts`.
- The claim that the ResNets' advantage widens with the difficulty of the dataset is stated, never
  computed: :func:`advantage_table` computes it per dataset (best ResNet minus the better of
  AlexNet and VGG19) for the paper and for this run, with this run's standard error; a synthetic
  stand-in is labelled and never compared.
- Where the text disagrees with Table 1: :func:`findings` (the paper's own test sets have 10,000
  images, so its gaps carry that binomial standard error).
- Its five figures are illustrations from other papers: :func:`figures_not_reproduced`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from helpers.runs import RunOutcome
from helpers.studies.common import verdicts
from helpers.studies.common.summaries import data_kind
from helpers.studies.common.verdicts import NOT_RUN
from helpers.studies.s03_cross_dataset.paper import (DATASETS, FIGURES, IMAGE_SIDE, MODELS, PAPER_ABSTRACT_RESNET18,
                                                     PAPER_LAYERS, PAPER_PARAMS, PAPER_TEST_IMAGES, PAPER_TEST_TOP1,
                                                     PAPER_TEXT_RESNET18, PLAIN_NETWORKS, QUOTES, RESNETS)
from helpers.statistics.uncertainty import Measured, difference_se, is_clear, measure

SYNTHETIC = "synthetic stand-in"
SHARE = "paper: gap / the plain network's errors (%)"
SIGN = "this run's sign"


def paper_measured(dataset: str, model: str) -> Measured:
    """Table 1's cell with the binomial standard error of a 10,000-image test set (one run)."""
    return measure([PAPER_TEST_TOP1[dataset][model]], PAPER_TEST_IMAGES)


def _best(groups: dict[str, list[RunOutcome]], names: Sequence[str]) -> str | None:
    present = [name for name in names if groups.get(name)]
    return max(present, key=lambda name: verdicts.measured(groups[name]).value) if present else None


def pair_counts(paper: Mapping[str, float], groups: Mapping[str, Sequence[RunOutcome]]) -> dict[str, int]:
    """Of every pair of models run here: how many this run orders clearly as ``paper`` does
    (``"as the paper"``), clearly the other way (``"reversed"``), or cannot order (``"within the noise"``)."""
    values = {name: verdicts.measured(runs) for name, runs in groups.items() if runs and name in paper}
    names = list(values)
    counts = {"as the paper": 0, "reversed": 0, "within the noise": 0}
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            gap, error = values[a].value - values[b].value, difference_se(values[a], values[b])
            if not is_clear(gap, error):
                counts["within the noise"] += 1
            else:
                counts["as the paper" if (gap > 0) == (paper[a] > paper[b]) else "reversed"] += 1
    return counts


def resnets_above_plain(groups: Mapping[str, Sequence[RunOutcome]], resnets: Sequence[str],
                        plain: Sequence[str]) -> str:
    """The paper's central claim on one dataset, computed: every ResNet clearly above every plain
    network (``"yes"``), one clearly below (``"no"``), or some pairs within the noise (``"cannot tell"``)."""
    if not all(groups.get(name) for name in (*resnets, *plain)):
        return "not checked (a model is missing)"
    idle = [name for name in (*resnets, *plain)
            if verdicts.chance_sentence(groups[name], len(groups[name][0].metrics.get("classes") or range(10)))]
    if idle:
        return f"cannot tell ({', '.join(idle)} not clearly above chance: no evidence either way)"
    below, unclear = [], []
    for resnet in resnets:
        for other in plain:
            a, b = verdicts.measured(groups[resnet]), verdicts.measured(groups[other])
            gap, error = a.value - b.value, difference_se(a, b)
            if not is_clear(gap, error):
                unclear.append(f"{resnet}/{other}")
            elif gap < 0:
                below.append(f"{resnet} below {other}")
    if below:
        return f"no ({', '.join(below)}, by more than the noise)"
    if unclear:
        return f"cannot tell ({len(unclear)} of {len(resnets) * len(plain)} pairs within the noise)"
    return "yes (every pair by more than the noise)"


def advantage_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Per dataset: the best ResNet minus the better plain network (AlexNet or VGG19), test top-1,
    in the paper and in this run (with its standard error and whether its sign is clear)."""
    rows = []
    for dataset in DATASETS:
        paper = PAPER_TEST_TOP1[dataset]
        resnet, plain = max(RESNETS, key=paper.get), max(PLAIN_NETWORKS, key=paper.get)
        gap = paper[resnet] - paper[plain]
        row = {"dataset": dataset, "paper best ResNet": resnet, "paper best ResNet top-1": paper[resnet],
               "paper best plain": plain, "paper best plain top-1": paper[plain], "paper gap (points)": 100 * gap,
               SHARE: 100 * gap / (1 - paper[plain])}
        runs = [o for o in outcomes if o.spec.labels["dataset"] == dataset]
        groups = {model: [o for o in runs if o.spec.labels["model"] == model] for model in MODELS}
        best_resnet, best_plain = _best(groups, RESNETS), _best(groups, PLAIN_NETWORKS)
        row["this run's data"] = data_kind(runs) if runs else NOT_RUN
        if best_resnet and best_plain:
            record = verdicts.gap_headline("", None, groups[best_resnet], groups[best_plain])
            idle = [name for name in (best_resnet, best_plain) if verdicts.chance_sentence(
                groups[name], len(groups[name][0].metrics.get("classes") or range(10)))]
            row.update({"this run best ResNet": best_resnet, "this run best plain": best_plain,
                        "not clearly above chance": ", ".join(idle),
                        "this run gap (points)": 100 * record["this_run"],
                        "this run gap ± 1 SE (points)": 100 * record["uncertainty"]["standard_error"],
                        SIGN: record["verdict"]})
        rows.append(row)
    return pd.DataFrame(rows)


def advantage_markdown(outcomes: Sequence[RunOutcome]) -> str:
    """Does the advantage widen from Fashion-MNIST to CIFAR-10 to CIFAR-100? The paper's numbers,
    in points and as a share of the plain network's errors, then this run's (real data only)."""
    table = advantage_table(outcomes).set_index("dataset")
    points = [f"{dataset} {table.at[dataset, 'paper gap (points)']:+.1f}" for dataset in DATASETS]
    shares = [f"{dataset} {table.at[dataset, SHARE]:.0f} %" for dataset in DATASETS]
    widens = table["paper gap (points)"].is_monotonic_increasing
    widens_share = table[SHARE].is_monotonic_increasing
    lines = [f"- **The paper** (best ResNet minus the better of AlexNet and VGG19, test top-1): {', '.join(points)} "
             f"points: {'it widens' if widens else 'it does not widen'} in points. As a share of the plain "
             f"network's errors ({', '.join(shares)}) it "
             + ("widens too." if widens_share else "does not widen: the claim holds in absolute points only.")]
    run_gaps = table.get("this run gap (points)", pd.Series(dtype=float))
    real = [d for d in DATASETS if not pd.isna(run_gaps.get(d)) and table.at[d, "this run's data"] != SYNTHETIC]
    synthetic = [d for d in DATASETS if table.at[d, "this run's data"] == SYNTHETIC]
    for dataset in real:
        row = table.loc[dataset]
        idle = row["not clearly above chance"]
        lines.append(f"- **This run, {dataset}**: {row['this run best ResNet']} minus {row['this run best plain']}: "
                     f"{row['this run gap (points)']:+.1f} ± {row['this run gap ± 1 SE (points)']:.1f} points "
                     f"({row[SIGN]})" + (f"; {idle} not clearly above chance, so the gap says little" if idle else "")
                     + ".")
    for first, second in zip(real, real[1:]):
        change = table.at[second, "this run gap (points)"] - table.at[first, "this run gap (points)"]
        error = (table.at[second, "this run gap ± 1 SE (points)"] ** 2
                 + table.at[first, "this run gap ± 1 SE (points)"] ** 2) ** 0.5
        idle = table.at[first, "not clearly above chance"] or table.at[second, "not clearly above chance"]
        verdict = ("cannot be judged: a model it rests on learned nothing above chance" if idle else
                   ("widens" if change > 0 else "narrows") + " by more than the noise" if is_clear(change, error)
                   else "changes by less than the noise: this run cannot tell whether it widens")
        lines.append(f"- **This run, {first} to {second}**: the gap {verdict} ({change:+.1f} ± {error:.1f} points).")
    if synthetic:
        lines.append(f"- {', '.join(synthetic)}: a synthetic stand-in in this run, not compared with the paper.")
    return "\n".join(lines)


def findings() -> pd.DataFrame:
    """Where the paper's text disagrees with its own Table 1, one row each: the quote, where, the
    numbers, and what they show."""
    return verdicts.findings_frame(_findings())


def findings_markdown() -> str:
    """:func:`findings` as markdown bullets."""
    return verdicts.findings_bullets(_findings())


def _findings() -> list[dict[str, str]]:
    return [_abstract_numbers(), _standout(), _fashion_identical(), _simpler(), _resolution()]


def figures_not_reproduced() -> pd.DataFrame:
    """The paper's figures: all illustrations from other papers, so none is redrawn here."""
    return pd.DataFrame([{"figure": f"Figure {number}", "shows": shows, "in this report": "not reproduced",
                          "why": "an illustration taken from another paper, not a result of this paper's experiments"}
                         for number, shows in FIGURES.items()])


def _abstract_numbers() -> dict[str, str]:
    table = {d: PAPER_TEST_TOP1[d]["ResNet-18"] for d in DATASETS}
    matches = {d: [m for m in MODELS if PAPER_TEST_TOP1[d][m] == PAPER_ABSTRACT_RESNET18[d]] for d in DATASETS}
    numbers = "; ".join(f"{d}: abstract {100 * PAPER_ABSTRACT_RESNET18[d]:.1f}, Table 1 {100 * table[d]:.1f}"
                        + (f", Section 4.2 {100 * PAPER_TEXT_RESNET18[d]:.1f}" if d in PAPER_TEXT_RESNET18 else "")
                        + (f" (the abstract's number is Table 1's {', '.join(matches[d])})" if matches[d] else "")
                        for d in DATASETS) + " %."
    return {"claim": "achieving accuracy rates of 93.7%, 89.6%, and 65.2%", "where": "Abstract, on ResNet-18",
            "numbers": numbers, "verdict": "The abstract's ResNet-18 numbers are not Table 1's; they are ResNet-34's."}


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


def _fashion_identical() -> dict[str, str]:
    where, claim = QUOTES["fashion_identical"]
    marginal = QUOTES["fashion_marginal"][1]
    resnet, plain = paper_measured("Fashion-MNIST", "ResNet-18"), paper_measured("Fashion-MNIST", "VGG19")
    gap, error = resnet.value - plain.value, difference_se(resnet, plain)
    return {"claim": f"{claim}\" ... \"{marginal}", "where": f"{where}, on Fashion-MNIST",
            "numbers": f"ResNet-18 {100 * resnet.value:.1f} vs VGG19 {100 * plain.value:.1f} %: "
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
