"""Our CNN: forward pass against scipy, backprop against float64 finite differences, the
estimator interface, training on real digits."""

import json
import pickle
import warnings

import numpy as np
import pytest
from scipy.signal import correlate2d
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from neuronlab.errors import ModelFileError
from neuronlab.models import ConvNetClassifier, EpochInfo, load_model, make_model, save_model
from neuronlab.models import convolution as conv
from neuronlab.models.history import HistoryRecorder
from neuronlab.models.network import F32, Layout


@pytest.fixture(scope="module")
def digits(mnist_small):
    """The real MNIST test set split 8,000 / 2,000, as float32 rows."""
    d = mnist_small
    return d.X_train(), d.train_labels, d.X_test(), d.test_labels


@pytest.fixture(scope="module")
def small_fit(digits):
    """A CNN trained two epochs on 1,000 digits: enough to have real filters."""
    X, y, _, _ = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return ConvNetClassifier(max_iter=2, learning_rate_init=0.01, random_state=0).fit(
            X[:1000], y[:1000]
        )


# A higher rate than the default so that scikit-learn's tiny check data trains in 50 epochs.
@parametrize_with_checks([ConvNetClassifier(max_iter=50, learning_rate_init=0.01)])
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


# ----- the arithmetic against an independent float64 reference -------------------------------


