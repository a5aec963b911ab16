"""Datasets and fitted models as the widgets' synced values: binary buffers, never JSON lists.

Floats cross as little-endian float32 bytes and pixels and labels as uint8 bytes;
the browser views them as typed arrays. Models may be ours or scikit-learn's
fitted ones: their arrays are read through :mod:`neuronlab.analysis`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neuronlab.analysis import linear_weights, mlp_weights
from neuronlab.data import Dataset
from neuronlab.errors import NeuronLabError

# Test images a widget holds: enough to browse, small enough to send at once (1.5 MB).
MAX_TEST_IMAGES = 2000
N_PIXELS = 784


def f32(array: Any) -> bytes:
    """Little-endian float32 bytes of ``array`` in C order."""
    return np.ascontiguousarray(array, dtype="<f4").tobytes()


def u8(array: Any) -> bytes:
    """uint8 bytes of ``array`` in C order."""
    return np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def test_images(dataset: Dataset) -> dict[str, Any]:
    """The dataset's facts and its first test images and labels, as widget traits."""
    n = min(dataset.n_test, MAX_TEST_IMAGES)
    return {
        "dataset": dataset.summary(),
        "test_images": u8(dataset.test_images[:n]),
        "test_labels": u8(dataset.test_labels[:n]),
    }


def shown_images(dataset: Dataset) -> int:
    """How many test images a widget of ``dataset`` holds."""
    return min(dataset.n_test, MAX_TEST_IMAGES)


def is_network(model: Any) -> bool:
    """True for a network with hidden layers (ours or scikit-learn's MLPClassifier)."""
    return hasattr(model, "coefs_") and not is_cnn(model)


def is_cnn(model: Any) -> bool:
    """True for a fitted convolutional network (:class:`~neuronlab.models.ConvNetClassifier`)."""
    return hasattr(model, "filters_")


def kind(model: Any) -> str:
    """``"cnn"``, ``"mlp"`` or ``"logistic"``: how the views draw and compute ``model``."""
    return "cnn" if is_cnn(model) else "mlp" if is_network(model) else "logistic"


def model_payload(model: Any) -> dict[str, Any]:
    """A fitted model as ``{kind, classes, ...arrays as float32 bytes}`` for the views.

    Logistic regression gives ``coef`` (k, 784), ``intercept`` (k,) and ``multi_class``;
    a network with one hidden layer gives ``W0`` (784, h), ``b0``, ``W1`` (h, k), ``b1``
    and ``activation``; a CNN gives ``filters`` (F, k, k) with ``F`` and ``k``, ``fbias``
    (F,) and its dense layers as ``dense``: ``[{W (nin, nout), b, nin, nout}, ...]``.
    """
    if is_cnn(model):
        if tuple(model.image_shape_) != (28, 28):
            _check_pixels(int(np.prod(model.image_shape_)))
        filters = np.asarray(model.filters_)
        return {
            "kind": "cnn",
            "classes": np.asarray(model.classes_).tolist(),
            "filters": f32(filters),
            "F": int(filters.shape[0]),
            "k": int(filters.shape[1]),
            "fbias": f32(model.filter_bias_),
            "dense": [
                {"W": f32(W), "b": f32(b), "nin": int(W.shape[0]), "nout": int(W.shape[1])}
                for W, b in zip(model.coefs_, model.intercepts_, strict=True)
            ],
        }
    if is_network(model):
        w = mlp_weights(model)
        if len(w.coefs) != 2:
            raise NeuronLabError(
                f"The widgets draw networks with one hidden layer; this one has "
                f"{len(w.coefs) - 1}: train it with hidden_layer_sizes=(h,)."
            )
        _check_pixels(w.coefs[0].shape[0])
        return {
            "kind": "mlp",
            "classes": w.classes.tolist(),
            "W0": f32(w.coefs[0]),
            "b0": f32(w.intercepts[0]),
            "W1": f32(w.coefs[1]),
            "b1": f32(w.intercepts[1]),
            "activation": w.activation,
        }
    lw = linear_weights(model)
    _check_pixels(lw.coef.shape[1])
    return {
        "kind": "logistic",
        "classes": lw.classes.tolist(),
        "coef": f32(lw.coef),
        "intercept": f32(lw.intercept),
        "multi_class": multi_class(model),
    }


def multi_class(model: Any) -> str:
    """How a linear model turns its neurons into class probabilities: "ovr" or "multinomial"."""
    if hasattr(model, "estimators_"):
        return "ovr"
    strategy = getattr(model, "multi_class", None)
    # scikit-learn's LogisticRegression is multinomial for more than two classes.
    return strategy if strategy in ("ovr", "multinomial") else "multinomial"


def _check_pixels(n_features: int) -> None:
    if n_features != N_PIXELS:
        raise NeuronLabError(
            f"The model was trained on {n_features} features; the widgets need a model of "
            "28 x 28 = 784 pixels."
        )
