"""What every command line of the project shares: the project root, an argument parser whose
mistakes are one line, and the wrapper that turns the library's errors into one line on stderr
and exit status 2 (130 when interrupted), never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from helpers.errors import HelpersError, InvalidConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[1]  # the folder holding helpers/, notebooks/, data/
BAD_INPUT = 2  # exit status of a command refused for a bad value
INTERRUPTED = 130  # exit status after Ctrl-C, as a shell reports it


class OneLineArgumentParser(argparse.ArgumentParser):
    """An argument parser whose mistakes raise :class:`InvalidConfigError` (printed as one line by
    :func:`run_command`) instead of printing argparse's usage block."""

    def error(self, message: str) -> None:
        """Raise with argparse's message (it names the bad value and the valid choices)."""
        raise InvalidConfigError(message)


def refuse(error: BaseException) -> int:
    """Print ``error`` as one ``error: ...`` line on stderr; return :data:`BAD_INPUT`."""
    print(f"error: {error}", file=sys.stderr)
    return BAD_INPUT


def run_command(command: Callable[[], int], *, interrupted: str | None = None) -> int:
    """Run ``command`` (returns its exit status): a :class:`HelpersError` becomes one line and exit
    status 2; Ctrl-C becomes the line ``interrupted`` (when given) and 130."""
    try:
        return command()
    except HelpersError as error:
        return refuse(error)
    except KeyboardInterrupt:
        if interrupted is None:
            raise
        print(f"error: interrupted; {interrupted}", file=sys.stderr)
        return INTERRUPTED
