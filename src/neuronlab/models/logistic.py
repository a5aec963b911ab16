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

import numbers
import time
import warnings

import numpy as np
from scipy.linalg import cholesky, solve_triangular
from scipy.optimize import minimize
from scipy.special import expit, log_expit, logsumexp, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from neuronlab.models.training import Callback, EpochInfo, blas_threads, wants_stop

MULTI_CLASS = ("ovr", "multinomial")


# Rows of X that estimate the curvature for the full preconditioner.
_CURVATURE_ROWS = 10_000
# Rows per block of the loss evaluation: a block of X stays in cache between its two products.
_BLOCK_ROWS = 256


class _Objective:
    """Loss and gradient of the stacked problem, in preconditioned coordinates.

    L-BFGS works on ``U`` with ``[W | b] = U @ M``, where ``M`` roughly whitens
    the objective's Hessian at zero. A strong L2 penalty keeps the solution
    near zero, where that Hessian is a good guide, so L-BFGS needs several
    times fewer iterations than on ``[W | b]`` directly.
    """

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
        self.width = self.n_features + int(fit_intercept)
        k = self.n_rows
        # curvature of the loss at z = 0: 1/4 for the logistic loss, (K-1)/K^2 for softmax
        self.curvature = (k - 1) / k**2 if softmax_loss else 0.25
        # The full preconditioner costs about m d^2 flops against 4 n d K for one evaluation:
        # worth it when it costs less than about ten evaluations.
        m = min(X.shape[0], _CURVATURE_ROWS)
        full = m * self.n_features <= 40 * X.shape[0] * k
        self.M = self._full_preconditioner() if full else self._diagonal_preconditioner()
        self.last_grad = np.zeros((self.n_rows, self.width))
        self.last_theta: np.ndarray | None = None

    def _full_preconditioner(self) -> np.ndarray:
        """``L^-1`` for ``L L^T`` the Hessian at zero, estimated on a subsample of rows."""
        n, d = self.X.shape
        sample = self.X[:: max(1, n // _CURVATURE_ROWS)]
        H = np.zeros((self.width, self.width))
        H[:d, :d] = sample.T @ sample
        if self.fit_intercept:
            H[:d, d] = H[d, :d] = sample.sum(axis=0, dtype=np.float64)
            H[d, d] = sample.shape[0]
        H *= self.curvature / sample.shape[0]
        H[np.arange(d), np.arange(d)] += self.l2
        L = cholesky(H, lower=True)
        return solve_triangular(L, np.eye(self.width), lower=True)

    def _diagonal_preconditioner(self) -> np.ndarray:
        """Centre each pixel and scale it by the loss's curvature along it.

        ``w_j = u_j s_j`` and ``b = u_b s_b - mean . w``, so that
        ``z = (x - mean) . w + u_b s_b``: centring decouples the intercept from
        the weights (all pixels are >= 0, so their mean is the steepest
        direction), and ``s_j = (c var_j + l2)^-1/2`` evens out the rest.
        """
        d = self.n_features
        mean, var = _column_mean_var(self.X)
        scale = 1.0 / np.sqrt(self.curvature * var + self.l2)
        M = np.zeros((self.width, self.width))
        M[np.arange(d), np.arange(d)] = scale
        if self.fit_intercept:
            M[np.arange(d), d] = -mean * scale
            M[d, d] = 1.0 / np.sqrt(self.curvature)
        return M

    def split(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Weights ``(K, d)`` and intercepts ``(K,)`` as float32 from the flat vector ``U``."""
        params = (theta.reshape(self.n_rows, self.width) @ self.M).astype(np.float32)
        if self.fit_intercept:
            return np.ascontiguousarray(params[:, :-1]), params[:, -1].copy()
        return params, np.zeros(self.n_rows, dtype=np.float32)

    def __call__(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        W, b = self.split(theta)
        Wt = np.ascontiguousarray(W.T)
        n = self.X.shape[0]
        # The gradient accumulates transposed: X^T R runs about 20% faster than R^T X
        # in OpenBLAS for these thin shapes.
        grad_Wt = np.zeros_like(Wt)
        grad_b = np.zeros(self.n_rows, dtype=np.float64)
        loss = 0.0
        for lo in range(0, n, _BLOCK_ROWS):
            X, T = self.X[lo : lo + _BLOCK_ROWS], self.T[lo : lo + _BLOCK_ROWS]
            Z = X @ Wt
            Z += b
            if self.softmax_loss:
                lse = logsumexp(Z, axis=1, keepdims=True)
                loss += np.sum(lse, dtype=np.float64) - np.sum(Z * T, dtype=np.float64)
                R = np.exp(Z - lse)
            else:
                # log(1 + exp(z)) - t z, computed without overflow
                loss -= np.sum(log_expit(-Z), dtype=np.float64) + np.sum(Z * T, dtype=np.float64)
                R = expit(Z)
            R -= T
            grad_Wt += X.T @ R
            grad_b += R.sum(axis=0, dtype=np.float64)
        grad_W = grad_Wt.T * np.float32(1.0 / n)
        grad_W += np.float32(self.l2) * W
        loss = loss / n + 0.5 * self.l2 * float(np.sum(np.square(W, dtype=np.float64)))
        grad = grad_W.astype(np.float64)
        if self.fit_intercept:
            grad = np.concatenate([grad, grad_b[:, None] / n], axis=1)
        self.last_theta = theta.copy()
        self.last_grad = grad
        return loss, (grad @ self.M.T).ravel()

    def gradient_norm(self, theta: np.ndarray) -> float:
        """Largest gradient entry in the original coordinates (sklearn's ``tol`` test)."""
        if self.last_theta is None or not np.array_equal(theta, self.last_theta):
            self(theta)
        return float(np.abs(self.last_grad).max())


def _column_mean_var(X: np.ndarray, block: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of each column in float64, a block of rows at a time.

    ``X.var(dtype=np.float64)`` would make a float64 copy of all of ``X``.
    """
    mean = X.mean(axis=0, dtype=np.float64)
    mean32 = mean.astype(np.float32)
    squares = np.zeros(X.shape[1])
    centred = np.empty((min(block, X.shape[0]), X.shape[1]), dtype=np.float32)
    for lo in range(0, X.shape[0], block):
        rows = X[lo : lo + block]
        part = centred[: len(rows)]
        np.subtract(rows, mean32, out=part)
        np.square(part, out=part)
        squares += part.sum(axis=0, dtype=np.float64)
    return mean, squares / X.shape[0]


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
            raise ValueError(
                f"multi_class must be 'ovr' or 'multinomial', got {self.multi_class!r}."
            )
        if not (isinstance(self.C, numbers.Real) and self.C > 0):
            raise ValueError(f"C must be a positive number, got {self.C!r}.")
        if not (isinstance(self.max_iter, numbers.Integral) and self.max_iter >= 1):
            raise ValueError(f"max_iter must be a positive integer, got {self.max_iter!r}.")
        if not (isinstance(self.tol, numbers.Real) and self.tol >= 0):
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
        # The products here are thin (K columns) and bound by memory. Measured on this
        # 2-core machine, a second BLAS thread made whole fits slower (OvR on 60,000
        # images: 5.1 s against 3.8 s), as its evaluations slowed from 80 ms to 150 ms.
        with blas_threads(1):
            objective = _Objective(
                X, targets, 1.0 / (self.C * X.shape[0]), self.fit_intercept, softmax_loss
            )
            theta = self._minimize(objective)
        self.coef_, intercept = objective.split(theta)
        self.intercept_ = intercept if self.fit_intercept else np.zeros_like(intercept)
        return self

    def _minimize(self, objective: _Objective) -> np.ndarray:
        """Run L-BFGS and return the flat solution (in the objective's coordinates).

        The stopping test is scikit-learn's: the largest gradient entry of the
        original problem is at most ``tol`` (checked here, since L-BFGS itself
        sees the preconditioned gradient).
        """
        theta0 = np.zeros(objective.n_rows * objective.width)
        start = time.perf_counter()
        iteration = 0

        def after_iteration(intermediate_result) -> None:
            nonlocal iteration
            iteration += 1
            if self.callback is not None:
                W, b = objective.split(intermediate_result.x)
                info = EpochInfo(
                    epoch=iteration,
                    loss=float(intermediate_result.fun),
                    train_score=None,
                    validation_score=None,
                    coefs=[W],
                    intercepts=[b],
                    elapsed_s=time.perf_counter() - start,
                )
                if wants_stop(self.callback, info):
                    raise StopIteration
            if objective.gradient_norm(intermediate_result.x) <= self.tol:
                raise StopIteration

        result = minimize(
            objective,
            theta0,
            method="L-BFGS-B",
            jac=True,
            callback=after_iteration,
            options={
                "maxiter": self.max_iter,
                "maxls": 50,
                "gtol": 0.0,
                # float32 arithmetic cannot resolve smaller relative changes of the loss
                "ftol": float(np.finfo(np.float32).eps),
            },
        )
        self.n_iter_ = np.array([max(result.nit, 1)], dtype=np.int32)
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
