"""What every study notebook shares: profiles, parameter checks, the data banner, and saving
tables, figures and the study's ``metrics.json``.

A study module (``helpers.studies.studyN``) turns a notebook's parameters into a list of
:class:`~helpers.runs.RunSpec`, trains them with :func:`helpers.runs.run_all`, and builds its
tables from the outcomes with pure functions. This module saves what it builds.
"""

from __future__ import annotations

import ast
import difflib
import os
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from helpers.errors import InvalidConfigError, check_choice
from helpers.io import write_csv, write_json
from helpers.plots import plot_confusion_matrix, plot_grouped_bars, save_figure
from helpers.runs import RunOutcome

PROFILES = ("smoke", "quick", "paper")
PROJECT_ROOT = Path(__file__).resolve().parents[2]
PAPER = "paper"
CHOSEN = "not stated in the paper; chosen"
INJECTED_CELL_HEADER = "# Parameters"  # how papermill's injected-parameters cell begins


@dataclass(frozen=True)
class StudyParameters:
    """A notebook's parameters, checked: the profile and the overrides every study accepts."""

    profile: str
    data_dir: str | None
    device: str
    seeds: tuple[int, ...]
    epochs: int | None
    batch_size: int | None
    output_dir: Path
    download: bool = False
    torchrun_processes: int = 1  # > 1: each run trains under torchrun, data-parallel over this many processes


def check_parameters(
    *,
    profile: str,
    data_dir: str | None,
    device: str,
    seeds: Sequence[int],
    epochs: int | None,
    batch_size: int | None,
    output_dir: str | os.PathLike,
    download: bool = False,
    torchrun_processes: int = 1,
) -> StudyParameters:
    """Validate a notebook's parameters before any data is read; raise naming the bad value."""
    check_choice("profile", profile, PROFILES)
    check_choice("device", device, ("auto", "cpu", "cuda", "mps"))
    seeds = tuple(seeds) if isinstance(seeds, (list, tuple)) else (seeds,)
    if not seeds or not all(isinstance(seed, int) and not isinstance(seed, bool) for seed in seeds):
        raise InvalidConfigError(f"invalid seeds {list(seeds)!r}: expected a non-empty list of integers")
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise InvalidConfigError(f"invalid {name} {value!r}: expected a positive integer or None")
    if isinstance(torchrun_processes, bool) or not isinstance(torchrun_processes, int) or torchrun_processes < 1:
        raise InvalidConfigError(f"invalid torchrun_processes {torchrun_processes!r}: expected a positive integer")
    if torchrun_processes > 1 and device == "cuda":
        import torch

        visible = torch.cuda.device_count()
        if visible < torchrun_processes:
            raise InvalidConfigError(f"invalid torchrun_processes {torchrun_processes}: only {visible} GPU(s) visible; "
                                     "one process per GPU")
    if data_dir is not None and not Path(data_dir).expanduser().is_dir():
        raise InvalidConfigError(f"invalid data_dir {str(data_dir)!r}: no such folder")
    output_dir = Path(output_dir).expanduser()
    if not output_dir.is_absolute():  # notebooks run from notebooks/, the batch runner from anywhere
        output_dir = PROJECT_ROOT / output_dir
    return StudyParameters(profile=profile, data_dir=data_dir, device=device, seeds=seeds, epochs=epochs,
                           batch_size=batch_size, output_dir=output_dir, download=download,
                           torchrun_processes=torchrun_processes)


def reject_unknown_parameters(cell_sources: Sequence[str]) -> None:
    """Raise when papermill injected a parameter that the notebook's ``parameters`` cell lacks.

    papermill only warns about such a name, so a typo (``-p epoch 3``) would run the study with
    the default. ``cell_sources`` is IPython's ``In``: papermill's injected cell starts with
    ``# Parameters`` and runs right after the parameters cell. Without one nothing is checked.
    """
    sources = list(cell_sources)
    for index in range(len(sources) - 1, 0, -1):
        if sources[index].startswith(INJECTED_CELL_HEADER):
            declared = assigned_names(sources[index - 1])
            unknown = [name for name in assigned_names(sources[index]) if name not in declared]
            if unknown:
                hints = [f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
                         for name in unknown for close in [difflib.get_close_matches(name, declared, n=1)]]
                raise InvalidConfigError(f"unknown parameter(s) {', '.join(hints)}; "
                                         f"valid parameters: {', '.join(sorted(declared))}")
            return


