"""Colours, layout and small drawing helpers shared by every figure.

Conventions (the same in the web app): weights are red-white-blue centred at
zero with red = positive (excitatory); input × weight is green (pushes the
output up) / magenta (pushes it down) on a symmetric range; images and unit
outputs are grey, black = 0.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colorbar import Colorbar
from matplotlib.colors import Normalize
from matplotlib.figure import Figure, SubFigure
from matplotlib.image import AxesImage

# "bwr" runs blue (low) -> white -> red (high), so positive weights are red.
WEIGHTS = "bwr"
# "PiYG" runs magenta (low) -> white -> green (high), so positive products are green.
ACTIVITY = "PiYG"
GREY = "gray"
# Red/blue and green/magenta mean the sign of a weight and of input x weight, and nothing else:
# counts, data splits, models and the winning answer take other hues, the same as the web page's
# (web/static/js/palette.js, from the Okabe-Ito colour-blind-safe set).
COUNTS = "YlOrBr"
TRAIN_COLOUR = "#e69f00"
TEST_COLOUR = "#1d232b"
WINNER_COLOUR = "#e69f00"
OTHER_COLOUR = "#b9c0c8"
MODEL_COLOURS = {"logistic": "#1d232b", "mlp": "#e69f00", "augmented": "#8a6d00", "cnn": "#56b4e9"}
# Dash patterns as palette.js's (on, off in points), so no line is told apart by colour alone.
MODEL_DASHES: dict[str, tuple[float, ...]] = {
    "logistic": (2, 3),
    "mlp": (),
    "augmented": (8, 3),
    "cnn": (),
}
TRAIN_DASH = (6, 4)
LOSS_COLOUR = "#1d232b"
HIGHLIGHT_COLOUR = "#f0a500"
# Per-unit and per-class weight maps are each scaled to their own largest |weight|, as on the
# page, so a colour bar for a grid of them reads from -1 (its most negative) to +1.
RELATIVE_WEIGHT_LABEL = "weight ÷ the map's largest |weight| (red excites, blue inhibits)"

WEIGHT_LABEL = "weight (red excites, blue inhibits)"
ACTIVITY_LABEL = "input × weight (green pushes up, magenta down)"
PIXEL_LABEL = "pixel brightness (black 0, white 1)"

_RC = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "figure.titlesize": 12,
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "axes.spines.top": False,
    "axes.spines.right": False,
}

P = ParamSpec("P")


def styled(draw: Callable[P, Figure]) -> Callable[P, Figure]:
    """Build the figure under the shared style; text picks its style when it is made."""

    @functools.wraps(draw)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Figure:
        with mpl.rc_context(_RC):
            return draw(*args, **kwargs)

    return wrapper


def new_figure(width: float, height: float) -> Figure:
    """A figure that needs no GUI backend (safe under Agg and in servers)."""
    return Figure(figsize=(width, height), layout="constrained")


def limit(values: np.ndarray) -> float:
    """Half-width of a symmetric colour range around zero covering ``values``."""
    peak = float(np.max(np.abs(values))) if np.size(values) else 0.0
    return peak if peak > 0 else 1.0


def show(
    ax: Axes,
    image: np.ndarray,
    cmap: str,
    vmin: float,
    vmax: float,
    title: str | None = None,
    aspect: str = "equal",
) -> AxesImage:
    """Draw ``image`` without ticks and return the image artist (for a colour bar)."""
    artist = ax.imshow(
        image, cmap=cmap, vmin=vmin, vmax=vmax, aspect=aspect, interpolation="nearest"
    )
    ax.set_xticks([])
    ax.set_yticks([])
    # A thin frame keeps white (zero) cells from melting into the page.
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_linewidth(0.5)
        spine.set_color("0.6")
    if title:
        ax.set_title(title)
    return artist


def show_weights(ax: Axes, image: np.ndarray, vrange: float, title: str | None = None) -> AxesImage:
    """Weights on the red-white-blue scale, symmetric around zero."""
    return show(ax, image, WEIGHTS, -vrange, vrange, title)


def show_activity(
    ax: Axes, image: np.ndarray, vrange: float, title: str | None = None
) -> AxesImage:
    """Input × weight on the green-magenta scale, symmetric around zero."""
    return show(ax, image, ACTIVITY, -vrange, vrange, title)


def show_pixels(ax: Axes, image: np.ndarray, title: str | None = None) -> AxesImage:
    """A digit or mean image in grey, black = 0 and white = 1."""
    return show(ax, np.asarray(image).reshape(28, 28), GREY, 0.0, 1.0, title)


def colour_bar(
    fig: Figure | SubFigure,
    mappable: ScalarMappable,
    ax: Axes | list[Axes],
    label: str,
    **kwargs: object,
) -> Colorbar:
    """A colour bar next to ``ax`` that says what its colours mean."""
    bar = fig.colorbar(mappable, ax=ax, shrink=kwargs.pop("shrink", 0.8), **kwargs)
    bar.set_label(label)
    return bar


def scale_bar(
    fig: Figure | SubFigure,
    cmap: str,
    vmin: float,
    vmax: float,
    ax: Axes | list[Axes],
    label: str,
    **kwargs: object,
) -> Colorbar:
    """A colour bar for a scale not tied to one image (e.g. a grid of maps)."""
    mappable = ScalarMappable(norm=Normalize(vmin, vmax), cmap=cmap)
    return colour_bar(fig, mappable, ax, label, **kwargs)


def text_colour(rgba: tuple[float, ...]) -> str:
    """Black or white, whichever reads better on a cell of colour ``rgba``."""
    r, g, b = rgba[:3]
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def grid_shape(n: int) -> tuple[int, int]:
    """Rows and columns of the squarest grid holding ``n`` maps, at most 10 across.

    The web page and the widgets lay out per-unit maps the same way (``columns`` in
    ``web/static/js/hiddenview.js``), so unit 7 sits in the same cell everywhere.
    """
    cols = min(10, int(np.ceil(np.sqrt(n))))
    return int(np.ceil(n / cols)), cols


def map_grid(fig: Figure | SubFigure, n: int) -> list[Axes]:
    """``n`` axes in a near-square grid, with the unused cells removed."""
    rows, cols = grid_shape(n)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.remove()
    return list(axes[:n])
