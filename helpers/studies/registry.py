"""The one list of studies: id, title, notebook, package and datasets of each.

The batch runner, the index page, results.csv, the plan command's study choices, the notebooks'
parameter checks and the tests read :data:`STUDIES`; no other module spells a study id. Importable
without torch: a study's package is imported only when :meth:`Study.module` asks for it.

A new study is one line here, its package under ``helpers/studies/`` (the modules ``paper``,
``recipe``, ``tables``, ``figures``, ``findings`` and ``conclusion``), its notebook and its tests.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from helpers.errors import UnknownNameError


@dataclass(frozen=True)
class Study:
    """One study: ``id`` ("01"), the report's ``title``, the ``notebook`` file under notebooks/,
    the ``package`` under helpers/studies/, the ``datasets`` (load_dataset names) it trains on, and
    those of them that are ``optional`` at the ``cpu`` profile (left out when not on disk; the
    report says "not available")."""

    id: str
    title: str
    notebook: str
    package: str
    datasets: tuple[str, ...]
    optional: tuple[str, ...] = ()

    def datasets_needed(self, profile: str) -> tuple[str, ...]:
        """The datasets a whole run of the study at ``profile`` cannot do without (the batch runner
        checks they are on disk before a profile that does not download them starts)."""
        return tuple(name for name in self.datasets if not (profile == "cpu" and name in self.optional))

    @property
    def module_name(self) -> str:
        """The study package's import path (``helpers.studies.s01_depth``)."""
        return f"{__package__}.{self.package}"

    def module(self) -> ModuleType:
        """The study package, imported (it imports torch)."""
        return importlib.import_module(self.module_name)


STUDIES: tuple[Study, ...] = (
    Study("01", "Study 1: ResNet-18 vs ResNet-50 on CIFAR-10", "01_resnet18_vs_resnet50.ipynb", "s01_depth",
          ("cifar10",)),
    Study("02", "Study 2: ResNet vs LeNet-5 vs AlexNet on MNIST and CIFAR-10", "02_resnet_lenet_alexnet.ipynb",
          "s02_plain_nets", ("mnist", "cifar10")),
    Study("03", "Study 3: AlexNet, VGG19 and ResNet-18/34/50 from scratch on Fashion-MNIST, CIFAR-10 and CIFAR-100",
          "03_cross_dataset.ipynb", "s03_cross_dataset", ("fashion_mnist", "cifar10", "cifar100"),
          optional=("cifar100",)),  # s03_cross_dataset.data.OPTIONAL_DATASETS
    Study("04", "Study 4: ResNet-50 tweaks and training refinements on Caltech-101", "04_caltech101_tweaks.ipynb",
          "s04_caltech_tweaks", ("caltech101",)),
    Study("05", "Study 5: ResNets under 5 million parameters on CIFAR-10", "05_sub5m_resnet.ipynb",
          "s05_small_resnets", ("cifar10",)),
)


def study_ids() -> tuple[str, ...]:
    """Every study id, in order ("01", "02", ...)."""
    return tuple(study.id for study in STUDIES)


def find_study(study_id: str) -> Study:
    """The study with id ``study_id`` ("4" is read as "04"); an unknown id raises listing the known."""
    key = study_id.zfill(2) if study_id.isdigit() else study_id
    for study in STUDIES:
        if study.id == key:
            return study
    raise UnknownNameError("study id", study_id, study_ids())


def registered_study(study_id: str, notebook: str) -> Study | None:
    """Study ``study_id`` when ``notebook`` (a file name) is its registered notebook; None for any
    other notebook (the batch runner also runs folders of other notebooks)."""
    return next((study for study in STUDIES if (study.id, study.notebook) == (study_id, notebook)), None)


def registered_title(study_id: str, notebook: str) -> str | None:
    """The registered title of study ``study_id`` when ``notebook`` (a file name) is its registered
    notebook; None for any other notebook (the batch runner also runs folders of other notebooks)."""
    study = registered_study(study_id, notebook)
    return study.title if study else None


def study_of_package(module_name: str) -> Study:
    """The study whose package is ``module_name`` (a study package's ``__name__``)."""
    package = module_name.rsplit(".", 1)[-1]
    for study in STUDIES:
        if study.package == package:
            return study
    raise UnknownNameError("study package", package, (study.package for study in STUDIES))


def study_datasets(study_id: str) -> tuple[str, ...]:
    """The datasets registered for study ``study_id``; none for an id that is not registered (the
    batch runner also runs folders of other notebooks)."""
    return next((study.datasets for study in STUDIES if study.id == study_id), ())
