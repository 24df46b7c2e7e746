"""Atomic writes: a reader never sees a half-written result file."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.errors import OutputNotWritableError


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
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
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


def check_writable(folder: str | os.PathLike) -> Path:
    """Create ``folder`` if needed and prove it is writable, before any expensive work."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{os.getpid()}"  # unique: torchrun ranks probe at once
        probe.write_text("ok", encoding="utf-8")
        probe.unlink()
    except OSError as error:
        raise OutputNotWritableError(f"output folder {str(folder)!r} cannot be written: {error.strerror or error}") from error
    return folder
