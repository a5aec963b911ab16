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

Precision: every input, float64 included, is converted to float32 and the fit
runs in float32 (the loss is summed in float64). ``coef_`` and ``intercept_`` are
float32 whatever the input's dtype; ``decision_function`` returns float32 and
``predict_proba`` float64. float32 resolves the loss to about 1e-7 of its value,
which bounds how small a ``tol`` can be met: when the loss stops changing first,
the fit warns (``ConvergenceWarning``) and names the gradient it reached.
"""

from __future__ import annotations

import time
import warnings
from numbers import Integral, Real

import numpy as np
from scipy.linalg import LinAlgError, cholesky, solve_triangular
from scipy.optimize import minimize
from scipy.special import expit, log_expit, logsumexp, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from neuronlab.models.training import Callback, EpochInfo, blas_threads, wants_stop

MULTI_CLASS = ("ovr", "multinomial")


# Rows of X that estimate the curvature for the full preconditioner. 2,000 rows cost a
# fifth of 10,000 and, measured on one-vs-rest MNIST and Fashion-MNIST, need the same
# number of L-BFGS iterations (12 and 31, against 19 and 30 before with the diagonal
# preconditioner on MNIST's 8,000 digits and 10,000 rows on Fashion-MNIST).
_CURVATURE_ROWS = 2_000
# Rows per block of the loss evaluation: a block of X stays in cache between its two products.
_BLOCK_ROWS = 256
# With one or two problems the products are matrix-vector ones and a block's Python calls
# cost more than the cache saves: 1 vs 8 fits took 6.5 ms against 8.9 ms (MNIST) and 83 ms
# against 99 ms (Fashion-MNIST) with blocks this large.
_THIN_BLOCK_ROWS = 4096
# Curvature added to the preconditioner's estimate, relative to its largest diagonal entry:
# keeps it positive definite when the penalty is weak or absent (C=inf), pixels are constant
# or features redundant (the float32 Gram matrix is then only semi-definite up to rounding).
_RIDGE = 1e-4


class _Objective:
    """Loss and gradient of the stacked problem, in preconditioned coordinates.

    L-BFGS works on ``U`` with ``[W | b] = U @ M``, where ``M`` roughly whitens
    the objective's Hessian at zero. A strong L2 penalty keeps the solution
    near zero, where that Hessian is a good guide, so L-BFGS needs several
    times fewer iterations than on ``[W | b]`` directly.
    """

    def __init__(
        self,
        X: np.ndarray,
        targets: np.ndarray,
        l2: float,
        fit_intercept: bool,
        softmax_loss: bool,
        sample_weight: np.ndarray | None = None,
    ) -> None:
        self.X = X
        self.T = targets  # (n, K) float32 one-hot (multinomial) or 0/1 per problem (ovr)
        self.l2 = l2
        # Weights scaled to mean 1 keep the loss a weighted mean, sum(s_i l_i) / sum(s), as
        # in scikit-learn; None skips the multiplications when every row counts the same.
        self.weights = (
            None
            if sample_weight is None
            else (sample_weight / sample_weight.mean()).astype(np.float32)[:, None]
        )
        self.fit_intercept = fit_intercept
        self.softmax_loss = softmax_loss
        self.n_rows = targets.shape[1]
        self.n_features = X.shape[1]
        self.width = self.n_features + int(fit_intercept)
        k = self.n_rows
        self.block_rows = _BLOCK_ROWS if k > 2 else _THIN_BLOCK_ROWS
        # curvature of the loss at z = 0: 1/4 for the logistic loss, (K-1)/K^2 for softmax
        self.curvature = (k - 1) / k**2 if softmax_loss else 0.25
        # The full preconditioner costs about m d^2 flops against 4 n d K for one evaluation:
        # worth it when it costs less than about ten evaluations.
        m = min(X.shape[0], _CURVATURE_ROWS)
        full = m * self.n_features <= 40 * X.shape[0] * k
        # Either the full one, M = L^-1 for the Cholesky factor L (applied by triangular
        # solves, never formed), or the diagonal one's per-pixel scale s, shift -mean * s
        # and intercept scale s_b.
        self.L = self._full_preconditioner() if full else None
        if self.L is None:
            self.diagonal = self._diagonal_preconditioner()
        self.last_grad = np.zeros((self.n_rows, self.width))
        self.last_theta: np.ndarray | None = None

    def _full_preconditioner(self) -> np.ndarray | None:
        """``L`` for ``L L^T`` the Hessian at zero, estimated on a subsample of rows.

        None when the estimate is not positive definite even with the ridge.
        """
        n, d = self.X.shape
        # contiguous: a strided view would make the Gram product several times slower
        sample = np.ascontiguousarray(self.X[:: max(1, n // _CURVATURE_ROWS)])
        H = np.zeros((self.width, self.width))
        H[:d, :d] = sample.T @ sample
        if self.fit_intercept:
            H[:d, d] = H[d, :d] = sample.sum(axis=0, dtype=np.float64)
            H[d, d] = sample.shape[0]
        H *= self.curvature / sample.shape[0]
        diagonal = np.arange(self.width)
        H[diagonal, diagonal] += _RIDGE * max(float(H.diagonal().max()), 1e-12)
        H[np.arange(d), np.arange(d)] += self.l2
        try:
            return cholesky(H, lower=True, check_finite=False)
        except LinAlgError:
            return None

    def _diagonal_preconditioner(self) -> tuple[np.ndarray, np.ndarray, float]:
        """Centre each pixel and scale it by the loss's curvature along it.

        ``w_j = u_j s_j`` and ``b = u_b s_b - mean . w``, so that
        ``z = (x - mean) . w + u_b s_b``: centring decouples the intercept from
        the weights (all pixels are >= 0, so their mean is the steepest
        direction), and ``s_j = (c var_j + l2)^-1/2`` evens out the rest.
        """
        mean, var = _column_mean_var(self.X)
        curvature = self.curvature * var
        ridge = _RIDGE * max(float(curvature.max(initial=0.0)), 1e-12)
        scale = 1.0 / np.sqrt(curvature + self.l2 + ridge)
        return scale, -mean * scale, 1.0 / np.sqrt(self.curvature)

    def _params(self, U: np.ndarray) -> np.ndarray:
        """``U @ M``: the ``(K, width)`` weights and intercepts of coordinates ``U``."""
        if self.L is not None:
            # U L^-1, as the transpose of L^-T U^T
            return solve_triangular(self.L, U.T, lower=True, trans="T", check_finite=False).T
        scale, shift, intercept_scale = self.diagonal
        d = self.n_features
        params = np.empty_like(U)
        params[:, :d] = U[:, :d] * scale
        if self.fit_intercept:
            params[:, d] = U[:, :d] @ shift + U[:, d] * intercept_scale
        return params

    def _coordinate_gradient(self, G: np.ndarray) -> np.ndarray:
        """``G @ M^T``: a gradient in weights and intercepts as one in the coordinates ``U``."""
        if self.L is not None:
            # G L^-T, as the transpose of L^-1 G^T
            return solve_triangular(self.L, G.T, lower=True, check_finite=False).T
        scale, shift, intercept_scale = self.diagonal
        d = self.n_features
        out = np.empty_like(G)
        out[:, :d] = G[:, :d] * scale
        if self.fit_intercept:
            out[:, :d] += G[:, d : d + 1] * shift
            out[:, d] = G[:, d] * intercept_scale
        return out

    def split(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Weights ``(K, d)`` and intercepts ``(K,)`` as float32 from the flat vector ``U``."""
        params = self._params(theta.reshape(self.n_rows, self.width)).astype(np.float32)
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
        block = self.block_rows
        for lo in range(0, n, block):
            X, T = self.X[lo : lo + block], self.T[lo : lo + block]
            Z = X @ Wt
            Z += b
            w = None if self.weights is None else self.weights[lo : lo + block]
            if self.softmax_loss:
                lse = logsumexp(Z, axis=1, keepdims=True)
                loss += _weighted_sum(lse, w) - _weighted_sum(Z * T, w)
                R = np.exp(Z - lse)
            else:
                # log(1 + exp(z)) - t z, computed without overflow
                loss -= _weighted_sum(log_expit(-Z), w) + _weighted_sum(Z * T, w)
                R = expit(Z)
            R -= T
            if w is not None:
                R *= w
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
        return loss, self._coordinate_gradient(grad).ravel()

    def prior_intercepts(self) -> np.ndarray:
        """Intercepts that give each class its frequency in the data: where to start.

        The optimum is the same from anywhere (the problem is convex); starting from
        the classes' log-odds rather than from 0 saves L-BFGS a few iterations.
        """
        if not self.fit_intercept:
            return np.zeros(self.n_rows)
        weights = None if self.weights is None else self.weights[:, 0]
        share = np.average(self.T, axis=0, weights=weights).astype(np.float64)
        share = np.clip(share, 1e-3, 1 - 1e-3)
        if self.softmax_loss:
            return np.log(share) - np.log(share).mean()
        return np.log(share / (1 - share))

    def to_theta(self, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
        """The flat ``U`` whose :meth:`split` gives ``coef`` and ``intercept`` (a warm start)."""
        params = np.asarray(coef, dtype=np.float64)
        if self.fit_intercept:
            params = np.column_stack([params, np.asarray(intercept, dtype=np.float64)])
        if self.L is not None:
            return (params @ self.L).ravel()
        scale, shift, intercept_scale = self.diagonal
        d = self.n_features
        U = np.empty_like(params)
        U[:, :d] = params[:, :d] / scale
        if self.fit_intercept:
            U[:, d] = (params[:, d] - U[:, :d] @ shift) / intercept_scale
        return U.ravel()

    def gradient_norm(self, theta: np.ndarray) -> float:
        """Largest gradient entry in the original coordinates (sklearn's ``tol`` test)."""
        if self.last_theta is None or not np.array_equal(theta, self.last_theta):
            self(theta)
        return float(np.abs(self.last_grad).max())


def _weighted_sum(a: np.ndarray, w: np.ndarray | None) -> float:
    """Sum of ``a`` in float64, each row times its weight ``w`` (rows, 1) when given."""
    return float(np.sum(a if w is None else a * w, dtype=np.float64))


def _column_mean_var(X: np.ndarray, block: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of each column, a block of rows at a time, returned as float64.

    ``X.var(dtype=np.float64)`` would make a float64 copy of all of ``X``. The column
    sums are float32 matrix-vector products (a tenth of the time of NumPy's float64
    reductions), accumulated in float64 across blocks; blocks are centred first, so
    the variance does not lose its digits to cancellation. Only the preconditioner
    uses these numbers.
    """
    ones = np.ones(min(block, X.shape[0]), dtype=np.float32)
    total = np.zeros(X.shape[1])
    for lo in range(0, X.shape[0], block):
        rows = X[lo : lo + block]
        total += ones[: len(rows)] @ rows
    mean = total / X.shape[0]
    mean32 = mean.astype(np.float32)
    squares = np.zeros(X.shape[1])
    centred = np.empty((min(block, X.shape[0]), X.shape[1]), dtype=np.float32)
    for lo in range(0, X.shape[0], block):
        rows = X[lo : lo + block]
        part = centred[: len(rows)]
        np.subtract(rows, mean32, out=part)
        np.square(part, out=part)
        squares += ones[: len(rows)] @ part
    return mean, squares / X.shape[0]


class LogisticRegression(ClassifierMixin, BaseEstimator):
    """Logistic regression with an L2 penalty, one-vs-rest or multinomial.

    Parameters mean what they mean in scikit-learn: ``C`` is the inverse penalty
    strength (``np.inf`` for none), ``max_iter`` and ``tol`` bound L-BFGS, which
    stops once the largest entry of the loss's gradient is at most ``tol``, as
    scikit-learn's ``lbfgs`` does. ``multi_class`` is ``"ovr"`` (the course's
    one neuron per digit, the default) or ``"multinomial"`` (scikit-learn's
    default since 1.5). ``warm_start`` starts from the previous fit's weights
    when the classes and features are the same; ``verbose`` prints the loss and
    gradient after each iteration. ``solver`` accepts only ``"lbfgs"`` and
    ``random_state`` is accepted and unused, as in scikit-learn's ``lbfgs``.
    ``callback`` receives an :class:`EpochInfo` after every L-BFGS iteration
    (``epoch`` is the iteration) and may return ``False`` to stop early.

    Input of any dtype is converted to float32, and the fit runs in float32:
    ``coef_`` and ``intercept_`` are float32 even for float64 input.
    """

    _parameter_constraints: dict = {
        "C": [Interval(Real, 0, None, closed="right")],
        "multi_class": [StrOptions(set(MULTI_CLASS))],
        "fit_intercept": ["boolean"],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "callback": [callable, None],
        "solver": [StrOptions({"lbfgs"})],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        C: float = 1.0,
        multi_class: str = "ovr",
        fit_intercept: bool = True,
        max_iter: int = 500,
        tol: float = 1e-4,
        callback: Callback | None = None,
        *,
        solver: str = "lbfgs",
        random_state=None,
        warm_start: bool = False,
        verbose: int = 0,
    ) -> None:
        self.C = C
        self.multi_class = multi_class
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.callback = callback
        self.solver = solver
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose

    def _check_params(self) -> None:
        """Raise ``InvalidParameterError`` (a ValueError) naming any invalid parameter."""
        self._validate_params()

    def fit(self, X, y, sample_weight=None) -> LogisticRegression:
        """Fit the model to images ``X`` (n, d) and labels ``y`` (n,); returns ``self``.

        ``sample_weight`` (n,) weighs each row's loss, as in scikit-learn: the
        objective is ``sum_i s_i loss_i / sum(s) + ||W||^2 / (2 C sum(s))``.
        """
        self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float32, order="C")
        check_classification_targets(y)
        classes, y_index = np.unique(y, return_inverse=True)
        n_classes = len(classes)
        if n_classes < 2:
            raise ValueError(
                "Logistic regression needs samples of at least 2 classes, but the data contains "
                f"only one class: {classes[0]!r}."
            )
        weights = None
        if sample_weight is not None:
            weights = _check_sample_weight(sample_weight, X, dtype=np.float64)
            if weights.sum() <= 0:
                raise ValueError("sample_weight must have a positive sum.")
        start = self._warm_start_params(classes, X.shape[1])
        warm = start is not None
        self.classes_ = classes
        if n_classes == 2:
            targets = (y_index == 1).astype(np.float32)[:, None]
            softmax_loss = False
        else:
            targets = np.zeros((len(y), n_classes), dtype=np.float32)
            targets[np.arange(len(y)), y_index] = 1.0
            softmax_loss = self.multi_class == "multinomial"
        total_weight = float(X.shape[0] if weights is None else weights.sum())
        # The products here are thin (K columns) and bound by memory. Measured on this
        # 2-core machine, a second BLAS thread made whole fits slower (OvR on 60,000
        # images: 5.1 s against 3.8 s), as its evaluations slowed from 80 ms to 150 ms.
        with blas_threads(1):
            objective = _Objective(
                X,
                targets,
                1.0 / (self.C * total_weight),
                self.fit_intercept,
                softmax_loss,
                weights,
            )
            if start is None:
                start = np.zeros((objective.n_rows, X.shape[1])), objective.prior_intercepts()
            theta0 = objective.to_theta(*start)
            theta = self._minimize(objective, theta0, warm=warm)
        self.coef_, intercept = objective.split(theta)
        self.intercept_ = intercept if self.fit_intercept else np.zeros_like(intercept)
        return self

    def _warm_start_params(self, classes, n_features) -> tuple[np.ndarray, np.ndarray] | None:
        """The previous fit's weights when ``warm_start`` applies to this data, else None."""
        if not (self.warm_start and hasattr(self, "coef_")):
            return None
        rows = 1 if len(classes) == 2 else len(classes)
        same = np.array_equal(getattr(self, "classes_", None), classes)
        if not same or self.coef_.shape != (rows, n_features):
            return None
        return self.coef_, self.intercept_

    def _minimize(self, objective: _Objective, theta0: np.ndarray, warm: bool) -> np.ndarray:
        """Run L-BFGS from ``theta0`` and return the flat solution (objective's coordinates).

        The stopping test is scikit-learn's: the largest gradient entry of the
        original problem is at most ``tol`` (checked here, since L-BFGS itself
        sees the preconditioned gradient). L-BFGS's own test on the loss's
        relative change is set as fine as scikit-learn's, so it ends a fit only
        when float32 cannot resolve the loss any further; the fit then warns.
        """
        self.n_iter_ = np.array([0], dtype=np.int32)
        if self.max_iter == 0:
            _warn_not_converged("after 0 iterations (max_iter=0)")
            return theta0
        if warm and objective.gradient_norm(theta0) <= self.tol:
            return theta0  # the previous solution already meets tol
        start = time.perf_counter()
        iteration = 0
        stopped = False  # by the callback or by meeting tol

        def after_iteration(intermediate_result) -> None:
            nonlocal iteration, stopped
            iteration += 1
            gradient = objective.gradient_norm(intermediate_result.x)
            if self.verbose:
                print(
                    f"Iteration {iteration}: loss {intermediate_result.fun:.8g}, "
                    f"max |gradient| {gradient:.3g}"
                )
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
                    stopped = True
                    raise StopIteration
            if gradient <= self.tol:
                stopped = True
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
                "ftol": 64 * float(np.finfo(np.float64).eps),
            },
        )
        self.n_iter_[0] = min(max(result.nit, iteration), self.max_iter)
        if not stopped:
            gradient = objective.gradient_norm(result.x)
            if gradient > self.tol:
                n = int(self.n_iter_[0])
                where = f"after {n} iterations: the largest gradient entry is {gradient:.3g}"
                if result.status == 1:
                    _warn_not_converged(
                        f"{where}, above tol={self.tol:g}; increase max_iter "
                        f"(max_iter={self.max_iter}) or scale the data"
                    )
                else:
                    _warn_not_converged(
                        f"{where} when the loss stopped changing at float32 resolution, "
                        f"so tol={self.tol:g} cannot be reached in float32 on this data"
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
        """Class probabilities ``(n, K)`` as float64; one-vs-rest ones are normalised to sum 1.

        The scores come from float32 arithmetic (see the class docstring); the
        probabilities are computed from them in float64 whatever the input's dtype.
        """
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


def _warn_not_converged(detail: str) -> None:
    """The ConvergenceWarning of an L-BFGS run that stopped before meeting ``tol``."""
    warnings.warn(f"lbfgs failed to converge {detail}.", ConvergenceWarning, stacklevel=4)
