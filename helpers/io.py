"""Files on disk: atomic writes (a reader never sees a half-written result file), readable by
colleagues (the process umask, not the temporary file's 0600), a full disk named as such, and an
advisory lock so that one process at a time writes an output folder (``filelock``: ``flock`` on
Linux and macOS, ``LockFileEx`` on Windows)."""

from __future__ import annotations

import errno
import getpass
import hashlib
import json
import os
import socket
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from filelock import FileLock, Timeout

from helpers.errors import DiskFullError, FolderInUseError, OutputNotWritableError

LOCK_NAME = ".lock"
# Who holds the lock, in a file of its own: Windows refuses to read the locked bytes of the lock file.
HOLDER_NAME = ".lock-holder"


def write_atomic(path: str | os.PathLike, write: Callable[[Path], None], *, mode: int | None = None) -> Path:
    """Call ``write(temporary_path)`` then rename the temporary file onto ``path``, with permissions
    ``mode`` (default: readable and writable as the umask allows). The temporary file is private
    until then, so the file is never, even briefly, more readable than ``mode``.

    The temporary file lives in the destination folder so the rename stays on one file system
    (and is therefore atomic); it is removed if ``write`` fails.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        write(Path(temporary))
        os.chmod(temporary, 0o666 & ~umask() if mode is None else mode)  # mkstemp makes 0600 files
        os.replace(temporary, path)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        full = _disk_full_error(error)
        if full is not None:
            raise DiskFullError(f"no space left on device while writing {path}") from full
        raise
    return path


def _disk_full_error(error: BaseException | None) -> OSError | None:
    """The ENOSPC OSError that ``error`` is or was raised from (torch.save wraps it in a RuntimeError)."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OSError) and error.errno == errno.ENOSPC:
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def save_tensors_atomic(path: str | os.PathLike, state: Any) -> Path:
    """``torch.save(state)`` into ``path`` atomically, through an open file: torch given a path
    reports a full disk as a RuntimeError with no trace of its errno; through a file the OSError
    stays in the chain, and :func:`write_atomic` turns it into a :class:`DiskFullError`."""
    import torch  # here: the batch layer imports this module and loads no torch

    def save(temporary: Path) -> None:
        with open(temporary, "wb") as handle:
            torch.save(state, handle)

    return write_atomic(path, save)


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

    Another holder makes it raise :class:`~helpers.errors.FolderInUseError` naming that process,
    its user and host, and when it started, or with ``wait`` poll until it is free. The operating
    system releases the lock when its holder dies, so a lock left by a killed process never blocks
    anyone. The lock file is made with the umask's permissions, as results are: under umask 002 the
    folder's group can share it. One that this user cannot open raises
    :class:`~helpers.errors.OutputNotWritableError` saying what to do.
    """
    folder = check_writable(folder)
    path, holder = folder / LOCK_NAME, folder / HOLDER_NAME
    lock = FileLock(path, mode=0o666 & ~umask() | 0o600)
    try:
        lock.acquire(blocking=wait, poll_interval=poll_seconds)
    except Timeout:
        raise FolderInUseError(f"{folder} is in use by {_read_holder(holder)}; wait for it to finish, "
                               "or pass --wait") from None
    except PermissionError as error:
        raise _not_yours(folder, path, error) from error
    try:
        try:
            write_atomic(holder, lambda temporary: temporary.write_text(_holder_description(), encoding="utf-8"))
        except PermissionError as error:
            raise _not_yours(folder, holder, error) from error
        yield folder
    finally:
        with suppress(OSError):  # before the release, so that no one reads it as the next holder's
            holder.unlink(missing_ok=True)
        lock.release()


def _holder_description() -> str:
    try:
        user = getpass.getuser()
    except (ImportError, KeyError, OSError):  # no login name: a container's uid without a passwd entry
        user = f"uid {os.getuid()}" if hasattr(os, "getuid") else "an unknown user"
    started = datetime.now().astimezone()
    return f"process {os.getpid()} of {user} on {socket.gethostname()} (started {started:%Y-%m-%d %H:%M:%S %Z})"


def _read_holder(holder: Path) -> str:
    try:
        return holder.read_text(encoding="utf-8").strip() or "another process"
    except OSError:  # not written yet, or just removed by a holder that finished
        return "another process"


def _not_yours(folder: Path, path: Path, error: PermissionError) -> OutputNotWritableError:
    """The one-line refusal for a lock file of a folder shared with another user."""
    return OutputNotWritableError(
        f"cannot lock output folder {folder}: {path} is not writable by you ({error.strerror or error}), "
        f"as when another user ran there first; write to a folder of your own with --out, or have its "
        f"users share it (chmod g+w {path}; umask 002 when they run)")


def umask() -> int:
    """The process's umask (read without changing it for longer than the call)."""
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


def file_sha256(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes, read in blocks of 1 MiB (hex digits)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
