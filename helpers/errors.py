"""Exception types raised by the helpers library.

Every error names the bad value and, where there is a fixed set of valid values, lists them, so a
user can fix the call without reading the source. Command lines print the message alone and exit
non-zero; the Python API raises these types so callers can catch them specifically.
"""

from __future__ import annotations

from collections.abc import Iterable


class HelpersError(Exception):
    """Base class of every error the library raises on purpose."""


class UnknownNameError(HelpersError, ValueError):
    """A name (model, dataset, optimizer, scheduler, profile, ...) that is not one of the choices."""

    def __init__(self, kind: str, name: object, choices: Iterable[str]):
        self.kind = kind
        self.name = name
        self.choices = sorted(choices)
        super().__init__(f"unknown {kind} {name!r}; valid choices: {', '.join(self.choices)}")

    def __str__(self) -> str:  # ValueError/KeyError formatting would add quotes around the message
        return self.args[0]


class InvalidConfigError(HelpersError, ValueError):
    """A configuration value of the wrong type or out of range, or a key that does not exist."""


class DataNotFoundError(HelpersError, FileNotFoundError):
    """A dataset that is not on disk where it was looked for, and could not be downloaded."""


class WeightsNotFoundError(HelpersError, FileNotFoundError):
    """Pretrained weights that are not in the cache and could not be downloaded."""


class CorruptDataError(HelpersError, ValueError):
    """A data file that exists but cannot be read: truncated, malformed, or of the wrong shape."""


def check_choice(kind: str, name: str, choices: Iterable[str]) -> str:
    """Return ``name`` if it is one of ``choices``; otherwise raise :class:`UnknownNameError`."""
    choices = list(choices)
    if name not in choices:
        raise UnknownNameError(kind, name, choices)
    return name


class OutputNotWritableError(HelpersError, PermissionError):
    """The output folder cannot be created or written."""


class DiskFullError(HelpersError, OSError):
    """The disk holding an output is full ("no space left on device")."""


class FolderInUseError(HelpersError, BlockingIOError):
    """Another process holds the lock of an output folder."""


class UnknownOptionError(InvalidConfigError, TypeError):
    """A keyword option that the chosen model does not take.

    A ``TypeError`` like Python's own "unexpected keyword argument", and an
    :class:`~helpers.errors.InvalidConfigError` so that configuration code can catch it as such.
    """


class CheckpointMismatchError(InvalidConfigError):
    """A checkpoint belongs to a run with other settings than the one asked for."""


class NonFiniteLossError(HelpersError, FloatingPointError):
    """The training loss became NaN or infinite."""


class TrainingOutOfMemoryError(HelpersError, MemoryError):
    """The device ran out of memory during training."""


class DistributedRunError(HelpersError, RuntimeError):
    """A run launched with torchrun failed (a rank crashed or was killed)."""
