"""A small convolutional network with scikit-learn's interface, fast in float32.

``ConvNetClassifier`` slides ``filters`` detectors of ``filter_size`` x
``filter_size`` pixels over every position of the image ("valid" positions: a
28 x 28 digit and 5 x 5 filters give 24 x 24 maps), applies ReLU, optionally
keeps the largest value of every 2 x 2 window (``pool``) and feeds the maps to
dense layers: optional hidden ReLU layers (``hidden_layer_sizes``, empty by
default) and a softmax output, one unit per class (also for two classes).

A filter is ``filter_size ** 2`` weights shared by every position, where a
hidden unit of the MLP has one weight per pixel: that sharing is why a digit
moved by two pixels still lights up the same detectors.

Training follows our :class:`~neuronlab.models.mlp.MLPClassifier` (and
scikit-learn's): Adam on shuffled mini-batches, the L2 penalty ``alpha`` on every
weight, the same early-stopping split and stopping rule, the same epoch callback.
Parameters named like the MLP's mean the same. The arithmetic lives in
:mod:`neuronlab.models.convolution`.

Inputs are rows of pixels in [0, 1]: 784 columns are a 28 x 28 image; any other
perfect square ``d`` a ``sqrt(d)`` square; other widths a single row of pixels,
grown with zeros (bottom, right) when it is smaller than a filter, so that
generic tabular data (scikit-learn's estimator checks) still trains.
"""

from __future__ import annotations

import numbers
import time
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data

from neuronlab.models import convolution as conv
from neuronlab.models import network
from neuronlab.models.convolution import ConvShape
from neuronlab.models.network import F32, Adam, Layout
from neuronlab.models.training import (
    Callback,
    EpochInfo,
    blas_threads,
    partial_fit_data,
    wants_stop,
)

FILTER_SIZES = (3, 5, 7)


@dataclass(frozen=True)
class FeatureMaps:
    """What the network computes for one image.

    ``conv`` ``(F, h, w)``: each filter's weighted sum plus its bias at every
    position, before ReLU (positive: the pattern is there). ``pooled``
    ``(F, h', w')``: what the dense layers see, ReLU then 2 x 2 maxima (without
    pooling: ReLU of ``conv``). ``probabilities`` ``(n_classes,)``: equal to
    ``predict_proba`` of the image.
    """

    conv: np.ndarray
    pooled: np.ndarray
    probabilities: np.ndarray


