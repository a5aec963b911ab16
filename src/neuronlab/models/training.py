"""What both estimators share: the per-epoch progress record and the BLAS thread limit."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

import numpy as np
import scipy.linalg  # noqa: F401  (load scipy's BLAS before the controller below lists libraries)
from threadpoolctl import ThreadpoolController


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


# Listing the loaded BLAS libraries scans the process (~20 ms): do it once, at import,
# rather than in every fit as threadpool_limits would.
_CONTROLLER = ThreadpoolController()


def blas_threads(limit: int) -> AbstractContextManager:
    """Limit BLAS to ``limit`` threads inside a ``with`` block."""
    return _CONTROLLER.limit(limits=limit, user_api="blas")
