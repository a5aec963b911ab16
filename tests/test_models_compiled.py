"""The compiled epoch kernel: the same training as the NumPy path, optional, cached."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from neuronlab.models import MLPClassifier, compiled

kernel = compiled.epoch_kernel()
needs_kernel = pytest.mark.skipif(kernel is None, reason="no C compiler here: NumPy path only")


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.random((300, 20), dtype=np.float32)
    y = (X[:, :3].sum(axis=1) * 2).astype(int) % 4
    return X, y


def _fit(monkeypatch, use_kernel: bool, X, y, **settings):
    monkeypatch.setenv(compiled.DISABLE_ENV, "" if use_kernel else "numpy")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return MLPClassifier(random_state=0, max_iter=6, **settings).fit(X, y)


@needs_kernel
@pytest.mark.parametrize(
    "settings",
    [
        dict(hidden_layer_sizes=(7,), activation="logistic", batch_size=32, alpha=0.1),
        dict(hidden_layer_sizes=(6, 5), activation="relu", batch_size=50),
        dict(hidden_layer_sizes=(5,), activation="tanh", solver="sgd", learning_rate_init=0.1),
        dict(hidden_layer_sizes=(), activation="identity", batch_size=64),
        dict(hidden_layer_sizes=(4,), early_stopping=True, batch_size=16),
    ],
    ids=["logistic", "relu-2-layers", "tanh-sgd", "no-hidden", "early-stopping"],
)
def test_kernel_trains_the_same_network_as_numpy(monkeypatch, data, settings):
    X, y = data
    fast = _fit(monkeypatch, True, X, y, **settings)
    plain = _fit(monkeypatch, False, X, y, **settings)
    assert fast.n_iter_ == plain.n_iter_
    np.testing.assert_allclose(fast.loss_curve_, plain.loss_curve_, rtol=1e-5)
    for a, b in zip(fast.coefs_ + fast.intercepts_, plain.coefs_ + plain.intercepts_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(fast.predict(X), plain.predict(X))


@needs_kernel
def test_binary_output_and_adam_state_match(monkeypatch, data):
    X, y = data
    y = y % 2
    fast = _fit(monkeypatch, True, X, y, hidden_layer_sizes=(5,), batch_size=40)
    plain = _fit(monkeypatch, False, X, y, hidden_layer_sizes=(5,), batch_size=40)
    assert fast._optimizer.t == plain._optimizer.t == 6 * 8
    np.testing.assert_allclose(fast._optimizer.v, plain._optimizer.v, rtol=1e-4, atol=1e-10)
    np.testing.assert_allclose(fast.loss_curve_, plain.loss_curve_, rtol=1e-5)


def test_switched_off_by_the_environment(monkeypatch):
    monkeypatch.setenv(compiled.DISABLE_ENV, "numpy")
    assert compiled.epoch_kernel() is None


def test_no_compiler_means_numpy(monkeypatch, tmp_path, data):
    compiled._load.cache_clear()
    monkeypatch.setenv(compiled.CACHE_ENV, str(tmp_path))
    monkeypatch.setenv("CC", str(tmp_path / "no-such-compiler"))
    try:
        assert compiled.epoch_kernel() is None
        X, y = data
        model = _fit(monkeypatch, True, X, y, hidden_layer_sizes=(3,))
        assert model.n_iter_ == 6  # trained with NumPy
    finally:
        compiled._load.cache_clear()


@needs_kernel
def test_library_is_cached_per_source(monkeypatch, tmp_path):
    monkeypatch.setenv(compiled.CACHE_ENV, str(tmp_path))
    first = compiled._built_library()
    assert first.parent == tmp_path / "kernels" and first.suffix == ".so"
    stamp = first.stat().st_mtime_ns
    assert compiled._built_library() == first and first.stat().st_mtime_ns == stamp


def test_refuses_arrays_it_cannot_read(data):
    if kernel is None:
        pytest.skip("no C compiler here")
    from neuronlab.models.network import Adam, Layout

    layout = Layout((20, 3, 4))
    params = np.zeros(layout.size, dtype=np.float32)
    X, y = data
    with pytest.raises(ValueError, match="order"):
        kernel.epoch(
            layout,
            params,
            params.copy(),
            X,
            np.eye(4, dtype=np.float32)[y],
            y,
            np.arange(len(y), dtype=np.int32),
            10,
            "logistic",
            True,
            0.0,
            Adam(layout.size, 1e-3, 0.9, 0.999, 1e-8),
            kernel.work_buffer(layout, 10),
        )
