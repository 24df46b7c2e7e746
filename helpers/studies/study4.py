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

import functools
from collections.abc import Sequence
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from helpers.models import count_parameters, create_model
from helpers.plots import plot_confusion_matrix, plot_curves, plot_grouped_bars
from helpers.runs import RunOutcome, RunSpec
from helpers.studies import recipes, run_id, summaries
from helpers.studies.parameters import CHOSEN, PAPER, StudyParameters
from helpers.studies.study4_paper import (PAPER_BATCH_SIZE, PAPER_BEST_TOP1, PAPER_EPOCHS, PAPER_LABEL_SMOOTHING,
                                          PAPER_LR, PAPER_REFINED, PAPER_TWEAKS, REFINED_MODELS, REFINEMENTS,
                                          run_name)
from helpers.studies.study4_tables import (best_run, confusion_tables, groups_by_run, refinement_effects,
                                           refinement_table, tweak_table)

TITLE = "Study 4: ResNet-50 tweaks and training refinements on Caltech-101"
STUDY_ID = "04"

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
MIXUP_ALPHA = 0.2  # not stated in the paper; Bag of Tricks uses 0.2
# The refinements as TrainConfig changes: c cosine decay, l label smoothing, m mixup.
REFINEMENT_CHANGES = {"c": {"scheduler": "cosine"}, "l": {"label_smoothing": PAPER_LABEL_SMOOTHING},
                      "m": {"mixup_alpha": MIXUP_ALPHA}}
CURVE_FIGURES = {"fig4_model_b_curves": ("B", 4), "fig5_a_c_l_curves": ("A+c+l", 5), "fig6_b_c_l_curves": ("B+c+l", 6)}

RECIPE = recipes.Recipe(
    # Optimiser and augmentation are not stated. Adam at the paper's lr 0.001 (no weight decay) learns
    # from scratch in 10 epochs where SGD at 0.001 barely moves; random crop + flip is the usual minimum.
    paper=dict(epochs=PAPER_EPOCHS, batch_size=PAPER_BATCH_SIZE, optimizer="adam", lr=PAPER_LR, weight_decay=0.0,
               augmentation="crop_flip", scheduler="none"),
    stated=("epochs", "batch_size", "lr"),
    # smoke: 32-px images (ResNet-50 with the ImageNet stem is cheap there), 2 training and 2 test
    # images per class, 1 epoch: 4-5 s per run on 2 CPU cores, 18 runs in about 80 s (measured).
    profiles={"smoke": dict(epochs=1), "quick": dict(epochs=5)},
    data={"smoke": dict(train_per_class=2, test_per_class=2)},
    notes={"scheduler": "without the refinement c the learning rate stays constant"},
)
PROFILE_IMAGE_SIZE = {"smoke": 32, "quick": 64, "paper": 64}  # 64: the side of ../shared/data's copy


def image_size_for(parameters: StudyParameters) -> int:
    """The image side used: the notebook's ``image_size`` if given, else the profile's."""
    return parameters.image_size or PROFILE_IMAGE_SIZE[parameters.profile]


