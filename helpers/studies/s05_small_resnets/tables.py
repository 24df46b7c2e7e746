"""Study 5's tables, pure functions of the runs: Table 1 in the paper's form and its accuracies
paper vs this run, parameter counts, every run (with the data it used and what each of its epochs
held), the model ordering on one recipe and on the paper's, every table of the report by file name
(:func:`tables`) and the headline records (:func:`headlines`). Every accuracy of this run is its
final epoch's and carries its uncertainty (one seed: the binomial standard error of the images it
was measured on; several: over seeds, test-set noise included); every verdict is computed
(:data:`helpers.statistics.uncertainty.RULE`), and none from an unstable run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from helpers.runs import RunOutcome
from helpers.studies.common import summaries, verdicts
from helpers.studies.common.claims import NOT_DECIDED, UNSTABLE, ledger_frame, unstable_runs
from helpers.studies.common.verdicts import NOT_RUN
from helpers.studies.s05_small_resnets.contradictions import findings_table, paper_items_table, plateau_rows
from helpers.studies.s05_small_resnets.findings import budget_shortfalls, claims_ledger, ordering_pairs
from helpers.studies.s05_small_resnets.grid import grid_measured, grid_table
from helpers.studies.s05_small_resnets.layers import layer_check, layer_tables
from helpers.studies.s05_small_resnets.paper import MODELS, PAPER_EPOCHS, PAPER_OPTIMIZERS, PAPER_PARAMS, \
    PAPER_TEST_TOP1, PAPER_TRAIN_TOP1
from helpers.studies.s05_small_resnets.phases import ablation_runs, ablations_of, final_runs, grid_runs, groups_of
from helpers.studies.s05_small_resnets.recipe import EQUAL_RECIPE, tuned_values
from helpers.statistics.uncertainty import Measured, compare_sentence, measure

OPTIMIZER_NAMES = {"adamw": "AdamW", "adam": "Adam", "sgd": "SGD"}
VERDICT_WORDS = {"first": "above the paper", "second": "below the paper", "unclear": "within the noise of the paper"}


def measured_train(runs: Sequence[RunOutcome]) -> Measured:
    """Final train top-1 over the runs with its uncertainty: the binomial error of the images of
    the last epoch (the original set and its augmented copy when they are concatenated)."""
    copies = 2 if runs[0].spec.config.concat_original else 1
    return measure([run.metrics["final_train_top1"] for run in runs], copies * int(runs[0].metrics["num_train"]))


def measured(runs: Sequence[RunOutcome], metric: str) -> Measured:
    """``metric`` ('test top-1' or 'train top-1') of the runs with its uncertainty."""
    return verdicts.measured(runs) if metric == "test top-1" else measured_train(runs)


def table1(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Table 1 in the paper's form, a paper and a this-run column per model (accuracies in %,
    this run's ± 1 standard error)."""
    groups = groups_of(outcomes)
    columns = {}
    for model in MODELS:
        runs = groups.get(model, [])
        columns[f"{model} (paper)"] = [PAPER_EPOCHS[model], PAPER_OPTIMIZERS[model], f"{PAPER_PARAMS[model]:,}",
                                       f"{100 * PAPER_TEST_TOP1[model]:.2f}%", f"{100 * PAPER_TRAIN_TOP1[model]:.2f}%"]
        if runs:
            test, train = measured(runs, "test top-1"), measured(runs, "train top-1")
            flag = " (UNSTABLE)" if unstable_runs(runs) else ""
            columns[f"{model} (this run)"] = [
                runs[0].metrics["epochs"], OPTIMIZER_NAMES[runs[0].metrics["config"]["optimizer"]],
                f"{runs[0].metrics['params']:,}", f"{100 * test.value:.2f}% ± {100 * test.standard_error:.2f}{flag}",
                f"{100 * train.value:.2f}% ± {100 * train.standard_error:.2f}{flag}"]
        else:  # the study ran in part
            columns[f"{model} (this run)"] = [NOT_RUN] * 5
    index = ["Epochs", "Optimiser", "Parameters", "Final Test Accuracy", "Final Train Accuracy"]
    return pd.DataFrame(columns, index=pd.Index(index, name="Model ->"))


