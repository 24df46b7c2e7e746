"""The batch runner where something odd is in its way: a study folder that is a symbolic link, Ctrl-C,
an interrupted ``--force``, a run trained by hand into a study's folder, a command line that only the
notebook's kernel would have refused, parameters that papermill would have run as code, and a
missing Jupyter kernel. Each refusal is one line, exit status 2, with nothing created."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import batch
from helpers.batch.state import (ATTEMPT_NAME, EARLIER_RUNS, prepare_staging, publish, remove_stale,
                                 staging_folder)
from tests.batch.test_batch import write_notebook

REPO = Path(__file__).resolve().parents[2]

# Writes what it received; waits while the file named by $HOLD_FILE exists (a long cell to interrupt),
# after marking that it started.
HOLDS = """import json, os, pathlib, time
folder = pathlib.Path(output_dir)
(folder / "started").write_text("x")
hold = os.environ.get("HOLD_FILE")
while hold and pathlib.Path(hold).exists():
    time.sleep(0.2)
(folder / "metrics.json").write_text(json.dumps({"seeds": seeds}))"""


def _batch(*arguments: str) -> tuple[int, str]:
    terminal = io.StringIO()
    with contextlib.redirect_stdout(terminal):
        code = batch.main([*arguments, "--timeout", "300"])
    return code, terminal.getvalue()


def _finished_run(folder: Path, run_id: str, wall_seconds: float = 1.0) -> Path:
    run = folder / run_id
    run.mkdir(parents=True)
    (run / "spec.json").write_text(json.dumps({"run_id": run_id}))
    (run / "metrics.json").write_text(json.dumps({"wall_seconds": wall_seconds}))
    return run


# --- 1. a study folder that is a symbolic link ---------------------------------------------------

def test_publishing_into_a_linked_study_folder_replaces_its_target_and_leaves_nothing_beside(tmp_path):
    out, elsewhere = tmp_path / "outputs" / "cpu", tmp_path / "big-disk" / "01"
    elsewhere.mkdir(parents=True)
    (elsewhere / "old.txt").write_text("the previous run")
    out.mkdir(parents=True)
    (out / "01").symlink_to(elsewhere)
    for attempt in ("first", "second"):  # the second publish is the one that crashed on the stray link
        staging = staging_folder(out / "01")
        prepare_staging(staging, attempt, fresh=False)
        (staging / "report.txt").write_text(attempt)
        publish(staging, out / "01", {"fingerprint": attempt, "status": "ok"})
        assert (out / "01").is_symlink() and (out / "01").resolve() == elsewhere.resolve()
        assert (elsewhere / "report.txt").read_text() == attempt and not (elsewhere / "old.txt").exists()
        assert sorted(path.name for path in out.iterdir()) == ["01"]
        assert sorted(path.name for path in elsewhere.parent.iterdir()) == ["01"]


def test_a_stray_replaced_link_is_removed_without_touching_what_it_points_to(tmp_path):
    kept = tmp_path / "elsewhere"
    kept.mkdir()
    (kept / "report.html").write_text("someone's study")
    out = tmp_path / "cpu"
    out.mkdir()
    (out / ".01.replaced").symlink_to(kept)
    assert [path.name for path in remove_stale(out, ["01"])] == [".01.replaced"]
    assert list(out.iterdir()) == [] and (kept / "report.html").read_text() == "someone's study"



def holds_notebooks(tmp_path: Path, *studies: str) -> Path:
    """A notebooks folder under ``tmp_path`` with one HOLDS notebook per study id."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for study in studies:
        write_notebook(folder / f"{study}_holds.ipynb", HOLDS)
    return folder

