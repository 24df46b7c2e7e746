"""A study's training recipe, declared once: the TrainConfig fields of each profile, which of them
the paper states, and each profile's dataset options. From it come both the configs that train
and the "source" column of the settings table, so the table cannot drift from the training.

The ``paper`` profile is the paper's recipe: its own values where it states them, chosen ones
where it is silent. Every other profile lists only what it changes. A run's config is, in this
order: the profile's fields, the notebook's ``epochs`` / ``batch_size``, the run's ``changes``
(what sets it apart from the study's other runs: a refinement, a grid point), then the seed, the
device and the progress mode from the notebook's parameters.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from helpers.config import TrainConfig, field_names
from helpers.errors import InvalidConfigError
from helpers.studies.common.parameters import CHOSEN, PAPER, PROFILES, StudyParameters

PAPER_PROFILE = "paper"
REQUIRED = ("epochs", "batch_size", "optimizer", "lr", "weight_decay", "augmentation")  # every recipe declares these
# A field a recipe leaves out takes its plain value here, not TrainConfig's default: those are a
# short recipe of their own, tuned for the library, and may change without a study noticing.
BASE = dict(momentum=0.9, nesterov=False, scheduler="none", warmup_epochs=0.0, label_smoothing=0.0, mixup_alpha=0.0,
            grad_clip_norm=0.0, crop_padding=4, concat_original=False, precision="auto", restore_best=False,
            tta_flip=False)
# Adam in a profile that otherwise trains with SGD: without SGD's weight decay and Nesterov (add the lr).
ADAM = dict(optimizer="adam", weight_decay=0.0, nesterov=False)
OVERRIDES = ("epochs", "batch_size")  # StudyParameters fields that replace the TrainConfig field of that name
WORDS = {"lr": "learning rate"}  # field -> how a source names it (default: the name with spaces)


@dataclass(frozen=True)
class Recipe:
    """How a study trains at each profile, and what its paper states.

    ``paper``: the TrainConfig fields of the ``paper`` profile, at least :data:`REQUIRED` (the
    others take their :data:`BASE` value). ``stated``: those of its fields the paper states (their
    source is "paper"; the others are chosen). ``profiles``: per other profile, the fields it
    changes. ``data``: per profile, options of ``load_dataset``. ``notes``: per chosen field, why
    it has its value (shown in its source).
    """

    paper: Mapping[str, Any]
    stated: tuple[str, ...] = ()
    profiles: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    data: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = [name for fields in (self.paper, *self.profiles.values()) for name in fields] + list(self.notes)
        problems = [f"unknown field {name!r}" for name in sorted(set(names)) if name not in field_names()]
        problems += [f"stated {name!r} is not in paper" for name in self.stated if name not in self.paper]
        problems += [f"paper lacks {name!r}" for name in REQUIRED if name not in self.paper]
        problems += [f"unknown profile {name!r}" for name in [*self.profiles, *self.data] if name not in PROFILES]
        if problems:
            raise InvalidConfigError(f"recipe: {'; '.join(problems)}")
        for profile in PROFILES:  # a wrong type or value raises at import, not in the middle of a study
            TrainConfig.from_dict(self.fields(profile))

    def fields(self, profile: str) -> dict[str, Any]:
        """The TrainConfig fields of ``profile``: the base, the paper's recipe, the profile's changes."""
        return {**BASE, **self.paper, **self.profiles.get(profile, {})}

    def dataset_options(self, profile: str) -> dict[str, Any]:
        """The ``load_dataset`` options of ``profile`` (a fresh dict)."""
        return dict(self.data.get(profile, {}))

    def variant(self, profile: str | None = None, **fields: Any) -> Recipe:
        """This recipe with ``fields`` set in every profile, or only in ``profile``."""
        if profile == PAPER_PROFILE:
            return dataclasses.replace(self, paper={**self.paper, **fields})
        profiles = {name: dict(self.profiles.get(name, {})) for name in PROFILES if name != PAPER_PROFILE}
        for name in profiles if profile is None else [profile]:
            profiles[name].update(fields)
        paper = {**self.paper, **fields} if profile is None else self.paper
        return dataclasses.replace(self, paper=paper, profiles=profiles)


def train_config(recipe: Recipe, parameters: StudyParameters, *, seed: int,
                 changes: Mapping[str, Any] | None = None) -> TrainConfig:
    """The config of one run of ``recipe`` at ``parameters.profile`` (see the module's docstring)."""
    values = recipe.fields(parameters.profile)
    values.update({name: getattr(parameters, name) for name in OVERRIDES if getattr(parameters, name) is not None})
    values.update(changes or {})
    values.update(seed=seed, device=parameters.device, progress=parameters.progress)
    if parameters.torchrun_processes > 1:  # the notebook's processes win over a recipe's
        values["processes"] = parameters.torchrun_processes
    epochs = values["epochs"]
    if values["warmup_epochs"] > epochs:  # a run shorter than its warm-up warms up over all of it
        values["warmup_epochs"] = float(epochs)
    return TrainConfig.from_dict(values)


def source(recipe: Recipe, parameters: StudyParameters, *fields: str,
           changes: Mapping[str, Any] | None = None) -> str:
    """Where the values of ``fields`` (the TrainConfig fields one settings row shows) come from.

    - ``paper``: the paper states every one and the run uses the paper's value;
    - ``<profile> profile (paper profile: <value>)``, or ``notebook parameter (...)``: a stated
      value that the profile or the notebook changed;
    - ``paper (<field>: not stated in the paper; chosen)``: a row mixing stated and chosen values;
    - ``not stated in the paper; chosen``, with the profile when it departs from the paper
      profile's choice and the recipe's note: the paper states none of them.
    """
    changes = dict(changes or {})
    config = train_config(recipe, parameters, seed=0, changes=changes).to_dict()
    reference = TrainConfig.from_dict({**recipe.fields(PAPER_PROFILE), **changes}).to_dict()
    overridden = {name for name in OVERRIDES if getattr(parameters, name) is not None and name not in changes}
    departed = [name for name in fields if config[name] != reference[name]]
    by = "notebook parameter" if overridden & set(departed) else f"{parameters.profile} profile"
    stated_departed = [name for name in departed if name in recipe.stated]
    if stated_departed:
        values = (str(reference[name]) if len(fields) == 1 else f"{_word(name)} {reference[name]}"
                  for name in stated_departed)
        return f"{by} (paper profile: {', '.join(values)})"
    chosen = [name for name in fields if name not in recipe.stated]
    if not chosen:
        return PAPER
    if len(chosen) < len(fields):
        return f"{PAPER} ({', '.join(map(_word, chosen))}: {CHOSEN})"
    qualifiers = ([by] if departed else []) + [recipe.notes[name] for name in chosen if name in recipe.notes]
    return f"{CHOSEN} ({'; '.join(qualifiers)})" if qualifiers else CHOSEN


def describe_subset(options: Mapping[str, Any], *, test_word: str = "test") -> str | None:
    """'20 train / 10 test images per class' for a class-balanced subset; None for all images."""
    if "train_per_class" not in options:
        return None
    return f"{options['train_per_class']} train / {options['test_per_class']} {test_word} images per class"


def images_row(recipe: Recipe, parameters: StudyParameters, *, everything: str,
               test_word: str = "test") -> tuple[str, str, str]:
    """The settings row 'images used': the embedded samples (the smoke profile), the profile's
    class-balanced subset, or ``everything``; never the full data's sizes for a run that had less."""
    subset = describe_subset(recipe.dataset_options(parameters.profile), test_word=test_word)
    source = f"{parameters.profile} profile (paper profile: all images)"
    if parameters.samples:
        sample = "the embedded samples (data/samples), not the full dataset"
        return ("images used", f"{sample}: {subset}" if subset else f"{sample}: every image they hold", source)
    if subset is None:
        return ("images used", everything, PAPER)
    return ("images used", subset, source)


def _word(name: str) -> str:
    return WORDS.get(name, name.replace("_", " "))
