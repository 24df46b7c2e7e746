"""Training: :func:`train` runs one model on one dataset as a :class:`TrainConfig` says.

``python -m helpers.train --help`` is the command line over the same function (it lives in the
experiment layer, :mod:`helpers.runs.cli`; ``__main__`` only forwards to it); under ``torchrun`` it
trains data-parallel (see :mod:`helpers.train.distributed`).
"""

from helpers.config import TrainConfig
from helpers.errors import CheckpointMismatchError, NonFiniteLossError, TrainingOutOfMemoryError
from helpers.train.loop import TrainResult, library_versions, train

__all__ = ["CheckpointMismatchError", "NonFiniteLossError", "TrainConfig", "TrainResult", "TrainingOutOfMemoryError",
           "library_versions", "train"]
