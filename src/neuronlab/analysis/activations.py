"""What each neuron does with one chosen image."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neuronlab.analysis._arrays import SIDE, one_image
from neuronlab.analysis.weights import MLPWeights, linear_weights, mlp_weights
from neuronlab.errors import NeuronLabError
from neuronlab.models import ACTIVATIONS


@dataclass(frozen=True)
class HiddenActivations:
    """One image passing through the first hidden layer of a network.

    ``weighted[u]`` is the image times unit ``u``'s weights (28x28), ``total`` its
    sum plus the bias, ``output`` the unit's activation of that total, and
    ``probabilities`` the network's output for the image (one per class).
    """

    weighted: np.ndarray
    total: np.ndarray
    output: np.ndarray
    probabilities: np.ndarray
    classes: np.ndarray


def _activation(name: str):
    if name not in ACTIVATIONS:
        raise NeuronLabError(
            f"Unknown activation {name!r}: use one of {', '.join(sorted(ACTIVATIONS))}."
        )
    return ACTIVATIONS[name].fn


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


def _output_probabilities(layers: MLPWeights, hidden: np.ndarray) -> np.ndarray:
    """Run the rest of the network from the first hidden layer's output."""
    a = hidden
    last = len(layers.coefs) - 1
    for i in range(1, last):
        a = _activation(layers.activation)(a @ layers.coefs[i] + layers.intercepts[i])
    z = a @ layers.coefs[last] + layers.intercepts[last]
    if layers.out_activation == "softmax":
        return _softmax(z)
    p = _activation(layers.out_activation)(z)
    # A binary network has one output unit; predict_proba reports both classes.
    return np.concatenate([1.0 - p, p]) if p.size == 1 else p


def hidden_activations(model: object, x: np.ndarray) -> HiddenActivations:
    """Trace image ``x`` (784 values or 28x28, in [0, 1]) through a fitted MLP."""
    layers = mlp_weights(model)
    x = one_image(x)
    weights = layers.coefs[0]
    weighted = (x[:, None] * weights).T.reshape(-1, SIDE, SIDE)
    total = weighted.reshape(len(weighted), -1).sum(axis=1) + layers.intercepts[0]
    output = _activation(layers.activation)(total)
    return HiddenActivations(
        weighted=weighted,
        total=total,
        output=output,
        probabilities=_output_probabilities(layers, output),
        classes=layers.classes,
    )


def ten_outputs(model: object, x: np.ndarray) -> np.ndarray:
    """Each one-vs-rest neuron's output, sigmoid(w·x + b), for image ``x``.

    With a multinomial model these are still each neuron's own sigmoid, so they
    need not sum to one; the loudest neuron is the prediction either way.
    """
    weights = linear_weights(model)
    return _activation("logistic")(weights.decision(one_image(x))[0])
