"""Launching one run under ``torchrun`` in a subprocess and reading it back."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from helpers.commands import PROJECT_ROOT
from helpers.errors import DistributedRunError
from helpers.io import write_json
from helpers.runs.spec import RunOutcome, RunSpec, load_run


def torchrun_command(spec_path: Path, folder: Path, *, processes: int, data_dir=None, download: bool = False,
                     samples: bool = False, force: bool = False) -> list[str]:
    """The ``torchrun`` command line that trains the run in ``spec_path`` into ``folder`` on one node."""
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}",
               "-m", "helpers.runs", "--spec", str(spec_path), "--out", str(folder)]
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]
    command += ["--download" if download else "--no-download"]
    return command + (["--samples"] if samples else []) + (["--force"] if force else [])


def execute_run_with_torchrun(spec: RunSpec, folder: Path, *, processes: int, data_dir=None, download: bool = False,
                              samples: bool = False, force: bool = False) -> RunOutcome:
    """Train ``spec`` with ``torchrun`` over ``processes`` processes and read the finished run back.

    The subprocess's output is passed through line by line as it comes (a run of hours shows its
    epochs as they finish); a failure raises naming the command and the end of its error output.
    Rerunning after a failure resumes from the run's checkpoint.
    """
    folder.mkdir(parents=True, exist_ok=True)
    spec_path = write_json(folder / "spec.json", spec.to_dict())
    command = torchrun_command(spec_path, folder, processes=processes, data_dir=data_dir, download=download,
                               samples=samples, force=force)
    # The error output goes to a file, not a second pipe: reading one pipe while the other fills could block.
    with tempfile.TemporaryFile(mode="w+") as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True, cwd=PROJECT_ROOT,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            for line in process.stdout:
                print(line, end="", flush=True)
            returncode = process.wait()
        except BaseException:  # an interrupted caller takes its workers down with it
            process.terminate()
            process.wait()
            raise
        errors.seek(0)
        error_output = errors.read()
    if returncode != 0:
        tail = "\n".join(error_output.strip().splitlines()[-15:])
        raise DistributedRunError(f"torchrun failed for run {spec.run_id} (exit {returncode}); "
                                  f"rerun to resume from its checkpoint.\ncommand: {' '.join(command)}\n{tail}")
    return load_run(folder, spec)


