"""The flags of ``python -m helpers.runs`` that set a run's config, model and dataset, generated
from what they set so that the command line cannot lag the library:

- every :class:`~helpers.config.TrainConfig` field, its help the field's documentation (its
  ``metadata["help"]``);
- every option of :class:`~helpers.models.ResNet`, its help the class docstring's ``Args``, and
  ``--weights`` (:func:`~helpers.models.create_model`'s pretrained weights);
- every :class:`~helpers.data.DataOptions` field (the options of :func:`helpers.data.load_dataset`)
  but the seed, its help the field's documentation (its ``metadata["help"]``).

Each flag is ``--`` and the name with ``-`` for ``_``; booleans take ``--x/--no-x``. A flag not
given leaves its value out (``None``), so :func:`given_options` returns only what was typed and a
spec built from it equals one built without the flag. Names are checked by the library, not by
argparse, so a wrong one is refused in the library's words (``unknown stem 'huge'``).
"""

from __future__ import annotations

import argparse
import collections.abc
import dataclasses
import inspect
import json
import re
import types
import typing
from typing import Any

from helpers.config import DEVICES, OPTIMIZERS, PRECISIONS, PROGRESS_MODES, SCHEDULERS, TrainConfig, augmentation_names
from helpers.data.options import NORMALIZATIONS, DataOptions
from helpers.models.alexnet import AlexNet
from helpers.models.pretrained import WEIGHTS_CHOICES
from helpers.models.resnet import BLOCK_TYPES, RESNET_OPTIONS, STEMS, ResNet

CONFIG, MODEL, DATASET = "config", "model", "dataset"  # the parts of a run spec the flags set
# DataOptions fields without a flag: the subsets and splits are drawn with the config's seed. (The
# dataset's name, --download and --samples, which choose where data comes from, not what a run is,
# are load_dataset's own arguments and have flags of their own.)
DATASET_OPTIONS_SET_ELSEWHERE = ("seed",)
CHOICES = {
    (CONFIG, "optimizer"): OPTIMIZERS, (CONFIG, "scheduler"): SCHEDULERS, (CONFIG, "device"): DEVICES,
    (CONFIG, "precision"): PRECISIONS, (CONFIG, "progress"): PROGRESS_MODES,
    (CONFIG, "augmentation"): augmentation_names(), (MODEL, "stem"): STEMS, (MODEL, "block"): BLOCK_TYPES,
    (DATASET, "normalization"): NORMALIZATIONS,
}
# Flags older than the generated ones, each still accepted: flag -> (part, name, value it sets).
ALIASES = {"--native-convs": (CONFIG, "small_map_convs", False)}


OTHER_MODEL_CLASSES = (AlexNet,)  # architectures with options of their own (VGG19 and LeNet-5 have none)


def add_config_options(parser: argparse.ArgumentParser) -> None:
    """A flag for every TrainConfig field, and the older aliases of some."""
    group = parser.add_argument_group("training config", "helpers.config.TrainConfig: a flag not given keeps "
                                      "the field's default")
    hints = typing.get_type_hints(TrainConfig)
    for field in dataclasses.fields(TrainConfig):
        _add(group, CONFIG, field.name, hints[field.name], field.metadata["help"], default=field.default)
        for flag, (part, name, value) in ALIASES.items():
            if (part, name) == (CONFIG, field.name):
                generated = _flag(name) if value else f"--no-{_flag(name)[2:]}"
                group.add_argument(flag, dest=f"{part}.{name}", action="store_const", const=value, default=None,
                                   help=f"the same as {generated}")


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """A flag for every ResNet option, then for the options of the other architectures that the
    ResNet lacks (AlexNet's ``classifier_width``); given ones go into the spec's ``model_options``."""
    group = parser.add_argument_group("model options", "helpers.models.ResNet's flags, then AlexNet's own: those "
                                      "given go into the spec's model_options, the others keep the model's own "
                                      "(--dropout also sets AlexNet's)")
    hints = typing.get_type_hints(ResNet.__init__)
    documentation = docstring_arguments(ResNet)
    for name in RESNET_OPTIONS:
        _add(group, MODEL, name, hints[name], documentation[name])
    for name, (hint, text) in other_model_options().items():
        _add(group, MODEL, name, hint, f"{text} (AlexNet)")
    group.add_argument("--weights", dest=f"{MODEL}.weights", default=None, metavar="PATH|imagenet",
                       help=f"start from pretrained weights (ResNet-18/34/50 for imagenet): {WEIGHTS_CHOICES}; "
                            "the data is then normalised with ImageNet's statistics unless --normalization is given")


