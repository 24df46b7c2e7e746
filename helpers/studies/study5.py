"""Study 5: ResNets under 5 million parameters on CIFAR-10 (``../shared/papers/study5_sub5m_resnet_cifar10.txt``).

The paper trains two small ResNets with a strong augmentation whose output is concatenated with
the original images (batch 64): "ResNet18" (BasicBlocks [2,2,2,2], widths 42-84-168-336, dropout
0.15; 4,815,940 parameters) with AdamW for 80 epochs and a "dynamic" learning rate (Figure 5), and
"ResNetLarge" (BasicBlocks [1,1,1,1], widths 64-512; 4,903,242 parameters) with SGD for 120 epochs,
its learning rate and momentum chosen by a grid search on validation accuracy (Figure 7). Table 1:
test 93.02 % / 92.73 %, train 97.98 % / 98.22 %.

Two phases, because the second depends on the first: :func:`grid_plan` trains ResNetLarge on a
train / validation split for every (learning rate, momentum) pair; :func:`best_grid_point` picks the
pair with the best validation top-1; :func:`plan` then trains both models on the full training set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
from matplotlib.figure import Figure

from helpers.compare import paper_vs_run_grid
from helpers.config import TrainConfig
from helpers.models import create_model, format_summary, summary, summary_totals
from helpers.plots import plot_confusion_matrix, plot_curves, plot_grid_heatmap, plot_learning_rate
from helpers.runs import RunOutcome, RunSpec
from helpers.studies import summaries
from helpers.studies.parameters import CHOSEN, PAPER, StudyParameters
from helpers.studies.summaries import mean_history

TITLE = "Study 5: ResNets under 5 million parameters on CIFAR-10"
STUDY_ID = "05"

MODELS = {"ResNet18": "resnet18_narrow", "ResNetLarge": "resnet_large"}  # paper name -> registry name
INPUT_SIZE = (3, 32, 32)
PAPER_BATCH_SIZE = 64
PAPER_EPOCHS = {"ResNet18": 80, "ResNetLarge": 120}
PAPER_OPTIMIZERS = {"ResNet18": "AdamW", "ResNetLarge": "SGD"}
OPTIMIZER_NAMES = {"adamw": "AdamW", "adam": "Adam", "sgd": "SGD"}
PAPER_PARAMS = {"ResNet18": 4_815_940, "ResNetLarge": 4_903_242}
PAPER_TEST_TOP1 = {"ResNet18": 0.9302, "ResNetLarge": 0.9273}
PAPER_TRAIN_TOP1 = {"ResNet18": 0.9798, "ResNetLarge": 0.9822}
# Figures 2-3 as printed (torchsummary): rows, and the size estimates in MB.
PAPER_LAYER_TABLES = {
    "ResNet18": {"rows": 57, "forward_backward_mb": 8.61, "params_size_mb": 18.37, "total_size_mb": 27.00},
    "ResNetLarge": {"rows": 30, "forward_backward_mb": 6.57, "params_size_mb": 18.70, "total_size_mb": 25.28},
}
AUGMENTATION = dict(augmentation="study5", crop_padding=4, concat_original=True)  # paper (strengths chosen)

# Per profile: each model's recipe, the grid (ResNetLarge: lr x momentum, short runs on a
# validation split) and the data subset. smoke: 2 epochs on 40 images per class (so the curves
# are lines), a 2x2 grid of 1-epoch runs on 24 per class: about a minute on 2 idle CPU cores (measured).
PROFILE_RECIPES = {
    "smoke": {"ResNet18": dict(epochs=2, optimizer="adamw", lr=0.001, weight_decay=0.01, scheduler="onecycle"),
              "ResNetLarge": dict(epochs=2, optimizer="sgd", weight_decay=5e-4, scheduler="cosine")},
    # Fewer epochs at a larger batch (fewer, bigger steps on a GPU), learning rates scaled with it.
    "quick": {"ResNet18": dict(epochs=20, batch_size=256, optimizer="adamw", lr=0.003, weight_decay=0.05,
                               scheduler="onecycle"),
              "ResNetLarge": dict(epochs=20, batch_size=256, optimizer="sgd", nesterov=True, weight_decay=5e-4,
                                  scheduler="onecycle")},
    "paper": {"ResNet18": dict(epochs=80, optimizer="adamw", lr=0.001, weight_decay=0.01, scheduler="onecycle"),
              "ResNetLarge": dict(epochs=120, optimizer="sgd", weight_decay=5e-4, scheduler="cosine")},
}
PROFILE_GRIDS = {
    "smoke": dict(lrs=(0.01, 0.1), momenta=(0.8, 0.9), epochs=1),
    "quick": dict(lrs=(0.05, 0.1, 0.2, 0.4), momenta=(0.8, 0.9, 0.95), epochs=3),
    "paper": dict(lrs=(0.001, 0.01, 0.05, 0.1), momenta=(0.5, 0.9, 0.95), epochs=10),
}
GRID_VAL_FRACTION = 0.1  # of the training images, stratified, seeded (smoke: 0.2 of its subset)
PROFILE_DATA = {"smoke": dict(train_per_class=40, test_per_class=40), "quick": {}, "paper": {}}
# The grid is judged on its validation split; its test split is evaluated but unused (kept tiny in smoke).
PROFILE_GRID_DATA = {"smoke": dict(train_per_class=24, test_per_class=5), "quick": {}, "paper": {}}
FALLBACK_GRID_POINT = {"lr": 0.05, "momentum": 0.9}  # only when plan() is called without a grid result


def _config(parameters: StudyParameters, model: str, seed: int, **changes) -> TrainConfig:
    """The profile's recipe for ``model``, then the notebook's overrides, then ``changes`` (grid values)."""
    values = {"batch_size": PAPER_BATCH_SIZE, **AUGMENTATION, **PROFILE_RECIPES[parameters.profile][model],
              "seed": seed, "device": parameters.device}
    if parameters.epochs is not None:
        values["epochs"] = parameters.epochs
    if parameters.batch_size is not None:
        values["batch_size"] = parameters.batch_size
    return TrainConfig.from_dict({**values, **changes})


def _grid_val_fraction(parameters: StudyParameters) -> float:
    return 0.2 if parameters.profile == "smoke" else GRID_VAL_FRACTION  # smoke: >= 2 images per class


def grid_plan(parameters: StudyParameters) -> list[RunSpec]:
    """ResNetLarge for every (learning rate, momentum) of the profile's grid and every seed,
    trained on the training images minus a validation split, for the grid's epochs (at most the
    final runs' epochs)."""
    grid = PROFILE_GRIDS[parameters.profile]
    epochs = min(grid["epochs"], _config(parameters, "ResNetLarge", 0).epochs)
    dataset_options = {"val_fraction": _grid_val_fraction(parameters), **PROFILE_GRID_DATA[parameters.profile]}
    return [
        RunSpec(run_id=f"grid_lr{lr:g}_momentum{momentum:g}_seed{seed}", model=MODELS["ResNetLarge"],
                dataset="cifar10",
                config=_config(parameters, "ResNetLarge", seed, lr=lr, momentum=momentum, epochs=epochs),
                dataset_options=dataset_options,
                labels={"model": "ResNetLarge", "phase": "grid", "lr": lr, "momentum": momentum, "seed": seed})
        for seed in parameters.seeds for lr in grid["lrs"] for momentum in grid["momenta"]
    ]


