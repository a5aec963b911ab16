"""What both estimators share: the per-epoch progress record and the BLAS thread limit."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

import numpy as np
import scipy.linalg  # noqa: F401  (load scipy's BLAS before the controller below lists libraries)
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import validate_data
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


def partial_fit_data(estimator, X, y, classes) -> tuple[np.ndarray, np.ndarray, bool]:
    """``X``, ``y`` checked for one ``partial_fit`` call of a classifier, as scikit-learn's do.

    The first call must name every class (it sets ``classes_``); later calls may repeat them
    but not change them, and ``y`` may hold no other class. Returns float32 ``X``, ``y`` and
    whether this was the first call.
    """
    first_call = not hasattr(estimator, "classes_")
    if first_call and classes is None:
        raise ValueError("classes must be passed on the first call to partial_fit.")
    X, y = validate_data(estimator, X, y, dtype=np.float32, order="C", reset=first_call)
    check_classification_targets(y)
    if first_call:
        estimator.classes_ = unique_labels(classes)
        if len(estimator.classes_) < 2:
            raise ValueError("partial_fit needs at least 2 classes in `classes`.")
    elif classes is not None and not np.array_equal(unique_labels(classes), estimator.classes_):
        raise ValueError(
            f"`classes`={classes!r} is not the same as on the first call: {estimator.classes_}."
        )
    unknown = np.setdiff1d(unique_labels(y), estimator.classes_)
    if len(unknown):
        raise ValueError(f"`y` has classes not in `self.classes_` {estimator.classes_}: {unknown}.")
    return X, y, first_call
