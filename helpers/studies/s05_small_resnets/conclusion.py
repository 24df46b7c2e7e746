"""Study 5's answer and conclusion, computed from the claims ledger and the runs (markdown): the
short answer that opens the report (:func:`answer`: each model's final-epoch test top-1 against
Table 1, the models on one recipe, the parameter counts, the verdict counts of the ledger and the
scope it rests on, :func:`helpers.studies.common.claims.answer_markdown`), and the longer
conclusion (:func:`conclusion`): each claim's verdict with this run's numbers, the runs not above
chance, and the caveats of this run's scale. No sentence draws a verdict from an unstable run or
from two runs trained differently (the ledger's rows say so where it applies)."""

from __future__ import annotations

from collections.abc import Sequence

from helpers.runs import RunOutcome
from helpers.studies.common import summaries, verdicts
from helpers.studies.common.claims import answer_markdown
from helpers.studies.common.parameters import StudyParameters
from helpers.studies.common.summaries import data_kind
from helpers.studies.s05_small_resnets.findings import budget_shortfalls, claims_ledger
from helpers.studies.s05_small_resnets.paper import CLAIMS, PAPER_EPOCHS, PAPER_TEST_TOP1
from helpers.studies.s05_small_resnets.phases import ablations_of, groups_of


def answer(outcomes: Sequence[RunOutcome], parameters: StudyParameters, *,
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
    scope = (f"profile {parameters.profile}; {data_kind(sum(groups.values(), []))} data, {int(first['num_train']):,} "
             f"training / {int(first['num_test']):,} test images; {epochs} epochs (paper {paper_epochs}); "
             f"{verdicts.seeds_per_run(sum(groups.values(), []), 'model')}.")
    return answer_markdown(lead, ledger, scope=scope)


# Each claim's name in the conclusion (the ledger gives the claim in full).
CLAIM_NAMES = {"params_under_5m": "Under 5 M parameters (Figures 2-3)",
               "resnet18_accuracy": "ResNet18's 93.02 % (Table 1)",
               "resnetlarge_accuracy": "ResNetLarge's 92.73 % (Table 1)",
               "ordering": "ResNetLarge ahead of ResNet18",
               "grid_search": "The grid search (Figure 7)",
               "augmentation": "The augmentation",
               "concatenation": "Concatenating the originals",
               "kaggle_vs_table1": "Table 1 against the Kaggle scores",
               "plateau": "Little gain after epoch 40"}


def conclusion(outcomes: Sequence[RunOutcome], parameters: StudyParameters) -> str:
    """What this run says about the paper's claims, as markdown: per claim of :data:`CLAIMS` the
    ledger's verdict with this run's numbers (the paper's own numbers for the Kaggle claim), the
    runs not clearly above chance, and the caveats (seeds, epochs and data against the paper's,
    reduced data)."""
    ledger = claims_ledger(outcomes)
    lines = []
    for claim, row in zip(CLAIMS, ledger):
        found = ("the paper's own numbers, no run of ours (see 'The paper against its own numbers')"
                 if claim.key == "kaggle_vs_table1" else row["this run"].rstrip("."))
        lines.append(f"- **{CLAIM_NAMES.get(claim.key, claim.key)}**: {found}: **{row['verdict']}**.")
    groups = {**groups_of(outcomes), **ablations_of(outcomes)}
    for name, runs in groups.items():
        warning = verdicts.chance_sentence(runs, len(runs[0].metrics["classes"]))
        if warning:
            lines.append(f"- {name}: {warning}.")
    return summaries.conclusion_markdown(lines, _caveats(outcomes, parameters), outcomes=outcomes,
                                         profile=parameters.profile, claim="the paper's claims")


def _caveats(outcomes: Sequence[RunOutcome], parameters: StudyParameters) -> list[str]:
    """Seeds, and what each model's final runs had less of than the paper (epochs, images, the
    concatenation); a study run in part says so."""
    groups = groups_of(outcomes)
    every_run = sum(groups.values(), [])
    caveats = []
    if groups:
        caveats.append(verdicts.seed_caveat(every_run, f"the {int(every_run[0].metrics['num_test']):,} test images",
                                            "model"))
    for model, runs in groups.items():
        shortfalls = budget_shortfalls(model, runs)
        if shortfalls:
            listed = shortfalls[0] if len(shortfalls) == 1 else ", ".join(shortfalls[:-1]) + " and " + shortfalls[-1]
            caveats.append(f"{model} had less than the paper's {listed}")
    if parameters.in_part:
        caveats.append("the study ran in part: only the runs matching " + ", ".join(parameters.runs or ())
                       + " trained, so the claims that need the others are not decided")
    return caveats
