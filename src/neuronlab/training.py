"""Train and evaluate the course's models on a dataset: the one workflow the CLI and web lab share.

A run always trains on the dataset's training split and scores on its test split. With
``classes`` (for example ``(1, 8)``) both splits are first restricted to those digits, which
is how the course builds its two-digit, one-neuron classifier.

The settings a learner may change (:mod:`neuronlab.settings`: ``C``, ``hidden``,
``alpha``, ...) override the preset's values; ``n_train`` keeps only the first n
training images, counted after the restriction to ``classes`` (the first n images of
the pair). :func:`build_model`, :func:`first_n`, :func:`fit` and :func:`train_more` are
the steps, which the web lab calls on its own cached arrays. An MLP or CNN fitted here
carries its training history as ``model.history_`` (:mod:`neuronlab.models.history`).
With ``augment_shift`` k > 0 an MLP trains on its (first ``n_train``) images followed by
one copy of them, each image moved by its own random shift of up to k pixels
(:func:`augmented`): the remedy for brittleness by data, next to the CNN's by design.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neuronlab import settings as knobs
from neuronlab.data import Dataset
from neuronlab.data.transforms import augment_shifts, scale, select_classes
from neuronlab.errors import NeuronLabError
from neuronlab.models import make_model
from neuronlab.models.history import HistoryRecorder, best_epoch, epochs_trained

MODEL_KINDS = ("logistic", "mlp", "cnn")
PRESETS = ("module", "fast")


@dataclass(frozen=True)
class Split:
    """Scaled, flattened training and test arrays, ready for ``fit``."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


@dataclass(frozen=True)
class TrainingRun:
    """A fitted model and the numbers that describe how well and how fast it learned."""

    model: Any
    kind: str
    preset: str
    data: str
    classes: tuple[int, ...] | None
    multi_class: str | None
    hidden: int | None
    seed: int
    train_accuracy: float
    test_accuracy: float
    fit_seconds: float
    epochs: int
    n_train: int
    n_test: int
    settings: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """The run as JSON-ready values (everything but the model itself)."""
        return {
            "model": self.kind,
            "preset": self.preset,
            "data": self.data,
            "classes": list(self.classes) if self.classes else None,
            "multi_class": self.multi_class,
            "hidden": self.hidden,
            "seed": self.seed,
            "train_accuracy": self.train_accuracy,
            "test_accuracy": self.test_accuracy,
            "fit_seconds": self.fit_seconds,
            "epochs": self.epochs,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "settings": dict(self.settings),
        }


def split_for(dataset: Dataset, classes: Sequence[int] | None = None) -> Split:
    """The dataset's train/test arrays in [0, 1], restricted to ``classes`` when given."""
    train_images, train_labels = dataset.train_images, dataset.train_labels
    test_images, test_labels = dataset.test_images, dataset.test_labels
    if classes is not None:
        _check_classes(classes, dataset)
        train_images, train_labels = select_classes(train_images, train_labels, classes)
        test_images, test_labels = select_classes(test_images, test_labels, classes)
    return Split(scale(train_images), train_labels, scale(test_images), test_labels)


def train(
    dataset: Dataset,
    kind: str = "mlp",
    preset: str = "module",
    *,
    classes: Sequence[int] | None = None,
    multi_class: str | None = None,
    hidden: int | None = None,
    seed: int = 0,
    callback: Callable[[Any], bool | None] | None = None,
    C: float | None = None,
    activation: str | None = None,
    alpha: float | None = None,
    learning_rate_init: float | None = None,
    batch_size: int | None = None,
    early_stopping: bool | None = None,
    max_epochs: int | None = None,
    n_train: int | None = None,
    filters: int | None = None,
    filter_size: int | None = None,
    pool: bool | None = None,
    augment_shift: int | None = None,
    spell: Callable[[str], str] = str,
) -> TrainingRun:
    """Fit one of the course's models on ``dataset`` and score it on the held-out test split.

    Every setting left as None keeps the preset's value; ``spell`` names a setting in
    error messages (the CLI passes its flag names).
    """
    _check_choice("model", kind, MODEL_KINDS)
    _check_choice("preset", preset, PRESETS)
    chosen = knobs.check(
        kind,
        {
            "C": C,
            "multi_class": multi_class,
            "hidden": hidden,
            "activation": activation,
            "alpha": alpha,
            "learning_rate_init": learning_rate_init,
            "batch_size": batch_size,
            "early_stopping": early_stopping,
            "max_epochs": max_epochs,
            "n_train": n_train,
            "filters": filters,
            "filter_size": filter_size,
            "pool": pool,
            "augment_shift": augment_shift,
        },
        spell,
    )
    split = split_for(dataset, classes)
    model = build_model(kind, preset, chosen, seed=seed, classes=classes)
    X, y = first_n(model, split.X_train, split.y_train, chosen.get("n_train"), spell)
    n_originals = len(y)
    X, y = augmented(X, y, chosen.get("augment_shift"), seed)
    fit_seconds = fit(model, X, y, callback)
    return TrainingRun(
        model=model,
        kind=kind,
        preset=preset,
        data=dataset.name,
        classes=tuple(int(c) for c in classes) if classes is not None else None,
        multi_class=model.multi_class if kind == "logistic" else None,
        # the CNN's hidden dense layer is optional: () has none
        hidden=int(model.hidden_layer_sizes[0])
        if kind != "logistic" and len(model.hidden_layer_sizes)
        else None,
        seed=seed,
        train_accuracy=float(model.score(X, y)),
        test_accuracy=float(model.score(split.X_test, split.y_test)),
        fit_seconds=fit_seconds,
        epochs=epochs_of(model),
        n_train=n_originals,
        n_test=len(split.y_test),
        settings=knobs.effective(model, n_originals, chosen.get("augment_shift")),
    )


