"""Activation functions by name: each one a value and its derivative.

``ACTIVATIONS`` maps a name (and sklearn's aliases) to an :class:`Activation`
whose ``fn`` and ``derivative`` take the weighted input ``z``. The network code
uses the in-place forms in ``FORWARD_INPLACE`` and ``OUTPUT_DERIVATIVE``, which
work on preallocated buffers and express the derivative through the unit's
output, as back-propagation has the output at hand and not ``z``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

ArrayFn = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Activation:
    """A named activation: ``fn(z)`` and its derivative ``derivative(z)``."""

    name: str
    fn: ArrayFn
    derivative: ArrayFn


def _sigmoid_derivative(z: np.ndarray) -> np.ndarray:
    s = expit(z)
    return s * (1.0 - s)


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0)


def _relu_derivative(z: np.ndarray) -> np.ndarray:
    return (np.asarray(z) > 0).astype(np.result_type(z, np.float32))


def _identity(z: np.ndarray) -> np.ndarray:
    return np.asarray(z)


def _identity_derivative(z: np.ndarray) -> np.ndarray:
    return np.ones_like(np.asarray(z, dtype=np.result_type(z, np.float32)))


def _tanh_derivative(z: np.ndarray) -> np.ndarray:
    return 1.0 - np.tanh(z) ** 2


def _arctan_derivative(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.square(z))


SIGMOID = Activation("sigmoid", expit, _sigmoid_derivative)
LINEAR = Activation("linear", _identity, _identity_derivative)
RELU = Activation("relu", _relu, _relu_derivative)
ARCTAN = Activation("arctan", np.arctan, _arctan_derivative)
TANH = Activation("tanh", np.tanh, _tanh_derivative)

ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": SIGMOID,
    "logistic": SIGMOID,
    "linear": LINEAR,
    "identity": LINEAR,
    "relu": RELU,
    "arctan": ARCTAN,
    "tanh": TANH,
}


def get_activation(name: str) -> Activation:
    """Return the activation called ``name``, or raise a ValueError listing the choices."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        choices = ", ".join(sorted(ACTIVATIONS))
        raise ValueError(f"Unknown activation {name!r}; choose one of: {choices}.") from None


def _identity_inplace(a: np.ndarray) -> None:
    """Identity leaves the buffer as it is."""


def _logistic_inplace(a: np.ndarray) -> None:
    expit(a, out=a)


def _tanh_inplace(a: np.ndarray) -> None:
    np.tanh(a, out=a)


def _relu_inplace(a: np.ndarray) -> None:
    np.maximum(a, 0, out=a)


def _identity_output_derivative(a: np.ndarray, delta: np.ndarray, work: np.ndarray) -> None:
    """Identity passes the error back unchanged."""


def _logistic_output_derivative(a: np.ndarray, delta: np.ndarray, work: np.ndarray) -> None:
    # sigma' = a (1 - a)
    np.subtract(1.0, a, out=work)
    work *= a
    delta *= work


def _tanh_output_derivative(a: np.ndarray, delta: np.ndarray, work: np.ndarray) -> None:
    # tanh' = 1 - a^2
    np.square(a, out=work)
    np.subtract(1.0, work, out=work)
    delta *= work


def _relu_output_derivative(a: np.ndarray, delta: np.ndarray, work: np.ndarray) -> None:
    delta[a <= 0] = 0.0


# In-place forms for the hidden layers of the MLP, keyed by sklearn's names.
FORWARD_INPLACE: dict[str, Callable[[np.ndarray], None]] = {
    "identity": _identity_inplace,
    "logistic": _logistic_inplace,
    "tanh": _tanh_inplace,
    "relu": _relu_inplace,
}

# ``f(a, delta, work)`` multiplies ``delta`` by the derivative written in terms of the output ``a``.
OUTPUT_DERIVATIVE: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], None]] = {
    "identity": _identity_output_derivative,
    "logistic": _logistic_output_derivative,
    "tanh": _tanh_output_derivative,
    "relu": _relu_output_derivative,
}