class ConvNetClassifier(ClassifierMixin, BaseEstimator):
    """One convolution layer, ReLU, optional 2 x 2 max-pooling, dense softmax; Adam.

    ``filters``: number of filters; ``filter_size``: 3, 5 or 7 pixels a side;
    ``pool``: 2 x 2 max-pooling after the convolution; ``hidden_layer_sizes``:
    ReLU dense layers between the maps and the output (``()``: none). The other
    parameters mean what they mean in :class:`~neuronlab.models.mlp.MLPClassifier`
    with ``solver="adam"``. ``callback`` receives an :class:`EpochInfo` after every
    epoch whose ``coefs`` are ``[filters (F, k, k), dense weights...]`` and
    ``intercepts`` ``[filter biases (F,), dense biases...]``; returning ``False``
    stops training. With ``n_iter_no_change >= max_iter`` the stopping rule cannot
    end training early, so a fit runs exactly ``max_iter`` epochs and, unlike
    scikit-learn, raises no ``ConvergenceWarning`` for it.

    Fitted: ``filters_`` ``(F, k, k)``, ``filter_bias_`` ``(F,)``, ``coefs_`` /
    ``intercepts_`` (dense layers; the first has one row per feature, in
    (filter, row, column) order of the pooled maps), ``classes_``, ``n_iter_``
    (as in scikit-learn, the epochs of the last ``fit`` or ``partial_fit`` call;
    ``loss_curve_`` and ``EpochInfo.epoch`` count every epoch), ``t_``, ``loss_``,
    ``loss_curve_``, ``validation_scores_``, ``best_validation_score_``,
    ``best_loss_``, ``image_shape_``, ``n_features_in_``.
    """

    def __init__(
        self,
        filters: int = 8,
        filter_size: int = 5,
        pool: bool = True,
        hidden_layer_sizes=(),
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
        callback: Callback | None = None,
    ) -> None:
        self.filters = filters
        self.filter_size = filter_size
        self.pool = pool
        self.hidden_layer_sizes = hidden_layer_sizes
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
        self.callback = callback

    # ----- public API -------------------------------------------------------------------------

    def fit(self, X, y) -> ConvNetClassifier:
        """Train from scratch on ``X`` (n, pixels) and labels ``y``; returns ``self``."""
        self._check_params()
        X, y = validate_data(self, X, y, dtype=F32, order="C")
        check_classification_targets(y)
        self.classes_ = unique_labels(y)
        if len(self.classes_) < 2:
            raise ValueError(
                "ConvNetClassifier needs samples of at least 2 classes, but the data contains "
                f"only one class: {self.classes_[0]!r}."
            )
        rng = check_random_state(self.random_state)
        self._initialize(X.shape[1], rng)
        return self._train(X, y, rng, incremental=False)

    def partial_fit(self, X, y, classes=None) -> ConvNetClassifier:
        """One epoch over ``X``, ``y``; the first call must name all ``classes``."""
        self._check_params()
        if self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True.")
        X, y, first_call = partial_fit_data(self, X, y, classes)
        rng = check_random_state(self.random_state)
        if first_call:
            self._initialize(X.shape[1], rng)
        else:
            self._adopt_weights()
        return self._train(X, y, rng, incremental=True)

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, shape ``(n, n_classes)``."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=F32, order="C", reset=False)
        return self._probabilities(X)

    def predict_log_proba(self, X) -> np.ndarray:
        """Natural log of :meth:`predict_proba`."""
        return np.log(self.predict_proba(X))

    def predict(self, X) -> np.ndarray:
        """The most probable class of each row."""
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]

    def feature_maps(self, x) -> FeatureMaps:
        """The maps of one image ``x`` (a row of pixels, or the image itself)."""
        check_is_fitted(self)
        row = np.asarray(x, dtype=F32).reshape(1, -1)
        row = validate_data(self, row, dtype=F32, order="C", reset=False)
        shape = self._shape()
        images = conv.to_images(shape, row)
        with blas_threads(1):
            feats = conv.forward_features(shape, self.filters_, self.filter_bias_, row)
            probabilities = self._dense_forward(feats)[0]
        raw = conv.convolve(shape, images, self.filters_)[0]
        raw += self.filter_bias_[:, None, None]
        return FeatureMaps(
            conv=raw,
            pooled=feats.reshape(shape.filters, *shape.maps),
            probabilities=probabilities,
        )

    # ----- forward ----------------------------------------------------------------------------

    def _shape(self) -> ConvShape:
        return ConvShape(
            tuple(self.image_shape_), self.filters_.shape[1], self.filters_.shape[0], self.pool
        )

    def _dense_layout(self) -> Layout:
        return Layout((self.coefs_[0].shape[0], *(c.shape[1] for c in self.coefs_)))

    def _probabilities(self, X: np.ndarray) -> np.ndarray:
        # One BLAS thread: the products here are narrow (8 filters), threads only wait.
        with blas_threads(1):
            feats = conv.forward_features(self._shape(), self.filters_, self.filter_bias_, X)
            return self._dense_forward(feats)

    def _dense_forward(self, feats: np.ndarray) -> np.ndarray:
        layout = self._dense_layout()
        return network.forward(
            layout, layout.pack(self.coefs_, self.intercepts_), feats, "relu", "softmax"
        )

    # ----- set-up -----------------------------------------------------------------------------

    def _check_params(self) -> None:
        sizes = self._hidden_sizes()
        if any(not isinstance(s, numbers.Integral) or s <= 0 for s in sizes):
            raise ValueError(
                f"hidden_layer_sizes must be positive integers, got {self.hidden_layer_sizes!r}."
            )
        if not (isinstance(self.filters, numbers.Integral) and 1 <= self.filters <= 256):
            raise ValueError(f"filters must be an integer from 1 to 256, got {self.filters!r}.")
        if self.filter_size not in FILTER_SIZES or isinstance(self.filter_size, bool):
            raise ValueError(
                f"filter_size must be one of {FILTER_SIZES}, got {self.filter_size!r}."
            )
        if not isinstance(self.pool, bool | np.bool_):
            raise ValueError(f"pool must be True or False, got {self.pool!r}.")
        if self.batch_size != "auto" and not (
            isinstance(self.batch_size, numbers.Integral) and self.batch_size >= 1
        ):
            raise ValueError(
                f"batch_size must be 'auto' or a positive integer, got {self.batch_size!r}."
            )
        positive = {"learning_rate_init": self.learning_rate_init, "epsilon": self.epsilon}
        non_negative = {"alpha": self.alpha, "tol": self.tol}
        for name, value in positive.items():
            if not (isinstance(value, numbers.Real) and value > 0):
                raise ValueError(f"{name} must be a positive number, got {value!r}.")
        for name, value in non_negative.items():
            if not (isinstance(value, numbers.Real) and value >= 0):
                raise ValueError(f"{name} must be a non-negative number, got {value!r}.")
        for name in ("max_iter", "n_iter_no_change"):
            value = getattr(self, name)
            if not (isinstance(value, numbers.Integral) and value >= 1):
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        for name in ("beta_1", "beta_2", "validation_fraction"):
            value = getattr(self, name)
            if not (isinstance(value, numbers.Real) and 0 <= value < 1):
                raise ValueError(f"{name} must be in [0, 1), got {value!r}.")

    def _hidden_sizes(self) -> list:
        sizes = self.hidden_layer_sizes
        if sizes is None:
            return []
        return list(sizes) if hasattr(sizes, "__iter__") else [sizes]

    def _initialize(self, n_features: int, rng: np.random.RandomState) -> None:
        """Fresh Glorot-uniform weights (as the MLP draws them) and fitted attributes."""
        self.image_shape_ = conv.image_shape_for(n_features)
        k, f = self.filter_size, self.filters
        shape = ConvShape(self.image_shape_, k, f, bool(self.pool))
        # a filter's fan-in is its k*k pixels and its fan-out F*k*k, as Keras counts them
        bound = np.sqrt(6.0 / (k * k + f * k * k))
        filters = rng.uniform(-bound, bound, (f, k, k))
        bias = rng.uniform(-bound, bound, f)
        layout = Layout((shape.n_features, *self._hidden_sizes(), len(self.classes_)))
        coefs, intercepts = [], []
        for fan_in, fan_out in layout.shapes:
            bound = np.sqrt(6.0 / (fan_in + fan_out))
            coefs.append(rng.uniform(-bound, bound, (fan_in, fan_out)))
            intercepts.append(rng.uniform(-bound, bound, fan_out))
        self._set_params(shape, layout, shape.pack(filters, bias), layout.pack(coefs, intercepts))
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_: float | None = None
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
        self._optimizers = self._make_optimizers()

    def _make_optimizers(self) -> tuple[Adam, Adam]:
        # Adam works element by element, so one per buffer is the same as one for all.
        sizes = (self._conv_params.size, self._dense_params.size)
        return tuple(
            Adam(size, self.learning_rate_init, self.beta_1, self.beta_2, self.epsilon)
            for size in sizes
        )

    def _set_params(
        self, shape: ConvShape, layout: Layout, conv_flat: np.ndarray, dense_flat: np.ndarray
    ) -> None:
        """Adopt the flat buffers; ``filters_`` ... ``intercepts_`` become views of them."""
        self._conv_params, self._dense_params = conv_flat, dense_flat
        self.filters_, self.filter_bias_ = shape.views(conv_flat)
        self.coefs_, self.intercepts_ = layout.views(dense_flat)

    def _buffers(self) -> tuple[np.ndarray, np.ndarray]:
        """The flat buffers, rebuilt if the public arrays were replaced (e.g. unpickling)."""
        conv_flat = getattr(self, "_conv_params", None)
        dense_flat = getattr(self, "_dense_params", None)
        if conv_flat is None or not np.shares_memory(self.filters_, conv_flat):
            conv_flat = self._shape().pack(self.filters_, self.filter_bias_)
        if dense_flat is None or not all(np.shares_memory(c, dense_flat) for c in self.coefs_):
            dense_flat = self._dense_layout().pack(self.coefs_, self.intercepts_)
        return conv_flat, dense_flat

    def _adopt_weights(self) -> None:
        """Make the public arrays views of flat buffers again before training on."""
        shape, layout = self._shape(), self._dense_layout()
        if shape.pool != bool(self.pool) or shape.size != self.filter_size:
            raise ValueError(
                "filters_ do not match filter_size and pool; fit the model again instead."
            )
        self._set_params(shape, layout, *self._buffers())
        if getattr(self, "_optimizers", None) is None:
            self._optimizers = self._make_optimizers()

    # ----- training ---------------------------------------------------------------------------

    def _train(self, X: np.ndarray, y: np.ndarray, rng, incremental: bool) -> ConvNetClassifier:
        labels = np.searchsorted(self.classes_, y)
        X_val = y_val = None
        rows = np.arange(len(y))  # batches gather from X directly: no copy of the rows
        if self.early_stopping:
            stratify = labels if len(self.classes_) == 2 else None
            train, val = train_test_split(
                rows, random_state=rng, test_size=self.validation_fraction, stratify=stratify
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
        # The products are narrow (F rows): on two busy cores a second BLAS thread
        # mostly waits, and one thread was faster in benchmarks/cnn_speed.py.
        with blas_threads(1):
            self._run_epochs(X, rows, labels, X_val, y_val, batch, rng, incremental)
        if not (np.all(np.isfinite(self._conv_params)) and np.all(np.isfinite(self._dense_params))):
            raise ValueError(
                "Training produced non-finite weights; scale the inputs to [0, 1] or lower "
                "learning_rate_init."
            )
        return self

    def _run_epochs(self, X, rows, labels, X_val, y_val, batch, rng, incremental) -> None:
        shape, layout = self._shape(), self._dense_layout()
        ws = conv.Workspace(shape, batch, layout)
        n = len(rows)
        order = np.arange(n)
        start = time.perf_counter()
        best = (self._conv_params.copy(), self._dense_params.copy())
        self.n_iter_ = 0  # scikit-learn's: the epochs of this call
        for _ in range(1 if incremental else self.max_iter):
            if self.shuffle:
                rng.shuffle(order)
            total_loss, correct = self._one_epoch(ws, X, labels, rows[order], batch)
            self.n_iter_ += 1
            self.t_ += n
            self.loss_ = total_loss / n
            self.loss_curve_.append(self.loss_)
            validation = self._track_progress(X_val, y_val, best)
            if self.callback is not None:
                info = EpochInfo(
                    epoch=len(self.loss_curve_),  # every epoch since the weights were drawn
                    loss=self.loss_,
                    train_score=correct / n,
                    validation_score=validation,
                    coefs=[self.filters_.copy(), *(c.copy() for c in self.coefs_)],
                    intercepts=[self.filter_bias_.copy(), *(b.copy() for b in self.intercepts_)],
                    elapsed_s=time.perf_counter() - start,
                )
                if wants_stop(self.callback, info):
                    break
            if self._no_improvement_count > self.n_iter_no_change:
                break
        else:
            # n_iter_no_change >= max_iter asks for exactly max_iter epochs: nothing to warn of
            if not incremental and self.n_iter_no_change < self.max_iter:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                    "optimization hasn't converged yet.",
                    ConvergenceWarning,
                    stacklevel=4,
                )
        if self.early_stopping:
            self._conv_params[:], self._dense_params[:] = best  # the best validation score's

    def _one_epoch(self, ws: conv.Workspace, X, labels, order, batch) -> tuple[float, int]:
        """One pass over the rows in ``order``; returns the summed loss and correct count."""
        conv_params, dense_params = self._conv_params, self._dense_params
        conv_adam, dense_adam = self._optimizers
        targets = ws.dense.Y
        total_loss, correct = 0.0, 0
        for lo in range(0, len(order), batch):
            idx = order[lo : lo + batch]
            rows = len(idx)
            np.take(X, idx, axis=0, out=ws.X[:rows], mode="clip")
            batch_labels = labels[idx]
            targets[:rows] = 0.0
            targets[np.arange(rows), batch_labels] = 1.0
            loss = conv.loss_and_gradient(
                ws,
                conv_params,
                dense_params,
                self.coefs_,
                self.intercepts_,
                rows,
                batch_labels,
                self.alpha,
            )
            if self.callback is not None:
                predicted = ws.dense.acts[-1][:rows].argmax(axis=1)
                correct += int(np.count_nonzero(predicted == batch_labels))
            total_loss += loss * rows
            conv_adam.step(conv_params, ws.grad)
            dense_adam.step(dense_params, ws.dense.grad)
        return total_loss, correct

    def _track_progress(self, X_val, y_val, best) -> float | None:
        """The MLP's (scikit-learn's) stopping bookkeeping; returns the validation score."""
        if not self.early_stopping:
            if self.loss_ > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            self.best_loss_ = min(self.best_loss_, self.loss_)
            return None
        score = float(np.mean(self._probabilities(X_val).argmax(axis=1) == y_val))
        self.validation_scores_.append(score)
        if score < self.best_validation_score_ + self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        if score > self.best_validation_score_:
            self.best_validation_score_ = score
            best[0][:], best[1][:] = self._conv_params, self._dense_params
        return score
