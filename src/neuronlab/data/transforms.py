"""Pure array transforms: scaling, picking classes, the module's splits, shifting digits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from neuronlab.errors import DataError

PIXELS = 784
MAX_SHIFT = 27


class Split(NamedTuple):
    """Train and test arrays, in scikit-learn's ``train_test_split`` order."""

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray


def scale(images: np.ndarray) -> np.ndarray:
    """Flatten images to rows of 784 pixels and scale 0..255 to float32 0..1.

    Accepts one image (28, 28) or (784,), or many (N, 28, 28) or (N, 784). The
    course divided by 225, which let bright pixels exceed 1; 255 is right.
    """
    images = np.asarray(images)
    if images.ndim > 3 or (images.shape[-2:] != (28, 28) and images.shape[-1:] != (PIXELS,)):
        raise DataError(
            f"cannot flatten images of shape {images.shape} into rows of 784 pixels; "
            "pass 28x28 images."
        )
    return images.reshape(-1, PIXELS).astype(np.float32) / np.float32(255)


def _check_class(label: int) -> int:
    if not 0 <= int(label) <= 9:
        raise DataError(f"class {label} does not exist; choose classes from 0 to 9.")
    return int(label)


def select_classes(
    images: np.ndarray, labels: np.ndarray, classes: Iterable[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Keep the examples whose label is in ``classes``, in their original order."""
    wanted = [_check_class(c) for c in classes]
    labels = np.asarray(labels)
    keep = np.isin(labels, wanted)
    if not keep.any():
        raise DataError(f"no examples of classes {wanted}; choose classes present in the data.")
    return np.asarray(images)[keep], labels[keep]


def _clamp(n: int, split: int) -> int:
    """The split point, moved to 5/6 of the data when ``split`` leaves too few to test.

    5/6 is the module's own ratio (50,000 of 60,000), so small datasets keep it.
    """
    if split < 1:
        raise DataError(f"the split point must be at least 1, got {split}.")
    if split > n * 5 // 6:
        split = n * 5 // 6
    if split < 1 or n - split < 1:
        raise DataError(f"only {n} examples: too few to split into training and test data.")
    return split


def module_pair_split(
    images: np.ndarray, labels: np.ndarray, a: int, b: int, split: int = 10000
) -> Split:
    """The module's two-digit task: keep classes ``a`` and ``b``; the first ``split`` train.

    ``images`` may be images or already flattened rows; they are sliced, not changed.
    """
    if _check_class(a) == _check_class(b):
        raise DataError(f"choose two different classes, not {a} twice.")
    kept_images, kept_labels = select_classes(images, labels, (a, b))
    cut = _clamp(len(kept_labels), split)
    missing = {int(a), int(b)} - set(np.unique(kept_labels[:cut]).tolist())
    if missing:
        raise DataError(
            f"the training part has no examples of class {missing.pop()}; "
            "use more data or other classes."
        )
    return Split(kept_images[:cut], kept_images[cut:], kept_labels[:cut], kept_labels[cut:])


def module_ten_split(images: np.ndarray, labels: np.ndarray, split: int = 50000) -> Split:
    """The module's ten-digit task: the first ``split`` examples train, the rest test."""
    images, labels = np.asarray(images), np.asarray(labels)
    if len(images) != len(labels):
        raise DataError(f"{len(images)} images but {len(labels)} labels; pass matching arrays.")
    cut = _clamp(len(labels), split)
    return Split(images[:cut], images[cut:], labels[:cut], labels[cut:])


def _moved(length: int, offset: int) -> tuple[slice, slice]:
    """Source and destination slices that move a line of ``length`` by ``offset``."""
    if offset >= 0:
        return slice(0, length - offset), slice(offset, length)
    return slice(-offset, length), slice(0, length + offset)


def shift(images: np.ndarray, dy: int, dx: int, wrap: bool) -> np.ndarray:
    """Move images ``dy`` rows down and ``dx`` columns right (negative: up, left).

    With ``wrap`` what leaves one edge comes back at the other, as in the course
    (``np.roll``); without it the uncovered pixels are 0 (background). Works on
    one image (28, 28) or a stack (N, 28, 28); returns a new array.
    """
    images = np.asarray(images)
    if images.ndim not in (2, 3):
        raise DataError(f"shift takes (28, 28) or (N, 28, 28) images, not shape {images.shape}.")
    for name, offset in (("dy", dy), ("dx", dx)):
        if abs(offset) > MAX_SHIFT:
            raise DataError(f"{name}={offset} moves the digit off the image; use -27 to 27.")
    if wrap:
        return np.roll(images, (dy, dx), axis=(-2, -1))
    (src_y, dst_y), (src_x, dst_x) = _moved(images.shape[-2], dy), _moved(images.shape[-1], dx)
    moved = np.zeros_like(images)
    moved[..., dst_y, dst_x] = images[..., src_y, src_x]
    return moved


SHIFT_AXES = ("both", "vertical", "horizontal")


def augment_shifts(
    images: np.ndarray,
    labels: np.ndarray,
    max_shift: int,
    *,
    copies: int = 1,
    axis: str = "both",
    random_state: int | np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The images followed by ``copies`` randomly shifted copies of them, and their labels.

    Data augmentation: in each copy every image moves by its own ``dy`` rows and
    ``dx`` columns, each drawn uniformly from ``-max_shift..max_shift`` (``axis``
    "vertical" keeps ``dx = 0``, "horizontal" ``dy = 0``), without wrap, so the
    uncovered pixels are 0 as in :func:`shift`. ``images`` are ``(N, 28, 28)`` or
    rows ``(N, 784)`` of any dtype; the result has the same form and dtype, with
    ``(1 + copies) * N`` images, the originals first.
    """
    images, labels = np.asarray(images), np.asarray(labels)
    if images.ndim not in (2, 3) or images.shape[1:] not in ((28, 28), (PIXELS,)):
        raise DataError(
            f"augment_shifts takes (N, 28, 28) images or (N, 784) rows, not shape {images.shape}."
        )
    if len(images) != len(labels):
        raise DataError(f"{len(images)} images but {len(labels)} labels; pass matching arrays.")
    if not isinstance(max_shift, int | np.integer) or not 0 <= max_shift <= MAX_SHIFT:
        raise DataError(
            f"max_shift must be a whole number of pixels from 0 to 27, got {max_shift}."
        )
    if not isinstance(copies, int | np.integer) or copies < 1:
        raise DataError(f"copies must be a positive whole number, got {copies}.")
    if axis not in SHIFT_AXES:
        raise DataError(f"axis must be one of {', '.join(SHIFT_AXES)}, got {axis!r}.")
    rng = np.random.default_rng(random_state)
    n, k = len(images), int(max_shift)
    stack = images.reshape(n, 28, 28)
    # Every shift of an image is a 28 x 28 window of it padded by k zeros on each side:
    # moving dy down starts the window k - dy rows from the top.
    padded = np.zeros((n, 28 + 2 * k, 28 + 2 * k), dtype=images.dtype)
    padded[:, k : k + 28, k : k + 28] = stack
    windows = np.lib.stride_tricks.sliding_window_view(padded, (28, 28), axis=(1, 2))
    moved = [stack]
    for _ in range(copies):
        dy = rng.integers(-k, k + 1, n) if axis != "horizontal" else np.zeros(n, dtype=int)
        dx = rng.integers(-k, k + 1, n) if axis != "vertical" else np.zeros(n, dtype=int)
        moved.append(windows[np.arange(n), k - dy, k - dx])
    out = np.concatenate(moved).reshape(-1, *images.shape[1:])
    return out, np.tile(labels, copies + 1)
