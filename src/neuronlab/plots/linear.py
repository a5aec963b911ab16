"""Chapters 3 and 4: what logistic regression learns, next to the class means."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from neuronlab.analysis import Confusion, mean_difference, overlay
from neuronlab.analysis._arrays import one_image
from neuronlab.analysis.means import OVERLAY_A, OVERLAY_B
from neuronlab.plots._style import (
    COUNTS,
    OTHER_COLOUR,
    RELATIVE_WEIGHT_LABEL,
    WEIGHTS,
    WINNER_COLOUR,
    colour_bar,
    limit,
    new_figure,
    scale_bar,
    show,
    show_pixels,
    show_weights,
    styled,
    text_colour,
)


@styled
def five_panels(
    mean_a: np.ndarray, mean_b: np.ndarray, weights: np.ndarray, labels: Sequence[str]
) -> Figure:
    """Mean of A, mean of B, both overlaid, their difference, and the learned weights.

    ``labels`` names A and B; ``weights`` (784 values) must favour A when positive
    (``LinearWeights.evidence_for(a)`` gives them so), so red means "A" in both
    the difference and the weights.
    """
    name_a, name_b = labels
    fig = new_figure(14, 3.6)
    axes = fig.subplots(1, 5)
    for ax, mean, name in ((axes[0], mean_a, name_a), (axes[1], mean_b, name_b)):
        artist = show_pixels(ax, mean, f"Average {name}")
    colour_bar(fig, artist, axes[:2], "mean brightness (black 0, white 1)", location="bottom")

    axes[2].imshow(overlay(mean_a, mean_b), interpolation="nearest")
    axes[2].set_xticks([])
    axes[2].set_yticks([])
    axes[2].set_title("Both averages")
    axes[2].legend(
        handles=[
            Patch(color=OVERLAY_A, label=f"only {name_a}"),
            Patch(color=OVERLAY_B, label=f"only {name_b}"),
            Patch(facecolor="white", edgecolor="0.6", label="both"),
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.02),
        ncols=3,
        fontsize=7,
        handlelength=1,
        columnspacing=0.8,
    )

    difference = mean_difference(mean_a, mean_b).reshape(28, 28)
    artist = show_weights(axes[3], difference, limit(difference), f"{name_a} minus {name_b}")
    colour_bar(fig, artist, axes[3], f"red: {name_a} brighter, blue: {name_b}", location="bottom")

    w = np.asarray(weights).reshape(28, 28)
    artist = show_weights(axes[4], w, limit(w), "Learned weights")
    colour_bar(fig, artist, axes[4], f"weight (red: {name_a}, blue: {name_b})", location="bottom")
    fig.suptitle(f"{name_a} against {name_b}: averages and what the neuron learned")
    return fig


@styled
def weight_strip(coef: np.ndarray, names: Sequence[str] | None = None) -> Figure:
    """Each neuron's 784 weights as one horizontal strip, in pixel order."""
    coef = np.atleast_2d(coef)
    fig = new_figure(11, 1.8 + 0.3 * len(coef))
    ax = fig.subplots()
    artist = show(ax, coef, WEIGHTS, -limit(coef), limit(coef), aspect="auto")
    ax.set_xticks(np.arange(0, coef.shape[1] + 1, 112))
    ax.set_xlabel("pixel number (row r is pixels 28r to 28r + 27)")
    if len(coef) > 1:
        ax.set_yticks(np.arange(len(coef)), names or [str(i) for i in range(len(coef))])
        ax.set_ylabel("neuron")
    colour_bar(fig, artist, ax, "weight\n(red excites,\nblue inhibits)", shrink=1.0)
    ax.set_title("The weights in the order the model sees the pixels")
    return fig


@styled
def weight_maps(coef: np.ndarray, classes: Sequence) -> Figure:
    """One 28x28 weight map per class, each scaled to its own largest weight, as on the page.

    Each map then shows its own pattern in full, however strong its neuron's weights are.
    """
    coef = np.atleast_2d(coef)
    fig = new_figure(2.0 * min(len(coef), 5) + 1.2, 2.3 * int(np.ceil(len(coef) / 5)) + 0.6)
    rows = int(np.ceil(len(coef) / 5))
    axes = fig.subplots(rows, min(len(coef), 5), squeeze=False).ravel()
    for ax in axes[len(coef) :]:
        ax.remove()
    for ax, weights, name in zip(axes, coef, classes, strict=False):
        show_weights(ax, weights.reshape(28, 28) / limit(weights), 1.0, f"{name} vs rest")
    scale_bar(fig, WEIGHTS, -1.0, 1.0, list(axes[: len(coef)]), RELATIVE_WEIGHT_LABEL)
    fig.suptitle("What each neuron looks for (one neuron per class)")
    return fig


@styled
def confusion_figure(conf: Confusion, class_names: Sequence[str] | None = None) -> Figure:
    """The confusion matrix with the count written in every cell."""
    matrix = conf.matrix
    names = list(class_names) if class_names is not None else [str(x) for x in conf.labels]
    k = len(matrix)
    fig = new_figure(2.6 + 0.5 * k, 2.0 + 0.45 * k)
    ax = fig.subplots()
    artist = show(ax, matrix, COUNTS, 0, max(int(matrix.max()), 1))
    for i in range(k):
        for j in range(k):
            colour = text_colour(artist.cmap(artist.norm(matrix[i, j])))
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center", color=colour, fontsize=8)
    ax.set_xticks(range(k), names, rotation=45 if max(map(len, names)) > 2 else 0, ha="right")
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    colour_bar(fig, artist, ax, "number of test images")
    ax.set_title(f"Accuracy {conf.accuracy:.1%} on {int(matrix.sum())} test images")
    return fig


@styled
def ten_outputs_figure(
    outputs: np.ndarray, image: np.ndarray, class_names: Sequence[str] | None = None
) -> Figure:
    """A test image and each one-vs-rest neuron's output for it; the loudest wins."""
    names = list(class_names) if class_names is not None else [str(i) for i in range(len(outputs))]
    fig = new_figure(9, 3.2)
    grid = fig.add_gridspec(1, 2, width_ratios=[1, 3])
    picture = fig.add_subplot(grid[0, 0])
    artist = show_pixels(picture, one_image(image), "Test image")
    colour_bar(fig, artist, picture, "brightness\n(black 0, white 1)", location="bottom")
    bars = fig.add_subplot(grid[0, 1])
    winner = int(np.argmax(outputs))
    colours = [OTHER_COLOUR] * len(names)
    colours[winner] = WINNER_COLOUR
    bars.bar(range(len(names)), outputs, color=colours)
    bars.set_xticks(range(len(names)), names)
    bars.set_ylim(0, 1)
    bars.set_ylabel("neuron output")
    bars.set_title(f"Each neuron's vote; the loudest ({names[winner]}, orange) wins")
    return fig
