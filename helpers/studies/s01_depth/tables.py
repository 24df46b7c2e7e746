"""Study 1's tables, pure functions of the runs: Tables 1-2 (training loss and accuracy per epoch,
paper vs this run), test accuracy vs the paper, the stem comparison, the models, every run, every
table of the report by file name (:func:`tables`) and the headline records (:func:`headlines`).
Every accuracy of this run carries its uncertainty (one seed: the binomial standard error of its
images; several: the seed-to-seed sd), and every verdict is computed
(:data:`helpers.statistics.uncertainty.RULE`)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.models import count_parameters, create_model
from helpers.runs import RunOutcome
from helpers.statistics.paired import against_paper, decide
from helpers.statistics.uncertainty import binomial_se
from helpers.studies.common import summaries, verdicts
from helpers.studies.common.claims import NOT_DECIDED, UNSTABLE, compare_groups
from helpers.studies.common.paper_tables import paper_vs_run
from helpers.studies.common.summaries import mean_history
from helpers.studies.common.verdicts import NOT_RUN
from helpers.studies.s01_depth.findings import (DEPTH_CLAIMS, PAPER_GAP, budget_shortfall, claim_by_key,
                                                findings_table, first_epoch_table, ordering_row, overfitting_table,
                                                paper_items_table)
from helpers.studies.s01_depth.groups import groups_of, is_unstable, run_name
from helpers.studies.s01_depth.paper import (MODELS, PAPER_EPOCHS, PAPER_EPOCHS_TOTAL, PAPER_STEM, PAPER_TEST_IMAGES,
                                             PAPER_TEST_TOP1, PAPER_TRAIN_LOSS, PAPER_TRAIN_TOP1, STEMS)

ABOVE, BELOW, WITHIN = "above the paper", "below the paper", "within the noise of the paper"


def epoch_table(outcomes: Sequence[RunOutcome], model: str) -> pd.DataFrame:
    """Tables 1 / 2 for ``model``: the paper's training loss and accuracy at epochs 1, 11, ..., 91
    beside this run's (per stem; mean over seeds), with differences and the binomial standard
    error of this run's training accuracy. Epochs this run did not reach are NaN."""
    frames = []
    for (group_model, stem), runs in groups_of(outcomes).items():
        if group_model != model:
            continue
        history = mean_history(runs).set_index("epoch")
        loss = paper_vs_run(dict(zip(PAPER_EPOCHS, PAPER_TRAIN_LOSS[model])),
                            history["train_loss"].to_dict(), label="epoch")
        top1 = paper_vs_run(dict(zip(PAPER_EPOCHS, PAPER_TRAIN_TOP1[model])),
                            history["train_top1"].to_dict(), label="epoch")
        images = int(runs[0].metrics["num_train"])
        frames.append(pd.DataFrame({
            "stem": stem,
            "epoch": loss["epoch"],
            "paper train loss": loss["paper"],
            "this run train loss": loss["this run"],
            "loss difference": loss["this run"] - loss["paper"],
            "paper train top-1": top1["paper"],
            "this run train top-1": top1["this run"],
            "this run ± 1 SE (points)": [np.nan if math.isnan(v) else 100 * binomial_se(v, images)
                                         for v in top1["this run"]],
            "top-1 difference (points)": top1["difference (points)"],
        }))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def accuracy_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Final test top-1 per model and stem (mean over seeds, ± 1 SE) beside the paper's, the
    difference in points and the verdict against the paper (:func:`versus_paper`): given only at
    the paper's budget and from runs that trained stably.

    The paper's numbers belong to its (ImageNet-stem) description; they are repeated on the
    CIFAR-stem rows as the reference to beat. A model and stem that did not run (the study run in
    part) is a row marked 'not run'."""
    groups = groups_of(outcomes)
    rows = []
    for model, stem in ((model, stem) for model in MODELS for stem in STEMS):
        runs, paper = groups.get((model, stem)), PAPER_TEST_TOP1[model]
        if not runs:
            rows.append({"run": run_name(model, stem), "seeds": 0, "paper test top-1": paper,
                         "this run test top-1": np.nan, "this run ± 1 SE (points)": np.nan,
                         "difference (points)": np.nan, "training": NOT_RUN, "verdict": NOT_RUN})
            continue
        value = verdicts.measured(runs)
        rows.append({"run": run_name(model, stem), "seeds": len(runs), "paper test top-1": paper,
                     "this run test top-1": value.value, "this run ± 1 SE (points)": 100 * value.standard_error,
                     "difference (points)": 100 * (value.value - paper), "training": _training(runs),
                     "verdict": versus_paper(runs, paper)})
    return pd.DataFrame(rows)


def versus_paper(runs: Sequence[RunOutcome], paper: float) -> str:
    """The verdict of ``runs``' final test top-1 against the paper's ``paper``: 'not decided: run
    unstable'; 'not decided at this budget (...)' below the paper's budget (epochs, images, from
    scratch); else above, below or within the noise of the paper (twice the combined standard
    error, the paper's test set's included)."""
    if is_unstable(runs):
        return UNSTABLE
    short = budget_shortfall(runs)
    if short:
        return f"{NOT_DECIDED} ({', '.join(short)})"
    combined = against_paper(verdicts.measured(runs), paper, PAPER_TEST_IMAGES)
    if not decide(combined.difference, combined.standard_error).decided:
        return WITHIN
    return ABOVE if combined.difference > 0 else BELOW


def stem_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Per stem: each model's test top-1, ResNet-50 minus ResNet-18 (points, ± 1 SE, paired over
    the test images where the runs stored their predictions) beside the paper's difference, the
    ledger's verdict on the paper's ordering (none from an unstable run), and each model's gap
    between final train and test top-1 (points)."""
    groups = groups_of(outcomes)
    rows = []
    for stem in STEMS:
        if not any((model, stem) in groups for model in MODELS):
            continue
        if not all((model, stem) in groups for model in MODELS):  # the study ran in part
            rows.append({"stem": stem, "the paper's ordering": f"{NOT_RUN} (needs both models)"})
            continue
        r18, r50 = groups["ResNet-18", stem], groups["ResNet-50", stem]
        comparison = compare_groups(r50, r18)
        train = {model: summaries.mean_metric(groups[model, stem], "final_train_top1") for model in MODELS}
        test = {model: summaries.mean_metric(groups[model, stem], "test_top1") for model in MODELS}
        rows.append({
            "stem": stem,
            "ResNet-18 test top-1": test["ResNet-18"],
            "ResNet-50 test top-1": test["ResNet-50"],
            "ResNet-50 - ResNet-18 (points)": 100 * comparison.difference,
            "± 1 SE (points)": 100 * comparison.standard_error,
            "uncertainty": comparison.kind,
            "paper: ResNet-50 - ResNet-18 (points)": -100 * PAPER_GAP,
            "training": "; ".join(f"{model} {_training(groups[model, stem])}" for model in MODELS),
            "the paper's ordering": ordering_row(claim_by_key(DEPTH_CLAIMS[stem]), groups, stem)["verdict"],
            "ResNet-18 train - test (points)": 100 * (train["ResNet-18"] - test["ResNet-18"]),
            "ResNet-50 train - test (points)": 100 * (train["ResNet-50"] - test["ResNet-50"]),
        })
    return pd.DataFrame(rows)


