"""Training: :func:`train` runs one model on one dataset as a :class:`TrainConfig` says.

``python -m helpers.train --help`` is the command line over the same function.
"""

from helpers.config import TrainConfig
from helpers.train.loop import NonFiniteLossError, TrainResult, library_versions, train

__all__ = ["NonFiniteLossError", "TrainConfig", "TrainResult", "library_versions", "train"]
