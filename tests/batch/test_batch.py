"""The batch runner: tiny throwaway notebooks run end to end, the pure index builder, and the
command-line checks that must fail before any work is done."""

from __future__ import annotations

import contextlib
import io
import html
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from helpers import batch
from helpers.batch.records import StudyResult, metrics_summary
from helpers.batch.reports import build_index_html, total_runs_seconds
from helpers.batch.results import difference_points

PARAMETERS_CELL = """profile = "smoke"  # smoke | quick | paper
output_dir = "outputs/interactive/00"  # where metrics, figures and tables go
data_dir = None  # dataset folder, or None for the embedded samples
device = "auto"  # auto | cpu | cuda | mps
seeds = [0]  # one run per seed
progress = "auto"  # auto | bar | epoch | none"""

WRITES_METRICS = """import json, os, pathlib
from matplotlib.figure import Figure  # as helpers.plots does: no pyplot, so no inline backend by itself
from IPython.display import display
folder = pathlib.Path(output_dir)
(folder / "figures").mkdir(parents=True, exist_ok=True)
figure = Figure(figsize=(3, 2))
figure.add_subplot().plot([0, 1, 2], [0, 1, 4])
figure.savefig(folder / "figures" / "curve.png")
metrics = {"study": "01", "title": "Tiny study", "profile": profile, "reduced_data": True,
           "data_notes": ["synthetic stand-in: 8 images"], "wall_seconds": 0.1,
           "headline": [{"label": "test top-1", "paper": 0.9357, "this_run": 0.9, "unit": "fraction"}],
           "runs": {"seed0": {"device": "cpu"}},
           "received": {"profile": profile, "output_dir": output_dir, "device": device, "data_dir": data_dir,
                        "seeds": seeds, "progress": progress}}
(folder / "metrics.json").write_text(json.dumps(metrics))
print("epoch 1/1  loss 0.5  val_top1 0.9")
display(figure)"""


def write_notebook(path: Path, *code: str) -> Path:
    """A study-shaped notebook: a claim, a tagged parameters cell, then ``code`` cells."""
    cells = [new_markdown_cell("# A tiny study"),
             new_code_cell(PARAMETERS_CELL, metadata={"tags": ["parameters"]}),
             new_markdown_cell("The work:"),
             *[new_code_cell(source) for source in code]]
    notebook = new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    nbformat.write(notebook, path)
    return path


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("notebooks")
    write_notebook(folder / "01_tiny.ipynb", WRITES_METRICS)
    write_notebook(folder / "02_broken.ipynb", "x = 1", "raise ValueError('deliberate failure for the test')",
                   "print('never reached')")
    (folder / "README.md").write_text("not a notebook")
    return folder


@pytest.fixture(scope="module")
def batch_run(notebooks, tmp_path_factory):
    """One real run of both notebooks: (exit code, terminal output, profile folder)."""
    out = tmp_path_factory.mktemp("outputs")
    terminal = io.StringIO()
    with contextlib.redirect_stdout(terminal):
        code = batch.main(["--notebooks-dir", str(notebooks), "--out", str(out), "--profile", "smoke",
                           "--data-dir", str(notebooks), "--timeout", "120", "-p", "seeds", "[0, 1]"])
    return code, terminal.getvalue(), out / "smoke"


@pytest.mark.slow
def test_batch_executes_every_notebook_and_exits_non_zero(batch_run):
    code, terminal, profile_dir = batch_run
    assert code == 1
    assert (profile_dir / "01" / "01_tiny.ipynb").exists()
    assert (profile_dir / "02.partial" / "02_broken.ipynb").exists()  # kept, unpublished, although a cell raised
    assert not (profile_dir / "02").exists() and not (profile_dir / "01.partial").exists()
    assert "epoch 1/1" in (profile_dir / "01" / "run.log").read_text()
    assert "[01]" in terminal and "cell 3/3" in terminal  # parameters, papermill's injected cell, the work
    assert "cell 4/5" in terminal and "cell 5/5" not in terminal  # 02 stops at the cell that raises
    assert "epoch 1/1" in terminal
    assert "02     failed" in terminal and "index:" in terminal


