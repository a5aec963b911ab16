"""linear_weights and mlp_weights read ours and scikit-learn's fitted models alike."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression as SkLogistic
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neural_network import MLPClassifier as SkMLP
from sklearn.tree import DecisionTreeClassifier

from neuronlab.analysis import linear_weights, mlp_weights
from neuronlab.errors import NeuronLabError

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.usefixtures("one_blas_thread"),
]


@pytest.fixture(scope="module")
def digits(mnist_small):
    small = mnist_small.subset(n_train=600, n_test=200)
    return small.X_train(), small.train_labels


def test_multinomial_sklearn_weights_are_its_coef(digits):
    X, y = digits
    model = SkLogistic(C=0.01, tol=1e-3).fit(X, y)
    weights = linear_weights(model)
    assert weights.coef.shape == (10, 784)
    np.testing.assert_array_equal(weights.coef, model.coef_)
    np.testing.assert_array_equal(weights.intercept, model.intercept_)
    np.testing.assert_allclose(weights.decision(X[:5]), model.decision_function(X[:5]), atol=1e-5)


def test_binary_sklearn_has_one_neuron_voting_for_the_second_class(digits):
    X, y = digits
    keep = np.isin(y, (1, 8))
    model = SkLogistic(C=0.01, tol=1e-3).fit(X[keep], y[keep])
    weights = linear_weights(model)
    assert weights.coef.shape == (1, 784)
    assert weights.classes.tolist() == [1, 8]
    np.testing.assert_array_equal(weights.evidence_for(8), model.coef_[0])
    np.testing.assert_array_equal(weights.evidence_for(1), -model.coef_[0])


def test_one_vs_rest_stacks_its_estimators(digits):
    X, y = digits
    model = OneVsRestClassifier(SkLogistic(C=0.01, tol=1e-3)).fit(X, y)
    weights = linear_weights(model)
    expected = np.vstack([e.coef_ for e in model.estimators_])
    np.testing.assert_array_equal(weights.coef, expected)
    np.testing.assert_array_equal(weights.intercept, [e.intercept_[0] for e in model.estimators_])
    np.testing.assert_array_equal(weights.evidence_for(3), model.estimators_[3].coef_[0])
    np.testing.assert_allclose(weights.decision(X[:5]), model.decision_function(X[:5]), atol=1e-5)


def test_our_logistic_regression_is_read_like_sklearns(digits):
    from neuronlab.models import LogisticRegression

    X, y = digits
    model = LogisticRegression(C=0.01, multi_class="ovr").fit(X, y)
    weights = linear_weights(model)
    assert weights.coef.shape == (10, 784)
    np.testing.assert_allclose(weights.decision(X[:5]), model.decision_function(X[:5]), rtol=1e-4)


def test_other_models_are_refused_with_a_clear_message(digits):
    X, y = digits
    with pytest.raises(NeuronLabError, match="fitted logistic regression"):
        linear_weights(DecisionTreeClassifier(max_depth=2).fit(X, y))
    with pytest.raises(NeuronLabError, match="fitted logistic regression"):
        linear_weights(SkLogistic())
    with pytest.raises(NeuronLabError, match="mlp_weights"):
        linear_weights(SkMLP(hidden_layer_sizes=(4,), max_iter=5).fit(X[:100], y[:100]))
    with pytest.raises(NeuronLabError, match="not one of"):
        linear_weights(SkLogistic(max_iter=50).fit(X, y)).evidence_for(11)


def test_mlp_weights_of_sklearn(digits):
    X, y = digits
    model = SkMLP(hidden_layer_sizes=(9,), activation="logistic", max_iter=5).fit(X, y)
    layers = mlp_weights(model)
    assert layers.n_hidden == 9
    assert layers.activation == "logistic"
    assert layers.out_activation == "softmax"
    np.testing.assert_array_equal(layers.coefs[0], model.coefs_[0])
    np.testing.assert_array_equal(layers.intercepts[1], model.intercepts_[1])
    with pytest.raises(NeuronLabError, match="MLPClassifier"):
        mlp_weights(SkLogistic(max_iter=50).fit(X, y))
