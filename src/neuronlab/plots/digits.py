"""Chapters 2 and 5: a digit is 28 rows of numbers, and moving it scrambles the strip."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from neuronlab.analysis._arrays import SIDE, one_image
from neuronlab.data.transforms import shift
from neuronlab.plots._style import (
    GREY,
    HIGHLIGHT_COLOUR,
    PIXEL_LABEL,
    new_figure,
    scale_bar,
    styled,
)

# The page's orange row box (red is kept for positive weights).
HIGHLIGHT = to_rgb(HIGHLIGHT_COLOUR)


def _highlighted(image: np.ndarray, row: int) -> np.ndarray:
    """Grey image as RGB with ``row`` tinted orange (bright pixels stay bright)."""
    rgb = np.repeat(image.reshape(SIDE, SIDE, 1), 3, axis=2)
    rgb[row] = 0.35 * rgb[row] + 0.65 * np.asarray(HIGHLIGHT)
    return rgb


def _draw_square(ax: Axes, rgb: np.ndarray, title: str) -> None:
    ax.imshow(rgb, interpolation="nearest")
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([0, 27])


def _draw_strip(ax: Axes, rgb: np.ndarray, row: int, title: str) -> None:
    """The 784 pixels in one line, with ``row``'s 28 pixels tinted and bracketed."""
    ax.imshow(rgb.reshape(1, SIDE * SIDE, 3), aspect="auto", interpolation="nearest")
    ax.axvspan(row * SIDE - 0.5, (row + 1) * SIDE - 0.5, fill=False, edgecolor=HIGHLIGHT, lw=2)
    ax.set_yticks([])
    ax.set_xticks(np.arange(0, SIDE * SIDE + 1, 4 * SIDE))
    ax.set_xlabel(f"pixel number (row {row} is pixels {row * SIDE} to {row * SIDE + SIDE - 1})")
    ax.set_title(title)


def _legend(fig: Figure, row: int) -> None:
    fig.legend(
        handles=[Patch(color=HIGHLIGHT, label=f"row {row} and its 28 pixels in the strip")],
        loc="outside lower center",
    )


@styled
def digit_rows_figure(image: np.ndarray, row: int = 14, noun: str = "digit") -> Figure:
    """One image as a 28x28 picture and as a strip of 784 numbers, row ``row`` marked.

    ``noun`` names what the images are ("digit", or "image" for Fashion-MNIST).
    """
    pixels = one_image(image)
    rgb = _highlighted(pixels, row)
    fig = new_figure(11, 4.2)
    grid = fig.add_gridspec(2, 2, width_ratios=[1, 4], height_ratios=[3, 1])
    square = fig.add_subplot(grid[:, 0])
    _draw_square(square, rgb, f"The {noun}, 28 × 28")
    zoom = fig.add_subplot(grid[0, 1])
    zoom.imshow(
        pixels.reshape(SIDE, SIDE)[row : row + 1],
        cmap=GREY,
        vmin=0,
        vmax=1,
        aspect="auto",
        interpolation="nearest",
    )
    zoom.set_yticks([])
    zoom.set_title(f"Row {row} on its own: 28 numbers")
    strip = fig.add_subplot(grid[1, 1])
    _draw_strip(strip, rgb, row, "All 28 rows side by side: the 784 numbers the model sees")
    scale_bar(fig, GREY, 0, 1, [zoom, strip], PIXEL_LABEL, shrink=1.0)
    _legend(fig, row)
    fig.suptitle(f"{'An' if noun[0] in 'aeiou' else 'A'} {noun} is rows of numbers")
    return fig


def _describe(dy: int, dx: int, wrap: bool) -> str:
    parts = [f"{abs(dy)} px {'down' if dy > 0 else 'up'}"] if dy else []
    parts += [f"{abs(dx)} px {'right' if dx > 0 else 'left'}"] if dx else []
    moved = " and ".join(parts) if parts else "not moved"
    edge = "pixels wrap around the edge" if wrap else "blank pixels fill the gap"
    return f"Moved {moved}; {edge}"


@styled
def shift_figure(
    image: np.ndarray, dy: int, dx: int = 0, wrap: bool = True, row: int = 14
) -> Figure:
    """The digit before and after moving it, each with its 784-pixel strip.

    The marked row stays at the same place in the picture, so the strips show
    how different the moved digit looks to a pixel-by-pixel model.
    """
    pixels = one_image(image).reshape(SIDE, SIDE)
    moved = shift(pixels, dy, dx, wrap=wrap)
    fig = new_figure(11, 5.5)
    grid = fig.add_gridspec(2, 2, width_ratios=[1, 4])
    strips = []
    for r, (picture, name) in enumerate(((pixels, "Original"), (moved, "Moved"))):
        rgb = _highlighted(picture, row)
        _draw_square(fig.add_subplot(grid[r, 0]), rgb, name)
        strip = fig.add_subplot(grid[r, 1])
        _draw_strip(strip, rgb, row, f"{name}: the 784 numbers")
        strips.append(strip)
    scale_bar(fig, GREY, 0, 1, strips, PIXEL_LABEL, shrink=0.9)
    _legend(fig, row)
    fig.suptitle(_describe(dy, dx, wrap))
    return fig
