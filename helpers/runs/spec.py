"""One training run on disk: what it was (:class:`RunSpec`) and what it gave (:class:`RunOutcome`).

A run folder holds ``spec.json`` (what to train), ``history.csv`` (a row per epoch) and
``metrics.json`` (final numbers, written last, so its presence means the run finished). The same
layout serves ``python -m helpers.runs --out DIR`` and every study notebook. A finished run whose
files cannot be read (truncated by a full disk or a copy cut short) raises
:class:`~helpers.errors.CorruptDataError` naming the file and what to do; it is never trained over
unasked.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.config import RESULT_NEUTRAL_FIELDS, TrainConfig, nested_differences
from helpers.data.options import DataOptions
from helpers.device import resolve_device
from helpers.errors import CorruptDataError, InvalidConfigError
from helpers.io import read_json, write_csv, write_json
from helpers.runs.identity import PINNED_KEY
from helpers.runs.predictions import load_predictions

CHECKPOINT_NAME = "checkpoint.pt"  # while a run is in progress
WEIGHTS_NAME = "model.pt"  # the trained model's state dict, once finished


@dataclass(frozen=True)
class RunSpec:
    """Everything that defines one training run, as plain data.

    ``dataset_options`` are the :class:`~helpers.data.DataOptions` fields that the run sets, as a
    plain dict (what ``spec.json`` records; :attr:`data_options` is their checked, typed form);
    ``model_options`` are keyword arguments of :func:`helpers.models.create_model` (``weights``
    among them: a path or ``"imagenet"``); ``labels`` are display names for tables (for example
    ``{"model": "ResNet-18", "stem": "imagenet"}``).
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
        # "pinned" (helpers.runs.identity) is what a finished run recorded beside its spec, not part of it.
        unknown = [key for key in data if key not in required + optional + (PINNED_KEY,)]
        if missing or unknown:
            raise InvalidConfigError(f"run spec: missing {missing or 'nothing'}, unknown {unknown or 'nothing'}")
        return cls(run_id=data["run_id"], model=data["model"], dataset=data["dataset"],
                   config=TrainConfig.from_dict(data["config"]),
                   **{key: dict(data.get(key) or {}) for key in optional})

    @property
    def data_options(self) -> DataOptions:
        """The options the run's data is loaded with: ``dataset_options``, plus
        ``normalization="imagenet"`` when the model starts from pretrained ``weights`` and the
        options name no normalisation (pretrained tensors expect inputs normalised as in their
        ImageNet training). Unknown or invalid options raise ``InvalidConfigError``."""
        options = dict(self.dataset_options)
        if self.model_options.get("weights") is not None and "normalization" not in options:
            options["normalization"] = "imagenet"
        return DataOptions.from_mapping(options)

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
    """A finished run read back: its spec, per-epoch history, final metrics, per-image test
    predictions (:mod:`helpers.runs.predictions`; None for a run finished without them) and what it
    pinned beside its spec (:func:`helpers.runs.identity.pins`; None for a run made before pinning)."""

    spec: RunSpec
    history: pd.DataFrame
    metrics: dict[str, Any]
    predictions: dict[str, np.ndarray] | None = field(default=None, repr=False)
    pinned: dict[str, Any] | None = None

    @property
    def confusion(self) -> np.ndarray:
        """The test-set confusion matrix (rows true class, columns predicted)."""
        return np.asarray(self.metrics["confusion"], dtype=np.int64)


def is_finished(folder: str | os.PathLike) -> bool:
    """Whether ``folder`` holds a finished run (its metrics.json exists)."""
    return (Path(folder) / "metrics.json").is_file()


def save_run(folder: str | os.PathLike, spec: RunSpec | None, history: pd.DataFrame, metrics: dict[str, Any],
             *, pinned: dict[str, Any] | None = None) -> Path:
    """Write a finished run: spec (with ``pinned`` under its own key), then history, then metrics
    last (atomic writes)."""
    folder = Path(folder)
    if spec is not None:
        write_json(folder / "spec.json", {**spec.to_dict(), **({PINNED_KEY: pinned} if pinned else {})})
    write_csv(folder / "history.csv", history)
    write_json(folder / "metrics.json", metrics)
    return folder


def load_run(folder: str | os.PathLike, spec: RunSpec) -> RunOutcome:
    """Read a finished run back; its recorded spec must equal ``spec``. A file of the run that is
    missing, truncated or not what it should be raises :class:`CorruptDataError` naming it."""
    folder = Path(folder)
    recorded = read_run_json(folder, "spec.json")
    pinned = recorded.pop(PINNED_KEY, None)
    _require_same_spec(folder, recorded, spec.to_dict())
    metrics = read_run_json(folder, "metrics.json")
    return RunOutcome(spec=spec, history=_read_history(folder), metrics=metrics, predictions=load_predictions(folder),
                      pinned=pinned)


