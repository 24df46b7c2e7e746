"""Executing one notebook with papermill: an explicit kernel with inline figures, the log to a
file, a few progress lines in the terminal, and a failure described by its cell, not raised."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

KERNEL_ARGUMENTS = [
    # helpers.plots builds Figures without pyplot, so the inline backend never loads and a displayed
    # figure is only "<Figure size ...>" text; this registers the PNG formatter at kernel start
    # (and overrides a caller's MPLBACKEND=Agg, as in `make test`).
    "--matplotlib=inline",
    # The kernel's own log (not the cells' output) would print a warning about its local TCP
    # sockets at every start; errors still show.
    "--IPKernelApp.log_level=ERROR",
]

_EPOCH_LINE = re.compile(r"\bepoch \d+/\d+\b")
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")

PROJECT_KERNEL = "resnet-studies"  # registered in .venv by `make venv`


def kernel_name() -> str:
    """The project's kernel when it is registered (``make venv`` does it), else ``python3``: the
    kernel of the Python that runs the batch."""
    from jupyter_client.kernelspec import KernelSpecManager  # deferred: only a run needs it

    return PROJECT_KERNEL if PROJECT_KERNEL in KernelSpecManager().find_kernel_specs() else "python3"


def code_cell_numbers(cell_types: Sequence[str], tags: Sequence[Sequence[str]]) -> dict[int, int]:
    """Papermill's 1-based cell number -> 1-based code-cell number, in the notebook as papermill
    runs it: with its ``injected-parameters`` cell added after the ``parameters`` cell."""
    kinds = list(cell_types)
    injected = [index for index, cell_tags in enumerate(tags) if "injected-parameters" in cell_tags]
    if not injected:
        marked = [index for index, cell_tags in enumerate(tags) if "parameters" in cell_tags]
        kinds.insert(marked[0] + 1 if marked else 0, "code")
    numbers, count = {}, 0
    for index, kind in enumerate(kinds, start=1):
        if kind == "code":
            count += 1
            numbers[index] = count
    return numbers


class _TerminalProgress(logging.Handler):
    """Turns papermill's log into a few terminal lines: each code cell as it starts, each epoch."""

    def __init__(self, study: str, numbers: Mapping[int, int], stream: TextIO):
        super().__init__(logging.INFO)
        self.study, self.numbers, self.stream = study, numbers, stream
        self.total = max(numbers.values(), default=0)
        self.current_cell: int | None = None  # code-cell number of the cell running now
        self.start = time.perf_counter()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        elapsed = f"{time.perf_counter() - self.start:6.0f} s"
        started = re.match(r"Executing Cell (\d+)", message)
        if started and int(started.group(1)) in self.numbers:
            self.current_cell = self.numbers[int(started.group(1))]
            print(f"  [{self.study}] {elapsed}  cell {self.current_cell}/{self.total}", file=self.stream, flush=True)
        for line in message.splitlines():
            if _EPOCH_LINE.search(line):
                print(f"  [{self.study}] {elapsed}    {line.strip()}", file=self.stream, flush=True)


@contextmanager
def _papermill_logging(log_path: Path, progress: logging.Handler) -> Iterator[None]:
    """Send papermill's log (cells and their outputs) to ``log_path`` and to ``progress``."""
    logger = logging.getLogger("papermill")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    to_file = logging.FileHandler(log_path, mode="w", encoding="utf-8")
    to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    previous_level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(to_file)
    logger.addHandler(progress)
    try:
        yield
    finally:
        logger.removeHandler(progress)
        logger.removeHandler(to_file)
        to_file.close()
        logger.setLevel(previous_level)


def _describe_error(error: BaseException, numbers: Mapping[int, int], current_cell: int | None) -> dict[str, Any]:
    """Name, message and code-cell number of what stopped a notebook: the exception a cell raised,
    or the runner's own (a cell's time-out, a dead kernel) in the cell that was running."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(error, PapermillExecutionError):
        return {"error_name": error.ename, "error_message": _ANSI_ESCAPE.sub("", str(error.evalue)),
                "error_cell": numbers.get(error.cell_index + 1)}
    lines = _ANSI_ESCAPE.sub("", str(error)).strip().splitlines()  # a time-out also quotes the cell: drop it
    return {"error_name": type(error).__name__, "error_message": lines[0] if lines else "", "error_cell": current_cell}


def execute_notebook(notebook: Path, output: Path, parameters: Mapping[str, Any], *, study: str,
                     numbers: Mapping[int, int], timeout: int | None, stream: TextIO) -> dict[str, Any]:
    """Run ``notebook`` with papermill into ``output`` (its log beside it as ``run.log``), showing
    progress on ``stream``; ``{'status': 'ok'}`` or the failure's description. Never raises for a
    failing notebook: papermill keeps the executed copy with the cell that raised."""
    import papermill

    progress = _TerminalProgress(study, numbers, stream)
    try:
        with _papermill_logging(output.parent / "run.log", progress):
            papermill.execute_notebook(str(notebook), str(output), parameters=dict(parameters),
                                       kernel_name=kernel_name(), log_output=True, progress_bar=False,
                                       execution_timeout=timeout, cwd=str(notebook.parent),
                                       extra_arguments=KERNEL_ARGUMENTS)
    except Exception as error:  # a failing notebook must not stop the batch
        return {"status": "failed", **_describe_error(error, numbers, progress.current_cell)}
    return {"status": "ok"}
