"""The arithmetic of a small convolutional network, on preallocated float32 buffers.

One convolution layer of ``F`` filters of ``k x k`` pixels, stride 1, "valid"
positions only (no padding: a 28 x 28 image gives ``28 - k + 1`` positions a
side), then ReLU, optional 2 x 2 max-pooling (floor: an odd last row or column
is dropped) and the dense layers of :mod:`neuronlab.models.network` on the maps
flattened in (filter, row, column) order, the order of PyTorch's ``NCHW``.

The convolution is one matrix product: a sliding-window view of the batch is
copied into an im2col buffer and multiplied by the ``(F, k*k)`` filters. The
buffer is laid out ``(k*k, batch, positions)`` so that every copy and every
later array operation runs along long rows. With pooling the positions are
ordered ``(2, 2, h/2, w/2)``: the four corners of the 2 x 2 windows are four
contiguous blocks, so pooling and its backward pass are a few whole-array
operations instead of strided ones (three times faster). Max-pooling commutes
with adding a per-filter bias and with ReLU, both increasing, so the raw products
are pooled first and the bias and ReLU touch a quarter of the values. The first
layer never needs the gradient with respect to its input, so the backward pass
is one more product. This module knows nothing of labels, epochs or scikit-learn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from neuronlab.models import network
from neuronlab.models.network import F32, Layout

POOL = 2


def image_shape_for(n_features: int) -> tuple[int, int]:
    """The image a row of ``n_features`` pixels holds: a square when it is one, else one row."""
    side = math.isqrt(n_features)
    return (side, side) if side * side == n_features else (1, n_features)


@dataclass(frozen=True)
class ConvShape:
    """Sizes of every stage for images of ``image`` pixels (height, width)."""

    image: tuple[int, int]
    size: int  # k
    filters: int  # F
    pool: bool

    @cached_property
    def padded(self) -> tuple[int, int]:
        """The image grown with zeros (bottom, right) until at least one output remains.

        Only tiny inputs (e.g. scikit-learn's two-feature test data) need this;
        28 x 28 digits are used as they are.
        """
        least = self.size + (POOL - 1 if self.pool else 0)
        return (max(self.image[0], least), max(self.image[1], least))

    @cached_property
    def conv(self) -> tuple[int, int]:
        return (self.padded[0] - self.size + 1, self.padded[1] - self.size + 1)

    @cached_property
    def maps(self) -> tuple[int, int]:
        """Height and width of each map the dense layers see (pooled or not)."""
        if not self.pool:
            return self.conv
        return (self.conv[0] // POOL, self.conv[1] // POOL)

    @cached_property
    def positions(self) -> tuple[int, ...]:
        """How the im2col buffer orders the positions it keeps (see the module docstring)."""
        if not self.pool:
            return self.conv
        return (POOL, POOL, *self.maps)

    @cached_property
    def n_features(self) -> int:
        return self.filters * self.maps[0] * self.maps[1]

    @cached_property
    def n_weights(self) -> int:
        return self.filters * self.size * self.size

    @cached_property
    def n_params(self) -> int:
        """Length of the convolution's flat buffer: ``[filters..., biases...]``."""
        return self.n_weights + self.filters

    def views(self, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Filters ``(F, k, k)`` and biases ``(F,)`` sharing memory with ``flat``."""
        k = self.size
        return flat[: self.n_weights].reshape(self.filters, k, k), flat[self.n_weights :]

    def pack(self, filters: np.ndarray, bias: np.ndarray) -> np.ndarray:
        """A new flat float32 buffer holding copies of ``filters`` and ``bias``."""
        return np.concatenate(
            [np.asarray(filters, dtype=F32).ravel(), np.asarray(bias, dtype=F32).ravel()]
        )


def to_images(shape: ConvShape, X: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Rows of pixels as ``(n, height, width)`` images: a view, or a zero-padded copy."""
    n = X.shape[0]
    if shape.padded == shape.image:
        return X.reshape(n, *shape.image)
    h, w = shape.image
    images = np.zeros((n, *shape.padded), dtype=F32) if out is None else out[:n]
    images[:, :h, :w] = X.reshape(n, h, w)
    return images


def windows(shape: ConvShape, images: np.ndarray) -> np.ndarray:
    """Every ``k x k`` patch of ``images`` (n, H, W), a view ``(n, rows, cols, k, k)``."""
    return sliding_window_view(images, (shape.size, shape.size), axis=(1, 2))


def im2col(shape: ConvShape, images: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Copy the patches of ``images`` into ``out`` ``(k*k, n, *shape.positions)``."""
    k, n = shape.size, images.shape[0]
    patches = windows(shape, images)
    if shape.pool:
        hp, wp = shape.maps
        # split rows and columns into (window, corner); an odd last row or column is dropped
        patches = patches[:, : POOL * hp, : POOL * wp].reshape(n, hp, POOL, wp, POOL, k, k)
        patches = patches.transpose(5, 6, 0, 2, 4, 1, 3)  # (k, k, n, 2, 2, hp, wp)
    else:
        patches = patches.transpose(3, 4, 0, 1, 2)  # (k, k, n, rows, cols)
    np.copyto(out.reshape(k, k, *out.shape[1:]), patches)
    return out


def convolve(shape: ConvShape, images: np.ndarray, filters: np.ndarray) -> np.ndarray:
    """Every filter at every position of ``images``: ``(n, F, rows, cols)``, no bias.

    The plain, unpooled order, for looking at one image (training uses :func:`features`).
    """
    return np.einsum("nyxij,fij->nfyx", windows(shape, images), filters, dtype=F32)


_CORNERS = [(dy, dx) for dy in range(POOL) for dx in range(POOL)]


def max_pool(conv: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Window maxima of ``conv`` ``(F, n, 2, 2, h, w)`` into ``out`` ``(F, n, h, w)``."""
    np.maximum(conv[:, :, 0, 0], conv[:, :, 0, 1], out=out)
    np.maximum(out, conv[:, :, 1, 0], out=out)
    np.maximum(out, conv[:, :, 1, 1], out=out)
    return out


def max_pool_backward(
    conv: np.ndarray, pooled: np.ndarray, grad: np.ndarray, out: np.ndarray, mask: np.ndarray
) -> None:
    """Send each window's gradient ``grad`` to the corner that held its maximum.

    On a tie the first corner (row by row) takes it all, as PyTorch does. ``grad``
    ``(F, n, h, w)`` is used as scratch; ``out`` ``(F, n, 2, 2, h, w)`` is fully written.
    """
    for i, (dy, dx) in enumerate(_CORNERS):
        np.equal(conv[:, :, dy, dx], pooled, out=mask)
        np.multiply(grad, mask, out=out[:, :, dy, dx])
        if i < len(_CORNERS) - 1:
            grad -= out[:, :, dy, dx]  # what this corner took, the later ties do not get


class Workspace:
    """Buffers for passes over up to ``batch`` rows; with ``dense``, for training too.

    Batch-sized arrays are kept flat and viewed by :meth:`rows`, so a shorter last
    batch still sees contiguous ``(k*k, rows * positions)`` matrices.
    """

    def __init__(self, shape: ConvShape, batch: int, dense: Layout | None = None) -> None:
        self.shape = shape
        self.batch = batch
        k2, f = shape.size**2, shape.filters
        # name -> (leading size, trailing shape, dtype) of each (lead, rows, *trailing) stage
        self._stages = {
            "cols": (k2, shape.positions, F32),
            "conv": (f, shape.positions, F32),
            "pooled": (f, shape.maps, F32),
        }
        padded = shape.padded != shape.image
        self.images = np.zeros((batch, *shape.padded), dtype=F32) if padded else None
        if dense is not None:
            self._stages |= {
                "dconv": (f, shape.positions, F32),
                "dmaps": (f, shape.maps, F32),
                "mask": (f, shape.maps, bool),
            }
            self.X = np.empty((batch, shape.image[0] * shape.image[1]), dtype=F32)
            self.dense = network.Workspace(dense, batch)  # its X holds the features
            self.dfeatures = np.empty((batch, shape.n_features), dtype=F32)
            self.ones = np.ones(batch, dtype=F32)
            self.grad = np.empty(shape.n_params, dtype=F32)
            self.grad_filters = self.grad[: shape.n_weights].reshape(f, k2)
            self.grad_bias = self.grad[shape.n_weights :]
        self._flat = {
            name: np.empty(lead * batch * math.prod(trailing), dtype=dtype)
            for name, (lead, trailing, dtype) in self._stages.items()
        }

    def rows(self, rows: int) -> dict[str, np.ndarray]:
        """Views of the stage buffers for ``rows`` rows, each ``(lead, rows, *trailing)``."""
        views = {}
        for name, (lead, trailing, _) in self._stages.items():
            size = lead * rows * math.prod(trailing)
            views[name] = self._flat[name][:size].reshape(lead, rows, *trailing)
        return views


def features(
    shape: ConvShape,
    filters: np.ndarray,
    bias: np.ndarray,
    images: np.ndarray,
    bufs: dict[str, np.ndarray],
    out: np.ndarray,
) -> None:
    """Convolve, pool, add the bias and apply ReLU; ``out`` (n, F*maps) gets the features.

    ``bufs`` are the stage buffers of :meth:`Workspace.rows`; ``conv`` keeps the raw
    products and ``pooled`` their maxima, which the backward pass reads.
    """
    f, rows = shape.filters, images.shape[0]
    cols = im2col(shape, images, bufs["cols"])
    conv = bufs["conv"]
    np.matmul(filters.reshape(f, -1), cols.reshape(cols.shape[0], -1), out=conv.reshape(f, -1))
    maps = max_pool(conv, bufs["pooled"]) if shape.pool else conv
    # bias and ReLU, written straight into the (n, F, h, w) order the dense layer reads
    staged = out.reshape(rows, f, *shape.maps)
    np.add(maps.transpose(1, 0, 2, 3), bias[:, None, None], out=staged)
    np.maximum(out, 0.0, out=out)


def loss_and_gradient(
    ws: Workspace,
    conv_params: np.ndarray,
    dense_params: np.ndarray,
    coefs: list[np.ndarray],
    intercepts: list[np.ndarray],
    rows: int,
    labels: np.ndarray,
    alpha: float,
) -> float:
    """Forward and backward pass over ``ws.X[:rows]``; fills both gradients, returns the loss.

    ``ws.dense.Y[:rows]`` holds one-hot targets and ``labels`` the class indices.
    The loss is scikit-learn's: mean log loss plus ``alpha / 2 * ||W||^2 / rows`` over
    every weight (filters and dense matrices, not the biases). The convolution's
    gradient lands in ``ws.grad``, the dense layers' in ``ws.dense.grad``.
    """
    shape = ws.shape
    f = shape.filters
    filters, bias = shape.views(conv_params)
    bufs = ws.rows(rows)
    images = to_images(shape, ws.X[:rows], ws.images)
    feats = ws.dense.X[:rows]
    features(shape, filters, bias, images, bufs, feats)
    loss = network.loss_and_gradient(
        ws.dense, dense_params, coefs, intercepts, rows, labels, "relu", "softmax", alpha
    )
    weights = conv_params[: shape.n_weights]
    loss += 0.5 * alpha * float(np.dot(weights, weights)) / rows

    # network.loss_and_gradient leaves the first dense layer's error in deltas[0]
    dfeats = ws.dfeatures[:rows]
    np.matmul(ws.dense.deltas[0][:rows], coefs[0].T, out=dfeats)
    dfeats *= feats > 0  # ReLU
    column_sums = ws.ones[:rows] @ dfeats
    np.sum(column_sums.reshape(f, -1), axis=1, out=ws.grad_bias)

    dmaps = bufs["dmaps"]
    np.copyto(dmaps, dfeats.reshape(rows, f, *shape.maps).transpose(1, 0, 2, 3))
    if shape.pool:
        dconv = bufs["dconv"]
        max_pool_backward(bufs["conv"], bufs["pooled"], dmaps, dconv, bufs["mask"])
    else:
        dconv = dmaps
    cols = bufs["cols"]
    # (k*k, N) @ (N, F) into the transposed view: 20% faster than (F, N) @ (N, k*k)
    np.matmul(cols.reshape(cols.shape[0], -1), dconv.reshape(f, -1).T, out=ws.grad_filters.T)
    ws.grad_filters += F32(alpha / rows) * filters.reshape(f, -1)
    return loss


def forward_features(
    shape: ConvShape, filters: np.ndarray, bias: np.ndarray, X: np.ndarray, chunk: int = 256
) -> np.ndarray:
    """Features ``(n, F*maps)`` of every row of ``X``, computed ``chunk`` rows at a time."""
    n = X.shape[0]
    out = np.empty((n, shape.n_features), dtype=F32)
    ws = Workspace(shape, min(chunk, max(n, 1)))
    for lo in range(0, n, ws.batch):
        hi = min(lo + ws.batch, n)
        images = to_images(shape, X[lo:hi], ws.images)
        features(shape, filters, bias, images, ws.rows(hi - lo), out[lo:hi])
    return out
