"""The GPU machine's whole path, dry-run on the CPU: pack the data a study needs, train its runs with
``helpers.batch.device_runs`` in a tiny budget, file them here with ``helpers.batch.device_import``,
and render and publish the report with the printed commands, training nothing here.

Everything runs as commands, in a copy of the project (the library, notebooks and benchmarks, and
the embedded samples as the data to pack), so that the repository's reports and outputs are not
touched; ``PYTHONPATH`` makes the notebooks' kernel import the copy's library."""

import json
import os
import shlex
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BLOCKED_ON_THE_MACHINE = ("papermill", "nbformat", "nbconvert", "nbclient", "jupyter_client", "ipykernel", "IPython")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A copy of the project without reports or outputs; the embedded samples linked in."""
    root = tmp_path_factory.mktemp("project")
    for folder in ("helpers", "notebooks", "benchmarks"):
        shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__", "results"))
    (root / "data").mkdir()
    (root / "data" / "samples").symlink_to(REPO / "data" / "samples")
    return root


def run(project: Path, *arguments: str, timeout: float = 300, block_notebook_tools: bool = False):
    """``python`` with ``arguments`` in ``project``; with ``block_notebook_tools``, as on the GPU
    machine, which has no papermill or Jupyter: importing one of them fails."""
    environment = {**os.environ, "PYTHONPATH": str(project), "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}
    environment.pop("HELPERS_REUSE_ONLY", None)
    if block_notebook_tools:
        blocker = project / "blocker"
        blocker.mkdir(exist_ok=True)
        for name in BLOCKED_ON_THE_MACHINE:
            (blocker / f"{name}.py").write_text(f"raise ImportError('{name} is not installed on the GPU machine')\n")
        environment["PYTHONPATH"] = f"{blocker}{os.pathsep}{project}"
    completed = subprocess.run([sys.executable, *arguments], cwd=project, env=environment, capture_output=True,
                               text=True, timeout=timeout)
    assert completed.returncode == 0, f"{arguments}\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
    return completed.stdout


@pytest.fixture(scope="module")
def device_output(project):
    """Pack study 2's data from the samples, then train one run on it as the machine would."""
    packed = run(project, "-m", "helpers.batch.pack_data", "--studies", "02", "--samples", "--out", "data/packed")
    out = project.parent / "device-out"
    trained = run(project, "-m", "helpers.batch.device_runs", "--studies", "02", "--runs", "mnist_lenet5_seed0",
                  "-p", "epochs", "1", "--gpu-check-seconds", "0", "--budget-minutes", "2", "--out", str(out),
                  block_notebook_tools=True)
    return out, packed, trained


@pytest.mark.slow
def test_the_machine_trains_from_the_packed_data_and_sends_back_three_files_at_most(device_output):
    out, packed, trained = device_output
    assert "MiB" in packed
    assert sorted(path.name for path in out.iterdir()) == ["device_runs.json", "runs.tar"]  # no gpu check asked
    record = json.loads((out / "device_runs.json").read_text())
    assert record["data_dir"] == "data/packed" and record["device"] == "cpu"
    assert [(run["run_id"], run["status"]) for run in record["runs"]] == [("mnist_lenet5_seed0", "finished")]
    with tarfile.open(out / "runs.tar") as archive:
        names = sorted(archive.getnames())
    assert names == [f"quick/02/mnist_lenet5_seed0/{name}"
                     for name in ("history.csv", "metrics.json", "predictions.npz", "spec.json")]
    assert "mnist_lenet5_seed0" in trained and "finished" in trained


@pytest.mark.slow
def test_the_report_is_rendered_here_from_the_machines_run_without_training(project, device_output):
    out, _, _ = device_output
    imported = run(project, "-m", "helpers.batch.device_import", str(out))
    filed = project / "reports" / "quick" / "02" / "new-runs" / "mnist_lenet5_seed0"
    assert (filed / "metrics.json").is_file() and not (filed / "model.pt").exists()
    commands = [line.strip() for line in imported.splitlines() if line.strip().startswith("python -m helpers.batch")]
    render, publish = commands
    assert "--reuse-only" in render and "--runs mnist_lenet5_seed0" in render and "--in-part" in publish
    run(project, *shlex.split(render)[1:], timeout=600)  # its kernel cannot train: $HELPERS_REUSE_ONLY is set
    shown = project / "outputs" / "quick-in-part" / "02" / "runs" / "mnist_lenet5_seed0" / "metrics.json"
    assert json.loads(shown.read_text())["wall_seconds"] == json.loads((filed / "metrics.json").read_text())["wall_seconds"]
    metrics = json.loads((filed / "metrics.json").read_text())
    run(project, *shlex.split(publish)[1:])
    published = project / "reports" / "quick" / "02"
    assert (published / "runs" / "mnist_lenet5_seed0" / "metrics.json").is_file() and not filed.exists()  # shown now
    report = (published / "report.html").read_text(encoding="utf-8")
    assert metrics["device_name"] in report  # the hardware the run trained on, named in the report
    assert "re-encoded" in report or "packed" in report  # the data says what it is
    assert "embedded sample" in report


@pytest.mark.slow
def test_reuse_only_refuses_before_any_kernel_when_a_run_is_missing(project, device_output):
    completed = subprocess.run([sys.executable, "-m", "helpers.batch", "--profile", "quick", "--only", "02",
                                "--reuse-only", "--data-dir", "data/packed", "--runs", "mnist_alexnet_seed0"],
                               cwd=project, env={**os.environ, "PYTHONPATH": str(project)}, capture_output=True,
                               text=True, timeout=120)
    assert completed.returncode == 2
    assert completed.stderr.count("\n") == 1 and "mnist_alexnet_seed0" in completed.stderr