def grid_table(grid_outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """One row per grid point: learning rate, momentum, validation top-1 (best epoch, mean over
    seeds), final train top-1 and the number of seeds."""
    frame = pd.DataFrame([{"learning rate": o.spec.labels["lr"], "momentum": o.spec.labels["momentum"],
                           "validation top-1": o.metrics["best_val_top1"],
                           "train top-1": o.metrics["final_train_top1"]} for o in grid_outcomes])
    if frame.empty:
        return pd.DataFrame(columns=["learning rate", "momentum", "validation top-1", "train top-1", "seeds"])
    grouped = frame.groupby(["learning rate", "momentum"], sort=False)
    return grouped.mean().assign(seeds=grouped.size()).reset_index()


def best_grid_point(grid_outcomes: Sequence[RunOutcome]) -> dict[str, float]:
    """The grid's (lr, momentum) with the highest mean validation top-1 (first in grid order on ties)."""
    table = grid_table(grid_outcomes)
    if table.empty:
        raise ValueError("no grid outcomes: run grid_plan(parameters) first")
    best = table.loc[table["validation top-1"].idxmax()]
    return {"lr": float(best["learning rate"]), "momentum": float(best["momentum"])}


def plan(parameters: StudyParameters, grid_choice: Mapping[str, float] | None = None) -> list[RunSpec]:
    """Per seed: ResNet18 (AdamW) and ResNetLarge (SGD with ``grid_choice``'s lr and momentum,
    from :func:`best_grid_point`) on the full training set, tested on the test set."""
    choice = dict(grid_choice or FALLBACK_GRID_POINT)
    source = "grid search" if grid_choice else "fallback (no grid search run)"
    specs = []
    for seed in parameters.seeds:
        for model, registry_name in MODELS.items():
            changes = {"lr": choice["lr"], "momentum": choice["momentum"]} if model == "ResNetLarge" else {}
            specs.append(RunSpec(
                run_id=f"{registry_name}_seed{seed}", model=registry_name, dataset="cifar10",
                config=_config(parameters, model, seed, **changes),
                dataset_options=dict(PROFILE_DATA[parameters.profile]),
                labels={"model": model, "phase": "final", "seed": seed,
                        **({"lr source": source} if model == "ResNetLarge" else {})}))
    return specs


def settings(parameters: StudyParameters, grid_choice: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The profile's settings, each with its source (the paper or chosen here)."""
    small, large = (_config(parameters, model, parameters.seeds[0]) for model in MODELS)
    grid, data = PROFILE_GRIDS[parameters.profile], PROFILE_DATA[parameters.profile]
    profile_choice = f"{CHOSEN} ({parameters.profile} profile)"
    grid_data = PROFILE_GRID_DATA[parameters.profile]
    subset = (f"{data['train_per_class']} train / {data['test_per_class']} test images per class (grid runs: "
              f"{grid_data['train_per_class']} train / {grid_data['test_per_class']} test)" if data else "all")
    chosen = (f"lr {grid_choice['lr']:g}, momentum {grid_choice['momentum']:g} (best on validation)" if grid_choice
              else "from the grid search below")
    return summaries.settings_table([
        ("dataset", "CIFAR-10 (50,000 train / 10,000 test officially)", PAPER),
        ("images used", subset, PAPER if not data else profile_choice),
        ("normalisation", "CIFAR-10 training-set mean and std per channel",
         f"{PAPER} ('predefined'; values: {CHOSEN})"),
        ("augmentation", "rotation <= 10 deg, flip p 0.5, random crop (padding 4), colour jitter (0.2, 0.2, 0.2, "
         "hue 0.1), translation <= 10 %; concatenated with the original images",
         f"{PAPER} (padding, jitter and translation strengths: {CHOSEN})"),
        ("batch size", small.batch_size, PAPER if small.batch_size == PAPER_BATCH_SIZE else profile_choice),
        ("ResNet18", "BasicBlocks [2,2,2,2], widths 42-84-168-336, dropout 0.15, 3x3 stem, GAP, linear", PAPER),
        ("ResNet18 optimiser", f"AdamW, weight decay {small.weight_decay}", f"{PAPER} (weight decay: {CHOSEN})"),
        ("ResNet18 learning rate",
         f"{small.scheduler}: warm-up to {small.lr} over the first quarter, then linear decay to 0",
         f"{CHOSEN}: the paper shows a 'dynamic learning rate' (Figure 5) without naming it; one-cycle is the "
         "closest schedule the trainer offers"),
        ("ResNet18 epochs", small.epochs, PAPER if small.epochs == PAPER_EPOCHS["ResNet18"] else profile_choice),
        ("ResNetLarge", "BasicBlocks [1,1,1,1], widths 64-128-256-512, 3x3 stem, GAP, linear", PAPER),
        ("ResNetLarge optimiser", f"SGD{' (Nesterov)' if large.nesterov else ''}, weight decay {large.weight_decay}",
         f"{PAPER} (weight decay: {CHOSEN})"),
        ("ResNetLarge lr and momentum", chosen, f"{PAPER} (grid search)"),
        ("ResNetLarge lr schedule", large.scheduler, CHOSEN),
        ("ResNetLarge epochs", large.epochs, PAPER if large.epochs == PAPER_EPOCHS["ResNetLarge"] else profile_choice),
        ("grid", f"lr {list(grid['lrs'])} x momentum {list(grid['momenta'])}",
         f"{PAPER} (lr x momentum; values: {CHOSEN})"),
        ("grid runs", f"{min(grid['epochs'], large.epochs)} epoch(s) each, validation = "
         f"{_grid_val_fraction(parameters):.0%} of the training images (stratified)", CHOSEN),
        ("seeds", ", ".join(map(str, parameters.seeds)), CHOSEN),
        ("device / precision", f"{small.device} / {small.precision}", "this machine"),
    ])


def layer_table(model: str) -> pd.DataFrame:
    """Figure 2 ('ResNet18') or 3 ('ResNetLarge'): layer, output shape, parameters (torchsummary's form)."""
    return summary(create_model(MODELS[model]), INPUT_SIZE)


def layer_tables() -> dict[str, pd.DataFrame]:
    """Figures 2 and 3: the layer table of each model, by the paper's model name."""
    return {model: layer_table(model) for model in MODELS}


def layer_text(table: pd.DataFrame) -> str:
    """The layer table as torchsummary prints it, totals and size estimates included."""
    return format_summary(table)


def layer_totals(table: pd.DataFrame) -> pd.DataFrame:
    """Total, trainable and non-trainable parameters of a layer table."""
    return summary_totals(table)


def layer_check(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Figures 2-3 as printed beside ours: parameters, rows and torchsummary's size estimates."""
    rows = []
    for model, table in tables.items():
        paper = {"params": PAPER_PARAMS[model], **PAPER_LAYER_TABLES[model]}
        here = {"params": table.attrs["total_params"], "rows": len(table),
                **{key: round(table.attrs[key], 2)
                   for key in ("forward_backward_mb", "params_size_mb", "total_size_mb")}}
        rows += [{"model": model, "item": key, "paper": paper[key], "this run": here[key],
                  "difference": round(here[key] - paper[key], 2)} for key in paper]
    return pd.DataFrame(rows)


def _groups(outcomes: Sequence[RunOutcome]) -> dict[str, list[RunOutcome]]:
    return summaries.group_outcomes(outcomes, lambda outcome: outcome.spec.labels["model"])


def table1(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Table 1 in the paper's form, a paper and a this-run column per model (accuracies in %)."""
    groups = _groups(outcomes)
    columns = {}
    for model in MODELS:
        runs = groups.get(model, [])
        columns[f"{model} (paper)"] = [PAPER_EPOCHS[model], PAPER_OPTIMIZERS[model], f"{PAPER_PARAMS[model]:,}",
                                       f"{100 * PAPER_TEST_TOP1[model]:.2f}%", f"{100 * PAPER_TRAIN_TOP1[model]:.2f}%"]
        columns[f"{model} (this run)"] = (
            [runs[0].metrics["epochs"], OPTIMIZER_NAMES[runs[0].metrics["config"]["optimizer"]],
             f"{runs[0].metrics['params']:,}", f"{100 * summaries.mean_metric(runs, 'test_top1'):.2f}%",
             f"{100 * summaries.mean_metric(runs, 'final_train_top1'):.2f}%"] if runs else [None] * 5)
    index = ["Epochs", "Optimiser", "Parameters", "Final Test Accuracy", "Final Train Accuracy"]
    return pd.DataFrame(columns, index=pd.Index(index, name="Model ->"))


def accuracy_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Table 1's accuracies, paper vs this run (mean over seeds), in percent with differences."""
    groups = _groups(outcomes)
    paper = pd.DataFrame({"test top-1": PAPER_TEST_TOP1, "train top-1": PAPER_TRAIN_TOP1})
    run = pd.DataFrame({model: {"test top-1": summaries.mean_metric(runs, "test_top1"), "train top-1": summaries.mean_metric(runs, "final_train_top1")}
                        for model, runs in groups.items()}).T
    return paper_vs_run_grid(100 * paper, run, unit="percent", run_unit="fraction", row_label="model",
                             column_label="metric")


def parameter_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Parameter counts, paper vs the trained models (the difference should be 0)."""
    groups = _groups(outcomes)
    counts = {model: groups[model][0].metrics["params"] if model in groups else None for model in MODELS}
    return pd.DataFrame([{"model": model, "paper": PAPER_PARAMS[model], "this run": count,
                          "difference": None if count is None else count - PAPER_PARAMS[model]}
                         for model, count in counts.items()])


def tables(outcomes: Sequence[RunOutcome], grid_outcomes: Sequence[RunOutcome],
           layers: Mapping[str, pd.DataFrame] | None = None) -> dict[str, pd.DataFrame]:
    """Every table of the report, by file name; ``layers`` from :func:`layer_tables` (built if None)."""
    layers = layer_tables() if layers is None else layers
    return {"table1": table1(outcomes).reset_index(), "table1_accuracy_vs_paper": accuracy_table(outcomes),
            "parameters": parameter_table(outcomes), "fig7_grid": grid_table(grid_outcomes),
            "runs": summaries.runs_table([*grid_outcomes, *outcomes]),
            "fig2_resnet18_layers": layers["ResNet18"], "fig3_resnetlarge_layers": layers["ResNetLarge"],
            "layer_check": layer_check(layers)}


def headlines(outcomes: Sequence[RunOutcome], grid_outcomes: Sequence[RunOutcome] = ()) -> list[dict]:
    """Test and train top-1 of both models, and the best grid point's validation top-1."""
    groups = _groups(outcomes)
    items = []
    for model, runs in groups.items():
        items.append(summaries.headline(f"{model} test top-1", PAPER_TEST_TOP1[model], summaries.mean_metric(runs, "test_top1")))
        items.append(summaries.headline(f"{model} train top-1", PAPER_TRAIN_TOP1[model], summaries.mean_metric(runs, "final_train_top1")))
    if all(model in groups for model in MODELS):
        gap = summaries.mean_metric(groups["ResNet18"], "test_top1") - summaries.mean_metric(groups["ResNetLarge"], "test_top1")
        items.append(summaries.headline("ResNet18 minus ResNetLarge test top-1",
                                     round(PAPER_TEST_TOP1["ResNet18"] - PAPER_TEST_TOP1["ResNetLarge"], 4), gap,
                                     difference=True))
    if grid_outcomes:
        items.append(summaries.headline("ResNetLarge grid: best validation top-1", None,
                                     float(grid_table(grid_outcomes)["validation top-1"].max())))
    return items


def figures(outcomes: Sequence[RunOutcome], grid_outcomes: Sequence[RunOutcome]) -> dict[str, Figure]:
    """Figures 4 and 8 (test confusion matrices, first seed), 5 (ResNet18's learning rate per epoch),
    6 and 9 (accuracy and loss, train and test, mean over seeds) and 7 (the grid's validation top-1)."""
    groups = _groups(outcomes)
    result: dict[str, Figure] = {}
    numbers = {"ResNet18": (4, 6), "ResNetLarge": (8, 9)}
    for model, runs in groups.items():
        confusion_number, curve_number = numbers[model]
        slug = model.lower()
        result[f"fig{confusion_number}_{slug}_confusion"] = plot_confusion_matrix(
            runs[0].confusion, runs[0].metrics["classes"],
            title=f"Figure {confusion_number}: {model} test confusion (seed {runs[0].spec.labels['seed']})")
        history = mean_history(runs)
        result[f"fig{curve_number}_{slug}_accuracy"] = plot_curves(
            {model: history}, "top1", splits=("train", "test"), title=f"Figure {curve_number}: {model} accuracy")
        result[f"fig{curve_number}_{slug}_loss"] = plot_curves(
            {model: history}, "loss", splits=("train", "test"), title=f"Figure {curve_number}: {model} loss")
    if "ResNet18" in groups:
        result["fig5_resnet18_learning_rate"] = plot_learning_rate(
            mean_history(groups["ResNet18"]), title="Figure 5: ResNet18 learning rate at the end of each epoch")
    if grid_outcomes:
        result["fig7_resnetlarge_grid"] = plot_grid_heatmap(
            grid_table(grid_outcomes), x="momentum", y="learning rate", value="validation top-1",
            title="Figure 7: ResNetLarge validation top-1 over learning rate x momentum")
    return result


def conclusion(outcomes: Sequence[RunOutcome], grid_outcomes: Sequence[RunOutcome] = (), *,
               profile: str | None = None) -> str:
    """What this run says about the paper's results, as markdown, from the numbers themselves."""
    groups = _groups(outcomes)
    lines = []
    for model, runs in groups.items():
        test, train = summaries.mean_metric(runs, "test_top1"), summaries.mean_metric(runs, "final_train_top1")
        params = runs[0].metrics["params"]
        match = "matching" if params == PAPER_PARAMS[model] else "unlike"
        paper_test = PAPER_TEST_TOP1[model]
        lines.append(f"- **{model}** ({params:,} parameters, {match} the paper's {PAPER_PARAMS[model]:,}): "
                     f"test {100 * test:.2f} % ({100 * (test - paper_test):+.2f} points vs the paper's "
                     f"{100 * paper_test:.2f} %), "
                     f"train {100 * train:.2f} % (paper {100 * PAPER_TRAIN_TOP1[model]:.2f} %); "
                     f"train minus test {100 * (train - test):+.1f} points.")
    if all(model in groups for model in MODELS):
        gap = summaries.mean_metric(groups["ResNet18"], "test_top1") - summaries.mean_metric(groups["ResNetLarge"], "test_top1")
        leader = "ResNet18" if gap > 0 else "ResNetLarge" if gap < 0 else "neither"
        verdict = "as in" if leader == "ResNet18" else "unlike"
        lines.append(f"- {leader} leads on test by {abs(100 * gap):.2f} points, {verdict} the paper "
                     f"(ResNet18 ahead by 0.29 points, a gap the size of seed-to-seed noise on CIFAR-10).")
    if grid_outcomes:
        grid = grid_table(grid_outcomes)
        best = best_grid_point(grid_outcomes)
        spread = 100 * (grid["validation top-1"].max() - grid["validation top-1"].min())
        lines.append(f"- Grid search: best lr {best['lr']:g}, momentum {best['momentum']:g} "
                     f"({100 * grid['validation top-1'].max():.1f} % validation top-1); the grid spans "
                     f"{spread:.1f} points. The paper shows its grid (Figure 7) but not the values it chose.")
    chance = 1 / len(outcomes[0].metrics["classes"]) if outcomes else 0.0
    if groups and max(summaries.mean_metric(runs, "test_top1") for runs in groups.values()) < 2 * chance:
        lines.append(f"- Both models are near chance ({100 * chance:.0f} %): which one leads is noise here.")
    seeds = max((len(runs) for runs in groups.values()), default=0)
    epochs = {model: runs[0].metrics["epochs"] for model, runs in groups.items()}
    caveats = [f"{seeds} seed(s) per model: differences under a point are within seed-to-seed noise"
               if seeds < 3 else f"means over {seeds} seeds"]
    if any(epochs[model] != PAPER_EPOCHS[model] for model in epochs):
        caveats.append("epochs " + ", ".join(f"{m} {e} (paper {PAPER_EPOCHS[m]})" for m, e in epochs.items()))
    return summaries.conclusion_markdown(lines, caveats, outcomes=[*outcomes, *grid_outcomes], profile=profile,
                                      claim="the paper's claims")
