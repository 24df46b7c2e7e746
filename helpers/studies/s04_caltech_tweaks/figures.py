"""Study 4's figures: the paper's Figures 4-6 (train and validation top-1 per epoch of Model-B,
A+c+l and B+c+l, the paper's final value as a circle), loss and top-1 curves per epoch of every
run (one pair per table, and one for the pretrained comparison), bars of Tables 1-3, and
validation confusion matrices (the best run's, and every run's on the full data). An unstable run
is marked "(UNSTABLE)" wherever it is drawn."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from matplotlib.figure import Figure

from helpers.plots import plot_confusion_matrix, plot_curves, plot_grouped_bars
from helpers.runs import RunOutcome
from helpers.studies.common import summaries
from helpers.studies.s04_caltech_tweaks import pretrained
from helpers.studies.s04_caltech_tweaks.paper import (PAPER_EPOCHS, PAPER_REFINED, PAPER_TWEAKS, REFINED_MODELS,
                                                      REFINEMENTS, display_name, run_name)
from helpers.studies.s04_caltech_tweaks.tables import best_run, groups_by_run, refinement_table, tweak_table

CURVE_FIGURES = {"fig4_model_b_curves": ("B", 4), "fig5_a_c_l_curves": ("A+c+l", 5), "fig6_b_c_l_curves": ("B+c+l", 6)}
# Loss and accuracy curves of every run, one pair of figures per table: prefix -> (runs, title).
TABLE_CURVES = {
    "table1_": (tuple(PAPER_TWEAKS), "Table 1 (test = the paper's validation split):"),
    **{f"table{2 + index}_": ((model, *(run_name(model, r) for r in REFINEMENTS)),
                              f"Table {2 + index}, Model-{model} (test = validation):")
       for index, model in enumerate(REFINED_MODELS)},
}


def _validation_history(runs: Sequence[RunOutcome]) -> pd.DataFrame:
    """Mean history over seeds with test_* renamed val_*: the test split is the paper's validation."""
    history = pd.concat([run.history.select_dtypes("number") for run in runs]).groupby("epoch", as_index=False).mean()
    return history.rename(columns=lambda column: column.replace("test_", "val_", 1))


def _named_refinements(table: pd.DataFrame, model: str) -> pd.DataFrame:
    """A Table 2/3 frame with its rows named as runs ('A+c+l') in a 'run' column."""
    return table.assign(run=[run_name(model, refinements) for refinements in table["refinements"]])


def figures(outcomes: Sequence[RunOutcome]) -> dict[str, Figure]:
    """Loss and top-1 curves per epoch of every run (train and validation, mean over seeds; keys
    ``table1_loss_curves``, ``table1_accuracy_curves``, ... and ``pretrained_*`` when the
    comparison ran), Figures 4-6 (train and validation top-1 per epoch of B, A+c+l, B+c+l, the
    paper's final value as a circle at epoch 10), bars of Tables 1-3, and the validation confusion
    matrix (first seed) of the
    best run, and of every run when they trained on the full data (on the embedded samples or a
    subset, 2 validation images per class make 101-class matrices say nothing, and each takes
    seconds to render; every run's matrix is still saved as a table)."""
    groups = groups_by_run(outcomes)
    result: dict[str, Figure] = {}
    for prefix, (names, title) in TABLE_CURVES.items():
        chosen = {display_name(name): groups[name] for name in names if name in groups}
        if chosen:
            result.update(summaries.curves_figures(chosen, prefix=prefix, title=title))
    twins = pretrained.twin_groups(outcomes)
    if twins:
        result.update(summaries.curves_figures(twins, prefix="pretrained_",
                                               title="Pretrained comparison (test = validation):"))
    paper_final = {"B": PAPER_TWEAKS["B"][0], "A+c+l": PAPER_REFINED["A"]["c+l"][0],
                   "B+c+l": PAPER_REFINED["B"]["c+l"][0]}
    for key, (name, number) in CURVE_FIGURES.items():
        if name in groups:
            stable = all(summaries.stability_text(run) == "stable" for run in groups[name])
            shown = name if stable else f"{name} (UNSTABLE)"
            result[key] = plot_curves(
                {shown: _validation_history(groups[name])}, "top1", splits=("train", "val"),
                paper={shown: pd.Series({PAPER_EPOCHS: paper_final[name]})},
                title=f"Figure {number}: {name}, train and validation top-1 (circle: paper)")
    bars = pd.concat([tweak_table(outcomes).rename(columns={"model": "run"}),
                      *(_named_refinements(refinement_table(outcomes, model), model) for model in REFINED_MODELS)])
    bars = bars.assign(**{"this run (%)": 100 * bars["this run accuracy"], "paper (%)": 100 * bars["paper accuracy"],
                          "run": [f"{run} (UNSTABLE)" if training.startswith("UNSTABLE") else run
                                  for run, training in zip(bars["run"], bars["training"])]})
    result["top1_top5_bars"] = plot_grouped_bars(bars, group="run", category="metric", value="this run (%)",
                                                 paper_value="paper (%)",
                                                 title="Tables 1-3: validation accuracy (black: paper)")
    if groups:
        best = best_run(outcomes)
        first = groups[best][0]
        result["confusion_best"] = plot_confusion_matrix(
            first.confusion, first.metrics["classes"], normalize=True,
            title=f"Best run {best} (seed {first.spec.labels['seed']}): validation confusion, row-normalised")
    reduced = summaries.data_kind(outcomes) != "full" or any(
        "train_per_class" in outcome.spec.dataset_options for outcome in outcomes)
    if not reduced:
        for outcome in outcomes:
            result[f"confusion_{outcome.spec.run_id}"] = plot_confusion_matrix(
                outcome.confusion, outcome.metrics["classes"], normalize=True,
                title=f"{outcome.spec.run_id}: validation confusion, row-normalised")
    return result
