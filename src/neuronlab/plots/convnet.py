"""Chapter 10 (6b): the convolutional network's filters, and what it does with one image."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure

from neuronlab.plots._style import (
    ACTIVITY,
    ACTIVITY_LABEL,
    OTHER_COLOUR,
    RELATIVE_WEIGHT_LABEL,
    WEIGHTS,
    WINNER_COLOUR,
    limit,
    new_figure,
    scale_bar,
    show,
    show_pixels,
    styled,
)

# Filters and maps in rows of at most this many, as on the page (js/cnnview.js lays out
# up to 8 in two rows; a figure has room for one row of 8).
PER_ROW = 8
# Colour bars under their row of maps: their labels are long for a bar beside a short row.
BAR = {"location": "bottom", "shrink": 0.5, "aspect": 50}


def _row_of_maps(fig: Figure | SubFigure, n: int) -> list[Axes]:
    rows = int(np.ceil(n / PER_ROW))
    cols = min(PER_ROW, n)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.remove()
    return list(axes[:n])


@styled
def cnn_figure(model: Any, image: np.ndarray, class_names: Sequence[str] | None = None) -> Figure:
    """A fitted :class:`~neuronlab.models.ConvNetClassifier` and one image through it.

    Four rows: the input beside the learned filters (red/blue, each on its own range, as
    on the page); each filter's map of the image before ReLU (green/magenta, one range
    for all); the maps after ReLU and pooling, which the output layer reads; and the
    class probabilities.
    """
    maps = model.feature_maps(np.asarray(image, dtype=np.float32).reshape(-1) / _peak(image))
    filters = np.asarray(model.filters_)
    n = len(filters)
    rows = int(np.ceil(n / PER_ROW))
    fig = new_figure(12, 2.6 + 6.2 * rows)
    top, middle, pooled_row, bottom = fig.subfigures(4, 1, height_ratios=[rows, rows, rows, 1.3])

    left, right = top.subfigures(1, 2, width_ratios=[1, 5])
    show_pixels(left.subplots(), _unit_image(image), "input")
    axes = _row_of_maps(right, n)
    for f, (ax, weights) in enumerate(zip(axes, filters, strict=True)):
        show(ax, weights / limit(weights), WEIGHTS, -1.0, 1.0, f"filter {f}")
    scale_bar(right, WEIGHTS, -1.0, 1.0, axes, RELATIVE_WEIGHT_LABEL, **BAR)
    k = filters.shape[1]
    right.suptitle(f"The {n} learned filters, {k} × {k} weights each, shared by every position")

    vrange = limit(maps.conv)
    axes = _row_of_maps(middle, n)
    for f, (ax, values) in enumerate(zip(axes, maps.conv, strict=True)):
        show(ax, values, ACTIVITY, -vrange, vrange, f"map {f}")
    scale_bar(middle, ACTIVITY, -vrange, vrange, axes, ACTIVITY_LABEL + ", summed + bias", **BAR)
    h, w = maps.conv.shape[1:]
    middle.suptitle(
        f"Each filter slid over the image: {h} × {w} maps (green: its pattern is there)"
    )

    top_value = limit(maps.pooled)
    axes = _row_of_maps(pooled_row, n)
    for f, (ax, values) in enumerate(zip(axes, maps.pooled, strict=True)):
        show(ax, values, ACTIVITY, -top_value, top_value, f"map {f}")
    scale_bar(pooled_row, ACTIVITY, -top_value, top_value, axes, "after ReLU: 0 or more", **BAR)
    ph, pw = maps.pooled.shape[1:]
    how = "ReLU, then the largest of every 2 × 2" if model.pool else "ReLU (no pooling)"
    pooled_row.suptitle(f"What the output layer reads: {how}, {ph} × {pw} maps")

    bars = bottom.subplots()
    probabilities = maps.probabilities
    names = list(class_names) if class_names is not None else [str(c) for c in model.classes_]
    winner = int(np.argmax(probabilities))
    colours = [OTHER_COLOUR] * len(names)
    colours[winner] = WINNER_COLOUR
    bars.bar(range(len(names)), probabilities, color=colours)
    bars.set_xticks(range(len(names)), names)
    bars.set_ylim(0, 1)
    bars.set_ylabel("probability")
    bars.set_title(f"The CNN's answer: {names[winner]} (orange bar = its choice)")
    fig.suptitle("One image through a convolutional network")
    return fig


def _peak(image: np.ndarray) -> float:
    """255 for raw uint8 pixels, 1 for images already in [0, 1]."""
    return 255.0 if np.asarray(image).dtype == np.uint8 else 1.0


def _unit_image(image: np.ndarray) -> np.ndarray:
    """The image as a 28 x 28 array in [0, 1]."""
    return np.asarray(image, dtype=np.float64).reshape(28, 28) / _peak(image)
