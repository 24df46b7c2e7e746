"""The main job at the smoke profile: every study notebook through the batch runner, on the
embedded samples, with assertions on what the reports and metrics contain.

This is the slowest test module (several minutes on 2 CPU cores): the five studies run once per
session and every test below reads their artefacts.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers.studies.registry import study_ids

REPO = Path(__file__).resolve().parents[2]
STUDIES = study_ids()
SMOKE_TIMEOUT_SECONDS = 1800

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory) -> dict:
    """Run ``python -m helpers.batch --profile smoke`` once, as ``make reports`` does."""
    out = tmp_path_factory.mktemp("outputs")
    environment = {key: value for key, value in os.environ.items() if key != "HELPERS_DATA_DIR"}
    completed = subprocess.run(
        [sys.executable, "-m", "helpers.batch", "--profile", "smoke", "--out", str(out)],
        cwd=REPO, env=environment, capture_output=True, text=True, timeout=SMOKE_TIMEOUT_SECONDS,
    )
    return {"completed": completed, "profile_dir": out / "smoke"}


def test_every_study_succeeds(smoke_run):
    completed = smoke_run["completed"]
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    summary = json.loads((smoke_run["profile_dir"] / "batch.json").read_text())
    statuses = {study["study"]: study["status"] for study in summary["studies"]}
    assert statuses == {study: "ok" for study in STUDIES}
    for study in STUDIES:  # the runner's progress="epoch" parameter reached every training loop
        assert re.search(r"epoch 1/\d+  \S", (smoke_run["profile_dir"] / study / "run.log").read_text()), study


@pytest.mark.parametrize("study", STUDIES)
def test_executed_notebook_has_no_errors(smoke_run, study):
    folder = smoke_run["profile_dir"] / study
    executed = [path for path in folder.glob("*.ipynb")]
    assert len(executed) == 1, list(folder.iterdir())
    notebook = nbformat.read(executed[0], as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert all(output.get("output_type") != "error" for output in cell.get("outputs", [])), cell.source


@pytest.mark.parametrize("study", STUDIES)
def test_report_embeds_figures_and_the_paper_comparison(smoke_run, study):
    folder = smoke_run["profile_dir"] / study
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64") >= 2
    assert not re.search(r'<img[^>]+src="(?!data:)', html), "a report image is not embedded"
    assert "paper" in html and "this run" in html
    assert "difference" in html
    assert len(list((folder / "figures").glob("*.png"))) >= 2
    assert list((folder / "tables").glob("*.csv"))


@pytest.mark.parametrize("study", STUDIES)
def test_metrics_have_sane_values(smoke_run, study):
    metrics = json.loads((smoke_run["profile_dir"] / study / "metrics.json").read_text())
    for key in ("study", "title", "profile", "headline", "data_notes", "runs", "wall_seconds"):
        assert key in metrics, key
    assert metrics["profile"] == "smoke" and metrics["reduced_data"] is True
    assert metrics["headline"], "no headline numbers"
    for row in metrics["headline"]:
        assert {"label", "paper", "this_run", "unit"} <= set(row)
    assert metrics["runs"]
    for run_id, run in metrics["runs"].items():
        for key in ("test_top1", "test_top5", "final_train_top1"):
            assert 0.0 <= run[key] <= 1.0, (run_id, key, run[key])
        assert run["test_top1"] <= run["test_top5"]
        confusion = run["confusion"]
        assert len(confusion) == len(run["classes"])
        assert sum(map(sum, confusion)) == run["num_test"], run_id
        assert run["wall_seconds"] > 0 and run["train_images_per_second"] > 0


def test_smoke_reports_say_the_data_is_reduced(smoke_run):
    for study in STUDIES:
        html = (smoke_run["profile_dir"] / study / "report.html").read_text(encoding="utf-8")
        assert "reduced or stand-in data" in html, study
    study3 = (smoke_run["profile_dir"] / "03" / "report.html").read_text(encoding="utf-8")
    assert "SYNTHETIC STAND-IN for cifar100" in study3


def test_every_report_opens_with_its_answer_before_the_set_up(smoke_run):
    for study in STUDIES:
        html = (smoke_run["profile_dir"] / study / "report.html").read_text(encoding="utf-8")
        opening = html.index("<blockquote>")
        assert opening < html.index('id="Parameters"') < html.index('id="Answer"'), study
        assert "<strong>Answer.</strong>" in html[opening:html.index("</blockquote>")], study


def test_index_links_every_report(smoke_run):
    index = (smoke_run["profile_dir"] / "index.html").read_text(encoding="utf-8")
    for study in STUDIES:
        assert f'href="{study}/report.html"' in index


def test_index_and_a_study_report_render_in_chromium(smoke_run, tmp_path):
    browser = pytest.importorskip("test_browser")
    if browser.CHROMIUM is None or browser.CHROMEDRIVER is None:
        pytest.skip("chromium and chromedriver are not installed")
    profile_dir = smoke_run["profile_dir"]
    with browser.chromium_session(tmp_path / "chromium-profile") as driver:
        index = driver.open(profile_dir / "index.html")
        index_png = driver.screenshot(tmp_path / "index.png")
        report = driver.open(profile_dir / "05" / "report.html")
        report_png = driver.screenshot(tmp_path / "report.png")
    assert index["text"] > 500
    for image in index["images"] + report["images"]:
        assert image["complete"] and image["width"] > 0, f"image not loaded: {image}"
    assert len(report["images"]) >= 3
    browser.assert_not_blank(index_png)
    browser.assert_not_blank(report_png)


def test_one_row_of_a_study_reruns_alone_apart_from_the_whole_studies(tmp_path):
    """``--only 04 --runs "B+c+l"`` trains that row only, into <out>/smoke-in-part, and says so."""
    out = tmp_path / "outputs"
    environment = {key: value for key, value in os.environ.items() if key != "HELPERS_DATA_DIR"}
    completed = subprocess.run(
        [sys.executable, "-m", "helpers.batch", "--profile", "smoke", "--only", "04", "--runs", "B+c+l",
         "-p", "epochs", "1", "-p", "image_size", "16",  # the machinery of a run in part, not its learning
         "--out", str(out)], cwd=REPO, env=environment, capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    study = out / "smoke-in-part" / "04"
    assert sorted(path.name for path in (study / "runs").iterdir()) == ["model_b_c_l_seed0"]
    assert not (out / "smoke").exists()  # the whole study's results are not touched
    metrics = json.loads((study / "metrics.json").read_text())
    assert metrics["run_in_part"] is True and metrics["run_patterns"] == ["B+c+l"]
    report = (study / "report.html").read_text(encoding="utf-8")
    assert "Run in part" in report and "not run" in report
    assert ",B+c+l," in (out / "smoke-in-part" / "results.csv").read_text()


def test_a_runs_pattern_that_matches_nothing_exits_2_naming_the_study(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "helpers.batch", "--only", "01", "04", "--runs", "B+c+l", "--out", str(tmp_path / "o")],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 2
    assert completed.stderr.startswith("error: study 01: no run matches the pattern 'B+c+l'; runs (id, name): ")
    assert len(completed.stderr.splitlines()) == 1 and not (tmp_path / "o").exists()
