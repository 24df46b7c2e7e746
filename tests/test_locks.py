"""One writer per output folder: an advisory lock that names its holder, frees itself when the
holder dies, guards both the training command line and the batch runner, and refuses a folder
shared with another user in one line."""

from __future__ import annotations

import builtins
import errno
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers.errors import FolderInUseError
from helpers.io import HOLDER_NAME, LOCK_NAME, folder_lock

ROOT = Path(__file__).resolve().parents[1]

HOLD = """
import sys, time
from helpers.io import folder_lock
with folder_lock(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(600)
"""


def _holder(folder: Path) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(folder)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "locked"
    return process


def test_a_second_holder_is_refused_with_the_first_ones_process_id(tmp_path):
    holder = _holder(tmp_path)
    try:
        holder_name = rf"process {holder.pid} of \S+ on {re.escape(socket.gethostname())} \(started "
        refusal = rf"is in use by {holder_name}.*; wait for it to finish, or pass --wait$"
        with pytest.raises(FolderInUseError, match=refusal):
            with folder_lock(tmp_path):
                pass
    finally:
        holder.kill()
        holder.wait()


def test_a_killed_holder_does_not_block(tmp_path):
    holder = _holder(tmp_path)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert (tmp_path / LOCK_NAME).exists()  # the stale file stays; the kernel released its lock
    with folder_lock(tmp_path):
        assert (tmp_path / HOLDER_NAME).read_text().startswith(f"process {os.getpid()} of ")
    assert not (tmp_path / HOLDER_NAME).exists()  # a finished holder takes its name away


def test_wait_waits_for_the_holder(tmp_path):
    holder = _holder(tmp_path)
    start = time.perf_counter()
    subprocess.Popen(["sh", "-c", f"sleep 1; kill {holder.pid}"])
    with folder_lock(tmp_path, wait=True, poll_seconds=0.1):
        assert time.perf_counter() - start >= 0.5
    holder.wait()


def test_training_command_line_refuses_a_folder_in_use(tmp_path, capsys):
    from helpers.runs import cli

    out = tmp_path / "run"
    with folder_lock(out):
        code = cli.main(["--model", "lenet5", "--dataset", "synthetic", "--epochs", "1", "--out", str(out)])
    error = capsys.readouterr().err
    assert code == 2 and error.startswith(f"error: {out} is in use by process {os.getpid()}")
    assert len(error.strip().splitlines()) == 1 and not (out / "metrics.json").exists()


def test_batch_runner_refuses_a_profile_folder_in_use(tmp_path, capsys):
    from helpers import batch

    notebooks = Path(__file__).resolve().parents[1] / "notebooks"
    with folder_lock(tmp_path / "smoke"):
        code = batch.main(["--notebooks-dir", str(notebooks), "--out", str(tmp_path), "--only", "01"])
    error = capsys.readouterr().err
    assert code == 2 and error.startswith(f"error: {tmp_path / 'smoke'} is in use by process {os.getpid()}")
    assert sorted(path.name for path in (tmp_path / "smoke").iterdir()) == [LOCK_NAME]


def test_a_lock_file_follows_the_umask_so_a_group_can_share_the_folder(tmp_path):
    previous = os.umask(0o002)
    try:
        with folder_lock(tmp_path):
            pass
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / LOCK_NAME).stat().st_mode) == 0o664


def _refuse_writing(path: Path, monkeypatch) -> None:
    """What the kernel does when a user opens another user's 0644 ``path`` to write it. Root may write
    any file, so a test run as root (CI) has ``os.open`` and ``open`` refuse as the kernel would."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        return
    real_os_open, real_open = os.open, builtins.open

    def refused(file, writing: bool) -> bool:
        return writing and isinstance(file, (str, os.PathLike)) and os.path.realpath(file) == str(path.resolve())

    def os_open(file, flags, *args, **kwargs):
        if refused(file, flags & (os.O_WRONLY | os.O_RDWR) and not flags & os.O_EXCL):  # O_EXCL: EEXIST first
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(file))
        return real_os_open(file, flags, *args, **kwargs)

    def open_(file, mode="r", *args, **kwargs):
        if refused(file, bool(set(mode) & set("wax+"))):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(builtins, "open", open_)


def test_a_lock_file_of_another_user_is_refused_in_one_line(tmp_path, monkeypatch, capsys):
    from helpers import batch

    profile = tmp_path / "smoke"  # a folder shared with a colleague, whose batch ran there first
    with folder_lock(profile):
        pass
    lock = profile / LOCK_NAME
    _refuse_writing(lock, monkeypatch)
    code = batch.main(["--notebooks-dir", str(ROOT / "notebooks"), "--out", str(tmp_path), "--only", "01"])
    error = capsys.readouterr().err
    assert code == 2 and error.startswith(f"error: cannot lock output folder {profile}: {lock} is not writable by you")
    assert "write to a folder of your own with --out" in error and len(error.strip().splitlines()) == 1
    assert sorted(path.name for path in profile.iterdir()) == [LOCK_NAME]
