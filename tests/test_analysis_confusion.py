"""Confusion matrices with the image indices of every cell, and the worst mistakes."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression as SkLogistic
from sklearn.metrics import confusion_matrix
from threadpoolctl import threadpool_limits

from neuronlab.analysis import confusion, most_confident_mistakes
from neuronlab.errors import DataError


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    """Small fits run far faster on one BLAS thread than fighting for two busy cores."""
    with threadpool_limits(1):
        yield


def test_hand_computed_example():
    y_true = np.array([0, 0, 1, 1, 2, 2])
    y_pred = np.array([0, 1, 1, 1, 0, 2])
    result = confusion(y_true, y_pred, [0, 1, 2])
    np.testing.assert_array_equal(result.matrix, [[1, 1, 0], [0, 2, 0], [1, 0, 1]])
    assert result.accuracy == pytest.approx(4 / 6)
    assert result.cells[0][1].tolist() == [1]
    assert result.cells[1][1].tolist() == [2, 3]
    assert result.cells[2][0].tolist() == [4]
    assert result.cells[1][0].size == 0


def test_labels_order_rows_and_columns():
    result = confusion(["b", "a", "a"], ["a", "a", "b"], ["b", "a"])
    np.testing.assert_array_equal(result.matrix, [[0, 1], [1, 1]])
    with pytest.raises(DataError, match="not among"):
        confusion([0, 1], [0, 5], [0, 1])


def test_real_cells_partition_every_index_and_match_sklearn(mnist_small):
    small = mnist_small.subset(n_train=1000, n_test=500)
    model = SkLogistic(C=0.01, tol=1e-3).fit(small.X_train(), small.train_labels)
    y_pred = model.predict(small.X_test())
    result = confusion(small.test_labels, y_pred, range(10))
    np.testing.assert_array_equal(
        result.matrix, confusion_matrix(small.test_labels, y_pred, labels=range(10))
    )
    everything = np.concatenate([cell for row in result.cells for cell in row])
    assert sorted(everything.tolist()) == list(range(small.n_test))
    for i in range(10):
        for j in range(10):
            cell = result.cells[i][j]
            assert len(cell) == result.matrix[i, j]
            assert np.all(small.test_labels[cell] == i) and np.all(y_pred[cell] == j)
    assert result.accuracy == pytest.approx(model.score(small.X_test(), small.test_labels))


def test_most_confident_mistakes_come_first():
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.3, 0.7], [0.95, 0.05]])
    y_true = np.array([1, 0, 0, 1, 0])
    mistakes = most_confident_mistakes(y_true, proba, [0, 1])
    assert mistakes.indices.tolist() == [0, 1, 2]
    np.testing.assert_allclose(mistakes.confidence, [0.9, 0.8, 0.6])
    assert mistakes.true.tolist() == [1, 0, 0]
    assert mistakes.predicted.tolist() == [0, 1, 1]
    only_0_as_1 = most_confident_mistakes(y_true, proba, [0, 1], true=0, predicted=1, limit=1)
    assert only_0_as_1.indices.tolist() == [1]
    with pytest.raises(DataError, match="predict_proba"):
        most_confident_mistakes(y_true, proba[:3], [0, 1])
