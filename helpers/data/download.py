"""``python -m helpers.data.download NAME [--data-dir DIR]``: fetch a dataset with torchvision.

The data lands in DIR (default: the project's ``data/``) in torchvision's layout, where
:func:`helpers.data.load_dataset` finds it. Exit status 2 with one line when it cannot.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from helpers.data.locate import NATIVE_LAYOUTS, PROJECT_DATA_DIR, locate_dataset
from helpers.commands import OneLineArgumentParser, run_command
from helpers.errors import InvalidConfigError, check_choice


def main(argv: Sequence[str] | None = None) -> int:
    """Download one dataset unless it is already there; print where it is."""
    parser = OneLineArgumentParser(prog="python -m helpers.data.download", description=__doc__.split("\n")[0])
    parser.add_argument("name", help=f"one of {', '.join(NATIVE_LAYOUTS)}")
    parser.add_argument("--data-dir", default=str(PROJECT_DATA_DIR), help="folder to download into (default data/)")
    return run_command(lambda: _download(parser.parse_args(argv)))


def _download(arguments: argparse.Namespace) -> int:
    check_choice("dataset", arguments.name, NATIVE_LAYOUTS)
    try:
        Path(arguments.data_dir).expanduser().mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InvalidConfigError(f"cannot create {arguments.data_dir}: {error.strerror or error}") from error
    kind, path = locate_dataset(arguments.name, data_dir=arguments.data_dir, download=True)
    print(f"{arguments.name}: {path} ({kind})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
