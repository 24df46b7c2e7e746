"""Study 5's claims ledger (:func:`claims_ledger`, one row per claim of :data:`~.paper.CLAIMS`),
each row computed from the runs (:mod:`helpers.studies.common.claims`):

- parameter counts: the models as built here against Figures 2-3 and the 5 M limit (exact);
- each model's Table 1 accuracy: this run's final-epoch mean against it, "not decided at this
  budget" while this run trains fewer epochs, on fewer images or without the concatenation;
- ResNetLarge ahead of ResNet18: on one recipe (ResNetLarge trained with ResNet18's), the pair
  with each model's own recipe shown beside it, labelled, never decided;
- the grid search: its best point against its worst, on the grid runs' test images;
- augmentation and concatenation: the final ResNetLarge against its ablations;
- the paper's own numbers: its two test accuracies per model; the plateau after epoch 40 (their
  findings: :mod:`helpers.studies.s05_small_resnets.contradictions`).
"""

from __future__ import annotations

from collections.abc import Sequence

from helpers.models import count_parameters, create_model
from helpers.runs import RunOutcome
from helpers.studies.common import verdicts
from helpers.studies.common.claims import (CONTRADICTED, NOT_DECIDED, SUPPORTED, UNSTABLE, Claim, GroupComparison,
                                           compare_groups, comparison_row, paper_only_row, unstable_runs,
                                           untestable_row, what_would_decide)
from helpers.studies.s05_small_resnets.contradictions import (Groups, is_slight, kaggle_finding, paper_table1_gap,
                                                              plateau_finding, plateau_rows)
from helpers.studies.s05_small_resnets.grid import grid_point_runs, grid_table
from helpers.studies.s05_small_resnets.paper import (CLAIMS, FIVE_MILLION, MODELS, PAPER_CONCAT_ORIGINAL, PAPER_EPOCHS,
                                                     PAPER_KAGGLE_TOP1, PAPER_PARAMS, PAPER_PLATEAU_EPOCH,
                                                     PAPER_TEST_IMAGES, PAPER_TEST_TOP1, PAPER_TRAIN_IMAGES)
from helpers.studies.s05_small_resnets.phases import ablations_of, groups_of
from helpers.studies.s05_small_resnets.recipe import CONCAT_OFF, CONCAT_ON, EQUAL_RECIPE, NO_AUGMENTATION
from helpers.statistics.paired import against_paper, decide
from helpers.statistics.uncertainty import images_needed

# --- the claims ledger --------------------------------------------------------------------------------

def claims_ledger(outcomes: Sequence[RunOutcome]) -> list[dict[str, str]]:
    """One ledger row per claim of :data:`CLAIMS`, in their order (see the module's docstring)."""
    groups, ablations = groups_of(outcomes), ablations_of(outcomes)
    large = list(groups.get("ResNetLarge", []))
    concatenated = bool(large) and large[0].spec.config.concat_original
    with_originals, without = ((large, ablations.get(CONCAT_OFF, [])) if concatenated
                               else (ablations.get(CONCAT_ON, []), large))
    rows = {
        "params_under_5m": lambda claim: _params_row(claim),
        "resnet18_accuracy": lambda claim: _value_row(claim, "ResNet18", groups.get("ResNet18", [])),
        "resnetlarge_accuracy": lambda claim: _value_row(claim, "ResNetLarge", large),
        "ordering": lambda claim: _ordering_row(outcomes),
        "grid_search": lambda claim: _grid_row(claim, outcomes),
        "augmentation": lambda claim: comparison_row(
            claim, "ResNetLarge (the paper's augmentation)", large, "ResNetLarge (no augmentation)",
            ablations.get(NO_AUGMENTATION, []), expected="positive", allowed_differences=("augmentation",
                                                                                           "concat_original"),
            paper_epochs=PAPER_EPOCHS["ResNetLarge"]),
        "concatenation": lambda claim: _note(comparison_row(
            claim, "ResNetLarge (originals concatenated)", with_originals, "ResNetLarge (augmented images only)",
            without, expected="positive", allowed_differences=("concat_original",),
            paper_epochs=PAPER_EPOCHS["ResNetLarge"]), "the concatenated side takes twice the steps per epoch, "
                                                      "as in the paper"),
        "kaggle_vs_table1": lambda claim: paper_only_row(
            claim, kaggle_finding()["numbers"], NOT_DECIDED,
            "the Kaggle test set (neither described nor available) and several runs per model: Table 1's gap needs "
            f"about {images_needed(PAPER_TEST_TOP1['ResNet18'], paper_table1_gap()[0], current=PAPER_TEST_IMAGES):,} "
            "test images per model to be told from noise"),
        "plateau": lambda claim: _plateau_row(claim, groups),
    }
    return [rows[claim.key](claim) for claim in CLAIMS]


