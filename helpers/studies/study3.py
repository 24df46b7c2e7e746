"""Study 3: AlexNet, VGG19 and ResNet-18/34/50 trained from scratch on Fashion-MNIST, CIFAR-10 and
CIFAR-100 (Kittipipatthanapong 2023, ``../shared/papers/study3_cross_dataset.txt``).

The paper's only result is its Table 1 (test accuracy of five models on three datasets, with
layer and parameter counts); its five figures are illustrations reproduced from He et al. 2016
and Li et al. 2018, not results. This module plans the 15 runs (x seeds) of a profile and builds
Table 1, the paper-vs-run comparison, the ranking check and the figures from the outcomes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import torch
from matplotlib.figure import Figure
from torch import nn

from helpers import plots
from helpers.compare import paper_vs_run_grid
from helpers.config import TrainConfig
from helpers.models import count_parameters, create_model
from helpers.runs import RunOutcome, RunSpec
from helpers.studies.parameters import CHOSEN, PAPER, StudyParameters
from helpers.studies.summaries import headline, is_reduced_data, settings_table

TITLE = "AlexNet, VGG19 and ResNet-18/34/50 from scratch on Fashion-MNIST, CIFAR-10 and CIFAR-100"
STUDY_ID = "03"

# Display name -> (registry name, model options). AlexNet without dropout: "dropout techniques
# were not utilized" (Section 3.3). ResNets use the library's default CIFAR stem (chosen).
MODELS: dict[str, tuple[str, dict[str, Any]]] = {
    "AlexNet": ("alexnet", {"dropout": 0.0}),
    "VGG19": ("vgg19", {}),
    "ResNet-18": ("resnet18", {}),
    "ResNet-34": ("resnet34", {}),
    "ResNet-50": ("resnet50", {}),
}
DATASETS = {"Fashion-MNIST": "fashion_mnist", "CIFAR-10": "cifar10", "CIFAR-100": "cifar100"}
RESNETS = ("ResNet-18", "ResNet-34", "ResNet-50")
PLAIN_NETWORKS = ("AlexNet", "VGG19")

# Table 1 of the paper. Accuracies as fractions; parameter counts as printed (rounded to millions).
PAPER_LAYERS = {"AlexNet": 9, "VGG19": 19, "ResNet-18": 18, "ResNet-34": 34, "ResNet-50": 50}
PAPER_PARAMS = {"AlexNet": 56_000_000, "VGG19": 20_000_000, "ResNet-18": 11_000_000,
                "ResNet-34": 21_000_000, "ResNet-50": 23_000_000}
PAPER_TEST_TOP1 = {
    "Fashion-MNIST": {"AlexNet": 0.894, "VGG19": 0.896, "ResNet-18": 0.934, "ResNet-34": 0.937, "ResNet-50": 0.933},
    "CIFAR-10": {"AlexNet": 0.776, "VGG19": 0.747, "ResNet-18": 0.893, "ResNet-34": 0.896, "ResNet-50": 0.892},
    "CIFAR-100": {"AlexNet": 0.400, "VGG19": 0.479, "ResNet-18": 0.657, "ResNet-34": 0.652, "ResNet-50": 0.656},
}
# The abstract's ResNet-18 numbers disagree with Table 1 (they are Table 1's ResNet-34 column on
# Fashion-MNIST and CIFAR-10, and its ResNet-34 CIFAR-100 cell); Section 4.2 gives a third value.
PAPER_ABSTRACT_RESNET18 = {"Fashion-MNIST": 0.937, "CIFAR-10": 0.896, "CIFAR-100": 0.652}
PAPER_TEXT_RESNET18 = {"Fashion-MNIST": 0.936}

SPLIT_SEED = 0  # "a specific seed for reproducibility" (Section 3.1); its value is not given
VAL_FRACTION = 0.2  # "a ratio of 0.8:0.2" (Section 3.1)
IMAGE_SIZE = 32  # "all images were resized to 32x32 pixels" (Section 3.1)

# The paper's training recipe (Section 3.3). Precision is not stated: PyTorch's default, fp32.
PAPER_CONFIG = TrainConfig(epochs=20, batch_size=16, optimizer="sgd", lr=0.001, momentum=0.9, weight_decay=0.001,
                           scheduler="cosine", augmentation="crop_flip", crop_padding=4, restore_best=True,
                           precision="fp32")
STATED_FIELDS = ("epochs", "batch_size", "optimizer", "lr", "momentum", "weight_decay", "scheduler",
                 "augmentation", "crop_padding", "restore_best")
# quick: a modern recipe (large batch, warm-up + cosine, Nesterov, label smoothing, mixed precision).
QUICK_CONFIG = PAPER_CONFIG.replace(epochs=15, batch_size=256, lr=0.1, nesterov=True, weight_decay=5e-4,
                                    warmup_epochs=1.0, label_smoothing=0.1, precision="auto")
QUICK_ALEXNET_LR = 0.01  # AlexNet has no BatchNorm, so 0.1 risks divergence; Krizhevsky et al. trained it at 0.01
# smoke: the paper's optimiser on a tiny class-balanced subset, one epoch, on a shared 2-core CPU.
SMOKE_CONFIG = PAPER_CONFIG.replace(epochs=1, batch_size=32, precision="auto")
SMOKE_PER_CLASS = {  # (train, test) images per class; measured: 15 runs take 93 s of CPU time (1 thread)
    "fashion_mnist": (8, 4),
    "cifar10": (8, 4),
    "cifar100": (1, 1),  # 100 classes: 100 train, 25 val and 100 test images already
}


def plan(parameters: StudyParameters) -> list[RunSpec]:
    """The runs of ``parameters.profile``: every dataset x model x seed, dataset-major."""
    base = {"smoke": SMOKE_CONFIG, "quick": QUICK_CONFIG, "paper": PAPER_CONFIG}[parameters.profile]
    overrides = {key: value for key, value in (("epochs", parameters.epochs), ("batch_size", parameters.batch_size))
                 if value is not None}
    base = base.replace(**overrides, device=parameters.device)
    if base.warmup_epochs > base.epochs:  # quick with epochs=1 override: warm up over the one epoch
        base = base.replace(warmup_epochs=float(base.epochs))
    specs = []
    for dataset_label, dataset in DATASETS.items():
        for model_label, (model, model_options) in MODELS.items():
            for seed in parameters.seeds:
                config = base.replace(seed=seed)
                if parameters.profile == "quick" and model == "alexnet":
                    config = config.replace(lr=QUICK_ALEXNET_LR)
                specs.append(RunSpec(
                    run_id=f"{dataset}-{model}-seed{seed}", model=model, dataset=dataset, config=config,
                    model_options=dict(model_options), dataset_options=dataset_options(dataset, parameters.profile),
                    labels={"model": model_label, "dataset": dataset_label, "seed": seed},
                ))
    return specs


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
    specs = plan(parameters)
    config = next(spec.config for spec in specs if spec.model != "alexnet")
    profile = parameters.profile

    def source(name: str) -> str:
        paper_value = getattr(PAPER_CONFIG, name)
        if getattr(config, name) != paper_value:
            return f"{profile} profile (paper profile: {paper_value})"
        return PAPER if name in STATED_FIELDS else f"{CHOSEN}: PyTorch's default" if name == "precision" else CHOSEN

    fields = ("epochs", "batch_size", "optimizer", "lr", "momentum", "nesterov", "weight_decay", "scheduler",
              "warmup_epochs", "label_smoothing", "augmentation", "crop_padding", "restore_best", "precision")
    rows = [("profile", profile, "notebook parameter"), ("models", ", ".join(MODELS), PAPER),
            ("datasets", ", ".join(DATASETS), PAPER)]
    rows += [(name, getattr(config, name), source(name)) for name in fields]
    if profile == "quick":
        rows.append(("lr (AlexNet)", QUICK_ALEXNET_LR, "quick profile: AlexNet has no BatchNorm; 0.1 risks divergence"))
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
    if profile == "smoke":
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


def _data_kind(outcomes: Sequence[RunOutcome]) -> str:
    notes = [note for outcome in outcomes for note in outcome.metrics.get("data_notes", [])]
    if any("synthetic" in note.lower() for note in notes):
        return "synthetic stand-in"
    return "reduced" if is_reduced_data(notes) else "full"


def _dataset_label(label: str, outcomes: Sequence[RunOutcome]) -> str:
    """The dataset's name, marked when this run's data for it was synthetic."""
    kind = _data_kind([outcome for outcome in outcomes if outcome.spec.labels["dataset"] == label])
    return f"{label} (synthetic)" if kind == "synthetic stand-in" else label


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
    kinds = {label: _data_kind([o for o in outcomes if o.spec.labels["dataset"] == label]) for label in DATASETS}
    return table.assign(**{"this run's data": table["dataset"].map(kinds)})


def _params_this_run(outcomes: Sequence[RunOutcome]) -> dict[str, int]:
    """Parameters per model, from a 10-class run where there is one (the paper's counts are 10-class)."""
    counts: dict[str, int] = {}
    for outcome in sorted(outcomes, key=lambda o: len(o.metrics.get("classes", [])) != 10):
        counts.setdefault(outcome.spec.labels["model"], int(outcome.metrics["params"]))
    return counts


def table1(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """The paper's Table 1 as printed, with this run's row under each of the paper's (display strings)."""
    layers = model_summary().set_index("model")["weight layers"]
    params = _params_this_run(outcomes)
    accuracy = accuracy_table(outcomes)
    rows = {("# layers", "paper"): {m: str(PAPER_LAYERS[m]) for m in MODELS},
            ("# layers", "this implementation"): {m: str(layers[m]) for m in MODELS},
            ("# params", "paper"): {m: f"{PAPER_PARAMS[m] / 1e6:.0f}M" for m in MODELS},
            ("# params", "this run (10 classes)"): {m: f"{params[m] / 1e6:.1f}M" if m in params else ""
                                                    for m in MODELS}}
    for label in DATASETS:
        cells = accuracy[accuracy["dataset"] == label].set_index("model")
        rows[(label, "paper")] = {m: f"{cells.at[m, 'paper']:.1f}" for m in MODELS}
        rows[(label, f"this run{' (synthetic)' if _dataset_label(label, outcomes) != label else ''}")] = {
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
                          "this run": run[label], "this run's data": _data_kind(
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
        rows.append({"dataset": _dataset_label(label, outcomes),
                     "paper winner": paper.idxmax(), "paper winner %": paper.max() * 100,
                     "this run winner": " = ".join(winners), "this run winner %": run.max() * 100,
                     "same winner": winners == [paper.idxmax()],
                     "pairs ordered as in the paper": f"{same} of {total}",
                     "every ResNet above AlexNet and VGG19": resnets_above})
    return pd.DataFrame(rows)


def headlines(outcomes: Sequence[RunOutcome]) -> list[dict[str, Any]]:
    """ResNet-18's test top-1 on each dataset beside Table 1's value."""
    grid = run_grid(outcomes)
    return [headline(f"ResNet-18 test top-1, {_dataset_label(label, outcomes)}", PAPER_TEST_TOP1[label]["ResNet-18"],
                     None if pd.isna(grid.at[label, "ResNet-18"]) else float(grid.at[label, "ResNet-18"]))
            for label in DATASETS]


CLAIM_WORDS = {True: "yes", False: "no", None: "not checked (a model is missing)"}


def conclusion(outcomes: Sequence[RunOutcome]) -> str:
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
    if is_reduced_data(notes) or epochs[-1] < PAPER_CONFIG.epochs:
        lines.append(f"These runs used reduced data and/or {', '.join(map(str, epochs))} epoch(s) instead of the "
                     f"paper's full data and {PAPER_CONFIG.epochs} epochs: they prove the pipeline, not the claim.")
    return "\n".join(lines)


def _show_points(figure: Figure) -> Figure:
    """Mark every point, so that one-epoch runs still show up as curves of a single point."""
    for line in figure.axes[0].lines:
        if line.get_marker() in (None, "None", ""):
            line.set_marker(".")
    return figure


def _bar_frame(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    return pd.DataFrame([{"dataset": _dataset_label(o.spec.labels["dataset"], outcomes),
                          "model": o.spec.labels["model"],
                          "test top-1 (%)": o.metrics["test_top1"] * 100,
                          "paper (%)": PAPER_TEST_TOP1[o.spec.labels["dataset"]][o.spec.labels["model"]] * 100,
                          "wall seconds": o.metrics["wall_seconds"],
                          "train images/s": o.metrics["train_images_per_second"]} for o in outcomes])


def _histories(outcomes: Sequence[RunOutcome], dataset_label: str) -> dict[str, pd.DataFrame]:
    chosen = [o for o in outcomes if o.spec.labels["dataset"] == dataset_label]
    several_seeds = len({o.spec.config.seed for o in chosen}) > 1
    return {o.spec.labels["model"] + (f" seed {o.spec.config.seed}" if several_seeds else ""): o.history
            for o in chosen}


CURVE_TITLES = {"top1": "top-1 accuracy", "loss": "cross-entropy loss"}


def figures(outcomes: Sequence[RunOutcome]) -> dict[str, Figure]:
    """Table 1 as bars (paper marks), parameter counts, cost per run, and per-dataset curves."""
    bars = _bar_frame(outcomes)
    params = _params_this_run(outcomes)
    params_frame = pd.DataFrame([{"model": m, "count": "this run (10 classes)",
                                  "parameters (millions)": params[m] / 1e6, "paper": PAPER_PARAMS[m] / 1e6}
                                 for m in MODELS if m in params])
    result = {
        "table1_accuracy_bars": plots.plot_grouped_bars(
            bars, group="dataset", category="model", value="test top-1 (%)", paper_value="paper (%)",
            title="Table 1: test top-1, this run (bars) and the paper (black marks)"),
        "parameters": plots.plot_grouped_bars(
            params_frame, group="model", category="count", value="parameters (millions)", paper_value="paper",
            title="Parameters: this run (bars) and the paper (black marks)"),
        "wall_time": plots.plot_grouped_bars(bars, group="dataset", category="model", value="wall seconds",
                                             title="Wall time per run (training and evaluation)"),
        "throughput": plots.plot_grouped_bars(bars, group="dataset", category="model", value="train images/s",
                                              title="Training throughput"),
    }
    for label, dataset in DATASETS.items():
        histories = _histories(outcomes, label)
        shown = _dataset_label(label, outcomes)
        for metric in ("top1", "loss") if histories else ():
            result[f"curves_{metric}_{dataset}"] = _show_points(plots.plot_curves(
                histories, metric, splits=("train", "val"),
                title=f"{shown}: {CURVE_TITLES[metric]} per epoch (train solid, validation dashed)"))
    return result


def confusion_figures(outcomes: Sequence[RunOutcome]) -> dict[str, Figure]:
    """A test-set confusion matrix for every run, named ``confusion_<run id>`` (rows normalised
    beyond 20 classes)."""
    result = {}
    for outcome in outcomes:
        labels, classes = outcome.spec.labels, outcome.metrics["classes"]
        figure = plots.plot_confusion_matrix(
            outcome.confusion, classes, normalize=len(classes) > 20,
            title=f"{labels['model']} on {_dataset_label(labels['dataset'], outcomes)} (seed {labels['seed']}): "
                  f"test top-1 {outcome.metrics['test_top1']:.1%}")
        result[f"confusion_{outcome.spec.run_id}"] = figure
    return result


def best_runs(outcomes: Sequence[RunOutcome]) -> list[RunOutcome]:
    """The run with the highest test top-1 on each dataset, in dataset order."""
    best = []
    for label in DATASETS:
        runs = [o for o in outcomes if o.spec.labels["dataset"] == label]
        best += [max(runs, key=lambda o: o.metrics["test_top1"])] if runs else []
    return best


def best_confusions(confusions: dict[str, Figure], outcomes: Sequence[RunOutcome]) -> list[Figure]:
    """From :func:`confusion_figures`, the matrix of each dataset's best run (the ones to show)."""
    return [confusions[f"confusion_{outcome.spec.run_id}"] for outcome in best_runs(outcomes)]
