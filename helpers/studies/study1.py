"""Study 1: ResNet-18 vs ResNet-50 on CIFAR-10 (``../shared/papers/study1_resnet18_vs_resnet50_cifar10.txt``).

The paper trains both networks for 100 epochs (cross-entropy; mean 0.5 / std 0.5 normalisation;
random crop and horizontal flip) and finds ResNet-18 better than ResNet-50 on the test set (0.8294
vs 0.7604), which it blames on overfitting. It describes the ImageNet stem (7x7 conv, stride 2);
32-px CIFAR images then reach the first stage at 8x8, the last at 1x1. Every profile here trains
both models with that stem *and* with the usual CIFAR stem (3x3 conv, stride 1, no max pool), so
the report can say whether the stem, rather than the depth, explains ResNet-50's result.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from helpers.compare import paper_vs_run
from helpers.models import count_parameters, create_model
from helpers.plots import plot_curves
from helpers.runs import RunOutcome, RunSpec
from helpers.studies import recipes, run_id, summaries
from helpers.studies.parameters import CHOSEN, PAPER, StudyParameters
from helpers.studies.study1_paper import (PAPER_EPOCHS, PAPER_EPOCHS_TOTAL, PAPER_TEST_TOP1, PAPER_TRAIN_LOSS,
                                          PAPER_TRAIN_TOP1)
from helpers.studies.summaries import mean_history

TITLE = "Study 1: ResNet-18 vs ResNet-50 on CIFAR-10"
STUDY_ID = "01"

MODELS = {"ResNet-18": "resnet18", "ResNet-50": "resnet50"}  # display name -> registry name
STEMS = {"imagenet": "ImageNet stem", "cifar": "CIFAR stem"}  # imagenet: the paper's description
PAPER_STEM = "imagenet"

RECIPE = recipes.Recipe(
    # The paper: 100 epochs of plain cross-entropy with random crops and flips; optimiser, learning
    # rate, schedule and batch size are not stated (momentum is mentioned).
    paper=dict(epochs=PAPER_EPOCHS_TOTAL, batch_size=128, optimizer="sgd", lr=0.1, momentum=0.9,
               weight_decay=5e-4, scheduler="cosine", augmentation="crop_flip", crop_padding=4, label_smoothing=0.0),
    stated=("epochs", "augmentation", "label_smoothing"),
    profiles={
        # Two epochs so that every curve has a line; batch 50 cuts 200 images into 4 equal steps (each new
        # batch shape costs the CPU kernels a slow first call). Measured on the 2-core CPU, one thread:
        # ~60 CPU-seconds for the 4 runs, 33 of them the CIFAR-stem ResNet-50 (~8 images/s).
        "smoke": dict(epochs=2, batch_size=50, lr=0.02),
        # A modern fast recipe: one-cycle, Nesterov, label smoothing, large batches (bf16 on a GPU).
        "quick": dict(epochs=18, batch_size=512, lr=0.4, nesterov=True, scheduler="onecycle", label_smoothing=0.1),
    },
    data={"smoke": dict(train_per_class=20, test_per_class=10)},
    notes={"momentum": "the paper mentions momentum, no value"},
)


def plan(parameters: StudyParameters) -> list[RunSpec]:
    """Both models x both stems x each seed: 4 runs per seed, the paper's stem first."""
    dataset_options = {"normalization": "half", **RECIPE.dataset_options(parameters.profile)}
    return [
        RunSpec(
            run_id=run_id(registry_name, stem, seed=seed),
            model=registry_name,
            dataset="cifar10",
            config=recipes.train_config(RECIPE, parameters, seed=seed),
            model_options={"stem": stem},
            dataset_options=dict(dataset_options),
            labels={"model": model, "stem": stem, "seed": seed},
        )
        for seed in parameters.seeds
        for model, registry_name in MODELS.items()
        for stem in STEMS
    ]


def settings(parameters: StudyParameters) -> pd.DataFrame:
    """The profile's settings, each with its source (the paper or chosen here)."""
    config = recipes.train_config(RECIPE, parameters, seed=parameters.seeds[0])
    source = functools.partial(recipes.source, RECIPE, parameters)
    optimizer = f"{config.optimizer.upper()}, momentum {config.momentum}" + (", Nesterov" if config.nesterov else "")
    loss = "cross-entropy" + (f", label smoothing {config.label_smoothing}" if config.label_smoothing else "")
    return summaries.settings_table([
        ("dataset", "CIFAR-10", PAPER),
        recipes.images_row(RECIPE, parameters, everything="all (the paper: 50,000 train / 10,000 test)"),
        ("image size", "32x32 (native)", PAPER),
        ("normalisation", "mean 0.5, std 0.5 per channel", PAPER),
        ("augmentation", f"random crop 32x32 (padding {config.crop_padding}) + horizontal flip",
         source("augmentation", "crop_padding")),
        ("loss", loss, source("label_smoothing")),
        ("models", "ResNet-18 (BasicBlock [2,2,2,2]), ResNet-50 (Bottleneck [3,4,6,3])", PAPER),
        ("stem: imagenet", "7x7 conv stride 2 + 3x3 max pool stride 2", PAPER),
        ("stem: cifar", "3x3 conv stride 1, no max pool",
         "beyond the paper: tests whether the stem explains ResNet-50's result"),
        ("epochs", config.epochs, source("epochs")),
        ("batch size", config.batch_size, source("batch_size")),
        ("optimizer", optimizer, source("optimizer", "momentum", "nesterov")),
        ("learning rate", f"{config.lr} ({config.scheduler} schedule, per step)", source("lr", "scheduler")),
        ("weight decay", config.weight_decay, source("weight_decay")),
        ("seeds", ", ".join(map(str, parameters.seeds)), CHOSEN),
        ("device / precision", f"{config.device} / {config.precision}", "this machine"),
    ])


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


