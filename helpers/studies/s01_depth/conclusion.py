"""Study 1's conclusion: what this run says about the paper's claim (ResNet-18 beats ResNet-50)
per stem, what the stem changes, the paper's overfitting explanation, and what limits the
comparison (markdown)."""

from __future__ import annotations

from collections.abc import Sequence

from helpers.runs import RunOutcome
from helpers.studies.common import start_weights, summaries, verdicts
from helpers.studies.common.parameters import StudyParameters
from helpers.studies.s01_depth.findings import findings
from helpers.studies.s01_depth.groups import groups_of, run_name
from helpers.studies.s01_depth.paper import MODELS, PAPER_EPOCHS_TOTAL, STEMS
from helpers.statistics.uncertainty import compare_sentence


def conclusion(outcomes: Sequence[RunOutcome], parameters: StudyParameters) -> str:
    """What this run says about the paper's claim (ResNet-18 beats ResNet-50), as markdown: per
    stem agrees, disagrees or cannot tell (a difference counts only beyond 2 standard errors)."""
    groups = groups_of(outcomes)
    lines = []
    for stem in STEMS:
        if all((model, stem) in groups for model in MODELS):
            lines.append(f"- **{STEMS[stem]}**: " + verdicts.versus_sentence(
                "ResNet-18", groups["ResNet-18", stem], "ResNet-50", groups["ResNet-50", stem],
                claim_winner="ResNet-18"))
    if all(("ResNet-50", stem) in groups for stem in STEMS):
        cifar, imagenet = groups["ResNet-50", "cifar"], groups["ResNet-50", "imagenet"]
        _, sentence = compare_sentence("ResNet-50 with the CIFAR stem", verdicts.measured(cifar),
                                       "with the ImageNet stem", verdicts.measured(imagenet))
        lines.append(f"- **The stem**: {sentence[:-1]}{_recipe_difference(cifar[0], imagenet[0])}.")
    for key, runs in groups.items():
        warning = verdicts.chance_sentence(runs, len(runs[0].metrics["classes"]))
        if warning:
            lines.append(f"- {run_name(*key)}: {warning}.")
    overfitting = findings(groups)[0]["verdict"]
    lines.append(f"- **The paper's explanation** (overfitting; section 'The paper against its own numbers'): "
                 f"{overfitting.split(':')[0].lower()}.")
    seeds = max((len(runs) for runs in groups.values()), default=0)
    caveats = [f"{seeds} seed(s) per run: each uncertainty is the binomial standard error of the "
               f"{outcomes[0].metrics['num_test']:,} test images; seed-to-seed spread is not measured" if seeds < 2
               else f"means over {seeds} seeds ± their sd"] if outcomes else []
    epochs = {STEMS[stem]: runs[0].metrics["epochs"] for (model, stem), runs in groups.items()}
    if any(value != PAPER_EPOCHS_TOTAL for value in epochs.values()):
        caveats.append("epochs " + ", ".join(f"{value} ({name})" for name, value in epochs.items())
                       + f", not the paper's {PAPER_EPOCHS_TOTAL}")
    fine_tuned = start_weights.caveat(outcomes)
    if fine_tuned:
        caveats.append(fine_tuned)
    return summaries.conclusion_markdown(lines, caveats, outcomes=outcomes, profile=parameters.profile)


def _recipe_difference(first: RunOutcome, second: RunOutcome) -> str:
    """'' when two runs trained alike, else a note of how they differ (epochs, batch, images)."""
    fields = {"epochs": "epochs", "batch_size": "batch", "lr": "lr"}
    a, b = first.spec.config, second.spec.config
    differences = [f"{word} {getattr(a, name)} vs {getattr(b, name)}" for name, word in fields.items()
                   if getattr(a, name) != getattr(b, name)]
    if first.metrics["num_train"] != second.metrics["num_train"]:
        differences.append(f"{first.metrics['num_train']:,} vs {second.metrics['num_train']:,} training images")
    return f" (not like for like at this profile: {', '.join(differences)})" if differences else ""
