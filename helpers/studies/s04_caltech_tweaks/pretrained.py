"""Study 4's pretrained question: does the paper's 0.93 look like fine-tuning or like training
from scratch?

The paper does not say whether its ResNet-50s started from ImageNet weights. When the notebook's
``pretrained`` names weights (the quick profile's choice: torchvision's ResNet-50
``IMAGENET1K_V1``), the plan adds Model-B and B+c+l fine-tuned from them (run names
``B+pretrained``, ``B+c+l+pretrained``; ids ``model_b_pretrained_seed0``) beside twins trained from
scratch (``B+scratch``, ``B+c+l+scratch``) with the same recipe, epochs and data: a twin differs in
its starting weights alone. Each of the paper's two values (Model-B 0.79, B+c+l 0.93) is then placed
between the two, and a verdict says which it resembles only where the differences exceed the noise
(:data:`helpers.statistics.uncertainty.RULE`). The twins' gap is paired on the same validation
images (:func:`twin_comparison`); twins that trained differently, or an unstable twin, get no
verdict.

Model-B is torchvision's ResNet-50 (stride on the 3x3 conv) and receives every tensor but the
101-class head; Models A and D would too, while Model-C's deep stem would be newly initialised
(:mod:`helpers.models.pretrained`), which is why the comparison uses Model-B.

Which weights a fine-tuned run started from is read back from its ``metrics["weights"]``: only
torchvision's published ImageNet files (by SHA-256, :func:`~helpers.models.pretrained.published_weights`)
are called ImageNet weights; any other file is named with its SHA-256 prefix.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.models.pretrained import IMAGENET, published_weights
from helpers.runs import RunOutcome, RunSpec
from helpers.studies.common import claims, start_weights, summaries, verdicts
from helpers.studies.common.claims import GroupComparison
from helpers.studies.common.parameters import StudyParameters
from helpers.studies.s04_caltech_tweaks.paper import PAPER_REFINED, PAPER_TWEAKS, run_name
from helpers.statistics.uncertainty import RULE, Measured, difference_se, format_measured, is_clear

START = "start"  # the label marking a comparison run: PRETRAINED or SCRATCH
PRETRAINED, SCRATCH = "pretrained", "scratch"
START_WORDS = {PRETRAINED: "fine-tuned", SCRATCH: "from scratch"}
COMPARED = (("B", "none"), ("B", "c+l"))  # Model-B (Table 1) and B+c+l (the paper's best, Table 3)
PAPER_TOP1 = {"B": PAPER_TWEAKS["B"][0], "B+c+l": PAPER_REFINED["B"]["c+l"][0]}
# The profile's choice when ``pretrained`` is None: smoke and cpu download nothing and train from
# scratch; paper keeps to the paper's 18 runs (pass pretrained="imagenet" to add the comparison).
PROFILE_WEIGHTS = {"quick": IMAGENET}
SHA_SHOWN = 12  # hex digits of a file's SHA-256 shown in the report
# The recipe of both twins, on top of the profile's epochs and batch size and the run's refinements
# (B: constant lr after the warm-up; B+c+l: cosine decay, label smoothing 0.1). SGD with Nesterov
# momentum at lr 0.01 (batch 64) and weight decay 1e-4 is the usual full fine-tuning of an ImageNet
# ResNet-50 (Kornblith et al. 2019 tune SGD lrs around this); a short linear warm-up keeps the
# first steps from wrecking the pretrained features while BatchNorm adapts to the new images. One
# learning rate for every layer: the trainer has no per-group learning rates, so the backbone is
# not given a lower one.
FINE_TUNING = dict(optimizer="sgd", momentum=0.9, nesterov=True, lr=0.01, weight_decay=1e-4, warmup_epochs=1.0)
FINE_TUNING_DATA = {"normalization": "imagenet"}  # both twins: the statistics the weights were trained with


def weights_for(parameters: StudyParameters) -> str | None:
    """The weights the comparison's fine-tuned runs start from: the notebook's ``pretrained``, the
    profile's choice when it is None; None when no comparison is planned."""
    if parameters.pretrained is None:
        return PROFILE_WEIGHTS.get(parameters.profile)
    return start_weights.weights_by_model(parameters.pretrained, ["resnet50"]).get("resnet50")


def is_comparison(spec: RunSpec) -> bool:
    """Whether ``spec`` is a run of the pretrained comparison (not of the paper's Tables 1-3)."""
    return START in spec.labels


def split(outcomes: Sequence[RunOutcome]) -> tuple[list[RunOutcome], list[RunOutcome]]:
    """The outcomes of the paper's runs (Tables 1-3) and those of the pretrained comparison."""
    return ([outcome for outcome in outcomes if not is_comparison(outcome.spec)],
            [outcome for outcome in outcomes if is_comparison(outcome.spec)])


