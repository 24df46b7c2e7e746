"""What study 2's runs say about the paper's claims, as the report's opening answer (markdown):
a lead sentence computed from the four equal-recipe comparisons, the verdict counts of the claims
ledger, and the scope the answer rests on (data, epochs, seeds)."""

from __future__ import annotations

from collections.abc import Sequence

from helpers.runs import RunOutcome
from helpers.studies.common import claims, summaries, verdicts
from helpers.studies.common.claims import CONFOUNDED, CONTRADICTED, SUPPORTED, VERDICTS, compare_groups
from helpers.studies.common.parameters import StudyParameters
from helpers.studies.s02_plain_nets.findings import claims_ledger, comparison_claim, verdict_of
from helpers.studies.s02_plain_nets.metric import FINAL_TEST, equal_recipe_runs, grouped_runs, own_recipe_runs
from helpers.studies.s02_plain_nets.paper import COMPARED_DATASETS, RIVALS


def answer(outcomes: Sequence[RunOutcome], parameters: StudyParameters) -> str:
    """The report's answer (about 120 words at most): where the ResNet is ahead, behind or not
    told apart from each rival trained with the same recipe, at the final epoch, with the
    differences and their uncertainty; the ledger's verdict counts; the scope."""
    ledger = claims_ledger(outcomes)
    return claims.answer_markdown(lead(outcomes, ledger), ledger, scope=scope(outcomes, parameters))


def conclusion(outcomes: Sequence[RunOutcome], parameters: StudyParameters) -> str:
    """What the runs say about the paper's claims: the report's answer (:func:`answer`)."""
    return answer(outcomes, parameters)


def lead(outcomes: Sequence[RunOutcome], ledger: Sequence[dict[str, str]]) -> str:
    """One sentence from the four comparisons of Table 1: the rivals the ResNet is ahead of, those it
    is behind, and the others under their verdict, each with the final-epoch difference."""
    groups = grouped_runs(outcomes)
    by_verdict: dict[str, list[str]] = {}
    for dataset in COMPARED_DATASETS:
        resnet = own_recipe_runs(groups, dataset, "ResNet")
        for other in RIVALS:
            verdict = verdict_of(ledger, comparison_claim(dataset, other))
            rival = equal_recipe_runs(groups, dataset, other)
            if resnet and rival:
                gap = compare_groups(resnet, rival, FINAL_TEST)
                numbers = f"{100 * gap.difference:+.2f} ± {100 * gap.standard_error:.2f} points"
            else:
                numbers = "not run"
            by_verdict.setdefault(verdict, []).append(f"{other} on {dataset} ({numbers})")
    wording = {SUPPORTED: "the ResNet is ahead of {}", CONTRADICTED: "the ResNet is behind {}",
               CONFOUNDED: "no verdict for {}: only the rival's own recipe ran, not the ResNet's"}
    parts = [wording.get(verdict, verdict + " for {}").format(_listed(items)) for verdict, items in
             sorted(by_verdict.items(), key=lambda item: VERDICTS.index(item[0]))]
    return "Each rival against the ResNet on the ResNet's recipe, at the final epoch: " + "; ".join(parts) + "."


def scope(outcomes: Sequence[RunOutcome], parameters: StudyParameters) -> str:
    """What the answer rests on: the profile and its data, the ResNet's epochs, the seeds."""
    groups = grouped_runs(outcomes)
    epochs = ", ".join(f"{dataset} {int(runs[0].metrics['epochs'])}" for (dataset, model, _), runs in groups.items()
                       if model == "ResNet")
    text = (f"{parameters.profile} profile; epochs per pair (ResNet's recipe): {epochs or 'none run'}; "
            f"{verdicts.seeds_per_run(outcomes)}.")
    if parameters.profile == "smoke":
        return text + " Trained on the embedded samples at 16x16 px: these numbers prove the pipeline, not the claims."
    if summaries.is_reduced_data(summaries.data_notes(outcomes)):
        return text + " Less data than the paper's (see the data banner)."
    return text


def _listed(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
