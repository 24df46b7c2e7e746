"""Publishing finished reports into reports/<profile>: what is copied and what never is, the
paths of the machine hidden, provenance recorded, the index and the README's results table."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.batch.publish import (README_BEGIN, README_END, path_rewrites, publish_profile, results_markdown,
                                   sanitize_text, study_provenance, update_readme)
from helpers.batch.state import RECORD_NAME
from helpers.commands import PROJECT_ROOT


def finished_study(profile_dir: Path, study: str, root: Path, *, this_run: float = 0.8) -> Path:
    """A study folder as the batch runner leaves it, with the machine's paths in its text."""
    folder = profile_dir / study
    staging = f"{root}/outputs/{profile_dir.name}/{study}.partial"
    (folder / "figures").mkdir(parents=True)
    (folder / "tables").mkdir()
    (folder / "figures" / "curve.png").write_bytes(b"\x89PNG fake")
    (folder / "tables" / "runs.csv").write_text(f"run,path\nr0,{staging}/runs/r0\n")
    notebook = {"cells": [{"cell_type": "code", "source": f'output_dir = "{staging}"\ndata_dir = "{root.parent}/data"',
                           "metadata": {}, "outputs": [], "execution_count": 1}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (folder / f"{study}_study.ipynb").write_text(json.dumps(notebook))
    (folder / "report.html").write_text(f"<html><body><p>output_dir = {staging}</p></body></html>")
    (folder / "run.log").write_text(f"data: cifar10 from {root.parent}/data/cifar10.npz\n")
    metrics = {"study": study, "title": f"Study {study}", "profile": profile_dir.name, "seeds": [0],
               "data_notes": [f"cifar10 from {root.parent}/data/cifar10.npz: 25,000 train images"],
               "headline": [{"label": "ResNet-18 test top-1", "paper": 0.8294, "this_run": this_run,
                             "unit": "fraction", "verdict": "below the paper",
                             "uncertainty": {"kind": "binomial_se", "value": 0.004, "n": 10000}}],
               "runs": {"r0": {"device": "cpu", "precision": "bf16", "wall_seconds": 2990.0},
                        "r1": {"device": "cuda:0", "device_name": "NVIDIA H100 80GB HBM3", "precision": "bf16",
                               "wall_seconds": 10.0}}}
    (folder / "metrics.json").write_text(json.dumps(metrics))
    record = {"study": study, "notebook": f"{study}_study.ipynb", "status": "ok", "wall_seconds": 61.0,
              "report": f"{study}/report.html", "executed_notebook": f"{study}/{study}_study.ipynb",
              "log": f"{study}/run.log", "finished": "2026-12-02 17:00 UTC", "fingerprint": "abc",
              "title": f"Study {study}", "headline": metrics["headline"], "profile": profile_dir.name, "seeds": [0],
              "data_notes": metrics["data_notes"], "reduced_data": True}
    (folder / RECORD_NAME).write_text(json.dumps(record))
    run = folder / "runs" / "r0"
    run.mkdir(parents=True)
    for name in ("spec.json", "history.csv", "metrics.json"):
        (run / name).write_text(f'{{"out": "{staging}/runs/r0"}}' if name.endswith(".json") else "epoch\n1\n")
    (run / "predictions.npz").write_bytes(b"PK predictions")  # binary: copied byte for byte
    (run / "model.pt").write_bytes(b"weights")
    (run / "checkpoint.pt").write_bytes(b"checkpoint")
    return folder


def all_text(folder: Path) -> str:
    return "\n".join(path.read_text(errors="replace") for path in folder.rglob("*") if path.is_file())


def test_publish_copies_reports_without_weights_or_machine_paths(tmp_path):
    root = tmp_path / "project"
    outputs, reports = root / "outputs", root / "reports"
    finished_study(outputs / "cpu", "02", root)
    (outputs / "cpu" / "05.partial").mkdir(parents=True)  # an unfinished attempt: never published
    published = publish_profile(outputs, reports, profile="cpu", project_root=root, note="Code as in commit abc.")
    assert published == ["02"]
    target = reports / "cpu" / "02"
    files = sorted(path.relative_to(target).as_posix() for path in target.rglob("*") if path.is_file())
    assert files == sorted(["02_study.ipynb", "report.html", "metrics.json", RECORD_NAME, "run.log",
                            "provenance.json", "figures/curve.png", "tables/runs.csv", "runs/r0/spec.json",
                            "runs/r0/history.csv", "runs/r0/metrics.json", "runs/r0/predictions.npz"])
    assert (target / "runs" / "r0" / "predictions.npz").read_bytes() == b"PK predictions"
    text = all_text(reports / "cpu")
    assert str(tmp_path) not in text and ".partial" not in text
    source = json.loads((target / "02_study.ipynb").read_text())["cells"][0]["source"]
    assert source == 'output_dir = "outputs/cpu/02"\ndata_dir = "../data"'
    assert "../data/cifar10.npz" in (target / "run.log").read_text()
    provenance = json.loads((target / "provenance.json").read_text())
    assert provenance["machine"]["cores"] >= 1 and provenance["wall_seconds"] == 61.0
    assert provenance["devices"] == ["cpu", "cuda:0 (NVIDIA H100 80GB HBM3)"] and provenance["precisions"] == ["bf16"]
    assert provenance["data_notes"] == ["cifar10 from ../data/cifar10.npz: 25,000 train images"]
    report = (target / "report.html").read_text()
    assert "runs trained on cpu, cuda:0 (NVIDIA H100 80GB HBM3)" in report  # the GPU a run trained on, named
    assert report.index("Published report") < report.index("Code as in commit abc.") < report.index(
        "output_dir = outputs/cpu/02")
    assert provenance["note"] == "Code as in commit abc."
    index = (reports / "cpu" / "index.html").read_text()
    assert 'href="02/report.html"' in index and "82.94%" in index and "80.00%" in index
    assert "Less data than the paper used" in index and "not comparable" not in index
    assert "ResNet-18 test top-1" in (reports / "cpu" / "results.csv").read_text()


def test_republishing_replaces_a_study_and_keeps_the_others(tmp_path):
    root = tmp_path / "project"
    outputs, reports = root / "outputs", root / "reports"
    finished_study(outputs / "cpu", "02", root, this_run=0.7)
    publish_profile(outputs, reports, profile="cpu", project_root=root)
    (outputs / "cpu" / "02").rename(outputs / "cpu" / "old02")
    finished_study(outputs / "cpu", "05", root, this_run=0.9)
    publish_profile(outputs, reports, profile="cpu", project_root=root, studies=["05"])
    assert sorted(path.name for path in (reports / "cpu").iterdir() if path.is_dir()) == ["02", "05"]
    table = results_markdown(reports)
    assert "[02](reports/cpu/02/report.html) | cpu | ResNet-18 test top-1 | 82.94% | 70.00% ± 0.40 | -12.94 pts" in table
    assert "[05](reports/cpu/05/report.html)" in table
    # the runs' time, not the last attempt's 61 s (which may only have loaded runs finished before)
    assert "| [05](reports/cpu/05/report.html) | cpu | – | 50 min 00 s | " in table  # no ledger recorded


def test_a_study_run_in_part_is_published_only_when_asked_and_says_so(tmp_path):
    root = tmp_path / "project"
    outputs, reports = root / "outputs", root / "reports"
    folder = finished_study(outputs / "cpu-in-part", "01", root)
    metrics = json.loads((folder / "metrics.json").read_text())
    (folder / "metrics.json").write_text(json.dumps({**metrics, "run_in_part": True, "run_patterns": ["r0"]}))
    record = json.loads((folder / RECORD_NAME).read_text())
    (folder / RECORD_NAME).write_text(json.dumps({**record, "run_patterns": ["r0"]}))
    assert publish_profile(outputs, reports, profile="cpu", project_root=root) == []
    assert publish_profile(outputs, reports, profile="cpu", project_root=root, in_part=True) == ["01"]
    assert (reports / "cpu" / "01" / "report.html").is_file()
    assert "Run in part" in (reports / "cpu" / "index.html").read_text()
    assert "| [01](reports/cpu/01/report.html) | cpu, run in part | – |" in results_markdown(reports)


def test_sanitize_keeps_other_paths_and_numbers():
    root = Path("/home/someone/project")
    rewrites = path_rewrites(root)
    assert sanitize_text("/home/someone/project/outputs/cpu/04.partial/x", rewrites) == "outputs/cpu/04/x"
    assert sanitize_text("/home/someone/data/MNIST", rewrites) == "../data/MNIST"
    assert sanitize_text("/home/someone/projectile 1.partial 0.5", rewrites) == "../projectile 1.partial 0.5"
    assert sanitize_text("/opt/other/05.partial", rewrites) == "/opt/other/05"


def test_update_readme_rewrites_only_between_the_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n{README_BEGIN}\nold\n{README_END}\n\nRest.\n")
    assert update_readme(readme, "| new |")
    assert readme.read_text() == f"# Title\n\n{README_BEGIN}\n| new |\n{README_END}\n\nRest.\n"
    assert not update_readme(readme, "| new |")
    (tmp_path / "bare.md").write_text("no markers")
    with pytest.raises(Exception, match="no results markers"):
        update_readme(tmp_path / "bare.md", "x")


def test_readme_results_table_matches_the_published_reports():
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    shown = text.split(README_BEGIN, 1)[1].split(README_END, 1)[0].strip()
    assert shown == results_markdown(PROJECT_ROOT / "reports").strip(), \
        "README's results table is stale: run python -m helpers.batch.publish --profile cpu"


@pytest.mark.parametrize("arguments, message", [
    (["--profile", "smoke"], "invalid profile 'smoke'"),
    (["--profile", "gpu"], "unknown profile 'gpu'"),
])
def test_publish_refuses_bad_input_in_one_line(tmp_path, arguments, message):
    completed = subprocess.run([sys.executable, "-m", "helpers.batch.publish", *arguments, "--outputs", str(tmp_path),
                                "--reports", str(tmp_path / "reports")], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 2
    assert message in completed.stderr and len(completed.stderr.strip().splitlines()) == 1


def test_publish_copies_regular_files_only_and_never_makes_one_more_readable(tmp_path):
    root = tmp_path / "project"
    outputs, reports = root / "outputs", root / "reports"
    folder = finished_study(outputs / "cpu", "02", root)
    private = tmp_path / "home" / ".ssh" / "id_ed25519"
    private.parent.mkdir(parents=True)
    private.write_text("PRIVATE KEY")
    private.chmod(0o600)
    (folder / "figures" / "key.png").symlink_to(private)  # a link in an output folder, to a private file
    (folder / "runs" / "r0" / "history.csv").unlink()
    (folder / "runs" / "r0" / "history.csv").symlink_to(private)
    (folder / "runs" / "r1").symlink_to(private.parent, target_is_directory=True)  # a linked run folder
    (private.parent / "spec.json").write_text("PRIVATE SPEC")
    (folder / "tables" / "private.csv").write_text("a,b\n1,2\n")
    (folder / "tables" / "private.csv").chmod(0o600)
    (folder / "report.html").chmod(0o640)
    previous = os.umask(0o022)
    try:
        assert publish_profile(outputs, reports, profile="cpu", project_root=root) == ["02"]
    finally:
        os.umask(previous)
    target = reports / "cpu" / "02"
    assert "PRIVATE" not in all_text(reports)
    assert not (target / "figures" / "key.png").exists() and not (target / "runs" / "r1").exists()
    assert sorted(path.name for path in (target / "runs" / "r0").iterdir()) == ["metrics.json", "predictions.npz",
                                                                             "spec.json"]
    modes = {name: stat.S_IMODE((target / name).stat().st_mode)
             for name in ("tables/private.csv", "report.html", "metrics.json", "tables/runs.csv")}
    assert modes == {"tables/private.csv": 0o600, "report.html": 0o640, "metrics.json": 0o644,
                     "tables/runs.csv": 0o644}


def test_publishing_into_a_linked_report_folder_keeps_the_link_and_leaves_nothing_beside(tmp_path):
    root = tmp_path / "project"
    outputs, reports = root / "outputs", root / "reports"
    finished_study(outputs / "cpu", "02", root)
    elsewhere = tmp_path / "other-checkout" / "02"
    elsewhere.mkdir(parents=True)
    (reports / "cpu").mkdir(parents=True)
    (reports / "cpu" / "02").symlink_to(elsewhere)
    for _ in range(2):
        assert publish_profile(outputs, reports, profile="cpu", project_root=root) == ["02"]
        assert (reports / "cpu" / "02").is_symlink() and (elsewhere / "report.html").is_file()
        assert not [path.name for path in (reports / "cpu").iterdir() if path.name.startswith(".")]
        assert sorted(path.name for path in elsewhere.parent.iterdir()) == ["02"]


def test_a_bare_device_beside_the_same_device_named_is_listed_once():
    # Study 1 mixes runs recorded before runs named their hardware ("cpu") with later ones.
    runs = {"old": {"device": "cpu"}, "new": {"device": "cpu", "device_name": "AMD EPYC"},
            "gpu": {"device": "cuda:0", "device_name": "NVIDIA H100"}, "mps": {"device": "mps"}}
    made = study_provenance({"runs": runs, "provenance": {"commit": "abc"}}, {}, published="today")
    assert made["devices"] == ["cpu (AMD EPYC)", "cuda:0 (NVIDIA H100)", "mps"]
