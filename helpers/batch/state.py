"""What the batch runner keeps between runs, so that nothing finished is lost or redone.

- A study's **fingerprint** hashes its notebook, the parameters it is given and the library's
  source. A study whose last successful run had the same fingerprint is not rerun.
- A study runs in a **staging folder** (``<study>.partial``) beside its published folder. An
  interrupted or failed attempt stays there, and the next attempt with the same fingerprint
  continues in it (finished training runs are loaded, an interrupted one resumes from its
  checkpoint). An interrupted ``--force`` attempt is continued by the same command; a run
  without ``--force`` that keeps the study's published run (the same fingerprint) removes it.
- Runs survive a fingerprint change: a new attempt starts with the finished training runs of the
  earlier attempt, of the study's published folder, of the same study run in part (or whole) and
  of its report in the repository (``reports/<profile>/<study>/runs``) in
  ``<staging>/earlier-runs``; the notebook's runs take one of them instead of training when its
  identity matches (:mod:`helpers.runs.identity`), so a change to report, table or plot code
  re-renders without retraining anything. Runs trained into a staging folder by
  ``python -m helpers.runs`` (no attempt record there) are adopted the same way, never wiped.
- A successful attempt is **published**: the staging folder replaces the study's folder by
  renames, so a reader sees the old complete folder or the new one, never a half-written one. A
  study folder that is a symbolic link stays one: the folder it points to is replaced.
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
from helpers.errors import OutputNotWritableError
from helpers.io import read_json, write_json

LIBRARY_DIR = Path(__file__).resolve().parents[1]  # helpers/: every library file is part of a fingerprint
RECORD_NAME = "study.json"  # in a published folder: the successful run's result and fingerprint
ATTEMPT_NAME = "attempt.json"  # in a staging folder: the fingerprint the attempt was started with
STAGING_SUFFIX = ".partial"
EARLIER_RUNS = "earlier-runs"  # helpers.runs.execute.EARLIER_RUNS (not imported: this layer loads no torch)
ALTERNATE_MARK = "~"  # earlier-runs/<run id>~2: another finished run of that id (helpers.runs.execute reads it)
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

    An earlier attempt's folder is continued when it was started with the same fingerprint and
    ``fresh`` is False, or when it was itself started afresh (``--force``) and interrupted: the same
    command continues it instead of starting over again. Otherwise it is emptied, except that
    (unless ``fresh``) its finished runs are kept in ``<staging>/earlier-runs`` for the new attempt
    to reuse by identity. Finished runs in a staging folder that no attempt made (no attempt
    record: trained there by ``python -m helpers.runs``) are kept even when ``fresh``: they are the
    user's, not an interrupted attempt's. Unless ``fresh``, the finished runs of each folder of
    ``run_sources`` (``runs/`` folders of the published study, its report, the study run in part)
    are copied into ``earlier-runs`` too, also when an attempt is continued.
    """
    record = _attempt_record(staging)
    earlier = record.get("fingerprint") if record else None
    forced = bool(record and record.get("forced"))
    continuing = earlier == fingerprint and (not fresh or forced)
    if not continuing and (staging.exists() or staging.is_symlink()):
        _empty_keeping_runs(staging, keep_runs=not fresh or record is None)
    staging.mkdir(parents=True, exist_ok=True)
    beside = staging.with_name(f".{staging.name}.runs")  # where an older version kept them, if it crashed
    gather_finished_runs(beside, staging / EARLIER_RUNS, move=True)
    remove_path(beside)
    if not fresh:
        for source in run_sources:
            gather_finished_runs(source, staging / EARLIER_RUNS, move=False, unless_in=staging / "runs")
    write_json(staging / ATTEMPT_NAME, {"fingerprint": fingerprint, "forced": fresh or (continuing and forced)})
    return continuing


def _attempt_record(staging: Path) -> dict[str, Any] | None:
    """The attempt record of a staging folder, or None (no attempt made it, or it is unreadable)."""
    try:
        record = read_json(staging / ATTEMPT_NAME)
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def outside_runs(staging: Path) -> list[str]:
    """The finished runs in ``staging/runs`` when no attempt record is there: runs trained into the
    study's folder outside the batch (``python -m helpers.runs --out <study>.partial/runs/<run>``),
    which the next attempt adopts by identity."""
    if _attempt_record(staging) is not None or not (staging / "runs").is_dir():
        return []
    return [run.name for run in sorted((staging / "runs").iterdir()) if (run / "metrics.json").is_file()]


def superseded_attempt(staging: Path, fingerprint: str) -> bool:
    """Whether ``staging`` holds an attempt with ``fingerprint``, the fingerprint of the study's
    published run: that run is the success of what the attempt (an interrupted ``--force``) set
    out to make, so the runner removes it when it keeps the published run."""
    record = _attempt_record(staging)
    return record is not None and record.get("fingerprint") == fingerprint


_KEEP = ".kept-runs"  # inside a staging folder while it is emptied: a crash then leaves the runs where they are found


def _empty_keeping_runs(staging: Path, *, keep_runs: bool) -> None:
    """Empty ``staging``; with ``keep_runs`` its finished runs end up in ``staging/earlier-runs``.

    The runs are gathered inside the folder first, so that a crash half-way leaves them where the
    next attempt looks for them."""
    if staging.is_symlink() or not staging.is_dir():  # the options refuse a linked staging folder
        remove_path(staging)
        return
    kept = staging / _KEEP
    if keep_runs:
        for source in (staging / "runs", staging / EARLIER_RUNS):
            gather_finished_runs(source, kept, move=True)
    else:
        remove_path(kept)  # left by a crash while an earlier attempt's folder was emptied
    for entry in list(staging.iterdir()):
        if entry.name != _KEEP:
            remove_path(entry)
    if kept.exists():
        os.replace(kept, staging / EARLIER_RUNS)