@pytest.mark.slow
def test_a_study_whose_folder_is_a_link_publishes_on_every_run(tmp_path):
    folder = holds_notebooks(tmp_path, "01")
    target = tmp_path / "big-disk" / "01"
    target.mkdir(parents=True)
    (tmp_path / "out" / "smoke").mkdir(parents=True)
    (tmp_path / "out" / "smoke" / "01").symlink_to(target)
    common = ["--notebooks-dir", str(folder), "--out", str(tmp_path / "out")]
    for seeds in ("[0]", "[1]"):
        code, terminal = _batch(*common, "-p", "seeds", seeds)
        assert code == 0, terminal
        assert json.loads((target / "metrics.json").read_text()) == {"seeds": json.loads(seeds)}
    assert (tmp_path / "out" / "smoke" / "01").is_symlink()
    assert sorted(path.name for path in (tmp_path / "out" / "smoke").iterdir()) == [
        ".lock", "01", "batch.json", "claims.csv", "claims.html", "index.html", "results.csv"]
    assert sorted(path.name for path in target.parent.iterdir()) == ["01"]


# --- 3. runs trained by hand into a study's folder --------------------------------------------------

def test_runs_trained_into_a_staging_folder_by_hand_are_kept_even_by_force(tmp_path):
    staging = tmp_path / "02.partial"
    _finished_run(staging / "runs", "mnist_lenet5_seed0")  # python -m helpers.runs --out 02.partial/runs/...
    assert prepare_staging(staging, "abc", fresh=True) is False
    assert (staging / EARLIER_RUNS / "mnist_lenet5_seed0" / "metrics.json").is_file()
    assert not (staging / "runs").exists()


def test_a_continued_attempt_still_gathers_runs_finished_elsewhere_since(tmp_path):
    staging, published_runs = tmp_path / "04.partial", tmp_path / "04" / "runs"
    prepare_staging(staging, "abc", fresh=False)
    _finished_run(published_runs, "model_b_seed0")  # trained (by hand, elsewhere) after the attempt began
    assert prepare_staging(staging, "abc", fresh=False, run_sources=[published_runs]) is True
    assert (staging / EARLIER_RUNS / "model_b_seed0" / "metrics.json").is_file()


def test_finished_runs_survive_a_crash_while_a_staging_folder_is_emptied(tmp_path):
    staging = tmp_path / "01.partial"
    _finished_run(staging / ".kept-runs", "r0")  # gathered there, then the process died
    (staging / "report.html").write_text("half-removed attempt")
    prepare_staging(staging, "new", fresh=False)
    assert (staging / EARLIER_RUNS / "r0" / "metrics.json").is_file()
    assert sorted(path.name for path in staging.iterdir()) == [ATTEMPT_NAME, EARLIER_RUNS]


@pytest.mark.slow
def test_a_run_trained_from_the_readme_plan_into_a_study_folder_is_adopted_not_retrained(tmp_path, capsys):
    """The README's workflow: plan a study's runs, train one with the run CLI into the study's staging
    folder, then run the batch; at the smoke profile with one cheap run."""
    from helpers.runs.cli import main as train
    from helpers.studies.plan_command import main as plan

    run_id = "mnist_lenet5_seed0"
    assert plan(["plan", "02", "--profile", "smoke", "--runs", run_id, "--out", str(tmp_path / "plans" / "02")]) == 0
    by_hand = tmp_path / "outputs" / "smoke" / "02.partial" / "runs" / run_id
    assert train(["--spec", str(tmp_path / "plans" / "02" / run_id / "spec.json"), "--samples",
                  "--out", str(by_hand)]) == 0
    trained = json.loads((by_hand / "metrics.json").read_text())["wall_seconds"]
    capsys.readouterr()

    code, terminal = _batch("--profile", "smoke", "--only", "02", "--runs", run_id, "--out", str(tmp_path / "outputs"))
    assert code == 0, terminal
    study = tmp_path / "outputs" / "smoke-in-part" / "02"
    assert f"reused 1 finished run(s) of an earlier attempt (same spec, data and training semantics): {run_id}" in (
        study / "run.log").read_text()
    assert json.loads((study / "runs" / run_id / "metrics.json").read_text())["wall_seconds"] == trained
    assert json.loads((by_hand / "metrics.json").read_text())["wall_seconds"] == trained  # never wiped


# --- 4, 5. Ctrl-C, and an interrupted --force --------------------------------------------------------

