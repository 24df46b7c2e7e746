"""Publishing a profile's finished reports into the repository: ``reports/<profile>/``.

``python -m helpers.batch.publish --profile cpu`` (``make publish PROFILE=cpu``) copies every
study that the batch runner finished under ``outputs/<profile>/`` into ``reports/<profile>/``:
the rendered report, the executed notebook, ``metrics.json`` and ``study.json``, the figures and
tables, and each run's ``spec.json``, ``history.csv`` and ``metrics.json`` (so a run can be
retrained from its spec) -- never model weights or checkpoints. Text is rewritten so that no
absolute path of the machine that made it, and no staging-folder name, is shown: paths under the
project become relative to it, paths beside it start with ``../``. Only regular files inside the
output folder are copied, never a symbolic link or what it points to, and no copy is more
readable than its source (a private file stays private). Each study gets a
``provenance.json`` (commit, machine, date, data notes), also shown at the top of its report, and
the folder an ``index.html``, ``results.csv``, ``claims.csv`` and ``claims.html``. The README's results table
(:func:`results_markdown`) is regenerated between its two markers.

Failed attempts are never published. Studies run in part (``outputs/<profile>-in-part``, the
``runs`` parameter) are published only when asked (``--in-part``): their reports and index cards
then say which runs trained and that the rest were not run (for example a report re-rendered in a
new form from the runs already published, before the runs it newly plans have trained).
"""

from __future__ import annotations

import argparse
import html
import os
import re
import stat
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from helpers.batch.claims import verdict_summary
from helpers.batch.copying import copy_file, is_regular_file, path_rewrites, read_regular_json, same_text, sanitize_text
from helpers.batch.options import IN_PART_SUFFIX
from helpers.batch.records import metrics_summary, read_study_metrics, runs_wall_seconds
from helpers.batch.reports import (format_percent, format_points, format_seconds, format_uncertainty,
                                   write_profile_pages)
from helpers.batch.results import difference_points
from helpers.batch.state import NEW_RUNS, RECORD_NAME, free_alternate, published_results, remove_path, replace_folder
from helpers.commands import PROJECT_ROOT, OneLineArgumentParser, run_command
from helpers.errors import InvalidConfigError, check_choice
from helpers.io import read_json, write_atomic, write_json
from helpers.provenance import provenance
from helpers.studies.common.parameters import PROFILES

STUDY_FILES = ("report.html", "metrics.json", RECORD_NAME, "run.log")  # plus the executed notebook
STUDY_FOLDERS = ("figures", "tables")
RUN_FILES = ("spec.json", "history.csv", "metrics.json", "predictions.npz")  # never model.pt or checkpoints
PROVENANCE_NAME = "provenance.json"
README_BEGIN = "<!-- results:begin (made by python -m helpers.batch.publish; do not edit by hand) -->"
README_END = "<!-- results:end -->"
STUDY_IDS = re.compile(r"^\d\d$")


def study_provenance(metrics: Mapping[str, Any], record: Mapping[str, Any], *, published: str,
                     note: str | None = None) -> dict[str, Any]:
    """What a published study records about how it was made: the study's own record when its
    notebook wrote one (``metrics["provenance"]``), else this machine and checkout at publishing
    time (``"recorded": "when published"``), with its data notes, devices and wall time, and the
    publisher's ``note`` (e.g. which commit the code of a run made before its commit matches)."""
    made = dict(metrics.get("provenance") or {})
    if not made:
        made = {**provenance(), "recorded": "when published"}
    runs = metrics.get("runs") or {}
    return {**made, "profile": metrics.get("profile"), "finished": record.get("finished"),
            "wall_seconds": record.get("wall_seconds"), "published": published,
            "devices": _distinct_devices({_device_label(run) for run in runs.values() if isinstance(run, Mapping)}),
            "precisions": sorted({str(run.get("precision")) for run in runs.values() if isinstance(run, Mapping)}),
            "data_notes": list(metrics.get("data_notes") or []), **({"note": note} if note else {})}


def _distinct_devices(labels: set[str]) -> list[str]:
    # A run recorded before runs named their hardware says only "cpu"; beside "cpu (AMD EPYC)" it
    # adds nothing but a second, vaguer name for the same kind of device.
    return sorted(label for label in labels if not any(other.startswith(f"{label} (") for other in labels))


def _device_label(run: Mapping[str, Any]) -> str:
    """``cuda:0 (NVIDIA H100 80GB HBM3)``: the run's device, with the hardware where it recorded it."""
    return str(run.get("device")) + (f" ({run['device_name']})" if run.get("device_name") else "")