def read_run_json(folder: str | os.PathLike, name: str) -> dict[str, Any]:
    """The JSON object in the run's file ``name`` (spec.json, metrics.json); one that is missing,
    cannot be parsed or holds no object raises :class:`CorruptDataError` naming it."""
    path = Path(folder) / name
    try:
        return _json_object(path)
    except ValueError as error:
        raise damaged_run(path, str(error)) from error


def damaged_run(path: Path, reason: str) -> CorruptDataError:
    """The error for a run file at ``path`` that cannot be read, saying why and what to do."""
    return CorruptDataError(f"{path} cannot be read ({reason}); the run is damaged: delete the run folder "
                            f"{path.parent} to train it again, or rerun with --force")


def _read_history(folder: Path) -> pd.DataFrame:
    path = folder / "history.csv"
    try:
        history = pd.read_csv(path)
    except (OSError, ValueError) as error:  # ValueError: pandas' EmptyDataError and ParserError
        raise damaged_run(path, _reason(error)) from error
    if "epoch" not in history.columns:
        raise damaged_run(path, f"no 'epoch' column; found {', '.join(map(str, history.columns)) or 'none'}")
    return history


def _reason(error: BaseException) -> str:
    """What went wrong reading a file, in one line."""
    if isinstance(error, FileNotFoundError):
        return "it is missing"
    text = error.strerror if isinstance(error, OSError) and error.strerror else str(error) or type(error).__name__
    return " ".join(text.split())


def _json_object(path: Path) -> dict[str, Any]:
    """The JSON object in ``path``; else ValueError saying in one line why there is none."""
    try:
        value = read_json(path)
    except (OSError, ValueError) as error:  # ValueError: JSONDecodeError, UnicodeDecodeError
        raise ValueError(_reason(error)) from error
    if not isinstance(value, dict):
        raise ValueError(f"it holds a JSON {type(value).__name__}, not an object")
    return value


def _same_device(folder: Path, wanted: str) -> bool:
    """Whether the finished run in ``folder`` trained on the device ``wanted`` resolves to here
    (its metrics record the device it used: 'cpu', 'cuda', 'cuda:0', 'mps')."""
    try:
        used = str(read_json(folder / "metrics.json").get("device", ""))
        return used.split(":")[0] == resolve_device(wanted).type
    except (OSError, ValueError, AttributeError, InvalidConfigError):
        return False


def spec_differences(folder: str | os.PathLike, spec: RunSpec) -> str | None:
    """How the finished run in ``folder`` was specified differently from ``spec`` (one line:
    ``config.lr: 0.05 there, 0.1 now``), or None when it is the same run as far as its spec goes
    (result-neutral fields aside). A run whose spec.json or metrics.json cannot be read is no run
    to reuse: the line says which file and why."""
    folder = Path(folder)
    try:
        recorded = _json_object(folder / "spec.json")
    except ValueError as error:
        return f"its spec.json cannot be read ({error})"
    recorded.pop(PINNED_KEY, None)
    try:
        _json_object(folder / "metrics.json")
    except ValueError as error:
        return f"its metrics.json cannot be read ({error})"
    return _listed_differences(folder, recorded, spec.to_dict())


def recorded_config(config: dict[str, Any]) -> dict[str, Any]:
    """A finished run's recorded training config as configs are written today: a run recorded
    before configs named their processes trained on one."""
    return {"processes": 1, **config}


def _listed_differences(folder: Path, recorded: dict[str, Any], wanted: dict[str, Any]) -> str | None:
    if isinstance(recorded.get("config"), dict):
        recorded = {**recorded, "config": recorded_config(recorded["config"])}
    differences = {name: values for name, values in nested_differences(recorded, wanted).items()
                   if name.removeprefix("config.") not in RESULT_NEUTRAL_FIELDS}
    if "config.device" in differences and _same_device(folder, wanted["config"]["device"]):
        del differences["config.device"]  # 'auto' that became the CPU is the run 'cpu' asks for
    return "; ".join(f"{name}: {old!r} there, {new!r} now" for name, (old, new) in differences.items()) or None


def _require_same_spec(folder: Path, recorded: dict[str, Any], wanted: dict[str, Any]) -> None:
    listed = _listed_differences(folder, recorded, wanted)
    if listed:
        raise InvalidConfigError(
            f"{folder} holds a finished run with different settings ({listed}); "
            "use another output folder or force a rerun"
        )
