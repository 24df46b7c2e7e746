"""Study 4: ResNet-50 tweaks and training refinements on Caltech-101
(``../shared/papers/study4_caltech101_resnet50_tweaks.txt``).

After "Bag of Tricks" (He et al. 2019) the paper trains ResNet-50 Model-A (original), Model-B
(stride on the 3x3 conv), Model-C (deep 3x3 stem) and Model-D (average-pool shortcut) for 10
epochs at batch 64 on a random 0.8 / 0.2 split of Caltech-101 (Table 1), then every combination
of cosine decay from lr 0.001 (c), label smoothing 0.1 (l) and mixup (m) on Model-A and Model-B
(Tables 2 and 3). Its best, A+c+l and B+c+l, reach 0.93 top-1 on validation. Our "test" split of
Caltech-101 is the loader's seeded stratified 20 % hold-out: the paper's validation set.

The paper does not say whether its ResNet-50 started from ImageNet weights; 0.93 after 10 epochs
is what fine-tuned models reach on Caltech-101, far above from-scratch training. Every run here
starts from scratch (random initialisation), and the report says so.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from helpers.compare import format_mean_spread, paper_vs_run_grid
from helpers.config import TrainConfig
from helpers.models import count_parameters, create_model
from helpers.plots import plot_confusion_matrix, plot_curves, plot_grouped_bars
from helpers.runs import RunOutcome, RunSpec
from helpers.studies import summaries
from helpers.studies.parameters import CHOSEN, PAPER, StudyParameters

TITLE = "Study 4: ResNet-50 tweaks and training refinements on Caltech-101"
STUDY_ID = "04"

PAPER_EPOCHS = 10
PAPER_BATCH_SIZE = 64
PAPER_LR = 0.001  # "we set the cosine decay learning rate to 0.001"
PAPER_LABEL_SMOOTHING = 0.1
MIXUP_ALPHA = 0.2  # not stated in the paper; Bag of Tricks uses 0.2

# Model-X -> create_model("resnet50", **flags). Each tweak is one independent switch on Model-A.
MODELS = {
    "A": {"stem": "imagenet"},
    "B": {"stem": "imagenet", "stride_in_3x3": True},
    "C": {"stem": "deep"},
    "D": {"stem": "imagenet", "avg_down": True},
}
MODEL_DESCRIPTIONS = {
    "A": "original ResNet-50: 7x7 stem, stride 2 on the first 1x1 conv of a downsampling block",
    "B": "stride 2 moved to the 3x3 conv (no input ignored by a strided 1x1)",
    "C": "stem: three 3x3 convs (32, 32, 64 channels) instead of the 7x7 conv",
    "D": "shortcut of a downsampling block: 2x2 average pool (stride 2), then 1x1 conv stride 1",
}
REFINEMENTS = ("c", "l", "m", "c+l", "c+m", "l+m", "c+l+m")  # the paper's table order
REFINED_MODELS = ("A", "B")

# Table 1 and Tables 2-3 (top-1, top-5 on the validation split).
PAPER_TWEAKS = {"A": (0.66, 0.88), "B": (0.79, 0.95), "C": (0.63, 0.83), "D": (0.63, 0.84)}
PAPER_REFINED = {
    "A": {"c": (0.90, 0.98), "l": (0.82, 0.95), "m": (0.83, 0.95), "c+l": (0.93, 0.99),
          "c+m": (0.92, 0.98), "l+m": (0.81, 0.94), "c+l+m": (0.91, 0.98)},
    "B": {"c": (0.90, 0.98), "l": (0.84, 0.97), "m": (0.78, 0.91), "c+l": (0.93, 0.99),
          "c+m": (0.91, 0.98), "l+m": (0.79, 0.94), "c+l+m": (0.92, 0.99)},
}
PAPER_BEST_TOP1 = 0.93  # A+c+l and B+c+l
CURVE_FIGURES = {"fig4_model_b_curves": ("B", 4), "fig5_a_c_l_curves": ("A+c+l", 5), "fig6_b_c_l_curves": ("B+c+l", 6)}

# Per profile. smoke: 32-px images (ResNet-50 with the ImageNet stem is cheap there), 2 training
# and 2 test images per class, 1 epoch: 4-5 s per run on 2 CPU cores, 18 runs in about 80 s (measured).
PROFILE_CONFIGS = {"smoke": dict(epochs=1), "quick": dict(epochs=5), "paper": dict(epochs=PAPER_EPOCHS)}
PROFILE_IMAGE_SIZE = {"smoke": 32, "quick": 64, "paper": 64}  # 64: the side of ../shared/data's copy
PROFILE_DATA = {"smoke": dict(train_per_class=2, test_per_class=2), "quick": {}, "paper": {}}
# Optimiser and augmentation: not stated. Adam at the paper's lr 0.001 (no weight decay) learns from
# scratch in 10 epochs where SGD at 0.001 barely moves; random crop + flip is the usual minimum.
BASE_CONFIG = dict(batch_size=PAPER_BATCH_SIZE, optimizer="adam", lr=PAPER_LR, weight_decay=0.0,
                   augmentation="crop_flip", scheduler="none")


def run_name(model: str, refinements: str) -> str:
    """'B' for a plain model, 'A+c+l' for a refined one (the paper's names)."""
    return model if refinements == "none" else f"{model}+{refinements}"


def image_size_for(parameters: StudyParameters, image_size: int | None = None) -> int:
    """The image side used: ``image_size`` if given, else the profile's."""
    return image_size or PROFILE_IMAGE_SIZE[parameters.profile]


def _config(parameters: StudyParameters, refinements: str, seed: int, image_size: int) -> TrainConfig:
    parts = set(refinements.split("+"))
    values = {**BASE_CONFIG, **PROFILE_CONFIGS[parameters.profile], "crop_padding": max(1, image_size // 8),
              "seed": seed, "device": parameters.device,
              "scheduler": "cosine" if "c" in parts else "none",  # without c: constant lr
              "label_smoothing": PAPER_LABEL_SMOOTHING if "l" in parts else 0.0,
              "mixup_alpha": MIXUP_ALPHA if "m" in parts else 0.0}
    if parameters.epochs is not None:
        values["epochs"] = parameters.epochs
    if parameters.batch_size is not None:
        values["batch_size"] = parameters.batch_size
    return TrainConfig.from_dict(values)


def plan(parameters: StudyParameters, *, image_size: int | None = None) -> list[RunSpec]:
    """Per seed: Models A-D plain (Table 1), then A and B with each of the 7 refinement
    combinations (Tables 2-3): 18 runs per seed at every profile."""
    size = image_size_for(parameters, image_size)
    dataset_options = {"image_size": size, **PROFILE_DATA[parameters.profile]}
    pairs = [(model, "none") for model in MODELS] + [(m, r) for m in REFINED_MODELS for r in REFINEMENTS]
    return [
        RunSpec(run_id=f"{run_name(model, refinements).replace('+', '_')}_seed{seed}", model="resnet50",
                dataset="caltech101", config=_config(parameters, refinements, seed, size),
                model_options=dict(MODELS[model]), dataset_options=dataset_options,
                labels={"model": f"Model-{model}", "refinements": refinements, "seed": seed})
        for seed in parameters.seeds for model, refinements in pairs
    ]


def settings(parameters: StudyParameters, *, image_size: int | None = None) -> pd.DataFrame:
    """The profile's settings, each with its source (the paper or chosen here)."""
    size = image_size_for(parameters, image_size)
    config = _config(parameters, "none", parameters.seeds[0], size)
    data = PROFILE_DATA[parameters.profile]
    profile_choice = f"{CHOSEN} ({parameters.profile} profile)"
    subset = (f"{data['train_per_class']} train / {data['test_per_class']} validation images per class"
              if data else "all (about 6,900 train / 1,740 validation)")
    return summaries.settings_table([
        ("dataset", "Caltech-101, 101 categories (BACKGROUND_Google excluded)", PAPER),
        ("split", "stratified random 0.8 / 0.2 train / validation (fixed seed 0); the validation part is "
         "this report's 'test' split", f"{PAPER} (0.8 / 0.2; seed and stratification: {CHOSEN})"),
        ("images used", subset, PAPER if not data else profile_choice),
        ("image size", f"{size}x{size} px (shorter side resized, centre crop)",
         f"{CHOSEN}: 64 px is the resolution of the available copy; 224 with full-resolution data"),
        ("pretrained weights", "none: every run trains from scratch",
         f"{CHOSEN}: from scratch. The paper's 0.93 top-1 after 10 epochs is in the range of ImageNet-pretrained, "
         "fine-tuned ResNet-50s, not of from-scratch training, so expect far lower numbers here"),
        ("models", "ResNet-50 Model-A (original), B (stride on 3x3), C (deep stem), D (avg-pool shortcut)", PAPER),
        ("epochs", config.epochs, PAPER if config.epochs == PAPER_EPOCHS else profile_choice),
        ("batch size", config.batch_size,
         PAPER if config.batch_size == PAPER_BATCH_SIZE else "override (notebook parameter)"),
        ("optimizer", f"{config.optimizer.capitalize()}, weight decay {config.weight_decay}", CHOSEN),
        ("learning rate", f"{config.lr}", PAPER),
        ("lr schedule without c", "constant", f"{CHOSEN} (cosine is the refinement)"),
        ("c: cosine decay", f"from {config.lr} to 0 over all steps, no warm-up", f"{PAPER} (no warm-up: {CHOSEN})"),
        ("l: label smoothing", PAPER_LABEL_SMOOTHING, PAPER),
        ("m: mixup", f"alpha {MIXUP_ALPHA} (one lambda and one pairing per batch)", f"{CHOSEN} (alpha not stated)"),
        ("augmentation", f"random crop (padding {config.crop_padding}) + horizontal flip", CHOSEN),
        ("seeds", ", ".join(map(str, parameters.seeds)), CHOSEN),
        ("device / precision", f"{config.device} / {config.precision}", "this machine"),
    ])


def model_table(*, image_size: int, num_classes: int = 101) -> pd.DataFrame:
    """Models A-D: their tweak, flags and parameter count (at ``num_classes`` outputs)."""
    return pd.DataFrame([
        {"model": f"Model-{name}", "tweak": MODEL_DESCRIPTIONS[name], "flags": str(flags),
         "params": count_parameters(create_model("resnet50", num_classes=num_classes, **flags)),
         "input": f"3x{image_size}x{image_size}"}
        for name, flags in MODELS.items()
    ])


def _groups(outcomes: Sequence[RunOutcome]) -> dict[str, list[RunOutcome]]:
    """Outcomes by run name ('A', 'A+c+l', ...), seeds together, in plan order."""
    return summaries.group_outcomes(outcomes, lambda outcome: run_name(
        outcome.spec.labels["model"].removeprefix("Model-"), outcome.spec.labels["refinements"]))


def _compare(paper: dict[str, tuple[float, float]], groups: dict[str, list[RunOutcome]],
             names: dict[str, str], label: str) -> pd.DataFrame:
    """Paper vs this run (mean over seeds) for top-1 and top-5 of ``names`` (row -> run name)."""
    paper_frame = pd.DataFrame(paper, index=["top-1", "top-5"]).T
    run_frame = pd.DataFrame({row: {"top-1": summaries.mean_metric(groups[name], "test_top1"),
                                    "top-5": summaries.mean_metric(groups[name], "test_top5")}
                              for row, name in names.items() if name in groups}).T
    table = paper_vs_run_grid(paper_frame, run_frame, row_label=label, column_label="metric")
    spreads = {(row, metric): format_mean_spread([run.metrics[key] for run in groups.get(names[row], [])])
               for row in paper for metric, key in (("top-1", "test_top1"), ("top-5", "test_top5"))}
    table["this run, % (mean ± sd, seeds)"] = [spreads[row, metric]
                                               for row, metric in zip(table[label], table["metric"])]
    return table


def tweak_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Table 1: Models A-D, top-1 and top-5 on validation, paper vs this run, in points."""
    paper = {f"Model-{name}": values for name, values in PAPER_TWEAKS.items()}
    return _compare(paper, _groups(outcomes), {f"Model-{name}": name for name in PAPER_TWEAKS}, "model")


def refinement_table(outcomes: Sequence[RunOutcome], model: str) -> pd.DataFrame:
    """Table 2 (``model='A'``) or 3 (``'B'``): the 7 refinement combinations, paper vs this run."""
    return _compare(PAPER_REFINED[model], _groups(outcomes), {r: run_name(model, r) for r in REFINEMENTS},
                    "refinements")


def refinement_effects(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Per model (A, B) and refinement (c, l, m): mean top-1 of the runs with it minus the mean of
    those without it (the plain model counts as 'without'), in points, here and in the paper."""
    groups = _groups(outcomes)
    rows = []
    for model in REFINED_MODELS:
        paper = {"none": PAPER_TWEAKS[model][0], **{r: v[0] for r, v in PAPER_REFINED[model].items()}}
        run = {r: summaries.mean_metric(groups[run_name(model, r)], "test_top1") for r in paper if run_name(model, r) in groups}
        for refinement in ("c", "l", "m"):
            rows.append({"model": f"Model-{model}", "refinement": refinement,
                         "paper effect (points)": _effect(paper, refinement),
                         "this run effect (points)": _effect(run, refinement)})
    return pd.DataFrame(rows)


def _effect(top1_by_refinements: dict[str, float], refinement: str) -> float:
    """Mean top-1 of the combinations containing ``refinement`` minus the rest, in points."""
    with_it = [value for name, value in top1_by_refinements.items() if refinement in name.split("+")]
    without = [value for name, value in top1_by_refinements.items() if refinement not in name.split("+")]
    return float(100 * (np.mean(with_it) - np.mean(without))) if with_it and without else np.nan


def confusion_tables(outcomes: Sequence[RunOutcome]) -> dict[str, pd.DataFrame]:
    """Every run's validation confusion matrix (rows true, columns predicted) as a named table."""
    return {f"confusion_{outcome.spec.run_id}": pd.DataFrame(outcome.confusion, index=outcome.metrics["classes"],
                                                             columns=outcome.metrics["classes"])
            for outcome in outcomes}


def best_run(outcomes: Sequence[RunOutcome]) -> str:
    """The run name with the highest mean validation top-1 (first in plan order on ties)."""
    groups = _groups(outcomes)
    return max(groups, key=lambda name: summaries.mean_metric(groups[name], "test_top1"))


def tables(outcomes: Sequence[RunOutcome]) -> dict[str, pd.DataFrame]:
    """Every table of the report, by file name (confusion matrices included)."""
    return {"table1_tweaks": tweak_table(outcomes), "table2_refinements_model_a": refinement_table(outcomes, "A"),
            "table3_refinements_model_b": refinement_table(outcomes, "B"),
            "refinement_effects": refinement_effects(outcomes), "runs": summaries.runs_table(outcomes),
            **confusion_tables(outcomes)}


def headlines(outcomes: Sequence[RunOutcome]) -> list[dict]:
    """Top-1 of Models A and B, of A+c+l and B+c+l (the paper's best) and of the best run here."""
    groups = _groups(outcomes)
    paper = {"A": PAPER_TWEAKS["A"][0], "B": PAPER_TWEAKS["B"][0], "A+c+l": PAPER_REFINED["A"]["c+l"][0],
             "B+c+l": PAPER_REFINED["B"]["c+l"][0]}
    items = [summaries.headline(f"{name} top-1 (validation)", value, summaries.mean_metric(groups[name], "test_top1"))
             for name, value in paper.items() if name in groups]
    if "A" in groups and "B" in groups:
        items.append(summaries.headline("Model-B minus Model-A top-1", round(paper["B"] - paper["A"], 4),
                                     summaries.mean_metric(groups["B"], "test_top1") - summaries.mean_metric(groups["A"], "test_top1"),
                                     difference=True))
    if groups:
        best = best_run(outcomes)
        items.append(summaries.headline(f"best run here ({best}) vs the paper's best (c+l) top-1", PAPER_BEST_TOP1,
                                     summaries.mean_metric(groups[best], "test_top1")))
    return items


def _validation_history(runs: Sequence[RunOutcome]) -> pd.DataFrame:
    """Mean history over seeds with test_* renamed val_*: the test split is the paper's validation."""
    history = pd.concat([run.history.select_dtypes("number") for run in runs]).groupby("epoch", as_index=False).mean()
    return history.rename(columns=lambda column: column.replace("test_", "val_", 1))


def _named_refinements(table: pd.DataFrame, model: str) -> pd.DataFrame:
    """A Table 2/3 frame with its rows named as runs ('A+c+l') in a 'run' column."""
    return table.assign(run=[run_name(model, refinements) for refinements in table["refinements"]])


def figures(outcomes: Sequence[RunOutcome], *, all_confusions: bool = False) -> dict[str, Figure]:
    """Figures 4-6 (train and validation top-1 per epoch of B, A+c+l, B+c+l, the paper's final
    value as a circle at epoch 10), bars of Tables 1-3, and the validation confusion matrix of the
    best run (of every run, first seed, with ``all_confusions``)."""
    groups = _groups(outcomes)
    result: dict[str, Figure] = {}
    paper_final = {"B": PAPER_TWEAKS["B"][0], "A+c+l": PAPER_REFINED["A"]["c+l"][0],
                   "B+c+l": PAPER_REFINED["B"]["c+l"][0]}
    for key, (name, number) in CURVE_FIGURES.items():
        if name in groups:
            result[key] = plot_curves(
                {name: _validation_history(groups[name])}, "top1", splits=("train", "val"),
                paper={name: pd.Series({PAPER_EPOCHS: paper_final[name]})},
                title=f"Figure {number}: {name}, train and validation top-1 (circle: paper)")
    bars = pd.concat([tweak_table(outcomes).rename(columns={"model": "run"}),
                      *(_named_refinements(refinement_table(outcomes, model), model) for model in REFINED_MODELS)])
    bars = bars.assign(**{"this run (%)": 100 * bars["this run"], "paper (%)": 100 * bars["paper"]})
    result["top1_top5_bars"] = plot_grouped_bars(bars, group="run", category="metric", value="this run (%)",
                                                 paper_value="paper (%)",
                                                 title="Tables 1-3: validation accuracy (black: paper)")
    if groups:
        best = best_run(outcomes)
        first = groups[best][0]
        result["confusion_best"] = plot_confusion_matrix(
            first.confusion, first.metrics["classes"], normalize=True,
            title=f"Best run {best} (seed {first.spec.labels['seed']}): validation confusion, row-normalised")
    if all_confusions:
        for outcome in outcomes:
            result[f"confusion_{outcome.spec.run_id}"] = plot_confusion_matrix(
                outcome.confusion, outcome.metrics["classes"], normalize=True,
                title=f"{outcome.spec.run_id}: validation confusion, row-normalised")
    return result


def _leaders(top1_by_name: dict[str, float]) -> list[str]:
    """The names sharing the highest top-1 (to 0.1 point), in order."""
    best = max(top1_by_name.values())
    return [name for name, value in top1_by_name.items() if round(100 * (best - value), 1) == 0]


def conclusion(outcomes: Sequence[RunOutcome], *, profile: str | None = None) -> str:
    """What this run says about the paper's findings, as markdown, from the numbers themselves."""
    groups = _groups(outcomes)
    top1 = {name: summaries.mean_metric(runs, "test_top1") for name, runs in groups.items()}
    lines = []
    tweaks = {name: top1[name] for name in MODELS if name in top1}
    if tweaks:
        ordered = sorted(tweaks.items(), key=lambda item: -item[1])
        ranking = ", ".join(f"{name} {100 * value:.1f} %" for name, value in ordered)
        leaders = _leaders(tweaks)
        verdict = "agrees with" if leaders == ["B"] else "differs from"
        lead = f"Model-{leaders[0]} leads" if len(leaders) == 1 else f"Models {', '.join(leaders)} tie"
        lines.append(f"- **Tweaks (Table 1)**: top-1 {ranking}. {lead}, which {verdict} the paper "
                     f"(Model-B best at 79 %, Model-A second at 66 %).")
    if "A" in top1 and "B" in top1:
        lines.append(f"- Model-B minus Model-A: {100 * (top1['B'] - top1['A']):+.1f} points here, +13.0 in the paper.")
    for model in REFINED_MODELS:
        refined = {r: top1[run_name(model, r)] for r in REFINEMENTS if run_name(model, r) in top1}
        if refined:
            leaders = _leaders(refined)
            verdict = "as in" if leaders == ["c+l"] else "unlike"
            names = ", ".join(f"{model}+{name}" for name in leaders) + (" (tied)" if len(leaders) > 1 else "")
            lines.append(f"- **Refinements on Model-{model}**: best {names} at {100 * refined[leaders[0]]:.1f} %, "
                         f"{verdict} the paper (c+l alone best, 93 %).")
    effects = refinement_effects(outcomes).dropna()
    for _, row in effects[effects["refinement"] == "c"].iterrows():
        lines.append(f"- Cosine decay (c) on {row['model']}: {row['this run effect (points)']:+.1f} points on "
                     f"average here, {row['paper effect (points)']:+.1f} in the paper.")
    if top1:
        best = max(top1, key=top1.get)
        gap = 100 * (top1[best] - PAPER_BEST_TOP1)
        lines.append(f"- Best run here: {best} at {100 * top1[best]:.1f} % top-1, {abs(gap):.1f} points "
                     f"{'below' if gap < 0 else 'above'} the paper's best (93 %). Our runs train from "
                     "scratch; the paper does not say whether it did, and 93 % after 10 epochs is typical of "
                     "ImageNet-pretrained ResNet-50s fine-tuned on Caltech-101.")
    chance = 1 / len(outcomes[0].metrics["classes"]) if outcomes else 0.0
    if top1 and max(top1.values()) < 2 * chance:
        lines.append(f"- Every run is at or near chance (1/{round(1 / chance)} = {100 * chance:.1f} %): the "
                     "ordering above is noise, not evidence for or against the paper.")
    caveats = summaries.seed_and_epoch_caveats(outcomes, groups, paper_epochs=PAPER_EPOCHS,
                                            noise="differences of a few points")
    return summaries.conclusion_markdown(lines, caveats, outcomes=outcomes, profile=profile, claim="the paper's claims")