def budget_shortfalls(model: str, runs: Sequence[RunOutcome]) -> list[str]:
    """Where this run's final training of ``model`` had less than the paper's: epochs, training
    images, the concatenation of the originals (each as 'the paper's (this run: ours)')."""
    metrics, config = runs[0].metrics, runs[0].spec.config
    shortfalls = []
    if int(metrics["epochs"]) < PAPER_EPOCHS[model]:
        shortfalls.append(f"{PAPER_EPOCHS[model]} epochs (this run: {metrics['epochs']})")
    if int(metrics["num_train"]) < PAPER_TRAIN_IMAGES:
        shortfalls.append(f"the {PAPER_TRAIN_IMAGES:,} training images (this run: {int(metrics['num_train']):,})")
    if PAPER_CONCAT_ORIGINAL and not config.concat_original:
        shortfalls.append("the originals concatenated with the augmented images (this run: augmented images only)")
    return shortfalls


def _with_seeds(row: dict[str, str], seeds: int) -> dict[str, str]:
    return {**row, "seeds": str(seeds) if seeds else "-"}


def _note(row: dict[str, str], note: str) -> dict[str, str]:
    return {**row, "this run": f"{row['this run']}; {note}"}


def _params_row(claim: Claim) -> dict[str, str]:
    counts = {model: count_parameters(create_model(name), trainable_only=True) for model, name in MODELS.items()}
    match = all(counts[model] == PAPER_PARAMS[model] for model in MODELS)
    under = all(count < FIVE_MILLION for count in counts.values())
    verdict = SUPPORTED if match and under else CONTRADICTED if not under else NOT_DECIDED
    figure = {"ResNet18": 2, "ResNetLarge": 3}
    found = "; ".join(f"{model} {count:,} ({count - PAPER_PARAMS[model]:+,} against Figure {figure[model]})"
                      for model, count in counts.items())
    return paper_only_row(claim, f"built here: {found}; limit {FIVE_MILLION:,}", verdict,
                          "decided exactly: parameters counted on the models as built here (no training involved)")


def _value_row(claim: Claim, model: str, runs: Sequence[RunOutcome]) -> dict[str, str]:
    """A Table 1 accuracy against this run's final-epoch test top-1 (mean over seeds): decided only
    at the paper's budget, from stable runs, beyond twice the combined uncertainty."""
    if not runs:
        return untestable_row(claim, f"{model} was not run at this profile", verdict=NOT_DECIDED)
    value = verdicts.measured(runs)
    paper = PAPER_TEST_TOP1[model]
    combined = against_paper(value, paper, PAPER_TEST_IMAGES)
    ours = (f"{model}: {100 * value.value:.2f} ± {100 * value.standard_error:.2f} % test top-1 (final epoch); minus "
            f"the paper: {100 * combined.difference:+.2f} ± {100 * combined.standard_error:.2f} points "
            f"({combined.dominant} dominates)")
    unstable, shortfalls = unstable_runs(runs), budget_shortfalls(model, runs)
    comparison = GroupComparison(combined.difference, combined.standard_error, len(runs), "against the paper",
                                 combined.dominant, int(runs[0].metrics["num_test"]))
    if unstable:
        verdict = UNSTABLE
        ours += "; unstable: " + "; ".join(f"{run} ({why})" for run, why in unstable.items())
        decide_text = what_would_decide(comparison, verdict)
    elif shortfalls:
        verdict, decide_text = NOT_DECIDED, "the paper's budget: " + "; ".join(shortfalls)
    else:
        decision = decide(combined.difference, combined.standard_error)
        verdict = (SUPPORTED if combined.difference > 0 else CONTRADICTED) if decision.decided else NOT_DECIDED
        decide_text = what_would_decide(comparison, verdict)
    return _with_seeds(paper_only_row(claim, ours, verdict, decide_text), len(runs))


