"""The arithmetic of a fully connected network, on one flat float32 buffer.

All weights and biases live in one contiguous float32 array (``[W1, W2, ...,
b1, b2, ...]``); the per-layer matrices are views into it. Gradients and the
optimiser state use the same layout, so an Adam or SGD step is a handful of
in-place operations on whole arrays, and the L2 penalty, which applies to the
weights only, touches one contiguous slice. Every per-batch buffer is allocated
once. This module knows nothing of labels, epochs or scikit-learn.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.special import expit

from neuronlab.models.activations import FORWARD_INPLACE, OUTPUT_DERIVATIVE

F32 = np.float32
# scikit-learn clips probabilities to [eps, 1 - eps] of their dtype before taking logs
_EPS = float(np.finfo(F32).eps)


@dataclass(frozen=True)
class Layout:
    """Where each layer's weights and biases sit in the flat buffer."""

    units: tuple[int, ...]  # (n_features, hidden..., n_outputs)

    @cached_property
    def shapes(self) -> list[tuple[int, int]]:
        return list(zip(self.units[:-1], self.units[1:], strict=True))

    @cached_property
    def n_weights(self) -> int:
        return sum(a * b for a, b in self.shapes)

    @cached_property
    def size(self) -> int:
        return self.n_weights + sum(self.units[1:])

    def views(self, flat: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Per-layer weight matrices and bias vectors sharing memory with ``flat``."""
        coefs, intercepts = [], []
        start = 0
        for fan_in, fan_out in self.shapes:
            coefs.append(flat[start : start + fan_in * fan_out].reshape(fan_in, fan_out))
            start += fan_in * fan_out
        for fan_out in self.units[1:]:
            intercepts.append(flat[start : start + fan_out])
            start += fan_out
        return coefs, intercepts

    def pack(self, coefs: list[np.ndarray], intercepts: list[np.ndarray]) -> np.ndarray:
        """A new flat float32 buffer holding copies of ``coefs`` and ``intercepts``."""
        parts = [np.asarray(c, dtype=F32).ravel() for c in coefs]
        parts += [np.asarray(b, dtype=F32).ravel() for b in intercepts]
        return np.concatenate(parts)


def forward(
    layout: Layout, params: np.ndarray, X: np.ndarray, hidden: str, output: str
) -> np.ndarray:
    """Output-layer activations for a whole array ``X`` (allocates; for prediction)."""
    coefs, intercepts = layout.views(params)
    a = np.asarray(X, dtype=F32)
    for i, (W, b) in enumerate(zip(coefs, intercepts, strict=True)):
        a = a @ W
        a += b
        if i < len(coefs) - 1:
            FORWARD_INPLACE[hidden](a)
    _output_inplace(a, output)
    return a


def _output_inplace(a: np.ndarray, output: str) -> None:
    if output == "softmax":
        # Row maxima of the transposed copy: reductions along rows of ten values are
        # slow in NumPy (13 us for 256 rows, against 4 us this way); the maxima are equal.
        a -= np.ascontiguousarray(a.T).max(axis=0)[:, None]
        np.exp(a, out=a)
        # row sums as a product: on rows of ten, 4 us against 10 us for sum(axis=1)
        a /= (a @ np.ones(a.shape[1], dtype=F32))[:, None]
    else:
        expit(a, out=a)


class Workspace:
    """Preallocated buffers for forward and backward passes of up to ``batch`` rows."""

    def __init__(self, layout: Layout, batch: int) -> None:
        self.layout = layout
        self.X = np.empty((batch, layout.units[0]), dtype=F32)
        self.Y = np.empty((batch, layout.units[-1]), dtype=F32)
        self.acts = [np.empty((batch, u), dtype=F32) for u in layout.units[1:]]
        self.deltas = [np.empty((batch, u), dtype=F32) for u in layout.units[1:]]
        self.work = [np.empty((batch, u), dtype=F32) for u in layout.units[1:]]
        self.grad = np.empty(layout.size, dtype=F32)
        self.scratch = np.empty(layout.n_weights, dtype=F32)
        self.ones = np.ones(batch, dtype=F32)
        self.grad_coefs, self.grad_intercepts = layout.views(self.grad)


def loss_and_gradient(
    ws: Workspace,
    params: np.ndarray,
    coefs: list[np.ndarray],
    intercepts: list[np.ndarray],
    rows: int,
    labels: np.ndarray,
    hidden: str,
    output: str,
    alpha: float,
) -> float:
    """Forward and backward pass over ``ws.X[:rows]``; fills ``ws.grad``, returns the loss.

    ``ws.Y[:rows]`` holds the targets (one-hot, or one 0/1 column for two
    classes) and ``labels`` the class index of each row. The loss is
    scikit-learn's: mean log loss plus ``alpha / 2 * ||W||^2 / rows``.
    """
    n_layers = len(coefs)
    a = ws.X[:rows]
    acts = [act[:rows] for act in ws.acts]
    for i in range(n_layers):
        np.matmul(a, coefs[i], out=acts[i])
        acts[i] += intercepts[i]
        if i < n_layers - 1:
            FORWARD_INPLACE[hidden](acts[i])
        a = acts[i]
    _output_inplace(a, output)

    weights = params[: ws.layout.n_weights]
    loss = _log_loss(a, labels, output) + 0.5 * alpha * float(np.dot(weights, weights)) / rows

    delta = ws.deltas[-1][:rows]
    np.subtract(a, ws.Y[:rows], out=delta)
    delta *= F32(1.0 / rows)  # gradients are means over the batch
    for i in range(n_layers - 1, -1, -1):
        below = ws.X[:rows] if i == 0 else acts[i - 1]
        np.matmul(below.T, delta, out=ws.grad_coefs[i])
        np.matmul(ws.ones[:rows], delta, out=ws.grad_intercepts[i])  # column sums, fast
        if i > 0:
            next_delta = ws.deltas[i - 1][:rows]
            np.matmul(delta, coefs[i].T, out=next_delta)
            OUTPUT_DERIVATIVE[hidden](acts[i - 1], next_delta, ws.work[i - 1][:rows])
            delta = next_delta
    np.multiply(weights, F32(alpha / rows), out=ws.scratch)
    ws.grad[: ws.layout.n_weights] += ws.scratch
    return loss


def _log_loss(probabilities: np.ndarray, labels: np.ndarray, output: str) -> float:
    """Mean negative log-likelihood of the true classes, clipped like scikit-learn's."""
    rows = probabilities.shape[0]
    if output == "softmax":
        p = probabilities[np.arange(rows), labels]
    else:
        p = probabilities[:, 0].copy()
        flip = labels == 0
        p[flip] = F32(1.0) - p[flip]
    # the ufuncs themselves: np.clip's Python wrapper costs more than the work here
    np.maximum(p, F32(_EPS), out=p)
    np.minimum(p, F32(1.0 - _EPS), out=p)
    np.log(p, out=p)
    return -float(p.sum(dtype=np.float64)) / rows


class Adam:
    """Adam with scikit-learn's update ``-lr_t * m / (sqrt(v) + epsilon)``, in place."""

    def __init__(
        self, size: int, learning_rate: float, beta_1: float, beta_2: float, epsilon: float
    ):
        self.learning_rate = learning_rate
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.t = 0
        self.m = np.zeros(size, dtype=F32)
        self.v = np.zeros(size, dtype=F32)
        self.tmp = np.empty(size, dtype=F32)

    def step(self, params: np.ndarray, grad: np.ndarray) -> None:
        self.t += 1
        b1, b2, tmp = self.beta_1, self.beta_2, self.tmp
        lr = self.learning_rate * np.sqrt(1.0 - b2**self.t) / (1.0 - b1**self.t)
        # m <- b1 m + (1 - b1) g, written as b1 (m - g) + g to need no temporary
        self.m -= grad
        self.m *= F32(b1)
        self.m += grad
        np.multiply(grad, grad, out=tmp)
        self.v -= tmp
        self.v *= F32(b2)
        self.v += tmp
        np.sqrt(self.v, out=tmp)
        tmp += F32(self.epsilon)
        np.divide(self.m, tmp, out=tmp)
        tmp *= F32(-lr)
        params += tmp


class SGD:
    """SGD with (Nesterov) momentum as scikit-learn does it, in place."""

    def __init__(self, size: int, learning_rate: float, momentum: float, nesterov: bool):
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov
        self.velocity = np.zeros(size, dtype=F32)
        self.tmp = np.empty(size, dtype=F32)

    def step(self, params: np.ndarray, grad: np.ndarray) -> None:
        tmp = self.tmp
        np.multiply(grad, F32(self.learning_rate), out=tmp)
        self.velocity *= F32(self.momentum)
        self.velocity -= tmp
        if self.nesterov:
            # update = momentum * velocity - lr * grad
            params -= tmp
            np.multiply(self.velocity, F32(self.momentum), out=tmp)
            params += tmp
        else:
            params += self.velocity
