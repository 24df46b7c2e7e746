"""Study 3: AlexNet, VGG19 and ResNet-18/34/50 trained from scratch on Fashion-MNIST, CIFAR-10 and
CIFAR-100 (Kittipipatthanapong 2023, ``../shared/papers/study3_cross_dataset.txt``).

The paper's only result is its Table 1 (test accuracy of five models on three datasets, with
layer and parameter counts); its five figures are illustrations reproduced from He et al. 2016
and Li et al. 2018, not results. This module plans the 15 runs (x seeds) of a profile and builds
Table 1, the paper-vs-run comparison, the ranking check and the conclusion from the outcomes
(the figures: :mod:`helpers.studies.study3_figures`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import pandas as pd
import torch
from matplotlib.figure import Figure
from torch import nn

from helpers.compare import paper_vs_run_grid
from helpers.models import count_parameters, create_model
from helpers.runs import RunOutcome, RunSpec
from helpers.studies import recipes, run_id, summaries
from helpers.studies.parameters import CHOSEN, PAPER, StudyParameters
from helpers.studies.study3_figures import confusion_figures, params_by_model, summary_figures
from helpers.studies.study3_paper import (DATASETS, MODELS, PAPER_ABSTRACT_RESNET18, PAPER_LAYERS, PAPER_PARAMS,
                                          PAPER_TEST_TOP1, PAPER_TEXT_RESNET18, PLAIN_NETWORKS, RESNETS)
from helpers.studies.summaries import data_kind, dataset_label, headline, settings_table

TITLE = "AlexNet, VGG19 and ResNet-18/34/50 from scratch on Fashion-MNIST, CIFAR-10 and CIFAR-100"
STUDY_ID = "03"

SPLIT_SEED = 0  # "a specific seed for reproducibility" (Section 3.1); its value is not given
VAL_FRACTION = 0.2  # "a ratio of 0.8:0.2" (Section 3.1)
IMAGE_SIZE = 32  # "all images were resized to 32x32 pixels" (Section 3.1)

RECIPE = recipes.Recipe(
    # The paper's training recipe (Section 3.3). Precision is not stated: PyTorch's default, fp32.
    paper=dict(epochs=20, batch_size=16, optimizer="sgd", lr=0.001, momentum=0.9, weight_decay=0.001,
               scheduler="cosine", augmentation="crop_flip", crop_padding=4, restore_best=True, precision="fp32"),
    stated=("epochs", "batch_size", "optimizer", "lr", "momentum", "weight_decay", "scheduler", "augmentation",
            "crop_padding", "restore_best"),
    profiles={
        # The paper's optimiser on a tiny class-balanced subset, one epoch, on a shared 2-core CPU.
        "smoke": dict(epochs=1, batch_size=32, precision="auto"),
        # A modern recipe: large batch, warm-up + cosine, Nesterov, label smoothing, mixed precision.
        "quick": dict(epochs=15, batch_size=256, lr=0.1, nesterov=True, weight_decay=5e-4, warmup_epochs=1.0,
                      label_smoothing=0.1, precision="auto"),
    },
    notes={"precision": "the paper profile's fp32 is PyTorch's default"},
)
QUICK_ALEXNET_LR = 0.01  # AlexNet has no BatchNorm, so 0.1 risks divergence; Krizhevsky et al. trained it at 0.01
ALEXNET_RECIPE = RECIPE.variant("quick", lr=QUICK_ALEXNET_LR)
SMOKE_PER_CLASS = {  # (train, test) images per class; measured: 15 runs take 93 s of CPU time (1 thread)
    "fashion_mnist": (8, 4),
    "cifar10": (8, 4),
    "cifar100": (1, 1),  # 100 classes: 100 train, 25 val and 100 test images already
}


def plan(parameters: StudyParameters) -> list[RunSpec]:
    """The runs of ``parameters.profile``: every dataset x model x seed, dataset-major."""
    return [
        RunSpec(run_id=run_id(dataset, model, seed=seed), model=model, dataset=dataset,
                config=recipes.train_config(ALEXNET_RECIPE if model == "alexnet" else RECIPE, parameters, seed=seed),
                model_options=dict(model_options), dataset_options=dataset_options(dataset, parameters.profile),
                labels={"model": model_label, "dataset": dataset_title, "seed": seed})
        for dataset_title, dataset in DATASETS.items()
        for model_label, (model, model_options) in MODELS.items()
        for seed in parameters.seeds
    ]


def dataset_options(dataset: str, profile: str) -> dict[str, Any]:
    """Keyword arguments of ``load_dataset`` for ``dataset`` in ``profile``."""
    options: dict[str, Any] = {"image_size": IMAGE_SIZE, "val_fraction": VAL_FRACTION, "seed": SPLIT_SEED}
    if dataset == "fashion_mnist":
        options["to_rgb"] = True  # one input layout for every model: grey repeated to 3 channels
    if profile == "smoke":
        options["train_per_class"], options["test_per_class"] = SMOKE_PER_CLASS[dataset]
    return options


def settings(parameters: StudyParameters) -> pd.DataFrame:
    """The settings of the profile, each with its source (the paper, or chosen and why)."""
    config = recipes.train_config(RECIPE, parameters, seed=parameters.seeds[0])
    alexnet = recipes.train_config(ALEXNET_RECIPE, parameters, seed=parameters.seeds[0])
    source = functools.partial(recipes.source, RECIPE, parameters)
    fields = ("epochs", "batch_size", "optimizer", "lr", "momentum", "nesterov", "weight_decay", "scheduler",
              "warmup_epochs", "label_smoothing", "augmentation", "crop_padding", "restore_best", "precision")
    rows = [("profile", parameters.profile, "notebook parameter"), ("models", ", ".join(MODELS), PAPER),
            ("datasets", ", ".join(DATASETS), PAPER)]
    rows += [(name, getattr(config, name), source(name)) for name in fields]
    if alexnet.lr != config.lr:
        rows.append(("lr (AlexNet)", alexnet.lr, recipes.source(ALEXNET_RECIPE, parameters, "lr")
                     + ": AlexNet has no BatchNorm, and 0.1 risks divergence"))
    rows += [
        ("schedule shape", "half-cosine to 0 over all steps (CosineAnnealingLR, T_max = the run)",
         f"{CHOSEN}: the paper names CosineAnnealingLR, not its T_max"),
        ("dropout", 0.0, PAPER + " (AlexNet built with dropout=0.0)"),
        ("loss", "cross-entropy", f"{CHOSEN}: the paper names no loss"),
        ("image size", f"{IMAGE_SIZE}x{IMAGE_SIZE} (Fashion-MNIST resized from 28x28)", PAPER),
        ("grey images", "repeated to 3 channels", f"{CHOSEN}: the paper does not say how grey input is fed"),
        ("normalisation", "per-dataset published mean/std", f"{CHOSEN}: the paper says 'normalized' only"),
        ("validation split", f"{VAL_FRACTION:.0%} of training images, stratified, seed {SPLIT_SEED}",
         f"{PAPER} (0.8/0.2, fixed seed); stratification and seed value {CHOSEN}"),
        ("model selection", "epoch with the best validation top-1 is tested", PAPER),
        ("ResNet stem", "CIFAR: 3x3 conv stride 1, no max pool",
         f"{CHOSEN}: the paper follows He et al. but trains on 32-px images"),
        ("VGG19", "16 convs with BatchNorm, global pool, one linear layer", f"{CHOSEN}: small-image variant"),
        ("AlexNet", "3x3 stride-1 first conv, 2x2 max pools, torchvision classifier",
         f"{CHOSEN}: small-image variant with the original's parameter count"),
        ("seeds", list(parameters.seeds), "notebook parameter (the paper reports one run)"),
    ]
    if parameters.profile == "smoke":
        per_class = ", ".join(f"{name}: {train} train / {test} test" for name, (train, test) in SMOKE_PER_CLASS.items())
        rows.append(("images per class", per_class, "smoke profile (paper profile: all)"))
        rows.append(("CIFAR-100", "synthetic stand-in when not on disk", "smoke profile: CIFAR-100 is not embedded"))
    return settings_table(rows)


def plan_table(specs: Sequence[RunSpec]) -> pd.DataFrame:
    """One row per planned run: what is trained on what, for how long."""
    return pd.DataFrame([{
        "run": spec.run_id, "model": spec.labels["model"], "dataset": spec.labels["dataset"], "seed": spec.config.seed,
        "epochs": spec.config.epochs, "batch size": spec.config.batch_size, "lr": spec.config.lr,
        "train/test per class": "all" if "train_per_class" not in spec.dataset_options else
        f"{spec.dataset_options['train_per_class']} / {spec.dataset_options['test_per_class']}",
    } for spec in specs])


def weight_layers(model: nn.Module) -> int:
    """Conv and linear layers on the main path; projection shortcuts are not counted (He et al.)."""
    return sum(1 for name, module in model.named_modules()
               if isinstance(module, (nn.Conv2d, nn.Linear)) and "downsample" not in name)


def model_summary(num_classes: int = 10) -> pd.DataFrame:
    """Each model as built here (on the meta device: no memory, no init cost) beside the paper's counts."""
    rows = []
    for label, (name, options) in MODELS.items():
        with torch.device("meta"):
            model = create_model(name, num_classes=num_classes, in_channels=3, **options)
        rows.append({"model": label, "registry name": name, "options": options or "",
                     "weight layers": weight_layers(model), "layers (paper)": PAPER_LAYERS[label],
                     f"params ({num_classes} classes)": count_parameters(model), "params (paper)": PAPER_PARAMS[label]})
    return pd.DataFrame(rows)


