"""Chapter 9: the test images a model got wrong, with how sure it was."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from neuronlab.plots._style import (
    GREY,
    PIXEL_LABEL,
    grid_shape,
    map_grid,
    new_figure,
    scale_bar,
    show_pixels,
    styled,
)


@styled
def mistakes_figure(
    images: np.ndarray,
    true: Sequence,
    pred: Sequence,
    confidence: Sequence[float],
    class_names: Sequence[str] | None = None,
) -> Figure:
    """A grid of digits, each titled with its true class, the model's guess and confidence."""
    images = np.asarray(images)
    n = len(images)
    rows, cols = grid_shape(max(n, 1))
    fig = new_figure(1.6 * cols + 1.4, 1.9 * rows + 0.6)
    if n == 0:
        ax = fig.subplots()
        ax.axis("off")
        ax.text(0.5, 0.5, "No mistakes here", ha="center", va="center", fontsize=14)
        return fig

    def name(label: object) -> str:
        return class_names[int(label)] if class_names is not None else str(label)

    scaled = images / 255.0 if images.dtype == np.uint8 else images
    axes = map_grid(fig, n)
    for ax, image, t, p, c in zip(axes, scaled, true, pred, confidence, strict=True):
        show_pixels(ax, image)
        ax.set_title(f"true {name(t)}\nsaid {name(p)} ({c:.0%})", fontsize=8)
    scale_bar(fig, GREY, 0, 1, axes, PIXEL_LABEL)
    fig.suptitle("Mistakes, most confident first (percent = the model's confidence)")
    return fig
