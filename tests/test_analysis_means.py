"""Class means, their difference and the two-colour overlay."""

from __future__ import annotations

import numpy as np
import pytest

from neuronlab.analysis import class_means, mean_difference, overlay
from neuronlab.errors import DataError


@pytest.fixture
def tiny():
    """Four 28x28 images with known pixels: two of class 1, one of 2, one of 3."""
    images = np.zeros((4, 28, 28), dtype=np.uint8)
    images[0, 0, 0] = 255
    images[1, 0, 0] = 51
    images[2, 5, 5] = 255
    images[3, 9, 9] = 102
    return images, np.array([1, 1, 2, 3])


def test_means_of_a_class_and_of_another(tiny):
    images, labels = tiny
    mean_a, mean_b = class_means(images, labels, 1, 2)
    assert mean_a.shape == mean_b.shape == (28, 28)
    assert mean_a[0, 0] == pytest.approx((1.0 + 0.2) / 2)
    assert mean_a.sum() == pytest.approx(0.6)
    assert mean_b[5, 5] == pytest.approx(1.0)
    assert mean_b.sum() == pytest.approx(1.0)


def test_b_none_means_every_other_class(tiny):
    images, labels = tiny
    _, rest = class_means(images, labels, 1)
    assert rest[5, 5] == pytest.approx(0.5)
    assert rest[9, 9] == pytest.approx(0.2)
    assert rest[0, 0] == 0


def test_string_labels_select_the_same_digits_as_integers(tiny):
    """The course compared integer labels with strings and got empty means."""
    images, labels = tiny
    as_ints = class_means(images, labels, 1, 2)
    as_strings = class_means(images, labels.astype(str), "1", "2")
    for got, want in zip(as_strings, as_ints, strict=True):
        np.testing.assert_array_equal(got, want)
        assert got.sum() > 0


def test_flat_float_images_give_the_same_means(tiny):
    images, labels = tiny
    flat = images.reshape(4, 784).astype(np.float32) / 255
    for got, want in zip(class_means(flat, labels, 1), class_means(images, labels, 1), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-6)


def test_a_missing_class_is_an_error_not_an_empty_mean(tiny):
    images, labels = tiny
    with pytest.raises(DataError, match="no images of class 7"):
        class_means(images, labels, 7)
    with pytest.raises(DataError, match="labels"):
        class_means(images, labels[:3], 1)


def test_difference_and_overlay_colours(tiny):
    images, labels = tiny
    mean_a, mean_b = class_means(images, labels, 1, 2)
    difference = mean_difference(mean_a, mean_b)
    assert difference[0, 0] == pytest.approx(0.6)
    assert difference[5, 5] == pytest.approx(-1.0)
    picture = overlay(mean_a, mean_b)
    assert picture.shape == (28, 28, 3)
    assert picture.min() >= 0 and picture.max() <= 1
    np.testing.assert_allclose(picture[0, 0], [1.0, 0.55, 0.0])  # only A: orange
    np.testing.assert_allclose(picture[5, 5], [0.0, 0.6, 1.0])  # only B: sky blue
    both = overlay(mean_a, mean_a)
    np.testing.assert_allclose(both[0, 0], [1.0, 1.0, 1.0])  # both: white


def test_real_digit_means_look_like_their_digit(mnist_small):
    one, eight = class_means(mnist_small.train_images, mnist_small.train_labels, 1, 8)
    # A one is a thin vertical stroke: bright in the middle column, dark at the sides.
    assert one[:, 13:15].mean() > 3 * one[:, :6].mean()
    assert eight.sum() > one.sum()