def accuracy_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Table 1's accuracies, paper vs this run (final epoch, mean over seeds, ± 1 SE), the
    difference in points, whether it is larger than the noise ('not decided: run unstable' for an
    unstable run) and what this run had less of than the paper; one row per model and metric
    ('not run' for a model that did not train)."""
    groups = groups_of(outcomes)
    rows = []
    for model in MODELS:
        runs = groups.get(model)
        for metric, paper in (("test top-1", PAPER_TEST_TOP1[model]), ("train top-1", PAPER_TRAIN_TOP1[model])):
            if not runs:
                rows.append({"model": model, "metric": metric, "paper top-1": paper, "verdict": NOT_RUN})
                continue
            value = measured(runs, metric)
            verdict, _ = compare_sentence("this run", value, "the paper", paper)
            rows.append({"model": model, "metric": metric, "paper top-1": paper, "this run top-1": value.value,
                         "this run ± 1 SE (points)": 100 * value.standard_error,
                         "difference (points)": 100 * (value.value - paper),
                         "verdict": UNSTABLE if unstable_runs(runs) else VERDICT_WORDS[verdict],
                         "less than the paper's budget": "; ".join(budget_shortfalls(model, runs)) or "none"})
    return pd.DataFrame(rows, columns=["model", "metric", "paper top-1", "this run top-1", "this run ± 1 SE (points)",
                                       "difference (points)", "verdict", "less than the paper's budget"])


def parameter_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Parameter counts, paper vs the trained models (the difference should be 0)."""
    groups = groups_of(outcomes)
    counts = {model: groups[model][0].metrics["params"] if model in groups else None for model in MODELS}
    return pd.DataFrame([{"model": model, "paper": PAPER_PARAMS[model], "this run": NOT_RUN if count is None else count,
                          "difference": None if count is None else count - PAPER_PARAMS[model]}
                         for model, count in counts.items()])


