"""The GPU machine's commands in-process: bad input refused in one line before any work, and the
runs archive read as untrusted input when it comes back."""

import io
import json
import tarfile

import pytest

from helpers.batch import device_import, device_runs

SAMPLE_RUN = {"spec.json": b'{"run_id": "r"}', "history.csv": b"epoch\n1\n", "metrics.json": b'{"test_top1": 0.5}'}


def predictions_bytes():
    import numpy as np

    buffer = io.BytesIO()
    np.savez(buffer, test_predicted=np.array([0, 1]))
    return buffer.getvalue()


def refused(capsys, main, arguments):
    assert main(arguments) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1, error
    return error


@pytest.mark.parametrize("arguments, named", [
    (["--studies", "09"], "'09'"),
    (["--studies", "01", "--budget-minutes", "0"], "--budget-minutes 0"),
    (["--studies", "01", "--budget-minutes", "inf"], "--budget-minutes inf"),
    (["--studies", "01", "--gpu-check-seconds", "nan"], "--gpu-check-seconds nan"),
    (["--studies", "01", "--budget-minutes", "1", "--gpu-check-seconds", "60"], "--gpu-check-seconds 60"),
    (["--studies", "01", "--profile", "smoke"], "'smoke'"),
    (["--studies", "02", "--runs", "no_such_run*"], "'no_such_run*'"),
    (["--studies", "01", "-p", "epochz", "1"], "'epochz'"),
])
def test_device_runs_refuses_bad_input_in_one_line_before_any_work(tmp_path, capsys, arguments, named):
    out = tmp_path / "out"
    error = refused(capsys, device_runs.main, [*arguments, "--out", str(out), "--data-dir", str(tmp_path)])
    assert named in error
    assert not out.exists()


def test_device_runs_refuses_data_that_is_not_there(tmp_path, capsys):
    error = refused(capsys, device_runs.main, ["--studies", "01", "--data-dir", str(tmp_path / "missing"),
                                               "--out", str(tmp_path / "out")])
    assert "missing" in error
    empty = tmp_path / "empty"
    empty.mkdir()
    error = refused(capsys, device_runs.main, ["--studies", "01", "--data-dir", str(empty), "--out", str(tmp_path / "o")])
    assert "study 01" in error and "cifar10" in error


def returned_folder(tmp_path, members):
    """A folder as device_runs leaves it: its record and a tar of ``members`` (name -> bytes, or a TarInfo)."""
    folder = tmp_path / "returned"
    folder.mkdir()
    (folder / "device_runs.json").write_text(json.dumps({"profile": "quick", "studies": ["02"], "runs": [
        {"study": "02", "run_id": "r", "status": "finished"}]}))
    with tarfile.open(folder / "runs.tar", "w") as archive:
        for name, content in members.items():
            if isinstance(content, tarfile.TarInfo):
                archive.addfile(content)
                continue
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return folder


def complete_run(prefix="quick/02/r"):
    return {f"{prefix}/{name}": content for name, content in {**SAMPLE_RUN,
                                                              "predictions.npz": predictions_bytes()}.items()}


def test_a_complete_run_is_filed_and_the_render_commands_printed(tmp_path, capsys):
    folder = returned_folder(tmp_path, complete_run())
    reports = tmp_path / "reports"
    assert device_import.main([str(folder), "--reports", str(reports), "--results", str(tmp_path / "results")]) == 0
    printed = capsys.readouterr().out
    assert (reports / "quick" / "02" / "new-runs" / "r" / "predictions.npz").is_file()
    assert "python -m helpers.batch --profile quick --only 02 --reuse-only" in printed
    assert "python -m helpers.batch.publish --profile quick --only 02" in printed and "--in-part" not in printed


def link(name):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
    return info


@pytest.mark.parametrize("extra, named", [
    ({"quick/02/r/model.pt": b"weights"}, "model.pt"),  # never weights
    ({"quick/02/../../escape/metrics.json": b"{}"}, "escape"),  # no path out of the folder
    ({"quick/02/s/metrics.json": link("quick/02/s/metrics.json")}, "quick/02/s/metrics.json"),  # no links
    ({"paper/02/r/metrics.json": b"{}"}, "paper/02"),  # another profile than the record's
])
def test_anything_but_a_runs_published_files_refuses_the_import(tmp_path, capsys, extra, named):
    members = complete_run()
    members.update({key: value for key, value in extra.items()})
    folder = returned_folder(tmp_path, members)
    reports = tmp_path / "reports"
    error = refused(capsys, device_import.main, [str(folder), "--reports", str(reports)])
    assert named in error
    assert not reports.exists()


def test_a_run_with_pickled_predictions_or_broken_json_is_refused(tmp_path, capsys):
    import numpy as np

    buffer = io.BytesIO()
    np.save(buffer, np.array([object()], dtype=object), allow_pickle=True)
    members = complete_run()
    members["quick/02/r/predictions.npz"] = buffer.getvalue()
    error = refused(capsys, device_import.main, [str(returned_folder(tmp_path, members)), "--reports",
                                                 str(tmp_path / "reports")])
    assert "predictions.npz" in error
    members = complete_run()
    members["quick/02/r/metrics.json"] = b"{not json"
    (tmp_path / "returned").rename(tmp_path / "first")
    error = refused(capsys, device_import.main, [str(returned_folder(tmp_path, members)), "--reports",
                                                 str(tmp_path / "reports")])
    assert "metrics.json" in error and not (tmp_path / "reports").exists()


def test_a_folder_without_a_record_is_refused(tmp_path, capsys):
    error = refused(capsys, device_import.main, [str(tmp_path)])
    assert "device_runs.json" in error


def test_a_run_starts_only_when_the_time_left_holds_what_a_finished_one_took():
    assert device_runs.skip_reason(0.0, 100.0) is None  # nothing known yet: start, the alarm bounds it
    assert device_runs.skip_reason(80.0, 100.0) is None
    assert device_runs.skip_reason(120.0, 100.0) == "skipped: needs about 120 s, 100 s left"
    assert device_runs.skip_reason(0.0, 2.0) == "skipped: the budget is spent"


def test_a_failing_run_is_recorded_and_the_next_one_still_trains(tmp_path, monkeypatch):
    import helpers.runs.execute as execute
    from helpers.data.locate import samples_dir
    from helpers.data.pack import pack_datasets

    data = tmp_path / "packed"
    pack_datasets(["mnist"], source=samples_dir(), out=data, samples=True)
    train = execute.run_all

    def out_of_memory_once(specs, *arguments, **options):
        if specs[0].run_id == "mnist_lenet5_seed0":
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB\n(the rest of torch's message)")
        return train(specs, *arguments, **options)

    monkeypatch.setattr(execute, "run_all", out_of_memory_once)
    out = tmp_path / "out"
    assert device_runs.main(["--studies", "02", "--runs", "mnist_lenet5_seed0", "mnist_lenet5_seed1", "-p", "epochs",
                             "1", "--gpu-check-seconds", "0", "--data-dir", str(data), "--out", str(out), "--work",
                             str(tmp_path / "work")]) == 0
    statuses = {run["run_id"]: run["status"] for run in json.loads((out / "device_runs.json").read_text())["runs"]}
    assert statuses == {"mnist_lenet5_seed0": "failed: RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB",
                        "mnist_lenet5_seed1": "finished"}
    with tarfile.open(out / "runs.tar") as archive:
        assert {name.split("/")[2] for name in archive.getnames()} == {"mnist_lenet5_seed1"}


def test_a_run_on_pixels_another_decoder_made_is_filed_with_a_warning(tmp_path, capsys):
    members = complete_run()
    members["quick/02/r/metrics.json"] = json.dumps({"data_notes": [
        "the pixels decoded here differ from those decoded on the machine that packed this archive"]}).encode()
    folder = returned_folder(tmp_path, members)
    assert device_import.main([str(folder), "--reports", str(tmp_path / "reports"), "--results",
                               str(tmp_path / "results")]) == 0
    assert "warning: [02] r trained on pixels" in capsys.readouterr().out
