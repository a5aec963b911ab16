"""shift_accuracy: how accuracy changes as every test digit moves."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression as SkLogistic

from neuronlab.analysis import shift_accuracy
from neuronlab.data.transforms import shift
from neuronlab.errors import NeuronLabError

pytestmark = pytest.mark.usefixtures("one_blas_thread")


@pytest.fixture(scope="module")
def fitted(mnist_small):
    small = mnist_small.subset(n_train=1500, n_test=400)
    model = SkLogistic(C=0.01, tol=1e-3).fit(small.X_train(), small.train_labels)
    return model, small


def test_shift_zero_equals_score(fitted):
    model, small = fitted
    accuracies = shift_accuracy(model, small.test_images, small.test_labels, [0])
    assert accuracies[0] == pytest.approx(model.score(small.X_test(), small.test_labels))


def test_accuracy_drops_as_digits_move(fitted):
    model, small = fitted
    shifts = [-6, -3, 0, 3, 6]
    for axis in ("vertical", "horizontal"):
        for wrap in (True, False):
            curve = shift_accuracy(model, small.test_images, small.test_labels, shifts, axis, wrap)
            assert curve.shape == (5,)
            assert np.all((curve >= 0) & (curve <= 1))
            assert curve[2] == curve.max()
            assert max(curve[0], curve[4]) < curve[2] - 0.2


def test_each_shift_scores_the_moved_images(fitted):
    model, small = fitted
    moved = shift(small.test_images, 0, -2, wrap=False).reshape(-1, 784) / 255.0
    got = shift_accuracy(model, small.test_images, small.test_labels, [-2], "horizontal", False)
    assert got[0] == pytest.approx(model.score(moved, small.test_labels))


def test_unknown_axis_is_refused(fitted):
    model, small = fitted
    with pytest.raises(NeuronLabError, match="vertical"):
        shift_accuracy(model, small.test_images, small.test_labels, [1], axis="diagonal")