def _reference_maps(images, filters, bias, pool):
    """Per image and filter: scipy's correlation plus bias, ReLU, 2x2 maxima (floor)."""
    maps = np.array(
        [
            [correlate2d(img, w, mode="valid") + b for w, b in zip(filters, bias, strict=True)]
            for img in images
        ]
    )
    maps = np.maximum(maps, 0.0)
    if pool:
        n, f, h, w = maps.shape
        maps = maps[:, :, : h // 2 * 2, : w // 2 * 2]
        maps = maps.reshape(n, f, h // 2, 2, w // 2, 2).max(axis=(3, 5))
    return maps


def _reference_loss(conv_params, dense_params, shape, layout, images, labels, alpha):
    """The training loss computed plainly in float64."""
    filters, bias = shape.views(conv_params)
    a = _reference_maps(images, filters, bias, shape.pool).reshape(len(images), -1)
    coefs, intercepts = layout.views(dense_params)
    for i, (W, b) in enumerate(zip(coefs, intercepts, strict=True)):
        a = a @ W + b
        if i < len(coefs) - 1:
            a = np.maximum(a, 0.0)
    a = a - a.max(axis=1, keepdims=True)
    log_p = a - np.log(np.exp(a).sum(axis=1, keepdims=True))
    weights = np.concatenate([filters.ravel(), *(c.ravel() for c in coefs)])
    rows = len(images)
    return -log_p[np.arange(rows), labels].mean() + 0.5 * alpha * weights @ weights / rows


CASES = {
    "10x10 k3 pool": ((10, 10), 3, 3, True, ()),
    "11x11 k3 pool, odd maps": ((11, 11), 3, 2, True, ()),
    "9x9 k5 no pool": ((9, 9), 5, 2, False, ()),
    "10x10 k3 pool, hidden layer": ((10, 10), 3, 2, True, (5,)),
    "28x28 k5 pool": ((28, 28), 5, 2, True, ()),
}


@pytest.mark.parametrize("case", CASES)
def test_backprop_matches_float64_finite_differences(case):
    image, k, f, pool, hidden = CASES[case]
    rng = np.random.default_rng(0)
    rows, n_classes, alpha = 4, 3, 0.3
    shape = conv.ConvShape(image, k, f, pool)
    layout = Layout((shape.n_features, *hidden, n_classes))
    ws = conv.Workspace(shape, rows, layout)
    conv_params = rng.normal(scale=0.5, size=shape.n_params).astype(F32)
    # small enough that no probability reaches the log-loss clipping at float32 eps
    dense_params = rng.normal(scale=1 / np.sqrt(shape.n_features), size=layout.size).astype(F32)
    coefs, intercepts = layout.views(dense_params)
    ws.X[:] = rng.random((rows, image[0] * image[1]))
    labels = np.array([0, 1, 2, 1])
    ws.dense.Y[:] = np.eye(n_classes)[labels]
    loss = conv.loss_and_gradient(
        ws, conv_params, dense_params, coefs, intercepts, rows, labels, alpha
    )
    analytic = np.concatenate([ws.grad, ws.dense.grad])

    images = ws.X.astype(np.float64).reshape(rows, *image)
    params = np.concatenate([conv_params, dense_params]).astype(np.float64)
    n_conv = shape.n_params

    def reference(p):
        return _reference_loss(p[:n_conv], p[n_conv:], shape, layout, images, labels, alpha)

    assert loss == pytest.approx(reference(params), rel=1e-5)
    # every convolution parameter, and an even spread of the dense ones
    checked = np.r_[np.arange(n_conv), np.arange(n_conv, params.size, 1 + params.size // 300)]
    h = 1e-6
    numeric = []
    for i in checked:
        up, down = params.copy(), params.copy()
        up[i] += h
        down[i] -= h
        numeric.append((reference(up) - reference(down)) / (2 * h))
    np.testing.assert_allclose(analytic[checked], numeric, rtol=2e-3, atol=2e-5)


@pytest.mark.parametrize("k", [3, 5, 7])
@pytest.mark.parametrize("pool", [True, False])
def test_forward_matches_scipy_correlate2d(k, pool):
    rng = np.random.default_rng(k)
    images = rng.random((5, 28, 28)).astype(F32)
    shape = conv.ConvShape((28, 28), k, 4, pool)
    filters = rng.normal(size=(4, k, k)).astype(F32)
    bias = rng.normal(size=4).astype(F32)
    raw = conv.convolve(shape, images, filters)
    expected_raw = [[correlate2d(img, w, mode="valid") for w in filters] for img in images]
    np.testing.assert_allclose(raw, expected_raw, rtol=1e-5, atol=1e-5)
    feats = conv.forward_features(shape, filters, bias, images.reshape(5, -1), chunk=2)
    expected = _reference_maps(images.astype(np.float64), filters, bias, pool)
    np.testing.assert_allclose(feats.reshape(expected.shape), expected, rtol=1e-5, atol=1e-5)


def test_max_pool_backward_gives_a_tie_to_the_first_corner_only():
    # (F=1, n=1, corners 2 x 2, one window): all four corners hold the maximum 3
    conv_out = np.full((1, 1, 2, 2, 1, 1), 3.0, dtype=F32)
    pooled = conv.max_pool(conv_out, np.empty((1, 1, 1, 1), dtype=F32))
    grad = np.full((1, 1, 1, 1), 5.0, dtype=F32)
    out = np.empty_like(conv_out)
    conv.max_pool_backward(conv_out, pooled, grad, out, np.empty((1, 1, 1, 1), dtype=bool))
    assert out.ravel().tolist() == [5.0, 0.0, 0.0, 0.0]


def test_image_shape_for_rows():
    assert conv.image_shape_for(784) == (28, 28)
    assert conv.image_shape_for(10) == (1, 10)
    # a row too small for a filter is padded, so the network still has one pooled map
    shape = conv.ConvShape((1, 2), 5, 8, True)
    assert shape.padded == (6, 6) and shape.maps == (1, 1)


# ----- the estimator -----------------------------------------------------------------------------


def test_feature_maps_of_one_digit(small_fit, digits):
    model, x = small_fit, digits[2][0]
    maps = model.feature_maps(x)
    assert maps.conv.shape == (8, 24, 24)  # "valid": 28 - 5 + 1
    assert maps.pooled.shape == (8, 12, 12)
    expected = [
        correlate2d(x.reshape(28, 28), w, mode="valid") + b
        for w, b in zip(model.filters_, model.filter_bias_, strict=True)
    ]
    np.testing.assert_allclose(maps.conv, expected, rtol=1e-4, atol=1e-5)
    pooled = np.maximum(maps.conv, 0).reshape(8, 12, 2, 12, 2).max(axis=(2, 4))
    np.testing.assert_allclose(maps.pooled, pooled, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(maps.probabilities, model.predict_proba(x[None])[0], rtol=1e-5)
    assert (
        model.feature_maps(x.reshape(28, 28)).probabilities.argmax() == maps.probabilities.argmax()
    )


def test_fitted_attributes(small_fit):
    m = small_fit
    assert m.filters_.shape == (8, 5, 5) and m.filters_.dtype == np.float32
    assert m.filter_bias_.shape == (8,)
    assert [c.shape for c in m.coefs_] == [(8 * 12 * 12, 10)]
    assert [b.shape for b in m.intercepts_] == [(10,)]
    assert m.n_iter_ == 2 and len(m.loss_curve_) == 2 and m.loss_curve_[1] < m.loss_curve_[0]
    assert m.validation_scores_ is None and m.image_shape_ == (28, 28)
    assert list(m.classes_) == list(range(10)) and m.n_features_in_ == 784


@pytest.mark.parametrize(
    ("params", "maps"),
    [
        ({"filter_size": 3}, (13, 13)),
        ({"filter_size": 7, "filters": 4}, (11, 11)),
        ({"pool": False}, (24, 24)),
        ({"hidden_layer_sizes": (16,)}, (12, 12)),
    ],
)
def test_architecture_knobs(digits, params, maps):
    X, y, _, _ = digits
    model = ConvNetClassifier(max_iter=1, n_iter_no_change=1, random_state=0, **params)
    model.fit(X[:300], y[:300])
    f = params.get("filters", 8)
    assert model.feature_maps(X[0]).pooled.shape == (f, *maps)
    assert model.coefs_[0].shape[0] == f * maps[0] * maps[1]
    assert len(model.coefs_) == 1 + len(params.get("hidden_layer_sizes", ()))
    assert model.predict_proba(X[:5]).shape == (5, 10)


@pytest.mark.parametrize(
    "params",
    [{"filter_size": 4}, {"filters": 0}, {"pool": "yes"}, {"hidden_layer_sizes": (0,)}],
)
def test_bad_parameters_raise(params):
    X = np.zeros((4, 784), dtype=F32)
    with pytest.raises(ValueError, match=next(iter(params))):
        ConvNetClassifier(**params).fit(X, [0, 1, 0, 1])


def test_callback_gets_copies_and_can_stop(digits):
    X, y, _, _ = digits
    seen: list[EpochInfo] = []

    def callback(info):
        seen.append(info)
        info.coefs[0][:] = 0.0  # must not reach the model
        return info.epoch < 2

    model = ConvNetClassifier(max_iter=5, random_state=0, callback=callback)
    model.fit(X[:300], y[:300])
    assert [i.epoch for i in seen] == [1, 2] and model.n_iter_ == 2
    assert seen[1].coefs[0].shape == (8, 5, 5) and seen[1].intercepts[0].shape == (8,)
    assert [c.shape for c in seen[1].coefs[1:]] == [c.shape for c in model.coefs_]
    assert np.abs(model.filters_).max() > 0
    assert 0 <= seen[1].train_score <= 1 and seen[1].validation_score is None


def test_early_stopping_keeps_the_best_epoch(digits):
    X, y, _, _ = digits
    snapshots = []
    model = ConvNetClassifier(
        early_stopping=True,
        n_iter_no_change=1,
        max_iter=30,
        learning_rate_init=0.02,
        random_state=0,
        callback=lambda info: snapshots.append(info.coefs[0]),
    ).fit(X[:600], y[:600])
    assert len(model.validation_scores_) == model.n_iter_ == len(snapshots)
    best = int(np.argmax(model.validation_scores_))
    assert best < model.n_iter_ - 1 < 29  # stopped, and went back to an earlier epoch
    np.testing.assert_array_equal(model.filters_, snapshots[best])
    assert model.best_validation_score_ == max(model.validation_scores_)


def test_partial_fit_trains_on_and_survives_pickling(digits):
    X, y, _, _ = digits
    model = ConvNetClassifier(random_state=0)
    with pytest.raises(ValueError, match="classes"):
        model.partial_fit(X[:100], y[:100])
    model.partial_fit(X[:500], y[:500], classes=np.arange(10))
    first = model.filters_.copy()
    copy = pickle.loads(pickle.dumps(model))
    for m in (model, copy):
        m.partial_fit(X[:500], y[:500])
    assert model.n_iter_ == copy.n_iter_ == 1  # scikit-learn's: this call's epochs
    assert len(model.loss_curve_) == len(copy.loss_curve_) == 2
    assert not np.array_equal(model.filters_, first)
    np.testing.assert_allclose(copy.filters_, model.filters_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(copy.predict_proba(X[:20]), model.predict_proba(X[:20]), atol=1e-5)


@pytest.mark.slow
def test_fast_preset_reaches_97_percent_on_real_digits(digits, one_blas_thread):
    X, y, X_test, y_test = digits
    model = make_model("cnn", "fast", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # fixed epochs: no warning
        model.fit(X, y)
    assert model.n_iter_ == 10
    assert model.score(X_test, y_test) >= 0.97


# ----- saving and loading --------------------------------------------------------------------


def _saved_arrays(path):
    with np.load(path, allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def test_save_and_load_round_trip_with_history(digits, tmp_path):
    X, y, X_test, _ = digits
    recorder = HistoryRecorder()
    model = ConvNetClassifier(
        filters=4,
        filter_size=3,
        hidden_layer_sizes=(8,),
        max_iter=3,
        n_iter_no_change=3,
        random_state=0,
        callback=recorder,
    ).fit(X[:300], y[:300])
    model.set_params(callback=None)
    model.history_ = recorder.history()
    path = save_model(model, tmp_path / "cnn.npz")
    arrays = _saved_arrays(path)
    assert arrays["history_coef_0"].shape == (3, 4, 3, 3)
    loaded = load_model(path)
    assert isinstance(loaded, ConvNetClassifier)
    assert loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(
        loaded.predict_proba(X_test[:50]), model.predict_proba(X_test[:50])
    )
    assert loaded.loss_curve_ == model.loss_curve_ and loaded.image_shape_ == (28, 28)
    for saved, kept in zip(loaded.history_.coefs, model.history_.coefs, strict=True):
        np.testing.assert_array_equal(saved, kept)
    assert loaded.history_.held() == [1, 2, 3]
    loaded.partial_fit(X[:300], y[:300])  # trains on from the loaded weights
    assert len(loaded.loss_curve_) == 4


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda a, m: a.update(filters=a["filters"][:, :2]), "filters"),
        (lambda a, m: a.update(coef_0=a["coef_0"][:-1]), "dense layer"),
        (lambda a, m: m.update(image_shape=[28, 27]), "dense layer"),
        (lambda a, m: m.update(image_shape="28x28"), "image_shape"),
        (lambda a, m: m["params"].update(filter_size=4), "filter_size"),
        (lambda a, m: a.update(extra=np.zeros(1, np.float32)), "extra"),
        (lambda a, m: a.pop("filter_bias"), "missing"),
    ],
)
def test_damaged_files_are_refused(small_fit, tmp_path, change, message):
    path = save_model(small_fit, tmp_path / "cnn.npz")
    arrays = _saved_arrays(path)
    meta = json.loads(str(arrays.pop("meta")))
    change(arrays, meta)
    np.savez(path, meta=np.array(json.dumps(meta)), **arrays)
    with pytest.raises(ModelFileError, match=message):
        load_model(path)
