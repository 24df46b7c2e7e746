"""What every command line of the project shares: the project root, an argument parser whose
mistakes are one line, and the wrapper that turns the library's errors, and a full disk, into one
line on stderr and exit status 2 (130 when interrupted), never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import sys
from collections.abc import Callable
from pathlib import Path

from helpers.errors import DiskFullError, HelpersError, InvalidConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[1]  # the folder holding helpers/, notebooks/, data/
BAD_INPUT = 2  # exit status of a command refused for a bad value
INTERRUPTED = 130  # exit status after Ctrl-C, as a shell reports it
DISK_FULL_ERRNOS = {errno.ENOSPC: "", errno.EDQUOT: " (disk quota exceeded)"}  # what each adds to the line
DISK_FULL_ADVICE = "free some space and run again (finished runs are kept)"


class OneLineArgumentParser(argparse.ArgumentParser):
    """An argument parser whose mistakes raise :class:`InvalidConfigError` (printed as one line by
    :func:`run_command`) instead of printing argparse's usage block."""

    def error(self, message: str) -> None:
        """Raise with argparse's message (it names the bad value and the valid choices)."""
        raise InvalidConfigError(message)


def project_relative(path: str | Path, root: Path = PROJECT_ROOT) -> str | None:
    """``path`` relative to ``root`` (the project), with forward slashes; None when it lies outside."""
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return None


def refuse(error: BaseException | str) -> int:
    """Print ``error`` as one ``error: ...`` line on stderr; return :data:`BAD_INPUT`."""
    print(f"error: {error}", file=sys.stderr)
    return BAD_INPUT


def run_command(command: Callable[[], int], *, interrupted: str | None = None) -> int:
    """Run ``command`` (returns its exit status): a :class:`HelpersError` becomes one line and exit
    status 2, and so does a full disk (:func:`disk_full_message`) whatever raised it; Ctrl-C
    becomes the line ``interrupted`` (when given) and 130."""
    try:
        return command()
    except Exception as error:
        message = disk_full_message(error)
        if message is not None:
            return refuse(message)
        if isinstance(error, HelpersError):
            return refuse(error)
        raise
    except KeyboardInterrupt:
        if interrupted is None:
            raise
        print(f"error: interrupted; {interrupted}", file=sys.stderr)
        return INTERRUPTED


def disk_full_message(error: BaseException) -> str | None:
    """One line saying that the disk is full, naming the file being written and what to do, when
    ``error`` or an error it was raised from (its ``__cause__`` or ``__context__``: torch.save
    raises a RuntimeError over the OSError of its file) is an ``OSError`` with errno ENOSPC or
    EDQUOT, or a :class:`DiskFullError`; None otherwise."""
    chain, seen = [], set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        chain.append(error)
        error = error.__cause__ or error.__context__
    named = [link for link in chain if isinstance(link, DiskFullError)]
    if named:  # the library's writers name the file they write (not the temporary file beside it)
        return f"{named[0]}: {DISK_FULL_ADVICE}"
    full = [link for link in chain if isinstance(link, OSError) and link.errno in DISK_FULL_ERRNOS]
    if not full:
        return None
    path = next((link.filename for link in full if link.filename is not None), "a file")
    return f"no space left on the device{DISK_FULL_ERRNOS[full[0].errno]} writing {path}: {DISK_FULL_ADVICE}"
