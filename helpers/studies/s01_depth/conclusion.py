"""Study 1's answer and conclusion, computed from the claims ledger and the runs (markdown): the
short answer that opens the report (:func:`answer`), and the longer conclusion (:func:`conclusion`):
per stem what the runs say about the paper's ordering, what the stem changes, the paper's
overfitting explanation, and what limits the comparison. No sentence draws a verdict from an
unstable run or from two runs trained differently."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from helpers.runs import RunOutcome
from helpers.statistics.paired import decide
from helpers.studies.common import start_weights, summaries, verdicts
from helpers.statistics.uncertainty import format_measured
from helpers.studies.common.claims import (CONFOUNDED, NOT_DECIDED, STILL_LEARNING, UNSTABLE, GroupComparison, answer_markdown,
                                           compare_groups, recipe_differences, still_learning, unstable_runs)
from helpers.studies.common.parameters import StudyParameters
from helpers.studies.s01_depth.findings import DEPTH_CLAIMS, claim_by_key, claims_ledger, ordering_row
from helpers.studies.s01_depth.groups import groups_of, run_name
from helpers.studies.s01_depth.paper import CLAIMS, MODELS, PAPER_EPOCHS_TOTAL, PAPER_STEM, STEMS

Groups = Mapping[tuple[str, str], Sequence[RunOutcome]]
PAPERS = " (the paper's)"  # marks the stem the paper describes


def answer(outcomes: Sequence[RunOutcome], parameters: StudyParameters) -> str:
    """The report's opening answer (markdown, about 120 words at most): the ordering per stem with
    its verdict, what the stem changes, the overfitting explanation, the verdict counts of the
    ledger and what the answer rests on."""
    groups = groups_of(outcomes)
    rows = claims_ledger(outcomes)
    verdict_of = {claim.key: row["verdict"] for claim, row in zip(CLAIMS, rows)}
    parts = [f"{STEMS[stem]}{PAPERS if stem == PAPER_STEM else ''} "
             f"{_difference(compare_groups(groups['ResNet-18', stem], groups['ResNet-50', stem]))}: {verdict_of[key]}"
             for stem, key in DEPTH_CLAIMS.items() if all((model, stem) in groups for model in MODELS)]
    lead = ("ResNet-18 minus ResNet-50 test top-1, " + "; ".join(parts) + "." if parts
            else "This run has no pair of networks to compare.")
    stem = stem_effect(groups)
    if stem:
        lead += f" {stem[0]}: {stem[1]}."
    lead += f" The overfitting explanation: {verdict_of['overfitting']} by the paper's own Tables 1-2."
    return answer_markdown(lead, rows, scope=_scope(outcomes, groups, parameters))


def stem_effect(groups: Groups) -> tuple[str, str] | None:
    """ResNet-50 with the CIFAR stem minus with the ImageNet stem: ``(what, verdict)``, the verdict
    'not decided: run unstable' or '... recipes differ (how)' where it must be; None without both."""
    if not all(("ResNet-50", stem) in groups for stem in STEMS):
        return None
    cifar, imagenet = groups["ResNet-50", "cifar"], groups["ResNet-50", "imagenet"]
    comparison = compare_groups(cifar, imagenet)
    what = f"ResNet-50 with the CIFAR stem minus with the ImageNet stem {_difference(comparison)}"
    unstable = unstable_runs([*cifar, *imagenet])
    differences = recipe_differences(cifar, imagenet)
    if unstable:
        return what, f"{UNSTABLE} ({', '.join(unstable)})"
    if differences:
        return what, f"{CONFOUNDED} ({', '.join(differences)})"
    if not decide(comparison.difference, comparison.standard_error).decided:
        return what, NOT_DECIDED
    learning = still_learning("the CIFAR stem", cifar, "the ImageNet stem", imagenet, comparison.difference,
                              paper_epochs=PAPER_EPOCHS_TOTAL)
    if learning:
        return what, f"{STILL_LEARNING} ({learning})"
    return what, f"the {'CIFAR' if comparison.difference > 0 else 'ImageNet'} stem clearly higher"


def conclusion(outcomes: Sequence[RunOutcome], parameters: StudyParameters) -> str:
    """What this run says about the paper's claim (ResNet-18 beats ResNet-50), as markdown: per
    stem the ledger's verdict with the paired difference, what the stem changes, runs not above
    chance, the overfitting explanation, and the caveats."""
    groups = groups_of(outcomes)
    lines = []
    for stem, key in DEPTH_CLAIMS.items():
        if all((model, stem) in groups for model in MODELS):
            row = ordering_row(claim_by_key(key), groups, stem)
            numbers = ", ".join(f"{model} {format_measured(verdicts.measured(groups[model, stem]))} %"
                                for model in MODELS)
            lines.append(f"- **{STEMS[stem]}**: {numbers}; {row['this run']}: **{row['verdict']}**.")
    stem = stem_effect(groups)
    if stem:
        lines.append(f"- **The stem**: {stem[0]}: **{stem[1]}**.")
    for key, runs in groups.items():
        warning = verdicts.chance_sentence(runs, len(runs[0].metrics["classes"]))
        if warning:
            lines.append(f"- {run_name(*key)}: {warning}.")
    overfitting = claims_ledger(outcomes)[[claim.key for claim in CLAIMS].index("overfitting")]["verdict"]
    lines.append(f"- **The paper's explanation** (overfitting): **{overfitting}** by its own Tables 1-2.")
    return summaries.conclusion_markdown(lines, _caveats(outcomes, groups), outcomes=outcomes,
                                         profile=parameters.profile)


def _caveats(outcomes: Sequence[RunOutcome], groups: Groups) -> list[str]:
    caveats = ([verdicts.seed_caveat(outcomes, f"the {outcomes[0].metrics['num_test']:,} test images")]
               if outcomes else [])
    epochs = {STEMS[stem]: runs[0].metrics["epochs"] for (model, stem), runs in groups.items()}
    if any(value != PAPER_EPOCHS_TOTAL for value in epochs.values()):
        caveats.append("epochs " + ", ".join(f"{value} ({name})" for name, value in epochs.items())
                       + f", not the paper's {PAPER_EPOCHS_TOTAL}")
    fine_tuned = start_weights.caveat(outcomes)
    if fine_tuned:
        caveats.append(fine_tuned)
    return caveats


def _scope(outcomes: Sequence[RunOutcome], groups: Groups, parameters: StudyParameters) -> str:
    """What the answer rests on: data, epochs, seeds and profile (and fine-tuning when used)."""
    if not outcomes:
        return f"no runs (profile {parameters.profile})."
    metrics = outcomes[0].metrics
    data = "the embedded samples" if parameters.samples else "CIFAR-10"
    epochs = sorted({runs[0].metrics["epochs"] for runs in groups.values()})
    scope = (f"{data}, {int(metrics['num_train']):,} training / {int(metrics['num_test']):,} test images; "
             f"{' or '.join(map(str, epochs))} epochs (the paper: {PAPER_EPOCHS_TOTAL}); {verdicts.seeds_per_run(outcomes)}; "
             f"the final epoch's test accuracy; profile {parameters.profile}.")
    fine_tuned = start_weights.caveat(outcomes)
    return f"{scope} {fine_tuned[0].upper()}{fine_tuned[1:]}." if fine_tuned else scope


def _difference(comparison: GroupComparison) -> str:
    """'+6.90 ± 0.55 points' (± 1 SE)."""
    return f"{100 * comparison.difference:+.2f} ± {100 * comparison.standard_error:.2f} points"
