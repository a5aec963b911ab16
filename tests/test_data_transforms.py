"""Transforms: scaling by 255, shifting with and without wrap, the module's splits."""

from __future__ import annotations

import numpy as np
import pytest

from neuronlab.data import (
    Dataset,
    augment_shifts,
    module_pair_split,
    module_ten_split,
    scale,
    select_classes,
    shift,
)
from neuronlab.errors import DataError


def test_scale_divides_by_255_and_flattens() -> None:
    images = np.zeros((2, 28, 28), dtype=np.uint8)
    images[0, 0, 0], images[1, 27, 27] = 255, 51
    x = scale(images)
    assert x.dtype == np.float32 and x.shape == (2, 784)
    assert x[0, 0] == 1.0  # the course's /225 would give 1.133
    assert x[1, 783] == pytest.approx(0.2)
    assert scale(images[0]).shape == (1, 784)
    np.testing.assert_allclose(scale(x * 255), x)  # rows of 784 pass through the same way
    for shape in [(5, 10), (1568,), (1, 2, 28, 28)]:
        with pytest.raises(DataError, match="784"):
            scale(np.zeros(shape))


def point(y: int, x: int) -> np.ndarray:
    image = np.zeros((28, 28), dtype=np.uint8)
    image[y, x] = 200
    return image


def where(image: np.ndarray) -> list[tuple[int, int]]:
    return [(int(y), int(x)) for y, x in zip(*np.nonzero(image), strict=True)]


def test_shift_moves_down_and_right_for_positive_offsets() -> None:
    assert where(shift(point(3, 4), 2, 5, wrap=False)) == [(5, 9)]
    assert where(shift(point(3, 4), -3, -4, wrap=False)) == [(0, 0)]
    assert where(shift(point(3, 4), 2, 5, wrap=True)) == [(5, 9)]


def test_wrap_brings_pixels_back_at_the_other_edge() -> None:
    assert where(shift(point(27, 5), 1, 0, wrap=True)) == [(0, 5)]
    assert where(shift(point(0, 0), -1, -2, wrap=True)) == [(27, 26)]
    image = np.arange(784, dtype=np.uint16).reshape(28, 28)
    np.testing.assert_array_equal(shift(image, 7, -3, wrap=True), np.roll(image, (7, -3), (0, 1)))


def test_without_wrap_pixels_fall_off_and_zeros_come_in() -> None:
    assert where(shift(point(27, 5), 1, 0, wrap=False)) == []
    image = np.full((28, 28), 9, dtype=np.uint8)
    moved = shift(image, 2, -3, wrap=False)
    assert moved[:2].sum() == 0 and moved[:, -3:].sum() == 0
    assert (moved[2:, :-3] == 9).all()
    assert moved.dtype == np.uint8 and image.min() == 9  # the input is untouched


def test_shift_matches_the_course_indexing() -> None:
    # The course moves a digit up by `offset` rows with img[(Y + offset) % 28, X].
    image = np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)
    ys, xs = np.meshgrid(range(28), range(28), indexing="ij")
    for offset in (-27, -5, 0, 1, 13, 27):
        np.testing.assert_array_equal(
            shift(image, -offset, 0, wrap=True), image[(ys + offset) % 28, xs]
        )


def test_shift_a_stack_and_reject_large_offsets() -> None:
    stack = np.stack([point(1, 1), point(10, 20)])
    moved = shift(stack, 1, -1, wrap=False)
    assert moved.shape == (2, 28, 28)
    assert where(moved[0]) == [(2, 0)] and where(moved[1]) == [(11, 19)]
    assert where(shift(point(0, 0), 27, 27, wrap=False)) == [(27, 27)]
    with pytest.raises(DataError, match="dy=28"):
        shift(stack, 28, 0, wrap=True)
    with pytest.raises(DataError, match="dx=-30"):
        shift(stack, 0, -30, wrap=False)


LABELS = np.arange(120) % 10
IMAGES = np.arange(120)  # stands in for images: the splits only slice along the first axis


def test_select_classes_keeps_order() -> None:
    images, labels = select_classes(IMAGES, LABELS, [8, 1])
    assert labels[:4].tolist() == [1, 8, 1, 8]
    assert images[:4].tolist() == [1, 8, 11, 18]
    with pytest.raises(DataError, match="class 10 does not exist"):
        select_classes(IMAGES, LABELS, [10])
    with pytest.raises(DataError, match="no examples"):
        select_classes(IMAGES, LABELS % 5, [7])


