"""The main job at the smoke profile, started once per test session in a child process.

``python -m helpers.batch --profile smoke`` takes about five minutes on 2 cores, most of a test
session, and leaves a core idle while its last study finishes. ``tests/conftest.py`` starts it as
soon as the tests that read it are collected, and runs those tests last, so that the batch trains
while the rest of the suite runs; :func:`wait_for` then hands its results to them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURE = "smoke_batch"  # the session fixture (tests/conftest.py) of every test that reads the batch
TIMEOUT_SECONDS = 1800


@dataclass
class SmokeBatch:
    """A running (or finished) smoke batch writing into ``out``."""

    process: subprocess.Popen
    out: Path
    log: Path


def start() -> SmokeBatch:
    """Start ``python -m helpers.batch --profile smoke`` into a new temporary folder, as ``make
    reports`` runs it (``$HELPERS_DATA_DIR`` removed: the smoke profile reads the embedded samples)."""
    out = Path(tempfile.mkdtemp(prefix="smoke-batch-"))
    log = out / "batch.log"
    environment = {key: value for key, value in os.environ.items() if key != "HELPERS_DATA_DIR"}
    with open(log, "w", encoding="utf-8") as stream:  # a file, not a pipe: nobody reads it while it runs
        process = subprocess.Popen([sys.executable, "-m", "helpers.batch", "--profile", "smoke", "--out",
                                    str(out / "outputs")], cwd=REPO, env=environment, stdout=stream,
                                   stderr=subprocess.STDOUT, text=True)
    return SmokeBatch(process=process, out=out, log=log)


def wait_for(batch: SmokeBatch) -> dict:
    """Wait until the batch has finished; its exit status, output and profile folder."""
    batch.process.wait(timeout=TIMEOUT_SECONDS)
    return {"returncode": batch.process.returncode, "output": batch.log.read_text(encoding="utf-8"),
            "profile_dir": batch.out / "outputs" / "smoke"}


def stop(batch: SmokeBatch) -> None:
    """End the batch if it still runs (a session stopped early) and remove its folder."""
    if batch.process.poll() is None:
        batch.process.kill()
        batch.process.wait()
    shutil.rmtree(batch.out, ignore_errors=True)