def comparison_name(spec: RunSpec) -> str:
    """'B+c+l' for a comparison run (its start aside)."""
    return run_name(spec.labels["model"].removeprefix("Model-"), spec.labels["refinements"])


def weights_words(weights: str) -> str:
    """What the notebook's ``weights`` name, before any run: torchvision's weights, or a file."""
    if weights == IMAGENET or weights.startswith("IMAGENET1K_"):
        tag = "IMAGENET1K_V1" if weights == IMAGENET else weights
        return f"torchvision's ResNet-50 ImageNet weights ({tag}; downloaded once into torch hub's cache)"
    return (f"the file {Path(weights).name} (ImageNet weights only if its SHA-256 is that of torchvision's "
            "published file: see the pretrained comparison)")


def source_of(record: Mapping[str, Any], model_name: str = "resnet50") -> str:
    """Where a run's weights came from, from its ``metrics["weights"]``: torchvision's ImageNet
    weights (downloaded, or a file with their SHA-256), or weights from a file, named with its
    SHA-256 prefix and marked as not ImageNet's."""
    sha = record["sha256"][:SHA_SHOWN]
    origin = str(record["origin"])
    published = published_weights(record["sha256"], model_name)
    if published and origin == published:
        return f"torchvision's ImageNet weights {published} (SHA-256 {sha})"
    if published:
        return f"the file {Path(origin).name} (SHA-256 {sha}), torchvision's ImageNet weights {published}"
    return (f"weights from the file {Path(origin).name} (SHA-256 {sha}), not torchvision's ImageNet weights (only "
            "torchvision's published files count as ImageNet weights here)")


def is_imagenet(record: Mapping[str, Any], model_name: str = "resnet50") -> bool:
    """Whether a run's ``metrics["weights"]`` are torchvision's published ImageNet weights."""
    return published_weights(record["sha256"], model_name) is not None


def _groups(outcomes: Sequence[RunOutcome]) -> dict[tuple[str, str], list[RunOutcome]]:
    return summaries.group_outcomes([o for o in outcomes if is_comparison(o.spec)],
                                    lambda outcome: (comparison_name(outcome.spec), outcome.spec.labels[START]))


def twin_groups(outcomes: Sequence[RunOutcome]) -> dict[str, list[RunOutcome]]:
    """The comparison's runs by display name ('B+c+l fine-tuned', 'B+c+l from scratch'), seeds
    together, for the curves."""
    return {f"{name} {START_WORDS[start]}": runs for (name, start), runs in _groups(outcomes).items()}


def resemblance(paper: float, fine_tuned: Measured, scratch: Measured) -> tuple[str | None, str]:
    """Which of the two the paper's value resembles (``"fine-tuned"``, ``"from scratch"``, or None
    when this run cannot tell) and that word with its reason, from the values and their standard
    errors: a side only where the paper's value is clearly apart from one run (or clearly nearer it)."""
    runs = {"fine-tuned": "the fine-tuned run", "from scratch": "the from-scratch run"}
    gap, error = fine_tuned.value - scratch.value, difference_se(fine_tuned, scratch)
    if not is_clear(gap, error):
        return None, "cannot tell (fine-tuned and from scratch are within the noise of each other)"
    near = {word: not is_clear(paper - value.value, value.standard_error)
            for word, value in (("fine-tuned", fine_tuned), ("from scratch", scratch))}
    if near["fine-tuned"] != near["from scratch"]:
        word, other = ("fine-tuned", "from scratch") if near["fine-tuned"] else ("from scratch", "fine-tuned")
        return word, f"{word} (within the noise of {runs[word]}, clearly apart from {runs[other]})"
    if all(near.values()):
        return None, "cannot tell (within the noise of both runs)"
    high, low = ("fine-tuned", "from scratch") if gap > 0 else ("from scratch", "fine-tuned")
    values = {"fine-tuned": fine_tuned.value, "from scratch": scratch.value}
    if paper > values[high]:
        return high, f"{high} (clearly above both runs, nearer {runs[high]})"
    if paper < values[low]:
        return low, f"{low} (clearly below both runs, nearer {runs[low]})"
    nearer = abs(paper - fine_tuned.value) - abs(paper - scratch.value)  # < 0: nearer fine-tuned; its SE is error's
    if is_clear(nearer, error):
        word = "fine-tuned" if nearer < 0 else "from scratch"
        return word, f"{word} (between the two runs, clearly nearer {runs[word]})"
    return None, "cannot tell (between the two runs, not clearly nearer either)"


