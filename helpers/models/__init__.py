"""Image classifiers by name: LeNet-5, AlexNet, VGG19 and one configurable ResNet.

>>> from helpers.models import create_model, available_models, summary
>>> model = create_model("resnet18_narrow")           # study 5's 4,815,940-parameter ResNet18
>>> model = create_model("resnet50", stem="imagenet", stride_in_3x3=True)   # study 4's Model-B
>>> model = create_model("resnet50", 101, stem="imagenet", stride_in_3x3=True, weights="imagenet")
>>> available_models("resnet*")

Importing this package registers every family (the imports below); it does nothing else.
"""

from helpers.errors import UnknownOptionError
from helpers.models import alexnet, lenet, resnet, vgg  # noqa: F401  (imported to register their models)
from helpers.models.factory import create_model
from helpers.models.registry import available_models, register_model
from helpers.models.pretrained import WeightsReport, load_weights
from helpers.models.resnet import BasicBlock, Bottleneck, ResNet
from helpers.models.summary import count_parameters, format_summary, summary, summary_totals

__all__ = [
    "BasicBlock",
    "Bottleneck",
    "ResNet",
    "UnknownOptionError",
    "WeightsReport",
    "available_models",
    "count_parameters",
    "create_model",
    "format_summary",
    "load_weights",
    "register_model",
    "summary",
    "summary_totals",
]