def provenance_html(record: Mapping[str, Any]) -> str:
    """The block shown at the top of a published report: commit, machine, data, when."""
    e = html.escape
    machine = record.get("machine") or {}
    commit = record.get("commit") or "unknown"
    changes = " (with uncommitted changes)" if record.get("uncommitted_changes") else ""
    recorded = " (recorded when published)" if record.get("recorded") == "when published" else ""
    notes = "".join(f"<li>{e(note)}</li>" for note in record.get("data_notes") or [])
    return ('<div style="background:#f6f8fa;border:1px solid #d0d7de;padding:8px 12px;border-radius:4px;'
            'margin:8px 0">'
            f"<b>Published report</b> (profile <code>{e(str(record.get('profile')))}</code>): made at commit "
            f"<code>{e(commit[:12])}</code>{e(changes)}{e(recorded)} on {e(str(machine.get('cpu')))}, "
            f"{e(str(machine.get('cores')))} cores, torch {e(str(machine.get('torch')))}; runs trained on "
            f"{e(', '.join(record.get('devices') or []))}, precision {e(', '.join(record.get('precisions') or []))}; "
            f"finished {e(str(record.get('finished')))}."
            + (f" {e(record['note'])}" if record.get("note") else "") + f" Data:<ul>{notes}</ul></div>")


def publish_study(source: Path, target: Path, rewrites: Sequence[tuple[re.Pattern[str], str]], *,
                  published: str, note: str | None = None) -> Path:
    """Copy one finished study folder ``source`` to ``target`` (see the module docstring); the
    new folder replaces the old one only when complete (a ``target`` that is a symbolic link stays
    one: the folder it points to is replaced). Only regular files inside ``source`` are copied,
    never a symbolic link or what it points to, each no more readable than its source
    (:func:`copy_file`)."""
    staging = target.with_name(f".{target.name}.publishing")
    remove_path(staging)
    staging.mkdir(parents=True)
    names = [*STUDY_FILES, *(path.name for path in sorted(source.glob("*.ipynb")))]
    for name in names:
        copy_file(source / name, staging / name, rewrites, root=source)
    for folder in STUDY_FOLDERS:
        for path in sorted((source / folder).glob("*")) if (source / folder).is_dir() else []:
            copy_file(path, staging / folder / path.name, rewrites, root=source)
    for run in sorted((source / "runs").iterdir()) if (source / "runs").is_dir() else []:
        for name in RUN_FILES:
            copy_file(run / name, staging / "runs" / run.name / name, rewrites, root=source)
    _keep_unshown_new_runs(target / NEW_RUNS, staging)
    made = study_provenance(read_regular_json(source / "metrics.json", source),
                            read_regular_json(source / RECORD_NAME, source), published=published, note=note)
    made = {**made, "data_notes": [sanitize_text(note, rewrites) for note in made["data_notes"]]}
    write_json(staging / PROVENANCE_NAME, made)
    report = staging / "report.html"
    if report.is_file():
        page = report.read_text(encoding="utf-8")
        page = re.sub(r"(<body[^>]*>)", lambda match: match.group(1) + provenance_html(made), page, count=1)
        write_atomic(report, lambda temporary: temporary.write_bytes(page.encode("utf-8")),
                     mode=stat.S_IMODE(report.stat().st_mode))
    return replace_folder(staging, target)


def _keep_unshown_new_runs(new_runs: Path, staging: Path) -> None:
    """Carry the published study's ``new-runs`` into ``staging``, except those its new report shows
    (the same ``metrics.json`` now under ``runs/``): a run trained for a later report is never lost.
    Regular files only, as :func:`copy_file` copies them."""
    for run in sorted(new_runs.iterdir()) if new_runs.is_dir() else []:
        if run.is_symlink() or not run.is_dir():
            continue
        shown = staging / "runs" / run.name / "metrics.json"
        if not (shown.is_file() and same_text(shown, run / "metrics.json")):
            for path in sorted(run.iterdir()):
                copy_file(path, staging / NEW_RUNS / run.name / path.name, (), root=new_runs)


