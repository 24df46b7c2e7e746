"""Command line: train one registered model on one dataset and write its history and metrics.

    python -m helpers.train --model resnet18 --dataset cifar10 --data-dir ../shared/data \\
        --limit-train 2000 --limit-test 1000 --epochs 2 --out /tmp/r

writes ``/tmp/r/history.csv`` (a row per epoch), ``/tmp/r/metrics.json``, ``/tmp/r/spec.json`` and
``/tmp/r/model.pt``. A checkpoint is saved after every epoch: the same command continues an
interrupted run, and prints a finished one's results without retraining (``--force`` retrains).
Bad input is reported as one line on stderr (no traceback) with exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from helpers.config import AUGMENTATIONS, DEVICES, OPTIMIZERS, PRECISIONS, SCHEDULERS, TrainConfig
from helpers.data import available_datasets, load_dataset
from helpers.data.constants import CLASS_NAMES
from helpers.device import resolve_device
from helpers.errors import HelpersError, InvalidConfigError, check_choice
from helpers.io import check_writable, read_json
from helpers.models import available_models
from helpers.runs.execute import execute_run
from helpers.runs.spec import RunSpec, is_finished, load_run
from helpers.train.distributed import context_from_environment, shutdown

DEFAULT_CLASS_COUNT = 10  # synthetic data and unknown npz files


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m helpers.train``."""
    defaults = TrainConfig()
    parser = argparse.ArgumentParser(prog="python -m helpers.train", description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="a registered model name (see helpers.models.available_models)")
    parser.add_argument("--dataset", help="cifar10, cifar100, mnist, fashion_mnist, caltech101 or synthetic")
    parser.add_argument("--spec", metavar="FILE",
                        help="a run's spec.json (model, dataset, options, config) instead of the options below")
    parser.add_argument("--data-dir", default=None, help="folder holding the dataset (else $HELPERS_DATA_DIR, else data/)")
    parser.add_argument("--download", action="store_true", help="download with torchvision when the data is not found")
    parser.add_argument("--out", required=True, help="output folder for history.csv and metrics.json")
    parser.add_argument("--force", action="store_true", help="start afresh even if --out holds a finished or interrupted run")
    parser.add_argument("--limit-train", type=int, default=None, help="class-balanced subset of N training images")
    parser.add_argument("--limit-test", type=int, default=None, help="class-balanced subset of N test images")
    parser.add_argument("--val-fraction", type=float, default=0.0, help="stratified validation split of the training set")
    parser.add_argument("--image-size", type=int, default=None, help="resize every image to this square size")
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--lr", type=float, default=defaults.lr)
    parser.add_argument("--optimizer", default=defaults.optimizer, help=f"one of {', '.join(OPTIMIZERS)}")
    parser.add_argument("--momentum", type=float, default=defaults.momentum)
    parser.add_argument("--weight-decay", type=float, default=defaults.weight_decay)
    parser.add_argument("--scheduler", default=defaults.scheduler, help=f"one of {', '.join(SCHEDULERS)}")
    parser.add_argument("--warmup-epochs", type=float, default=defaults.warmup_epochs)
    parser.add_argument("--label-smoothing", type=float, default=defaults.label_smoothing)
    parser.add_argument("--mixup-alpha", type=float, default=defaults.mixup_alpha)
    parser.add_argument("--augmentation", default=defaults.augmentation, help=f"one of {', '.join(AUGMENTATIONS)}")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--device", default=defaults.device, help=f"one of {', '.join(DEVICES)}")
    parser.add_argument("--precision", default=defaults.precision, help=f"one of {', '.join(PRECISIONS)}")
    parser.add_argument("--no-channels-last", action="store_true", help="keep the default NCHW memory format")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model (falls back to eager)")
    parser.add_argument("--sync-batchnorm", action="store_true",
                        help="under torchrun on GPUs: batch-norm statistics over the whole global batch")
    parser.add_argument("--native-convs", action="store_true",
                        help="on the CPU, keep oneDNN for small feature maps instead of the matmul form")
    parser.add_argument("--stem", default=None, help="ResNet stem: cifar, imagenet or deep")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    arguments = build_parser().parse_args(argv)
    try:
        return _run(arguments)
    except HelpersError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _run(arguments: argparse.Namespace) -> int:
    # Everything is validated before data is read or a model is built.
    spec = _spec_from_file(arguments.spec) if arguments.spec else _spec_from_arguments(arguments)
    out = check_writable(arguments.out)
    distributed = context_from_environment(resolve_device(spec.config.device).type)
    try:
        if is_finished(out) and not arguments.force:
            metrics = load_run(out, spec).metrics  # raises, naming the fields, if the settings differ
            message = f"{out} already holds this finished run (pass --force to retrain it):\n"
        else:
            data = load_dataset(spec.dataset, data_dir=arguments.data_dir, download=arguments.download,
                                **spec.dataset_options)
            metrics = execute_run(spec, data, out, force=arguments.force).metrics
            message = ""
    finally:
        shutdown(distributed)
    if distributed.is_main:
        processes = f", {distributed.world_size} processes" if distributed.enabled else ""
        print(
            f"{message}{spec.model} on {spec.dataset}: test top-1 {metrics['test_top1']:.4f}, "
            f"top-5 {metrics['test_top5']:.4f}, {metrics['train_images_per_second']:.1f} img/s "
            f"({metrics['device']}, {metrics['precision']}{processes}), {metrics['wall_seconds']:.1f} s -> {out}"
        )
    return 0


