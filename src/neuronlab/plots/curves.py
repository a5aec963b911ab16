"""Line charts: training progress (ch. 6), hidden-layer sizes (ch. 7), shifting (ch. 5)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
from matplotlib.figure import Figure

from neuronlab.analysis import SweepResult
from neuronlab.plots._style import (
    LOSS_COLOUR,
    MODEL_COLOURS,
    MODEL_DASHES,
    TEST_COLOUR,
    TRAIN_COLOUR,
    TRAIN_DASH,
    new_figure,
    styled,
)


@styled
def training_curves(
    loss_curve: Sequence[float], validation_scores: Sequence[float] | None = None
) -> Figure:
    """Training loss per epoch and, when early stopping kept some aside, validation accuracy."""
    fig = new_figure(9, 3.4)
    loss_ax, score_ax = fig.subplots(1, 2)
    epochs = np.arange(1, len(loss_curve) + 1)
    loss_ax.plot(epochs, loss_curve, color=LOSS_COLOUR, marker=".", label="training loss")
    loss_ax.set_xlabel("epoch")
    loss_ax.set_ylabel("loss (lower is better)")
    loss_ax.set_title("Training loss")
    loss_ax.legend()
    if validation_scores is not None and len(validation_scores):
        steps = np.arange(1, len(validation_scores) + 1)
        score_ax.plot(
            steps, validation_scores, color=TEST_COLOUR, marker=".", label="held-out accuracy"
        )
        best = int(np.argmax(validation_scores))
        score_ax.plot(
            steps[best],
            validation_scores[best],
            "o",
            color="black",
            label=f"best: {validation_scores[best]:.1%} (epoch {best + 1})",
        )
        score_ax.legend()
    else:
        score_ax.text(
            0.5,
            0.5,
            "No validation set\n(early stopping was off)",
            ha="center",
            va="center",
            transform=score_ax.transAxes,
        )
    score_ax.set_xlabel("epoch")
    score_ax.set_ylabel("accuracy")
    score_ax.set_title("Accuracy on the validation images")
    fig.suptitle("How training went")
    return fig


@styled
def sweep_figure(results: Sequence[SweepResult]) -> Figure:
    """Train and test accuracy against hidden units: mean over seeds, band = min to max."""
    sizes = sorted({r.hidden for r in results})
    fig = new_figure(7, 4)
    ax = fig.subplots()
    for field, colour, name in (
        ("train_accuracy", TRAIN_COLOUR, "training images"),
        ("test_accuracy", TEST_COLOUR, "test images"),
    ):
        per_size = [[getattr(r, field) for r in results if r.hidden == h] for h in sizes]
        dashes = TRAIN_DASH if field == "train_accuracy" else ()
        ax.plot(
            sizes,
            [np.mean(v) for v in per_size],
            marker="o",
            color=colour,
            dashes=dashes,
            label=name,
        )
        if any(len(v) > 1 for v in per_size):
            ax.fill_between(
                sizes,
                [min(v) for v in per_size],
                [max(v) for v in per_size],
                color=colour,
                alpha=0.2,
                label=f"{name}: range over seeds",
            )
    ax.set_xticks(sizes)
    ax.set_xlabel("hidden units")
    ax.set_ylabel("accuracy")
    ax.grid(True, alpha=0.3)
    ax.legend()
    seeds = len({r.seed for r in results})
    runs = "one seed" if seeds == 1 else f"mean of {seeds} seeds, band = lowest to highest"
    ax.set_title(f"Accuracy against hidden units ({runs})")
    return fig


@styled
def shift_curve_figure(
    shifts: Sequence[int],
    curves: Mapping[str, Sequence[float]],
    axis: Literal["vertical", "horizontal"] = "vertical",
    noun: str = "digit",
) -> Figure:
    """Test accuracy against how far every image was moved along ``axis``, one line per model.

    Each line takes its model's colour and dash from the palette, chosen by its name.
    """
    fig = new_figure(7, 4)
    ax = fig.subplots()
    for name, accuracies in curves.items():
        kind = model_kind(name)
        ax.plot(
            shifts,
            accuracies,
            marker="o",
            color=MODEL_COLOURS.get(kind, "0.45"),
            dashes=MODEL_DASHES.get(kind, ()),
            label=name,
        )
    ax.axvline(0, color="grey", lw=0.8)
    towards = "up, positive: down" if axis == "vertical" else "left, positive: right"
    ax.set_xlabel(f"shift in pixels (negative: {towards})")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1.02)
    ax.grid(True, alpha=0.3)
    ax.legend(title="model")
    ax.set_title(f"Accuracy falls as {noun}s move away from where they were learned")
    return fig


def model_kind(name: str) -> str:
    """The palette's model kind for a line named ``name`` ("logistic regression" -> logistic)."""
    lowered = name.lower()
    if "shift" in lowered or "augment" in lowered:
        return "augmented"
    if "logistic" in lowered:
        return "logistic"
    if "conv" in lowered or "cnn" in lowered:
        return "cnn"
    return "mlp" if "hidden" in lowered or "network" in lowered or "mlp" in lowered else ""