def _groups(outcomes: Sequence[RunOutcome]) -> dict[tuple[str, str], list[RunOutcome]]:
    """Outcomes by (model, stem), seeds together, in plan order."""
    return summaries.group_outcomes(outcomes,
                                    lambda outcome: (outcome.spec.labels["model"], outcome.spec.labels["stem"]))


def run_name(model: str, stem: str) -> str:
    """The display name of a (model, stem) pair, e.g. 'ResNet-18, ImageNet stem'."""
    return f"{model}, {STEMS[stem]}"


def epoch_table(outcomes: Sequence[RunOutcome], model: str) -> pd.DataFrame:
    """Tables 1 / 2 for ``model``: the paper's training loss and accuracy at epochs 1, 11, ..., 91
    beside this run's (per stem; mean over seeds), with differences. Epochs this run did not
    reach are NaN. Loss difference is this run minus the paper; accuracy difference in points."""
    frames = []
    for (group_model, stem), runs in _groups(outcomes).items():
        if group_model != model:
            continue
        history = mean_history(runs).set_index("epoch")
        loss = paper_vs_run(dict(zip(PAPER_EPOCHS, PAPER_TRAIN_LOSS[model])),
                            history["train_loss"].to_dict(), label="epoch")
        top1 = paper_vs_run(dict(zip(PAPER_EPOCHS, PAPER_TRAIN_TOP1[model])),
                            history["train_top1"].to_dict(), label="epoch")
        frames.append(pd.DataFrame({
            "stem": stem,
            "epoch": loss["epoch"],
            "paper train loss": loss["paper"],
            "this run train loss": loss["this run"],
            "loss difference": loss["this run"] - loss["paper"],
            "paper train top-1": top1["paper"],
            "this run train top-1": top1["this run"],
            "top-1 difference (points)": top1["difference (points)"],
        }))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def accuracy_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Final test top-1 per model and stem (mean over seeds) beside the paper's, in points.

    The paper's numbers belong to its (ImageNet-stem) description; they are repeated on the
    CIFAR-stem rows as the reference to beat."""
    groups = _groups(outcomes)
    paper = {run_name(model, stem): PAPER_TEST_TOP1[model] for model, stem in groups}
    run = {run_name(model, stem): summaries.mean_metric(runs, "test_top1") for (model, stem), runs in groups.items()}
    table = paper_vs_run(paper, run, label="run")
    table.insert(1, "seeds", [len(runs) for runs in groups.values()])
    return table


def stem_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Per stem: each model's test top-1, ResNet-50 minus ResNet-18 (points) beside the paper's
    difference, and each model's generalisation gap (final train minus test top-1, points)."""
    groups = _groups(outcomes)
    rows = []
    for stem in STEMS:
        if not all((model, stem) in groups for model in MODELS):
            continue
        test = {model: summaries.mean_metric(groups[model, stem], "test_top1") for model in MODELS}
        train = {model: summaries.mean_metric(groups[model, stem], "final_train_top1") for model in MODELS}
        rows.append({
            "stem": stem,
            "ResNet-18 test top-1": test["ResNet-18"],
            "ResNet-50 test top-1": test["ResNet-50"],
            "ResNet-50 - ResNet-18 (points)": 100 * (test["ResNet-50"] - test["ResNet-18"]),
            "paper: ResNet-50 - ResNet-18 (points)":
                100 * (PAPER_TEST_TOP1["ResNet-50"] - PAPER_TEST_TOP1["ResNet-18"]),
            "ResNet-18 train - test (points)": 100 * (train["ResNet-18"] - test["ResNet-18"]),
            "ResNet-50 train - test (points)": 100 * (train["ResNet-50"] - test["ResNet-50"]),
        })
    return pd.DataFrame(rows)


def tables(outcomes: Sequence[RunOutcome]) -> dict[str, pd.DataFrame]:
    """Every table of the report, by the file name it is saved under."""
    return {
        "table1_resnet18_training": epoch_table(outcomes, "ResNet-18"),
        "table2_resnet50_training": epoch_table(outcomes, "ResNet-50"),
        "test_accuracy": accuracy_table(outcomes),
        "stem_comparison": stem_table(outcomes),
        "runs": summaries.runs_table(outcomes),
    }


