"""Our logistic regression: its gradient, sklearn's estimator checks, and agreement with sklearn."""

import warnings

import numpy as np
import pytest
from scipy.special import expit
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression as SkLogistic
from sklearn.multiclass import OneVsRestClassifier
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

from neuronlab.models import LogisticRegression, make_model
from neuronlab.models.logistic import _column_mean_var, _Objective


@pytest.fixture(scope="module")
def digits(mnist_small):
    """3,000 training and all 2,000 test digits of real MNIST, as float32 rows."""
    d = mnist_small
    return d.X_train()[:3000], d.train_labels[:3000], d.X_test(), d.test_labels


@parametrize_with_checks(
    [LogisticRegression()],
    expected_failed_checks=lambda _: {
        # scikit-learn lists this check as an expected failure of its own LogisticRegression:
        # two fits stopped at tol differ by more than the check's rtol of 1e-7
        "check_sample_weight_equivalence_on_dense_data": "fits stop at tol, not at 1e-7",
    },
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    "softmax_loss, n_features, preconditioner",
    [(False, 6, "full"), (True, 6, "full"), (False, 200, "diagonal"), (True, 200, "diagonal")],
)
def test_objective_gradient_matches_finite_differences(softmax_loss, n_features, preconditioner):
    rng = np.random.default_rng(0)
    X = rng.random((40, n_features), dtype=np.float32)
    targets = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 40)]
    weights = rng.random(40) + 0.5
    objective = _Objective(X, targets, 0.05, True, softmax_loss, sample_weight=weights)
    assert (objective.L is not None) == (preconditioner == "full")
    theta = rng.normal(size=3 * (n_features + 1))
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


# ----- issue 14: scikit-learn's behaviour where the course reaches for it -------------------


@pytest.fixture(scope="module")
def small_digits():
    """sklearn's 8x8 digits scaled to [0, 1]: constant pixels make the Hessian singular."""
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "case", ["C=1e6, 500x20", "C=1e7, 10x20", "C=inf, digits"], ids=lambda case: case
)
def test_weak_penalty_fits_where_cholesky_failed(case, small_digits):
    if case.startswith("C=inf"):
        (X, y), C = small_digits, np.inf
    elif case.startswith("C=1e7"):
        (X, y), C = make_classification(10, 20, random_state=0), 1e7
    else:
        (X, y), C = make_classification(500, random_state=0), 1e6
    model = LogisticRegression(C=C, max_iter=60).fit(X, y)
    assert np.all(np.isfinite(model.coef_))
    assert model.score(X, y) >= 0.8


def _max_gradient(model, X, y):
    """The largest entry of scikit-learn's objective's gradient, in float64, by hand."""
    X = np.asarray(X, dtype=np.float64)
    t = (y == model.classes_[1]).astype(float)
    p = expit(X @ model.coef_[0].astype(float) + model.intercept_[0])
    grad_w = X.T @ (p - t) / len(y) + model.coef_[0] / (model.C * len(y))
    return max(np.abs(grad_w).max(), abs(np.mean(p - t)))


@pytest.mark.parametrize("tol", [1e-2, 1e-3, 1e-4])
def test_stops_once_the_gradient_meets_tol(small_digits, tol):
    X, y = small_digits
    keep = np.isin(y, [1, 8])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = LogisticRegression(C=1.0, tol=tol).fit(X[keep], y[keep])
    assert _max_gradient(model, X[keep], y[keep]) <= 1.05 * tol


def test_tol_below_float32_resolution_warns(small_digits):
    X, y = small_digits
    with pytest.warns(ConvergenceWarning, match="float32 resolution"):
        LogisticRegression(C=1.0, tol=1e-9).fit(X, y)


def test_max_iter_zero_leaves_the_initial_weights(small_digits):
    X, y = small_digits
    with pytest.warns(ConvergenceWarning, match="0 iterations"):
        model = LogisticRegression(max_iter=0).fit(X, y)
    assert model.n_iter_[0] == 0
    # L-BFGS starts from no weights and intercepts at each class's log-odds
    np.testing.assert_allclose(model.coef_, 0.0, atol=1e-6)
    share = np.bincount(y) / len(y)
    np.testing.assert_allclose(model.predict_proba(X[:3]), np.tile(share, (3, 1)), rtol=1e-4)


@pytest.mark.parametrize(
    "params",
    [
        {"C": 0.0},
        {"C": -1.0},
        {"multi_class": "auto"},
        {"fit_intercept": "yes"},
        {"max_iter": -1},
        {"tol": -1e-4},
        {"solver": "sag"},
        {"warm_start": 1},
    ],
    ids=str,
)
def test_invalid_parameters_raise_sklearns_error(params):
    with pytest.raises(InvalidParameterError, match=next(iter(params))):
        LogisticRegression(**params).fit([[0.0], [1.0]], [0, 1])


def test_warm_start_continues_from_the_previous_weights(small_digits):
    X, y = small_digits
    model = LogisticRegression(C=1.0, warm_start=True).fit(X, y)
    first = model.coef_.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.set_params(max_iter=1).fit(X, y)
        cold = LogisticRegression(C=1.0, max_iter=1).fit(X, y)
    assert np.abs(model.coef_ - first).max() < 0.02
    assert np.abs(cold.coef_ - first).max() > 0.5


def test_verbose_prints_each_iteration(small_digits, capsys):
    X, y = small_digits
    model = LogisticRegression(C=1.0, verbose=1).fit(X, y)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Iter")]
    assert len(lines) == model.n_iter_[0]


def test_integer_sample_weights_equal_repeated_rows():
    X, y = make_classification(300, 5, n_informative=3, n_redundant=0, random_state=0)
    sw = np.random.default_rng(0).integers(0, 4, len(y)).astype(float)
    settings = dict(C=1.0, tol=3e-5)
    weighted = LogisticRegression(**settings).fit(X, y, sample_weight=sw)
    counts = sw.astype(int)
    repeated = LogisticRegression(**settings).fit(X.repeat(counts, axis=0), y.repeat(counts))
    theirs = SkLogistic(C=1.0, tol=1e-10).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, atol=2e-4)
    np.testing.assert_allclose(weighted.coef_, theirs.coef_, atol=2e-4)
    np.testing.assert_allclose(weighted.intercept_, theirs.intercept_, atol=2e-4)


def test_float64_input_is_computed_in_float32(small_digits):
    X, y = small_digits
    model = LogisticRegression(C=1.0).fit(X, y)
    assert model.coef_.dtype == model.intercept_.dtype == np.float32
    assert model.decision_function(X[:2]).dtype == np.float32
    assert model.predict_proba(X[:2]).dtype == np.float64
