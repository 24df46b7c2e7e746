"""One training run on disk: what it was (model, data, config) and what it gave (history, metrics).

A run folder holds ``spec.json`` (what to train), ``history.csv`` (a row per epoch) and
``metrics.json`` (final numbers, written last, so its presence means the run finished). The same
layout serves ``python -m helpers.train --out DIR`` and every study notebook.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from helpers.config import TrainConfig, nested_differences
from helpers.data import load_dataset
from helpers.data.arrays import ImageDataset
from helpers.data.constants import CLASS_NAMES
from helpers.errors import DataNotFoundError, HelpersError, InvalidConfigError
from helpers.evaluate import confusion_matrix
from helpers.io import check_writable, read_json, write_atomic, write_csv, write_json
from helpers.models import create_model


class DistributedRunError(HelpersError, RuntimeError):
    """A run launched with torchrun failed (a rank crashed or was killed)."""


@dataclass(frozen=True)
class RunSpec:
    """Everything that defines one training run, as plain data.

    ``dataset_options`` are keyword arguments of :func:`helpers.data.load_dataset` (other than
    ``data_dir``); ``model_options`` of :func:`helpers.models.create_model`; ``labels`` are
    display names for tables (for example ``{"model": "ResNet-18", "stem": "imagenet"}``).
    """

    run_id: str
    model: str
    dataset: str
    config: TrainConfig
    model_options: dict[str, Any] = field(default_factory=dict)
    dataset_options: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunSpec:
        """The spec that :meth:`to_dict` wrote; unknown or missing keys raise ``InvalidConfigError``."""
        if not isinstance(data, dict):
            raise InvalidConfigError(f"a run spec is a JSON object, not {type(data).__name__}")
        required = ("run_id", "model", "dataset", "config")
        optional = ("model_options", "dataset_options", "labels")
        missing = [key for key in required if key not in data]
        unknown = [key for key in data if key not in required + optional]
        if missing or unknown:
            raise InvalidConfigError(f"run spec: missing {missing or 'nothing'}, unknown {unknown or 'nothing'}")
        return cls(run_id=data["run_id"], model=data["model"], dataset=data["dataset"],
                   config=TrainConfig.from_dict(data["config"]),
                   **{key: dict(data.get(key) or {}) for key in optional})

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain data (what ``spec.json`` holds)."""
        return {
            "run_id": self.run_id,
            "model": self.model,
            "dataset": self.dataset,
            "model_options": dict(self.model_options),
            "dataset_options": dict(self.dataset_options),
            "labels": dict(self.labels),
            "config": self.config.to_dict(),
        }


@dataclass
class RunOutcome:
    """A finished run read back: its spec, per-epoch history and final metrics."""

    spec: RunSpec
    history: pd.DataFrame
    metrics: dict[str, Any]

    @property
    def confusion(self) -> np.ndarray:
        """The test-set confusion matrix (rows true class, columns predicted)."""
        return np.asarray(self.metrics["confusion"], dtype=np.int64)


def is_finished(folder: str | os.PathLike) -> bool:
    """Whether ``folder`` holds a finished run (its metrics.json exists)."""
    return (Path(folder) / "metrics.json").is_file()


def save_run(folder: str | os.PathLike, spec: RunSpec | None, history: pd.DataFrame, metrics: dict[str, Any]) -> Path:
    """Write a finished run: spec, then history, then metrics last (atomic writes)."""
    folder = Path(folder)
    if spec is not None:
        write_json(folder / "spec.json", spec.to_dict())
    write_csv(folder / "history.csv", history)
    write_json(folder / "metrics.json", metrics)
    return folder


def load_run(folder: str | os.PathLike, spec: RunSpec) -> RunOutcome:
    """Read a finished run back; its recorded spec must equal ``spec``."""
    folder = Path(folder)
    recorded = read_json(folder / "spec.json")
    _require_same_spec(folder, recorded, spec.to_dict())
    return RunOutcome(spec=spec, history=pd.read_csv(folder / "history.csv"), metrics=read_json(folder / "metrics.json"))