def test_module_pair_split_takes_the_first_split_for_training() -> None:
    split = module_pair_split(IMAGES, LABELS, 1, 8, split=10)
    assert (len(split.X_train), len(split.X_test)) == (10, 14)
    assert split.X_train[:3].tolist() == [1, 8, 11] and split.X_test[0] == 51
    assert set(split.y_train.tolist()) == {1, 8}


def test_module_pair_split_clamps_to_five_sixths() -> None:
    x_train, x_test, y_train, y_test = module_pair_split(IMAGES, LABELS, 1, 8)
    assert (len(x_train), len(x_test)) == (20, 4)  # 24 examples: 10,000 clamps to 20
    with pytest.raises(DataError, match="different classes"):
        module_pair_split(IMAGES, LABELS, 3, 3)
    with pytest.raises(DataError, match="too few"):
        module_pair_split(IMAGES[:2], LABELS[:2], 1, 8)
    with pytest.raises(DataError, match="no examples of class 8"):
        module_pair_split(IMAGES[:20], np.r_[np.ones(10), np.full(10, 8)].astype(int), 1, 8, 5)


def test_module_ten_split() -> None:
    labels = np.arange(60000) % 10
    split = module_ten_split(labels, labels)
    assert (len(split.X_train), len(split.X_test)) == (50000, 10000)  # the module's own split
    small = module_ten_split(IMAGES, LABELS)
    assert (len(small.y_train), len(small.y_test)) == (100, 20)
    with pytest.raises(DataError, match="matching"):
        module_ten_split(IMAGES, LABELS[:5])


def test_module_splits_on_real_digits(mnist_small: Dataset) -> None:
    images, labels = mnist_small.train_images, mnist_small.train_labels
    pair = module_pair_split(images, labels, 1, 8)
    n_pair = int(np.isin(labels, [1, 8]).sum())
    assert len(pair.X_train) == n_pair * 5 // 6 and len(pair.X_test) == n_pair - n_pair * 5 // 6
    assert pair.X_train.shape[1:] == (28, 28)
    ten = module_ten_split(mnist_small.X_train(), labels)
    assert ten.X_train.shape == (6666, 784) and ten.X_test.shape == (1334, 784)


# ----- augment_shifts ------------------------------------------------------------------------


def test_augment_shifts_appends_shifted_copies_without_wrap():
    rng = np.random.default_rng(0)
    images = rng.integers(1, 256, (50, 28, 28)).astype(np.uint8)  # no zero pixel anywhere
    labels = np.arange(50) % 10
    out, out_labels = augment_shifts(images, labels, 2, copies=3, random_state=0)
    assert out.shape == (200, 28, 28) and out.dtype == np.uint8
    np.testing.assert_array_equal(out[:50], images)
    np.testing.assert_array_equal(out_labels, np.tile(labels, 4))
    seen = set()
    for i, moved in enumerate(out[50:]):
        original = images[i % 50]
        # find the (dy, dx) that explains the copy: it must be one of the 25 allowed shifts
        found = [
            (dy, dx)
            for dy in range(-2, 3)
            for dx in range(-2, 3)
            if np.array_equal(moved, shift(original, dy, dx, wrap=False))
        ]
        assert len(found) == 1
        seen.add(found[0])
    assert len(seen) > 15  # the shifts are drawn, not one fixed offset


def test_augment_shifts_rows_axis_and_seed():
    rows = np.random.default_rng(1).random((20, 784)).astype(np.float32) + 0.1
    labels = np.zeros(20, dtype=int)
    out, _ = augment_shifts(rows, labels, 3, axis="vertical", random_state=5)
    assert out.shape == (40, 784) and out.dtype == np.float32
    copies = out[20:].reshape(20, 28, 28)
    # vertical only: every column keeps its pixels in order, moved up or down
    assert np.all((copies == 0).any(axis=2).sum(axis=1) <= 3)
    assert not np.any((copies == 0).all(axis=1))  # no blank column: dx is 0
    again, _ = augment_shifts(rows, labels, 3, axis="vertical", random_state=5)
    np.testing.assert_array_equal(out, again)
    same, _ = augment_shifts(rows, labels, 0, random_state=5)
    np.testing.assert_array_equal(same[20:], rows)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_shift": 28}, "max_shift"),
        ({"max_shift": 1.5}, "max_shift"),
        ({"max_shift": 1, "copies": 0}, "copies"),
        ({"max_shift": 1, "axis": "diagonal"}, "axis"),
    ],
)
def test_augment_shifts_refuses_bad_settings(kwargs, message):
    with pytest.raises(DataError, match=message):
        augment_shifts(np.zeros((2, 28, 28)), [0, 1], **kwargs)
