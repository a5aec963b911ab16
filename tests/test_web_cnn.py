"""Issue 11 through the web API: the CNN and the augmented network, trained, replayed,
continued and scored on moved digits.

Real MNIST digits (the test set split 8,000 train / 2,000 test), FastAPI's TestClient.
The trainings are short (the fast preset on a few thousand images, or a few epochs).
"""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
import pytest
from conftest import read_events
from fastapi.testclient import TestClient

from neuronlab import settings as knobs
from neuronlab.models import load_model
from neuronlab.web import create_app
from neuronlab.web.schemas import TrainRequest

Events = list[tuple[str, dict]]

# The fast preset: 10 epochs of batches of 64 on the 8,000 training images, a few seconds.
CNN = {"model": "cnn", "preset": "fast"}
AUGMENTED = {"model": "mlp", "preset": "fast", "augment_shift": 2}


@pytest.fixture(scope="module")
def client(mnist_test_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    cache = tmp_path_factory.mktemp("cnn-cache")
    with TestClient(create_app(str(mnist_test_dir), cache_dir=cache)) as test_client:
        yield test_client


def train(client: TestClient, body: dict, url: str = "/api/train") -> tuple[str, Events]:
    response = client.post(url, json=body)
    assert response.status_code in (200, 202), response.text
    started = response.json()
    if started["job_id"] is None:
        return started["model_key"], []
    return started["model_key"], read_events(client, started["job_id"])


def weights(client: TestClient, key: str, **params) -> np.ndarray:
    response = client.get(f"/api/models/{key}/weights", params=params)
    assert response.status_code == 200, response.text
    shape = tuple(int(n) for n in response.headers["x-shape"].split(","))
    return np.frombuffer(response.content, dtype="float32").reshape(shape)


@pytest.fixture(scope="module")
def cnn(client: TestClient) -> tuple[str, Events]:
    return train(client, CNN)


@pytest.fixture(scope="module")
def plain_and_augmented(client: TestClient) -> tuple[str, str]:
    plain, _ = train(client, {"model": "mlp", "preset": "fast"})
    augmented, events = train(client, AUGMENTED)
    assert events[-1][0] == "done", events[-1]
    return plain, augmented


# ----- the request --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"model": "cnn", "preset": "fast"}, "cnn-fast-f8-k5-s0"),
        ({"model": "cnn", "preset": "fast", "filters": 8, "filter_size": 5}, "cnn-fast-f8-k5-s0"),
        (
            {"model": "cnn", "preset": "module", "filters": 4, "filter_size": 3, "pool": False},
            "cnn-module-f4-k3-s0-nopool",
        ),
        ({"model": "cnn", "preset": "fast", "hidden": 32, "seed": 2}, "cnn-fast-f8-k5-h32-s2"),
        ({"model": "mlp", "preset": "module", "augment_shift": 2}, "mlp-module-h25-s0-aug2"),
        ({"model": "mlp", "preset": "module", "augment_shift": 0}, "mlp-module-h25-s0"),
    ],
)
def test_keys_are_readable(body: dict, key: str) -> None:
    assert TrainRequest(**body).model_key() == key


@pytest.mark.parametrize(
    ("body", "phrase"),
    [
        ({"model": "cnn", "filters": 33}, "filters must be between 1 and 32, got 33"),
        ({"model": "cnn", "filters": 0}, "filters must be between 1 and 32, got 0"),
        ({"model": "cnn", "filter_size": 4}, "filter_size"),
        ({"model": "cnn", "activation": "tanh"}, "fixed for the CNN"),
        ({"model": "cnn", "C": 1}, "applies to logistic regression only"),
        ({"model": "mlp", "filters": 4}, "filters applies to the CNN only"),
        ({"model": "logistic", "pool": False}, "pool applies to the CNN only"),
        ({"model": "cnn", "augment_shift": 2}, "augment_shift applies to the MLP only"),
        ({"model": "mlp", "augment_shift": 5}, "augment_shift must be between 0 and 4, got 5"),
    ],
)
def test_out_of_range_or_wrong_model_is_a_422_in_one_sentence(
    client: TestClient, body: dict, phrase: str
) -> None:
    response = client.post("/api/train", json=body)
    assert response.status_code == 422
    assert phrase in response.json()["detail"]


def test_presets_include_the_cnn(client: TestClient) -> None:
    presets = client.get("/api/presets").json()
    fast = presets["cnn"]["fast"]
    assert fast == knobs.preset_defaults("cnn", "fast")
    assert (fast["filters"], fast["filter_size"], fast["pool"], fast["max_epochs"]) == (
        8,
        5,
        True,
        10,
    )
    assert presets["cnn"]["module"]["early_stopping"] is True
    assert "activation" not in fast


# ----- training, summaries and weights ------------------------------------------------------


