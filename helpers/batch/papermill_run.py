"""Executing one notebook with papermill: an explicit kernel with inline figures, the log to a
file, a few progress lines in the terminal, and a failure described by its cell, not raised.

The project's kernel (``resnet-studies``) is registered for the running Python when it is missing
(a conda environment, a fresh virtual environment). Parameters are checked before papermill writes
them into the notebook as code. Ctrl-C (or SIGTERM) stops the notebook's kernel and raises
``KeyboardInterrupt`` once papermill has returned, so the terminal shows one line, not the
kernel's traceback of a reply sent into closed sockets.
"""

from __future__ import annotations

import keyword
import logging
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from helpers.errors import InvalidConfigError

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

PROJECT_KERNEL = "resnet-studies"  # registered in .venv by `make venv`, else by kernel_name()


def kernel_name(stream: TextIO | None = None) -> str:
    """The project's kernel. Where it is missing (``conda env create``, a virtual environment made
    without ``make venv``), it is registered for this Python into its environment
    (``sys.prefix``), as ``make venv`` does, and one line on ``stream`` says so; where that is not
    possible (the system's Python, a read-only environment) the notebooks run on ``python3``, the
    kernel of the Python that runs the batch, and one line says that."""
    from jupyter_client.kernelspec import KernelSpecManager  # deferred: only a run needs it

    if PROJECT_KERNEL in KernelSpecManager().find_kernel_specs():
        return PROJECT_KERNEL
    stream = stream or sys.stdout
    in_environment = sys.prefix != sys.base_prefix or (Path(sys.prefix) / "conda-meta").is_dir()
    if in_environment:
        from ipykernel.kernelspec import install

        try:
            place = install(kernel_name=PROJECT_KERNEL, prefix=sys.prefix,
                            display_name=f"Python ({PROJECT_KERNEL} {Path(sys.prefix).name})")
        except OSError as error:
            print(f"the Jupyter kernel {PROJECT_KERNEL!r} is missing and cannot be registered in {sys.prefix} "
                  f"({error.strerror or error}); running the notebooks on python3 ({sys.executable})",
                  file=stream, flush=True)
            return "python3"
        print(f"registered the Jupyter kernel {PROJECT_KERNEL!r} for {sys.executable} in {place}", file=stream,
              flush=True)
        return PROJECT_KERNEL
    print(f"the Jupyter kernel {PROJECT_KERNEL!r} is missing (make venv registers it); running the notebooks on "
          f"python3 ({sys.executable})", file=stream, flush=True)
    return "python3"


PLAIN_TYPES = "None, True, False, numbers, strings, and lists and mappings of those"


def plain_parameters(parameters: Mapping[Any, Any]) -> dict[str, Any]:
    """``parameters`` checked as what papermill may inject into a notebook: each name a Python
    identifier (papermill writes ``name = value`` into a code cell, so a name is code), each value
    plain data, a tuple given as a list (papermill would write a tuple as the text of its ``str``,
    quotes unescaped: code again). Anything else raises naming it."""
    checked = {}
    for name, value in parameters.items():
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
            raise InvalidConfigError(f"invalid parameter name {name!r}: a parameter is a Python identifier "
                                     "(seeds, epochs, ...) of the notebook's parameters cell")
        checked[name] = _plain_value(name, value)
    return checked


