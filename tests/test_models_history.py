"""The training time machine: the recorder's budget, the history in model files, hostile files."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from neuronlab import training
from neuronlab.errors import ModelFileError
from neuronlab.models import EpochInfo, MLPClassifier, load_model, save_model
from neuronlab.models.history import HistoryRecorder, best_epoch


def _info(epoch: int, coefs: list[np.ndarray]) -> EpochInfo:
    intercepts = [np.full(c.shape[1], epoch, np.float32) for c in coefs]
    return EpochInfo(epoch, 1.0 / epoch, 0.5, None, coefs, intercepts, 0.0)


def test_past_the_budget_snapshots_thin_to_even_epochs_and_the_last() -> None:
    coefs = [np.zeros((100, 10), np.float32)]  # 4,040 bytes with the biases
    recorder = HistoryRecorder(budget_bytes=20 * 4040)
    for epoch in range(1, 101):
        recorder(_info(epoch, [c + epoch for c in coefs]))
    history = recorder.history()
    held = history.held()
    assert len(held) <= 20 and history.nbytes <= 20 * 4040
    assert held[0] == 1 and held[-1] == 100
    steps = np.diff(held[:-1])
    assert len(set(steps)) == 1  # evenly spread
    assert history.n_epochs == 100 and history.loss[99] == pytest.approx(0.01)
    coefs_at, intercepts_at = history.weights(held[3])
    assert coefs_at[0][0, 0] == held[3] and intercepts_at[0][0] == held[3]
    with pytest.raises(KeyError):
        history.weights(2)


def test_the_recorder_passes_on_what_the_next_callback_says() -> None:
    answers = iter([None, False])
    recorder = HistoryRecorder(lambda info: next(answers))
    coefs = [np.zeros((3, 2), np.float32)]
    assert recorder(_info(1, coefs)) is None and not recorder.stopped
    assert recorder(_info(2, coefs)) is False and recorder.stopped


@pytest.fixture(scope="module")
def early_stopped(mnist_small, one_blas_thread):
    X, y = mnist_small.X_train()[:2000], mnist_small.train_labels[:2000]
    model = training.build_model("mlp", "module", {"hidden": 8, "max_epochs": 40})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        training.fit(model, X, y)
    return model


def test_a_fit_keeps_every_epoch_and_knows_its_best(early_stopped) -> None:
    model = early_stopped
    history = model.history_
    assert history.held() == list(range(1, len(model.loss_curve_) + 1))
    assert list(history.loss) == pytest.approx(model.loss_curve_)
    assert list(history.validation_score) == pytest.approx(model.validation_scores_)
    best = best_epoch(model)
    assert best == int(np.argmax(model.validation_scores_)) + 1
    final_coefs, _ = history.weights(best)
    np.testing.assert_array_equal(final_coefs[0], model.coefs_[0])
    assert history.weights(1)[0][0].shape == (784, 8)


def test_history_round_trips_through_a_model_file(early_stopped, tmp_path: Path) -> None:
    path = save_model(early_stopped, tmp_path / "net.npz")
    with np.load(path) as npz:
        assert npz["history_coef_0"].dtype == np.float32
        assert npz["history_coef_0"].shape == (len(early_stopped.loss_curve_), 784, 8)
        assert npz["history_intercept_1"].shape[1:] == (10,)
    loaded = load_model(path).history_
    original = early_stopped.history_
    assert loaded.held() == original.held()
    pairs = zip(loaded.coefs + loaded.intercepts, original.coefs + original.intercepts, strict=True)
    for a, b in pairs:
        np.testing.assert_array_equal(a, b)
    assert loaded.loss == pytest.approx(original.loss)
    assert loaded.train_score == pytest.approx(original.train_score)


def test_train_more_continues_the_history(early_stopped, mnist_small) -> None:
    X, y = mnist_small.X_train()[:2000], mnist_small.train_labels[:2000]
    best = best_epoch(early_stopped)
    more, seconds = training.train_more(early_stopped, X, y, 3)
    assert seconds > 0 and more is not early_stopped
    assert len(more.loss_curve_) == best + 3
    assert more.history_.held() == list(range(1, best + 4))
    np.testing.assert_array_equal(more.history_.weights(best)[0][0], early_stopped.coefs_[0])
    # The original is untouched; the copy moved on.
    assert early_stopped.early_stopping is True
    assert early_stopped.history_.n_epochs == len(early_stopped.loss_curve_) >= best
    assert not np.array_equal(more.coefs_[0], early_stopped.coefs_[0])
    assert isinstance(more.random_state, int)


def test_old_files_without_history_load_and_train_on(mnist_small, tmp_path: Path) -> None:
    X, y = mnist_small.X_train()[:500], mnist_small.train_labels[:500]
    net = MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net.fit(X, y)  # fitted by hand: no history
    loaded = load_model(save_model(net, tmp_path / "old.npz"))
    assert loaded.history_ is None
    more, _ = training.train_more(loaded, X, y, 2)
    assert more.history_.held() == [4, 5]
    assert more.history_.loss[:3] == pytest.approx(net.loss_curve_)


# ----- hostile or damaged histories ------------------------------------------------------------


def _arrays_and_meta(path: Path) -> tuple[dict[str, np.ndarray], dict]:
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    return arrays, json.loads(str(arrays.pop("meta")))


def _write(path: Path, arrays: dict[str, np.ndarray], meta: dict) -> Path:
    np.savez(path, meta=np.array(json.dumps(meta)), **arrays)
    return path


@pytest.fixture(scope="module")
def saved(early_stopped, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_model(early_stopped, tmp_path_factory.mktemp("history") / "good.npz")


def _float64(arrays, meta):
    arrays["history_coef_0"] = arrays["history_coef_0"].astype(np.float64)


def _wrong_shape(arrays, meta):
    arrays["history_coef_0"] = arrays["history_coef_0"][:, :700]


def _fewer_snapshots(arrays, meta):
    arrays["history_intercept_1"] = arrays["history_intercept_1"][:-1]


def _missing_layer(arrays, meta):
    del arrays["history_coef_1"]


def _epochs_backwards(arrays, meta):
    meta["history_epochs"] = meta["history_epochs"][::-1]


def _epochs_past_training(arrays, meta):
    meta["history_epochs"] = [e + 1000 for e in meta["history_epochs"]]


def _epochs_not_ints(arrays, meta):
    meta["history_epochs"] = [str(e) for e in meta["history_epochs"]]


def _loss_too_short(arrays, meta):
    meta["history_loss"] = meta["history_loss"][:-1]


def _loss_not_numbers(arrays, meta):
    meta["history_loss"] = [{"a": 1}] * len(meta["history_loss"])


def _huge_list(arrays, meta):
    meta["history_train_score"] = [0.5] * 200_000


def _nan(arrays, meta):
    arrays["history_coef_0"][0, 0, 0] = np.nan


def _meta_without_arrays(arrays, meta):
    for key in [k for k in arrays if k.startswith("history_")]:
        del arrays[key]


def _huge_history(arrays, meta):
    # 5,400 well-formed snapshots of the 784-8-10 network: 138 MB, over twice the 64 MB budget
    n = 5400
    arrays["history_coef_0"] = np.zeros((n, 784, 8), np.float32)
    arrays["history_intercept_0"] = np.zeros((n, 8), np.float32)
    arrays["history_coef_1"] = np.zeros((n, 8, 10), np.float32)
    arrays["history_intercept_1"] = np.zeros((n, 10), np.float32)
    meta["history_epochs"] = list(range(1, n + 1))
    for name in ("history_loss", "history_train_score", "history_validation_score"):
        meta[name] = [0.5] * n
    meta["history"]["loss_curve_"] = [0.5] * n


@pytest.mark.parametrize(
    "damage",
    [
        _float64,
        _wrong_shape,
        _fewer_snapshots,
        _missing_layer,
        _epochs_backwards,
        _epochs_past_training,
        _epochs_not_ints,
        _loss_too_short,
        _loss_not_numbers,
        _huge_list,
        _nan,
        _meta_without_arrays,
        _huge_history,
    ],
)
def test_a_hostile_history_is_a_model_file_error(saved: Path, tmp_path: Path, damage) -> None:
    arrays, meta = _arrays_and_meta(saved)
    damage(arrays, meta)
    path = _write(tmp_path / "bad.npz", arrays, meta)
    with pytest.raises(ModelFileError, match="not a valid Neuron Lab model file"):
        load_model(path)
