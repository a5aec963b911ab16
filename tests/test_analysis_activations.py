"""hidden_activations and ten_outputs agree with the models' own outputs."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit
from sklearn.linear_model import LogisticRegression as SkLogistic
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neural_network import MLPClassifier as SkMLP

from neuronlab.analysis import hidden_activations, ten_outputs
from neuronlab.errors import DataError

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.usefixtures("one_blas_thread"),
]


@pytest.fixture(scope="module")
def digits(mnist_small):
    small = mnist_small.subset(n_train=800, n_test=50)
    return small.X_train(), small.train_labels, small.X_test()


@pytest.mark.parametrize("activation", ["logistic", "relu", "tanh", "identity"])
def test_probabilities_equal_sklearn_predict_proba(digits, activation):
    X, y, X_test = digits
    model = SkMLP(hidden_layer_sizes=(9,), activation=activation, max_iter=20, random_state=0)
    model.fit(X, y)
    for x in X_test[:5]:
        acts = hidden_activations(model, x.reshape(28, 28))
        np.testing.assert_allclose(acts.probabilities, model.predict_proba(x[None])[0], atol=1e-6)
        assert acts.weighted.shape == (9, 28, 28)
        np.testing.assert_allclose(
            acts.total, x @ model.coefs_[0] + model.intercepts_[0], rtol=1e-5, atol=1e-6
        )
        np.testing.assert_allclose(
            acts.weighted.reshape(9, -1).sum(axis=1), acts.total - model.intercepts_[0]
        )


def test_hidden_output_is_the_activation_of_the_total(digits):
    X, y, X_test = digits
    model = SkMLP(hidden_layer_sizes=(4,), activation="logistic", max_iter=10, random_state=1)
    acts = hidden_activations(model.fit(X, y), X_test[0])
    np.testing.assert_allclose(acts.output, expit(acts.total))
    # pixel (r, c) of unit u's map is x[28 r + c] times that pixel's weight
    r, c, u = 14, 13, 2
    assert acts.weighted[u, r, c] == pytest.approx(
        X_test[0][28 * r + c] * model.coefs_[0][28 * r + c, u]
    )


def test_binary_and_deeper_networks(digits):
    X, y, X_test = digits
    keep = np.isin(y, (1, 8))
    binary = SkMLP(hidden_layer_sizes=(5,), max_iter=20, random_state=0).fit(X[keep], y[keep])
    acts = hidden_activations(binary, X_test[0])
    np.testing.assert_allclose(acts.probabilities, binary.predict_proba(X_test[:1])[0], atol=1e-6)
    assert acts.classes.tolist() == [1, 8]
    deep = SkMLP(hidden_layer_sizes=(6, 5), max_iter=20, random_state=0).fit(X, y)
    acts = hidden_activations(deep, X_test[1])
    assert acts.total.shape == (6,)
    np.testing.assert_allclose(acts.probabilities, deep.predict_proba(X_test[1:2])[0], atol=1e-6)


def test_our_mlp_probabilities(digits):
    from neuronlab.models import MLPClassifier

    X, y, X_test = digits
    model = MLPClassifier(
        hidden_layer_sizes=(9,), activation="logistic", max_iter=10, random_state=0
    ).fit(X, y)
    acts = hidden_activations(model, X_test[0])
    np.testing.assert_allclose(acts.probabilities, model.predict_proba(X_test[:1])[0], atol=1e-5)


def test_a_wrongly_sized_image_is_refused(digits):
    X, y, _ = digits
    model = SkMLP(hidden_layer_sizes=(3,), max_iter=5).fit(X[:100], y[:100])
    with pytest.raises(DataError, match="one 28x28 image"):
        hidden_activations(model, X[:2])


def test_ten_outputs_are_sigmoids_of_each_decision(digits):
    X, y, X_test = digits
    ovr = OneVsRestClassifier(SkLogistic(C=0.01, tol=1e-3)).fit(X, y)
    outputs = ten_outputs(ovr, X_test[0])
    assert outputs.shape == (10,)
    np.testing.assert_allclose(outputs, expit(ovr.decision_function(X_test[:1])[0]), atol=1e-6)
    # each OvR estimator's own probability of "this digit" is the same sigmoid
    np.testing.assert_allclose(
        outputs, [e.predict_proba(X_test[:1])[0, 1] for e in ovr.estimators_], rtol=1e-6
    )
    assert ovr.classes_[np.argmax(outputs)] == ovr.predict(X_test[:1])[0]