def runs_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Every run, grid runs first, then the final runs and the ablations (:func:`summaries.runs_table`),
    with its test top-1's binomial standard error, what each of its epochs held
    (:func:`epoch_contents`) and its own data notes (a full-data run carries none of a subset's)."""
    ordered = [*grid_runs(outcomes), *final_runs(outcomes), *ablation_runs(outcomes)]
    table = summaries.runs_table(ordered)
    if ordered:
        table.insert(table.columns.get_loc("test top-1") + 1, "test top-1 ± 1 SE (points)",
                     [100 * verdicts.measured([outcome]).standard_error for outcome in ordered])
        table["each epoch"] = [epoch_contents(outcome) for outcome in ordered]
        table["data"] = ["; ".join(outcome.metrics.get("data_notes") or []) for outcome in ordered]
    return table


def epoch_contents(run: RunOutcome) -> str:
    """What each training epoch of ``run`` held, from its config (``augmentation``,
    ``concat_original``) and its training images."""
    images, config = int(run.metrics["num_train"]), run.spec.config
    augmented = config.augmentation != "none"
    if config.concat_original:
        return (f"{2 * images:,} images: each of the {images:,} training images as the original and once augmented"
                if augmented else f"{2 * images:,} images: each of the {images:,} training images twice, unaugmented")
    return (f"{images:,} images: one augmented copy of each training image, the originals not added" if augmented
            else f"{images:,} images: each training image once, unaugmented")


def epoch_note(outcomes: Sequence[RunOutcome]) -> str:
    """Markdown: what each epoch held, per group of runs alike in it (from the runs' configs), so
    that the train accuracy (measured over the last epoch's images) is read for what it is."""
    contents: dict[str, list[str]] = {}
    for run in [*final_runs(outcomes), *ablation_runs(outcomes), *grid_runs(outcomes)]:
        labels = run.spec.labels
        name = {"grid": "grid runs", "ablation": labels.get("variant")}.get(labels.get("phase"),
                                                                            f"{labels['model']} (final)")
        names = contents.setdefault(epoch_contents(run), [])
        if name not in names:
            names.append(name)
    return "**What each training epoch held** (from each run's config):\n" + "\n".join(
        f"- {'; '.join(names)}: {text}." for text, names in contents.items())


def ordering_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """ResNetLarge minus ResNet18 on one recipe (the verdict's basis) and with each model's own
    recipe, as the paper (labelled: recipes differ, so no verdict)."""
    return pd.DataFrame([{"pair": pair, "this run": row["this run"], "seeds": row["seeds"], "verdict": row["verdict"]}
                         for pair, row in ordering_pairs(outcomes).items()],
                        columns=["pair", "this run", "seeds", "verdict"])


def train_headline(label: str, paper: float, runs: Sequence[RunOutcome]) -> dict[str, Any]:
    """:func:`verdicts.accuracy_headline` for the final train top-1, its uncertainty from the
    training images of the last epoch rather than the test set's."""
    record = verdicts.accuracy_headline(label, paper, runs, key="final_train_top1")
    value = measured_train(runs)
    verdict, _ = compare_sentence("this run", value, "the paper", paper)
    return {**record, "uncertainty": value.as_record(), "verdict": VERDICT_WORDS[verdict]}


def tables(outcomes: Sequence[RunOutcome]) -> dict[str, pd.DataFrame]:
    """Every table of the report, by file name: the claims ledger, Table 1, its accuracies vs the
    paper, the model ordering (one recipe and the paper's), parameter counts, the grid (Figure 7),
    the paper's inconsistencies, the plateau check, the paper's items, every run (grid runs first),
    the minutes to each accuracy mark (same order) and the layer tables (Figures 2-3)."""
    layers = layer_tables()
    groups = groups_of(outcomes)
    return {"claims_ledger": ledger_frame(claims_ledger(outcomes)),
            "table1": table1(outcomes).reset_index(), "table1_accuracy_vs_paper": accuracy_table(outcomes),
            "model_ordering": ordering_table(outcomes),
            "parameters": parameter_table(outcomes), "fig7_grid": grid_table(outcomes),
            "paper_contradictions": findings_table(groups), "plateau_after_epoch_40": pd.DataFrame(plateau_rows(groups)),
            "paper_items": paper_items_table(), "runs": runs_table(outcomes),
            "time_to_accuracy": summaries.time_to_accuracy_table(
                [*grid_runs(outcomes), *final_runs(outcomes), *ablation_runs(outcomes)]),
            "fig2_resnet18_layers": layers["ResNet18"], "fig3_resnetlarge_layers": layers["ResNetLarge"],
            "layer_check": layer_check(layers)}


def headlines(outcomes: Sequence[RunOutcome]) -> list[dict]:
    """Test and train top-1 of both models (final epoch) beside Table 1's, the gap between them on
    one recipe and with each model's own (as Table 1), each with its uncertainty and verdict, and
    the data notes of the runs it rests on; the best grid point's validation top-1. A verdict is
    'not decided' below the paper's budget, from an unstable run, or between recipes that differ."""
    groups = groups_of(outcomes)
    items = []
    for model, runs in groups.items():
        for record in (verdicts.accuracy_headline(f"{model} test top-1", PAPER_TEST_TOP1[model], runs),
                       train_headline(f"{model} train top-1", PAPER_TRAIN_TOP1[model], runs)):
            verdict = (UNSTABLE if unstable_runs(runs) else NOT_DECIDED if budget_shortfalls(model, runs)
                       else record["verdict"])
            items.append({**record, "verdict": verdict, "data_notes": summaries.data_notes(runs)})
    equal = ablations_of(outcomes).get(EQUAL_RECIPE, [])
    if all(model in groups for model in MODELS):
        pairs = {"one recipe (ResNet18's)": (groups["ResNet18"], equal, None),
                 "each model its own recipe, as Table 1": (groups["ResNet18"], groups["ResNetLarge"],
                                                           round(PAPER_TEST_TOP1["ResNet18"]
                                                                 - PAPER_TEST_TOP1["ResNetLarge"], 4))}
        for name, (first, second, paper) in pairs.items():
            if second:
                items.append(_gap_headline(f"ResNet18 minus ResNetLarge test top-1, {name}", paper, first, second))
    if grid_runs(outcomes):
        best = tuned_values(outcomes)
        runs = [o for o in grid_runs(outcomes) if (o.spec.labels["lr"], o.spec.labels["momentum"]) ==
                (best["lr"], best["momentum"])]
        record = verdicts.accuracy_headline("ResNetLarge grid: best validation top-1", None, runs, key="best_val_top1")
        items.append({**record, "uncertainty": grid_measured(runs).as_record(),  # the validation set's size
                      "data_notes": summaries.data_notes(runs)})
    return items


def _gap_headline(label: str, paper: float | None, first: Sequence[RunOutcome],
                  second: Sequence[RunOutcome]) -> dict[str, Any]:
    """``first`` minus ``second`` (paired on the test images where the runs stored predictions),
    with the data notes of the runs it rests on."""
    return {**verdicts.paired_gap_headline(label, paper, first, second, undecided=NOT_DECIDED,
                                           paper_epochs=PAPER_EPOCHS["ResNet18"]),  # as the ledger's row
            "data_notes": summaries.data_notes([*first, *second])}
