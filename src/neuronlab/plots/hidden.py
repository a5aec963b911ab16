"""Chapter 6: the hidden layer's weights, and what it does with one image."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from neuronlab.analysis import HiddenActivations
from neuronlab.plots._style import (
    ACTIVITY,
    ACTIVITY_LABEL,
    GREY,
    OTHER_COLOUR,
    RELATIVE_WEIGHT_LABEL,
    WEIGHTS,
    WINNER_COLOUR,
    colour_bar,
    grid_shape,
    limit,
    map_grid,
    new_figure,
    scale_bar,
    show,
    show_activity,
    show_weights,
    styled,
)


@styled
def hidden_grid(coefs0: np.ndarray) -> Figure:
    """Every hidden unit's 784 input weights as a 28x28 map, each on its own range.

    ``coefs0`` is the first layer, ``(784, h)`` as in ``model.coefs_[0]``. Each map
    is scaled to its own largest weight, as on the page and in the widgets.
    """
    coefs0 = np.asarray(coefs0)
    maps = coefs0.T.reshape(-1, 28, 28)
    rows, cols = grid_shape(len(maps))
    fig = new_figure(1.3 * cols + 1.4, 1.3 * rows + 0.6)
    axes = map_grid(fig, len(maps))
    for unit, (ax, weights) in enumerate(zip(axes, maps, strict=True)):
        show_weights(ax, weights / limit(weights), 1.0)
        # Numbered from 0 as everywhere in the lab (and as model.coefs_[0][:, unit]).
        ax.set_title(f"unit {unit}", fontsize=7, pad=2)
    scale_bar(fig, WEIGHTS, -1.0, 1.0, axes, RELATIVE_WEIGHT_LABEL)
    fig.suptitle(f"What each of the {len(maps)} hidden units looks for")
    return fig


def _as_grid(values: np.ndarray) -> np.ndarray:
    """Unit values laid out row by row in the same grid as the maps; NaN where unused."""
    rows, cols = grid_shape(len(values))
    grid = np.full(rows * cols, np.nan)
    grid[: len(values)] = values
    return grid.reshape(rows, cols)


@styled
def hidden_activations_figure(
    acts: HiddenActivations, class_names: Sequence[str] | None = None
) -> Figure:
    """One image through the hidden layer: input × weights, totals, outputs, answer.

    Units sit in the same grid positions in the three unit panels, so unit 5's
    map, total and output line up.
    """
    n = len(acts.total)
    fig = new_figure(14, 6)
    left, right = fig.subfigures(1, 2, width_ratios=[1.3, 1])

    vrange = limit(acts.weighted)
    axes = map_grid(left, n)
    for ax, weighted in zip(axes, acts.weighted, strict=True):
        show_activity(ax, weighted, vrange)
    scale_bar(left, ACTIVITY, -vrange, vrange, axes, ACTIVITY_LABEL)
    left.suptitle("The image times each unit's weights")

    top, bottom = right.subfigures(2, 1, height_ratios=[1, 1])
    total_ax, output_ax = top.subplots(1, 2)
    total_range = limit(acts.total)
    artist = show(
        total_ax,
        _as_grid(acts.total),
        ACTIVITY,
        -total_range,
        total_range,
        "Total input of each unit",
    )
    colour_bar(top, artist, total_ax, "sum + bias (green +, magenta −)", location="bottom")
    # One fixed scale, as on the page: 0 is black, 1 (and any ReLU output above it) white.
    artist = show(output_ax, _as_grid(acts.output), GREY, 0.0, 1.0, "Output of each unit")
    colour_bar(top, artist, output_ax, "unit output (black 0, white 1 or more)", location="bottom")

    bars = bottom.subplots()
    names = list(class_names) if class_names is not None else [str(c) for c in acts.classes]
    winner = int(np.argmax(acts.probabilities))
    colours = [OTHER_COLOUR] * len(names)
    colours[winner] = WINNER_COLOUR
    bars.bar(range(len(names)), acts.probabilities, color=colours)
    bars.set_xticks(range(len(names)), names)
    bars.set_ylim(0, 1)
    bars.set_ylabel("probability")
    bars.set_title(f"The network's answer: {names[winner]} (orange bar = its choice)")
    fig.suptitle("One image through the hidden layer")
    return fig
