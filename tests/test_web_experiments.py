"""Issue 9 through the web API: the training knobs, the time machine and continued training.

Real MNIST digits (the test set split 8,000 train / 2,000 test), FastAPI's TestClient,
models trained into a temporary cache.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import read_events
from fastapi.testclient import TestClient

from neuronlab.models import EpochInfo
from neuronlab.settings import MAX_KEY
from neuronlab.web import compute, create_app
from neuronlab.web.jobs import Job
from neuronlab.web.schemas import ModelDetail, TrainRequest
from neuronlab.web.store import is_valid_key

Events = list[tuple[str, dict]]

# The overfitting experiment chapter 7 teaches: a big network, no brakes, few images.
OVERFIT = {
    "model": "mlp",
    "hidden": 100,
    "alpha": 0,
    "early_stopping": False,
    "n_train": 500,
    "max_epochs": 100,
}


@pytest.fixture(scope="module")
def client(mnist_test_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    cache = tmp_path_factory.mktemp("experiments-cache")
    with TestClient(create_app(str(mnist_test_dir), cache_dir=cache)) as test_client:
        yield test_client


def post_and_follow(client: TestClient, url: str, body: dict) -> tuple[str, Events]:
    response = client.post(url, json=body)
    assert response.status_code == 202, response.text
    started = response.json()
    return started["model_key"], read_events(client, started["job_id"])


def weights(client: TestClient, key: str, **params) -> np.ndarray:
    response = client.get(f"/api/models/{key}/weights", params=params)
    assert response.status_code == 200, response.text
    shape = tuple(int(n) for n in response.headers["x-shape"].split(","))
    return np.frombuffer(response.content, dtype="float32").reshape(shape)


@pytest.fixture(scope="module")
def overfit(client: TestClient) -> tuple[str, Events]:
    return post_and_follow(client, "/api/train", OVERFIT)


# ----- the request: unknown fields, ranges, fields of the other model ------------------------


def test_an_unknown_field_is_named_with_the_allowed_ones(client: TestClient) -> None:
    response = client.post("/api/train", json={"model": "mlp", "alpah": 0})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "alpah is not a field" in detail
    assert "alpha" in detail and "learning_rate_init" in detail and "n_train" in detail


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"alpha": 20}, "alpha must be between 0 and 10, got 20."),
        ({"model": "logistic", "C": 1e-9}, "C must be between 1e-05 and 10, got 1e-09."),
        ({"model": "logistic", "C": 11}, "C must be between 1e-05 and 10, got 11"),
        ({"learning_rate_init": 2}, "learning_rate_init must be between 1e-05 and 1, got 2"),
        ({"batch_size": 0}, "batch_size must be between 1 and 2000, got 0"),
        ({"max_epochs": 501}, "max_epochs must be between 1 and 500, got 501"),
        ({"hidden": 401}, "hidden must be between 1 and 400, got 401"),
        ({"n_train": 5}, "n_train must be between 10 and the number of training images, got 5"),
        ({"n_train": 9000}, "n_train must be between 10 and 8000"),
        ({"model": "logistic", "classes": [1, 8], "n_train": 3000}, "between 10 and 1"),
        ({"n_train": 12}, "at least"),
        ({"activation": "sigmoid"}, "'logistic', 'relu' or 'tanh'"),
        ({"model": "logistic", "alpha": 0.1}, "alpha applies to the MLP only"),
        ({"model": "logistic", "hidden": 25}, "hidden applies to the MLP only"),
        ({"model": "mlp", "C": 1}, "C applies to logistic regression only"),
        ({"model": "mlp", "multi_class": "ovr"}, "multi_class applies to logistic regression"),
    ],
)
def test_bad_settings_are_422_sentences(client: TestClient, body: dict, words: str) -> None:
    response = client.post("/api/train", json=body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail.startswith("Invalid request: ") and detail.endswith(".")
    assert words in detail


def test_nulls_mean_the_preset_and_the_schema_states_ranges(client: TestClient) -> None:
    nulls = {"model": "mlp", "alpha": None, "hidden": None, "early_stopping": None}
    assert TrainRequest(**nulls).model_key() == "mlp-module-h25-s0"
    schema = client.get("/openapi.json").json()["components"]["schemas"]["TrainRequest"]
    assert schema["additionalProperties"] is False
    assert (schema["properties"]["C"]["minimum"], schema["properties"]["C"]["maximum"]) == (
        1e-5,
        10.0,
    )
    assert schema["properties"]["alpha"]["maximum"] == 10.0


def test_presets_list_every_setting_of_the_presets(client: TestClient) -> None:
    presets = client.get("/api/presets").json()
    assert presets["mlp"]["module"] == {
        "hidden": 25,
        "activation": "logistic",
        "alpha": 0.1,
        "learning_rate_init": 0.001,
        "batch_size": 50,
        "early_stopping": True,
        "max_epochs": 200,
    }
    # The fast preset is the estimator factory's own, not a copy kept here.
    from neuronlab.models import make_model

    assert (
        presets["mlp"]["fast"]["learning_rate_init"] == make_model("mlp", "fast").learning_rate_init
    )
    assert presets["logistic"]["module"] == {"C": 0.001, "multi_class": "ovr", "max_epochs": 500}


# ----- model keys ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "key"),
    [
        # the keys of before the knobs, unchanged
        ({"model": "mlp", "hidden": 25, "seed": 0}, "mlp-module-h25-s0"),
        ({"model": "logistic"}, "logistic-module-ovr"),
        ({"model": "logistic", "multi_class": "ovr"}, "logistic-module-ovr"),
        ({"model": "logistic", "classes": [8, 1]}, "logistic-module-pair-1-8"),
        ({"model": "logistic", "classes": [1, 8], "max_epochs": 9}, "logistic-module-pair-1-8-e9"),
        (
            {"model": "mlp", "preset": "fast", "classes": [8, 1], "hidden": 16, "max_epochs": 4},
            "mlp-fast-h16-s0-pair-1-8-e4",
        ),
        # the preset's own values name the preset's model
        (
            {"model": "mlp", "alpha": 0.1, "batch_size": 50, "early_stopping": True},
            "mlp-module-h25-s0",
        ),
        ({"model": "logistic", "C": 0.001}, "logistic-module-ovr"),
        # settings that differ, in the fixed order
        (OVERFIT, "mlp-module-h100-s0-alpha0-noes-n500-e100"),
        ({"model": "logistic", "C": 1}, "logistic-module-ovr-c1"),
        ({"model": "logistic", "classes": [1, 8], "C": 0.1}, "logistic-module-pair-1-8-c0p1"),
        ({"model": "logistic", "multi_class": "multinomial"}, "logistic-module-multinomial"),
        ({"model": "logistic", "C": 1e-5}, "logistic-module-ovr-c1e-05"),
        (
            {"model": "mlp", "preset": "fast", "activation": "relu", "learning_rate_init": 0.5},
            "mlp-fast-h25-s0-relu-lr0p5",
        ),
        # a log-scale slider's float is kept to four digits
        ({"model": "logistic", "C": 0.0031622776601683794}, "logistic-module-ovr-c0p003162"),
    ],
)
def test_model_keys_are_readable_and_stable(body: dict, key: str) -> None:
    assert TrainRequest(**body).model_key() == key
    assert is_valid_key(key)


def test_the_longest_request_still_has_a_valid_key() -> None:
    body = {
        "model": "mlp",
        "classes": [3, 5],
        "seed": 2**31 - 1,
        "hidden": 399,
        "activation": "tanh",
        "alpha": 1.2345e-5,
        "learning_rate_init": 1.2345e-5,
        "batch_size": 1999,
        "early_stopping": False,
        "n_train": 59999,
        "max_epochs": 499,
    }
    key = TrainRequest(**body).model_key()
    assert len(key) <= MAX_KEY and is_valid_key(key)
    assert key == TrainRequest(**body).model_key()
    assert key != TrainRequest(**{**body, "max_epochs": 498}).model_key()


# ----- what the knobs do -----------------------------------------------------------------------


def test_no_brakes_on_500_images_opens_a_train_test_gap(client: TestClient, overfit) -> None:
    key, events = overfit
    assert events[-1][0] == "done", events[-1]
    summary = events[-1][1]["summary"]
    gap = summary["train_accuracy"] - summary["test_accuracy"]
    # Measured: train 1.000, test 0.860 (gap 0.14) on the 2,000 test digits.
    assert gap > 0.05, summary
    assert summary["settings"] == {
        "hidden": 100,
        "activation": "logistic",
        "alpha": 0.0,
        "learning_rate_init": 0.001,
        "batch_size": 50,
        "early_stopping": False,
        "max_epochs": 100,
        "n_train": 500,
    }
    assert summary["epochs"] == 100 and summary["best_epoch"] is None
    assert summary["history_epochs"] == list(range(1, 101))
    assert len(summary["train_scores"]) == 100 and summary["train_scores"][-1] > 0.99


def test_strong_and_weak_regularisation_give_visibly_different_weights(client) -> None:
    keys = {}
    for c in (0.001, 1):
        key, events = post_and_follow(
            client, "/api/train", {"model": "logistic", "classes": [1, 8], "C": c}
        )
        assert events[-1][0] == "done", events[-1]
        keys[c] = key
    smooth = weights(client, keys[0.001], layer=0).ravel()
    sharp = weights(client, keys[1], layer=0).ravel()
    # Measured on 1 vs 8: correlation 0.62, norm ratio 9.8 (ten-class: 0.39-0.54, 10-17).
    assert np.corrcoef(smooth, sharp)[0, 1] < 0.9
    assert np.linalg.norm(sharp) / np.linalg.norm(smooth) > 5
    summary = client.get(f"/api/models/{keys[1]}").json()
    assert summary["settings"]["C"] == 1.0 and summary["history_epochs"] == []


# ----- the time machine -----------------------------------------------------------------------


def test_epoch_weights_replay_the_run(client: TestClient, overfit) -> None:
    key, _ = overfit
    first = weights(client, key, layer=0, epoch=1)
    final = weights(client, key, layer=0)
    assert first.shape == final.shape == (784, 100)
    assert np.abs(final - first).max() > 0.1
    np.testing.assert_array_equal(weights(client, key, layer=0, epoch=100), final)
    out_first = weights(client, key, layer=2, epoch=1)
    assert out_first.shape == (100, 10)
    assert not np.array_equal(out_first, weights(client, key, layer=2))


def test_an_epoch_not_held_lists_what_is(client: TestClient, overfit) -> None:
    key, _ = overfit
    response = client.get(f"/api/models/{key}/weights", params={"layer": 0, "epoch": 101})
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "Invalid request: epoch must be one of the 100 epochs this model holds (1 to 100), got 101."
    )


def test_logistic_and_sklearn_models_say_they_have_no_history(
    client: TestClient, mnist_small, tmp_path: Path
) -> None:
    from sklearn.neural_network import MLPClassifier as SkMLP

    from neuronlab.models import save_model

    small = mnist_small.subset(n_train=300, n_test=10)
    net = SkMLP(hidden_layer_sizes=(6,), max_iter=3, random_state=0)
    with pytest.warns(UserWarning):
        net.fit(small.X_train(), small.train_labels)
    save_model(net, tmp_path / "sk.npz")
    files = {"file": ("sk.npz", (tmp_path / "sk.npz").read_bytes(), "application/zip")}
    # The header says the upload comes from the lab's own page (SECURITY.md).
    answer = client.post("/api/models/upload", files=files, headers={"X-Neuronlab": "1"})
    assert answer.status_code == 200, answer.text
    uploaded = answer.json()
    assert uploaded["history_epochs"] == [] and uploaded["settings"]["hidden"] == 6
    answer = client.get(f"/api/models/{uploaded['model_key']}/weights", params={"epoch": 1})
    assert answer.status_code == 422 and "no training history" in answer.json()["detail"]
    key, _ = post_and_follow(client, "/api/train", {"model": "logistic", "classes": [0, 1]})
    answer = client.get(f"/api/models/{key}/weights", params={"epoch": 1})
    assert answer.status_code == 422 and "no training history" in answer.json()["detail"]


def test_summaries_saved_before_the_time_machine_still_load() -> None:
    old = {
        "model_key": "mlp-module-h25-s0",
        "kind": "mlp",
        "preset": "module",
        "classes": list(range(10)),
        "hidden": 25,
        "test_accuracy": 0.9,
        "train_accuracy": 0.95,
        "fit_seconds": 1.0,
        "epochs": 40,
        "confusion": [[1]],
        "loss_curve": [0.5],
        "validation_scores": [0.9],
        "layers": [],
    }
    summary = ModelDetail.model_validate(old).model_dump()
    assert summary["settings"] == {} and summary["history_epochs"] == []
    assert summary["train_scores"] == [] and summary["best_epoch"] is None


# ----- continue training -----------------------------------------------------------------------


def test_continue_trains_on_with_the_numbering_of_the_history(client, overfit) -> None:
    key, _ = overfit
    new_key, events = post_and_follow(client, f"/api/models/{key}/continue", {"epochs": 5})
    assert new_key == f"{key}-plus5"
    assert events[-1][0] == "done", events[-1]
    progress = [data for name, data in events if name == "progress"]
    assert [p["epoch"] for p in progress] == [101, 102, 103, 104, 105]
    assert all(p["max_epochs"] == 105 for p in progress)
    summary = client.get(f"/api/models/{new_key}").json()
    assert summary["epochs"] == 105 and summary["continued_from"] == key
    assert summary["history_epochs"] == list(range(1, 106))
    assert len(summary["loss_curve"]) == len(summary["train_scores"]) == 105
    assert summary["settings"]["n_train"] == 500
    # The past is the old run's; the new epochs moved the weights on.
    np.testing.assert_array_equal(
        weights(client, new_key, layer=0, epoch=50), weights(client, key, layer=0, epoch=50)
    )
    assert not np.array_equal(weights(client, new_key, layer=0), weights(client, key, layer=0))
    # Continuing the continued model adds up, and the same request finds the same model.
    again, events = post_and_follow(client, f"/api/models/{new_key}/continue", {"epochs": 3})
    assert again == f"{key}-plus8" and events[-1][0] == "done"
    assert client.get(f"/api/models/{again}").json()["history_epochs"][-1] == 108
    repeat = client.post(f"/api/models/{key}/continue", json={"epochs": 5})
    assert repeat.status_code == 200 and repeat.json() == {"job_id": None, "model_key": new_key}


def test_continue_from_an_early_stopped_model_goes_on_from_its_best_epoch(client) -> None:
    key, events = post_and_follow(
        client, "/api/train", {"model": "mlp", "hidden": 9, "max_epochs": 60, "n_train": 2000}
    )
    summary = events[-1][1]["summary"]
    best = summary["best_epoch"]
    assert best is not None and best <= summary["epochs"]
    np.testing.assert_array_equal(
        weights(client, key, layer=0, epoch=best), weights(client, key, layer=0)
    )
    new_key, events = post_and_follow(client, f"/api/models/{key}/continue", {"epochs": 2})
    assert [d["epoch"] for n, d in events if n == "progress"] == [best + 1, best + 2]
    continued = client.get(f"/api/models/{new_key}").json()
    assert continued["history_epochs"][-1] == continued["epochs"] == best + 2
    assert continued["settings"]["early_stopping"] is False and continued["best_epoch"] is None


def test_continue_refuses_logistic_regression_and_bad_bodies(client: TestClient) -> None:
    key, _ = post_and_follow(client, "/api/train", {"model": "logistic", "classes": [2, 3]})
    answer = client.post(f"/api/models/{key}/continue", json={"epochs": 5})
    assert answer.status_code == 422 and "only an MLP" in answer.json()["detail"]
    answer = client.post(f"/api/models/{key}/continue", json={"epochs": 0})
    assert answer.status_code == 422 and "between 1 and 200" in answer.json()["detail"]
    answer = client.post(f"/api/models/{key}/continue", json={"epoch": 5})
    assert answer.status_code == 422 and "epoch" in answer.json()["detail"]
    answer = client.post("/api/models/no-such-model/continue", json={"epochs": 5})
    assert answer.status_code == 404


def test_a_continue_job_can_be_cancelled(client: TestClient, overfit) -> None:
    key, _ = overfit
    started = client.post(f"/api/models/{key}/continue", json={"epochs": 200}).json()
    job = client.app.state.lab.jobs.get(started["job_id"])

    def cancel_after_first_epoch() -> None:
        while not job.read(0)[0]:
            time.sleep(0.01)
        client.delete(f"/api/jobs/{job.id}")

    canceller = threading.Thread(target=cancel_after_first_epoch)
    canceller.start()
    events = read_events(client, job.id)
    canceller.join()
    assert events[-1][0] == "cancelled"
    assert sum(name == "progress" for name, _ in events) < 200
    assert started["model_key"] not in [m["model_key"] for m in client.get("/api/models").json()]


# ----- live weights ----------------------------------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _weights_sent(monkeypatch: pytest.MonkeyPatch, hidden: int, epoch_s: float) -> int:
    """Weights events a reporter sends for 20 epochs of ``epoch_s`` seconds each."""
    clock = _Clock()
    monkeypatch.setattr(compute.time, "monotonic", clock)
    job = Job("training")
    reporter = compute.ProgressReporter(job, 20, send_weights=True)
    coefs = [np.zeros((784, hidden), np.float32), np.zeros((hidden, 10), np.float32)]
    sent = 0
    for epoch in range(1, 21):
        info = EpochInfo(epoch, 1.0, 0.5, None, coefs, [np.zeros(hidden), np.zeros(10)], 0.0)
        _, cursor = job.read(0)
        reporter(info)
        sent += any(name == "weights" for _, name, _ in job.read(cursor)[0])
        clock.now += epoch_s
    return sent


def test_weights_go_out_every_epoch_unless_the_run_is_fast_and_large(monkeypatch) -> None:
    assert _weights_sent(monkeypatch, hidden=25, epoch_s=0.06) == 20  # the course's network
    assert _weights_sent(monkeypatch, hidden=400, epoch_s=0.5) == 20  # large but slow
    assert _weights_sent(monkeypatch, hidden=25, epoch_s=0.001) <= 2  # tiny epochs: 20 a second
    assert _weights_sent(monkeypatch, hidden=400, epoch_s=0.06) <= 5  # large and fast
