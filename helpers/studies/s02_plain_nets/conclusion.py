"""What study 2's runs say about the paper's claim (the ResNet beats LeNet and AlexNet on both
datasets), as markdown: the rankings, the claim's comparisons and the caveats."""

from __future__ import annotations

from collections.abc import Sequence

from helpers.runs import RunOutcome
from helpers.studies.common import summaries, verdicts
from helpers.studies.common.parameters import StudyParameters
from helpers.studies.common.ranking import gaps_sentence, ranking_line
from helpers.studies.s02_plain_nets.findings import at_chance, claim_verdicts
from helpers.studies.s02_plain_nets.metric import BEST_TEST, grouped_runs
from helpers.studies.s02_plain_nets.recipe import DATASETS, MODELS, RECIPE, images_text


def conclusion(outcomes: Sequence[RunOutcome], parameters: StudyParameters) -> str:
    """What this run says about the paper's claim (the ResNet beats LeNet and AlexNet on both
    datasets), as markdown: per dataset the ranking with the pairs it separates, and each of the
    claim's comparisons as agree / disagree / cannot tell, computed from the noise."""
    groups = grouped_runs(outcomes)
    lines = []
    for dataset in DATASETS:
        by_model = {model: groups[dataset, model] for model in MODELS if (dataset, model) in groups}
        if not by_model:
            continue
        lines.append(f"- **{dataset}** (highest test top-1 during training): {ranking_line(by_model, key=BEST_TEST)}. "
                     f"{gaps_sentence(by_model, key=BEST_TEST)}")
        chance = {model: at_chance(runs) for model, runs in by_model.items()}
        lines += [f"  - {model}: {warning}." for model, warning in chance.items() if warning]
        for other in ("LeNet", "AlexNet"):
            if "ResNet" not in by_model or other not in by_model:
                continue
            if chance["ResNet"] or chance[other]:
                lines.append(f"  - ResNet against {other}: not compared, since "
                             f"{'the ResNet' if chance['ResNet'] else other} learned nothing above chance here.")
            else:
                lines.append("  - " + verdicts.versus_sentence("ResNet", by_model["ResNet"], other, by_model[other],
                                                               claim_winner="ResNet", key=BEST_TEST))
    claims = claim_verdicts(outcomes)
    counts = {word: sum(verdict == word for verdict in claims.values())
              for word in ("agrees", "disagrees", "cannot tell")}
    lines += ["", f"The paper's claim (the ResNet ahead of LeNet and of AlexNet on both datasets), comparison by "
                  f"comparison: this run agrees on {counts['agrees']}, disagrees on {counts['disagrees']} and cannot "
                  f"tell on {counts['cannot tell']} of {len(claims)}."]
    seeds = max((len(runs) for runs in groups.values()), default=0)
    caveats = [f"{seeds} seed(s) per run: the ± is the binomial standard error of the test set"
               if seeds < 2 else f"means over {seeds} seeds (± the seed sd)",
               "the highest test accuracy over the epochs is selected on the test set itself (the paper's metric), "
               "so it is optimistic"]
    epochs = {(outcome.spec.labels["dataset"], outcome.spec.labels["model"]): int(outcome.metrics["epochs"])
              for outcome in outcomes}
    for dataset in DATASETS:
        counts = {model: epochs[dataset, model] for model in MODELS if (dataset, model) in epochs}
        if len(set(counts.values())) > 1:
            caveats.append(f"on {dataset} the networks trained for different numbers of epochs ("
                           + ", ".join(f"{model} {count}" for model, count in counts.items())
                           + "; see the settings), so a gap between them includes that budget, not only the "
                             "architecture")
    if parameters.profile == "smoke":
        caveats.append(f"the smoke profile trains on {images_text(parameters)}, at reduced size and for "
                       f"{RECIPE.fields('smoke')['epochs']} epochs (see the settings)")
    return summaries.conclusion_markdown(lines, caveats, outcomes=outcomes, profile=parameters.profile)