@pytest.mark.slow
def test_parameters_and_environment_reach_the_notebook(batch_run, notebooks):
    _, _, profile_dir = batch_run
    received = json.loads((profile_dir / "01" / "metrics.json").read_text())["received"]
    assert received == {"profile": "smoke", "output_dir": str(profile_dir / "01.partial"), "device": "auto",
                        "data_dir": str(notebooks.resolve()), "seeds": [0, 1], "progress": "epoch"}


@pytest.mark.slow
def test_reports_embed_figures_and_show_errors(batch_run):
    _, _, profile_dir = batch_run
    ok_page = (profile_dir / "01" / "report.html").read_text()
    assert re.search(r'<img[^>]+src="data:image/png;base64,', ok_page)  # (lab's CSS has a data: PNG of its own)
    assert "<script src=" not in ok_page  # self-contained: nothing fetched from a CDN
    failed_page = (profile_dir / "02.partial" / "report.html").read_text()
    assert "ValueError" in failed_page and "deliberate failure for the test" in failed_page


@pytest.mark.slow
def test_index_links_every_report_with_status_and_headlines(batch_run):
    _, _, profile_dir = batch_run
    page = (profile_dir / "index.html").read_text()
    assert 'href="01/report.html"' in page and 'href="02.partial/report.html"' in page
    assert '<span class="status ok">ok</span>' in page and '<span class="status failed">failed</span>' in page
    assert "93.57%" in page and "90.00%" in page and "-3.57 pts" in page
    assert "synthetic stand-in: 8 images" in page
    assert "deliberate failure for the test" in page
    assert "<link" not in page and "<script src" not in page  # offline: the only script is inline (sorting)


@pytest.mark.slow
def test_batch_json_summarises_the_run(batch_run):
    _, _, profile_dir = batch_run
    summary = json.loads((profile_dir / "batch.json").read_text())
    assert summary["profile"] == "smoke" and summary["ok"] is False and summary["parameters"] == {"seeds": [0, 1]}
    assert summary["ran"] == ["01", "02"] and summary["device"] == "auto" and summary["timeout"] == 120
    first, second = summary["studies"]
    assert (first["study"], first["status"], first["report"]) == ("01", "ok", "01/report.html")
    assert first["title"] == "Tiny study" and first["reduced_data"] is True and first["devices"] == ["cpu"]
    assert first["headline"][0]["this_run"] == 0.9 and first["wall_seconds"] > 0 and first["finished"]
    assert (second["status"], second["error_name"], second["error_cell"]) == ("failed", "ValueError", 4)
    assert second["error_message"] == "deliberate failure for the test"
    assert second["executed_notebook"] == "02.partial/02_broken.ipynb" and second["headline"] == []


@pytest.mark.slow
def test_rerunning_one_study_keeps_the_others_in_the_index(batch_run, notebooks, tmp_path):
    _, _, profile_dir = batch_run
    shutil.copytree(profile_dir, tmp_path / "smoke")
    with contextlib.redirect_stdout(io.StringIO()):
        code = batch.main(["--notebooks-dir", str(notebooks), "--out", str(tmp_path), "--only", "02",
                           "--data-dir", str(notebooks), "--timeout", "120"])
    assert code == 1
    summary = json.loads((tmp_path / "smoke" / "batch.json").read_text())
    assert summary["ran"] == ["02"] and [study["study"] for study in summary["studies"]] == ["01", "02"]
    assert summary["studies"][0]["title"] == "Tiny study"  # 01 as the earlier run recorded it
    page = (tmp_path / "smoke" / "index.html").read_text()
    assert 'href="01/report.html"' in page and 'href="02.partial/report.html"' in page and "-3.57 pts" in page


def _batch(*arguments: str) -> tuple[int, str]:
    terminal = io.StringIO()
    with contextlib.redirect_stdout(terminal):
        code = batch.main([*arguments, "--timeout", "120"])
    return code, terminal.getvalue()


