"""Training: :func:`train` runs one model on one dataset as a :class:`TrainConfig` says.

``python -m helpers.runs --help`` is the command line over the same function. It writes run
folders, so it lives in the experiment layer (``runs/cli.py``); ``__main__`` only forwards to it.
Under ``torchrun`` it trains data-parallel (see :mod:`helpers.train.distributed`).
"""

from helpers.config import TrainConfig
from helpers.errors import CheckpointMismatchError, NonFiniteLossError, TrainingOutOfMemoryError
from helpers.train.loop import TrainResult, library_versions, train

__all__ = ["CheckpointMismatchError", "NonFiniteLossError", "TrainConfig", "TrainResult", "TrainingOutOfMemoryError",
           "library_versions", "train"]
