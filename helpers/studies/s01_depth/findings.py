"""Where study 1's paper explains its result in ways its own numbers do not bear out, computed from
the numbers (pure functions: tables and markdown) with this run's beside them, and the paper's
tables and figures with where this report redraws them.

- Overfitting: the paper blames ResNet-50's lower test accuracy on overfitting, yet its own final
  train-minus-test gaps are 9.92 points for ResNet-18 and 7.73 for ResNet-50; ResNet-50 fits its
  training set 9 points less, which is underfitting.
- The first epoch: ResNet-50's epoch-1 training loss, 5.3736, is above ln(10) = 2.30, the loss of a
  uniform guess over 10 classes, which suggests a 1000-way (ImageNet) head.

The paper reports one run per network on 50,000 training and 10,000 test images, so its own
accuracies carry the binomial standard error of those sizes; this run's carry theirs
(:mod:`helpers.statistics.uncertainty`).

:func:`claims_ledger` gives one row per claim of :data:`~helpers.studies.s01_depth.paper.CLAIMS`:
the ordering per stem (paired over the test images, :func:`helpers.studies.common.claims.comparison_row`),
the paper's two test accuracies (judged only at the paper's budget), and the two findings above
(the paper against its own numbers). A run that trained unstably decides nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from helpers.runs import RunOutcome
from helpers.statistics.paired import against_paper, decide
from helpers.statistics.uncertainty import RULE, Measured, binomial_se, is_clear, measure
from helpers.studies.common import start_weights, verdicts
from helpers.studies.common.claims import (CONTRADICTED, NOT_DECIDED, NOT_TESTABLE, SUPPORTED, UNSTABLE, Claim,
                                           comparison_row, paper_only_row, unstable_runs, untestable_row)
from helpers.studies.s01_depth.groups import groups_of, run_name
from helpers.studies.s01_depth.paper import (CLAIMS, MODELS, NUM_CLASSES, PAPER_EPOCHS_TOTAL, PAPER_ITEMS, PAPER_STEM,
                                             PAPER_TEST_IMAGES, PAPER_TEST_TOP1, PAPER_TRAIN_IMAGES, PAPER_TRAIN_LOSS,
                                             PAPER_TRAIN_TOP1, QUOTES, STEMS)

Groups = Mapping[tuple[str, str], Sequence[RunOutcome]]  # (model, stem) -> runs (seeds)
UNIFORM_LOSS = math.log(NUM_CLASSES)  # cross-entropy of a uniform guess over 10 classes: 2.3026
IMAGENET_UNIFORM_LOSS = math.log(1000)  # ... over ImageNet's 1,000 classes: 6.9078


def paper_gap(model: str) -> tuple[float, float]:
    """The paper's final training accuracy (epoch 91, the last Table 1/2 lists) minus its test
    accuracy, and the standard error of that gap (binomial, 50,000 train and 10,000 test images)."""
    train, test = PAPER_TRAIN_TOP1[model][-1], PAPER_TEST_TOP1[model]
    return train - test, math.hypot(binomial_se(train, PAPER_TRAIN_IMAGES), binomial_se(test, PAPER_TEST_IMAGES))


def run_gap(runs: Sequence[RunOutcome]) -> tuple[float, float, float, float]:
    """This run's final train top-1, test top-1, their gap and the gap's standard error (the
    train accuracy's over the training images of the last epoch, the test's over the test set)."""
    train = measure([run.metrics["final_train_top1"] for run in runs], int(runs[0].metrics["num_train"]))
    test = verdicts.measured(runs)
    return train.value, test.value, train.value - test.value, math.hypot(train.standard_error, test.standard_error)


def overfitting_table(groups: Groups) -> pd.DataFrame:
    """Per network: the paper's final train and test top-1 and their gap (points, ± 1 SE), then
    this run's for each stem. A network that overfits has the larger gap."""
    rows = []
    for model in MODELS:
        gap, error = paper_gap(model)
        rows.append({"model": model, "where": "paper (train: epoch 91 of 100)", "train top-1": PAPER_TRAIN_TOP1[model][-1],
                     "test top-1": PAPER_TEST_TOP1[model], "train - test (points)": 100 * gap,
                     "± 1 SE (points)": 100 * error})
        for stem, stem_name in STEMS.items():
            if (model, stem) in groups:
                train, test, gap, error = run_gap(groups[model, stem])
                rows.append({"model": model, "where": f"this run, {stem_name}", "train top-1": train, "test top-1": test,
                             "train - test (points)": 100 * gap, "± 1 SE (points)": 100 * error})
    return pd.DataFrame(rows)


def first_epoch_losses(groups: Groups) -> dict[tuple[str, str], float]:
    """This run's mean training loss over epoch 1, per (model, stem) (mean over seeds)."""
    return {key: float(sum(run.history["train_loss"].iloc[0] for run in runs) / len(runs))
            for key, runs in groups.items()}


