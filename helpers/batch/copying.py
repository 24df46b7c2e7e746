"""The copying rules of publishing: paths of the machine that made a file are rewritten away, only
regular files reached through real folders are copied (never a symbolic link or what it points to),
and no copy is more readable than its source."""

from __future__ import annotations

import re
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from helpers.batch.state import STAGING_SUFFIX
from helpers.io import read_json, umask, write_atomic

TEXT_SUFFIXES = (".html", ".ipynb", ".json", ".csv", ".log", ".txt")


def path_rewrites(project_root: Path) -> list[tuple[re.Pattern[str], str]]:
    """The rewrites that hide the machine's paths, in the order they apply: a staging folder's
    name loses its suffix, paths under the project become relative to it, paths beside it
    start with ``../``."""
    root = str(project_root.resolve())
    parent = str(project_root.resolve().parent)
    return [(re.compile(rf"(\b\d\d){re.escape(STAGING_SUFFIX)}\b"), r"\1"),
            (re.compile(re.escape(root) + r"/"), ""),
            (re.compile(re.escape(root) + r"\b"), "."),
            (re.compile(re.escape(parent) + r"/"), "../")]


def sanitize_text(text: str, rewrites: Sequence[tuple[re.Pattern[str], str]]) -> str:
    """``text`` with every rewrite of :func:`path_rewrites` applied."""
    for pattern, replacement in rewrites:
        text = pattern.sub(replacement, text)
    return text


def same_text(first: Path, second: Path) -> bool:
    """Whether two files hold the same text (False when one cannot be read)."""
    try:
        return first.read_text(encoding="utf-8") == second.read_text(encoding="utf-8")
    except OSError:
        return False


def is_regular_file(path: Path, root: Path) -> bool:
    """Whether ``path`` is a regular file (not a symbolic link) reached from ``root`` through
    folders only: nothing on its way is a link out of the output folder."""
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return False
    except OSError:
        return False
    for parent in path.parents:
        if parent == root:
            return True
        if parent.is_symlink():
            return False
    return False


def copy_file(source: Path, target: Path, rewrites: Sequence[tuple[re.Pattern[str], str]], *, root: Path) -> bool:
    """Copy ``source`` to ``target`` (text with ``rewrites`` applied), atomically; return whether it
    was copied. Only a regular file inside ``root`` is (:func:`is_regular_file`): a symbolic link,
    to a private file or anywhere else, is left out. The copy is readable as the umask allows and
    never more than its source (a 0600 file stays 0600)."""
    if not is_regular_file(source, root):
        return False
    mode = stat.S_IMODE(source.stat().st_mode) & 0o666 & ~umask()
    data = source.read_bytes()
    if source.suffix in TEXT_SUFFIXES:
        data = sanitize_text(data.decode("utf-8"), rewrites).encode("utf-8")
    write_atomic(target, lambda temporary: temporary.write_bytes(data), mode=mode)
    return True


def read_regular_json(path: Path, root: Path) -> dict[str, Any]:
    """A JSON object from a regular file inside ``root``; ``{}`` for a link, a missing or unreadable file."""
    if not is_regular_file(path, root):
        return {}
    try:
        data = read_json(path)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}