def build_model(
    kind: str,
    preset: str,
    chosen: Mapping[str, Any],
    *,
    seed: int = 0,
    classes: Sequence[int] | None = None,
) -> Any:
    """The unfitted estimator for checked settings ``chosen`` (see :func:`settings.check`).

    A pair is a binary problem, for which one-vs-rest and multinomial are the same
    model; it always uses ``"ovr"`` so that both requests name one model.
    """
    model = make_model(kind, preset, random_state=seed)
    params = knobs.estimator_params(kind, chosen)
    if kind == "logistic" and classes is not None and len(classes) == 2:
        params["multi_class"] = "ovr"
    model.set_params(**params)
    return model


# Early stopping holds 10% out for validation; below this it has too few images to score.
MIN_EARLY_STOPPING = 20


def first_n(
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    n_train: int | None,
    spell: Callable[[str], str] = str,
) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n_train`` training rows (all when None), checked to be enough for ``model``.

    Every class of ``y`` must appear at least twice among them (a stratified
    validation split needs two of each), and early stopping needs 20 images.
    """
    if n_train is None:
        return X, y
    low, _ = knobs.RANGES["n_train"]
    if not low <= n_train <= len(y):
        raise knobs.SettingsError(
            f"{spell('n_train')} must be between {low} and {len(y)} (the training images "
            f"of these classes), got {n_train}."
        )
    needed = _first_with_every_class_twice(y)
    if n_train < needed:
        raise knobs.SettingsError(
            f"The first {n_train} training images do not show every class twice; "
            f"use {spell('n_train')} of at least {needed}."
        )
    if getattr(model, "early_stopping", False) and n_train < MIN_EARLY_STOPPING:
        raise knobs.SettingsError(
            f"Early stopping holds 10% of the images out for validation, too few of "
            f"{n_train}; use {spell('n_train')} of at least {MIN_EARLY_STOPPING} or turn "
            f"{spell('early_stopping')} off."
        )
    return X[:n_train], y[:n_train]


def augmented(
    X: np.ndarray, y: np.ndarray, augment_shift: int | None, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``X``, ``y`` followed by one copy in which every image moved by its own random
    ``dy``, ``dx`` of at most ``augment_shift`` pixels (no wrap); as given when 0 or None.

    The shifts are drawn from ``seed``, so the same request trains on the same images
    (and a continued model goes on with them).
    """
    if not augment_shift:
        return X, y
    return augment_shifts(X, y, int(augment_shift), random_state=seed)


def _first_with_every_class_twice(y: np.ndarray) -> int:
    needed = 0
    for label in np.unique(y):
        where = np.flatnonzero(y == label)
        needed = max(needed, int(where[1]) + 1 if len(where) > 1 else len(y))
    return needed


def fit(model: Any, X: np.ndarray, y: np.ndarray, callback: Any = None) -> float:
    """Fit ``model`` (keeping an MLP's history in ``history_``); returns the seconds it took."""
    # Unfitted, the MLP has no coefs_ yet: tell it by its parameters.
    recorder = HistoryRecorder(callback) if hasattr(model, "hidden_layer_sizes") else None
    model.set_params(callback=recorder or callback)
    start = time.perf_counter()
    try:
        model.fit(X, y)
    finally:
        # The fitted model is kept and saved: it must not hold on to a job's reporter.
        model.set_params(callback=None)
    seconds = time.perf_counter() - start
    if recorder is not None:
        model.history_ = recorder.history()
    return seconds


