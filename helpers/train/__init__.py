"""Training: :func:`train` runs one model on one dataset as a :class:`TrainConfig` says.

``python -m helpers.train --help`` is the command line over the same function; under
``torchrun`` it trains data-parallel (see :mod:`helpers.train.distributed`).
"""

from helpers.config import TrainConfig
from helpers.train.checkpoint import CheckpointMismatchError
from helpers.train.loop import NonFiniteLossError, TrainingOutOfMemoryError, TrainResult, library_versions, train

__all__ = ["CheckpointMismatchError", "NonFiniteLossError", "TrainConfig", "TrainResult", "TrainingOutOfMemoryError",
           "library_versions", "train"]