def twin_comparison(fine: Sequence[RunOutcome], scratch: Sequence[RunOutcome]) -> tuple[GroupComparison, str]:
    """Fine-tuned minus from scratch on the same validation images (paired seed by seed where the
    runs stored predictions, :func:`~helpers.studies.common.claims.compare_groups`), and its
    verdict: 'not decided: run unstable' when a run diverged or collapsed, 'not decided: recipes
    differ' when the twins trained differently (they must differ in their starting weights alone,
    a model option, which is never compared), else 'clearly positive', 'clearly negative' or
    'within the noise'."""
    comparison = claims.compare_groups(fine, scratch)
    if claims.unstable_runs([*fine, *scratch]):
        return comparison, claims.UNSTABLE
    if claims.recipe_differences(fine, scratch):
        return comparison, claims.CONFOUNDED
    if not is_clear(comparison.difference, comparison.standard_error):
        return comparison, "within the noise"
    return comparison, "clearly positive" if comparison.difference > 0 else "clearly negative"


def comparison_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Per compared run (B, B+c+l): the paper's top-1, fine-tuned and from scratch (mean over seeds
    with its uncertainty), their gap in points with its standard error (:func:`twin_comparison`)
    and verdict, and which of the two the paper's value resembles (none when the twins are
    unstable or trained differently). Rows not run show 'not run'."""
    groups = _groups(outcomes)
    rows = []
    for model, refinements in COMPARED:
        name = run_name(model, refinements)
        fine, scratch = (groups.get((name, start)) for start in (PRETRAINED, SCRATCH))
        fine_value = verdicts.measured(fine) if fine else None
        scratch_value = verdicts.measured(scratch) if scratch else None
        both = fine_value is not None and scratch_value is not None
        comparison, verdict = twin_comparison(fine, scratch) if both else (None, verdicts.NOT_RUN)
        judged = both and verdict not in (claims.UNSTABLE, claims.CONFOUNDED)
        rows.append({"run": name, "paper accuracy": PAPER_TOP1[name],
                     "fine-tuned accuracy": fine_value.value if fine_value else np.nan,
                     "fine-tuned (%, ± uncertainty)": format_measured(fine_value, digits=2),
                     "from scratch accuracy": scratch_value.value if scratch_value else np.nan,
                     "from scratch (%, ± uncertainty)": format_measured(scratch_value, digits=2),
                     "fine-tuned minus from scratch (points)": 100 * comparison.difference if both else np.nan,
                     "± 1 SE (points)": 100 * comparison.standard_error if both else np.nan,
                     "uncertainty": comparison.kind if both else verdicts.NOT_RUN, "verdict": verdict,
                     "the paper resembles": (resemblance(PAPER_TOP1[name], fine_value, scratch_value)[1] if judged
                                             else f"no verdict ({verdict})" if both else verdicts.NOT_RUN)})
    return pd.DataFrame(rows)


def weights_lines(outcomes: Sequence[RunOutcome]) -> list[str]:
    """One line per distinct source of the fine-tuned runs' weights, with what was loaded."""
    lines = {}
    for outcome in outcomes:
        record = outcome.metrics.get("weights")
        if record and record["sha256"] not in lines:
            lines[record["sha256"]] = (f"{source_of(record, outcome.spec.model)}: {record['loaded']} tensors loaded, "
                                       f"{record['initialised']} newly initialised ("
                                       f"{', '.join(record['initialised_names'][:4]) or 'none'})")
    return list(lines.values())


def missing_sentence(parameters: StudyParameters) -> str:
    """Why no comparison ran, and how to run it."""
    names = ", ".join(f"{run_name(m, r)}+{PRETRAINED}" for m, r in COMPARED)
    twins = ", ".join(f"{run_name(m, r)}+{SCRATCH}" for m, r in COMPARED)
    why = ("the notebook parameter pretrained=False" if parameters.pretrained is False
           else f"the {parameters.profile} profile trains from scratch only and downloads no weights")
    return (f"not tested in this run: {why}. The runs that need pretrained weights, {names} (beside their "
            f"from-scratch twins {twins}), are planned with the notebook parameter `pretrained=\"imagenet\"` "
            "(torchvision's ResNet-50 IMAGENET1K_V1, downloaded once: needs internet) or `pretrained=\"PATH\"` "
            "(a state-dict file in torchvision's ResNet-50 layout)")


