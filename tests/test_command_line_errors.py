"""Every command line answers bad input with one line naming the bad value, exit status 2, no
traceback, and nothing created: a table of mistakes fed to each."""

from __future__ import annotations

import errno
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.commands import run_command
from helpers.errors import DiskFullError, InvalidConfigError
from helpers.runs import cli as train_cli

REPO = Path(__file__).resolve().parents[1]
TRAIN = [sys.executable, "-m", "helpers.runs"]
GOOD = ["--model", "lenet5", "--dataset", "synthetic", "--epochs", "1"]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """Each case runs in its own empty folder, without the user's $HELPERS_DATA_DIR."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HELPERS_DATA_DIR", raising=False)


def _assert_one_line_refusal(code: int, stderr: str, expected: str, out: Path) -> None:
    lines = stderr.strip().splitlines()
    assert code == 2, stderr
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in stderr, lines
    assert expected in lines[0]
    assert not out.exists(), "a refused command line created its output folder"


def _train(arguments: list[str], capsys) -> tuple[int, str]:
    code = train_cli.main(arguments)
    return code, capsys.readouterr().err


TRAIN_MISTAKES = [
    (["--model", "lenet6", "--dataset", "synthetic"], "unknown model 'lenet6'"),
    (["--model", "lenet5", "--dataset", "imagenet"], "unknown dataset 'imagenet'"),
    ([*GOOD, "--epochs", "0"], "invalid epochs 0"),
    ([*GOOD, "--epochs", "two"], "--epochs: invalid int value: 'two'"),
    ([*GOOD, "--batch-size", "-1"], "invalid batch_size -1"),
    ([*GOOD, "--lr", "0"], "invalid lr 0.0"),
    ([*GOOD, "--lr", "fast"], "--lr: invalid float value: 'fast'"),
    ([*GOOD, "--momentum", "1.5"], "invalid momentum 1.5"),
    ([*GOOD, "--optimizer", "lion"], "unknown optimizer 'lion'"),
    ([*GOOD, "--scheduler", "linear"], "unknown scheduler 'linear'"),
    ([*GOOD, "--augmentation", "rotate"], "unknown augmentation 'rotate'"),
    ([*GOOD, "--device", "tpu"], "unknown device 'tpu'"),
    ([*GOOD, "--precision", "fp8"], "unknown precision 'fp8'"),
    ([*GOOD, "--label-smoothing", "1"], "invalid label_smoothing 1.0"),
    ([*GOOD, "--warmup-epochs", "5"], "invalid warmup_epochs 5.0"),
    ([*GOOD, "--val-fraction", "1.0"], "invalid val_fraction 1.0"),
    ([*GOOD, "--val-fraction", "-0.1"], "invalid val_fraction -0.1"),
    ([*GOOD, "--image-size", "0"], "invalid image_size 0"),
    ([*GOOD, "--image-size", "100000"], "invalid image_size 100000: expected 1 to 1024 pixels per side, or None"),
    ([*GOOD, "--image-size", "8"], "invalid image_size 8: lenet5 takes images of at least 12x12 pixels"),
    (["--model", "alexnet", "--dataset", "mnist", "--samples"], None),  # alexnet takes mnist's 28 px: no refusal
    ([*GOOD, "--synthetic-options", '{"image_size": 4}'], "invalid image_size 4: lenet5 takes images of at least 12x12"),
    ([*GOOD, "--synthetic-options", '{"num_classes": 0}'], "invalid synthetic option num_classes 0: expected an"),
    ([*GOOD, "--synthetic-options", '{"train_size": 5}'], "invalid synthetic option train_size 5: expected at least"),
    ([*GOOD, "--train-per-class", str(10**23)], f"invalid train_per_class {10**23}: expected an integer from 1 to"),
    ([*GOOD, "--seed", str(2**64)], f"invalid seed {2**64}: expected an integer from -2**63 to 2**64-1"),
    ([*GOOD, "--limit-train", "5"], "invalid --limit-train 5"),
    ([*GOOD, "--limit-train", str(10**23)], f"invalid --limit-train {10**23}: expected from 10 (one image per class) "
                                            "to 10,000,000"),
    ([*GOOD, "--limit-test", "3"], "invalid --limit-test 3"),
    (["--model", "resnet18", "--dataset", "synthetic", "--stem", "huge"], "unknown stem 'huge'"),
    ([*GOOD, "--data-dir", "no-such-folder"], "invalid data_dir 'no-such-folder': no such folder"),
    ([*GOOD, "--spec", "missing.json"], "--spec 'missing.json' cannot be read"),
    ([*GOOD, "--unknown-flag"], "unrecognized arguments: --unknown-flag"),
    (["--model", "lenet5", "--dataset", "mnist", "--no-download", "--data-dir", "."], "dataset 'mnist' not found"),
    (["--model", "lenet5", "--dataset", "cifar100", "--samples"], "cifar100 has no embedded sample"),
]


@pytest.mark.parametrize("arguments, expected", [case for case in TRAIN_MISTAKES if case[1]],
                         ids=[" ".join(a[-2:]) for a, expected in TRAIN_MISTAKES if expected])
def test_training_command_line_refuses_in_one_line(arguments, expected, tmp_path, capsys):
    out = tmp_path / "run"
    _assert_one_line_refusal(*_train([*arguments, "--out", str(out)], capsys), expected, out)


def test_a_model_that_takes_the_images_is_not_refused():
    for arguments, expected in TRAIN_MISTAKES:
        if expected is None:
            train_cli.spec_from_command_line([*arguments, "--out", "unused"])  # raises for a refusal


def test_a_data_dir_that_is_a_file_or_a_wrong_environment_folder_is_refused(tmp_path, monkeypatch, capsys):
    (tmp_path / "a-file").write_text("not a folder")
    out = tmp_path / "run"
    code, stderr = _train([*GOOD, "--data-dir", "a-file", "--out", str(out)], capsys)
    _assert_one_line_refusal(code, stderr, "invalid data_dir 'a-file': it is a file, not a folder", out)
    monkeypatch.setenv("HELPERS_DATA_DIR", str(tmp_path / "gone"))
    _assert_one_line_refusal(*_train([*GOOD, "--out", str(out)], capsys), "invalid $HELPERS_DATA_DIR", out)


def test_the_process_prints_one_line_and_no_traceback(tmp_path):
    out = tmp_path / "run"
    completed = subprocess.run([*TRAIN, *GOOD, "--epochs", "-3", "--out", str(out)], capture_output=True, text=True,
                               cwd=REPO, timeout=120)
    _assert_one_line_refusal(completed.returncode, completed.stderr, "invalid epochs -3", out)


BATCH_MISTAKES = [
    (["--profile", "huge"], "unknown profile 'huge'"),
    (["--device", "tpu"], "unknown device 'tpu'"),
    (["--only", "09"], "unknown study id '09'"),
    (["--jobs", "0"], "invalid --jobs 0"),
    (["--timeout", "-5"], "invalid --timeout -5"),
    (["--data-dir", "no-such-folder"], "invalid --data-dir 'no-such-folder': no such folder"),
    (["-p", "epoch", "3"], "unknown parameter 'epoch'"),
    (["-p", "profile", "quick"], "set profile with --profile, not with -p"),
    (["-p", "download", "'False'"], "01_resnet18_vs_resnet50.ipynb: invalid download 'False'"),
    (["-p", "seeds", "abc"], "invalid seeds 'abc': expected a non-empty list of integers"),
    (["-p", "seeds", "[0, True]"], "invalid seeds [0, True]"),
    (["-p", "epochs", "0"], "invalid epochs 0"),
    (["-p", "epochs", "2.5"], "invalid epochs 2.5"),
    (["-p", "batch_size", "many"], "invalid batch_size 'many'"),
    (["-p", "progress", "loud"], "unknown progress 'loud'"),
    (["-p", "torchrun_processes", "0"], "invalid torchrun_processes 0"),
    (["--only", "04", "-p", "image_size", "-1"], "04_caltech101_tweaks.ipynb: invalid image_size -1"),
    (["--only", "04", "-p", "image_size", "100000"], "04_caltech101_tweaks.ipynb: invalid image_size 100000: expected "
                                                      "8 to 1024 pixels per side, or None for the profile's"),
    (["-p", "seeds", f"[0, {10**23}]"], f"invalid seed {10**23}: expected an integer from -2**63 to 2**64-1"),
    (["-p", "seeds", "[1, 0, 1]"], "invalid seeds [1, 0, 1]: 1 given twice; expected distinct integers"),
    (["-y", "epochs: [unclosed"], "is not valid YAML"),
    (["-y", "- a list"], "is not a YAML mapping"),
    (["-y", "device: cuda"], "set device with --device, not with -p"),
    (["-f", "missing.yaml"], "invalid -f 'missing.yaml'"),
    (["--bogus"], "unrecognized arguments: --bogus"),
]


@pytest.mark.parametrize("arguments, expected", BATCH_MISTAKES, ids=[" ".join(a) for a, _ in BATCH_MISTAKES])
def test_batch_command_line_refuses_in_one_line_before_any_kernel_starts(arguments, expected, tmp_path, capsys):
    from helpers import batch

    out = tmp_path / "outputs"
    code = batch.main(["--out", str(out), "--only", "01", *arguments])
    _assert_one_line_refusal(code, capsys.readouterr().err, expected, out)


# ---------------------------------------------------------------- a full disk


def _disk_full(path: str | None = "/data/out/run/metrics.json", code: int = errno.ENOSPC) -> OSError:
    return OSError(code, os.strerror(code), *([path] if path else []))


@pytest.mark.parametrize("raised, expected", [
    (lambda: _disk_full(), "no space left on the device writing /data/out/run/metrics.json: free some space and run "
                           "again (finished runs are kept)"),
    (lambda: _disk_full(code=errno.EDQUOT), "no space left on the device (disk quota exceeded) writing "
                                             "/data/out/run/metrics.json: free some space"),
    (lambda: _raised_from(RuntimeError("PytorchStreamWriter failed writing file data/0"), _disk_full(None)),
     "no space left on the device writing a file: free some space and run again (finished runs are kept)"),
    (lambda: _raised_from(DiskFullError("no space left on device while writing /data/out/history.csv"),
                          _disk_full(None)),
     "no space left on device while writing /data/out/history.csv: free some space and run again (finished runs "
     "are kept)"),
])
def test_a_full_disk_is_one_line_that_says_so(raised, expected, capsys):
    def command() -> int:
        raise raised()

    assert run_command(command) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {expected}"), lines


def _raised_from(error: BaseException, cause: BaseException) -> BaseException:
    """``error`` as Python leaves it when raised while handling ``cause`` (torch.save's RuntimeError
    over the OSError of the file it writes to)."""
    try:
        try:
            raise cause
        except OSError:
            raise error
    except BaseException as raised:
        return raised


def test_a_full_disk_while_training_is_one_line(tmp_path, monkeypatch, capsys):
    def full(*arguments, **options):
        raise _disk_full(str(tmp_path / "run" / "checkpoint.pt"))

    monkeypatch.setattr(train_cli, "execute_run", full)
    code, stderr = _train([*GOOD, "--synthetic-options", '{"train_size": 20, "test_size": 10}',
                           "--out", str(tmp_path / "run")], capsys)
    assert code == 2 and stderr.strip().splitlines() == [
        f"error: no space left on the device writing {tmp_path / 'run' / 'checkpoint.pt'}: free some space and run "
        "again (finished runs are kept)"]


def test_other_os_errors_still_raise():
    def command() -> int:
        raise PermissionError(errno.EACCES, "Permission denied", "/x")

    with pytest.raises(PermissionError):
        run_command(command)


# ---------------------------------------------------------------- relative notebook paths


def test_a_relative_output_dir_resolves_against_the_working_directory_outside_a_checkout(tmp_path, monkeypatch):
    from helpers.studies.common.parameters import check_parameters

    monkeypatch.chdir(tmp_path)  # not inside any checkout of the project
    parameters = check_parameters(profile="smoke", data_dir=None, device="cpu", seeds=None, epochs=None,
                                  batch_size=None, output_dir="outputs/interactive/01")
    assert parameters.output_dir == tmp_path / "outputs" / "interactive" / "01"


def test_a_relative_path_resolves_against_the_project_root_found_from_the_working_directory(tmp_path, monkeypatch):
    from helpers.studies.common.parameters import check_parameters, project_root

    project = tmp_path / "checkout"
    for folder in ("helpers", "notebooks", "data", "weights"):
        (project / folder).mkdir(parents=True)
    (project / "weights" / "resnet50.pth").write_bytes(b"")
    monkeypatch.chdir(project / "notebooks")  # where Jupyter and papermill run a notebook
    assert project_root() == project
    parameters = check_parameters(profile="smoke", data_dir="data", device="cpu", seeds=None, epochs=None,
                                  batch_size=None, output_dir="outputs/interactive/01", pretrained="weights/resnet50.pth")
    assert parameters.output_dir == project / "outputs" / "interactive" / "01"
    assert parameters.data_dir == str(project / "data") and parameters.pretrained == str(project / "weights" /
                                                                                         "resnet50.pth")
    with pytest.raises(InvalidConfigError, match=re.escape(f"invalid data_dir 'missing': no such folder "
                                                           f"({project / 'missing'})")):
        check_parameters(profile="smoke", data_dir="missing", device="cpu", seeds=None, epochs=None, batch_size=None,
                         output_dir=".")
