"""What the batch runner keeps between runs, so that nothing finished is lost or redone.

- A study's **fingerprint** hashes its notebook, the parameters it is given and the library's
  source. A study whose last successful run had the same fingerprint is not rerun.
- A study runs in a **staging folder** (``<study>.partial``) beside its published folder. An
  interrupted or failed attempt stays there, and the next attempt with the same fingerprint
  continues in it (finished training runs are loaded, an interrupted one resumes from its
  checkpoint).
- Runs survive a fingerprint change: a new attempt starts with the finished training runs of the
  earlier attempt, of the study's published folder and of its report in the repository
  (``reports/<profile>/<study>/runs``) in ``<staging>/earlier-runs``; the notebook's runs take one
  of them instead of training when its identity matches (:mod:`helpers.runs.identity`), so a
  change to report, table or plot code re-renders without retraining anything.
- A successful attempt is **published**: the staging folder replaces the study's folder by
  renames, so a reader sees the old complete folder or the new one, never a half-written one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from helpers.batch.records import StudyResult
from helpers.data.locate import data_identity, locate_dataset
from helpers.errors import HelpersError
from helpers.io import read_json, write_json

LIBRARY_DIR = Path(__file__).resolve().parents[1]  # helpers/: every library file is part of a fingerprint
RECORD_NAME = "study.json"  # in a published folder: the successful run's result and fingerprint
ATTEMPT_NAME = "attempt.json"  # in a staging folder: the fingerprint the attempt was started with
STAGING_SUFFIX = ".partial"
EARLIER_RUNS = "earlier-runs"  # helpers.runs.execute.EARLIER_RUNS (not imported: this layer loads no torch)
NEW_RUNS = "new-runs"  # reports/<profile>/<study>/new-runs: finished runs its report does not show yet
UNHASHED_PARAMETERS = ("output_dir", "progress")  # where a study writes and how it shows progress change no result


def study_fingerprint(notebook: Path, parameters: Mapping[str, Any], *, library_dir: Path = LIBRARY_DIR) -> str:
    """A hash of what determines a study's results: the notebook file, its parameters (other
    than the output folder) and every ``.py`` file of the library."""
    digest = hashlib.sha256()
    digest.update(Path(notebook).read_bytes())
    relevant = {name: value for name, value in parameters.items() if name not in UNHASHED_PARAMETERS}
    digest.update(json.dumps(relevant, sort_keys=True, default=str).encode())
    for path in sorted(library_dir.rglob("*.py")):
        digest.update(path.relative_to(library_dir).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def staging_folder(published: Path) -> Path:
    """Where a study's next attempt is written: ``<published>.partial``."""
    return published.with_name(published.name + STAGING_SUFFIX)


def finished_record(published: Path) -> dict[str, Any] | None:
    """The record of the study's last successful run, or None (no run, or an unreadable record)."""
    try:
        record = read_json(published / RECORD_NAME)
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and isinstance(record.get("fingerprint"), str) else None


def prepare_staging(staging: Path, fingerprint: str, *, fresh: bool, run_sources: Sequence[Path] = ()) -> bool:
    """Make ``staging`` ready for an attempt; return whether an earlier attempt is continued.

    An earlier attempt's folder is kept when it was started with the same fingerprint and
    ``fresh`` is False. Otherwise it is emptied, except that (unless ``fresh``) its finished runs
    and those of each folder in ``run_sources`` (``runs/`` folders of the published study) are
    kept in ``<staging>/earlier-runs`` for the new attempt to reuse by identity.
    """
    earlier = None
    try:
        earlier = read_json(staging / ATTEMPT_NAME).get("fingerprint")
    except (OSError, ValueError, AttributeError):
        pass
    continuing = earlier == fingerprint and not fresh
    if not continuing and staging.exists():
        kept = staging.with_name(f".{staging.name}.runs")
        shutil.rmtree(kept, ignore_errors=True)
        if not fresh:
            kept.mkdir()
            for source in (staging / "runs", staging / EARLIER_RUNS):
                gather_finished_runs(source, kept, move=True)
        shutil.rmtree(staging)
        if kept.exists():
            staging.mkdir(parents=True)
            os.replace(kept, staging / EARLIER_RUNS)
    staging.mkdir(parents=True, exist_ok=True)
    if not continuing and not fresh:
        for source in run_sources:
            gather_finished_runs(source, staging / EARLIER_RUNS, move=False)
    write_json(staging / ATTEMPT_NAME, {"fingerprint": fingerprint})
    return continuing