def notes(outcomes: Sequence[RunOutcome], parameters: StudyParameters) -> str:
    """Markdown above the comparison table: where the fine-tuned runs' weights came from and what
    they loaded, or why there are none and how to get them."""
    comparison = [outcome for outcome in outcomes if is_comparison(outcome.spec)]
    if not comparison:
        if weights_for(parameters) is not None:
            return "**Pretrained comparison**: planned, but none of its runs is in this part of the study."
        return f"**Pretrained comparison**: {missing_sentence(parameters)}."
    sources = "; ".join(weights_lines(comparison)) or "none recorded"
    return (f"**Fine-tuned runs start from** {sources}. Model-B is torchvision's ResNet-50 layout, so every tensor "
            "but the head is pretrained; Models A and D would receive every tensor too, while Model-C's deep stem "
            "would be newly initialised. The from-scratch twins train with the same recipe, epochs and data.")


def placements(outcomes: Sequence[RunOutcome]) -> list[str]:
    """Per compared run that ran with both twins: fine-tuned and from scratch, their gap
    (:func:`twin_comparison`) and which the paper's value resembles, as one sentence part."""
    groups = _groups(outcomes)
    parts = []
    for model, refinements in COMPARED:
        name = run_name(model, refinements)
        fine, scratch = groups.get((name, PRETRAINED)), groups.get((name, SCRATCH))
        if not fine or not scratch:
            continue
        fine_value, scratch_value = verdicts.measured(fine), verdicts.measured(scratch)
        comparison, verdict = twin_comparison(fine, scratch)
        judged = verdict not in (claims.UNSTABLE, claims.CONFOUNDED)
        word, reason = resemblance(PAPER_TOP1[name], fine_value, scratch_value) if judged else (None, verdict)
        parts.append(f"{name} fine-tuned {format_measured(fine_value)} %, from scratch {format_measured(scratch_value)}"
                     f" %, gap {100 * comparison.difference:+.1f} ± {100 * comparison.standard_error:.1f} points "
                     f"({'clear' if verdict.startswith('clearly') else verdict}); the paper's "
                     f"{100 * PAPER_TOP1[name]:.0f} %: {'resembles ' if word else ''}{reason}")
    return parts


def conclusion_line(outcomes: Sequence[RunOutcome], parameters: StudyParameters) -> str:
    """The discussion's sentence on the pretrained question, computed from the comparison runs."""
    parts = placements(outcomes)
    if not parts:
        if weights_for(parameters) is None:
            return f"- **Pretrained or not**: {missing_sentence(parameters)}."
        return "- **Pretrained or not**: the comparison's runs are not in this part of the study."
    records = [o.metrics["weights"] for o in outcomes if is_comparison(o.spec) and o.metrics.get("weights")]
    sources = "; ".join(dict.fromkeys(source_of(record) for record in records))
    caveat = "" if records and all(map(is_imagenet, records)) else (
        " These are not ImageNet weights, so this comparison checks the pipeline; it says nothing about whether "
        "the paper fine-tuned from ImageNet.")
    return (f"- **Pretrained or not** (the paper does not say; same recipe, epochs and data for both, fine-tuned "
            f"from {sources}): " + "; ".join(parts) + f" ({RULE}).{caveat}")


def headlines(outcomes: Sequence[RunOutcome]) -> list[dict]:
    """B+c+l fine-tuned and from scratch against the paper's best, and their gap (when both ran;
    its verdict is :func:`twin_comparison`'s when the twins are unstable or trained differently)."""
    groups = _groups(outcomes)
    fine, scratch = groups.get(("B+c+l", PRETRAINED)), groups.get(("B+c+l", SCRATCH))
    if not fine or not scratch:
        return []
    gap = verdicts.gap_headline("B+c+l fine-tuned minus from scratch top-1", None, fine, scratch)
    _, verdict = twin_comparison(fine, scratch)
    if verdict in (claims.UNSTABLE, claims.CONFOUNDED):
        gap["verdict"] = verdict
    return [verdicts.accuracy_headline("B+c+l fine-tuned top-1 vs the paper's best", PAPER_TOP1["B+c+l"], fine),
            verdicts.accuracy_headline("B+c+l from scratch (fine-tuning recipe) top-1 vs the paper's best",
                                       PAPER_TOP1["B+c+l"], scratch), gap]


def record(outcomes: Sequence[RunOutcome], parameters: StudyParameters) -> dict[str, Any]:
    """What ``metrics.json`` records about the pretrained question: the weights asked for, where
    the fine-tuned runs' weights came from, and the comparison's rows."""
    comparison = [outcome for outcome in outcomes if is_comparison(outcome.spec)]
    table = comparison_table(comparison) if comparison else None
    return {"weights": weights_for(parameters),
            "sources": list(dict.fromkeys(source_of(o.metrics["weights"]) for o in comparison
                                          if o.metrics.get("weights"))),
            "comparison": None if table is None else [
                {key: (None if isinstance(value, float) and math.isnan(value) else value)
                 for key, value in row.items()} for row in table.to_dict("records")]}
