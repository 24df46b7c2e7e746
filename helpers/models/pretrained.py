"""Pretrained weights for the ResNets: torchvision's ImageNet weights, or a state dict in its layout.

``weights`` is ``"imagenet"`` (torchvision's ``IMAGENET1K_V1`` weights of ResNet-18/34/50, the
original 90-epoch recipe), ``"IMAGENET1K_V1"`` or ``"IMAGENET1K_V2"`` as torchvision names them (V2,
ResNet-50 only, is its longer 2021 recipe), or the path of a file holding a state dict in
torchvision's ResNet layout (``conv1``, ``bn1``, ``layer1.0.conv1``, ..., ``fc``). The named
weights are downloaded and cached by torch hub (``$TORCH_HOME/hub/checkpoints``), their SHA-256
prefix checked; files are read with ``torch.load(..., weights_only=True)``.

Which tensors each ResNet of :class:`~helpers.models.ResNet` receives:

- every residual stage (``layer1``-``layer4`` -> ``stages.0``-``stages.3``), whatever the flags:
  study 4's Model-A, B and D have the same tensor shapes. torchvision's ResNet-50 strides the 3x3
  conv, so it *is* Model-B (``stride_in_3x3=True``); Model-A (stride on the first 1x1) and Model-D
  (``avg_down``: its shortcut conv moves from ``downsample.0`` to ``downsample.1``) receive the same
  tensors for a computation they were not trained for, a starting point to fine-tune from;
- the stem (``conv1``, ``bn1`` -> ``stem.0``, ``stem.1``) only with ``stem="imagenet"`` and 3 input
  channels. Model-C's three-conv stem (``stem="deep"``) and the CIFAR stem are newly initialised
  (timm's resnet50c/d weights would fit Model-C's stem; timm is not a dependency here);
- the head (``fc``) only with 1000 classes: for ``num_classes`` it is replaced, newly initialised.

A stage tensor that is missing, of another shape, or left over in the file means the file is for
another architecture, and raises. What was loaded and what initialised is returned as a
:class:`WeightsReport`.
"""

from __future__ import annotations

import os
import pickle
import re
import urllib.error
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import torch
from torch import nn

from helpers.errors import CorruptDataError, InvalidConfigError, WeightsNotFoundError
from helpers.io import file_sha256
from helpers.models.resnet import ResNet

IMAGENET = "imagenet"  # the default ImageNet weights, IMAGENET1K_V1 for every ResNet
TORCHVISION_TAGS = ("IMAGENET1K_V1", "IMAGENET1K_V2")
# Our registered name -> torchvision's weights enum, and the tags it has.
TORCHVISION_WEIGHTS = {
    "resnet18": ("ResNet18_Weights", ("IMAGENET1K_V1",)),
    "resnet34": ("ResNet34_Weights", ("IMAGENET1K_V1",)),
    "resnet50": ("ResNet50_Weights", ("IMAGENET1K_V1", "IMAGENET1K_V2")),
}
WEIGHTS_CHOICES = (f"{IMAGENET!r}, {', '.join(map(repr, TORCHVISION_TAGS))} or the path of a state dict in "
                   "torchvision's ResNet layout")
VALID_WEIGHTS = f"None, {WEIGHTS_CHOICES}"
_STAGE = re.compile(r"^stages\.(\d+)\.(\d+)\.(.+)$")
_LAYER = re.compile(r"^layer\d+\.")


@dataclass(frozen=True)
class WeightsReport:
    """What :func:`load_weights` did: the weights asked for, where they came from, and which
    tensors of the model (state-dict entries, buffers included) received a pretrained value."""

    weights: str  # as given: "imagenet", a torchvision tag, or a path
    origin: str  # torchvision's weights name, or the resolved path of the file
    sha256: str  # the file's SHA-256 (hex)
    loaded: tuple[str, ...]  # the model's tensors that received a pretrained tensor
    initialised: tuple[str, ...]  # the model's tensors left at their fresh initialisation
    unused: tuple[str, ...]  # the file's tensors that went nowhere (torchvision names)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``metrics.json``: the source, the counts and the names not loaded."""
        return {"weights": self.weights, "origin": self.origin, "sha256": self.sha256,
                "loaded": len(self.loaded), "initialised": len(self.initialised),
                "initialised_names": list(self.initialised), "unused_names": list(self.unused)}

    def describe(self) -> str:
        """One line: ``weights imagenet (ResNet50_Weights.IMAGENET1K_V1): 318 tensors loaded, ...``."""
        initialised = f" ({', '.join(_abbreviate(self.initialised))})" if self.initialised else ""
        unused = f"; unused from the file: {', '.join(_abbreviate(self.unused))}" if self.unused else ""
        origin = f" ({self.origin})" if self.origin != self.weights else ""
        return (f"weights {self.weights}{origin}: {len(self.loaded)} tensors loaded, "
                f"{len(self.initialised)} newly initialised{initialised}{unused}")