@pytest.mark.slow
def test_an_unchanged_study_is_not_rerun_until_forced_or_changed(batch_run, notebooks, tmp_path):
    _, _, profile_dir = batch_run
    shutil.copytree(profile_dir, tmp_path / "smoke")
    common = ["--notebooks-dir", str(notebooks), "--out", str(tmp_path), "--only", "01", "--data-dir", str(notebooks)]
    report = tmp_path / "smoke" / "01" / "report.html"
    published_at = report.stat().st_mtime_ns

    code, terminal = _batch(*common, "-p", "seeds", "[0, 1]")
    assert code == 0 and "unchanged since its run of" in terminal and "not rerun" in terminal
    assert report.stat().st_mtime_ns == published_at
    summary = json.loads((tmp_path / "smoke" / "batch.json").read_text())
    assert summary["studies"][0]["reused"] is True and summary["studies"][0]["status"] == "ok"

    code, terminal = _batch(*common, "-p", "seeds", "[0]")  # another parameter value: a new fingerprint
    assert code == 0 and "unchanged since" not in terminal
    assert report.stat().st_mtime_ns != published_at
    assert json.loads((tmp_path / "smoke" / "01" / "metrics.json").read_text())["received"]["seeds"] == [0]

    rerun_at = report.stat().st_mtime_ns
    code, terminal = _batch(*common, "-p", "seeds", "[0]", "--force")
    assert code == 0 and "unchanged since" not in terminal and report.stat().st_mtime_ns != rerun_at


# Fails the first time, after leaving a marker of finished work in its output folder; continues
# from the marker the next time (as a study continues its finished and checkpointed runs).
INTERRUPTED_ONCE = """import json, pathlib
folder = pathlib.Path(output_dir)
marker = folder / "first-half.done"
continued = marker.exists()
marker.write_text("done")
if not continued:
    raise RuntimeError("interrupted after the first half")
(folder / "metrics.json").write_text(json.dumps({"continued": continued}))"""


