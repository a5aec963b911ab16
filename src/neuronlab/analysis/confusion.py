"""Which digits a model confuses, and the test images behind every count."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from neuronlab.errors import DataError


@dataclass(frozen=True)
class Confusion:
    """Counts of (true, predicted) pairs, with the image indices of each cell.

    ``matrix[i, j]`` counts test images of class ``labels[i]`` predicted as
    ``labels[j]``; ``cells[i][j]`` holds their indices (the "Mistakes" view).
    """

    matrix: np.ndarray
    cells: tuple[tuple[np.ndarray, ...], ...]
    accuracy: float
    labels: tuple


@dataclass(frozen=True)
class Mistakes:
    """Wrongly classified images, most confident first."""

    indices: np.ndarray
    true: np.ndarray
    predicted: np.ndarray
    confidence: np.ndarray


def confusion(y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence) -> Confusion:
    """Confusion matrix of ``y_true`` against ``y_pred`` with rows and columns in ``labels``."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise DataError(
            f"Got {y_true.size} true labels but {y_pred.size} predictions: "
            "pass one of each per image."
        )
    labels = tuple(labels)
    position = {label: i for i, label in enumerate(labels)}
    unknown = set(np.unique(y_true).tolist()) | set(np.unique(y_pred).tolist())
    unknown -= set(position)
    if unknown:
        raise DataError(
            f"Labels {sorted(unknown)} are not among {list(labels)}: pass every class in labels."
        )
    rows = np.array([position[v] for v in y_true.tolist()], dtype=np.int64)
    cols = np.array([position[v] for v in y_pred.tolist()], dtype=np.int64)
    k = len(labels)
    flat = rows * k + cols
    matrix = np.bincount(flat, minlength=k * k).reshape(k, k)
    # One stable sort groups the indices of every cell in a single pass.
    order = np.argsort(flat, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(matrix.ravel())])
    groups = [order[bounds[c] : bounds[c + 1]] for c in range(k * k)]
    cells = tuple(tuple(groups[i * k : (i + 1) * k]) for i in range(k))
    accuracy = float(np.trace(matrix) / max(len(flat), 1))
    return Confusion(matrix=matrix, cells=cells, accuracy=accuracy, labels=labels)


def most_confident_mistakes(
    y_true: np.ndarray,
    proba: np.ndarray,
    classes: Sequence,
    *,
    true: object = None,
    predicted: object = None,
    limit: int | None = None,
) -> Mistakes:
    """Misclassified images sorted by the probability the model gave its wrong answer.

    ``proba`` is the model's ``predict_proba`` output with columns in ``classes``;
    ``true`` / ``predicted`` restrict to one cell of the confusion matrix.
    """
    proba = np.asarray(proba, dtype=np.float64)
    y_true = np.asarray(y_true)
    if proba.shape != (len(y_true), len(classes)):
        raise DataError(
            f"Probabilities of shape {proba.shape} do not match {len(y_true)} images and "
            f"{len(classes)} classes: pass predict_proba of the same images."
        )
    winner = proba.argmax(axis=1)
    y_pred = np.asarray(classes)[winner]
    confidence = proba[np.arange(len(winner)), winner]
    wrong = y_pred != y_true
    if true is not None:
        wrong &= y_true == true
    if predicted is not None:
        wrong &= y_pred == predicted
    indices = np.flatnonzero(wrong)
    indices = indices[np.argsort(-confidence[indices], kind="stable")][:limit]
    return Mistakes(indices, y_true[indices], y_pred[indices], confidence[indices])
