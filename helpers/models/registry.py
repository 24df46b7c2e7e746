"""The model registry: every architecture is a lower-case name mapped to a builder function.

A builder takes ``num_classes`` and ``in_channels`` plus its own keyword options and returns a
freshly initialised ``nn.Module`` on the CPU in float32; the trainer picks device, dtype and memory
format. Builders register themselves with :func:`register_model` when their family module is
imported, which ``helpers.models`` does on import (as timm does).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from torch import nn

from helpers.errors import UnknownNameError, UnknownOptionError

ModelBuilder = Callable[..., nn.Module]
BuilderT = TypeVar("BuilderT", bound=ModelBuilder)

# name -> builder; filled once, at import of the family modules, and never mutated afterwards.
_BUILDERS: dict[str, ModelBuilder] = {}


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
