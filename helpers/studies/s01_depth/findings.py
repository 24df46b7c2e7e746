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
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from helpers.runs import RunOutcome
from helpers.studies.common import verdicts
from helpers.studies.s01_depth.groups import groups_of
from helpers.studies.s01_depth.paper import (MODELS, NUM_CLASSES, PAPER_ITEMS, PAPER_TEST_IMAGES, PAPER_TEST_TOP1,
                                             PAPER_TRAIN_IMAGES, PAPER_TRAIN_LOSS, PAPER_TRAIN_TOP1, QUOTES, STEMS)
from helpers.statistics.uncertainty import RULE, binomial_se, is_clear, measure

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
        verdict = (f"Not borne out by its own numbers: ResNet-50's gap is the smaller, by {-100 * change:.2f} ± "
                   f"{100 * error:.2f} points (clear: {RULE}), and it fits its training set {train_drop:.2f} points "
                   "less than ResNet-18: ResNet-50 underfits, it does not overfit.")
    elif is_clear(change, error):
        verdict = f"Borne out: ResNet-50's gap is the larger, by {100 * change:.2f} ± {100 * error:.2f} points."
    else:
        verdict = f"The two gaps differ by {100 * change:+.2f} ± {100 * error:.2f} points: within the noise."
    return {"claim": claim, "where": where, "numbers": f"{numbers} {_run_gaps(groups)}", "verdict": verdict}


def _run_gaps(groups: Groups) -> str:
    parts = []
    for stem, stem_name in STEMS.items():
        if not all((model, stem) in groups for model in MODELS):
            continue
        gaps = {model: run_gap(groups[model, stem])[2:] for model in MODELS}
        change = gaps["ResNet-50"][0] - gaps["ResNet-18"][0]
        error = math.hypot(gaps["ResNet-50"][1], gaps["ResNet-18"][1])
        said = ("clearly larger" if change > 0 else "clearly smaller") if is_clear(change, error) else \
            "not distinguishable at this run's scale"
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
        shown = "; ".join(f"{model}, {STEMS[stem]}: {loss:.2f}" for (model, stem), loss in losses.items())
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
    return {"claim": claim, "where": where, "numbers": numbers, "verdict": verdict}
