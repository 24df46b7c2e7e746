"""Study 3's runs grouped for its comparisons: by dataset and model (:func:`model_groups`), the
data behind a dataset's runs, and why a dataset has no evidence here (:func:`absent_reason`: not
available, or only a synthetic stand-in)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from helpers.runs import RunOutcome
from helpers.studies.common.claims import unstable_runs
from helpers.studies.common.summaries import data_kind
from helpers.studies.s03_cross_dataset.data import OPTIONAL_DATASETS
from helpers.studies.s03_cross_dataset.paper import MODELS

SYNTHETIC = "synthetic stand-in"
NOT_RUN_HERE = "not run here (a study run in part)"  # how a ledger row names the models a run in part left out


def dataset_runs(outcomes: Sequence[RunOutcome], dataset: str) -> list[RunOutcome]:
    """The runs on ``dataset`` (display name), every model and seed."""
    return [o for o in outcomes if o.spec.labels["dataset"] == dataset]


def model_groups(outcomes: Sequence[RunOutcome], dataset: str) -> dict[str, list[RunOutcome]]:
    """The runs on ``dataset`` (display name) by model, in the paper's model order, seeds together."""
    runs = dataset_runs(outcomes, dataset)
    return {model: [o for o in runs if o.spec.labels["model"] == model] for model in MODELS}


def mean_top1(runs: Sequence[RunOutcome]) -> float:
    """The mean test top-1 over the runs (seeds)."""
    return sum(run.metrics["test_top1"] for run in runs) / len(runs)


def pick(groups: Mapping[str, Sequence[RunOutcome]], names: Sequence[str], *, lowest: bool) -> str:
    """Of ``names`` (all run), the one a claim about all of them rests on: an unstable one first
    (the claim cannot be judged past it), else the lowest (``lowest``) or highest mean test top-1."""
    unstable = [name for name in names if unstable_runs(groups[name])]
    if unstable:
        return unstable[0]
    return (min if lowest else max)(names, key=lambda name: mean_top1(groups[name]))


def absent_reason(dataset: str, outcomes: Sequence[RunOutcome], unavailable: Mapping[str, str]) -> str | None:
    """Why ``dataset`` gives no evidence here ('<dataset> is not available here: ...'), or None when
    it was trained on real data (or merely left out of a run in part)."""
    runs = dataset_runs(outcomes, dataset)
    if runs and data_kind(runs) == SYNTHETIC:
        return (f"{dataset} is not available here: the smoke profile trains a synthetic stand-in of its shape, "
                f"which says nothing about {dataset}")
    if runs:
        return None
    if dataset in unavailable:
        return f"{dataset} is not available here: {unavailable[dataset].removeprefix('not available: ')}"
    if dataset in OPTIONAL_DATASETS:
        return f"{dataset} is not available here: this run trained no {dataset} model"
    return None


def what_would_test(dataset: str) -> str:
    """What a claim on an absent ``dataset`` needs ("what would decide it")."""
    return (f"runs on the real {dataset}: on disk in the data folder (or download=True) at the cpu profile, or the "
            "quick or paper profile, which fetch it")