def publish_run(run: Path, published_study: Path,
                rewrites: Sequence[tuple[re.Pattern[str], str]]) -> Path | None:
    """Copy the finished run folder ``run`` (its :data:`RUN_FILES`, paths rewritten, regular
    files only: :func:`copy_file`) into ``published_study/new-runs/<run id>`` once the copy is
    complete; return it, or None when the same run (the same ``metrics.json``) is already published
    there or under ``runs/``. Another finished run already there under that id (trained with
    another recipe, say) is kept beside it as ``<run id>~2`` (``~3``, ...), never overwritten. A
    ``metrics.json`` that is not a regular file (a symbolic link) raises: it is not published."""
    if not is_regular_file(run / "metrics.json", run):
        raise InvalidConfigError(f"{run / 'metrics.json'} is not a regular file inside the run's folder (a symbolic "
                                 "link?); not published")
    metrics = sanitize_text((run / "metrics.json").read_text(encoding="utf-8"), rewrites)
    for place in ("runs", NEW_RUNS):
        existing = published_study / place / run.name / "metrics.json"
        if existing.is_file() and existing.read_text(encoding="utf-8") == metrics:
            return None
    target = published_study / NEW_RUNS / run.name
    staging = target.with_name(f".{run.name}.publishing")
    remove_path(staging)
    for name in RUN_FILES:
        copy_file(run / name, staging / name, rewrites, root=run)
    if (target / "metrics.json").is_file():
        aside = free_alternate(target.parent, run.name)
        os.replace(target, aside)
        print(f"{run.name}: the other finished run published under that id is kept as {aside.name}", flush=True)
    return replace_folder(staging, target)


def publish_profile(outputs: Path, reports: Path, *, profile: str, project_root: Path = PROJECT_ROOT,
                    studies: Sequence[str] | None = None, note: str | None = None, in_part: bool = False) -> list[str]:
    """Publish every finished study of ``outputs/<profile>`` (``in_part``: of
    ``outputs/<profile>-in-part``; or only ``studies``) into ``reports/<profile>``, then rewrite its
    index and ``results.csv``; return the studies published."""
    source_dir, target_dir = outputs / (profile + (IN_PART_SUFFIX if in_part else "")), reports / profile
    finished = [result for result in published_results(source_dir)
                if result.status == "ok" and is_regular_file(source_dir / result.study / RECORD_NAME,
                                                              source_dir / result.study)
                and (studies is None or result.study in studies)]
    rewrites = path_rewrites(project_root)
    published = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    for result in finished:
        publish_study(source_dir / result.study, target_dir / result.study, rewrites, published=published, note=note)
    write_index(target_dir, profile=profile)
    return [result.study for result in finished]


def write_index(folder: Path, *, profile: str) -> None:
    """The pages of a published profile folder (``index.html``, ``results.csv``, ``claims.csv``,
    ``claims.html``: :func:`helpers.batch.reports.write_profile_pages`), from its studies' records."""
    results = [replace(result, log=None, **_runs_time(folder / result.study))
               for result in published_results(folder) if STUDY_IDS.match(result.study)]
    date = max((result.finished or "" for result in results), default="")
    write_profile_pages(folder, results, profile=profile, date=f"last study finished {date}",
                        device="as each report says")


def results_markdown(reports: Path, *, link_prefix: str = "reports") -> str:
    """The README's results: a table of the published studies (profile, and whether run in part;
    their claims' verdicts, linking the claims page; the time of their runs (:func:`runs_seconds`),
    machine, commit), then every headline of each, the paper's value, this run's with its uncertainty, the
    difference and the verdict, linking each study's report."""
    studies = ["| study | profile | claims | time of its runs | made on | commit |", "|---|---|---|---|---|---|"]
    lines = ["| study | profile | headline | paper | this run | difference | verdict |", "|---|---|---|---|---|---|---|"]
    for profile in PROFILES:
        folder = reports / profile
        for result in published_results(folder) if folder.is_dir() else []:
            if not STUDY_IDS.match(result.study):
                continue
            link = f"[{result.study}]({link_prefix}/{profile}/{result.study}/report.html)"
            made = _read_provenance(folder / result.study)
            machine = made.get("machine") or {}
            seconds = runs_seconds(folder / result.study) or result.wall_seconds
            scope = f"{profile}, run in part" if result.run_patterns else profile
            claims = f"[{verdict_summary(result.claims)}]({link_prefix}/{profile}/claims.html)" if result.claims else "–"
            studies.append(f"| {link} | {scope} | {claims} | {format_seconds(seconds)} | {machine.get('cpu')}, "
                           f"{machine.get('cores')} cores, {', '.join(made.get('devices') or [])} | "
                           f"`{str(made.get('commit') or 'unknown')[:10]}` |")
            for item in result.headline:
                unit, gap = item.get("unit", "fraction"), bool(item.get("difference"))
                spread = format_uncertainty(item.get("uncertainty"), unit).split(" (")[0]
                this_run = format_percent(item.get("this_run"), unit, difference=gap)
                cells = [link, profile, str(item.get("label", "")).replace("|", "/"),
                         format_percent(item.get("paper"), unit, difference=gap),
                         f"{this_run} {spread}".strip(),
                         format_points(difference_points(item.get("paper"), item.get("this_run"), unit)),
                         str(item.get("verdict") or "")]
                lines.append("| " + " | ".join(cells) + " |")
    return "\n".join([*studies, "", *lines])