def headlines(outcomes: Sequence[RunOutcome]) -> list[dict]:
    """The key comparisons for the report index: test top-1 per model and stem, and the gap."""
    groups = _groups(outcomes)
    items = []
    for (model, stem), runs in groups.items():
        items.append(summaries.headline(f"{model} test top-1 ({STEMS[stem]})",
                                        PAPER_TEST_TOP1[model] if stem == PAPER_STEM else None,
                                        summaries.mean_metric(runs, "test_top1")))
    for stem in STEMS:
        if all((model, stem) in groups for model in MODELS):
            gap = (summaries.mean_metric(groups["ResNet-18", stem], "test_top1")
                   - summaries.mean_metric(groups["ResNet-50", stem], "test_top1"))
            paper_gap = PAPER_TEST_TOP1["ResNet-18"] - PAPER_TEST_TOP1["ResNet-50"]
            items.append(summaries.headline(f"ResNet-18 minus ResNet-50 test top-1 ({STEMS[stem]})",
                                            round(paper_gap, 4) if stem == PAPER_STEM else None, gap,
                                            difference=True))
    return items


def figures(outcomes: Sequence[RunOutcome]) -> dict[str, Figure]:
    """Figures 1 (ResNet-18) and 2 (ResNet-50): loss and accuracy per epoch, train and test, both
    stems, the paper's points as markers on the ImageNet-stem run; accuracy bars; confusion
    matrices (first seed of each run)."""
    groups = _groups(outcomes)
    result: dict[str, Figure] = {}
    for number, model in enumerate(MODELS, start=1):
        histories = {run_name(m, stem): mean_history(runs) for (m, stem), runs in groups.items() if m == model}
        paper_name = run_name(model, PAPER_STEM)
        slug = MODELS[model]
        for metric, paper_values, word in (("loss", PAPER_TRAIN_LOSS, "loss"), ("top1", PAPER_TRAIN_TOP1, "accuracy")):
            paper = {paper_name: pd.Series(paper_values[model], index=PAPER_EPOCHS)}
            figure = plot_curves(histories, metric, splits=("train", "test"), paper=paper,
                                 title=f"Figure {number}: {model} on CIFAR-10, {word} (circles: paper, train)")
            if metric == "loss":  # the paper's losses span 0.2-5.4 and early test losses can be far larger
                figure.axes[0].set_yscale("log")
            result[f"fig{number}_{slug}_{word}"] = figure
    bar_rows = [
        {"stem": STEMS[stem], "model": model, "test top-1 (%)": 100 * summaries.mean_metric(runs, "test_top1"),
         "paper (%)": 100 * PAPER_TEST_TOP1[model] if stem == PAPER_STEM else np.nan}
        for (model, stem), runs in groups.items()
    ]
    result.update(summaries.accuracy_bars_and_confusions(
        groups, bar_rows, bars_name="test_accuracy_by_stem", group="stem", value="test top-1 (%)",
        bars_title="Test top-1 by model and stem (black: paper)",
        confusion_name=lambda key: f"confusion_{MODELS[key[0]]}_{key[1]}",
        confusion_title=lambda key: run_name(*key)))
    return result


def conclusion(outcomes: Sequence[RunOutcome], parameters: StudyParameters) -> str:
    """What this run says about the paper's claim (ResNet-18 beats ResNet-50), as markdown."""
    groups = _groups(outcomes)
    lines = []
    for stem in STEMS:
        if not all((model, stem) in groups for model in MODELS):
            continue
        r18 = summaries.mean_metric(groups["ResNet-18", stem], "test_top1")
        r50 = summaries.mean_metric(groups["ResNet-50", stem], "test_top1")
        winner = "ResNet-18" if r18 > r50 else "ResNet-50" if r50 > r18 else "neither"
        agrees = "agrees with" if winner == "ResNet-18" else "disagrees with"
        lines.append(f"- **{STEMS[stem]}**: ResNet-18 {100 * r18:.2f} %, ResNet-50 {100 * r50:.2f} % test top-1; "
                     f"{winner} wins by {abs(100 * (r18 - r50)):.2f} points, which {agrees} the paper "
                     f"(ResNet-18 ahead by {100 * (PAPER_TEST_TOP1['ResNet-18'] - PAPER_TEST_TOP1['ResNet-50']):.2f}).")
    if ("ResNet-50", "imagenet") in groups and ("ResNet-50", "cifar") in groups:
        change = 100 * (summaries.mean_metric(groups["ResNet-50", "cifar"], "test_top1")
                        - summaries.mean_metric(groups["ResNet-50", "imagenet"], "test_top1"))
        lines.append(f"- Switching ResNet-50 to the CIFAR stem changed its test top-1 by {change:+.2f} points.")
    caveats = summaries.seed_and_epoch_caveats(outcomes, groups, paper_epochs=PAPER_EPOCHS_TOTAL,
                                               noise="differences of a point or two")
    return summaries.conclusion_markdown(lines, caveats, outcomes=outcomes, profile=parameters.profile)
