"""Small array conversions shared by the analyses."""

from __future__ import annotations

import numpy as np

from neuronlab.errors import DataError

SIDE = 28
PIXELS = SIDE * SIDE


def unit_images(images: np.ndarray) -> np.ndarray:
    """Images as float32 ``(n, 28, 28)`` in [0, 1]; uint8 pixels are divided by 255."""
    images = np.asarray(images)
    scaled = images / np.float32(255) if images.dtype == np.uint8 else images
    if scaled.size % PIXELS:
        raise DataError(
            f"Images of shape {images.shape} are not 28x28 digits: pass (n, 28, 28) or (n, 784)."
        )
    return scaled.astype(np.float32, copy=False).reshape(-1, SIDE, SIDE)


def one_image(x: np.ndarray) -> np.ndarray:
    """A single image as float64 ``(784,)`` in [0, 1], from 784 values or 28x28."""
    x = np.asarray(x)
    if x.size != PIXELS:
        raise DataError(
            f"Expected one 28x28 image (784 values) but got shape {x.shape}: pass a single digit."
        )
    return unit_images(x)[0].reshape(PIXELS).astype(np.float64)


def int_labels(labels: np.ndarray) -> np.ndarray:
    """Labels as int64, so 1 and "1" mean the same class (the course mixed them up)."""
    return np.asarray(labels).astype(np.int64)