def gather_finished_runs(source: Path, target: Path, *, move: bool) -> None:
    """Move or copy every finished run folder (one with metrics.json) of ``source`` into ``target``,
    unless ``target`` has one of that name already."""
    for run in sorted(source.iterdir()) if source.is_dir() else []:
        if (run / "metrics.json").is_file() and not (target / run.name).exists():
            target.mkdir(parents=True, exist_ok=True)
            if move:
                os.replace(run, target / run.name)
            else:
                shutil.copytree(run, target / run.name)


def publish(staging: Path, published: Path, record: Mapping[str, Any]) -> None:
    """Write ``record`` into ``staging`` and move it into place as ``published``.

    The previous folder is renamed aside first and deleted after, so a reader never sees a mix
    of the two, and a crash in between leaves either the old or the new folder complete.
    """
    write_json(staging / RECORD_NAME, dict(record))
    (staging / ATTEMPT_NAME).unlink(missing_ok=True)
    shutil.rmtree(staging / EARLIER_RUNS, ignore_errors=True)  # what the attempt did not reuse is not its result
    aside = published.with_name(f".{published.name}.replaced")
    if aside.exists():
        shutil.rmtree(aside)
    if published.exists():
        os.replace(published, aside)
    os.replace(staging, published)
    shutil.rmtree(aside, ignore_errors=True)


def data_origins(metrics: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Every distinct dataset origin (dataset, kind, path, samples) that a study's runs recorded
    in its ``metrics.json``, in first-seen order."""
    origins: list[dict[str, Any]] = []
    for run in ((metrics or {}).get("runs") or {}).values():
        origin = run.get("data_origin") if isinstance(run, dict) else None
        if isinstance(origin, dict) and origin not in origins:
            origins.append(origin)
    return origins


def data_state(origins: Sequence[Mapping[str, Any]], data_dir: str | os.PathLike | None) -> list[dict[str, Any]]:
    """Where each dataset of ``origins`` would be found now, and what it holds there (see
    :func:`helpers.data.locate.data_identity`): a study made from other data is not "unchanged"."""
    state = []
    for origin in origins:
        name, samples = origin.get("dataset"), bool(origin.get("samples"))
        if origin.get("kind") == "synthetic":
            state.append({"dataset": name, "kind": "synthetic"})
            continue
        try:
            kind, path = locate_dataset(name, data_dir=data_dir, samples=samples)
        except (HelpersError, KeyError):
            state.append({"dataset": name, "samples": samples, "found": False})
            continue
        state.append({"dataset": name, "samples": samples, **data_identity(kind, path)})
    return state


def record_failed_attempt(staging: Path, fingerprint: str, result: Mapping[str, Any]) -> None:
    """Keep a failed attempt's result beside it in ``staging`` (the index lists it from there)."""
    write_json(staging / ATTEMPT_NAME, {"fingerprint": fingerprint, "result": dict(result)})


def published_results(out: Path) -> list[StudyResult]:
    """Every study of a profile folder as its files on disk say, by study id: the published run,
    or a failed attempt made after it. The index is built from this, never from one run's view."""
    latest: dict[str, tuple[float, StudyResult]] = {}
    for folder in sorted(out.iterdir()) if out.is_dir() else []:
        if not folder.is_dir() or folder.name.startswith("."):
            continue
        staged = folder.name.endswith(STAGING_SUFFIX)
        path = folder / (ATTEMPT_NAME if staged else RECORD_NAME)
        try:
            entry = read_json(path)
            entry = entry.get("result") if staged else entry
            result = _study_result(entry)
        except (OSError, ValueError, AttributeError, TypeError):
            continue
        if result is None:
            continue
        modified = path.stat().st_mtime
        if result.study not in latest or modified > latest[result.study][0]:
            latest[result.study] = (modified, result)
    return [result for _, result in sorted(latest.values(), key=lambda item: item[1].study)]


def _study_result(entry: Any) -> StudyResult | None:
    if not isinstance(entry, dict):
        return None
    names = {item.name for item in fields(StudyResult)}
    return StudyResult(**{key: value for key, value in entry.items() if key in names})


def remove_stale(out: Path, studies: Sequence[str]) -> list[Path]:
    """Delete what no later run would use: the staging folder of a study that has no notebook any
    more, and the ``.<study>.replaced`` folder a crash in the middle of :func:`publish` left.
    A staging folder of a known study is kept: its next run continues or empties it."""
    removed = []
    for folder in sorted(out.iterdir()) if out.is_dir() else []:
        orphan = folder.name.endswith(STAGING_SUFFIX) and folder.name.removesuffix(STAGING_SUFFIX) not in studies
        if folder.is_dir() and (orphan or (folder.name.startswith(".") and folder.name.endswith(".replaced"))):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed

