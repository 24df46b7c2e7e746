"""Result files: atomic, readable by others (the umask, not 0600), a full disk named as such,
and an interrupted write's leftovers cleaned when the run folder is used again."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from helpers.errors import DiskFullError
from helpers.io import check_writable, write_atomic, write_json
from helpers.runs.execute import remove_leftover_temporaries


def test_results_follow_the_umask_not_the_temporary_files_0600(tmp_path):
    previous = os.umask(0o022)
    try:
        path = write_json(tmp_path / "metrics.json", {"top1": 0.5})
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        os.umask(0o077)
        private = write_json(tmp_path / "private.json", {})
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
    finally:
        os.umask(previous)


def test_a_full_disk_says_so_and_names_the_path(tmp_path):
    def no_space(temporary):
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(DiskFullError, match=f"no space left on device while writing {tmp_path / 'model.pt'}"):
        write_atomic(tmp_path / "model.pt", no_space)
    assert list(tmp_path.iterdir()) == []  # the temporary file went with the failure


def test_a_full_disk_when_creating_the_output_folder(tmp_path, monkeypatch):
    def no_space(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(type(tmp_path), "write_text", no_space)
    with pytest.raises(DiskFullError, match="no space left on device: "):
        check_writable(tmp_path / "out")


def test_leftover_temporaries_of_an_interrupted_write_are_removed(tmp_path):
    (tmp_path / ".metrics.json.abc123.tmp").write_text("half")
    (tmp_path / "history.csv").write_text("kept")
    remove_leftover_temporaries(tmp_path)
    assert [path.name for path in tmp_path.iterdir()] == ["history.csv"]


def test_tensors_saved_atomically_round_trip_and_a_full_disk_says_so(tmp_path):
    import errno
    import shutil
    import subprocess

    import torch

    from helpers.errors import DiskFullError
    from helpers.io import save_tensors_atomic

    state = {"weight": torch.arange(6.0).reshape(2, 3)}
    saved = save_tensors_atomic(tmp_path / "model.pt", state)
    assert torch.equal(torch.load(saved, weights_only=True)["weight"], state["weight"])
    assert [path.name for path in tmp_path.iterdir()] == ["model.pt"]  # no temporary left

    small = tmp_path / "small"
    small.mkdir()
    mounted = shutil.which("mount") and subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(small)],
                                                       capture_output=True).returncode == 0
    if not mounted:
        pytest.skip("needs a small tmpfs (mount as root) to fill a disk for real")
    try:
        with pytest.raises(DiskFullError, match="no space left on device while writing .*model.pt") as raised:
            save_tensors_atomic(small / "model.pt", {"weight": torch.zeros(100_000)})  # 400 kB into 64 kB
        assert raised.value.__cause__.errno == errno.ENOSPC  # torch given a path hides it: no errno in its chain
        assert list(small.iterdir()) == []
    finally:
        subprocess.run(["umount", str(small)], check=False)
