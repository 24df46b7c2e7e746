"""Study 5's tuning phase: the grid search over ResNetLarge's learning rate and momentum (the
paper's Figure 7), short runs judged on a validation split of the training images."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from helpers.runs import RunOutcome, RunSpec
from helpers.studies import recipes, run_id
from helpers.studies.parameters import StudyParameters
from helpers.studies.study5_paper import MODELS

# The grid of the tuning phase (ResNetLarge: lr x momentum, short runs on a validation split).
PROFILE_GRIDS = {
    "smoke": dict(lrs=(0.01, 0.1), momenta=(0.8, 0.9), epochs=1),
    "quick": dict(lrs=(0.05, 0.1, 0.2, 0.4), momenta=(0.8, 0.9, 0.95), epochs=3),
    "paper": dict(lrs=(0.001, 0.01, 0.05, 0.1), momenta=(0.5, 0.9, 0.95), epochs=10),
}
GRID_VAL_FRACTION = 0.1  # of the training images, stratified, seeded (smoke: 0.2 of its subset)
# The grid is judged on its validation split; its test split is evaluated but unused (kept tiny in smoke).
PROFILE_GRID_DATA = {"smoke": dict(train_per_class=24, test_per_class=5), "quick": {}, "paper": {}}


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


def grid_runs(outcomes: Sequence[RunOutcome]) -> list[RunOutcome]:
    """The grid search's runs among ``outcomes``."""
    return [outcome for outcome in outcomes if outcome.spec.labels.get("phase") == "grid"]


def grid_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """One row per grid point of the tuning phase's runs among ``outcomes``: learning rate,
    momentum, validation top-1 (best epoch, mean over seeds), final train top-1, number of seeds."""
    frame = pd.DataFrame([{"learning rate": o.spec.labels["lr"], "momentum": o.spec.labels["momentum"],
                           "validation top-1": o.metrics["best_val_top1"],
                           "train top-1": o.metrics["final_train_top1"]} for o in grid_runs(outcomes)])
    if frame.empty:
        return pd.DataFrame(columns=["learning rate", "momentum", "validation top-1", "train top-1", "seeds"])
    grouped = frame.groupby(["learning rate", "momentum"], sort=False)
    return grouped.mean().assign(seeds=grouped.size()).reset_index()


def best_grid_point(outcomes: Sequence[RunOutcome]) -> dict[str, float]:
    """The grid's (lr, momentum) with the highest mean validation top-1 (first in grid order on ties)."""
    table = grid_table(outcomes)
    if table.empty:
        raise ValueError("no grid outcomes: run the tuning phase (study5.tuning_plan) first")
    best = table.loc[table["validation top-1"].idxmax()]
    return {"lr": float(best["learning rate"]), "momentum": float(best["momentum"])}
