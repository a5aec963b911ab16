"""Our logistic regression: its gradient, sklearn's estimator checks, and agreement with sklearn."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression as SkLogistic
from sklearn.multiclass import OneVsRestClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

from neuronlab.models import LogisticRegression, make_model
from neuronlab.models.logistic import _column_mean_var, _Objective


@pytest.fixture(scope="module")
def digits(mnist_small):
    """3,000 training and all 2,000 test digits of real MNIST, as float32 rows."""
    d = mnist_small
    return d.X_train()[:3000], d.train_labels[:3000], d.X_test(), d.test_labels


@parametrize_with_checks([LogisticRegression()])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("softmax_loss", [False, True])
def test_objective_gradient_matches_finite_differences(softmax_loss):
    rng = np.random.default_rng(0)
    X = rng.random((40, 6), dtype=np.float32)
    targets = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 40)]
    objective = _Objective(X, targets, l2=0.05, fit_intercept=True, softmax_loss=softmax_loss)
    theta = rng.normal(size=3 * 7)
    _, grad = objective(theta)
    h = 1e-3
    numeric = np.array(
        [
            (objective(theta + h * e)[0] - objective(theta - h * e)[0]) / (2 * h)
            for e in np.eye(theta.size)
        ]
    )
    np.testing.assert_allclose(grad, numeric, rtol=2e-3, atol=2e-4)


def _correlation(a, b):
    return np.corrcoef(np.ravel(a), np.ravel(b))[0, 1]


def test_binary_agrees_with_sklearn_on_ones_and_eights(digits):
    X, y, X_test, y_test = digits
    keep, keep_test = np.isin(y, [1, 8]), np.isin(y_test, [1, 8])
    ours = LogisticRegression(C=0.001).fit(X[keep], y[keep])
    theirs = SkLogistic(C=0.001).fit(X[keep], y[keep])
    assert ours.coef_.shape == (1, 784)
    assert list(ours.classes_) == [1, 8]
    assert _correlation(ours.coef_, theirs.coef_) >= 0.99
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-3)
    agree = ours.predict(X_test[keep_test]) == theirs.predict(X_test[keep_test])
    assert agree.mean() >= 0.99


def test_one_vs_rest_agrees_with_sklearn(digits):
    X, y, X_test, _ = digits
    ours = LogisticRegression(C=0.001, multi_class="ovr").fit(X, y)
    with threadpool_limits(limits=1, user_api="blas"):  # fast on a shared machine
        theirs = OneVsRestClassifier(SkLogistic(C=0.001)).fit(X, y)
    coef = np.vstack([e.coef_ for e in theirs.estimators_])
    assert ours.coef_.shape == (10, 784)
    assert _correlation(ours.coef_, coef) >= 0.99
    assert (ours.predict(X_test) == theirs.predict(X_test)).mean() >= 0.99
    np.testing.assert_allclose(ours.predict_proba(X_test), theirs.predict_proba(X_test), atol=1e-2)


def test_multinomial_agrees_with_sklearn(digits):
    X, y, X_test, _ = digits
    ours = LogisticRegression(C=0.001, multi_class="multinomial").fit(X, y)
    with threadpool_limits(limits=1, user_api="blas"):
        theirs = SkLogistic(C=0.001).fit(X, y)
    assert _correlation(ours.coef_, theirs.coef_) >= 0.99
    assert (ours.predict(X_test) == theirs.predict(X_test)).mean() >= 0.99
    np.testing.assert_allclose(ours.predict_proba(X_test).sum(axis=1), 1.0, rtol=1e-6)


def test_stronger_penalty_gives_smaller_weights(digits):
    X, y, _, _ = digits
    norms = [np.linalg.norm(LogisticRegression(C=c).fit(X, y).coef_) for c in (3e-4, 1e-3, 3e-3)]
    assert norms[0] < norms[1] < norms[2]


def test_callback_sees_each_iteration_and_can_stop(digits):
    X, y, _, _ = digits
    seen = []

    def stop_after_three(info):
        seen.append(info)
        return info.epoch < 3

    model = LogisticRegression(C=0.001, callback=stop_after_three).fit(X, y)
    assert [info.epoch for info in seen] == [1, 2, 3]
    assert model.n_iter_[0] == 3
    assert seen[-1].coefs[0].shape == (10, 784)
    assert seen[0].loss > seen[-1].loss
    np.testing.assert_array_equal(seen[-1].coefs[0], model.coef_)


def test_string_labels_and_decision_threshold():
    X = np.array([[0.0], [0.2], [0.8], [1.0]] * 5)
    y = np.array(["low", "low", "high", "high"] * 5)
    model = LogisticRegression(C=100.0).fit(X, y)
    assert list(model.classes_) == ["high", "low"]
    scores = model.decision_function(X)
    np.testing.assert_array_equal(model.predict(X), model.classes_[(scores > 0).astype(int)])
    assert model.score(X, y) == 1.0


def test_rejects_unknown_multi_class():
    with pytest.raises(ValueError, match="multi_class"):
        LogisticRegression(multi_class="auto").fit([[0.0], [1.0]], [0, 1])


@pytest.mark.slow
def test_module_preset_accuracy_on_real_digits(mnist_small):
    d = mnist_small
    model = make_model("logistic", "module").fit(d.X_train(), d.train_labels)
    assert model.score(d.X_test(), d.test_labels) >= 0.87


def test_blockwise_column_variance_matches_numpy():
    X = np.random.default_rng(0).random((1000, 7), dtype=np.float32) * 255
    mean, var = _column_mean_var(X, block=64)
    np.testing.assert_allclose(mean, X.mean(axis=0, dtype=np.float64), rtol=1e-6)
    np.testing.assert_allclose(var, X.var(axis=0, dtype=np.float64), rtol=1e-5)