def _runs_time(folder: Path) -> dict[str, Any]:
    """The time fields of a published study's record, from its ``metrics.json`` (:func:`runs_seconds`
    and the CPU time of its runs)."""
    summary = metrics_summary(read_study_metrics(folder / "metrics.json"))
    return {"runs_seconds": runs_seconds(folder), "runs_core_seconds": summary.get("runs_core_seconds"),
            "runs_without_threads": summary.get("runs_without_threads", 0)}


def runs_seconds(folder: Path) -> float | None:
    """The wall seconds of a published study's runs together (training and evaluation), from its
    ``metrics.json``; None when no run recorded them. Unlike the batch's wall time this counts
    runs an earlier, interrupted attempt finished and the last attempt only loaded."""
    try:
        return runs_wall_seconds(read_json(folder / "metrics.json"))
    except (OSError, ValueError, AttributeError):
        return None


def _read_provenance(folder: Path) -> dict[str, Any]:
    try:
        made = read_json(folder / PROVENANCE_NAME)
    except (OSError, ValueError):
        return {}
    return made if isinstance(made, dict) else {}


def update_readme(readme: Path, table: str) -> bool:
    """Replace the text between the README's results markers with ``table``; return whether it changed."""
    text = readme.read_text(encoding="utf-8")
    if README_BEGIN not in text or README_END not in text:
        raise InvalidConfigError(f"{readme}: no results markers ({README_BEGIN!r} ... {README_END!r})")
    head, rest = text.split(README_BEGIN, 1)
    _, tail = rest.split(README_END, 1)
    updated = f"{head}{README_BEGIN}\n{table}\n{README_END}{tail}"
    if updated != text:
        write_atomic(readme, lambda temporary: temporary.write_text(updated, encoding="utf-8"))
    return updated != text


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: publish a profile's finished studies, rewrite the README's table."""
    return run_command(lambda: _publish(_parse_arguments(argv)))


def _parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = OneLineArgumentParser(prog="python -m helpers.batch.publish", description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="cpu", help=f"one of {', '.join(PROFILES)} (default cpu)")
    parser.add_argument("--outputs", default=str(PROJECT_ROOT / "outputs"), help="the batch runner's output folder")
    parser.add_argument("--reports", default=str(PROJECT_ROOT / "reports"), help="where published reports live")
    parser.add_argument("--only", nargs="+", metavar="STUDY", help="publish only these study ids (e.g. 02 05)")
    parser.add_argument("--note", help="a sentence recorded in each published study's provenance and shown in its "
                        "report (e.g. which commit the code of an earlier run matches)")
    parser.add_argument("--in-part", action="store_true", help="publish the studies run in part "
                        "(outputs/<profile>-in-part); their reports say which runs trained")
    parser.add_argument("--readme", default=str(PROJECT_ROOT / "README.md"), help="the README whose table to rewrite")
    args = parser.parse_args(argv)
    check_choice("profile", args.profile, PROFILES)
    if args.profile == "smoke":
        raise InvalidConfigError("invalid profile 'smoke': its reports come from the embedded samples and are "
                                 "not published; valid choices: cpu, quick, paper")
    folder = args.profile + (IN_PART_SUFFIX if args.in_part else "")
    if not (Path(args.outputs) / folder).is_dir():
        raise InvalidConfigError(f"invalid --outputs {args.outputs!r}: no {folder}/ folder in it "
                                 f"(run make reports PROFILE={args.profile} first)")
    return args


def _publish(args: argparse.Namespace) -> int:
    studies = publish_profile(Path(args.outputs), Path(args.reports), profile=args.profile, studies=args.only,
                              note=args.note, in_part=args.in_part)
    print(f"published {len(studies)} studies of profile {args.profile}: {', '.join(studies) or 'none finished'} "
          f"-> {Path(args.reports) / args.profile}")
    if Path(args.readme).is_file():
        changed = update_readme(Path(args.readme), results_markdown(Path(args.reports)))
        print(f"README results table {'updated' if changed else 'unchanged'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