def check_weights(model_name: str, weights: str | os.PathLike) -> None:
    """Raise one line when ``weights`` cannot apply to ``model_name``: not a string or path, a
    torchvision name the model has no weights under, a model that is no ResNet, or a missing
    file. Reads and downloads nothing."""
    if not isinstance(weights, (str, os.PathLike)) or not str(weights):
        raise InvalidConfigError(f"invalid weights {weights!r}: expected {VALID_WEIGHTS}")
    tag = _torchvision_tag(weights)
    if tag is not None:
        name, tags = TORCHVISION_WEIGHTS.get(model_name, (None, ()))
        if tag not in tags:
            available = ", ".join(f"{model} ({', '.join(model_tags)})" for model, (_, model_tags)
                                  in TORCHVISION_WEIGHTS.items())
            raise InvalidConfigError(f"torchvision has no {tag} weights for {model_name!r}; it has them for "
                                     f"{available}; or pass the path of a state dict")
    elif not Path(weights).is_file():
        raise InvalidConfigError(f"weights file {str(weights)!r} does not exist; weights is {VALID_WEIGHTS}")


def load_weights(model: nn.Module, weights: str | os.PathLike, *, model_name: str) -> WeightsReport:
    """Copy pretrained tensors into ``model`` (a :class:`~helpers.models.ResNet` registered as
    ``model_name``) in place and report which tensors were loaded and which initialised.

    ``weights`` is ``"imagenet"`` / a torchvision tag (downloaded into torch hub's cache; offline,
    the error names the URL and the cache file to place it at) or the path of a torchvision-layout
    state dict. See the module docstring for which tensors each ResNet variant receives. A file
    for another architecture raises :class:`~helpers.errors.InvalidConfigError` naming the
    tensors that do not fit.
    """
    if not isinstance(model, ResNet):
        raise InvalidConfigError(f"weights apply to the ResNets, not to {model_name!r} ({type(model).__name__})")
    check_weights(model_name, weights)
    tag = _torchvision_tag(weights)
    if tag is not None:
        origin, path = _download_torchvision(model_name, tag)
    else:
        path = Path(weights).resolve()
        origin = str(path)
    source = _read_state_dict(path)
    targets = model.state_dict()
    names = torchvision_names(model)
    fits = {name: _fits(source.get(names.get(name)), target) for name, target in targets.items()}
    stem_fits = all(fit for name, fit in fits.items() if name.startswith("stem."))
    loaded, initialised, misfits = [], [], []
    for name, target in targets.items():
        source_name = names.get(name)
        if fits[name] and (stem_fits or not name.startswith("stem.")):  # a stem loads whole or not at all
            loaded.append(name)
        else:
            initialised.append(name)
            if name.startswith("stages."):
                misfits.append(_misfit(source_name, source.get(source_name), target))
    used = {names[name] for name in loaded}
    unused = [name for name in source if name not in used]
    misfits += [f"{name} (not in the model)" for name in unused if _LAYER.match(name)]
    if misfits:
        raise InvalidConfigError(
            f"{origin} does not fit {model_name!r}: {len(misfits)} tensor(s) of the residual stages are missing "
            f"or of another shape, e.g. {'; '.join(misfits[:3])}; expected a state dict of torchvision's "
            f"{model_name} (num_classes may differ)")
    with torch.no_grad():
        for name in loaded:
            targets[name].copy_(source[names[name]])  # state_dict() tensors share the model's storage
    return WeightsReport(weights=str(weights), origin=origin, sha256=file_sha256(path), loaded=tuple(loaded),
                         initialised=tuple(initialised), unused=tuple(unused))


def torchvision_names(model: ResNet) -> dict[str, str]:
    """``{our state-dict name: torchvision's}`` for every tensor that has a torchvision
    counterpart: the residual stages and the head always, the stem only when it is the 7x7 one."""
    names = {}
    first_stem_conv = model.stem[0]
    imagenet_stem = len(model.stem) == 2 and first_stem_conv.kernel_size == (7, 7)
    for name in model.state_dict():
        if name.startswith("stem."):
            if imagenet_stem:
                index, rest = name.removeprefix("stem.").split(".", 1)
                names[name] = f"{('conv1', 'bn1')[int(index)]}.{rest}"
        elif name.startswith("fc."):
            names[name] = name
        elif match := _STAGE.match(name):
            stage, block, rest = int(match[1]), int(match[2]), match[3]
            downsample = model.stages[stage][block].downsample
            if rest.startswith("downsample.") and isinstance(downsample[0], nn.AvgPool2d):
                # Tweak D's shortcut is (pool, conv, bn); torchvision's is (conv, bn).
                index, tail = rest.removeprefix("downsample.").split(".", 1)
                rest = f"downsample.{int(index) - 1}.{tail}"
            names[name] = f"layer{stage + 1}.{block}.{rest}"
    return names


