"""What an average digit of a class looks like, and how two classes differ."""

from __future__ import annotations

import numpy as np

from neuronlab.analysis._arrays import int_labels, unit_images
from neuronlab.errors import DataError


def class_means(
    images: np.ndarray, labels: np.ndarray, a: int, b: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Mean 28x28 image of class ``a`` and of class ``b`` (or of every other class).

    Labels and classes are compared as integers, so ``"1"`` and ``1`` select the
    same digits. Pixels come back in [0, 1] whether images are uint8 or float.
    """
    images = unit_images(images)
    labels = int_labels(labels)
    if len(labels) != len(images):
        raise DataError(f"Got {len(images)} images but {len(labels)} labels: pass one per image.")
    in_a = labels == int(a)
    in_b = ~in_a if b is None else labels == int(b)
    b_name = "the other classes" if b is None else f"class {int(b)}"
    for name, mask in ((f"class {int(a)}", in_a), (b_name, in_b)):
        if not mask.any():
            raise DataError(f"There are no images of {name}: pick a class present in the labels.")
    return images[in_a].mean(axis=0, dtype=np.float64), images[in_b].mean(axis=0, dtype=np.float64)


def mean_difference(mean_a: np.ndarray, mean_b: np.ndarray) -> np.ndarray:
    """Where class A is brighter on average (positive) or dimmer (negative) than B."""
    return np.asarray(mean_a, dtype=np.float64) - np.asarray(mean_b, dtype=np.float64)


# The overlay's two colours: orange and sky blue add up to white where both classes have ink.
# Red/blue and green/magenta stay the signs of weights, so neither class is drawn in them.
OVERLAY_A = (1.0, 0.55, 0.0)
OVERLAY_B = (0.0, 0.6, 1.0)


def overlay(mean_a: np.ndarray, mean_b: np.ndarray) -> np.ndarray:
    """Two mean images as one RGB picture: A in orange, B in sky blue, both in white.

    Each mean is scaled to its own maximum first, so a pale "rest" mean is as
    visible as a single digit's. Returns float ``(28, 28, 3)`` in [0, 1].
    The web page draws the same blend (``web/static/js/panels.js``).
    """
    a = _to_unit_max(mean_a)[..., None]
    b = _to_unit_max(mean_b)[..., None]
    return np.clip(a * np.array(OVERLAY_A) + b * np.array(OVERLAY_B), 0.0, 1.0)


def _to_unit_max(image: np.ndarray) -> np.ndarray:
    image = np.clip(np.asarray(image, dtype=np.float64).reshape(28, 28), 0.0, None)
    peak = image.max()
    return image / peak if peak > 0 else image