def _spec_from_arguments(arguments: argparse.Namespace) -> RunSpec:

    if not arguments.model or not arguments.dataset:
        raise InvalidConfigError("--model and --dataset are required (or --spec FILE)")
    config = TrainConfig(
        epochs=arguments.epochs, batch_size=arguments.batch_size, optimizer=arguments.optimizer, lr=arguments.lr,
        momentum=arguments.momentum, weight_decay=arguments.weight_decay, scheduler=arguments.scheduler,
        warmup_epochs=arguments.warmup_epochs, label_smoothing=arguments.label_smoothing,
        mixup_alpha=arguments.mixup_alpha, augmentation=arguments.augmentation, seed=arguments.seed,
        device=arguments.device, precision=arguments.precision, channels_last=not arguments.no_channels_last,
        compile=arguments.compile, small_map_convs=not arguments.native_convs,
        sync_batchnorm=arguments.sync_batchnorm,
    )
    check_choice("model", arguments.model, available_models())
    check_choice("dataset", arguments.dataset, available_datasets())
    num_classes = len(CLASS_NAMES.get(arguments.dataset, range(DEFAULT_CLASS_COUNT)))
    dataset_options = {
        "train_per_class": _per_class("--limit-train", arguments.limit_train, num_classes),
        "test_per_class": _per_class("--limit-test", arguments.limit_test, num_classes),
        "val_fraction": arguments.val_fraction,
        "image_size": arguments.image_size,
        "seed": arguments.seed,
    }
    model_options = {"stem": arguments.stem} if arguments.stem else {}
    return RunSpec(run_id="cli", model=arguments.model, dataset=arguments.dataset, config=config,
                   model_options=model_options, dataset_options=dataset_options)


def _spec_from_file(path: str) -> RunSpec:

    try:
        spec = RunSpec.from_dict(read_json(path))
    except (OSError, ValueError) as error:
        raise InvalidConfigError(f"--spec {path!r} cannot be read as a run spec: {error}") from error
    check_choice("model", spec.model, available_models())
    check_choice("dataset", spec.dataset, available_datasets())
    return spec


def _per_class(flag: str, limit: int | None, num_classes: int) -> int | None:
    if limit is None:
        return None
    if limit < num_classes:
        raise InvalidConfigError(f"invalid {flag} {limit}: expected at least one image per class ({num_classes})")
    return limit // num_classes