def test_the_cnn_trains_with_progress_and_its_filters_forming(
    client: TestClient, cnn: tuple[str, Events]
) -> None:
    key, events = cnn
    assert key == "cnn-fast-f8-k5-s0"
    names = [name for name, _ in events]
    assert names.count("progress") == 10 and names[-1] == "done"
    shots = [data for name, data in events if name == "weights"]
    assert shots and shots[0]["shape"] == [8, 5, 5]
    summary = events[-1][1]["summary"]
    assert summary["kind"] == "cnn" and summary["hidden"] is None
    assert summary["activation"] is None and summary["seed"] == 0
    assert summary["settings"] == {
        "filters": 8,
        "filter_size": 5,
        "pool": True,
        "alpha": 0.0001,
        "learning_rate_init": 0.005,
        "batch_size": 64,
        "early_stopping": False,
        "max_epochs": 10,
        "n_train": 8000,
    }
    assert summary["test_accuracy"] > 0.95
    assert summary["history_epochs"] == list(range(1, 11))
    detail = client.get(f"/api/models/{key}").json()
    assert [layer["name"] for layer in detail["layers"]] == [
        "filters",
        "filter_bias",
        "coefs_0",
        "intercepts_0",
    ]
    assert [layer["shape"] for layer in detail["layers"]] == [[8, 5, 5], [8], [1152, 10], [10]]
    assert sum(map(sum, detail["confusion"])) == 2000


def test_weights_of_past_epochs_replay_the_filters(
    client: TestClient, cnn: tuple[str, Events]
) -> None:
    key, events = cnn
    first = weights(client, key, layer=0, epoch=1)
    final = weights(client, key, layer=0)
    assert first.shape == final.shape == (8, 5, 5)
    assert not np.allclose(first, final)
    np.testing.assert_array_equal(weights(client, key, layer=0, epoch=10), final)
    dense = weights(client, key, layer=2, epoch=3)
    assert dense.shape == (1152, 10)
    live = [d for n, d in events if n == "weights" and d["epoch"] == 1]
    if live:  # the live event of epoch 1 is the snapshot the history kept
        sent = np.frombuffer(base64.b64decode(live[0]["coefs0"]), "<f4")
        np.testing.assert_allclose(sent.reshape(8, 5, 5), first, rtol=1e-6)
    missing = client.get(f"/api/models/{key}/weights", params={"layer": 0, "epoch": 11})
    assert missing.status_code == 422 and "1 to 10" in missing.json()["detail"]


def test_predictions_match_the_saved_model(
    client: TestClient, cnn: tuple[str, Events], tmp_path: Path
) -> None:
    key, _ = cnn
    response = client.get(f"/api/models/{key}/predictions", params={"limit": 50})
    proba = np.frombuffer(response.content, dtype="float32").reshape(50, 10)
    path = tmp_path / "cnn.npz"
    path.write_bytes(client.get(f"/api/models/{key}/file").content)
    model = load_model(path)
    images = client.get("/api/images", params={"limit": 50}).content
    X = np.frombuffer(images, dtype=np.uint8).reshape(50, 784) / 255
    np.testing.assert_allclose(proba, model.predict_proba(X.astype("float32")), atol=1e-6)


def test_the_cnn_continues_with_partial_fit(client: TestClient, cnn: tuple[str, Events]) -> None:
    key, _ = cnn
    new_key, events = train(client, {"epochs": 2}, url=f"/api/models/{key}/continue")
    assert new_key == f"{key}-plus2"
    progress = [d for n, d in events if n == "progress"]
    assert [p["epoch"] for p in progress] == [11, 12]
    summary = events[-1][1]["summary"]
    assert summary["kind"] == "cnn" and summary["epochs"] == 12
    assert summary["continued_from"] == key
    assert summary["history_epochs"] == list(range(1, 13))
    assert summary["settings"]["n_train"] == 8000
    np.testing.assert_array_equal(
        weights(client, new_key, layer=0, epoch=10), weights(client, key, layer=0)
    )


def test_the_augmented_network_names_its_shifted_copies(
    client: TestClient, plain_and_augmented: tuple[str, str]
) -> None:
    plain, augmented = plain_and_augmented
    assert augmented == "mlp-fast-h25-s0-aug2"
    summary = client.get(f"/api/models/{augmented}").json()
    assert summary["settings"]["augment_shift"] == 2
    assert summary["settings"]["n_train"] == 8000  # the originals; the copies come on top
    assert "augment_shift" not in client.get(f"/api/models/{plain}").json()["settings"]


def test_shift_curves_hold_up_better_with_either_remedy(
    client: TestClient, cnn: tuple[str, Events], plain_and_augmented: tuple[str, str]
) -> None:
    plain, augmented = plain_and_augmented
    key, _ = cnn
    body = {"model_keys": [plain, augmented, key], "axis": "vertical", "wrap": False}
    answer = client.post("/api/shift-curve", json={**body, "shifts": [-2, 0, 2]}).json()
    curves = {k: np.mean([v[0], v[2]]) for k, v in answer["curves"].items()}
    assert answer["n_images"] == {plain: 2000, augmented: 2000, key: 2000}
    assert curves[augmented] > curves[plain] + 0.05
    assert curves[key] > curves[plain] + 0.1


def test_a_cnn_file_uploads_within_the_limits(
    client: TestClient, cnn: tuple[str, Events], tmp_path: Path
) -> None:
    key, _ = cnn
    content = client.get(f"/api/models/{key}/file").content
    response = client.post(
        "/api/models/upload",
        files={"file": ("my-cnn.npz", content)},
        headers={"X-Neuronlab": "1"},
    )
    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["kind"] == "cnn" and summary["preset"] == "upload"
    assert summary["settings"]["filters"] == 8
    assert summary["history_epochs"] == list(range(1, 11))
