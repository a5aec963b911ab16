"""Saving and loading models: round trips, sklearn conversion, and hostile files."""

import io
import json
import os
import pickle
import zipfile

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression as SkLogistic
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neural_network import MLPClassifier as SkMLP

from neuronlab.errors import ModelFileError
from neuronlab.models import LogisticRegression, MLPClassifier, load_model, save_model


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.random((300, 16)).astype(np.float32)
    y = (X[:, :3].argmax(axis=1) * 3) + 1  # classes 1, 4, 7
    return X, y


@pytest.fixture(scope="module")
def mlp(data):
    X, y = data
    return MLPClassifier(hidden_layer_sizes=(6, 5), max_iter=40, random_state=0).fit(X, y)


def _roundtrip(model, tmp_path):
    path = save_model(model, tmp_path / "model.npz")
    return load_model(path)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("multi_class", ["ovr", "multinomial"])
def test_logistic_roundtrip_predicts_identically(data, tmp_path, multi_class):
    X, y = data
    model = LogisticRegression(C=0.5, multi_class=multi_class).fit(X, y)
    loaded = _roundtrip(model, tmp_path)
    assert isinstance(loaded, LogisticRegression)
    assert loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(loaded.classes_, model.classes_)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_mlp_roundtrip_keeps_weights_history_and_training(data, mlp, tmp_path):
    X, y = data
    loaded = _roundtrip(mlp, tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(X), mlp.predict_proba(X))
    assert loaded.loss_curve_ == mlp.loss_curve_ and loaded.n_iter_ == mlp.n_iter_
    assert loaded.hidden_layer_sizes == (6, 5)
    loaded.partial_fit(X, y)  # training can continue after loading
    # n_iter_ is scikit-learn's (epochs of the last call); loss_curve_ keeps the total
    assert loaded.n_iter_ == 1 and len(loaded.loss_curve_) == len(mlp.loss_curve_) + 1


def test_string_labels_roundtrip(data, tmp_path):
    X, y = data
    labels = np.array(["cat", "dog", "emu"])[(y - 1) // 3]
    model = LogisticRegression().fit(X, labels)
    loaded = _roundtrip(model, tmp_path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "make",
    [
        lambda: SkLogistic(C=0.1),
        lambda: OneVsRestClassifier(SkLogistic(C=0.1)),
        lambda: SkMLP(hidden_layer_sizes=(7,), max_iter=30, random_state=0),
        lambda: SkMLP(hidden_layer_sizes=(7,), solver="lbfgs", max_iter=30, random_state=0),
    ],
)
def test_sklearn_models_are_converted(data, tmp_path, make):
    X, y = data
    theirs = make().fit(X, y)
    loaded = _roundtrip(theirs, tmp_path)
    np.testing.assert_array_equal(loaded.predict(X), theirs.predict(X))
    np.testing.assert_allclose(loaded.predict_proba(X), theirs.predict_proba(X), atol=1e-5)


def test_binary_sklearn_logistic(data, tmp_path):
    X, y = data
    theirs = SkLogistic().fit(X, np.where(y == 1, 1, 0))
    loaded = _roundtrip(theirs, tmp_path)
    assert loaded.coef_.shape == (1, 16)
    np.testing.assert_array_equal(loaded.predict(X), theirs.predict(X))


def test_unsupported_and_unfitted_models_are_refused(tmp_path):
    with pytest.raises(ModelFileError, match="fit"):
        save_model(MLPClassifier(), tmp_path / "m.npz")
    with pytest.raises(ModelFileError, match="Cannot save"):
        save_model(object(), tmp_path / "m.npz")
    assert not list(tmp_path.iterdir())


# ----- hostile and damaged files ------------------------------------------------------------------


class _Marker:
    """Unpickling this would create a file: proof that code ran."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def _write_npz(path, arrays):
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def _arrays_of(model, tmp_path):
    path = save_model(model, tmp_path / "good.npz")
    with np.load(path) as npz:
        return {k: npz[k] for k in npz.files}


def _assert_refused(path, match=None):
    with pytest.raises(ModelFileError, match=match) as info:
        load_model(path)
    assert str(path) in str(info.value)


def test_pickle_inside_npz_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    payload = np.array([_Marker(str(marker))], dtype=object)
    path = tmp_path / "evil.npz"
    with open(path, "wb") as fh:
        np.savez(fh, meta=payload, coef=payload)
    _assert_refused(path)
    assert not marker.exists()


def test_raw_pickle_file_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.npz"
    path.write_bytes(pickle.dumps(_Marker(str(marker))))
    _assert_refused(path)
    assert not marker.exists()


def test_random_bytes_and_truncated_zip_are_refused(mlp, tmp_path):
    noise = tmp_path / "noise.npz"
    noise.write_bytes(np.random.default_rng(0).bytes(4096))
    _assert_refused(noise)
    good = save_model(mlp, tmp_path / "good.npz")
    cut = tmp_path / "cut.npz"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    _assert_refused(cut)
    single = tmp_path / "single.npy"
    np.save(single, np.zeros(3))
    _assert_refused(single, "single array")


def test_zip_bomb_is_refused_before_unpacking(tmp_path, monkeypatch):
    from neuronlab.models import persistence

    arrays = {"meta": np.array("{}"), "coef": np.zeros(4096, np.float32)}
    path = tmp_path / "big.npz"
    _write_npz(path, arrays)
    monkeypatch.setattr(persistence, "_MAX_BYTES", 1024)
    _assert_refused(path, "unpacks to more than")


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        load_model(tmp_path / "nothing.npz")


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda a: a.pop("coef_1"), "unexpected arrays"),
        (lambda a: a.update(extra=np.zeros(2, np.float32)), "unexpected arrays"),
        (lambda a: a.update(coef_1=np.zeros((5, 4), np.float32)), "inconsistent"),
        (lambda a: a.update(coef_0=a["coef_0"].astype(np.float64)), "float32"),
        (lambda a: a["coef_0"].__setitem__((0, 0), np.nan), "NaN"),
        (lambda a: a.update(intercept_2=np.zeros(2, np.float32)), "inconsistent"),
        (lambda a: a.pop("meta"), "metadata"),
    ],
)
def test_malformed_arrays_are_refused(mlp, tmp_path, change, match):
    arrays = _arrays_of(mlp, tmp_path)
    change(arrays)
    path = tmp_path / "bad.npz"
    _write_npz(path, arrays)
    _assert_refused(path, match)


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda m: m.update(version=2), "version"),
        (lambda m: m.update(format="other"), "Neuron Lab"),
        (lambda m: m.update(kind="forest"), "kind"),
        (lambda m: m.update(classes=[1, 4]), "inconsistent|fit"),
        (lambda m: m.update(classes=[1, 4, 4]), "distinct"),
        (lambda m: m.update(classes=[1.5, 4, 7]), "integers or all strings"),
        (lambda m: m["params"].pop("alpha"), "alpha"),
        (lambda m: m["params"].update(activation="softsign"), "activation"),
    ],
)
def test_malformed_metadata_is_refused(mlp, tmp_path, edit, match):
    arrays = _arrays_of(mlp, tmp_path)
    meta = json.loads(str(arrays["meta"]))
    edit(meta)
    arrays["meta"] = np.array(json.dumps(meta))
    path = tmp_path / "bad.npz"
    _write_npz(path, arrays)
    _assert_refused(path, match)


def test_save_replaces_atomically(mlp, tmp_path):
    path = tmp_path / "model.npz"
    path.write_bytes(b"old")
    save_model(mlp, path)
    assert zipfile.is_zipfile(path)
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as zf:
        assert "meta.npy" in zf.namelist()
