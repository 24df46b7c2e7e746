"""Command line: train one registered model on one dataset and write its history and metrics.

    python -m helpers.runs --model resnet18 --dataset cifar10 --data-dir ../shared/data \\
        --limit-train 2000 --limit-test 1000 --epochs 2 --out /tmp/r

writes ``/tmp/r/history.csv`` (a row per epoch), ``/tmp/r/metrics.json``, ``/tmp/r/spec.json`` and
``/tmp/r/model.pt``. A checkpoint is saved after every epoch: the same command continues an
interrupted run, and prints a finished one's results without retraining (``--force`` retrains).
The dataset must be the real one, found on disk or downloaded by torchvision (``--no-download``
turns that off); ``--samples`` trains on the embedded sample instead, and says so. One process at a
time writes a run folder (``--wait`` waits for the other). Bad input is reported as one line on
stderr (no traceback) with exit status 2, before anything is created.

Every config field, ResNet option and dataset option is a flag, generated from the field or option
itself (:mod:`helpers.runs.cli_options`); ``--spec FILE`` trains a run that a study planned
(``python -m helpers.studies plan``), with the flags given overriding its values.

``--weights PATH`` (a torchvision-layout state dict) or ``--weights imagenet`` fine-tunes from
pretrained weights; the images are then normalised with ImageNet's statistics unless
``--normalization`` says otherwise, and metrics.json's ``weights`` says what was loaded::

    python -m helpers.runs --model resnet50 --dataset caltech101 --stem imagenet --stride-in-3x3 \
        --weights resnet50.pth --epochs 10 --out /tmp/finetune
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
from collections.abc import Sequence
from typing import Any

import torch

from helpers import __version__
from helpers.commands import OneLineArgumentParser, run_command
from helpers.config import TrainConfig
from helpers.data import available_datasets, load_dataset
from helpers.data.constants import CLASS_NAMES, NATIVE_IMAGE_SIZES
from helpers.data.locate import locate_dataset, search_dirs
from helpers.data.options import GREY_DATASETS, MAX_IMAGE_SIZE, MAX_IMAGES_PER_CLASS, synthetic_settings
from helpers.device import resolve_device
from helpers.errors import InvalidConfigError, check_choice
from helpers.io import check_writable, folder_lock, read_json
from helpers.models import available_models, create_model
from helpers.runs import cli_options
from helpers.runs.cli_options import CONFIG, DATASET, MODEL, given_options
from helpers.runs.execute import describe_origin, execute_run
from helpers.runs.spec import RunSpec, is_finished, load_run
from helpers.train.distributed import context_from_environment, launched_by_torchrun, shutdown


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m helpers.runs``: the run's own flags here, a flag for
    every config field, model option and dataset option from :mod:`helpers.runs.cli_options`."""
    parser = OneLineArgumentParser(prog="python -m helpers.runs", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=f"helpers {__version__}, torch {torch.__version__}")
    run = parser.add_argument_group("the run")
    run.add_argument("--model", help="a registered model name (see helpers.models.available_models)")
    run.add_argument("--dataset", help="cifar10, cifar100, mnist, fashion_mnist, caltech101 or synthetic")
    run.add_argument("--spec", metavar="FILE", help="a run's spec.json (model, dataset, options, config) to train; "
                                                    "the options below that are given override its values")
    run.add_argument("--out", required=True, help="output folder for history.csv and metrics.json")
    run.add_argument("--force", action="store_true",
                     help="start afresh even if --out holds a finished or interrupted run")
    run.add_argument("--wait", action="store_true", help="wait for another process that is writing --out")
    run.add_argument("--data-dir", default=None,
                     help="folder holding the dataset (else $HELPERS_DATA_DIR, else data/)")
    run.add_argument("--download", action=argparse.BooleanOptionalAction, default=True,
                     help="download with torchvision when the data is not found (default: yes)")
    run.add_argument("--samples", action="store_true",
                     help="train on the embedded sample (data/samples), not the full dataset: a pipeline check")
    cli_options.add_dataset_options(parser)
    cli_options.add_config_options(parser)
    cli_options.add_model_options(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status (2 for bad input, 130 when interrupted)."""
    return run_command(lambda: _run(build_parser().parse_args(argv)),
                       interrupted="the same command continues from the last finished epoch")


def spec_from_command_line(argv: Sequence[str]) -> RunSpec:
    """The run spec that the command line ``argv`` describes, checked (its model and dataset
    options too); reads ``--spec``'s file if given, and no data, and creates nothing."""
    return _checked_spec(build_parser().parse_args(argv))


def _checked_spec(arguments: argparse.Namespace) -> RunSpec:
    spec = _spec_from_file(arguments) if arguments.spec else _spec_from_arguments(arguments)
    _check_spec(spec)
    return spec


def _run(arguments: argparse.Namespace) -> int:
    # Everything is validated before data is read or a model is built.
    spec = _checked_spec(arguments)
    search_dirs(arguments.data_dir)  # a data_dir or $HELPERS_DATA_DIR that is no folder stops here
    if spec.dataset != "synthetic":  # found (or downloaded) before --out is created; else one line
        locate_dataset(spec.dataset, data_dir=arguments.data_dir, download=arguments.download,
                       samples=arguments.samples)
    device = resolve_device(spec.config.device)
    out = check_writable(arguments.out)
    distributed = context_from_environment(device.type)
    try:
        with folder_lock(out, wait=arguments.wait) if distributed.is_main else _no_lock():
            if is_finished(out) and not arguments.force:
                metrics = load_run(out, spec).metrics  # raises, naming the fields, if the settings differ
                message = f"{out} already holds this finished run (pass --force to retrain it):\n"
            else:
                data = load_dataset(spec.dataset, spec.data_options, data_dir=arguments.data_dir,
                                    download=arguments.download, samples=arguments.samples)
                if distributed.is_main:
                    print(describe_origin(data), flush=True)
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


def _check_spec(spec: RunSpec) -> None:
    """Every dataset and model option of ``spec``, checked before a folder is created, and that
    the model takes images of the size the data will have, and that as many processes train it as
    its config names."""
    started = int(os.environ.get("WORLD_SIZE", "1"))
    if started != spec.config.processes:
        raise InvalidConfigError(f"invalid processes {spec.config.processes}: {started} process(es) started; launch "
                                 f"with torchrun --nproc-per-node {spec.config.processes} (or pass --processes "
                                 f"{started})")
    spec.data_options.check_for(spec.dataset)  # data_options refuses unknown and invalid options
    num_classes, channels, size = _expected_data(spec)
    # Builds no weights: only the options are checked, and a --weights file is read and matched
    # against the model (downloaded first, for "imagenet"), so that a wrong one stops here.
    with torch.device("meta"):
        model = create_model(spec.model, num_classes=num_classes, in_channels=channels, **spec.model_options).eval()
        if not _takes(model, channels, size):
            smallest = _smallest_size(model, channels, above=size)
            needs = f"at least {smallest}x{smallest} pixels" if smallest else f"no size up to {MAX_IMAGE_SIZE} pixels"
            raise InvalidConfigError(f"invalid image_size {size}: {spec.model} takes images of {needs}; "
                                     "choose a larger --image-size or another model")


def _expected_data(spec: RunSpec) -> tuple[int, int, int]:
    """The class count, channels and image side that ``spec``'s data will have once loaded, known
    from the dataset's name and options alone (no file is read)."""
    options = spec.data_options
    if spec.dataset == "synthetic":
        settings = synthetic_settings(options.synthetic_options)
        num_classes, channels, size = settings["num_classes"], settings["channels"], settings["image_size"]
    else:
        num_classes = len(CLASS_NAMES[spec.dataset]) + (spec.dataset == "caltech101" and options.include_background)
        channels, size = (1 if spec.dataset in GREY_DATASETS else 3), NATIVE_IMAGE_SIZES[spec.dataset]
    channels = 3 if options.to_rgb else channels
    return num_classes, channels, options.image_size or size


def _smallest_size(model: torch.nn.Module, channels: int, *, above: int) -> int | None:
    """The smallest image side above ``above`` that ``model`` takes (None: none up to the largest
    allowed), found by doubling, then halving the gap (a model that takes a size takes larger ones)."""
    low, high = above, above + 1
    while not _takes(model, channels, high):
        if high >= MAX_IMAGE_SIZE:
            return None
        low, high = high, min(2 * high, MAX_IMAGE_SIZE)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if _takes(model, channels, middle) else (middle, high)
    return high


def _takes(model: torch.nn.Module, channels: int, size: int) -> bool:
    """Whether ``model`` (on the meta device: nothing is computed) runs on images of ``size`` px."""
    try:
        model(torch.empty(2, channels, size, size, device="meta"))
    except NotImplementedError:  # an operation the meta device lacks: nothing known, so nothing refused
        return True
    except RuntimeError:  # torch's "Output size is too small", "Kernel size can't be greater than input size"
        return False
    return True


@contextlib.contextmanager
def _no_lock():
    yield


def _spec_from_arguments(arguments: argparse.Namespace) -> RunSpec:
    """The spec the flags describe; model and dataset options not given are left out, so a spec
    equals the one that an older command line without those flags wrote."""
    if not arguments.model or not arguments.dataset:
        raise InvalidConfigError("--model and --dataset are required (or --spec FILE)")
    config = TrainConfig.from_dict(_config_options(arguments))
    check_choice("model", arguments.model, available_models())
    check_choice("dataset", arguments.dataset, available_datasets())
    dataset_options = {"train_per_class": None, "test_per_class": None, "val_fraction": 0.0, "image_size": None,
                       "seed": config.seed, **_dataset_options(arguments, arguments.dataset)}
    return RunSpec(run_id="cli", model=arguments.model, dataset=arguments.dataset, config=config,
                   model_options=given_options(arguments, MODEL), dataset_options=dataset_options)


def _config_options(arguments: argparse.Namespace) -> dict[str, Any]:
    """The config flags given; under torchrun without ``--processes``, the processes it started
    (they are part of the run's identity: each computes its own batch-norm statistics)."""
    options = given_options(arguments, CONFIG)
    if "processes" not in options and launched_by_torchrun():
        options["processes"] = int(os.environ["WORLD_SIZE"])
    return options


def _spec_from_file(arguments: argparse.Namespace) -> RunSpec:
    """The spec in ``--spec``'s file with every option given on the command line applied."""
    path = arguments.spec
    try:
        spec = RunSpec.from_dict(read_json(path))
    except (OSError, ValueError) as error:
        raise InvalidConfigError(f"--spec {path!r} cannot be read as a run spec: {error}") from error
    model, dataset = arguments.model or spec.model, arguments.dataset or spec.dataset
    check_choice("model", model, available_models())
    check_choice("dataset", dataset, available_datasets())
    return dataclasses.replace(
        spec, model=model, dataset=dataset, config=spec.config.replace(**_config_options(arguments)),
        model_options={**spec.model_options, **given_options(arguments, MODEL)},
        dataset_options={**spec.dataset_options, **_dataset_options(arguments, dataset)})


def _dataset_options(arguments: argparse.Namespace, dataset: str) -> dict[str, Any]:
    """The dataset flags given, ``--limit-train/--limit-test`` converted to images per class."""
    options = given_options(arguments, DATASET)
    num_classes = (synthetic_settings(options.get("synthetic_options"))["num_classes"] if dataset == "synthetic"
                   else len(CLASS_NAMES[dataset]))
    for flag, limit, key in (("--limit-train", arguments.limit_train, "train_per_class"),
                             ("--limit-test", arguments.limit_test, "test_per_class")):
        if limit is not None and key in options:
            raise InvalidConfigError(f"give {flag} or --{key.replace('_', '-')}, not both")
        if limit is not None:
            options[key] = _per_class(flag, limit, num_classes)
    return options


def _per_class(flag: str, limit: int, num_classes: int) -> int:
    if not num_classes <= limit <= num_classes * MAX_IMAGES_PER_CLASS:
        raise InvalidConfigError(f"invalid {flag} {limit}: expected from {num_classes} (one image per class) to "
                                 f"{num_classes * MAX_IMAGES_PER_CLASS:,}")
    return limit // num_classes
