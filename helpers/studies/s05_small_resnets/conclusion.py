"""Study 5's answer, the report's opening (it replaces the old trailing conclusion): a lead
sentence computed from the runs (each model's final-epoch test top-1 against Table 1, the models
on one recipe, the parameter counts), the verdict counts of the claims ledger and the scope the
answer rests on (:func:`helpers.studies.common.claims.answer_markdown`)."""

from __future__ import annotations

from collections.abc import Sequence

from helpers.runs import RunOutcome
from helpers.studies.common import verdicts
from helpers.studies.common.claims import answer_markdown
from helpers.studies.common.parameters import StudyParameters
from helpers.studies.common.summaries import data_kind
from helpers.studies.s05_small_resnets.findings import budget_shortfalls, claims_ledger
from helpers.studies.s05_small_resnets.paper import CLAIMS, PAPER_EPOCHS, PAPER_TEST_TOP1
from helpers.studies.s05_small_resnets.phases import groups_of


def answer(outcomes: Sequence[RunOutcome], parameters: StudyParameters,
           ledger: Sequence[dict[str, str]] | None = None) -> str:
    """The report's answer as markdown (about 100 words): the lead from the numbers, the verdict
    counts of ``ledger`` (computed from ``outcomes`` when not given) and the scope."""
    ledger = claims_ledger(outcomes) if ledger is None else ledger
    verdict_of = {claim.key: row["verdict"] for claim, row in zip(CLAIMS, ledger)}  # the ledger is in CLAIMS order
    groups = groups_of(outcomes)
    if not groups:
        return answer_markdown("No final run was trained, so no accuracy claim is tested.", ledger,
                               scope=f"profile {parameters.profile}.")
    measured = {model: verdicts.measured(runs) for model, runs in groups.items()}
    accuracies = ", ".join(f"{model} {100 * value.value:.2f} ± {100 * value.standard_error:.2f} %"
                           for model, value in measured.items())
    papers = " and ".join(f"{100 * PAPER_TEST_TOP1[model]:.2f} %" for model in groups)
    lead = (f"Final-epoch test top-1: {accuracies} (Table 1: {papers}). "
            f"Both models build to the paper's parameter counts, under 5 M ({verdict_of.get('params_under_5m')}). ")
    short = any(budget_shortfalls(model, runs) for model, runs in groups.items())
    lead += ("Trained on less than the paper's budget, this run leaves the accuracy claims open; "
             if short else "At the paper's budget, the accuracy claims are ")
    if not short:
        lead += f"{verdict_of.get('resnet18_accuracy')} (ResNet18) and {verdict_of.get('resnetlarge_accuracy')}; "
    lead += f"ResNetLarge ahead of ResNet18 on one recipe: {verdict_of.get('ordering')}."
    first = next(iter(groups.values()))[0].metrics
    epochs = " / ".join(f"{runs[0].metrics['epochs']}" for runs in groups.values())
    paper_epochs = " / ".join(str(PAPER_EPOCHS[model]) for model in groups)
    seeds = max(len(runs) for runs in groups.values())
    scope = (f"profile {parameters.profile}; {data_kind(sum(groups.values(), []))} data, {int(first['num_train']):,} "
             f"training / {int(first['num_test']):,} test images; {epochs} epochs (paper {paper_epochs}); "
             f"{seeds} seed(s).")
    return answer_markdown(lead, ledger, scope=scope)