def ordering_pairs(outcomes: Sequence[RunOutcome]) -> dict[str, dict[str, str]]:
    """ResNetLarge against ResNet18 twice: on one recipe (ResNetLarge trained with ResNet18's: the
    verdict) and with each model's own recipe, as the paper (labelled; never a verdict)."""
    groups, ablations = groups_of(outcomes), ablations_of(outcomes)
    claim = next(claim for claim in CLAIMS if claim.key == "ordering")
    kaggle_gap = PAPER_KAGGLE_TOP1["ResNetLarge"] - PAPER_KAGGLE_TOP1["ResNet18"]
    return {
        "one recipe (ResNet18's, both models)": comparison_row(
            claim, "ResNetLarge (ResNet18's recipe)", ablations.get(EQUAL_RECIPE, []), "ResNet18",
            groups.get("ResNet18", []), expected="positive", paper_effect=kaggle_gap,
            paper_epochs=PAPER_EPOCHS["ResNet18"]),
        "each model its own recipe, as the paper": comparison_row(
            claim, "ResNetLarge (its own recipe)", groups.get("ResNetLarge", []), "ResNet18",
            groups.get("ResNet18", []), expected="positive", paper_effect=kaggle_gap),
    }


def _ordering_row(outcomes: Sequence[RunOutcome]) -> dict[str, str]:
    """The equal-recipe pair's row, with the paper-recipe pair's difference beside it (labelled)."""
    groups = groups_of(outcomes)
    equal = ordering_pairs(outcomes)["one recipe (ResNet18's, both models)"]
    if not all(model in groups for model in MODELS):
        return equal
    own = compare_groups(groups["ResNetLarge"], groups["ResNet18"])
    return _note(equal, f"with each model's own recipe, as the paper (no verdict: recipes differ): "
                        f"{100 * own.difference:+.2f} ± {100 * own.standard_error:.2f} points")


def _grid_row(claim: Claim, outcomes: Sequence[RunOutcome]) -> dict[str, str]:
    """The grid's best point against its worst (both chosen on validation, among the points whose
    runs trained stably), on the grid runs' test images; the unstable points are named."""
    table = grid_table(outcomes)
    points = [(float(row["learning rate"]), float(row["momentum"]))
              for _, row in table.sort_values("validation top-1", ascending=False, kind="stable").iterrows()]
    unstable = [point for point in points if unstable_runs(grid_point_runs(outcomes, *point))]
    stable = [point for point in points if point not in unstable]
    left_out = ("; trained unstably, left out: " + ", ".join(f"lr {lr:g} / momentum {momentum:g}"
                                                            for lr, momentum in unstable)) if unstable else ""
    if len(points) < 2:
        return untestable_row(claim, "the grid search was not run at this profile (or has one point)",
                              verdict=NOT_DECIDED)
    if len(stable) < 2:
        return paper_only_row(claim, "fewer than two grid points trained stably" + left_out, UNSTABLE,
                              "a grid whose points train stably (a lower learning rate or gradient clipping)")
    best, worst = stable[0], stable[-1]
    row = comparison_row(claim, f"best point (lr {best[0]:g}, momentum {best[1]:g})", grid_point_runs(outcomes, *best),
                         f"worst point (lr {worst[0]:g}, momentum {worst[1]:g})", grid_point_runs(outcomes, *worst),
                         expected="positive", allowed_differences=("lr", "momentum"))
    return _note(row, "both chosen on the validation split among the stable points, compared on the grid runs' test "
                      "images" + left_out)


def _plateau_row(claim: Claim, groups: Groups) -> dict[str, str]:
    finding = plateau_finding(groups)
    runs = [run for group in groups.values() for run in group]
    seeds = max((len(group) for group in groups.values()), default=0)
    unstable = unstable_runs(runs)
    rows = plateau_rows(groups)
    if unstable:
        verdict = UNSTABLE
    elif not rows:
        return _with_seeds(paper_only_row(claim, finding["numbers"], NOT_DECIDED,
                                          f"curves beyond epoch {PAPER_PLATEAU_EPOCH} (the paper profile trains 80 "
                                          "and 120 epochs)"), seeds)
    else:
        slight = [is_slight(row) for row in rows]
        verdict = SUPPORTED if all(slight) else CONTRADICTED if not any(slight) else NOT_DECIDED
    return _with_seeds(paper_only_row(claim, f"{finding['numbers']} {finding['verdict']}", verdict,
                                      "decided by this run's curves" if verdict in (SUPPORTED, CONTRADICTED)
                                      else "a rerun that trains stably" if verdict == UNSTABLE
                                      else "more seeds: the two models disagree"), seeds)