@pytest.mark.slow
def test_an_interrupted_study_continues_and_is_published_only_when_complete(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    write_notebook(folder / "03_interrupted.ipynb", INTERRUPTED_ONCE)
    published = tmp_path / "out" / "smoke" / "03"
    published.mkdir(parents=True)
    (published / "report.html").write_text("the previous good report")
    common = ["--notebooks-dir", str(folder), "--out", str(tmp_path / "out")]

    code, _ = _batch(*common)
    assert code == 1
    assert (published / "report.html").read_text() == "the previous good report"  # not replaced by a failure
    assert (published.parent / "03.partial" / "first-half.done").exists()

    code, terminal = _batch(*common)
    assert code == 0 and "continuing an interrupted attempt" in terminal
    assert json.loads((published / "metrics.json").read_text()) == {"continued": True}
    executed = nbformat.read(published / "03_interrupted.ipynb", as_version=4)
    assert not [output for cell in executed.cells for output in cell.get("outputs", [])
                if output.get("output_type") == "error"]
    assert not (published.parent / "03.partial").exists()
    assert not list(published.parent.glob(".03*"))  # the replaced folder is gone


# Trains one tiny run through the run layer, as a study notebook does, then records its wall time.
TRAINS_A_RUN = """import json, pathlib
from helpers.config import TrainConfig
from helpers.runs import RunSpec, run_all
options = {"synthetic_options": {"num_classes": 4, "image_size": 12, "channels": 3, "train_size": 64, "test_size": 32}}
spec = RunSpec(run_id="tiny", model="lenet5", dataset="synthetic", dataset_options=options,
               config=TrainConfig(epochs=1, batch_size=32, progress="none", device="cpu"))
[outcome] = run_all([spec], output_dir)
(pathlib.Path(output_dir) / "metrics.json").write_text(json.dumps({"trained": outcome.metrics["wall_seconds"]}))"""


@pytest.mark.slow
def test_a_report_only_edit_reruns_the_notebook_but_retrains_nothing(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    notebook = write_notebook(folder / "01_trains.ipynb", TRAINS_A_RUN)
    common = ["--notebooks-dir", str(folder), "--out", str(tmp_path / "out")]
    published = tmp_path / "out" / "smoke" / "01"
    code, _ = _batch(*common)
    trained = json.loads((published / "metrics.json").read_text())["trained"]
    assert code == 0 and (published / "runs" / "tiny" / "metrics.json").is_file()

    edited = nbformat.read(notebook, as_version=4)  # what the report says changes, not what training computes
    edited.cells[0].source = "# A tiny study, its prose edited"
    nbformat.write(edited, notebook)
    code, terminal = _batch(*common)
    assert code == 0 and "unchanged since" not in terminal  # a new fingerprint: the notebook ran again
    log = (published / "run.log").read_text()
    assert "reused 1 finished run(s) of an earlier attempt (same spec, data and training semantics): tiny" in log
    assert json.loads((published / "metrics.json").read_text())["trained"] == trained  # the same run, not retrained
    assert not (published / "earlier-runs").exists()  # what an attempt did not use is not published


# Records when it ran and with how many threads, and takes long enough for two to overlap.
RECORDS_ITS_TIME = """import json, os, pathlib, time
start = time.time()
time.sleep(6)
folder = pathlib.Path(output_dir)
(folder / "metrics.json").write_text(json.dumps({"start": start, "end": time.time(),
                                                 "threads": os.environ.get("OMP_NUM_THREADS")}))"""


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [["--jobs", "2"], []], ids=["asked", "cpu-default"])
def test_jobs_run_notebooks_at_once_and_build_one_index(tmp_path, jobs):
    from helpers.batch import parallel

    if not jobs and ((os.cpu_count() or 1) < 2 or parallel.visible_gpus()):
        pytest.skip("two studies at once by default needs two CPU cores and no GPU")
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for study in ("01", "02"):
        write_notebook(folder / f"{study}_timed.ipynb", RECORDS_ITS_TIME)
    code, terminal = _batch("--notebooks-dir", str(folder), "--out", str(tmp_path / "out"), *jobs)
    assert code == 0, terminal
    assert "running 2 studies, 2 at a time on the CPU" in terminal
    times = [json.loads((tmp_path / "out" / "smoke" / study / "metrics.json").read_text()) for study in ("01", "02")]
    assert times[1]["start"] < times[0]["end"] and times[0]["start"] < times[1]["end"]  # they overlapped
    cores = os.cpu_count() or 1
    assert [record["threads"] for record in times] == [str(max(1, cores // 2))] * 2
    summary = json.loads((tmp_path / "out" / "smoke" / "batch.json").read_text())
    assert [(study["study"], study["status"]) for study in summary["studies"]] == [("01", "ok"), ("02", "ok")]
    assert summary["jobs"] == 2
    page = (tmp_path / "out" / "smoke" / "index.html").read_text()
    assert 'href="01/report.html"' in page and 'href="02/report.html"' in page
    assert not list((tmp_path / "out" / "smoke").glob(".*.result.json"))


def test_default_jobs_one_per_gpu_else_two_studies_sharing_the_cores(monkeypatch):
    from helpers.batch import parallel

    assert parallel.default_jobs(["0", "1", "2"], cores=2) == 3  # one notebook per GPU
    assert parallel.default_jobs([], cores=2) == 2
    assert parallel.default_jobs([], cores=16) == 2
    assert parallel.default_jobs([], cores=1) == 1  # one core: nothing to share
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert parallel.default_jobs([]) == 2
    assert parallel.child_environment(1, 2, [])["OMP_NUM_THREADS"] == "2"  # each child its half
    assert parallel.child_environment(1, 2, ["3", "5"])["CUDA_VISIBLE_DEVICES"] == "5"


def test_fingerprint_follows_notebook_parameters_and_library_code(tmp_path):
    from helpers.batch.state import study_fingerprint

    library = tmp_path / "library"
    library.mkdir()
    (library / "module.py").write_text("x = 1\n")
    notebook = write_notebook(tmp_path / "01_a.ipynb", "print(1)")
    base = study_fingerprint(notebook, {"seeds": [0], "output_dir": "a"}, library_dir=library)
    assert study_fingerprint(notebook, {"output_dir": "b", "seeds": [0]}, library_dir=library) == base
    assert study_fingerprint(notebook, {"seeds": [1], "output_dir": "a"}, library_dir=library) != base
    (library / "module.py").write_text("x = 2\n")
    changed_code = study_fingerprint(notebook, {"seeds": [0], "output_dir": "a"}, library_dir=library)
    assert changed_code != base
    write_notebook(notebook, "print(2)")
    assert study_fingerprint(notebook, {"seeds": [0], "output_dir": "a"}, library_dir=library) != changed_code


def test_publish_swaps_whole_folders(tmp_path):
    from helpers.batch.state import RECORD_NAME, finished_record, prepare_staging, publish, staging_folder

    published = tmp_path / "01"
    published.mkdir()
    (published / "old.txt").write_text("old")
    staging = staging_folder(published)
    assert prepare_staging(staging, "abc", fresh=False) is False
    (staging / "new.txt").write_text("new")
    assert prepare_staging(staging, "abc", fresh=False) is True  # same fingerprint: kept
    assert (staging / "new.txt").exists()
    publish(staging, published, {"fingerprint": "abc", "status": "ok"})
    assert sorted(path.name for path in published.iterdir()) == sorted(["new.txt", RECORD_NAME])
    assert finished_record(published)["fingerprint"] == "abc"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["01"]

    (staging_folder(published)).mkdir()
    (staging_folder(published) / "stale.txt").write_text("x")
    prepare_staging(staging_folder(published), "other", fresh=False)  # another fingerprint: emptied
    assert not (staging_folder(published) / "stale.txt").exists()


def test_index_builder_computes_differences_and_escapes():
    results = [
        StudyResult(study="01", notebook="01_a.ipynb", status="ok", wall_seconds=75.0, report="01/report.html",
                    title="Plain <ResNet>", reduced_data=True, data_notes=["only 500 images"], devices=["cpu"],
                    headline=[{"label": "top-1", "paper": 0.9357, "this_run": 0.95, "unit": "fraction"},
                              {"label": "error", "paper": 6.43, "this_run": 7.0, "unit": "percent"},
                              {"label": "top-5", "paper": None, "this_run": 0.99, "unit": "fraction"},
                              {"label": "A minus B", "paper": 0.069, "this_run": -0.012, "unit": "fraction",
                               "difference": True}]),
        StudyResult(study="02", notebook="02_b.ipynb", status="failed", wall_seconds=3.0, report=None,
                    error_name="RuntimeError", error_message="out of <memory>", error_cell=4),
    ]
    page = build_index_html(results, profile="quick", date="2025-01-02 03:04 UTC", device="auto")
    assert 'href="01/report.html"' in page and "02 · 02_b.ipynb" in page
    assert "Plain &lt;ResNet&gt;" in page and "out of &lt;memory&gt;" in page and "in cell 4" in page
    assert "+1.43 pts" in page and "+0.57 pts" in page and "93.57%" in page and "6.43%" in page
    assert "<td>+6.90 pts</td><td>-1.20 pts</td><td>-8.10 pts</td>" in page  # a gap is in points, not %
    assert "only 500 images" in page and "Reduced or synthetic data" in page
    assert "1 ok, 1 failed" in page and "device auto (used: cpu)" in page and "2025-01-02 03:04 UTC" in page
    assert "1 min 15 s" in page and "quick" in page
    assert "Time of every run together: 1 min 18 s</b>" in page  # 75 + 3 s: no study recorded its runs' time
    timed = [replace(results[0], runs_seconds=7200.0), replace(results[1], runs_seconds=5400.0)]
    assert total_runs_seconds(timed) == 12600.0
    assert "Time of every run together: 3 h 30 min (3.5 h)</b>" in build_index_html(timed, profile="cpu", date="d",
                                                                                     device="cpu")
    assert "CPU time" not in page  # no study recorded runs on a CPU
    cpu = [replace(timed[0], runs_core_seconds=14400.0), replace(timed[1], runs_core_seconds=5400.0,
                                                                  runs_without_threads=3)]
    assert ("CPU time of the runs on a CPU: at least 5.5 core-hours: 3 runs recorded no thread count"
            in build_index_html(cpu, profile="cpu", date="d", device="cpu"))
    assert "CPU time of the runs on a CPU: 4.0 core-hours</b>" in build_index_html(cpu[:1], profile="cpu", date="d",
                                                                                  device="cpu")


def test_difference_points_and_metrics_summary():
    assert difference_points(0.9, 0.925) == pytest.approx(2.5)
    assert difference_points(6.43, 7.0, "percent") == pytest.approx(0.57)
    assert difference_points(None, 0.5) is None
    summary = metrics_summary({"title": "T", "headline": [{"label": "a"}], "reduced_data": False,
                               "runs": {"a": {"device": "cuda"}, "b": {"device": "cpu"}}, "seeds": [0, 1],
                               "profile": "smoke"})
    assert summary == {"title": "T", "headline": [{"label": "a"}], "reduced_data": False, "data_notes": [],
                       "devices": ["cpu", "cuda"], "seeds": [0, 1], "profile": "smoke", "run_patterns": None,
                       "runs_seconds": None, "runs_core_seconds": None, "runs_without_threads": 0, "answer": "",
                       "claims": []}  # the runs recorded no wall time
    # CPU time: wall x threads x processes of the runs on a CPU; one without a thread count counts as one.
    runs = {"a": {"device": "cpu", "wall_seconds": 100.0, "cpu_threads": 2, "processes": 1},
            "b": {"device": "cpu", "wall_seconds": 50.0, "cpu_threads": 1, "processes": 2},
            "c": {"device": "cpu", "wall_seconds": 10.0}, "d": {"device": "cuda", "wall_seconds": 1000.0}}
    timed = metrics_summary({"runs": runs})
    assert (timed["runs_core_seconds"], timed["runs_without_threads"]) == (310.0, 1)
    assert metrics_summary({"run_patterns": ["B+c+l"]})["run_patterns"] == ["B+c+l"]
    assert metrics_summary(None) == {}


def test_results_table_has_every_headline_with_its_uncertainty():
    from helpers.batch.results import RESULT_COLUMNS, results_csv, results_rows, results_table_html

    headline = [{"label": "ResNet-18 test top-1", "paper": 0.8294, "this_run": 0.80, "unit": "fraction",
                 "uncertainty": {"value": 0.004, "kind": "binomial_se", "n": 10000}, "verdict": "below the paper"},
                {"label": "gap", "paper": None, "this_run": 0.05, "unit": "fraction", "difference": True}]
    result = StudyResult(study="01", notebook="01.ipynb", status="ok", wall_seconds=1.0, headline=headline,
                         seeds=[0], profile="smoke", data_notes=["embedded sample subset"])
    rows = results_rows([result])
    assert rows[0]["paper (%)"] == pytest.approx(82.94) and rows[0]["this run (%)"] == pytest.approx(80.0)
    assert rows[0]["uncertainty (points)"] == pytest.approx(0.4) and rows[0]["difference (points)"] == pytest.approx(-2.94)
    assert rows[0]["uncertainty kind"] == "binomial_se (n=10000)" and rows[1]["uncertainty (points)"] is None
    text = results_csv(rows)
    assert text.splitlines()[0] == ",".join(f'"{c}"' if "," in c else c for c in RESULT_COLUMNS)
    assert len(text.splitlines()) == 3 and "embedded sample subset" in text
    page = results_table_html(rows)
    assert page.count("<tr>") == 3 and "sortResults(0)" in page and "0.40" in page
    assert "<td>1\u00a0(seed\u00a00)</td>" in page and rows[0]["seeds"] == "0"  # a count on the page, the values in the CSV
    several = results_table_html(results_rows([StudyResult(study="01", notebook="01.ipynb", status="ok",
                                                           wall_seconds=1.0, headline=headline, seeds=[0, 1, 2])]))
    assert "<td>3\u00a0(seeds\u00a00,\u00a01,\u00a02)</td>" in several
    own = {**headline[0], "seeds": [1]}  # a headline that records its own seeds shows those
    assert results_rows([StudyResult(study="01", notebook="01.ipynb", status="ok", wall_seconds=1.0, headline=[own],
                                     seeds=[0, 1])])[0]["seeds"] == "1"
    index = build_index_html([result], profile="smoke", date="d", device="cpu")
    assert "± 0.40 (binomial SE, n=10,000)" in index and "below the paper" in index
    assert rows[0]["runs"] == "all" and "Run in part" not in index
    in_part = StudyResult(study="04", notebook="04.ipynb", status="ok", wall_seconds=1.0, headline=headline,
                          seeds=[0], profile="smoke", run_patterns=["B+c+l"])
    assert results_rows([in_part])[0]["runs"] == "B+c+l"
    assert "Run in part" in build_index_html([in_part], profile="smoke", date="d", device="cpu")


def test_the_index_rounds_a_difference_once_as_its_cards_do():
    # 99.55 - 99.665 = -0.115: the card said -0.11, the table rounded twice to -0.12.
    from helpers.batch.results import results_rows, results_table_html

    headline = [{"label": "ResNet test top-1, MNIST", "paper": 0.99665, "this_run": 0.9955000281333923}]
    result = StudyResult(study="02", notebook="02.ipynb", status="ok", wall_seconds=1.0, headline=headline, seeds=[0])
    card = re.search(r"([-+]\d\.\d\d) pts", build_index_html([result], profile="cpu", date="d", device="cpu")).group(1)
    table = re.findall(r"<td>(-0\.1\d)</td>", results_table_html(results_rows([result])))
    assert table == [card] == ["-0.11"]


def test_data_notes_follow_the_dataset_a_headline_names():
    from helpers.batch.results import results_rows

    notes = ["[cifar10] 25,000 train / 10,000 test images on disk", "[mnist] validation split: 10%"]
    headline = [{"label": "ResNet test top-1, MNIST"}, {"label": "ResNet minus AlexNet, CIFAR-10"}, {"label": "all"}]
    rows = results_rows([StudyResult(study="02", notebook="02.ipynb", status="ok", wall_seconds=1.0,
                                     headline=headline, data_notes=notes)])
    assert [row["data notes"] for row in rows] == [notes[1], notes[0], "; ".join(notes)]


def test_claims_csv_and_page_gather_every_studys_ledger_and_the_index_links_them(tmp_path):
    from helpers.batch.claims import CLAIM_COLUMNS, claims_csv, claims_page_html, claims_rows
    from helpers.batch.reports import write_profile_pages

    ledger = [{"claim": "A beats <B>", "where": "Table 1", "paper": "A 90 %", "this run": "+1.0 ± 0.2 points",
               "seeds": "2", "reference": "-", "verdict": "supported", "what would decide it": "decided"},
              {"claim": "C", "where": "text", "paper": "-", "this run": "n/a", "seeds": "-", "reference": "-",
               "verdict": "not decided at this budget", "what would decide it": "about 40,000 test images per model"}]
    results = [StudyResult(study="01", notebook="01.ipynb", status="ok", wall_seconds=1.0, report="01/report.html",
                           title="Study 1", answer="**Answer.** A beats B here.\n\n**Claims** (2)", claims=ledger,
                           profile="cpu",
                           reduced_data=True, data_notes=["subset"]),
               StudyResult(study="02", notebook="02.ipynb", status="failed", wall_seconds=1.0)]
    rows = claims_rows(results)
    assert len(rows) == 2 and rows[0]["study"] == "01" and rows[0]["data notes"] == "subset"
    assert claims_csv(rows).splitlines()[0].split(",")[:3] == list(CLAIM_COLUMNS[:3])
    page = claims_page_html(results, profile="cpu", date="d")
    assert "A beats &lt;B&gt;" in page and "1 supported, 1 not decided at this budget" in page
    assert "about 40,000 test images per model" in page and "Reduced or stand-in data: subset" in page
    write_profile_pages(tmp_path, results, profile="cpu", date="d", device="cpu")
    assert {path.name for path in tmp_path.iterdir()} == {"index.html", "results.csv", "claims.csv", "claims.html"}
    index = (tmp_path / "index.html").read_text()
    assert 'href="claims.html"' in index and "<p><b>Answer.</b> A beats B here.</p>" in index and "(2 claims:" in index
    assert "<p><b>Answer.</b> A beats B here.</p><p><b>Claims</b> (2)</p>" in page and "**" not in page
    assert len((tmp_path / "claims.csv").read_text().splitlines()) == 3


@pytest.mark.parametrize("text", ["True", "False", "None", "3", "-2", "0.5", "1e-3", "resnet18", "true", "auto"])
def test_parse_value_reads_scalars_as_papermill_does(text):
    from papermill.cli import _resolve_type

    value = batch.parse_value(text)
    assert value == _resolve_type(text) and type(value) is type(_resolve_type(text))


def test_parse_value_reads_python_literals_else_keeps_the_string():
    assert batch.parse_value("[0, 1]") == [0, 1]
    assert batch.parse_value("'3'") == "3"
    assert batch.parse_value("False") is False and batch.parse_value("None") is None
    assert batch.parse_value("resnet18") == "resnet18" and batch.parse_value("[0, 1") == "[0, 1"


def test_code_cell_numbers_count_the_injected_parameters_cell():
    kinds = ["markdown", "code", "code", "markdown", "code"]
    tags = [[], [], ["parameters"], [], []]
    # papermill's cells: md, code, parameters, injected, md, code -> code cells 1..4
    assert batch.code_cell_numbers(kinds, tags) == {2: 1, 3: 2, 4: 3, 6: 4}
    assert batch.code_cell_numbers(["code"], [["injected-parameters"]]) == {1: 1}


def test_the_batch_layer_loads_no_torch():
    # --help and every command-line mistake must answer at once; torch takes seconds to import.
    code = ("import sys, helpers.batch, helpers.batch.runner, helpers.studies.common.parameters; "
            "print('torch' in sys.modules)")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "False"


@pytest.mark.parametrize("arguments, expected", [
    (["--profile", "huge"], "error: unknown profile 'huge'; valid choices: cpu, paper, quick, smoke"),
    (["--only", "01", "07"], "error: unknown study id '07'; valid choices: 01, 02"),
    (["-p", "width", "3"], "error: unknown parameter 'width' for 01_tiny.ipynb; valid parameters: "
                           "data_dir, device, output_dir, profile, progress, seeds"),
    (["-p", "profile", "quick"], "error: set profile with --profile, not with -p"),
    (["--device", "tpu"], "error: unknown device 'tpu'; valid choices: auto, cpu, cuda, mps"),
    (["-p", "seeds"], "error: argument -p/--parameter: expected 2 arguments"),
    (["--jobs", "0"], "error: invalid --jobs 0: expected a positive number"),
])
def test_command_line_mistakes_exit_2_before_any_work(arguments, expected, notebooks, tmp_path, capsys):
    code = batch.main(["--notebooks-dir", str(notebooks), "--out", str(tmp_path / "out"), *arguments])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err == expected + "\n" and captured.out == ""
    assert not (tmp_path / "out").exists()


def test_an_output_folder_that_cannot_be_written_exits_2(notebooks, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert batch.main(["--notebooks-dir", str(notebooks), "--out", str(blocker / "out")]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: output folder ") and "cannot be written" in error and len(error.splitlines()) == 1


def test_missing_notebooks_folder_is_a_one_line_error(tmp_path, capsys):
    assert batch.main(["--notebooks-dir", str(tmp_path / "nowhere")]) == 2
    assert capsys.readouterr().err.startswith("error: notebooks folder ")


def test_stale_staging_and_replaced_folders_are_removed_but_a_known_studys_attempt_is_kept(tmp_path):
    from helpers.batch.state import remove_stale

    for name in ("01.partial", "07.partial", ".02.replaced", "01"):
        (tmp_path / name).mkdir()
    removed = remove_stale(tmp_path, ["01", "02"])
    assert sorted(path.name for path in removed) == [".02.replaced", "07.partial"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["01", "01.partial"]


def test_a_registered_study_that_failed_before_its_metrics_shows_its_registered_title():
    from helpers.studies.registry import find_study

    study = find_study("03")
    failed = StudyResult(study="03", notebook=study.notebook, status="failed", wall_seconds=2.0)
    page = build_index_html([failed], profile="smoke", date="d", device="cpu")
    assert html.escape(f"03 · {study.title}") in page


def test_a_study_that_reused_its_runs_shows_the_time_of_its_runs_beside_the_attempts():
    from helpers.batch.records import runs_wall_seconds

    metrics = {"runs": {"a": {"wall_seconds": 3600.0}, "b": {"wall_seconds": 2280.0}}}
    assert runs_wall_seconds(metrics) == 5880.0
    assert runs_wall_seconds({"runs": {"a": {"wall_seconds": 1.0}, "b": {}}}) is None and runs_wall_seconds(None) is None
    rerendered = StudyResult(study="03", notebook="03_x.ipynb", status="ok", wall_seconds=25.0, runs_seconds=5880.0)
    page = build_index_html([rerendered], profile="cpu", date="d", device="cpu")
    assert "time of its runs 1 h 38 min (this attempt 25 s: it reused runs finished earlier)" in page
    trained = StudyResult(study="03", notebook="03_x.ipynb", status="ok", wall_seconds=6000.0, runs_seconds=5880.0)
    assert "wall time 1 h 40 min" in build_index_html([trained], profile="cpu", date="d", device="cpu")