def _training(runs: Sequence[RunOutcome]) -> str:
    """'stable', or 'UNSTABLE: why' for the first unstable run of ``runs``."""
    texts = [summaries.stability_text(run) for run in runs]
    return next((text for text in texts if text != "stable"), "stable")


def runs_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Every run (:func:`summaries.runs_table`) with its test top-1's binomial standard error."""
    table = summaries.runs_table(outcomes)
    table.insert(table.columns.get_loc("test top-1") + 1, "test top-1 ± 1 SE (points)",
                 [100 * verdicts.measured([outcome]).standard_error for outcome in outcomes])
    return table


def model_table(num_classes: int = 10) -> pd.DataFrame:
    """Each model with each stem: its stem, parameter count, and the feature-map side entering
    the first and the last stage for a 32-px CIFAR image (the ImageNet stem divides it by 4)."""
    sides = {"imagenet": (8, 1), "cifar": (32, 4)}  # 32 / 4 into stage 1, then three stride-2 stages
    rows = []
    for model, registry_name in MODELS.items():
        for stem, stem_name in STEMS.items():
            network = create_model(registry_name, num_classes=num_classes, stem=stem, seed=0)
            first, last = sides[stem]
            rows.append({"model": model, "stem": stem_name, "params": count_parameters(network),
                         "stage 1 input (32 px)": f"{first}x{first}", "last stage (32 px)": f"{last}x{last}"})
    return pd.DataFrame(rows)


def tables(outcomes: Sequence[RunOutcome]) -> dict[str, pd.DataFrame]:
    """Every table of the report, by the file name it is saved under."""
    groups = groups_of(outcomes)
    return {
        "table1_resnet18_training": epoch_table(outcomes, "ResNet-18"),
        "table2_resnet50_training": epoch_table(outcomes, "ResNet-50"),
        "test_accuracy": accuracy_table(outcomes),
        "stem_comparison": stem_table(outcomes),
        "paper_contradictions": findings_table(groups),
        "overfitting_gaps": overfitting_table(groups),
        "first_epoch_loss": first_epoch_table(groups),
        "paper_items": paper_items_table(),
        "runs": runs_table(outcomes),
        "time_to_accuracy": summaries.time_to_accuracy_table(outcomes),
    }


def headlines(outcomes: Sequence[RunOutcome]) -> list[dict]:
    """The key comparisons for the report index, each with its uncertainty and verdict: the final
    epoch's test top-1 per model and stem (against the paper's only at its budget), and ResNet-18
    minus ResNet-50 per stem (paired over the test images where the runs stored predictions). A
    headline resting on an unstable run says 'not decided: run unstable'."""
    groups = groups_of(outcomes)
    items = []
    for (model, stem), runs in groups.items():
        paper = PAPER_TEST_TOP1[model] if stem == PAPER_STEM else None
        item = verdicts.accuracy_headline(f"{model} test top-1 ({STEMS[stem]})", paper, runs)
        if paper is not None:
            item["verdict"] = versus_paper(runs, paper)
        elif is_unstable(runs):
            item["verdict"] = UNSTABLE
        items.append(item)
    for stem in STEMS:
        if all((model, stem) in groups for model in MODELS):
            items.append(_gap_headline(stem, groups["ResNet-18", stem], groups["ResNet-50", stem]))
    return items


def _gap_headline(stem: str, r18: Sequence[RunOutcome], r50: Sequence[RunOutcome]) -> dict:
    return verdicts.paired_gap_headline(f"ResNet-18 minus ResNet-50 test top-1 ({STEMS[stem]})",
                                        round(PAPER_GAP, 4) if stem == PAPER_STEM else None, r18, r50,
                                        paper_epochs=PAPER_EPOCHS_TOTAL)