def train_more(
    model: Any, X: np.ndarray, y: np.ndarray, epochs: int, callback: Any = None
) -> tuple[Any, float]:
    """A copy of network ``model`` (MLP or CNN) trained ``epochs`` more epochs with
    ``partial_fit``; and the seconds it took.

    The copy starts from the model's weights and, when the model is in memory, its Adam
    state (a model loaded from a file starts a fresh Adam). An early-stopped model kept
    its best epoch's weights: the copy goes on from that epoch, so its epochs after
    ``best_epoch`` (whose weights were discarded) leave the history and the numbering
    resumes at ``best_epoch + 1``. Early stopping is off for the extra epochs (partial_fit
    has none). ``callback`` returning False stops after the current epoch.
    """
    if model_kind(model) not in ("mlp", "cnn"):
        raise NeuronLabError(
            "Only a network can train on epoch by epoch; logistic regression is fitted in one go."
        )
    model = copy.deepcopy(model)
    model.set_params(callback=None)
    _rewind_to_best(model)
    model.set_params(early_stopping=False)
    if getattr(model, "best_loss_", None) is None:  # early stopping did not track it
        model.best_loss_ = min(model.loss_curve_, default=np.inf)
    recorder = HistoryRecorder.resume(model, callback)
    seed = model.random_state
    # partial_fit draws its shuffle from random_state on every call: one generator for the
    # whole continuation gives each epoch a new order, and the same ones on every rerun.
    rng = None if seed is None else np.random.RandomState([int(seed), epochs_trained(model)])
    model.set_params(callback=recorder, random_state=rng)
    start = time.perf_counter()
    try:
        for _ in range(epochs):
            model.partial_fit(X, y)
            if recorder.stopped:
                break
    finally:
        model.set_params(callback=None, random_state=seed)
    model.history_ = recorder.history()
    return model, time.perf_counter() - start


def _rewind_to_best(model: Any) -> None:
    """Cut an early-stopped model's record back to the epoch whose weights it kept."""
    best = best_epoch(model)
    total = epochs_trained(model)
    if best is None or best >= total:
        return
    scores = model.validation_scores_
    model.validation_scores_ = scores[: len(scores) - (total - best)]
    model.loss_curve_ = model.loss_curve_[:best]
    model.loss_ = model.loss_curve_[-1]
    history = getattr(model, "history_", None)
    model.history_ = history.until(best) if history is not None else None


def evaluate(model: Any, dataset: Dataset) -> dict[str, Any]:
    """Score a fitted model on ``dataset``, restricted to the classes the model knows."""
    known = [int(c) for c in model.classes_]
    classes = known if len(known) < len(dataset.class_names) else None
    split = split_for(dataset, classes)
    return {
        "model": model_kind(model),
        "data": dataset.name,
        "classes": classes,
        "train_accuracy": float(model.score(split.X_train, split.y_train)),
        "test_accuracy": float(model.score(split.X_test, split.y_test)),
        "epochs": epochs_of(model),
        "n_train": len(split.y_train),
        "n_test": len(split.y_test),
    }


def model_kind(model: Any) -> str:
    """``"cnn"`` for a convolutional network, ``"mlp"`` for a network with hidden layers,
    ``"logistic"`` for a linear model."""
    if hasattr(model, "filters_"):
        return "cnn"
    return "mlp" if hasattr(model, "coefs_") else "logistic"


def epochs_of(model: Any) -> int:
    """Passes over the data (MLP, every epoch since its weights were initialised) or solver
    iterations (logistic regression) the fit took."""
    if getattr(model, "loss_curve_", None) is not None:
        return epochs_trained(model)
    n_iter = getattr(model, "n_iter_", 0)
    return int(np.max(n_iter)) if np.size(n_iter) else 0


def parse_classes(text: str) -> tuple[int, int]:
    """Parse ``"1,8"`` into ``(1, 8)``, with a clear error for anything else."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise NeuronLabError(f"--classes takes two class numbers like 1,8; got {text!r}.")
    a, b = int(parts[0]), int(parts[1])
    if a == b:
        raise NeuronLabError(f"--classes needs two different classes; got {a} twice.")
    return a, b


def _check_classes(classes: Sequence[int], dataset: Dataset) -> None:
    n = len(dataset.class_names)
    bad = [c for c in classes if not 0 <= int(c) < n]
    if bad:
        raise NeuronLabError(
            f"Class {bad[0]} does not exist in {dataset.name}; choose classes from 0 to {n - 1}."
        )


def _check_choice(what: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise NeuronLabError(f"Unknown {what} {value!r}; choose one of {', '.join(allowed)}.")
