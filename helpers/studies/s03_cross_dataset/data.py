"""Study 3's data per profile: the image size and validation split of every profile (the paper's,
Section 3.1), the images per class of the ``smoke`` profile (every other profile trains on every
image), the ``load_dataset`` options of each run, and which optional dataset the ``cpu`` profile
cannot train on."""

from __future__ import annotations

from typing import Any

from helpers.data.locate import locate_dataset
from helpers.errors import DataNotFoundError
from helpers.studies.common.parameters import StudyParameters
from helpers.studies.s03_cross_dataset.paper import DATASETS

SPLIT_SEED = 0  # "a specific seed for reproducibility" (Section 3.1); its value is not given
VAL_FRACTION = 0.2  # "a ratio of 0.8:0.2" (Section 3.1)
IMAGE_SIZE = 32  # "all images were resized to 32x32 pixels" (Section 3.1)
SMOKE_IMAGE_SIZE = 16  # smoke: a quarter of the pixels, so that fifteen runs fit in about two minutes on 2 cores
OPTIONAL_DATASETS = ("CIFAR-100",)  # not in ../shared/data: the cpu profile reports it "not available"
# Smoke, (train, test) images per class: every model gets every CIFAR-10 training image of the
# sample (128 per class after the 20 % validation split); on Fashion-MNIST ResNet-18 and AlexNet get
# 100 of its 160, the others 24, for time; every model is tested on the same images. CIFAR-100 has no sample: a
# synthetic stand-in of 1 image per class.
SMOKE_PER_CLASS: dict[str, dict[str, tuple[int, int]]] = {
    "fashion_mnist": {"ResNet-18": (100, 50), "AlexNet": (100, 50), "*": (24, 50)},
    "cifar10": {"*": (128, 40)},
    "cifar100": {"*": (1, 1)},
}


def smoke_per_class(dataset: str, model: str) -> tuple[int, int]:
    """(train, test) images per class of ``model`` on ``dataset`` at the smoke profile."""
    table = SMOKE_PER_CLASS[dataset]
    return table.get(model, table["*"])


def dataset_options(dataset: str, profile: str, model: str = "*") -> dict[str, Any]:
    """Keyword arguments of ``load_dataset`` for ``model`` on ``dataset`` in ``profile``."""
    options: dict[str, Any] = {"image_size": IMAGE_SIZE, "val_fraction": VAL_FRACTION, "seed": SPLIT_SEED}
    if dataset == "fashion_mnist":
        options["to_rgb"] = True  # one input layout for every model: grey repeated to 3 channels
    if profile == "smoke":
        options["image_size"] = SMOKE_IMAGE_SIZE
        options["train_per_class"], options["test_per_class"] = smoke_per_class(dataset, model)
    return options


def unavailable_datasets(parameters: StudyParameters) -> dict[str, str]:
    """The optional datasets (display names: CIFAR-100) that the ``cpu`` profile cannot train on,
    each with why: not on disk, and ``download`` off. Its other datasets must be there (a missing
    one stops the study with the command that fetches it); the other profiles use a synthetic
    stand-in (smoke) or fetch what is missing (quick, paper)."""
    if parameters.profile != "cpu" or parameters.download:
        return {}
    missing = {}
    for label in OPTIONAL_DATASETS:
        dataset = DATASETS[label]
        try:
            locate_dataset(dataset, data_dir=parameters.data_dir)
        except DataNotFoundError:
            missing[label] = f"not available: not in the data folder, and the cpu profile does not download ({dataset})"
    return missing
