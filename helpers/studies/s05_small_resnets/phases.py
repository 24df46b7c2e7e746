"""Study 5's three phases among a study's outcomes: the grid search's runs (the tuning phase,
:mod:`helpers.studies.s05_small_resnets.grid`), the final runs (both models on all training images,
each with its own recipe, as the paper) and the ablations (ResNetLarge changed in one respect, for
the claims that compare two configurations on an equal recipe), each by its labels."""

from __future__ import annotations

from collections.abc import Sequence

from helpers.runs import RunOutcome
from helpers.studies.common import recording, summaries

GRID, FINAL, ABLATION = "grid", "final", "ablation"  # labels["phase"]


def grid_runs(outcomes: Sequence[RunOutcome]) -> list[RunOutcome]:
    """The grid search's runs among ``outcomes``."""
    return [outcome for outcome in outcomes if outcome.spec.labels.get("phase") == GRID]


def final_runs(outcomes: Sequence[RunOutcome]) -> list[RunOutcome]:
    """The final runs (both models on all training images, each its own recipe) among ``outcomes``."""
    return [outcome for outcome in outcomes if outcome.spec.labels.get("phase") not in (GRID, ABLATION)]


def ablation_runs(outcomes: Sequence[RunOutcome]) -> list[RunOutcome]:
    """The ablation runs among ``outcomes``."""
    return [outcome for outcome in outcomes if outcome.spec.labels.get("phase") == ABLATION]


def groups_of(outcomes: Sequence[RunOutcome]) -> dict[str, list[RunOutcome]]:
    """The final runs by model, seeds together, in plan order."""
    return summaries.group_outcomes(final_runs(outcomes), lambda outcome: outcome.spec.labels["model"])


def ablations_of(outcomes: Sequence[RunOutcome]) -> dict[str, list[RunOutcome]]:
    """The ablation runs by variant name (``labels['variant']``), seeds together, in plan order."""
    return summaries.group_outcomes(ablation_runs(outcomes), lambda outcome: outcome.spec.labels["variant"])


def phase_groups(outcomes: Sequence[RunOutcome]) -> dict[str, list[RunOutcome]]:
    """The outcomes by phase, in the report's words ('grid runs', 'final runs', 'ablation runs'),
    the empty phases left out: each phase trains on its own data (the grid on a validation split,
    in some profiles of a per-class subset), so notes about data are given per phase."""
    phases = {"grid runs": grid_runs(outcomes), "final runs": final_runs(outcomes),
              "ablation runs": ablation_runs(outcomes)}
    return {name: runs for name, runs in phases.items() if runs}


def tagged_data_notes(outcomes: Sequence[RunOutcome]) -> list[str]:
    """The study's data notes for ``metrics.json``: those of the final and ablation runs as they
    are, then the grid runs' own (those the others lack) tagged ``[grid]``, so that a per-class
    subset of the grid runs is not read as the data of the final runs (the batch index gives a
    headline that names 'grid' the notes tagged so)."""
    main = summaries.data_notes([*final_runs(outcomes), *ablation_runs(outcomes)])
    grid = [note for note in summaries.data_notes(grid_runs(outcomes)) if note not in main]
    return [*main, *(f"[grid] {note}" for note in grid)]


def data_banners(outcomes: Sequence[RunOutcome], *, profile: str) -> str:
    """HTML: one data banner (:func:`recording.data_banner`) per set of phases that loaded the same
    data, each headed by the phases it covers, so that a subset note stands only over the runs
    that trained on the subset."""
    by_notes: dict[tuple[str, ...], list[str]] = {}
    for phase, runs in phase_groups(outcomes).items():
        by_notes.setdefault(tuple(summaries.data_notes(runs)), []).append(phase)
    parts = []
    for notes, phases in by_notes.items():
        banner = recording.data_banner(list(notes), profile=profile)
        if banner:
            parts.append(f"<p style=\"margin:8px 0 0 0\"><b>{' and '.join(phases).capitalize()}</b></p>{banner}")
    return "".join(parts)
