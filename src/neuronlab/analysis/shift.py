"""How much a model's accuracy drops when every test digit moves a few pixels."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import numpy as np

from neuronlab.analysis._arrays import PIXELS, unit_images
from neuronlab.data.transforms import shift
from neuronlab.errors import NeuronLabError


def shift_accuracy(
    model: object,
    images: np.ndarray,
    labels: np.ndarray,
    shifts: Iterable[int],
    axis: Literal["vertical", "horizontal"] = "vertical",
    wrap: bool = False,
) -> np.ndarray:
    """Accuracy of ``model`` on ``images`` moved by each of ``shifts`` pixels.

    Positive shifts move digits down (vertical) or right (horizontal). With
    ``wrap`` pixels pushed off one edge come back on the other, as in the course;
    without it the uncovered border is blank.
    """
    if axis not in ("vertical", "horizontal"):
        raise NeuronLabError(f"Unknown shift axis {axis!r}: use 'vertical' or 'horizontal'.")
    images = unit_images(images)
    labels = np.asarray(labels)
    accuracies = []
    for step in shifts:
        dy, dx = (int(step), 0) if axis == "vertical" else (0, int(step))
        moved = shift(images, dy, dx, wrap=wrap).reshape(-1, PIXELS)
        accuracies.append(model.score(moved, labels))
    return np.asarray(accuracies, dtype=np.float64)
