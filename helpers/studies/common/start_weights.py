"""The ``pretrained`` switch of studies 1 and 3: their ResNets fine-tuned from pretrained weights
instead of trained from scratch.

Off by default at every profile: both papers train from scratch (study 3 says so in its title,
study 1 names no weights), so a report with the switch on answers another question (would the
paper's ranking hold for fine-tuned networks?) and says so in its settings table and conclusion.

``pretrained`` (checked first by :func:`helpers.studies.common.parameters.check_pretrained`) names the
weights of every ResNet of the study: ``"imagenet"`` or a torchvision tag (that depth's weights,
downloaded once by torch hub), or a folder holding one state-dict file per network in
torchvision's layout, named after the registry name (``resnet18.pth``, ``resnet50.pth``): one file
fits one depth only, so a single file is refused when the study trains two. What each ResNet
receives is in :mod:`helpers.models.pretrained`: every residual stage, the 7x7 ImageNet stem (the
CIFAR stem's 3x3 conv is newly initialised), never the 1000-class head. Fine-tuned runs read
their images normalised with ImageNet's statistics, which the weights were trained with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from helpers.errors import InvalidConfigError
from helpers.models.pretrained import IMAGENET, check_weights
from helpers.runs import RunOutcome
from helpers.studies.common.parameters import PAPER, PRETRAINED_NAMES

START_LABEL = "start"  # a fine-tuned run's label: {"start": "pretrained"}
PRETRAINED = "pretrained"
WEIGHTS_SUFFIX = ".pth"
SWITCH = "notebook parameter `pretrained`"


def weights_by_model(pretrained: bool | str | None, model_names: Iterable[str]) -> dict[str, str]:
    """The ``weights`` option of each ResNet in ``model_names`` (registry names), or {} when the
    switch is off (None or False). Raises one line, before any work, for weights that cannot fit:
    a torchvision tag a depth lacks, a single file for several depths, a folder without a
    network's file."""
    if not pretrained:
        return {}
    names = list(dict.fromkeys(model_names))
    if pretrained in PRETRAINED_NAMES:
        weights = {name: str(pretrained) for name in names}
    elif Path(pretrained).is_dir():
        folder = Path(pretrained)
        weights = {name: str(folder / f"{name}{WEIGHTS_SUFFIX}") for name in names}
        missing = [Path(path).name for path in weights.values() if not Path(path).is_file()]
        if missing:
            raise InvalidConfigError(f"invalid pretrained {str(pretrained)!r}: the folder has no {', '.join(missing)}; "
                                     f"it needs one torchvision-layout state dict per ResNet: "
                                     f"{', '.join(name + WEIGHTS_SUFFIX for name in names)}")
    elif len(names) > 1:
        raise InvalidConfigError(f"invalid pretrained {str(pretrained)!r}: this study trains {' and '.join(names)}, "
                                 f"and one file fits one of them; give a folder holding "
                                 f"{', '.join(name + WEIGHTS_SUFFIX for name in names)}")
    else:
        weights = {names[0]: str(pretrained)} if names else {}
    for name, value in weights.items():
        check_weights(name, value)
    return weights


def describe(weights: Mapping[str, str]) -> str:
    """What ``weights`` (model name -> weights) are, in words: 'torchvision's ImageNet weights
    (IMAGENET1K_V1)' or the file names."""
    values = set(weights.values())
    if len(values) == 1 and next(iter(values)) in PRETRAINED_NAMES:
        tag = next(iter(values))
        return f"torchvision's ImageNet weights ({'IMAGENET1K_V1' if tag == IMAGENET else tag})"
    return "the files " + ", ".join(f"{Path(path).name} ({name})" for name, path in weights.items())


def settings_row(weights: Mapping[str, str], *, from_scratch: Sequence[str] = ()) -> tuple[str, str, str]:
    """The settings table's 'starting weights' row: from scratch as the paper (the default), or
    which networks are fine-tuned from what, and which still start from scratch."""
    if not weights:
        return ("starting weights", "random initialisation: every network trains from scratch",
                f"{PAPER} ({SWITCH} off, the default at every profile)")
    scratch = f"; {', '.join(from_scratch)} from scratch" if from_scratch else ""
    return ("starting weights",
            f"ResNets fine-tuned from {describe(weights)}: residual stages and the 7x7 ImageNet stem loaded; the "
            f"CIFAR stem and the classifier head newly initialised; images normalised with ImageNet's mean/std{scratch}",
            f"{SWITCH} (not the paper, which trains from scratch)")


def caveat(outcomes: Sequence[RunOutcome], *, from_scratch: Sequence[str] = ()) -> str | None:
    """The conclusion's caveat when some runs were fine-tuned (read from their specs), else None."""
    weights = {o.spec.model: str(o.spec.model_options["weights"]) for o in outcomes
               if o.spec.model_options.get("weights") is not None}
    if not weights:
        return None
    mixed = (f"; {', '.join(from_scratch)} trained from scratch, so a ranking mixes fine-tuned and from-scratch "
             "networks" if from_scratch else "")
    return (f"the ResNets were fine-tuned from {describe(weights)} ({SWITCH}), not trained from scratch as in the "
            f"paper: their gaps to the paper's numbers measure that difference too{mixed}")
