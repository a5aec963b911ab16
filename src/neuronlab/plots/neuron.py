"""Chapter 1: one neuron, its inputs, weights, weighted inputs and output."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from neuronlab.models import ACTIVATIONS
from neuronlab.plots._style import (
    GREY,
    colour_bar,
    limit,
    new_figure,
    show,
    show_activity,
    show_weights,
    styled,
    text_colour,
)


def _label_cells(ax: Axes, artist, values: np.ndarray, name: str) -> None:
    """Write each cell's name and value on it, in black or white to stay legible."""
    for i, value in enumerate(values):
        colour = text_colour(artist.cmap(artist.norm(value)))
        ax.text(0, i, f"{name}{i + 1}\n{value:.2f}", ha="center", va="center", color=colour)


@styled
def neuron_figure(
    inputs: np.ndarray, weights: np.ndarray, bias: float = 0.0, activation: str = "sigmoid"
) -> Figure:
    """Inputs, weights, weighted inputs and the activation curve of one neuron.

    The weighted inputs use a fixed range (the largest |weight|, since inputs lie
    in [0, 1]) so moving an input changes the colour, never the scale. The curve
    spans every z the inputs can reach.
    """
    x = np.asarray(inputs, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    fn = ACTIVATIONS[activation].fn
    z = float(x @ w + bias)
    y = float(fn(np.array([z]))[0])

    fig = new_figure(11, 4)
    grid = fig.add_gridspec(1, 4, width_ratios=[1.2, 1.2, 1.2, 3.5])
    columns = [fig.add_subplot(grid[0, i]) for i in range(3)]
    vrange = limit(w)
    panels = (
        (show(columns[0], x[:, None], GREY, 0, 1, "Inputs x"), x, "x", "input"),
        (show_weights(columns[1], w[:, None], vrange, "Weights w"), w, "w", "weight"),
        (show_activity(columns[2], (x * w)[:, None], vrange, "x × w"), x * w, "x·w", "x × w"),
    )
    meanings = ("black 0, white 1", "red excites, blue inhibits", "green up, magenta down")
    for ax, (artist, values, name, label), meaning in zip(columns, panels, meanings, strict=True):
        _label_cells(ax, artist, values, name)
        colour_bar(fig, artist, ax, f"{label}\n({meaning})", location="bottom", shrink=1.0)

    curve = fig.add_subplot(grid[0, 3])
    low, high = bias + w[w < 0].sum(), bias + w[w > 0].sum()
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    zs = np.linspace(low, high, 200)
    curve.plot(zs, fn(zs), color="black", label=f"{activation}(z)")
    curve.plot(
        [z],
        [y],
        "o",
        color="#e69f00",
        markeredgecolor="#1d232b",
        markersize=10,
        label="this neuron now",
    )
    curve.set_xlabel("z = w·x + b (total input)")
    curve.set_ylabel("output")
    curve.set_title(f"z = {z:.2f}, output = {y:.3f}")
    curve.grid(True, alpha=0.3)
    curve.legend(loc="upper left")
    fig.suptitle(f"One neuron with the {activation} activation and bias {bias:g}")
    return fig
