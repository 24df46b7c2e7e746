"""The checks the batch runner makes before any kernel starts, beyond the command line's own: the
device, the study folders, the notebook parameters' values, the runs patterns of a study run in
part, and the data each study needs (the runs chosen need the study's plan, so torch, imported
only then). Each raises :class:`~helpers.errors.InvalidConfigError` naming the problem.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers.batch.parallel import visible_gpus
from helpers.batch.state import staging_folder
from helpers.data.locate import locate_dataset
from helpers.errors import CorruptDataError, DataNotFoundError, HelpersError, InvalidConfigError
from helpers.studies.common.parameters import DOWNLOADING_PROFILES, SAMPLE_PROFILES, parse_value, run_patterns
from helpers.studies.registry import registered_study

if TYPE_CHECKING:
    from helpers.batch.options import BatchOptions

# What torch's generators take (torch.manual_seed): a seed outside it fails only inside the kernel.
SEED_RANGE = (-(2**63), 2**64 - 1)
# The image_size parameter (study 4), pixels per side. Chosen bounds, not measured limits: the ResNets
# halve the side five times (stride 32), so below 8 px every stage after the second sees 1x1 maps;
# 1024 is over four times the papers' 224 and above the size of the Caltech-101 images themselves.
IMAGE_SIZE_RANGE = (8, 1024)


def check_run_patterns(study: str, options: BatchOptions) -> None:
    """Raise naming the study when one of the ``runs`` patterns matches none of its runs. The
    study's plan needs torch, which the batch runner loads only here, for a study run in part."""
    from helpers.studies.plan_command import check_run_patterns as check_plan

    try:
        check_plan(study, options.profile, run_patterns(options.overrides["runs"]), options.overrides)
    except HelpersError as error:
        raise InvalidConfigError(f"study {study}: {error}") from error


def check_device(device: str) -> None:
    """Raise when ``device`` names a GPU this machine does not have (the notebook would find out
    only after its kernel started). GPUs are counted by ``nvidia-smi``; torch is asked only where
    there is none (this layer loads no torch otherwise)."""
    if device == "cuda" and not visible_gpus() and (shutil.which("nvidia-smi") or not _torch_sees("cuda")):
        raise InvalidConfigError("invalid --device 'cuda': no CUDA GPU is visible here; valid choices here: auto, cpu")
    if device == "mps" and (sys.platform != "darwin" or not _torch_sees("mps")):
        raise InvalidConfigError("invalid --device 'mps': Apple's MPS is not available here; valid choices here: "
                                 "auto, cpu")


def _torch_sees(device: str) -> bool:
    import torch  # only for --device cuda without nvidia-smi, or mps on a Mac

    return torch.cuda.is_available() if device == "cuda" else torch.backends.mps.is_available()


def check_study_folders(out: Path, studies: Sequence[str]) -> None:
    """Raise when a study's folder or staging folder under ``out`` is in the way: a file, a link
    to nothing, or (the staging folder) a link, which the batch makes and removes itself. A study
    folder that links to a folder elsewhere is fine: publishing replaces the folder it points to."""
    for study in studies:
        for folder in (out / study, staging_folder(out / study)):
            if folder.is_symlink() and folder.name.endswith(".partial"):
                raise InvalidConfigError(f"invalid output folder {str(folder)!r}: a symbolic link; the batch makes "
                                         "this staging folder itself (link the study's or the profile's folder)")
            if (folder.exists() or folder.is_symlink()) and not folder.is_dir():
                raise InvalidConfigError(f"invalid output folder {str(folder)!r}: "
                                         + ("a link to nothing" if folder.is_symlink() else "a file, not a folder"))


def check_values(notebook: str, values: Mapping[str, Any]) -> None:
    """What the notebook's own checks do not see before its runs are planned: seeds given twice
    (two runs of one id), seeds outside what torch takes, and an image size out of range."""
    seeds = values.get("seeds")
    if isinstance(seeds, str):
        seeds = parse_value(seeds)
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        seeds = [seeds]
    if isinstance(seeds, (list, tuple)):
        seeds = list(seeds)
        repeated = sorted({seed for seed in seeds if seeds.count(seed) > 1})
        if repeated:
            raise InvalidConfigError(f"{notebook}: invalid seeds {seeds!r}: {', '.join(map(str, repeated))} given "
                                     "twice; expected distinct integers")
        low, high = SEED_RANGE
        for seed in seeds:
            if not low <= seed <= high:
                raise InvalidConfigError(f"{notebook}: invalid seed {seed}: expected an integer from -2**63 to 2**64-1")
    image_size = values.get("image_size")
    low, high = IMAGE_SIZE_RANGE
    if isinstance(image_size, int) and not isinstance(image_size, bool) and not low <= image_size <= high:
        raise InvalidConfigError(f"{notebook}: invalid image_size {image_size}: expected {low} to {high} pixels "
                                 "per side, or None for the profile's")


def check_data(study: str, notebook: Path, options: BatchOptions) -> None:
    """Raise when a dataset the study trains on is not on disk and will not be downloaded (the
    ``cpu`` profile, or ``download=False``): the notebook would stop at its first run. The datasets
    are those of the runs chosen for a study run in part (:func:`chosen_datasets`), else the
    registry's for the profile. The smoke profile reads the embedded samples; notebooks the
    registry does not list are not checked."""
    download = options.overrides.get("download")
    if options.profile in SAMPLE_PROFILES or download or (download is None and options.profile in DOWNLOADING_PROFILES):
        return
    registered = registered_study(study, notebook.name)
    if registered is None:
        return
    in_part = options.overrides.get("runs") is not None
    for dataset in chosen_datasets(study, options) if in_part else registered.datasets_needed(options.profile):
        try:
            locate_dataset(dataset, data_dir=options.data_dir)
        except (DataNotFoundError, CorruptDataError) as error:
            raise InvalidConfigError(f"study {study}: {error}") from error


def chosen_datasets(study: str, options: BatchOptions) -> list[str]:
    """The datasets of the runs a study run in part trains (its plan, which needs torch)."""
    return sorted({spec.dataset for spec in chosen_specs(study, options)})


def chosen_specs(study: str, options: BatchOptions) -> list:
    """The runs the study's notebook plans with these options (those of the ``runs`` patterns for a
    study run in part), as RunSpecs; the plan needs torch, imported here."""
    import inspect

    from helpers.studies.common.parameters import check_parameters
    from helpers.studies.common.selection import select_runs
    from helpers.studies.plan_command import NOTEBOOK_DEFAULTS, planned_runs, study_module

    accepted = set(inspect.signature(check_parameters).parameters) - {"runs", "profile", "output_dir", "data_dir"}
    values = {name: value for name, value in options.overrides.items() if name in accepted}
    parameters = check_parameters(**{**NOTEBOOK_DEFAULTS, **values, "profile": options.profile, "output_dir": ".",
                                     "data_dir": str(options.data_dir) if options.data_dir else None})
    tuning, final = planned_runs(study_module(study), parameters)
    return select_runs([*tuning, *final], list(run_patterns(options.overrides.get("runs")) or ()))
