"""A multi-layer perceptron classifier with scikit-learn's interface, fast in float32.

Parameters, defaults, initialisation (Glorot uniform from the same random
stream), batching, the validation split of early stopping, the stopping rule and
the optimisers follow scikit-learn's ``MLPClassifier`` step for step, so on
float32 data both produce the same model up to rounding. The speed comes from
:mod:`neuronlab.models.network`: one flat parameter buffer and preallocated
batch buffers, so the hot loop allocates almost nothing.

As in scikit-learn, the validation split is stratified only for two classes.
Only the ``adam`` and ``sgd`` solvers with a constant learning rate exist here.

Precision: input of any dtype is converted to float32 and training runs in
float32, so ``coefs_``, ``intercepts_`` and :meth:`MLPClassifier.predict_proba`
are float32 even for float64 input (scikit-learn keeps float64 input in float64).

Epoch counts: ``n_iter_`` is scikit-learn's, the epochs of the last call (``fit``
counts from 0 again even with ``warm_start``; each ``partial_fit`` is one), while
``loss_curve_`` and the callback's ``EpochInfo.epoch`` count every epoch since the
weights were initialised, so a run continued with ``partial_fit`` or a warm start
goes on numbering its epochs.
"""

from __future__ import annotations

import time
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data

from neuronlab.models import compiled, network
from neuronlab.models.network import F32, SGD, Adam, Layout, Workspace
from neuronlab.models.training import (
    Callback,
    EpochInfo,
    blas_threads,
    partial_fit_data,
    wants_stop,
)

HIDDEN_ACTIVATIONS = ("identity", "logistic", "tanh", "relu")
SOLVERS = ("adam", "sgd")


