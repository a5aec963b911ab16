"""Train and evaluate the course's models on a dataset: the one workflow the CLI and web lab share.

A run always trains on the dataset's training split and scores on its test split. With
``classes`` (for example ``(1, 8)``) both splits are first restricted to those digits, which
is how the course builds its two-digit, one-neuron classifier.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from neuronlab.data import Dataset
from neuronlab.data.transforms import scale, select_classes
from neuronlab.errors import NeuronLabError
from neuronlab.models import make_model

MODEL_KINDS = ("logistic", "mlp")
PRESETS = ("module", "fast")
MULTI_CLASS = ("ovr", "multinomial")


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
    multi_class: str = "ovr",
    hidden: int | None = None,
    seed: int = 0,
    callback: Callable[[Any], bool | None] | None = None,
) -> TrainingRun:
    """Fit one of the course's models on ``dataset`` and score it on the held-out test split."""
    _check_choice("model", kind, MODEL_KINDS)
    _check_choice("preset", preset, PRESETS)
    _check_choice("multi-class strategy", multi_class, MULTI_CLASS)
    split = split_for(dataset, classes)
    model = make_model(kind, preset, multi_class=multi_class, hidden=hidden, random_state=seed)
    if callback is not None:
        model.set_params(callback=callback)
    start = time.perf_counter()
    model.fit(split.X_train, split.y_train)
    fit_seconds = time.perf_counter() - start
    return TrainingRun(
        model=model,
        kind=kind,
        preset=preset,
        data=dataset.name,
        classes=tuple(int(c) for c in classes) if classes is not None else None,
        multi_class=multi_class if kind == "logistic" else None,
        hidden=int(model.hidden_layer_sizes[0]) if kind == "mlp" else None,
        seed=seed,
        train_accuracy=float(model.score(split.X_train, split.y_train)),
        test_accuracy=float(model.score(split.X_test, split.y_test)),
        fit_seconds=fit_seconds,
        epochs=epochs_of(model),
        n_train=len(split.y_train),
        n_test=len(split.y_test),
    )


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
    """``"mlp"`` for a network with hidden layers, ``"logistic"`` for a linear model."""
    return "mlp" if hasattr(model, "coefs_") else "logistic"


def epochs_of(model: Any) -> int:
    """Passes over the data (MLP) or solver iterations (logistic regression) the fit took."""
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
