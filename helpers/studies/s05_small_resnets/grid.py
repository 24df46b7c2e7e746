"""Study 5's tuning phase: the grid search over ResNetLarge's learning rate and momentum (the
paper's Figure 7), short runs judged on a validation split of the training images."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from helpers.runs import RunOutcome, RunSpec
from helpers.studies import run_id
from helpers.studies.common import recipes
from helpers.studies.common.claims import unstable_runs
from helpers.studies.common.parameters import StudyParameters
from helpers.studies.s05_small_resnets.paper import MODELS
from helpers.studies.s05_small_resnets.phases import grid_runs
from helpers.statistics.uncertainty import Measured, compare_sentence, measure

# The grid of the tuning phase (ResNetLarge: lr x momentum, short runs on a validation split).
# Smoke: one-cycle SGD (Nesterov) for one epoch on 40 images per class; measured on the embedded
# samples, lr 0.05 learns (val 15-22 %) and lr 0.2 overshoots (epoch loss 4.5), so the grid shows a choice.
PROFILE_GRIDS = {
    "smoke": dict(lrs=(0.05, 0.2), momenta=(0.8, 0.9), epochs=1),
    # cpu v2: 9 points of 2 epochs on every training image (22,500 train / 2,500 validation), ~5
    # lane-minutes each at v1's rates. v1's grid (lr 0.05-0.2 x momentum 0.8-0.95, 900 images per class)
    # peaked at its corner, lr 0.05 with momentum 0.95 (48.2 % validation top-1; lr 0.2 and momentum 0.8
    # the worst, 40.5-44.3 %), so v2 centres the grid there: the optimum can now fall inside it.
    "cpu": dict(lrs=(0.025, 0.05, 0.1), momenta=(0.9, 0.95, 0.98), epochs=2),
    "quick": dict(lrs=(0.05, 0.1, 0.2, 0.4), momenta=(0.8, 0.9, 0.95), epochs=3),
    "paper": dict(lrs=(0.001, 0.01, 0.05, 0.1), momenta=(0.5, 0.9, 0.95), epochs=10),
}
GRID_VAL_FRACTION = 0.1  # of the training images, stratified, seeded (smoke: 0.2 of its subset)
# The grid is judged on its validation split; its test split is evaluated but unused (kept tiny in smoke).
# Smoke: 40 of the embedded samples' 160 images per class (a fifth of them validate): ~4 s per point.
PROFILE_GRID_DATA = {"smoke": dict(train_per_class=40, test_per_class=5), "cpu": {}, "quick": {}, "paper": {}}


def grid_val_fraction(parameters: StudyParameters) -> float:
    """The share of the training images the grid runs validate on."""
    return 0.2 if parameters.profile == "smoke" else GRID_VAL_FRACTION  # smoke: >= 2 images per class


def grid_plan(parameters: StudyParameters, recipe: recipes.Recipe) -> list[RunSpec]:
    """ResNetLarge, trained with ``recipe``, for every (learning rate, momentum) of the profile's
    grid and every seed, on the training images minus a validation split, for the grid's epochs
    (at most the final runs' epochs)."""
    grid = PROFILE_GRIDS[parameters.profile]
    epochs = min(grid["epochs"], recipes.train_config(recipe, parameters, seed=0).epochs)
    dataset_options = {"val_fraction": grid_val_fraction(parameters), **PROFILE_GRID_DATA[parameters.profile]}
    return [
        RunSpec(run_id=run_id("grid", f"lr{lr:g}", f"momentum{momentum:g}", seed=seed), model=MODELS["ResNetLarge"],
                dataset="cifar10",
                config=recipes.train_config(recipe, parameters, seed=seed,
                                            changes={"lr": lr, "momentum": momentum, "epochs": epochs}),
                dataset_options=dict(dataset_options),
                labels={"model": "ResNetLarge", "phase": "grid", "lr": lr, "momentum": momentum, "seed": seed})
        for seed in parameters.seeds for lr in grid["lrs"] for momentum in grid["momenta"]
    ]


def grid_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """One row per grid point of the tuning phase's runs among ``outcomes``: learning rate,
    momentum, validation top-1 (best epoch, mean over seeds) with its standard error (binomial on
    the validation images for one seed, over seeds for several), final train top-1, seeds."""
    columns = ["learning rate", "momentum", "validation top-1", "validation ± 1 SE (points)", "train top-1", "seeds"]
    rows = []
    for (lr, momentum), runs in _by_point(outcomes).items():
        validation = grid_measured(runs)
        rows.append({"learning rate": lr, "momentum": momentum, "validation top-1": validation.value,
                     "validation ± 1 SE (points)": 100 * validation.standard_error,
                     "train top-1": sum(run.metrics["final_train_top1"] for run in runs) / len(runs),
                     "seeds": len(runs)})
    return pd.DataFrame(rows, columns=columns)


def _by_point(outcomes: Sequence[RunOutcome]) -> dict[tuple[float, float], list[RunOutcome]]:
    """The grid runs by (learning rate, momentum), seeds together, in grid order."""
    points: dict[tuple[float, float], list[RunOutcome]] = {}
    for outcome in grid_runs(outcomes):
        points.setdefault((outcome.spec.labels["lr"], outcome.spec.labels["momentum"]), []).append(outcome)
    return points


def grid_point_runs(outcomes: Sequence[RunOutcome], lr: float, momentum: float) -> list[RunOutcome]:
    """The grid runs (seeds) of the point (``lr``, ``momentum``); empty when it was not run."""
    return _by_point(outcomes).get((lr, momentum), [])


def grid_measured(runs: Sequence[RunOutcome]) -> Measured:
    """A grid point's best validation top-1 over its runs (seeds), with its uncertainty."""
    return measure([run.metrics["best_val_top1"] for run in runs], int(runs[0].metrics.get("num_val") or 1))


def grid_choice_sentence(outcomes: Sequence[RunOutcome]) -> str:
    """The grid's choice against the runner-up: whether the best point is clearly better on
    validation, or the grid cannot tell them apart at its size."""
    table = grid_table(outcomes).sort_values("validation top-1", ascending=False, kind="stable")
    best = table.iloc[0]
    text = (f"best lr {best['learning rate']:g}, momentum {best['momentum']:g} "
            f"({100 * best['validation top-1']:.1f} ± {best['validation ± 1 SE (points)']:.1f} % validation top-1)")
    if len(table) < 2:
        return text + "."
    second = table.iloc[1]
    runs = _by_point(outcomes)
    first_key, second_key = ((row["learning rate"], row["momentum"]) for row in (best, second))
    _, sentence = compare_sentence(f"lr {first_key[0]:g} / momentum {first_key[1]:g}", grid_measured(runs[first_key]),
                                   f"the runner-up (lr {second_key[0]:g} / momentum {second_key[1]:g})",
                                   grid_measured(runs[second_key]), evaluated_on="validation")
    return f"{text}. {sentence}"


def best_grid_point(outcomes: Sequence[RunOutcome]) -> dict[str, float]:
    """The grid's (lr, momentum) with the highest mean validation top-1 (first in grid order on ties),
    among the points whose runs trained stably (:func:`helpers.studies.common.claims.unstable_runs`:
    a run that learned and then diverged may still hold the best validation epoch), all points when
    none did."""
    table = grid_table(outcomes)
    if table.empty:
        raise ValueError("no grid outcomes: run the tuning phase (study5.tuning_plan) first")
    stable = [not unstable_runs(grid_point_runs(outcomes, row["learning rate"], row["momentum"]))
              for _, row in table.iterrows()]
    if any(stable):
        table = table[stable]
    best = table.loc[table["validation top-1"].idxmax()]
    return {"lr": float(best["learning rate"]), "momentum": float(best["momentum"])}