def first_epoch_table(groups: Groups) -> pd.DataFrame:
    """Per network: the epoch-1 training loss of the paper and of this run (each stem) beside
    ln(10), the loss of a uniform guess over 10 classes; the last column is the loss minus ln(10)."""
    losses = first_epoch_losses(groups)
    rows = []
    for model in MODELS:
        entries = [("paper (Tables 1-2)", PAPER_TRAIN_LOSS[model][0])]
        entries += [(f"this run, {STEMS[stem]}", losses[model, stem]) for stem in STEMS if (model, stem) in losses]
        rows += [{"model": model, "where": where, "epoch-1 train loss": loss, "ln(10)": UNIFORM_LOSS,
                  "loss - ln(10)": loss - UNIFORM_LOSS} for where, loss in entries]
    return pd.DataFrame(rows)


def findings(groups: Groups) -> list[dict[str, str]]:
    """The paper's explanations checked against its own numbers, this run's beside them: ``claim``
    (quoted), ``where``, ``numbers`` and ``verdict``."""
    return [_overfitting(groups), _first_epoch(groups)]


def findings_table(groups: Groups) -> pd.DataFrame:
    """:func:`findings` as a table (one row per claim)."""
    return verdicts.findings_frame(findings(groups))


def findings_markdown(groups: Groups) -> str:
    """:func:`findings` as markdown bullets: the quote, the numbers, what they show."""
    return verdicts.findings_bullets(findings(groups))


def contradictions_markdown(outcomes: Sequence[RunOutcome]) -> str:
    """Where the paper's explanations disagree with its own numbers, this run's beside them (markdown)."""
    return findings_markdown(groups_of(outcomes))


def paper_items_table() -> pd.DataFrame:
    """Every table and figure of the paper: what it shows, and whether this report reproduces it
    (and where, or why not). The paper has no illustrations; both figures are results."""
    return pd.DataFrame([{"item": name, "shows": shows, "in this report": "reproduced" if done else "not reproduced",
                          "where / why": where} for name, (shows, done, where) in PAPER_ITEMS.items()])


def _overfitting(groups: Groups) -> dict[str, str]:
    where, claim = QUOTES["overfitting"]
    (gap18, se18), (gap50, se50) = paper_gap("ResNet-18"), paper_gap("ResNet-50")
    change, error = gap50 - gap18, math.hypot(se18, se50)
    train_drop = 100 * (PAPER_TRAIN_TOP1["ResNet-18"][-1] - PAPER_TRAIN_TOP1["ResNet-50"][-1])
    numbers = (f"Tables 1-2 and the text: final train accuracy (epoch 91) minus test accuracy is "
               f"{100 * gap18:.2f} ± {100 * se18:.2f} points for ResNet-18 "
               f"({100 * PAPER_TRAIN_TOP1['ResNet-18'][-1]:.2f} - {100 * PAPER_TEST_TOP1['ResNet-18']:.2f} %) and "
               f"{100 * gap50:.2f} ± {100 * se50:.2f} for ResNet-50 "
               f"({100 * PAPER_TRAIN_TOP1['ResNet-50'][-1]:.2f} - {100 * PAPER_TEST_TOP1['ResNet-50']:.2f} %).")
    if is_clear(change, error) and change < 0:
        ledger, verdict = CONTRADICTED, (
            f"Not borne out by its own numbers: ResNet-50's gap is the smaller, by {-100 * change:.2f} ± "
            f"{100 * error:.2f} points (clear: {RULE}), and it fits its training set {train_drop:.2f} points less than "
            "ResNet-18: ResNet-50 underfits, it does not overfit.")
    elif is_clear(change, error):
        ledger, verdict = SUPPORTED, (f"Borne out: ResNet-50's gap is the larger, by {100 * change:.2f} ± "
                                      f"{100 * error:.2f} points.")
    else:
        ledger, verdict = NOT_DECIDED, (f"The two gaps differ by {100 * change:+.2f} ± {100 * error:.2f} points: "
                                        "within the noise.")
    return {"claim": claim, "where": where, "numbers": f"{numbers} {_run_gaps(groups)}".strip(), "verdict": verdict,
            "paper_numbers": numbers, "ledger_verdict": ledger}