def other_model_options() -> dict[str, tuple[Any, str]]:
    """``{option: (type hint, documentation)}`` of the non-ResNet architectures' keyword-only
    options that the ResNet does not share, read from their classes' signatures and docstrings."""
    options = {}
    for model_class in OTHER_MODEL_CLASSES:
        hints, documentation = typing.get_type_hints(model_class.__init__), docstring_arguments(model_class)
        for name, parameter in inspect.signature(model_class.__init__).parameters.items():
            if parameter.kind is inspect.Parameter.KEYWORD_ONLY and name not in RESNET_OPTIONS:
                options[name] = (hints[name], documentation[name])
    return options


def add_dataset_options(parser: argparse.ArgumentParser) -> None:
    """A flag for every :class:`~helpers.data.DataOptions` field except those set otherwise
    (:data:`DATASET_OPTIONS_SET_ELSEWHERE`), its help the field's documentation, with
    ``--limit-train/--limit-test``: a subset of N images in all, converted to images per class."""
    group = parser.add_argument_group("data", "helpers.data.load_dataset's options")
    hints = typing.get_type_hints(DataOptions)
    for field in dataclasses.fields(DataOptions):
        if field.name not in DATASET_OPTIONS_SET_ELSEWHERE:
            _add(group, DATASET, field.name, hints[field.name], field.metadata["help"])
    group.add_argument("--limit-train", type=int, metavar="N", help="class-balanced subset of N training images")
    group.add_argument("--limit-test", type=int, metavar="N", help="class-balanced subset of N test images")


def given_options(arguments: argparse.Namespace, part: str) -> dict[str, Any]:
    """The values of ``part``'s flags (``"config"``, ``"model"`` or ``"dataset"``) that were given."""
    prefix = f"{part}."
    return {dest.removeprefix(prefix): value for dest, value in vars(arguments).items()
            if dest.startswith(prefix) and value is not None}


def docstring_arguments(documented: object) -> dict[str, str]:
    """The ``Args:`` section of a Google-style docstring as ``{name: text}``, each text on one
    line and without reStructuredText's double back-quotes."""
    lines = (inspect.getdoc(documented) or "").splitlines()
    arguments: dict[str, list[str]] = {}
    inside = False
    for line in lines:
        if line.strip() == "Args:":
            inside = True
        elif inside and line.strip() and not line.startswith("    "):
            break  # the next section
        elif inside and (entry := re.match(r"^ {4}(\w+): (.*)$", line)):
            arguments[entry.group(1)] = [entry.group(2)]
        elif inside and line.strip() and arguments:
            arguments[list(arguments)[-1]].append(line.strip())
    return {name: _plain(" ".join(words)) for name, words in arguments.items()}


def json_object(text: str) -> dict[str, Any]:
    """A flag's value read as a JSON object (argparse names this function when it raises)."""
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError(f"{text!r} is not a JSON object")
    return value


def _add(group: argparse._ArgumentGroup, part: str, name: str, hint: Any, documentation: str, *,
         default: Any = None) -> None:
    """Add ``--name`` to ``group``; its help is ``documentation``, then the choices and default."""
    help_text = documentation.rstrip(".")
    if (part, name) in CHOICES:
        help_text += f"; one of {', '.join(CHOICES[part, name])}"
    if default is not None:
        help_text += f" (default: {default})"
    group.add_argument(_flag(name), dest=f"{part}.{name}", default=None, help=help_text.replace("%", "%%"),
                       **_value_arguments(hint, name))


def _plain(text: str) -> str:
    """``text`` without reStructuredText markup: ``:func:`~a.b``` -> a.b, ````x```` -> x."""
    return re.sub(r":\w+:`~?([^`]+)`", r"\1", text).replace("``", "")


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _value_arguments(hint: Any, name: str) -> dict[str, Any]:
    """How argparse reads a value of type ``hint`` (``X | None`` reads as ``X``)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        hint = next(kind for kind in typing.get_args(hint) if kind is not type(None))
    if hint is bool:
        return {"action": argparse.BooleanOptionalAction}
    if hint in (int, float):
        return {"type": hint, "metavar": "N" if hint is int else "X"}
    if typing.get_origin(hint) in (collections.abc.Sequence, list, tuple):
        return {"type": typing.get_args(hint)[0], "nargs": "+", "metavar": "N"}
    if hint is dict or typing.get_origin(hint) is dict:
        return {"type": json_object, "metavar": "JSON"}
    return {"metavar": "DIR" if name.endswith("_dir") else "NAME"}