def gather_finished_runs(source: Path, target: Path, *, move: bool, unless_in: Path | None = None) -> None:
    """Move or copy every finished run folder (one with metrics.json) of ``source`` into ``target``,
    unless ``unless_in`` has one of that name. Where ``target`` has a run of that name already, a
    different one (other metrics) is kept beside it as an alternate, ``<run id>~2``, ``~3``, ...
    (:data:`ALTERNATE_MARK`): the trainer takes the first whose identity matches the run asked for
    (a published report's run and a newer one of the same id in ``new-runs/``, say)."""
    for run in sorted(source.iterdir()) if source.is_dir() else []:
        run_id = run.name.split(ALTERNATE_MARK)[0]  # an alternate gathered before keeps its run's id
        if not (run / "metrics.json").is_file():
            continue
        if unless_in is not None and (unless_in / run_id / "metrics.json").is_file():
            continue
        place = _free_place(target, run, run_id)
        if place is None:
            continue
        target.mkdir(parents=True, exist_ok=True)
        if move:
            os.replace(run, place)
        else:  # hard links where possible: a study's runs may hold gigabytes of weights, and are only read
            shutil.copytree(run, place, copy_function=_link_or_copy)


def free_alternate(folder: Path, run_id: str) -> Path:
    """The first alternate name in ``folder`` that no run holds yet: ``<run id>~2``, ``~3``, ..."""
    number = 2
    while (folder / f"{run_id}{ALTERNATE_MARK}{number}").exists():
        number += 1
    return folder / f"{run_id}{ALTERNATE_MARK}{number}"


def _free_place(target: Path, run: Path, run_id: str) -> Path | None:
    """Where ``run`` (of id ``run_id``) goes in ``target``: the id, else the first free alternate
    name; None when ``target`` holds the same run (the same metrics.json) already."""
    metrics = (run / "metrics.json").read_bytes()
    for number in range(1, 100):
        place = target / (run_id if number == 1 else f"{run_id}{ALTERNATE_MARK}{number}")
        if not place.exists():
            return place
        if (place / "metrics.json").is_file() and (place / "metrics.json").read_bytes() == metrics:
            return None
    return None


def _link_or_copy(source: str, target: str) -> None:
    """A hard link to ``source`` at ``target`` (no space, no time), else a copy (another file
    system). Safe for runs gathered for reuse: their files are read, and replaced, never written
    in place (every write is a rename of a new file)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def publish(staging: Path, published: Path, record: Mapping[str, Any]) -> None:
    """Write ``record`` into ``staging`` and move it into place as ``published``
    (:func:`replace_folder`: a reader never sees a mix of the old and the new folder)."""
    write_json(staging / RECORD_NAME, dict(record))
    (staging / ATTEMPT_NAME).unlink(missing_ok=True)
    shutil.rmtree(staging / EARLIER_RUNS, ignore_errors=True)  # what the attempt did not reuse is not its result
    replace_folder(staging, published)


def replace_folder(incoming: Path, destination: Path) -> Path:
    """Move the folder ``incoming`` into place as ``destination``; return where it now is.

    The previous folder is renamed aside first and deleted after, so a reader never sees a mix of
    the two, and a crash in between leaves either the old or the new folder complete. A
    ``destination`` that is a symbolic link (a study's folder linked to another disk) stays a
    link: the folder it points to is replaced, ``incoming`` being moved beside it first (copied,
    when it is on another file system). Nothing is left beside either."""
    target = Path(os.path.realpath(destination)) if destination.is_symlink() else destination
    if target != destination:
        if target.exists() and not target.is_dir():
            raise OutputNotWritableError(f"{destination} links to {target}, which is not a folder")
        target.parent.mkdir(parents=True, exist_ok=True)  # a link to a folder not made yet
        moved = target.with_name(f".{target.name}.incoming")
        remove_path(moved)
        shutil.move(str(incoming), str(moved))  # a rename, or a copy across file systems
        incoming = moved
    aside = target.with_name(f".{target.name}.replaced")
    remove_path(aside)
    if target.exists():
        os.replace(target, aside)
    os.replace(incoming, target)
    remove_path(aside)
    return target


def remove_path(path: Path) -> None:
    """Delete ``path`` whatever it is: a symbolic link (itself, never what it points to), a file
    or a folder; nothing when it does not exist."""
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path)


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
    more, and the ``.<study>.replaced`` or ``.<study>.incoming`` folder (or link) a crash in the
    middle of :func:`replace_folder` left. A staging folder of a known study is kept: its next run
    continues or empties it. A link is removed itself, never what it points to."""
    removed = []
    for folder in sorted(out.iterdir()) if out.is_dir() else []:
        orphan = folder.name.endswith(STAGING_SUFFIX) and folder.name.removesuffix(STAGING_SUFFIX) not in studies
        leftover = folder.name.startswith(".") and folder.name.endswith((".replaced", ".incoming"))
        if (folder.is_dir() or folder.is_symlink()) and (orphan or leftover):
            try:
                remove_path(folder)
            except OSError:
                continue  # not ours to remove (permissions): left as it is, as before
            removed.append(folder)
    return removed
