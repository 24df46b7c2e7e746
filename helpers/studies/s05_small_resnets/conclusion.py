"""Study 5's conclusion: what this run says about the paper's results, written from the numbers
themselves (each model against Table 1, the two models against each other, the grid's choice,
chance) with the caveats of this run's scale."""

from __future__ import annotations

from collections.abc import Sequence

from helpers.runs import RunOutcome
from helpers.studies.common import summaries, verdicts
from helpers.studies.common.parameters import StudyParameters
from helpers.studies.s05_small_resnets.findings import paper_table1_gap
from helpers.studies.s05_small_resnets.grid import grid_choice_sentence
from helpers.studies.s05_small_resnets.paper import MODELS, PAPER_EPOCHS, PAPER_PARAMS, PAPER_TEST_TOP1, \
    PAPER_TRAIN_TOP1
from helpers.studies.s05_small_resnets.phases import grid_runs, groups_of
from helpers.studies.s05_small_resnets.tables import measured_train
from helpers.statistics.uncertainty import is_clear


def conclusion(outcomes: Sequence[RunOutcome], parameters: StudyParameters) -> str:
    """What this run says about the paper's results, as markdown, from the numbers themselves:
    each model against Table 1, the two models against each other (agrees, disagrees or cannot
    tell: a difference counts only beyond 2 standard errors), the grid's choice, chance."""
    groups = groups_of(outcomes)
    lines = []
    for model, runs in groups.items():
        params = runs[0].metrics["params"]
        match = "matching" if params == PAPER_PARAMS[model] else "unlike"
        train = measured_train(runs)
        lines.append(f"- **{model}** ({params:,} parameters, {match} the paper's {PAPER_PARAMS[model]:,}): "
                     + verdicts.versus_paper_sentence("Test top-1", runs, PAPER_TEST_TOP1[model])
                     + f" Train top-1 {100 * train.value:.1f} ± {100 * train.standard_error:.1f} % "
                     f"(paper {100 * PAPER_TRAIN_TOP1[model]:.2f} %).")
    if all(model in groups for model in MODELS):
        paper_gap, paper_error = paper_table1_gap()
        lines.append("- **ResNet18 vs ResNetLarge**: " + verdicts.versus_sentence(
            "ResNet18", groups["ResNet18"], "ResNetLarge", groups["ResNetLarge"], claim_winner="ResNet18")
            + f" Table 1's own gap ({100 * paper_gap:+.2f} ± {100 * paper_error:.2f} points) is "
            + ("clear" if is_clear(paper_gap, paper_error) else "within its own noise")
            + ", and the paper's Kaggle scores rank the models the other way (see 'The paper against its own numbers').")
    if grid_runs(outcomes):
        lines.append(f"- **Grid search**: {grid_choice_sentence(outcomes)} The paper shows its grid (Figure 7) but "
                     "not the values it chose.")
    for model, runs in groups.items():
        warning = verdicts.chance_sentence(runs, len(runs[0].metrics["classes"]))
        if warning:
            lines.append(f"- {model}: {warning}.")
    seeds = max((len(runs) for runs in groups.values()), default=0)
    caveats = [f"{seeds} seed(s) per model: each uncertainty is the binomial standard error of the "
               f"{outcomes[-1].metrics['num_test']:,} test images; seed-to-seed spread is not measured" if seeds < 2
               else f"means over {seeds} seeds ± their sd"] if outcomes else []
    epochs = {model: runs[0].metrics["epochs"] for model, runs in groups.items()}
    if any(epochs[model] != PAPER_EPOCHS[model] for model in epochs):
        caveats.append("epochs " + ", ".join(f"{m} {e} (paper {PAPER_EPOCHS[m]})" for m, e in epochs.items()))
    return summaries.conclusion_markdown(lines, caveats, outcomes=outcomes, profile=parameters.profile,
                                         claim="the paper's claims")
