"""Study 1's figures: Figures 1-2 of the paper (loss and accuracy per epoch, this run's train and
test curves of both stems with the paper's points), test accuracy by model and stem, and a
confusion matrix per run. A pair with an unstable run is labelled UNSTABLE in each."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from helpers.plots import plot_curves
from helpers.runs import RunOutcome
from helpers.studies.common import summaries
from helpers.studies.common.summaries import mean_history
from helpers.studies.s01_depth.groups import groups_of, is_unstable, shown_name
from helpers.studies.s01_depth.paper import (MODELS, PAPER_EPOCHS, PAPER_STEM, PAPER_TEST_TOP1, PAPER_TRAIN_LOSS,
                                             PAPER_TRAIN_TOP1, STEMS)


def figures(outcomes: Sequence[RunOutcome]) -> dict[str, Figure]:
    """Figures 1 (ResNet-18) and 2 (ResNet-50): loss and accuracy per epoch, train and test, both
    stems, the paper's points as markers on the ImageNet-stem run; accuracy bars; confusion
    matrices (first seed of each run)."""
    groups = groups_of(outcomes)
    result: dict[str, Figure] = {}
    for number, model in enumerate(MODELS, start=1):
        histories = {shown_name(m, stem, runs): mean_history(runs) for (m, stem), runs in groups.items() if m == model}
        paper_name = shown_name(model, PAPER_STEM, groups.get((model, PAPER_STEM), []))
        slug = MODELS[model]
        for metric, paper_values, word in (("loss", PAPER_TRAIN_LOSS, "loss"), ("top1", PAPER_TRAIN_TOP1, "accuracy")):
            paper = {paper_name: pd.Series(paper_values[model], index=PAPER_EPOCHS)}
            figure = plot_curves(histories, metric, splits=("train", "test"), paper=paper,
                                 title=f"Figure {number}: {model} on CIFAR-10, {word} (circles: paper, train)")
            if metric == "loss":  # the paper's losses span 0.2-5.4 and early test losses can be far larger
                figure.axes[0].set_yscale("log")
            result[f"fig{number}_{slug}_{word}"] = figure
    bar_rows = [
        {"stem": _stem_label(groups, stem), "model": model,
         "test top-1 (%)": 100 * summaries.mean_metric(runs, "test_top1"),
         "paper (%)": 100 * PAPER_TEST_TOP1[model] if stem == PAPER_STEM else np.nan}
        for (model, stem), runs in groups.items()
    ]
    result.update(summaries.accuracy_bars_and_confusions(
        groups, bar_rows, bars_name="test_accuracy_by_stem", group="stem", value="test top-1 (%)",
        bars_title="Test top-1 by model and stem, final epoch (black: paper)",
        confusion_name=lambda key: f"confusion_{MODELS[key[0]]}_{key[1]}",
        confusion_title=lambda key: shown_name(*key, groups[key])))
    return result


def _stem_label(groups: Mapping[tuple[str, str], Sequence[RunOutcome]], stem: str) -> str:
    """A stem's name on the bar chart, naming the networks whose runs trained unstably."""
    unstable = [model for model in MODELS if is_unstable(groups.get((model, stem), []))]
    return STEMS[stem] + (f" ({', '.join(unstable)} UNSTABLE)" if unstable else "")