def published_weights(sha256: str, model_name: str) -> str | None:
    """torchvision's weights name (``"ResNet50_Weights.IMAGENET1K_V1"``) whose published file has
    the SHA-256 ``sha256`` (torchvision names each file after its hash prefix), or None: a file
    that is none of them holds other weights, whatever its name says. Downloads nothing."""
    import torchvision  # imported here: it takes seconds, and only this lookup and the download need it

    enum, tags = TORCHVISION_WEIGHTS.get(model_name, (None, ()))
    for tag in tags:
        filename = Path(urlparse(torchvision.models.get_weight(f"{enum}.{tag}").url).path).name
        if sha256.startswith(_hash_prefix(filename)):
            return f"{enum}.{tag}"
    return None


def _hash_prefix(filename: str) -> str:
    """The SHA-256 prefix in a torchvision file name (``resnet50-0676ba61.pth`` -> ``0676ba61``)."""
    return re.search(r"-([a-f0-9]+)\.", filename)[1]


def _torchvision_tag(weights: str | os.PathLike) -> str | None:
    """The torchvision tag that ``weights`` names (``"imagenet"`` -> IMAGENET1K_V1), or None for a path."""
    if not isinstance(weights, str):
        return None
    if weights.lower() == IMAGENET:
        return TORCHVISION_TAGS[0]
    return weights.upper() if weights.upper() in TORCHVISION_TAGS else None


def _download_torchvision(model_name: str, tag: str) -> tuple[str, Path]:
    """torchvision's weights name and the cached file, downloaded (hash checked) when not there."""
    import torchvision  # imported here: it takes seconds, and only this function needs it

    enum_name = f"{TORCHVISION_WEIGHTS[model_name][0]}.{tag}"
    url = torchvision.models.get_weight(enum_name).url
    filename = Path(urlparse(url).path).name
    cached = Path(torch.hub.get_dir()) / "checkpoints" / filename
    hash_prefix = _hash_prefix(filename)  # torchvision names files <name>-<sha256 prefix>.pth
    if not cached.is_file():
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            torch.hub.download_url_to_file(url, str(cached), hash_prefix, progress=False)
        except (urllib.error.URLError, OSError, RuntimeError) as error:
            raise WeightsNotFoundError(
                f"cannot download torchvision's {enum_name} from {url} ({_reason(error)}); download that file "
                f"elsewhere and place it at {cached} (torch hub's cache: $TORCH_HOME/hub/checkpoints), "
                "or pass weights=PATH") from error
    elif not file_sha256(cached).startswith(hash_prefix):
        raise CorruptDataError(f"{cached} does not have the SHA-256 prefix {hash_prefix} of torchvision's "
                               f"{enum_name}; delete it to download it again from {url}")
    return enum_name, cached


def _read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """The tensors of a state-dict file, read with ``weights_only=True`` (no code is unpickled)."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, OSError, ValueError) as error:
        raise CorruptDataError(f"weights file {str(path)!r} cannot be read as a state dict "
                               f"(torch.load with weights_only=True): {_reason(error)}") from error
    if not isinstance(state, dict) or not all(isinstance(value, torch.Tensor) for value in state.values()):
        keys = ", ".join(map(str, list(state)[:5])) if isinstance(state, dict) else type(state).__name__
        raise InvalidConfigError(f"weights file {str(path)!r} holds no state dict of tensors (found: {keys}); "
                                 "expected model.state_dict() of a torchvision ResNet")
    return state


def _fits(tensor: torch.Tensor | None, target: torch.Tensor) -> bool:
    return tensor is not None and tuple(tensor.shape) == tuple(target.shape)


def _misfit(source_name: str | None, tensor: torch.Tensor | None, target: torch.Tensor) -> str:
    if tensor is None:
        return f"{source_name} (not in the file)"
    return f"{source_name} (file {list(tensor.shape)}, model {list(target.shape)})"


def _reason(error: BaseException) -> str:
    """The first line of an exception's message (torch's errors run to many lines)."""
    text = str(getattr(error, "reason", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _abbreviate(names: tuple[str, ...], limit: int = 6) -> list[str]:
    return list(names[:limit]) + ([f"... {len(names) - limit} more"] if len(names) > limit else [])