def _plain_value(name: str, value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain_value(name, item) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {key: _plain_value(name, item) for key, item in value.items()}
    raise InvalidConfigError(f"invalid {name} {value!r}: a {type(value).__name__}; a parameter is plain data: "
                             f"{PLAIN_TYPES}")


def check_injected_parameters(notebook: Path, parameters: Mapping[Any, Any]) -> dict[str, Any]:
    """``parameters`` as papermill may inject them (:func:`plain_parameters`); raise unless every
    name is a parameter of ``notebook``'s ``parameters`` cell and every value plain data. papermill
    writes ``name = value`` lines into a code cell before the notebook's own checks run: a name
    that is not one of the notebook's identifiers, or a value it would write as raw text (a tuple,
    an object), would run as code."""
    import papermill

    checked = plain_parameters(parameters)
    declared = papermill.inspect_notebook(str(notebook))
    unknown = [name for name in parameters if name not in declared]
    if unknown:
        raise InvalidConfigError(f"unknown parameter {unknown[0]!r} for {notebook.name}; valid parameters: "
                                 f"{', '.join(sorted(declared))}")
    return checked


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
    failing notebook: papermill keeps the executed copy with the cell that raised. Raises
    :class:`InvalidConfigError` before papermill starts for parameters that are not the notebook's
    plain data (:func:`check_injected_parameters`), and ``KeyboardInterrupt`` after its kernel
    was stopped by Ctrl-C or SIGTERM."""
    import papermill

    parameters = check_injected_parameters(notebook, parameters)
    progress = _TerminalProgress(study, numbers, stream)
    name = kernel_name(stream)
    with _interrupt_stops_kernel() as (manager_class, interrupted):
        try:
            with _papermill_logging(output.parent / "run.log", progress):
                papermill.execute_notebook(str(notebook), str(output), parameters=parameters,
                                           kernel_name=name, log_output=True, progress_bar=False,
                                           execution_timeout=timeout, cwd=str(notebook.parent),
                                           extra_arguments=KERNEL_ARGUMENTS, kernel_manager_class=manager_class)
        except Exception as error:  # a failing notebook must not stop the batch
            if interrupted.is_set():
                raise KeyboardInterrupt from None
            return {"status": "failed", **_describe_error(error, numbers, progress.current_cell)}
    if interrupted.is_set():
        raise KeyboardInterrupt
    return {"status": "ok"}


STOPPING_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def _interrupt_stops_kernel() -> Iterator[tuple[type, threading.Event]]:
    """A kernel-manager class for papermill, and an event set when Ctrl-C or SIGTERM arrived while
    the notebook ran.

    Left alone, Ctrl-C raises inside papermill's event loop; its clean-up interrupts the kernel and
    then closes its sockets, and the kernel prints a 17-line ZMQError for the reply it can no
    longer send. Here the signal stops the kernel's process group instead (SIGTERM: no output), the
    notebook fails as "kernel died", and :func:`execute_notebook` raises ``KeyboardInterrupt`` once
    papermill has cleaned up. A kernel started after the signal is stopped at once; a second signal
    raises at once, as without this. A signal with another handler (or ignored: SIGINT in a
    ``--jobs`` child) keeps it; outside the main thread nothing changes."""
    from jupyter_client.manager import AsyncKernelManager

    interrupted, managers = threading.Event(), []

    class StoppableKernelManager(AsyncKernelManager):
        async def start_kernel(self, **kwargs: Any) -> None:
            await super().start_kernel(**kwargs)
            managers.append(self)
            if interrupted.is_set():
                _stop_kernels([self])

    def stop(signum: int, frame: Any) -> None:
        if interrupted.is_set():  # pressed again while the kernel stops: stop waiting for it
            raise KeyboardInterrupt
        interrupted.set()
        _stop_kernels(managers)

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for number in STOPPING_SIGNALS:
            if signal.getsignal(number) in (signal.default_int_handler, signal.SIG_DFL):
                previous[number] = signal.signal(number, stop)
    try:
        yield StoppableKernelManager, interrupted
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _stop_kernels(managers: Sequence[Any]) -> None:
    """SIGTERM to the process group of each running kernel (jupyter_client starts a kernel in a
    session of its own, so its group holds the kernel and what it started, torchrun's workers
    among them); the kernel itself where it shares this process's group."""
    for manager in managers:
        process = getattr(getattr(manager, "provisioner", None), "process", None)
        if process is None or process.poll() is not None:
            continue
        try:
            group = os.getpgid(process.pid)
            if group == os.getpgid(0):
                process.terminate()
            else:
                os.killpg(group, signal.SIGTERM)
        except OSError:
            pass  # it has just ended