CHECKPOINT_NAME = "checkpoint.pt"  # while a run is in progress
WEIGHTS_NAME = "model.pt"  # the trained model's state dict, once finished


def execute_run(spec: RunSpec, data: ImageDataset, folder: str | os.PathLike, *, force: bool = False) -> RunOutcome:
    """Train the run described by ``spec`` on ``data`` and save it into ``folder``.

    A checkpoint is kept in the folder after every epoch; rerunning an interrupted run continues
    from it (and refuses, naming the fields, when its settings differ). ``force`` discards an
    earlier checkpoint and starts afresh. When finished, the folder holds ``spec.json``,
    ``history.csv``, ``model.pt`` (weights only) and, written last, ``metrics.json``. Under
    ``torchrun`` every rank trains and only rank 0 writes.
    """
    from helpers.device import resolve_device
    from helpers.train import train  # the trainer is the heavy import; keep it out of load paths
    from helpers.train.distributed import context_from_environment

    folder = Path(folder)
    checkpoint = folder / CHECKPOINT_NAME
    distributed = context_from_environment(resolve_device(spec.config.device).type)
    if force and distributed.is_main:
        for stale in (folder / "metrics.json", checkpoint):
            stale.unlink(missing_ok=True)
    distributed.barrier()  # no rank may read a checkpoint that rank 0 is about to discard
    model = create_model(
        spec.model, num_classes=data.num_classes, in_channels=data.in_channels, seed=spec.config.seed, **spec.model_options
    )
    result = train(model, data, spec.config, checkpoint_path=checkpoint, identity=spec.to_dict(),
                   distributed=distributed, run_labels={"run_id": spec.run_id, "model": spec.model, "dataset": spec.dataset})
    predictions = result.test_logits.argmax(dim=1)
    metrics = {**result.metrics, "labels": spec.labels, "classes": list(data.classes),
               "confusion": confusion_matrix(data.y_test, predictions, data.num_classes).tolist()}
    if distributed.is_main:
        state = {name: tensor.detach().cpu() for name, tensor in result.model.state_dict().items()}
        write_atomic(folder / WEIGHTS_NAME, lambda temporary: torch.save(state, temporary))
        save_run(folder, spec, result.history, metrics)
        checkpoint.unlink(missing_ok=True)
    distributed.barrier()
    return RunOutcome(spec=spec, history=result.history, metrics=metrics)


def run_all(
    specs: Sequence[RunSpec],
    output_dir: str | os.PathLike,
    *,
    data_dir: str | os.PathLike | None = None,
    download: bool = False,
    force: bool = False,
    synthetic_stand_in: bool = False,
    processes_per_run: int = 1,
) -> list[RunOutcome]:
    """Run every spec in order, each into ``output_dir/runs/<run_id>``.

    A run that already finished with the same spec is loaded, not retrained (unless ``force``);
    one whose recorded spec differs raises, naming the fields. Datasets are loaded once and
    shared by the runs that use the same dataset options. With ``synthetic_stand_in`` a dataset
    that is not on disk is replaced by synthetic data of its shape and class count, and its notes
    say so (the smoke profile uses this for CIFAR-100, which is not embedded).

    With ``processes_per_run`` > 1 each run is trained by ``torchrun`` in a subprocess, data-parallel
    over that many processes (one GPU each, or gloo processes on a CPU), and read back when done.
    """
    run_ids = [spec.run_id for spec in specs]
    duplicates = sorted({run_id for run_id in run_ids if run_ids.count(run_id) > 1})
    if duplicates:
        raise InvalidConfigError(f"duplicate run ids: {', '.join(duplicates)}")
    runs_dir = check_writable(Path(output_dir) / "runs")
    datasets: dict[str, ImageDataset] = {}
    outcomes = []
    for spec in specs:
        folder = runs_dir / spec.run_id
        if is_finished(folder) and not force:
            outcomes.append(load_run(folder, spec))
            continue
        if processes_per_run > 1:
            outcomes.append(execute_run_with_torchrun(spec, folder, processes=processes_per_run, data_dir=data_dir,
                                                      download=download, force=force))
            continue
        key = repr((spec.dataset, sorted(spec.dataset_options.items())))
        if key not in datasets:
            datasets[key] = _load(spec, data_dir=data_dir, download=download, synthetic_stand_in=synthetic_stand_in)
        outcomes.append(execute_run(spec, datasets[key], folder, force=force))
    return outcomes


