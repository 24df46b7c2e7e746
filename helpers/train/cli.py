"""Command line: train one registered model on one dataset and write its history and metrics.

    python -m helpers.train --model resnet18 --dataset cifar10 --data-dir ../shared/data \\
        --limit-train 2000 --limit-test 1000 --epochs 2 --out /tmp/r

writes ``/tmp/r/history.csv`` (a row per epoch), ``/tmp/r/metrics.json`` and ``/tmp/r/spec.json``.
Bad input is reported as one line on stderr (no traceback) with exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from helpers.config import AUGMENTATIONS, DEVICES, OPTIMIZERS, PRECISIONS, SCHEDULERS, TrainConfig
from helpers.errors import HelpersError, InvalidConfigError, check_choice

DEFAULT_CLASS_COUNT = 10  # synthetic data and unknown npz files


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m helpers.train``."""
    defaults = TrainConfig()
    parser = argparse.ArgumentParser(prog="python -m helpers.train", description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, help="a registered model name (see helpers.models.available_models)")
    parser.add_argument("--dataset", required=True, help="cifar10, cifar100, mnist, fashion_mnist, caltech101 or synthetic")
    parser.add_argument("--data-dir", default=None, help="folder holding the dataset (else $HELPERS_DATA_DIR, else data/)")
    parser.add_argument("--download", action="store_true", help="download with torchvision when the data is not found")
    parser.add_argument("--out", required=True, help="output folder for history.csv and metrics.json")
    parser.add_argument("--force", action="store_true", help="retrain even if --out holds a finished run")
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
    from helpers.data import available_datasets
    from helpers.data.constants import CLASS_NAMES
    from helpers.models import available_models
    from helpers.runs import RunSpec, check_writable, execute_run, is_finished

    config = TrainConfig(
        epochs=arguments.epochs, batch_size=arguments.batch_size, optimizer=arguments.optimizer, lr=arguments.lr,
        momentum=arguments.momentum, weight_decay=arguments.weight_decay, scheduler=arguments.scheduler,
        warmup_epochs=arguments.warmup_epochs, label_smoothing=arguments.label_smoothing,
        mixup_alpha=arguments.mixup_alpha, augmentation=arguments.augmentation, seed=arguments.seed,
        device=arguments.device, precision=arguments.precision, channels_last=not arguments.no_channels_last,
        compile=arguments.compile, small_map_convs=not arguments.native_convs,
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
    spec = RunSpec(run_id="cli", model=arguments.model, dataset=arguments.dataset, config=config,
                   model_options=model_options, dataset_options=dataset_options)
    out = check_writable(arguments.out)
    if is_finished(out) and not arguments.force:
        raise InvalidConfigError(f"{out} already holds a finished run (metrics.json); pass --force to retrain it")

    from helpers.data import load_dataset

    data = load_dataset(arguments.dataset, data_dir=arguments.data_dir, download=arguments.download, **dataset_options)
    outcome = execute_run(spec, data, out)
    metrics = outcome.metrics
    print(
        f"{arguments.model} on {arguments.dataset}: test top-1 {metrics['test_top1']:.4f}, top-5 {metrics['test_top5']:.4f}, "
        f"{metrics['train_images_per_second']:.1f} img/s ({metrics['device']}, {metrics['precision']}), "
        f"{metrics['wall_seconds']:.1f} s -> {out}"
    )
    return 0


def _per_class(flag: str, limit: int | None, num_classes: int) -> int | None:
    if limit is None:
        return None
    if limit < num_classes:
        raise InvalidConfigError(f"invalid {flag} {limit}: expected at least one image per class ({num_classes})")
    return limit // num_classes
