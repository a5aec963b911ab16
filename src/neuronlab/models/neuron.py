"""One artificial neuron: weighted inputs, their sum plus a bias, and an activation."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from neuronlab.models.activations import Activation, get_activation

# The course's weights. Its text gave the fifth weight as 4, its code used -4; -4 is right.
COURSE_WEIGHTS: tuple[float, ...] = (2.0, 4.0, -2.0, 0.0, -4.0)


class Neuron:
    """A single neuron ``output = activation(x . weights + bias)``.

    ``x`` may be one input vector of shape ``(n,)`` or a batch ``(m, n)``.
    """

    def __init__(
        self, weights: ArrayLike, bias: float = 0.0, activation: str | Activation = "sigmoid"
    ) -> None:
        w = np.asarray(weights, dtype=np.float64)
        if w.ndim != 1 or w.size == 0:
            raise ValueError(f"weights must be a non-empty 1-D sequence, got shape {w.shape}.")
        if not np.all(np.isfinite(w)) or not np.isfinite(bias):
            raise ValueError("weights and bias must be finite numbers.")
        self.weights = w
        self.bias = float(bias)
        self.activation = (
            activation if isinstance(activation, Activation) else get_activation(activation)
        )

    @classmethod
    def course_default(cls, activation: str | Activation = "sigmoid") -> Neuron:
        """The course's five-input neuron with weights ``[2, 4, -2, 0, -4]`` and no bias."""
        return cls(COURSE_WEIGHTS, 0.0, activation)

    def _inputs(self, x: ArrayLike) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim not in (1, 2) or x.shape[-1] != self.weights.size:
            raise ValueError(
                f"x must have {self.weights.size} inputs per row (shape ({self.weights.size},) "
                f"or (m, {self.weights.size})), got shape {x.shape}."
            )
        return x

    def weighted_inputs(self, x: ArrayLike) -> np.ndarray:
        """Each input times its weight, same shape as ``x``."""
        return self._inputs(x) * self.weights

    def z(self, x: ArrayLike) -> np.ndarray | float:
        """The total input: sum of the weighted inputs plus the bias."""
        z = self._inputs(x) @ self.weights + self.bias
        return float(z) if np.ndim(z) == 0 else z

    def output(self, x: ArrayLike) -> np.ndarray | float:
        """The activation of the total input."""
        out = self.activation.fn(np.asarray(self.z(x)))
        return float(out) if np.ndim(out) == 0 else out

    def __repr__(self) -> str:
        weights = ", ".join(f"{w:g}" for w in self.weights)
        return (
            f"Neuron(weights=[{weights}], bias={self.bias:g}, activation={self.activation.name!r})"
        )