def _interrupted(arguments: list[str], started: list[Path], hold: Path) -> subprocess.CompletedProcess:
    """Run the batch in its own process group, press Ctrl-C (SIGINT to the group) once every
    notebook in ``started`` has started, check that no process it started outlives it (a kernel
    still running a study), and return what the terminal got."""
    if not Path("/proc/self/environ").exists():
        pytest.skip("needs /proc to find the processes a batch leaves behind")
    hold.write_text("hold")
    environment = {**os.environ, "HOLD_FILE": str(hold)}
    # A terminal's Ctrl-C: SIGINT at its default, even where the suite runs in the background of a
    # non-interactive shell (`make test &`), whose children inherit SIGINT ignored.
    process = subprocess.Popen([sys.executable, "-m", "helpers.batch", *arguments], cwd=REPO, env=environment,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 240
        while not all(path.exists() for path in started) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
        assert process.poll() is None, process.communicate()
        os.killpg(process.pid, signal.SIGINT)
        stdout, stderr = process.communicate(timeout=120)
        survivors = _processes_with(f"HOLD_FILE={hold}")  # kernels left running the study after the batch ended
    finally:
        hold.unlink(missing_ok=True)
        if process.poll() is None:
            process.kill()
    assert not survivors, survivors
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _processes_with(variable: str) -> list[str]:
    """The command lines of the processes whose environment holds ``variable`` (``NAME=value``)."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if variable.encode() in environ.read_bytes().split(b"\0"):
                found.append((environ.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:
            continue
    return found


INTERRUPTED_LINE = "error: interrupted; rerun the same command to continue (finished studies are kept)\n"


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_is_one_line_exit_130_and_the_attempt_continues(tmp_path, jobs):
    folder = holds_notebooks(tmp_path, "01", "02")
    out = tmp_path / "out" / "smoke"
    arguments = ["--notebooks-dir", str(folder), "--out", str(tmp_path / "out"), "--jobs", jobs]
    started = [out / "01.partial" / "started"] + ([out / "02.partial" / "started"] if jobs == "2" else [])
    completed = _interrupted(arguments, started, tmp_path / "hold")
    assert completed.returncode == 130 and completed.stderr == INTERRUPTED_LINE, completed.stderr
    assert "Traceback" not in completed.stdout and "ZMQError" not in completed.stdout
    for path in started:
        assert json.loads((path.parent / ATTEMPT_NAME).read_text())["fingerprint"]  # kept, to continue

    code, terminal = _batch(*arguments)
    assert code == 0 and terminal.count("continuing an interrupted attempt") == len(started), terminal
    assert not list(out.glob("*.partial"))


@pytest.mark.slow
def test_an_interrupted_force_is_continued_by_the_same_command_and_removed_by_a_plain_one(tmp_path):
    folder = holds_notebooks(tmp_path, "01")
    out = tmp_path / "out" / "smoke"
    arguments = ["--notebooks-dir", str(folder), "--out", str(tmp_path / "out")]
    assert _batch(*arguments)[0] == 0
    (out / "01" / "started").unlink()
    completed = _interrupted([*arguments, "--force"], [out / "01.partial" / "started"], tmp_path / "hold")
    assert completed.returncode == 130 and completed.stderr == INTERRUPTED_LINE, completed.stderr
    shutil.copytree(tmp_path / "out", tmp_path / "copy")

    code, terminal = _batch(*arguments, "--force")  # what the line says: the same command continues it
    assert code == 0 and "continuing an interrupted attempt" in terminal, terminal
    assert not (out / "01.partial").exists()

    copy = ["--notebooks-dir", str(folder), "--out", str(tmp_path / "copy")]
    code, terminal = _batch(*copy)  # without --force: the published run is kept, the attempt removed
    assert code == 0 and "unchanged since" in terminal and "removed the interrupted attempt in 01.partial" in terminal
    assert not (tmp_path / "copy" / "smoke" / "01.partial").exists()


def test_a_forced_attempt_records_it_and_continues_only_with_its_own_fingerprint(tmp_path):
    staging = tmp_path / "01.partial"
    assert prepare_staging(staging, "abc", fresh=True) is False
    assert json.loads((staging / ATTEMPT_NAME).read_text()) == {"fingerprint": "abc", "forced": True}
    (staging / "half.done").write_text("x")
    assert prepare_staging(staging, "abc", fresh=True) is True and (staging / "half.done").exists()
    assert prepare_staging(staging, "other", fresh=True) is False and not (staging / "half.done").exists()


# --- 6. what only the kernel would have found ---------------------------------------------------------

@pytest.fixture
def no_data_dir_env(monkeypatch):
    monkeypatch.delenv("HELPERS_DATA_DIR", raising=False)


def _refused(arguments: list[str], tmp_path: Path, capsys) -> str:
    code = batch.main([*arguments, "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == "" and len(captured.err.splitlines()) == 1, captured
    assert not (tmp_path / "out").exists()
    return captured.err


def test_cuda_without_a_gpu_is_refused_before_any_kernel(tmp_path, capsys):
    from helpers.batch.parallel import visible_gpus

    if visible_gpus() or shutil.which("nvidia-smi"):
        pytest.skip("this machine has NVIDIA GPUs (or nvidia-smi)")
    error = _refused(["--only", "02", "--device", "cuda"], tmp_path, capsys)
    assert error == "error: invalid --device 'cuda': no CUDA GPU is visible here; valid choices here: auto, cpu\n"


def test_missing_data_of_the_cpu_profile_is_refused_naming_the_study(tmp_path, capsys, no_data_dir_env):
    empty = tmp_path / "data"
    empty.mkdir()
    error = _refused(["--profile", "cpu", "--only", "04", "--data-dir", str(empty)], tmp_path, capsys)
    assert error.startswith("error: study 04: dataset 'caltech101' not found; searched, in order: ")
    error = _refused(["--profile", "quick", "--only", "04", "--data-dir", str(empty), "-p", "download", "False"],
                     tmp_path, capsys)
    assert error.startswith("error: study 04: dataset 'caltech101' not found")


def test_the_cpu_profile_needs_a_studys_datasets_but_not_its_optional_one(tmp_path, no_data_dir_env):
    from helpers.batch.options import parse_options
    from helpers.data.constants import IDX_FILES
    from helpers.errors import InvalidConfigError

    data = tmp_path / "data"
    (data / "FashionMNIST" / "raw").mkdir(parents=True)
    for name in IDX_FILES.values():
        (data / "FashionMNIST" / "raw" / name).write_bytes(b"")
    arguments = ["--profile", "cpu", "--only", "03", "--data-dir", str(data), "--out", str(tmp_path / "out")]
    with pytest.raises(InvalidConfigError, match="study 03: dataset 'cifar10' not found"):
        parse_options(arguments)
    (data / "cifar10.npz").write_bytes(b"")
    assert parse_options(arguments).profile == "cpu"  # CIFAR-100 is optional at the cpu profile


@pytest.mark.parametrize("arguments, expected", [
    (["--only", "02", "-p", "seeds", "[0, 0]"],
     "error: 02_resnet_lenet_alexnet.ipynb: invalid seeds [0, 0]: 0 given twice; expected distinct integers"),
    (["--only", "02", "-p", "seeds", str([2**64])],
     f"error: 02_resnet_lenet_alexnet.ipynb: invalid seed {2**64}: expected an integer from -2**63 to 2**64-1"),
    (["--only", "04", "-p", "image_size", "2"],
     "error: 04_caltech101_tweaks.ipynb: invalid image_size 2: expected 8 to 1024 pixels per side, or None for the "
     "profile's"),
    (["--only", "02", "-p", "x=__import__('os')", "1"],
     "error: invalid parameter name \"x=__import__('os')\": a parameter is a Python identifier (seeds, epochs, ...) "
     "of the notebook's parameters cell"),
])
def test_values_the_kernel_would_refuse_are_refused_first(arguments, expected, tmp_path, capsys):
    assert _refused(arguments, tmp_path, capsys) == expected + "\n"


def test_a_file_or_link_in_place_of_a_study_folder_is_refused_first(tmp_path, capsys):
    profile = tmp_path / "out" / "smoke"
    profile.mkdir(parents=True)
    (profile / "02").write_text("not a folder")
    assert batch.main(["--only", "02", "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == f"error: invalid output folder {str(profile / '02')!r}: a file, not a folder\n"
    (profile / "02").unlink()
    (profile / "02.partial").symlink_to(tmp_path)
    assert batch.main(["--only", "02", "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"error: invalid output folder {str(profile / '02.partial')!r}: a symbolic link")
    assert len(error.splitlines()) == 1 and sorted(path.name for path in profile.iterdir()) == ["02.partial"]


def test_cuda_visible_devices_is_read_as_cuda_reads_it(monkeypatch):
    from helpers.batch import parallel

    monkeypatch.setattr(parallel, "_nvidia_gpu_count", lambda: 2)
    for setting, visible in ((None, ["0", "1"]), ("", []), ("1", ["1"]), ("0,-1,1", ["0"]), ("5", [])):
        if setting is None:
            monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
        else:
            monkeypatch.setenv("CUDA_VISIBLE_DEVICES", setting)
        assert parallel.visible_gpus() == visible, setting


# --- 7. parameters are never code ------------------------------------------------------------------------

def test_a_parameter_name_with_code_is_refused_before_papermill_from_python_too(tmp_path):
    from helpers.batch.options import BatchOptions
    from helpers.errors import InvalidConfigError

    notebook = write_notebook(tmp_path / "01_tiny.ipynb", "print(1)")
    marker = tmp_path / "ran"
    name = f"x = __import__('pathlib').Path({str(marker)!r}).write_text('code'); y"
    options = BatchOptions(profile="smoke", notebooks={"01": notebook}, out=tmp_path / "out", overrides={name: 1})
    with pytest.raises(InvalidConfigError, match="invalid parameter name"):
        batch.run_study(options, "01", stream=io.StringIO())
    assert not marker.exists() and not (tmp_path / "out").exists()


@pytest.mark.slow
def test_a_tuple_value_reaches_the_notebook_as_a_list_never_as_code(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    notebook = write_notebook(folder / "01_note.ipynb", "import json, pathlib\n"
                              "(pathlib.Path(output_dir) / 'metrics.json').write_text(json.dumps({'note': note}))")
    source = json.loads(notebook.read_text())
    source["cells"][1]["source"] += '\nnote = ""  # a free-text note'
    notebook.write_text(json.dumps(source))
    marker = tmp_path / "ran"
    # papermill writes a tuple as '"' + str(value) + '"', its quotes unescaped: this one closes the string
    value = repr((f'"+__import__("pathlib").Path("{marker}").write_text("code")+"',))
    code, terminal = _batch("--notebooks-dir", str(folder), "--out", str(tmp_path / "out"), "-p", "note", value)
    assert code == 0, terminal
    assert not marker.exists()
    note = json.loads((tmp_path / "out" / "smoke" / "01" / "metrics.json").read_text())["note"]
    assert isinstance(note, list) and "__import__" in note[0]


# --- 8. the project's kernel, where conda never registered it ----------------------------------------

def test_a_missing_project_kernel_is_registered_for_this_python(tmp_path, monkeypatch):
    from jupyter_client.kernelspec import KernelSpecManager

    from helpers.batch.papermill_run import PROJECT_KERNEL, kernel_name

    monkeypatch.setattr(KernelSpecManager, "find_kernel_specs", lambda self: {"python3": "/somewhere"})
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "env"))  # an environment, as conda makes one
    (tmp_path / "env" / "conda-meta").mkdir(parents=True)
    terminal = io.StringIO()
    assert kernel_name(terminal) == PROJECT_KERNEL
    spec = json.loads((tmp_path / "env" / "share" / "jupyter" / "kernels" / PROJECT_KERNEL / "kernel.json").read_text())
    assert spec["argv"][0] == sys.executable
    lines = terminal.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"registered the Jupyter kernel {PROJECT_KERNEL!r} for {sys.executable}")

    monkeypatch.setattr(sys, "prefix", sys.base_prefix)  # the system's Python: nothing is installed there
    terminal = io.StringIO()
    if (Path(sys.base_prefix) / "conda-meta").is_dir():
        pytest.skip("the base Python is a conda environment")
    assert kernel_name(terminal) == "python3"
    assert terminal.getvalue().count("\n") == 1 and "running the notebooks on python3" in terminal.getvalue()
