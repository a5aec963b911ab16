"""The two remedies for brittleness, on the real MNIST test set (8,000 train / 2,000 test):
weights shared across positions (the CNN) and the hidden-layer network trained on shifted
copies both keep more accuracy than the plain network when every digit moves two rows."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from neuronlab.analysis import shift_accuracy
from neuronlab.data import augment_shifts
from neuronlab.models import make_model

pytestmark = pytest.mark.slow
TWO_ROWS = [-2, 2]


@pytest.fixture(scope="module")
def mean_at_two_rows(mnist_small, one_blas_thread):
    """Mean accuracy over shifts of two rows up and down, without wrap, per model."""
    d = mnist_small
    X, y = d.X_train(), d.train_labels
    X_shifted, y_shifted = augment_shifts(X, y, 2, random_state=0)
    fits = {
        "mlp": (make_model("mlp", "module"), X, y),
        "augmented mlp": (make_model("mlp", "module"), X_shifted, y_shifted),
        "cnn": (make_model("cnn", "fast"), X, y),
    }
    means = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name, (model, X_train, y_train) in fits.items():
            model.fit(X_train, y_train)
            curve = shift_accuracy(model, d.test_images, d.test_labels, TWO_ROWS, wrap=False)
            means[name] = float(np.mean(curve))
    return means


def test_the_cnn_keeps_at_least_15_points_more_than_the_network(mean_at_two_rows):
    assert mean_at_two_rows["cnn"] >= mean_at_two_rows["mlp"] + 0.15


def test_shifted_copies_make_the_same_network_sturdier(mean_at_two_rows):
    assert mean_at_two_rows["augmented mlp"] > mean_at_two_rows["mlp"]