def _run_gaps(groups: Groups) -> str:
    parts = []
    for stem, stem_name in STEMS.items():
        if not all((model, stem) in groups for model in MODELS):
            continue
        gaps = {model: run_gap(groups[model, stem])[2:] for model in MODELS}
        change = gaps["ResNet-50"][0] - gaps["ResNet-18"][0]
        error = math.hypot(gaps["ResNet-50"][1], gaps["ResNet-18"][1])
        if unstable_runs([run for model in MODELS for run in groups[model, stem]]):
            said = UNSTABLE  # a run that diverged says nothing about over- or underfitting
        elif is_clear(change, error):
            said = "clearly larger" if change > 0 else "clearly smaller"
        else:
            said = "not distinguishable at this run's scale"
        parts.append(f"{stem_name}: ResNet-18 {100 * gaps['ResNet-18'][0]:+.2f} ± {100 * gaps['ResNet-18'][1]:.2f}, "
                     f"ResNet-50 {100 * gaps['ResNet-50'][0]:+.2f} ± {100 * gaps['ResNet-50'][1]:.2f} points "
                     f"(ResNet-50's gap {said}: {100 * change:+.2f} ± {100 * error:.2f})")
    return ("This run's train - test gaps (its train accuracy is the running mean over the last epoch's augmented "
            "batches, so after a few epochs it can trail the test accuracy measured at the end): "
            + "; ".join(parts) + ".") if parts else ""


def _first_epoch(groups: Groups) -> dict[str, str]:
    where, claim = QUOTES["first_loss"]
    loss50, loss18 = PAPER_TRAIN_LOSS["ResNet-50"][0], PAPER_TRAIN_LOSS["ResNet-18"][0]
    numbers = (f"Table 2, epoch 1: ResNet-50's training loss {loss50:.4f} (accuracy "
               f"{100 * PAPER_TRAIN_TOP1['ResNet-50'][0]:.2f} %, chance is {100 / NUM_CLASSES:.0f} %); ResNet-18's "
               f"{loss18:.4f}. A uniform guess over {NUM_CLASSES} classes costs ln({NUM_CLASSES}) = {UNIFORM_LOSS:.2f}; "
               f"over 1,000 classes, ln(1000) = {IMAGENET_UNIFORM_LOSS:.2f}.")
    losses = first_epoch_losses(groups)
    if losses:
        shown = "; ".join(f"{model}, {STEMS[stem]}: {loss:.2f}"
                          + (" (unstable run)" if unstable_runs(groups[model, stem]) else "")
                          for (model, stem), loss in losses.items())
        smoothing = {run.spec.config.label_smoothing for runs in groups.values() for run in runs}
        note = (f" (label smoothing {max(smoothing):g} adds a little to it; a uniform guess still costs ln(10))"
                if max(smoothing) > 0 else "")
        above = [key for key, loss in losses.items() if loss > UNIFORM_LOSS]
        numbers += (f" This run's epoch-1 training loss with a {NUM_CLASSES}-way head{note}: {shown}; "
                    + (f"{len(above)} of {len(losses)} above ln(10)." if above else "every one below ln(10)."))
    verdict = (f"ResNet-50's first epoch averages {loss50 - UNIFORM_LOSS:.2f} above what a uniform guess over 10 "
               "classes would cost, which suggests a 1000-way (ImageNet) head left on the network (torchvision's "
               "resnet50() builds one by default; its untrained loss starts near ln(1000)), or a start unstable enough "
               "to do worse than guessing; the paper does not say which, and its number is not comparable to a "
               "10-way loss.")
    return {"claim": claim, "where": where, "numbers": numbers, "verdict": verdict, "ledger_verdict": NOT_TESTABLE}


# --- the claims ledger -----------------------------------------------------------------------------------

DEPTH_CLAIMS = {"imagenet": "depth_imagenet_stem", "cifar": "depth_cifar_stem"}  # stem -> its ordering claim
PAPER_GAP = PAPER_TEST_TOP1["ResNet-18"] - PAPER_TEST_TOP1["ResNet-50"]  # +0.069: the paper's ordering, a fraction


def claims_ledger(outcomes: Sequence[RunOutcome]) -> list[dict[str, str]]:
    """One row per claim of :data:`CLAIMS`, in their order (:mod:`helpers.studies.common.claims`)."""
    groups = groups_of(outcomes)
    overfitting, first_epoch = findings(groups)
    rows = {key: ordering_row(claim_by_key(key), groups, stem) for stem, key in DEPTH_CLAIMS.items()}
    for model in MODELS:
        key = f"{MODELS[model]}_test_top1"
        rows[key] = value_row(claim_by_key(key), model, groups.get((model, PAPER_STEM), []))
    rows["overfitting"] = paper_only_row(claim_by_key("overfitting"), f"{overfitting['paper_numbers']} "
                                         f"{overfitting['verdict']}", overfitting["ledger_verdict"])
    rows["first_epoch_loss"] = paper_only_row(
        claim_by_key("first_epoch_loss"), f"{first_epoch['numbers']} {first_epoch['verdict']}",
        first_epoch["ledger_verdict"],
        "the paper's code or logs: the size of its head (a 1000-way head starts near ln(1000) = "
        f"{IMAGENET_UNIFORM_LOSS:.2f}) or its first steps' losses")
    return [rows[claim.key] for claim in CLAIMS]