def torchrun_command(spec_path: Path, folder: Path, *, processes: int, data_dir=None, download: bool = False,
                     force: bool = False) -> list[str]:
    """The ``torchrun`` command line that trains the run in ``spec_path`` into ``folder`` on one node."""
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}",
               "-m", "helpers.train", "--spec", str(spec_path), "--out", str(folder)]
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]
    return command + (["--download"] if download else []) + (["--force"] if force else [])


def execute_run_with_torchrun(spec: RunSpec, folder: Path, *, processes: int, data_dir=None, download: bool = False,
                              force: bool = False) -> RunOutcome:
    """Train ``spec`` with ``torchrun`` over ``processes`` processes and read the finished run back.

    The subprocess's output is passed through; a failure raises naming the command and the end
    of its error output. Rerunning after a failure resumes from the run's checkpoint.
    """
    folder.mkdir(parents=True, exist_ok=True)
    spec_path = write_json(folder / "spec.json", spec.to_dict())
    command = torchrun_command(spec_path, folder, processes=processes, data_dir=data_dir, download=download,
                               force=force)
    completed = subprocess.run(command, capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
    print(completed.stdout, end="")
    if completed.returncode != 0:
        tail = "\n".join(completed.stderr.strip().splitlines()[-15:])
        raise DistributedRunError(f"torchrun failed for run {spec.run_id} (exit {completed.returncode}); "
                                  f"rerun to resume from its checkpoint.\ncommand: {' '.join(command)}\n{tail}")
    return load_run(folder, spec)


def _load(spec: RunSpec, *, data_dir, download: bool, synthetic_stand_in: bool) -> ImageDataset:
    try:
        return load_dataset(spec.dataset, data_dir=data_dir, download=download, **spec.dataset_options)
    except DataNotFoundError:
        if not synthetic_stand_in:
            raise
    return synthetic_stand_in_for(spec.dataset, spec.dataset_options)


def synthetic_stand_in_for(name: str, dataset_options: dict[str, Any]) -> ImageDataset:
    """Synthetic data with the class count and image shape that ``name`` would have had."""
    classes = CLASS_NAMES[name]
    grey = name in ("mnist", "fashion_mnist") and not dataset_options.get("to_rgb", False)
    natural_size = {"mnist": 28, "fashion_mnist": 28, "caltech101": 64}.get(name, 32)
    train_per_class = dataset_options.get("train_per_class") or 50
    test_per_class = dataset_options.get("test_per_class") or 20
    val_fraction = dataset_options.get("val_fraction", 0.0)
    options = {
        "num_classes": len(classes),
        "image_size": dataset_options.get("image_size") or natural_size,
        "channels": 1 if grey else 3,
        "train_size": round(train_per_class * len(classes) / (1 - val_fraction)),
        "test_size": test_per_class * len(classes),
    }
    data = load_dataset("synthetic", synthetic_options=options, val_fraction=val_fraction,
                        seed=dataset_options.get("seed", 0))
    note = f"SYNTHETIC STAND-IN for {name}: the real data was not found, so these numbers say nothing about {name}"
    return data.with_changes(name=name, classes=classes, notes=(note, *data.notes))


def _require_same_spec(folder: Path, recorded: dict[str, Any], wanted: dict[str, Any]) -> None:
    differences = nested_differences(recorded, wanted)
    if differences:
        listed = "; ".join(f"{name}: {old!r} there, {new!r} now" for name, (old, new) in differences.items())
        raise InvalidConfigError(
            f"{folder} holds a finished run with different settings ({listed}); "
            "use another output folder or force a rerun"
        )