class MLPClassifier(ClassifierMixin, BaseEstimator):
    """Multi-layer perceptron trained with Adam or SGD on mini-batches.

    Parameters mean what they mean in scikit-learn's ``MLPClassifier``
    (``hidden_layer_sizes=()`` means no hidden layer: logistic regression
    trained by SGD or Adam). ``callback`` receives an :class:`EpochInfo` after
    every epoch and may return ``False`` to stop training (the model keeps its
    current weights, or with early stopping the best ones so far).
    """

    # scikit-learn's constraints for the parameters we share, checked by _validate_params.
    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(HIDDEN_ACTIVATIONS))],
        "solver": [StrOptions(set(SOLVERS))],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "callback": [callable, None],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation: str = "relu",
        solver: str = "adam",
        alpha: float = 1e-4,
        batch_size="auto",
        learning_rate_init: float = 1e-3,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state=None,
        tol: float = 1e-4,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        callback: Callback | None = None,
        *,
        warm_start: bool = False,
        verbose: bool = False,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.callback = callback
        self.warm_start = warm_start
        self.verbose = verbose

    # ----- public API -------------------------------------------------------------------------

    def fit(self, X, y) -> MLPClassifier:
        """Train on ``X`` (n, d) and labels ``y``; returns ``self``.

        From fresh weights, or with ``warm_start`` from the weights of the
        previous fit (the classes must be the same; the optimiser starts afresh,
        as in scikit-learn).
        """
        self._check_params()
        warm = self.warm_start and hasattr(self, "coefs_")
        X, y = validate_data(self, X, y, dtype=F32, order="C", reset=not warm)
        check_classification_targets(y)
        classes = unique_labels(y)
        if warm and set(classes) != set(self.classes_):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as in the previous "
                f"call to fit. Previously got {self.classes_}, `y` has {classes}"
            )
        if len(classes) < 2:
            raise ValueError(
                "MLPClassifier needs samples of at least 2 classes, but the data contains only "
                f"one class: {classes[0]!r}."
            )
        rng = check_random_state(self.random_state)
        if warm:
            self._adopt_weights()
            self._optimizer = self._make_optimizer(self._params.size)
        else:
            self.classes_ = classes
            self._initialize(X.shape[1], rng)
        return self._train(X, y, rng, incremental=False)

    def partial_fit(self, X, y, classes=None) -> MLPClassifier:
        """One epoch over ``X``, ``y``; the first call must name all ``classes``."""
        self._check_params()
        if self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True.")
        X, y, first_call = partial_fit_data(self, X, y, classes)
        rng = check_random_state(self.random_state)
        # As in scikit-learn, weights already there (e.g. set by hand) are trained on.
        if hasattr(self, "coefs_"):
            self._adopt_weights()
        else:
            self._initialize(X.shape[1], rng)
        return self._train(X, y, rng, incremental=True)

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, shape ``(n, n_classes)``, float32 (computed in float32)."""
        out = self._forward(X)
        return np.hstack([1.0 - out, out]) if self.n_outputs_ == 1 else out

    def predict_log_proba(self, X) -> np.ndarray:
        """Natural log of :meth:`predict_proba`."""
        return np.log(self.predict_proba(X))

    def predict(self, X) -> np.ndarray:
        """The most probable class of each row."""
        out = self._forward(X)
        return self.classes_[_predicted_index(out)]

    def _forward(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, dtype=F32, order="C", reset=False)
        return network.forward(
            self._layout_from_fit(), self._flat(), X, self.activation, self.out_activation_
        )

    # ----- set-up -----------------------------------------------------------------------------

    def _check_params(self) -> None:
        """Raise ``InvalidParameterError`` (a ValueError) naming any invalid parameter."""
        self._validate_params()
        sizes = self._hidden_sizes()
        if any(not isinstance(s, Integral) or s <= 0 for s in sizes):
            raise ValueError(
                f"hidden_layer_sizes must be positive integers, got {self.hidden_layer_sizes!r}."
            )

    def _hidden_sizes(self) -> list:
        sizes = self.hidden_layer_sizes
        return list(sizes) if hasattr(sizes, "__iter__") else [sizes]

    def _initialize(self, n_features: int, rng: np.random.RandomState) -> None:
        """Fresh weights (scikit-learn's Glorot uniform, same draws) and fitted attributes."""
        n_outputs = 1 if len(self.classes_) == 2 else len(self.classes_)
        layout = Layout((n_features, *self._hidden_sizes(), n_outputs))
        factor = 2.0 if self.activation == "logistic" else 6.0
        coefs, intercepts = [], []
        for fan_in, fan_out in layout.shapes:
            bound = np.sqrt(factor / (fan_in + fan_out))
            coefs.append(rng.uniform(-bound, bound, (fan_in, fan_out)))
            intercepts.append(rng.uniform(-bound, bound, fan_out))
        self._set_params(layout, layout.pack(coefs, intercepts))
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(layout.units)
        self.out_activation_ = "logistic" if n_outputs == 1 else "softmax"
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_: list[float] = []
        self._no_improvement_count = 0
        if self.early_stopping:
            self.validation_scores_: list[float] | None = []
            self.best_validation_score_: float | None = -np.inf
            self.best_loss_: float | None = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = np.inf
        self._optimizer = self._make_optimizer(layout.size)

    def _make_optimizer(self, size: int) -> Adam | SGD:
        if self.solver == "adam":
            return Adam(size, self.learning_rate_init, self.beta_1, self.beta_2, self.epsilon)
        return SGD(size, self.learning_rate_init, self.momentum, self.nesterovs_momentum)

    def _set_params(self, layout: Layout, flat: np.ndarray) -> None:
        """Make ``flat`` the parameter buffer; ``coefs_``/``intercepts_`` become views of it."""
        self._params = flat
        self.coefs_, self.intercepts_ = layout.views(flat)

    def _layout_from_fit(self) -> Layout:
        return Layout((self.coefs_[0].shape[0], *(c.shape[1] for c in self.coefs_)))

    def _flat(self) -> np.ndarray:
        """The parameter buffer, rebuilt if ``coefs_`` were replaced (e.g. after unpickling)."""
        params = getattr(self, "_params", None)
        if params is None or not all(np.shares_memory(c, params) for c in self.coefs_):
            return self._layout_from_fit().pack(self.coefs_, self.intercepts_)
        return params

    def _adopt_weights(self) -> None:
        layout = self._layout_from_fit()
        self._set_params(layout, self._flat())
        if getattr(self, "_optimizer", None) is None:
            self._optimizer = self._make_optimizer(layout.size)

    # ----- training ---------------------------------------------------------------------------

    def _train(self, X: np.ndarray, y: np.ndarray, rng, incremental: bool) -> MLPClassifier:
        labels = np.searchsorted(self.classes_, y)
        targets = self._targets(labels)
        X_val = y_val = None
        # Training rows as indices into X: batches gather from X directly, so the
        # early-stopping split copies only the validation rows (a copy of the 54,000
        # training rows of Fashion-MNIST would add 169 MB).
        rows = np.arange(len(y))
        if self.early_stopping:
            # boolean like scikit-learn's binarised labels, so its errors name the same classes
            stratify = targets.astype(bool) if self.n_outputs_ == 1 else None
            train, val = train_test_split(
                np.arange(len(y)),
                random_state=rng,
                test_size=self.validation_fraction,
                stratify=stratify,
            )
            if len(val) < 2:
                raise ValueError(
                    "The validation set is too small; increase validation_fraction or use "
                    "more data."
                )
            X_val, y_val = X[val], labels[val]
            rows = train
        n = len(rows)
        batch = min(200, n) if self.batch_size == "auto" else self.batch_size
        if batch > n:
            warnings.warn(
                f"batch_size={batch} is larger than the {n} training samples; using {n}.",
                stacklevel=3,
            )
            batch = n
        # Small matrix products gain nothing from threads, and on a busy machine
        # BLAS threads that wait for each other cost many times the work itself.
        with blas_threads(1):
            self._run_epochs(X, rows, labels, targets, X_val, y_val, batch, rng, incremental)
        if not np.all(np.isfinite(self._params)):
            raise ValueError(
                "Training produced non-finite weights; scale the inputs to [0, 1] or lower "
                "learning_rate_init."
            )
        return self

    def _targets(self, labels: np.ndarray) -> np.ndarray:
        """One-hot float32 targets, or one 0/1 column for two classes."""
        if self.n_outputs_ == 1:
            return labels.astype(F32)[:, None]
        targets = np.zeros((len(labels), self.n_outputs_), dtype=F32)
        targets[np.arange(len(labels)), labels] = 1.0
        return targets

    def _run_epochs(self, X, rows, labels, targets, X_val, y_val, batch, rng, incremental) -> None:
        params = self._params
        layout = self._layout_from_fit()
        ws = Workspace(layout, batch)
        # One compiled call per epoch when the kernel is at hand; NumPy otherwise.
        kernel = compiled.epoch_kernel()
        if kernel is not None and not kernel.supports(self.activation, self._optimizer):
            kernel = None
        work = None if kernel is None else kernel.work_buffer(layout, batch)
        n = len(rows)
        order = np.arange(n)
        start = time.perf_counter()
        best = params.copy()
        if self.early_stopping and self.validation_scores_ is None:
            # a warm start that turned early stopping on
            self.validation_scores_, self.best_validation_score_ = [], -np.inf
        # scikit-learn's n_iter_ counts the epochs of this call only
        self.n_iter_ = 0
        for _ in range(1 if incremental else self.max_iter):
            if self.shuffle:
                rng.shuffle(order)  # the same permutation scikit-learn draws
            epoch_rows = rows[order]
            if kernel is None:
                total_loss, correct = self._one_epoch(ws, X, labels, targets, epoch_rows, batch)
            else:
                total_loss, correct = kernel.epoch(
                    layout,
                    params,
                    ws.grad,
                    X,
                    targets,
                    labels,
                    epoch_rows,
                    batch,
                    self.activation,
                    self.out_activation_ == "softmax",
                    self.alpha,
                    self._optimizer,
                    work,
                )
            self.n_iter_ += 1
            self.t_ += n
            self.loss_ = total_loss / n
            self.loss_curve_.append(self.loss_)
            if self.verbose:
                print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}")
            validation = self._track_progress(X_val, y_val, params, best)
            if self.verbose and validation is not None:
                print(f"Validation score: {validation:f}")
            if self.callback is not None:
                info = EpochInfo(
                    # every epoch since the weights were initialised, across calls
                    epoch=len(self.loss_curve_),
                    loss=self.loss_,
                    train_score=correct / n,
                    validation_score=validation,
                    coefs=[c.copy() for c in self.coefs_],
                    intercepts=[b.copy() for b in self.intercepts_],
                    elapsed_s=time.perf_counter() - start,
                )
                if wants_stop(self.callback, info):
                    break
            if self._no_improvement_count > self.n_iter_no_change:
                if self.verbose:
                    watched = "Validation score" if self.early_stopping else "Training loss"
                    print(
                        f"{watched} did not improve more than tol={self.tol:f} for "
                        f"{self.n_iter_no_change} consecutive epochs. Stopping."
                    )
                break
        else:
            if not incremental:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                    "optimization hasn't converged yet.",
                    ConvergenceWarning,
                    stacklevel=4,
                )
        if self.early_stopping:
            params[:] = best  # restore the weights of the best validation score

    def _one_epoch(self, ws: Workspace, X, labels, targets, order, batch) -> tuple[float, int]:
        """One pass over the data in ``order``; returns the summed loss and correct count.

        The count (accuracy on each batch before its update) is only kept for the callback.
        """
        params, coefs, intercepts = self._params, self.coefs_, self.intercepts_
        total_loss, correct = 0.0, 0
        for lo in range(0, len(order), batch):
            idx = order[lo : lo + batch]
            rows = len(idx)
            # mode="clip" (the indices are valid) lets take write straight into the buffer
            np.take(X, idx, axis=0, out=ws.X[:rows], mode="clip")
            np.take(targets, idx, axis=0, out=ws.Y[:rows], mode="clip")
            batch_labels = labels[idx]
            loss = network.loss_and_gradient(
                ws,
                params,
                coefs,
                intercepts,
                rows,
                batch_labels,
                self.activation,
                self.out_activation_,
                self.alpha,
            )
            if self.callback is not None:
                predicted = _predicted_index(ws.acts[-1][:rows])
                correct += int(np.count_nonzero(predicted == batch_labels))
            total_loss += loss * rows
            self._optimizer.step(params, ws.grad)
        return total_loss, correct

    def _track_progress(self, X_val, y_val, params, best) -> float | None:
        """scikit-learn's stopping bookkeeping; returns the validation score if any."""
        if not self.early_stopping:
            if self.loss_ > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            self.best_loss_ = min(self.best_loss_, self.loss_)
            return None
        out = network.forward(
            self._layout_from_fit(), params, X_val, self.activation, self.out_activation_
        )
        score = float(np.mean(_predicted_index(out) == y_val))
        self.validation_scores_.append(score)
        if score < self.best_validation_score_ + self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        if score > self.best_validation_score_:
            self.best_validation_score_ = score
            best[:] = params
        return score


def _predicted_index(out: np.ndarray) -> np.ndarray:
    """Class index from output activations: threshold 0.5 for one output, else the largest."""
    return (out[:, 0] > 0.5).astype(int) if out.shape[1] == 1 else out.argmax(axis=1)
