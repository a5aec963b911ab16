"""L2-regularised logistic regression: scikit-learn's objective, solved fast in float32.

The objective is exactly scikit-learn's, scaled as scikit-learn's ``lbfgs``
solver scales it (by ``1 / (C n)``, which does not move the minimum)::

    binary / one-vs-rest, per class k:  mean_i log(1 + exp(-y_ik z_ik)) + ||w_k||^2 / (2 C n)
    multinomial:                        mean_i cross_entropy(softmax(z_i), y_i) + ||W||^2 / (2 C n)

with ``z = X W^T + b`` and the intercept ``b`` not penalised, so the weights
agree with scikit-learn's on the same data. The ``K`` one-vs-rest problems are
independent, so they are solved as one stacked problem: each L-BFGS step costs
two float32 matrix products over the whole training set, ``X W^T`` and
``R^T X``, which is where the speed comes from.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, log_expit, logsumexp, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from neuronlab.models.training import Callback, EpochInfo, wants_stop

MULTI_CLASS = ("ovr", "multinomial")


class _Objective:
    """Loss and gradient of the stacked problem at a flat parameter vector."""

    def __init__(
        self, X: np.ndarray, targets: np.ndarray, l2: float, fit_intercept: bool, softmax_loss: bool
    ) -> None:
        self.X = X
        self.T = targets  # (n, K) float32 one-hot (multinomial) or 0/1 per problem (ovr)
        self.l2 = l2
        self.fit_intercept = fit_intercept
        self.softmax_loss = softmax_loss
        self.n_rows = targets.shape[1]
        self.n_features = X.shape[1]

    def split(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Weights ``(K, d)`` and intercepts ``(K,)`` as float32 from the flat vector."""
        width = self.n_features + int(self.fit_intercept)
        params = theta.astype(np.float32).reshape(self.n_rows, width)
        if self.fit_intercept:
            return np.ascontiguousarray(params[:, :-1]), params[:, -1].copy()
        return params, np.zeros(self.n_rows, dtype=np.float32)

    def __call__(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        W, b = self.split(theta)
        n = self.X.shape[0]
        Z = self.X @ W.T
        Z += b
        if self.softmax_loss:
            lse = logsumexp(Z, axis=1, keepdims=True)
            loss = np.sum(lse, dtype=np.float64) - np.sum(Z * self.T, dtype=np.float64)
            R = np.exp(Z - lse)
        else:
            # log(1 + exp(z)) - t z, computed without overflow
            loss = -np.sum(log_expit(-Z), dtype=np.float64) - np.sum(Z * self.T, dtype=np.float64)
            R = expit(Z)
        R -= self.T
        R *= np.float32(1.0 / n)
        grad_W = R.T @ self.X
        grad_W += np.float32(self.l2) * W
        loss = loss / n + 0.5 * self.l2 * float(np.sum(np.square(W, dtype=np.float64)))
        if self.fit_intercept:
            grad = np.concatenate([grad_W, R.sum(axis=0)[:, None]], axis=1)
        else:
            grad = grad_W
        return loss, grad.ravel().astype(np.float64)


class LogisticRegression(ClassifierMixin, BaseEstimator):
    """Logistic regression with an L2 penalty, one-vs-rest or multinomial.

    Parameters mean what they mean in scikit-learn: ``C`` is the inverse penalty
    strength, ``max_iter`` and ``tol`` bound L-BFGS. ``callback`` receives an
    :class:`EpochInfo` after every L-BFGS iteration (``epoch`` is the iteration)
    and may return ``False`` to stop early.
    """

    def __init__(
        self,
        C: float = 1.0,
        multi_class: str = "ovr",
        fit_intercept: bool = True,
        max_iter: int = 500,
        tol: float = 1e-6,
        callback: Callback | None = None,
    ) -> None:
        self.C = C
        self.multi_class = multi_class
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.callback = callback

    def _check_params(self) -> None:
        if self.multi_class not in MULTI_CLASS:
            raise ValueError(f"multi_class must be 'ovr' or 'multinomial', got {self.multi_class!r}.")
        if not (isinstance(self.C, int | float) and self.C > 0):
            raise ValueError(f"C must be a positive number, got {self.C!r}.")
        if not (isinstance(self.max_iter, int) and self.max_iter >= 1):
            raise ValueError(f"max_iter must be a positive integer, got {self.max_iter!r}.")
        if not (isinstance(self.tol, int | float) and self.tol >= 0):
            raise ValueError(f"tol must be a non-negative number, got {self.tol!r}.")

    def fit(self, X, y) -> LogisticRegression:
        """Fit the model to images ``X`` (n, d) and labels ``y`` (n,); returns ``self``."""
        self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float32, order="C")
        check_classification_targets(y)
        self.classes_, y_index = np.unique(y, return_inverse=True)
        n_classes = len(self.classes_)
        if n_classes < 2:
            raise ValueError(
                "Logistic regression needs samples of at least 2 classes, but the data contains "
                f"only one class: {self.classes_[0]!r}."
            )
        if n_classes == 2:
            targets = (y_index == 1).astype(np.float32)[:, None]
            softmax_loss = False
        else:
            targets = np.zeros((len(y), n_classes), dtype=np.float32)
            targets[np.arange(len(y)), y_index] = 1.0
            softmax_loss = self.multi_class == "multinomial"
        objective = _Objective(
            X, targets, 1.0 / (self.C * X.shape[0]), self.fit_intercept, softmax_loss
        )
        theta = self._minimize(objective)
        self.coef_, intercept = objective.split(theta)
        self.intercept_ = intercept if self.fit_intercept else np.zeros_like(intercept)
        return self

    def _minimize(self, objective: _Objective) -> np.ndarray:
        """Run L-BFGS with scikit-learn's settings and return the flat solution."""
        width = objective.n_features + int(objective.fit_intercept)
        theta0 = np.zeros(objective.n_rows * width)
        start = time.perf_counter()

        def report(intermediate_result) -> None:
            W, b = objective.split(intermediate_result.x)
            info = EpochInfo(
                epoch=report.iteration,
                loss=float(intermediate_result.fun),
                train_score=None,
                validation_score=None,
                coefs=[W],
                intercepts=[b],
                elapsed_s=time.perf_counter() - start,
            )
            report.iteration += 1
            if wants_stop(self.callback, info):
                raise StopIteration

        report.iteration = 1
        result = minimize(
            objective,
            theta0,
            method="L-BFGS-B",
            jac=True,
            callback=report if self.callback is not None else None,
            options={
                "maxiter": self.max_iter,
                "maxls": 50,
                "gtol": self.tol,
                "ftol": 64 * np.finfo(float).eps,
            },
        )
        self.n_iter_ = np.array([result.nit], dtype=np.int32)
        if result.status == 1:
            warnings.warn(
                f"L-BFGS did not converge in max_iter={self.max_iter} iterations; "
                "increase max_iter or scale the data.",
                ConvergenceWarning,
                stacklevel=3,
            )
        return result.x

    def decision_function(self, X) -> np.ndarray:
        """Total input of each class's neuron: ``(n,)`` for two classes, else ``(n, K)``."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float32, reset=False)
        scores = X @ self.coef_.T + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict(self, X) -> np.ndarray:
        """Class of each row: the sign for two classes, the loudest neuron otherwise."""
        scores = self.decision_function(X)
        index = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[index]

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities ``(n, K)``; one-vs-rest outputs are normalised to sum to 1."""
        scores = self.decision_function(X).astype(np.float64)
        if scores.ndim == 1:
            p = expit(scores)
            return np.column_stack([1.0 - p, p])
        if self.multi_class == "multinomial":
            return softmax(scores, axis=1)
        p = expit(scores)
        return p / p.sum(axis=1, keepdims=True)

    def predict_log_proba(self, X) -> np.ndarray:
        """Natural log of :meth:`predict_proba`."""
        return np.log(self.predict_proba(X))
