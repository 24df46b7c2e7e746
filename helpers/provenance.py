"""Where a result was made: the source revision of the project and the machine (no torch import,
so that the batch tooling can record it too)."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from helpers.commands import PROJECT_ROOT


def source_revision(project_root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """The git commit of ``project_root`` and whether its tracked files differ from it (both None
    outside a git checkout or without git)."""
    def git(*arguments: str) -> str | None:
        try:
            completed = subprocess.run(["git", "-C", str(project_root), *arguments], capture_output=True,
                                       text=True, timeout=30, check=True)
        except (OSError, subprocess.SubprocessError):
            return None
        return completed.stdout.strip()

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no") if commit else None
    return {"commit": commit, "uncommitted_changes": bool(status) if status is not None else None}


def machine_description() -> dict[str, Any]:
    """The CPU model and cores, and the Python and torch versions of this machine."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), model)
    except OSError:
        pass
    try:  # the installed version, without importing torch
        torch_version = metadata.version("torch")
    except metadata.PackageNotFoundError:
        torch_version = None
    return {"cpu": model, "cores": os.cpu_count(), "torch": torch_version, "python": platform.python_version(),
            "system": platform.system()}


def provenance() -> dict[str, Any]:
    """:func:`source_revision` and :func:`machine_description` together."""
    return {**source_revision(), "machine": machine_description()}
