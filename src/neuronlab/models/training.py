"""The per-epoch progress record both estimators hand to their ``callback``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class EpochInfo:
    """Progress after one epoch (MLP) or one L-BFGS iteration (logistic regression).

    ``coefs`` and ``intercepts`` are copies, safe to keep. ``train_score`` is the
    accuracy on the training batches as they were seen during the epoch (free to
    compute); ``validation_score`` is set when early stopping holds data out.
    """

    epoch: int
    loss: float
    train_score: float | None
    validation_score: float | None
    coefs: list[np.ndarray]
    intercepts: list[np.ndarray]
    elapsed_s: float


Callback = Callable[[EpochInfo], "bool | None"]


def wants_stop(callback: Callback | None, info: EpochInfo) -> bool:
    """Call ``callback`` (if any) and return True when it asked to stop by returning False."""
    return callback is not None and callback(info) is False