def run_grid(outcomes: Sequence[RunOutcome], metric: str = "test_top1") -> pd.DataFrame:
    """``metric`` per dataset (rows) and model (columns), the mean over seeds; NaN where not run."""
    frame = pd.DataFrame([{"dataset": o.spec.labels["dataset"], "model": o.spec.labels["model"],
                           metric: o.metrics[metric]} for o in outcomes], columns=["dataset", "model", metric])
    grid = frame.pivot_table(index="dataset", columns="model", values=metric, aggfunc="mean")
    return grid.reindex(index=list(DATASETS), columns=list(MODELS))


def accuracy_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Table 1's accuracies, long: dataset, model, paper %, this run %, difference in points, data."""
    paper = pd.DataFrame(PAPER_TEST_TOP1).T.rename_axis(index="dataset", columns="model") * 100
    table = paper_vs_run_grid(paper, run_grid(outcomes), unit="percent", run_unit="fraction")
    kinds = {label: data_kind([o for o in outcomes if o.spec.labels["dataset"] == label]) for label in DATASETS}
    return table.assign(**{"this run's data": table["dataset"].map(kinds)})


def table1(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """The paper's Table 1 as printed, with this run's row under each of the paper's (display strings)."""
    layers = model_summary().set_index("model")["weight layers"]
    params = params_by_model(outcomes)
    accuracy = accuracy_table(outcomes)
    rows = {("# layers", "paper"): {m: str(PAPER_LAYERS[m]) for m in MODELS},
            ("# layers", "this implementation"): {m: str(layers[m]) for m in MODELS},
            ("# params", "paper"): {m: f"{PAPER_PARAMS[m] / 1e6:.0f}M" for m in MODELS},
            ("# params", "this run (10 classes)"): {m: f"{params[m] / 1e6:.1f}M" if m in params else ""
                                                    for m in MODELS}}
    for label in DATASETS:
        cells = accuracy[accuracy["dataset"] == label].set_index("model")
        rows[(label, "paper")] = {m: f"{cells.at[m, 'paper']:.1f}" for m in MODELS}
        rows[(label, f"this run{' (synthetic)' if dataset_label(label, outcomes) != label else ''}")] = {
            m: _format(cells.at[m, "this run"], "{:.1f}") for m in MODELS}
        rows[(label, "difference (points)")] = {m: _format(cells.at[m, "difference (points)"], "{:+.1f}")
                                                 for m in MODELS}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index = pd.MultiIndex.from_tuples(table.index, names=["row", "source"])
    return table


def _format(value: float, pattern: str) -> str:
    return "" if pd.isna(value) else pattern.format(value)


def resnet18_sources(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """ResNet-18's accuracy (%) as Table 1, the abstract and Section 4.2 give it, and this run's."""
    run = run_grid(outcomes)["ResNet-18"] * 100
    return pd.DataFrame([{"dataset": label, "Table 1": PAPER_TEST_TOP1[label]["ResNet-18"] * 100,
                          "abstract": PAPER_ABSTRACT_RESNET18[label] * 100,
                          "Section 4.2 text": PAPER_TEXT_RESNET18.get(label, float("nan")) * 100,
                          "this run": run[label], "this run's data": data_kind(
                              [o for o in outcomes if o.spec.labels["dataset"] == label])} for label in DATASETS])


def _concordant_pairs(paper: pd.Series, run: pd.Series) -> tuple[int, int]:
    """Model pairs ordered the same way in ``run`` as in ``paper`` (ties in the run are not), of all pairs."""
    models = [m for m in paper.index if not pd.isna(run.get(m))]
    pairs = [(a, b) for i, a in enumerate(models) for b in models[i + 1:]]
    same = sum(1 for a, b in pairs if (paper[a] - paper[b]) * (run[a] - run[b]) > 0)
    return same, len(pairs)


def ranking_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Per dataset: the paper's winner and this run's (ties joined by " = "), pairwise agreement,
    and the paper's claim that every ResNet beats both AlexNet and VGG19 (None when a model is missing)."""
    grid = run_grid(outcomes)
    rows = []
    for label in DATASETS:
        paper, run = pd.Series(PAPER_TEST_TOP1[label]), grid.loc[label].dropna()
        if run.empty:
            continue
        same, total = _concordant_pairs(paper, run)
        winners = list(run.index[run == run.max()])
        resnets_above = (bool(run[list(RESNETS)].min() > run[list(PLAIN_NETWORKS)].max())
                         if set(MODELS) <= set(run.index) else None)
        rows.append({"dataset": dataset_label(label, outcomes),
                     "paper winner": paper.idxmax(), "paper winner %": paper.max() * 100,
                     "this run winner": " = ".join(winners), "this run winner %": run.max() * 100,
                     "same winner": winners == [paper.idxmax()],
                     "pairs ordered as in the paper": f"{same} of {total}",
                     "every ResNet above AlexNet and VGG19": resnets_above})
    return pd.DataFrame(rows)


def tables(outcomes: Sequence[RunOutcome]) -> dict[str, pd.DataFrame]:
    """Every table of the report, by the file name it is saved under (the runs, the models as
    built here, Table 1 and its long form, the ranking, ResNet-18's three sources, every run)."""
    return {"plan": plan_table([outcome.spec for outcome in outcomes]), "models": model_summary(),
            "table1": table1(outcomes).reset_index(), "accuracy": accuracy_table(outcomes),
            "ranking": ranking_table(outcomes), "resnet18_sources": resnet18_sources(outcomes),
            "runs": summaries.runs_table(outcomes)}


def figures(outcomes: Sequence[RunOutcome]) -> dict[str, Figure]:
    """Table 1 as bars (paper marks), parameter counts, cost per run, per-dataset curves, and every
    run's test confusion matrix (``confusion_<run id>``)."""
    return {**summary_figures(outcomes), **confusion_figures(outcomes)}


def best_runs(outcomes: Sequence[RunOutcome]) -> list[RunOutcome]:
    """The run with the highest test top-1 on each dataset, in dataset order."""
    best = []
    for label in DATASETS:
        runs = [o for o in outcomes if o.spec.labels["dataset"] == label]
        best += [max(runs, key=lambda o: o.metrics["test_top1"])] if runs else []
    return best


def best_confusions(confusions: dict[str, Figure], outcomes: Sequence[RunOutcome]) -> list[Figure]:
    """From :func:`figures` (or :func:`confusion_figures`), the matrix of each dataset's best run."""
    return [confusions[f"confusion_{outcome.spec.run_id}"] for outcome in best_runs(outcomes)]


def headlines(outcomes: Sequence[RunOutcome]) -> list[dict[str, Any]]:
    """ResNet-18's test top-1 on each dataset beside Table 1's value."""
    grid = run_grid(outcomes)
    return [headline(f"ResNet-18 test top-1, {dataset_label(label, outcomes)}", PAPER_TEST_TOP1[label]["ResNet-18"],
                     None if pd.isna(grid.at[label, "ResNet-18"]) else float(grid.at[label, "ResNet-18"]))
            for label in DATASETS]


CLAIM_WORDS = {True: "yes", False: "no", None: "not checked (a model is missing)"}


def conclusion(outcomes: Sequence[RunOutcome], parameters: StudyParameters) -> str:
    """Markdown: which model won on each dataset in this run and whether the paper's ranking holds."""
    ranking = ranking_table(outcomes)
    notes = [note for outcome in outcomes for note in outcome.metrics.get("data_notes", [])]
    epochs = sorted({int(outcome.metrics["epochs"]) for outcome in outcomes})
    lines = ["**What this run shows**", ""]
    for row in ranking.to_dict("records"):
        verb = "tied" if " = " in row["this run winner"] else "won"
        agree = ("the same winner as the paper" if row["same winner"]
                 else f"the paper's winner was {row['paper winner']} ({row['paper winner %']:.1f} %)")
        claim = CLAIM_WORDS[row["every ResNet above AlexNet and VGG19"]]
        lines.append(f"- **{row['dataset']}**: {row['this run winner']} {verb} with {row['this run winner %']:.1f} % "
                     f"test top-1, {agree}; {row['pairs ordered as in the paper']} model pairs ordered as in the "
                     f"paper; every ResNet above AlexNet and VGG19: {claim} (paper: yes).")
    checked = ranking["every ResNet above AlexNet and VGG19"].dropna().astype(bool)
    lines += ["", f"The paper's central claim, that every ResNet beats both AlexNet and VGG19, holds on "
                  f"{int(checked.sum())} of {len(checked)} datasets checked in this run; the winner matches the "
                  f"paper's on {int(ranking['same winner'].sum())} of {len(ranking)}."]
    if any("synthetic" in note.lower() for note in notes):
        lines.append("Datasets marked *(synthetic)* were synthetic stand-ins: their numbers say nothing about "
                     "the real dataset.")
    paper_epochs = RECIPE.paper["epochs"]
    if parameters.profile == "smoke" or summaries.is_reduced_data(notes) or epochs[-1] < paper_epochs:
        lines.append(f"These runs used reduced data and/or {', '.join(map(str, epochs))} epoch(s) instead of the "
                     f"paper's full data and {paper_epochs} epochs: they prove the pipeline, not the claim.")
    return "\n".join(lines)
