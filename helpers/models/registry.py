"""The model registry: every architecture is a lower-case name mapped to a builder function.

A builder takes ``num_classes`` and ``in_channels`` plus its own keyword options and returns a
freshly initialised ``nn.Module`` on the CPU in float32; the trainer picks device, dtype and memory
format. Builders register themselves with :func:`register_model` when their family module is
imported, which ``helpers.models`` does on import (as timm does).
"""

from __future__ import annotations

import fnmatch
import inspect
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import torch
from torch import nn

from helpers.errors import InvalidConfigError, UnknownNameError, UnknownOptionError

ModelBuilder = Callable[..., nn.Module]
BuilderT = TypeVar("BuilderT", bound=ModelBuilder)

# name -> builder; filled once, at import of the family modules, and never mutated afterwards.
_BUILDERS: dict[str, ModelBuilder] = {}
_LOG = logging.getLogger(__name__)


def register_model(name: str) -> Callable[[BuilderT], BuilderT]:
    """Decorator that registers a model builder under ``name`` (lower case, unique)."""
    if not isinstance(name, str) or not name or name != name.lower():
        raise ValueError(f"model names are non-empty lower-case strings, got {name!r}")

    def decorator(builder: BuilderT) -> BuilderT:
        if name in _BUILDERS:
            raise ValueError(f"model {name!r} is already registered (by {_BUILDERS[name].__module__})")
        _BUILDERS[name] = builder
        return builder

    return decorator


def available_models(pattern: str | None = None) -> list[str]:
    """Sorted names of the registered models, optionally filtered by a shell-style wildcard.

    ``available_models("resnet*")`` lists the ResNets, like timm's ``list_models``; matching is
    case-insensitive.
    """
    names = sorted(_BUILDERS)
    if pattern is None:
        return names
    return [name for name in names if fnmatch.fnmatchcase(name, pattern.lower())]


def model_builder(name: str) -> ModelBuilder:
    """The function registered as ``name`` (case-insensitive), whose signature lists the model's
    options; an unknown name raises :class:`~helpers.errors.UnknownNameError`."""
    key = name.lower()
    if key not in _BUILDERS:
        raise UnknownNameError("model", name, available_models())
    return _BUILDERS[key]


def check_options(owner: str, options: Mapping[str, Any], valid: Iterable[str]) -> None:
    """Raise :class:`UnknownOptionError` naming every key of ``options`` not in ``valid``."""
    valid = sorted(valid)
    unknown = sorted(set(options) - set(valid))
    if unknown:
        listed = ", ".join(valid) if valid else "(none)"
        raise UnknownOptionError(f"{owner} has no option {', '.join(map(repr, unknown))}; valid options: {listed}")


def create_model(
    name: str, num_classes: int = 10, in_channels: int = 3, *, seed: int | None = None,
    weights: str | os.PathLike | None = None, **options: Any
) -> nn.Module:
    """Build the registered model ``name`` (case-insensitive) with a fresh initialisation.

    With ``seed`` the initial weights depend on it alone, not on the global random state (which
    is left as it was). ``weights`` (ResNets only) then copies pretrained tensors in:
    ``"imagenet"`` (torchvision's ImageNet weights of ResNet-18/34/50), ``"IMAGENET1K_V1"`` /
    ``"IMAGENET1K_V2"``, or the path of a state dict in torchvision's layout; which tensors each
    variant receives is in :mod:`helpers.models.pretrained`, and the line saying what was loaded
    and what initialised is logged (``helpers.models.pretrained.load_weights`` returns it).

    ``options`` are the architecture's own keyword arguments (e.g. ``stem="imagenet"`` for a
    ResNet, ``dropout=0.0`` for AlexNet). An unknown name raises
    :class:`~helpers.errors.UnknownNameError` listing the registered names; an option the model
    does not take raises :class:`UnknownOptionError` naming it and the valid ones.
    """
    key = name.lower() if isinstance(name, str) else name
    if key not in _BUILDERS:
        raise UnknownNameError("model", name, available_models())
    for arg, value in (("num_classes", num_classes), ("in_channels", in_channels)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidConfigError(f"{arg} must be a positive integer, got {value!r}")
    builder = _BUILDERS[key]
    parameters = inspect.signature(builder).parameters
    # Builders with **options (the ResNets) check their options themselves, against their class.
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        check_options(f"model {key!r}", options, set(parameters) - {"num_classes", "in_channels"})
    if seed is None:
        model = builder(num_classes=num_classes, in_channels=in_channels, **options)
    else:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = builder(num_classes=num_classes, in_channels=in_channels, **options)
    if weights is not None:
        # Imported here: pretrained builds on resnet, which registers itself through this module.
        from helpers.models.pretrained import load_weights

        _LOG.info("%s: %s", key, load_weights(model, weights, model_name=key).describe())
    return model