def assigned_names(source: str) -> list[str]:
    """Names assigned at the top level of a cell's source, in order."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [target.id for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign))
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name)]


def settings_table(rows: Sequence[tuple[str, Any, str]]) -> pd.DataFrame:
    """The settings of a profile with their source: ``(setting, value, source)`` rows.

    ``source`` is :data:`PAPER` for values the paper states and :data:`CHOSEN` (or a longer
    explanation starting with it) for values it leaves out.
    """
    return pd.DataFrame([{"setting": name, "value": str(value), "source": source} for name, value, source in rows])


def runs_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """One row per run: its labels, size, accuracy, wall time and throughput."""
    rows = []
    for outcome in outcomes:
        metrics = outcome.metrics
        rows.append({
            "run": outcome.spec.run_id,
            **outcome.spec.labels,
            "params": metrics["params"],
            "epochs": metrics["epochs"],
            "train images": metrics["num_train"],
            "test images": metrics["num_test"],
            "final train top-1": metrics["final_train_top1"],
            "best val top-1": metrics.get("best_val_top1"),
            "test top-1": metrics["test_top1"],
            "test top-5": metrics["test_top5"],
            "wall seconds": metrics["wall_seconds"],
            "train images/s": metrics["train_images_per_second"],
            "device": metrics["device"],
            "precision": metrics["precision"],
        })
    return pd.DataFrame(rows)


def mean_history(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Per-epoch history averaged over the runs (seeds) given; numeric columns only."""
    frames = [outcome.history.select_dtypes("number") for outcome in outcomes]
    return pd.concat(frames).groupby("epoch", as_index=False).mean()


def data_notes(outcomes: Sequence[RunOutcome]) -> list[str]:
    """Every distinct note about the data the runs used, in first-seen order."""
    notes: list[str] = []
    for outcome in outcomes:
        for note in outcome.metrics.get("data_notes", []):
            if note not in notes:
                notes.append(note)
    return notes


def is_reduced_data(notes: Sequence[str]) -> bool:
    """Whether the notes say the data is a sample, a subset or synthetic (not the full dataset)."""
    # "the official split has" marks a copy smaller than the official dataset (e.g. 25,000 CIFAR-10 images).
    markers = ("synthetic", "sample", "subset", "only ", "the official split has")
    return any(marker in note.lower() for note in notes for marker in markers)


def data_banner(notes: Sequence[str], *, profile: str) -> str:
    """An HTML banner for the top of a report: loud when the data is reduced or synthetic."""
    if not notes:
        return ""
    reduced = is_reduced_data(notes) or profile == "smoke"
    colour, title = (("#fff3cd", "These numbers come from reduced or stand-in data, not the paper's setting")
                     if reduced else ("#e7f1ff", "Data used"))
    items = "".join(f"<li>{_escape(note)}</li>" for note in notes)
    return (f'<div style="background:{colour};border:1px solid #d6b656;padding:8px 12px;border-radius:4px">'
            f"<b>{title}</b> (profile <code>{profile}</code>)<ul>{items}</ul></div>")


def conclusion_markdown(
    lines: Sequence[str], caveats: Sequence[str], *, outcomes: Sequence[RunOutcome], profile: str,
    claim: str = "the claim",
) -> str:
    """A study's conclusion: what this run found, then its caveats (reduced data added when it applies)."""
    caveats = list(caveats)
    if profile == "smoke" or is_reduced_data(data_notes(outcomes)):
        caveats.append(f"reduced data (see the banner): these numbers prove the pipeline, not {claim}")
    return "\n".join(["**In this run:**", *lines, "", "**Caveats:** " + "; ".join(caveats) + "."])


def headline(label: str, paper: float | None, this_run: float | None, unit: str = "fraction", *,
             difference: bool = False) -> dict[str, Any]:
    """One headline number for the report index: this run's value beside the paper's.

    ``difference`` marks a value that is itself a gap between two accuracies (shown in points)."""
    return {"label": label, "paper": paper, "this_run": this_run, "unit": unit, "difference": difference}


