"""Training: :func:`train` runs one model on one dataset as a :class:`TrainConfig` says.

The command line over the same function writes run folders, so it belongs to the layer above
this one (README: "the command line"), which imports this package, never the other way round.
Under ``torchrun`` training runs data-parallel (see :mod:`helpers.train.distributed`).
"""

from helpers.config import TrainConfig
from helpers.errors import CheckpointMismatchError, NonFiniteLossError, TrainingOutOfMemoryError
from helpers.train.loop import TrainResult, library_versions, train

__all__ = ["CheckpointMismatchError", "NonFiniteLossError", "TrainConfig", "TrainResult", "TrainingOutOfMemoryError",
           "library_versions", "train"]
