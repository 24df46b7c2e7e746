"""Building a registered model: a fresh, optionally seeded initialisation, then pretrained weights
if asked (:mod:`helpers.models.pretrained`). Apart from the registry so that the registry, which
every family imports, imports no family itself.
"""

from __future__ import annotations

import inspect
import logging
import os
from typing import Any

import torch
from torch import nn

from helpers.errors import InvalidConfigError, UnknownNameError
from helpers.models.pretrained import load_weights
from helpers.models.registry import available_models, check_options, model_builder

_LOG = logging.getLogger(__name__)


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
    if key not in available_models():
        raise UnknownNameError("model", name, available_models())
    for arg, value in (("num_classes", num_classes), ("in_channels", in_channels)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidConfigError(f"{arg} must be a positive integer, got {value!r}")
    builder = model_builder(key)
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
        _LOG.info("%s: %s", key, load_weights(model, weights, model_name=key).describe())
    return model
