"""Executing runs: one spec into its folder (resumable), or a study's list of specs."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from helpers.data import load_dataset
from helpers.data.arrays import ImageDataset
from helpers.data.constants import IMAGENET_MEAN, IMAGENET_STD
from helpers.data.stand_in import synthetic_stand_in_for
from helpers.device import resolve_device
from helpers.errors import DataNotFoundError, InvalidConfigError
from helpers.evaluate import confusion_matrix
from helpers.io import check_writable, save_tensors_atomic
from helpers.models import create_model, load_weights
from helpers.io import read_json
from helpers.runs.identity import PINNED_KEY, data_digest, identity_mismatch, pins
from helpers.runs.predictions import predictions_from_logits, save_predictions
from helpers.runs.spec import (CHECKPOINT_NAME, WEIGHTS_NAME, RunOutcome, RunSpec, is_finished, load_run, save_run,
                               spec_differences)
from helpers.runs.torchrun import execute_run_with_torchrun
from helpers.train import train
from helpers.train.distributed import context_from_environment


def execute_run(spec: RunSpec, data: ImageDataset, folder: str | os.PathLike, *, force: bool = False) -> RunOutcome:
    """Train the run described by ``spec`` on ``data`` and save it into ``folder``.

    A checkpoint is kept in the folder after every epoch but the last (whose result is saved at
    once); rerunning an interrupted run continues
    from it (and refuses, naming the fields, when its settings differ). ``force`` discards an
    earlier checkpoint and starts afresh. When finished, the folder holds ``spec.json``,
    ``history.csv``, ``model.pt`` (weights only), ``predictions.npz``
    (:mod:`helpers.runs.predictions`) and, written last, ``metrics.json``. Under
    ``torchrun`` every rank trains and only rank 0 writes.

    A ``weights`` model option starts the model from pretrained tensors (see
    :mod:`helpers.models.pretrained`); ``metrics["weights"]`` then records their source and how
    many tensors were loaded and initialised (``None`` for a run from scratch). ``data`` must be
    loaded with ``spec.data_options``, which normalises with ImageNet's statistics for pretrained
    weights unless the spec says otherwise; data normalised otherwise raises.
    """
    _check_normalization(spec, data)
    folder = Path(folder)
    checkpoint = folder / CHECKPOINT_NAME
    distributed = context_from_environment(resolve_device(spec.config.device).type)
    if distributed.is_main:
        remove_leftover_temporaries(folder)
    if force and distributed.is_main:
        for stale in (folder / "metrics.json", checkpoint):
            stale.unlink(missing_ok=True)
    distributed.barrier()  # no rank may read a checkpoint that rank 0 is about to discard
    model_options = dict(spec.model_options)
    weights = model_options.pop("weights", None)
    model = create_model(
        spec.model, num_classes=data.num_classes, in_channels=data.in_channels, seed=spec.config.seed, **model_options
    )
    # Loaded here rather than by create_model, to keep the report for metrics.json.
    weights_report = load_weights(model, weights, model_name=spec.model) if weights is not None else None
    if weights_report is not None and distributed.is_main:
        print(weights_report.describe(), flush=True)
    result = train(model, data, spec.config, checkpoint_path=checkpoint, identity=spec.to_dict(),
                   distributed=distributed, checkpoint_last_epoch=False,
                   run_labels={"run_id": spec.run_id, "model": spec.model, "dataset": spec.dataset})
    predictions = predictions_from_logits(result.test_logits, data.y_test)
    if result.val_logits is not None:
        predictions.update(predictions_from_logits(result.val_logits, data.y_val, split="val"))
    metrics = {**result.metrics, "labels": spec.labels, "classes": list(data.classes), "data_origin": data.origin,
               "confusion": confusion_matrix(data.y_test, predictions["test_predicted"], data.num_classes).tolist(),
               "weights": weights_report.to_dict() if weights_report is not None else None}
    pinned = pins(data_digest(data), metrics)
    if distributed.is_main:
        state = {name: tensor.detach().cpu() for name, tensor in result.model.state_dict().items()}
        save_tensors_atomic(folder / WEIGHTS_NAME, state)
        save_predictions(folder, predictions)  # before metrics.json, which marks the run finished
        save_run(folder, spec, result.history, metrics, pinned=pinned)
        checkpoint.unlink(missing_ok=True)
    distributed.barrier()
    return RunOutcome(spec=spec, history=result.history, metrics=metrics, predictions=predictions, pinned=pinned)


EARLIER_RUNS = "earlier-runs"  # under a study's output folder: finished runs it may reuse by identity
REUSE_ONLY_ENV = "HELPERS_REUSE_ONLY"  # non-empty: run_all only loads and reuses finished runs
ALTERNATE_MARK = "~"  # <run id>~2 in EARLIER_RUNS: another finished run of that id (helpers.batch.state)


def run_all(
    specs: Sequence[RunSpec],
    output_dir: str | os.PathLike,
    *,
    data_dir: str | os.PathLike | None = None,
    download: bool = False,
    samples: bool = False,
    force: bool = False,
    synthetic_stand_in: bool = False,
    loaded_data: dict[str, ImageDataset] | None = None,
) -> list[RunOutcome]:
    """Run every spec in order, each into ``output_dir/runs/<run_id>``.

    A run that already finished with the same spec is loaded, not retrained (unless ``force``);
    one whose recorded spec differs raises, naming the fields. A run not finished there is taken
    from ``output_dir/earlier-runs/<run_id>`` (:data:`EARLIER_RUNS`, where the batch runner puts
    the finished runs of a study's earlier attempts) when its identity matches
    (:mod:`helpers.runs.identity`: the spec, the data digest, the training-semantics version); it is
    copied into ``runs/``, and one line at the end lists those reused. One that does not match is
    trained afresh, and a line says why. Datasets are loaded once and
    shared by the runs that use the same dataset options; a line says where each was read. With
    ``samples`` the embedded samples are read instead of the full datasets (the smoke profile).
    With ``synthetic_stand_in`` a dataset that is not there is replaced by synthetic data of its
    shape and class count, and its notes say so (the smoke profile uses this for CIFAR-100, which
    has no embedded sample).

    A run whose config asks for several ``processes`` is trained by ``torchrun`` in a subprocess,
    data-parallel over that many processes (one GPU each, or gloo processes on a CPU), and read back
    when done.

    ``loaded_data``, a dict the caller keeps, shares the loaded datasets between calls (a caller
    that runs one spec at a time loads each dataset once). With ``$HELPERS_REUSE_ONLY`` set
    (:data:`REUSE_ONLY_ENV`; the batch runner's ``--reuse-only``) nothing trains: a run with no
    finished run to load or reuse raises :class:`InvalidConfigError` naming it.
    """
    run_ids = [spec.run_id for spec in specs]
    duplicates = sorted({run_id for run_id in run_ids if run_ids.count(run_id) > 1})
    if duplicates:
        raise InvalidConfigError(f"duplicate run ids: {', '.join(duplicates)}")
    runs_dir = check_writable(Path(output_dir) / "runs")
    datasets: dict[str, ImageDataset] = {} if loaded_data is None else loaded_data

    def data_for(spec: RunSpec) -> ImageDataset:
        key = repr((spec.dataset, spec.data_options))
        if key not in datasets:
            datasets[key] = _load(spec, data_dir=data_dir, download=download, samples=samples,
                                  synthetic_stand_in=synthetic_stand_in)
            print(describe_origin(datasets[key]), flush=True)
        return datasets[key]

    outcomes, reused = [], []
    for spec in specs:
        folder = runs_dir / spec.run_id
        if not force and not is_finished(folder) and _take_earlier_run(
                spec, earlier_candidates(Path(output_dir) / EARLIER_RUNS, spec.run_id), folder, data_for):
            reused.append(spec.run_id)
        if is_finished(folder) and not force:
            outcomes.append(load_run(folder, spec))
            continue
        if os.environ.get(REUSE_ONLY_ENV):
            raise InvalidConfigError(f"run {spec.run_id} has no finished run with its identity to reuse, and "
                                     f"${REUSE_ONLY_ENV} is set, so nothing trains here: train it where its data and "
                                     "device are (python -m helpers.batch.device_runs, or python -m "
                                     "helpers.batch.train_runs), or leave it out with --runs")
        if spec.config.processes > 1:
            outcomes.append(execute_run_with_torchrun(spec, folder, processes=spec.config.processes, data_dir=data_dir,
                                                      download=download, samples=samples, force=force))
            continue
        outcomes.append(execute_run(spec, data_for(spec), folder, force=force))
    if reused:
        print(f"reused {len(reused)} finished run(s) of an earlier attempt (same spec, data and training semantics): "
              + ", ".join(reused), flush=True)
    return outcomes


def earlier_candidates(earlier_runs: Path, run_id: str) -> list[Path]:
    """The finished runs of id ``run_id`` gathered in ``earlier_runs``: ``<run id>``, then its
    alternates ``<run id>~2``, ``~3``, ... (helpers.batch.state.gather_finished_runs), in order."""
    alternates = sorted((path for path in earlier_runs.glob(f"{run_id}{ALTERNATE_MARK}*")
                         if path.name[len(run_id) + 1:].isdigit()), key=lambda path: int(path.name[len(run_id) + 1:]))
    return [earlier_runs / run_id, *alternates]


def _take_earlier_run(spec: RunSpec, candidates: Sequence[Path], folder: Path, data_for) -> bool:
    """Copy the first finished run of ``candidates`` that is the run ``spec`` asks for (same spec,
    data digest and training semantics) into ``folder`` and return True; else print why none is."""
    reasons = []
    for earlier in candidates:
        if not is_finished(earlier):
            continue
        reason = spec_differences(earlier, spec)
        if reason is None:
            pinned = read_json(earlier / "spec.json").get(PINNED_KEY)
            digest = data_digest(data_for(spec)) if pinned and pinned.get("data_digest") else None
            reason = identity_mismatch(pinned, digest)
        if reason is None:
            if folder.exists():
                shutil.rmtree(folder)  # an unfinished attempt of the same run: the finished one replaces it
            shutil.copytree(earlier, folder)
            return True
        reasons.append(reason)
    if reasons:
        shown = reasons[0] if len(reasons) == 1 else f"{len(reasons)} of them: " + "; ".join(reasons)
        print(f"{spec.run_id}: an earlier finished run is not reused ({shown}); training it", flush=True)
    return False


def describe_origin(data: ImageDataset) -> str:
    """One line saying which data was loaded and from where (for the terminal and the run log)."""
    origin = data.origin
    where = {"synthetic": "generated synthetic data", "synthetic stand-in": "SYNTHETIC STAND-IN (not on disk)"}.get(
        origin.get("kind"), f"{origin.get('path')}" + (" (embedded sample)" if origin.get("samples") else ""))
    sizes = data.sizes()
    return f"data: {origin.get('dataset', data.name)} from {where}: {sizes['train']:,} train / {sizes['test']:,} test images"


def _check_normalization(spec: RunSpec, data: ImageDataset) -> None:
    """Refuse data not normalised with ImageNet's statistics when the spec's data options ask for them."""
    if spec.data_options.normalization == "imagenet" and (data.mean, data.std) != (IMAGENET_MEAN, IMAGENET_STD):
        raise InvalidConfigError(
            f"run {spec.run_id} wants ImageNet's normalisation (for its pretrained weights), but its data has "
            f"mean {data.mean}, std {data.std}; load the data with load_dataset(..., spec.data_options)")


def remove_leftover_temporaries(folder: Path) -> None:
    """Delete the ``.*.tmp`` files that an interrupted atomic write left in ``folder``."""
    if folder.is_dir():
        for leftover in folder.glob(".*.tmp"):
            leftover.unlink(missing_ok=True)


def _load(spec: RunSpec, *, data_dir, download: bool, samples: bool, synthetic_stand_in: bool) -> ImageDataset:
    options = spec.data_options
    try:
        return load_dataset(spec.dataset, options, data_dir=data_dir, download=download, samples=samples)
    except DataNotFoundError:
        if not synthetic_stand_in:
            raise
    return synthetic_stand_in_for(spec.dataset, options)


