"""Files on disk: atomic writes (a reader never sees a half-written result file), readable by
colleagues (the process umask, not the temporary file's 0600), a full disk named as such, and an
advisory lock so that one process at a time writes an output folder."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.errors import DiskFullError, FolderInUseError, OutputNotWritableError

LOCK_NAME = ".lock"


def write_atomic(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Call ``write(temporary_path)`` then rename the temporary file onto ``path``.

    The temporary file lives in the destination folder so the rename stays on one file system
    (and is therefore atomic); it is removed if ``write`` fails.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        write(Path(temporary))
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600 files; results are for sharing
        os.replace(temporary, path)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError) and error.errno == errno.ENOSPC:
            raise DiskFullError(f"no space left on device while writing {path}") from error
        raise
    return path


def write_json(path: str | os.PathLike, data: Any) -> Path:
    """Write ``data`` as indented JSON, atomically; NaN is written as null."""
    text = json.dumps(_nan_to_none(data), indent=2, sort_keys=False, default=str) + "\n"
    return write_atomic(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def write_csv(path: str | os.PathLike, frame: pd.DataFrame) -> Path:
    """Write a DataFrame as CSV without its index, atomically."""
    return write_atomic(path, lambda temporary: frame.to_csv(temporary, index=False))


def read_json(path: str | os.PathLike) -> Any:
    """Read a JSON file."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _nan_to_none(value: Any) -> Any:
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {key: _nan_to_none(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_nan_to_none(item) for item in value]
    return value


@contextmanager
def folder_lock(folder: str | os.PathLike, *, wait: bool = False, poll_seconds: float = 1.0) -> Iterator[Path]:
    """Hold an exclusive advisory lock on ``folder`` (its ``.lock`` file) for the ``with`` block.

    Another holder makes it raise :class:`~helpers.errors.FolderInUseError` naming that process and
    when it started, or with ``wait`` poll until it is free. The kernel releases the lock when its
    holder dies, so a lock left by a killed process never blocks anyone.
    """
    folder = check_writable(folder)
    path = folder / LOCK_NAME
    handle = open(path, "a+", encoding="utf-8")
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not wait:
                    handle.seek(0)
                    holder = handle.read().strip() or "another process"
                    raise FolderInUseError(f"{folder} is in use by {holder}; wait for it to finish, or pass --wait")
                time.sleep(poll_seconds)
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()} (started {datetime.now().astimezone():%Y-%m-%d %H:%M:%S %Z})")
        handle.flush()
        yield folder
    finally:
        handle.close()  # closing releases the lock


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_writable(folder: str | os.PathLike) -> Path:
    """Create ``folder`` if needed and prove it is writable, before any expensive work."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{os.getpid()}"  # unique: torchrun ranks probe at once
        probe.write_text("ok", encoding="utf-8")
        probe.unlink()
    except OSError as error:
        if error.errno == errno.ENOSPC:
            raise DiskFullError(f"no space left on device: {folder}") from error
        raise OutputNotWritableError(f"output folder {str(folder)!r} cannot be written: {error.strerror or error}") from error
    return folder