def group_outcomes(outcomes: Sequence[RunOutcome], key: Callable[[RunOutcome], Hashable]) -> dict[Any, list[RunOutcome]]:
    """Outcomes grouped by ``key(outcome)`` (for example model and stem), seeds together, in plan order."""
    groups: dict[Any, list[RunOutcome]] = {}
    for outcome in outcomes:
        groups.setdefault(key(outcome), []).append(outcome)
    return groups


def mean_metric(runs: Sequence[RunOutcome], key: str) -> float:
    """The mean of ``metrics[key]`` over runs (seeds)."""
    return float(np.mean([run.metrics[key] for run in runs]))


def accuracy_bars_and_confusions(
    groups: Mapping[Any, Sequence[RunOutcome]],
    bar_rows: Sequence[Mapping[str, Any]],
    *,
    bars_name: str,
    group: str,
    value: str,
    bars_title: str,
    confusion_name: Callable[[Any], str],
    confusion_title: Callable[[Any], str],
) -> dict[str, Figure]:
    """A grouped bar chart of ``bar_rows`` (one bar per model, the paper's value marked from the
    ``paper (%)`` column) and a test confusion matrix of each group's first run."""
    result: dict[str, Figure] = {}
    if bar_rows:
        result[bars_name] = plot_grouped_bars(pd.DataFrame(list(bar_rows)), group=group, category="model",
                                              value=value, paper_value="paper (%)", title=bars_title)
    for key, runs in groups.items():
        first = runs[0]
        result[confusion_name(key)] = plot_confusion_matrix(
            first.confusion, first.metrics["classes"],
            title=f"{confusion_title(key)} (seed {first.spec.labels['seed']}): test confusion")
    return result


def seed_and_epoch_caveats(outcomes: Sequence[RunOutcome], groups: Mapping[Any, Sequence[RunOutcome]], *,
                           paper_epochs: int, noise: str) -> list[str]:
    """The usual caveats of a conclusion: how many seeds each mean has (``noise``: which
    differences a single seed cannot separate) and whether the epochs differ from the paper's."""
    seeds = max((len(runs) for runs in groups.values()), default=0)
    epochs = max((outcome.metrics["epochs"] for outcome in outcomes), default=0)
    caveats = [f"{seeds} seed(s) per run: {noise} are within seed-to-seed noise" if seeds < 3
               else f"means over {seeds} seeds"]
    if epochs != paper_epochs:
        caveats.append(f"{epochs} epoch(s), not the paper's {paper_epochs}")
    return caveats


def save_tables(output_dir: str | os.PathLike, tables: Mapping[str, pd.DataFrame]) -> list[Path]:
    """Write each table as ``<output_dir>/tables/<name>.csv`` (atomic)."""
    return [write_csv(Path(output_dir) / "tables" / f"{name}.csv", frame) for name, frame in tables.items()]


def save_figures(output_dir: str | os.PathLike, figures: Mapping[str, Figure]) -> list[Path]:
    """Write each figure as ``<output_dir>/figures/<name>.png`` (atomic)."""
    return [save_figure(figure, Path(output_dir) / "figures" / f"{name}.png") for name, figure in figures.items()]


def write_study_metrics(
    output_dir: str | os.PathLike,
    *,
    study: str,
    title: str,
    parameters: StudyParameters,
    headlines: Sequence[dict[str, Any]],
    outcomes: Sequence[RunOutcome],
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Write the study's ``metrics.json``: headline numbers, every run's metrics, data notes."""
    notes = data_notes(outcomes)
    summary = {
        "study": study,
        "title": title,
        "profile": parameters.profile,
        "seeds": list(parameters.seeds),
        "headline": list(headlines),
        "data_notes": notes,
        "reduced_data": is_reduced_data(notes) or parameters.profile == "smoke",
        "wall_seconds": sum(outcome.metrics["wall_seconds"] for outcome in outcomes),
        "runs": {outcome.spec.run_id: outcome.metrics for outcome in outcomes},
        **(extra or {}),
    }
    return write_json(Path(output_dir) / "metrics.json", summary)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
