"""``python -m helpers.batch.device_import FOLDER``: file the runs a GPU machine trained
(``python -m helpers.batch.device_runs``) into ``reports/<profile>/<study>/new-runs/``, and say how to
render and publish their reports here without training anything.

FOLDER holds what came back from the machine: ``device_runs.json``, ``runs.tar`` and
``gpu_check.json``. The archive is read as untrusted input: only regular files named
``<profile>/<study>/<run id>/<file>`` with one of a run's four published files (``spec.json``,
``history.csv``, ``metrics.json``, ``predictions.npz``; never weights) are accepted, JSON must parse,
predictions are opened without pickles, and anything else refuses the import in one line before a
file is written. Each complete run is then published as ``python -m helpers.batch.train_runs``
publishes (a run already there with the same metrics is left as it is; another run of the same id
is replaced, and a line says so); ``gpu_check.json`` is copied to
``benchmarks/results/gpu_check_<device>.json``. The printed commands render each study with
``--reuse-only`` (whole, or in part when some of its runs did not finish on the machine) and
publish it.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import shlex
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from helpers.batch.copying import path_rewrites, read_regular_json
from helpers.batch.device_runs import GPU_CHECK, RECORD, RUNS_ARCHIVE
from helpers.batch.publish import RUN_FILES, publish_run
from helpers.batch.state import NEW_RUNS
from helpers.commands import PROJECT_ROOT, OneLineArgumentParser, project_relative, run_command
from helpers.errors import InvalidConfigError
from helpers.io import write_json
from helpers.studies.common.parameters import PROFILES
from helpers.studies.registry import study_ids

MEMBER = re.compile(r"(?P<profile>[a-z]+)/(?P<study>\d\d)/(?P<run>[A-Za-z0-9][A-Za-z0-9_.+-]*)/(?P<file>[a-z.]+)")
DECODER_NOTE = "pixels decoded here differ"  # helpers.data.packed's note when another decoder made other pixels
LARGEST_FILE = 16 << 20  # bytes; a published run's files are a few tens of kB


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m helpers.batch.device_import``."""
    parser = OneLineArgumentParser(prog="python -m helpers.batch.device_import",
                                   description="File the runs a GPU machine trained into reports/<profile>/<study>/"
                                               "new-runs and print the commands that render their reports.")
    parser.add_argument("folder", help="the folder of device_runs.json, runs.tar and gpu_check.json")
    parser.add_argument("--reports", default=str(PROJECT_ROOT / "reports"), help="published reports (default reports)")
    parser.add_argument("--results", default=str(PROJECT_ROOT / "benchmarks" / "results"),
                        help="where gpu_check.json is filed (default benchmarks/results)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status (2 for bad input)."""
    return run_command(lambda: import_device_runs(build_parser().parse_args(argv)))


def import_device_runs(arguments: argparse.Namespace) -> int:
    """Check the folder, file its runs and GPU check, print the render commands (module docstring)."""
    folder = Path(arguments.folder)
    if not folder.is_dir():
        raise InvalidConfigError(f"invalid folder {arguments.folder!r}: no such folder")
    record = read_regular_json(folder / RECORD, folder)
    if record.get("profile") not in PROFILES:
        raise InvalidConfigError(f"{folder / RECORD}: missing, or not a device_runs record with a profile; is "
                                 f"{arguments.folder!r} the folder python -m helpers.batch.device_runs wrote?")
    profile = record["profile"]
    runs = read_runs_archive(folder / RUNS_ARCHIVE, profile) if (folder / RUNS_ARCHIVE).is_file() else {}
    rewrites = path_rewrites(PROJECT_ROOT)
    with tempfile.TemporaryDirectory(prefix="device_import_") as scratch:
        for (study, run_id), files in sorted(runs.items()):
            run = Path(scratch) / study / run_id
            run.mkdir(parents=True)
            for name, content in files.items():
                (run / name).write_bytes(content)
            published = Path(arguments.reports) / profile / study
            earlier = (published / NEW_RUNS / run_id / "metrics.json").is_file()
            target = publish_run(run, published, rewrites)
            print(f"[{study}] {run_id}: " + ("already published" if target is None else
                                             f"replaced the earlier run of that id in {_shown(target)}" if earlier else
                                             f"filed in {_shown(target)}"))
            if any(DECODER_NOTE in str(note) for note in json.loads(files["metrics.json"]).get("data_notes") or []):
                print(f"warning: [{study}] {run_id} trained on pixels that the machine's JPEG decoder made differently "
                      "from the packing machine's: its data digest will not match the data here, so --reuse-only "
                      "refuses it; render where the decoder matches, or pack with a lossless form")
    if (folder / GPU_CHECK).is_file():
        print(f"gpu check: {_shown(file_gpu_check(folder / GPU_CHECK, Path(arguments.results)))}")
    print("\n".join(render_commands(record, {study for study, _ in runs})))
    return 0


def read_runs_archive(path: Path, profile: str) -> dict[tuple[str, str], dict[str, bytes]]:
    """The complete runs in the tar at ``path``, by (study, run id): their files' bytes. Refuses
    (InvalidConfigError naming the member) anything that is not one of a run's published files
    as a regular file, a run that lacks one of them, and files that do not read as they should."""
    runs: dict[tuple[str, str], dict[str, bytes]] = {}
    try:
        with tarfile.open(path, mode="r:") as archive:
            for member in archive.getmembers():
                match = MEMBER.fullmatch(member.name)
                if (not member.isfile() or match is None or match["profile"] != profile
                        or match["study"] not in study_ids() or match["file"] not in RUN_FILES
                        or member.size > LARGEST_FILE):
                    raise InvalidConfigError(f"{path}: refused member {member.name!r}: expected only regular files "
                                             f"{profile}/<study>/<run id>/<{'|'.join(RUN_FILES)}>")
                content = archive.extractfile(member).read()
                runs.setdefault((match["study"], match["run"]), {})[match["file"]] = content
    except tarfile.TarError as error:
        raise InvalidConfigError(f"{path}: not a readable tar archive: {error}") from error
    for (study, run_id), files in runs.items():
        missing = [name for name in RUN_FILES if name not in files]
        if missing:
            raise InvalidConfigError(f"{path}: run {study}/{run_id} lacks {', '.join(missing)}")
        _check_run_files(f"{path}: run {study}/{run_id}", files)
    return runs


def _check_run_files(where: str, files: dict[str, bytes]) -> None:
    for name in ("spec.json", "metrics.json"):
        try:
            if not isinstance(json.loads(files[name]), dict):
                raise ValueError("not a JSON object")
        except ValueError as error:
            raise InvalidConfigError(f"{where}: {name} does not read: {error}") from error
    try:
        with np.load(io.BytesIO(files["predictions.npz"]), allow_pickle=False) as predictions:
            [predictions[key] for key in predictions.files]
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise InvalidConfigError(f"{where}: predictions.npz does not read without pickles: {error}") from error


def file_gpu_check(path: Path, results: Path) -> Path:
    """Copy the GPU check's JSON to ``results/gpu_check_<device name>.json`` (as the check names it)."""
    report = read_regular_json(path, path.parent)
    device = report.get("device") if isinstance(report, dict) else None
    if not isinstance(device, dict) or not device.get("name"):
        raise InvalidConfigError(f"{path}: not a gpu_check report (no device name)")
    slug = "cpu" if device.get("device") == "cpu" else re.sub(r"[^a-z0-9]+", "_", str(device["name"]).lower()).strip("_")
    target = results / f"gpu_check_{slug}.json"
    write_json(target, report)
    return target


def render_commands(record: dict[str, Any], imported: set[str]) -> list[str]:
    """The commands that render and publish, here and training nothing, each study with runs: the
    whole study when every run it plans finished on the machine, else in part (its finished runs)."""
    profile, parameters = record["profile"], [list(pair) for pair in record.get("parameters") or []]
    data_dir = record.get("data_dir")  # relative to the project when the machine read the packed data
    lines = ["", "render and publish here (nothing trains: --reuse-only):"]
    for study in record.get("studies") or []:
        runs = [run for run in record.get("runs") or [] if run.get("study") == study]
        finished = [run["run_id"] for run in runs if run.get("status") == "finished"]
        if not finished and study not in imported:
            lines.append(f"  study {study}: no run finished on the machine; nothing to render")
            continue
        whole = len(finished) == len(runs) and not record.get("run_patterns")
        command = ["python", "-m", "helpers.batch", "--profile", profile, "--only", study, "--reuse-only"]
        command += ["--data-dir", data_dir] if data_dir else []
        for name, value in parameters:
            command += ["-p", name, value]
        command += [] if whole else ["--runs", *finished]
        publish = ["python", "-m", "helpers.batch.publish", "--profile", profile, "--only", study]
        publish += [] if whole else ["--in-part"]
        lines += [f"  study {study} ({len(finished)} of the {len(runs)} runs asked of the machine finished):",
                  f"    {shlex.join(command)}", f"    {shlex.join(publish)}"]
    return lines


def _shown(path: Path) -> str:
    return project_relative(path) or str(path)


if __name__ == "__main__":
    sys.exit(main())