def changes_for(refinements: str, image_size: int) -> dict[str, Any]:
    """The TrainConfig changes of a run with ``refinements`` ('none', 'c', 'c+l', ...) at ``image_size``."""
    changes: dict[str, Any] = {"crop_padding": max(1, image_size // 8)}
    for refinement in () if refinements == "none" else refinements.split("+"):
        changes.update(REFINEMENT_CHANGES[refinement])
    return changes


def plan(parameters: StudyParameters) -> list[RunSpec]:
    """Per seed: Models A-D plain (Table 1), then A and B with each of the 7 refinement
    combinations (Tables 2-3): 18 runs per seed at every profile."""
    size = image_size_for(parameters)
    pairs = [(model, "none") for model in MODELS] + [(m, r) for m in REFINED_MODELS for r in REFINEMENTS]
    return [
        RunSpec(run_id=run_id("model", run_name(model, refinements), seed=seed), model="resnet50",
                dataset="caltech101",
                config=recipes.train_config(RECIPE, parameters, seed=seed, changes=changes_for(refinements, size)),
                model_options=dict(MODELS[model]),
                dataset_options={"image_size": size, **RECIPE.dataset_options(parameters.profile)},
                labels={"model": f"Model-{model}", "refinements": refinements, "seed": seed})
        for seed in parameters.seeds for model, refinements in pairs
    ]


def settings(parameters: StudyParameters) -> pd.DataFrame:
    """The profile's settings, each with its source (the paper or chosen here)."""
    size = image_size_for(parameters)
    changes = changes_for("none", size)
    config = recipes.train_config(RECIPE, parameters, seed=parameters.seeds[0], changes=changes)
    source = functools.partial(recipes.source, RECIPE, parameters, changes=changes)
    return summaries.settings_table([
        ("dataset", "Caltech-101, 101 categories (BACKGROUND_Google excluded)", PAPER),
        ("split", "stratified random 0.8 / 0.2 train / validation (fixed seed 0); the validation part is "
         "this report's 'test' split", f"{PAPER} (0.8 / 0.2; seed and stratification: {CHOSEN})"),
        recipes.images_row(RECIPE, parameters, everything="all (about 6,900 train / 1,740 validation)",
                           test_word="validation"),
        ("image size", f"{size}x{size} px (shorter side resized, centre crop)",
         f"{CHOSEN}: 64 px is the resolution of the available copy; 224 with full-resolution data"),
        ("pretrained weights", "none: every run trains from scratch",
         f"{CHOSEN}: from scratch. The paper's 0.93 top-1 after 10 epochs is in the range of ImageNet-pretrained, "
         "fine-tuned ResNet-50s, not of from-scratch training, so expect far lower numbers here"),
        ("models", "ResNet-50 Model-A (original), B (stride on 3x3), C (deep stem), D (avg-pool shortcut)", PAPER),
        ("epochs", config.epochs, source("epochs")),
        ("batch size", config.batch_size, source("batch_size")),
        ("optimizer", f"{config.optimizer.capitalize()}, weight decay {config.weight_decay}",
         source("optimizer", "weight_decay")),
        ("learning rate", f"{config.lr}", source("lr")),
        ("lr schedule without c", "constant" if config.scheduler == "none" else config.scheduler, source("scheduler")),
        ("c: cosine decay", f"from {config.lr} to 0 over all steps, no warm-up", f"{PAPER} (no warm-up: {CHOSEN})"),
        ("l: label smoothing", PAPER_LABEL_SMOOTHING, PAPER),
        ("m: mixup", f"alpha {MIXUP_ALPHA} (one lambda and one pairing per batch)", f"{CHOSEN} (alpha not stated)"),
        ("augmentation", f"random crop (padding {config.crop_padding}) + horizontal flip",
         source("augmentation", "crop_padding")),
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


def tables(outcomes: Sequence[RunOutcome]) -> dict[str, pd.DataFrame]:
    """Every table of the report, by file name (confusion matrices included)."""
    return {"table1_tweaks": tweak_table(outcomes), "table2_refinements_model_a": refinement_table(outcomes, "A"),
            "table3_refinements_model_b": refinement_table(outcomes, "B"),
            "refinement_effects": refinement_effects(outcomes), "runs": summaries.runs_table(outcomes),
            **confusion_tables(outcomes)}


def headlines(outcomes: Sequence[RunOutcome]) -> list[dict]:
    """Top-1 of Models A and B, of A+c+l and B+c+l (the paper's best) and of the best run here."""
    groups = groups_by_run(outcomes)
    paper = {"A": PAPER_TWEAKS["A"][0], "B": PAPER_TWEAKS["B"][0], "A+c+l": PAPER_REFINED["A"]["c+l"][0],
             "B+c+l": PAPER_REFINED["B"]["c+l"][0]}
    items = [summaries.headline(f"{name} top-1 (validation)", value, summaries.mean_metric(groups[name], "test_top1"))
             for name, value in paper.items() if name in groups]
    if "A" in groups and "B" in groups:
        gap = summaries.mean_metric(groups["B"], "test_top1") - summaries.mean_metric(groups["A"], "test_top1")
        items.append(summaries.headline("Model-B minus Model-A top-1", round(paper["B"] - paper["A"], 4), gap,
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


def figures(outcomes: Sequence[RunOutcome]) -> dict[str, Figure]:
    """Figures 4-6 (train and validation top-1 per epoch of B, A+c+l, B+c+l, the paper's final
    value as a circle at epoch 10), bars of Tables 1-3, and the validation confusion matrix of the
    best run, and of every run unless they trained on a few images per class (smoke: 101-class
    matrices of 2 images per class say nothing and take seconds each to save)."""
    groups = groups_by_run(outcomes)
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
    if not any("train_per_class" in outcome.spec.dataset_options for outcome in outcomes):
        for outcome in outcomes:
            result[f"confusion_{outcome.spec.run_id}"] = plot_confusion_matrix(
                outcome.confusion, outcome.metrics["classes"], normalize=True,
                title=f"{outcome.spec.run_id}: validation confusion, row-normalised")
    return result


def _leaders(top1_by_name: dict[str, float]) -> list[str]:
    """The names sharing the highest top-1 (to 0.1 point), in order."""
    best = max(top1_by_name.values())
    return [name for name, value in top1_by_name.items() if round(100 * (best - value), 1) == 0]


def conclusion(outcomes: Sequence[RunOutcome], parameters: StudyParameters) -> str:
    """What this run says about the paper's findings, as markdown, from the numbers themselves."""
    groups = groups_by_run(outcomes)
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
    return summaries.conclusion_markdown(lines, caveats, outcomes=outcomes, profile=parameters.profile,
                                         claim="the paper's claims")