def ordering_row(claim: Claim, groups: Groups, stem: str) -> dict[str, str]:
    """The ledger row of 'ResNet-18 beats ResNet-50' with ``stem``: the paired difference of the two
    networks trained alike, its verdict, and what would decide it."""
    return comparison_row(claim, "ResNet-18", groups.get(("ResNet-18", stem), []), "ResNet-50",
                          groups.get(("ResNet-50", stem), []), expected="positive", paper_effect=PAPER_GAP,
                          paper_epochs=PAPER_EPOCHS_TOTAL)


def budget_shortfall(runs: Sequence[RunOutcome]) -> list[str]:
    """How ``runs`` fall short of the paper's budget (its epochs, its 50,000 training and 10,000
    test images, trained from scratch): ``['6 epochs (the paper: 100)', ...]``, empty at its budget."""
    metrics = runs[0].metrics
    short = []
    if metrics["epochs"] < PAPER_EPOCHS_TOTAL:
        short.append(f"{metrics['epochs']} epoch{'s' if metrics['epochs'] != 1 else ''} (the paper: "
                     f"{PAPER_EPOCHS_TOTAL})")
    if int(metrics["num_train"]) < PAPER_TRAIN_IMAGES:
        short.append(f"{int(metrics['num_train']):,} training images (the paper: {PAPER_TRAIN_IMAGES:,})")
    if int(metrics["num_test"]) != PAPER_TEST_IMAGES:
        short.append(f"{int(metrics['num_test']):,} test images (the paper: {PAPER_TEST_IMAGES:,})")
    if start_weights.caveat(runs):
        short.append("fine-tuned from pretrained weights (the paper: from scratch)")
    return short


def value_row(claim: Claim, model: str, runs: Sequence[RunOutcome]) -> dict[str, str]:
    """The ledger row of the paper's test accuracy of ``model``: this run's (the paper's stem,
    final epoch) beside it, judged only at the paper's budget; below it, not decided, saying the
    budget. At the budget, a difference beyond twice the combined standard error (ours and the
    paper's test set) contradicts the paper's number and a smaller one supports it."""
    if not runs:
        return untestable_row(claim, f"{run_name(model, PAPER_STEM)} was not run at this profile", verdict=NOT_DECIDED)
    paper = PAPER_TEST_TOP1[model]
    value = verdicts.measured(runs)
    combined = against_paper(value, paper, PAPER_TEST_IMAGES)
    unstable = unstable_runs(runs)
    short = budget_shortfall(runs)
    ours = (f"{run_name(model, PAPER_STEM)}, final epoch: {_percent(value)}; minus the paper: "
            f"{100 * combined.difference:+.2f} ± {100 * combined.standard_error:.2f} points (with the paper's "
            "test-set error)")
    if unstable:
        ours += "; unstable: " + "; ".join(f"{run} ({why})" for run, why in unstable.items())
        return _value(claim, ours, runs, UNSTABLE, "a rerun that trains stably (warm-up, gradient clipping or a "
                                                   "lower peak rate)")
    if short:
        return _value(claim, f"{ours}; trained {', '.join(short)}", runs, NOT_DECIDED,
                      f"the paper's budget: {PAPER_EPOCHS_TOTAL} epochs on all {PAPER_TRAIN_IMAGES:,} training images "
                      f"from scratch, scored on the {PAPER_TEST_IMAGES:,} test images (the paper profile)")
    decision = decide(combined.difference, combined.standard_error)
    if decision.decided:
        side = "above" if combined.difference > 0 else "below"
        return _value(claim, f"{ours}: clearly {side} the paper's", runs, CONTRADICTED, "decided at the paper's budget")
    return _value(claim, f"{ours}: within twice the combined standard error", runs, SUPPORTED,
                  f"decided at the paper's budget (a difference over {100 * decision.detectable:.2f} points would "
                  "have shown)")


def _value(claim: Claim, ours: str, runs: Sequence[RunOutcome], verdict: str, decide_text: str) -> dict[str, str]:
    row = untestable_row(claim, ours, verdict=verdict)
    return {**row, "seeds": str(len(runs)), "what would decide it": decide_text}


def _percent(value: Measured) -> str:
    """'68.92 ± 0.46 % (binomial SE, 10,000 images)' or '68.92 ± 0.51 % (SE; sd 0.30 over 2 seeds)'."""
    spread = (f"binomial SE, {value.n:,} images" if value.kind == "binomial_se"
              else f"SE; sd {100 * value.spread:.2f} over {value.n} seeds")
    return f"{100 * value.value:.2f} ± {100 * value.standard_error:.2f} % ({spread})"


def claim_by_key(key: str) -> Claim:
    """The claim of :data:`CLAIMS` with this ``key``."""
    return next(claim for claim in CLAIMS if claim.key == key)
