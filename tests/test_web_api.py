"""The web lab's HTTP API, driven through FastAPI's TestClient on real MNIST digits.

The app serves the real MNIST test set split 8,000 train / 2,000 test; models
are trained through the API (POST, then the event stream) into a temporary cache.
"""

from __future__ import annotations

import base64
import pickle
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import read_events
from fastapi.testclient import TestClient

from neuronlab.errors import NeuronLabError
from neuronlab.models import load_model
from neuronlab.web import create_app, serve
from neuronlab.web.jobs import JobQueue
from neuronlab.web.schemas import TrainRequest

Events = list[tuple[str, dict]]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("web-cache")


# The page's fetch helpers send X-Neuronlab on uploads (see SECURITY.md); so does this client.
PAGE = {"X-Neuronlab": "1"}


@pytest.fixture(scope="module")
def client(mnist_test_dir: Path, cache: Path):
    app = create_app(str(mnist_test_dir), cache_dir=cache)
    with TestClient(app, headers=PAGE) as test_client:
        yield test_client


def train(client: TestClient, **body) -> tuple[str, Events]:
    """POST a training request and follow its job to the end: (model key, events)."""
    response = client.post("/api/train", json=body)
    assert response.status_code == 202, response.text
    started = response.json()
    return started["model_key"], read_events(client, started["job_id"])


def array(response, dtype: str) -> np.ndarray:
    """A binary answer as an array, checked against its X-Dtype and shaped by X-Shape."""
    assert response.status_code == 200, response.text
    assert response.headers["x-dtype"] == dtype
    shape = tuple(int(n) for n in response.headers["x-shape"].split(","))
    return np.frombuffer(response.content, dtype=dtype).reshape(shape)


@pytest.fixture(scope="module")
def logistic_pair(client: TestClient) -> tuple[str, Events]:
    return train(client, model="logistic", preset="module", classes=[1, 8])


@pytest.fixture(scope="module")
def mlp_pair(client: TestClient) -> tuple[str, Events]:
    return train(client, model="mlp", preset="fast", classes=[8, 1], hidden=16, max_epochs=4)


def test_index_page_is_served(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


def test_dataset_summary(client: TestClient, mnist_small) -> None:
    info = client.get("/api/dataset").json()
    assert (info["n_train"], info["n_test"]) == (8000, 2000) == (mnist_small.n_train, 2000)
    assert info["class_names"] == [str(d) for d in range(10)]
    assert info["embedded"] is False
    assert info["notice"] is None
    assert info["image_shape"] == [28, 28]
    assert info["value_range"] == [0, 255]


def test_images_and_labels_are_the_datasets_bytes(client: TestClient, mnist_small) -> None:
    images = array(client.get("/api/images", params={"split": "train", "limit": 300}), "uint8")
    np.testing.assert_array_equal(images, mnist_small.train_images[:300].reshape(300, 784))
    labels = array(client.get("/api/labels", params={"split": "train", "limit": 300}), "uint8")
    np.testing.assert_array_equal(labels, mnist_small.train_labels[:300])
    all_test = array(client.get("/api/images"), "uint8")
    assert all_test.shape == (2000, 784)
    np.testing.assert_array_equal(
        array(client.get("/api/labels"), "uint8"), mnist_small.test_labels
    )


def test_means_match_numpy(client: TestClient, mnist_small) -> None:
    images = mnist_small.train_images.reshape(-1, 784) / 255.0
    labels = mnist_small.train_labels
    pair = array(client.get("/api/means", params={"a": 1, "b": 8}), "float32")
    np.testing.assert_allclose(pair[0], images[labels == 1].mean(axis=0), atol=1e-6)
    np.testing.assert_allclose(pair[1], images[labels == 8].mean(axis=0), atol=1e-6)
    rest = array(client.get("/api/means", params={"a": 3}), "float32")
    np.testing.assert_allclose(rest[1], images[labels != 3].mean(axis=0), atol=1e-6)


def test_offline_default_falls_back_to_embedded_digits_with_a_notice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEURONLAB_MIRRORS", "http://127.0.0.1:9/")  # nothing listens there
    with TestClient(create_app(None, cache_dir=tmp_path)) as offline:
        info = offline.get("/api/dataset").json()
    assert info["embedded"] is True
    assert "built-in digits" in info["notice"]
    assert (info["n_train"], info["n_test"]) == (4000, 1000)


def test_a_missing_dataset_is_a_400_with_the_loaders_message(tmp_path: Path) -> None:
    with TestClient(create_app(str(tmp_path / "nowhere"), cache_dir=tmp_path)) as broken:
        for url in ("/api/dataset", "/api/images", "/api/models"):
            response = broken.get(url)
            assert response.status_code == 400
            assert "nowhere" in response.json()["detail"]


def test_serve_on_a_busy_port_says_so(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(NeuronLabError, match=f"127.0.0.1:{port}.*--port"):
            serve(str(tmp_path), port=port, open_browser=False, cache_dir=tmp_path)


def test_model_keys_name_the_request() -> None:
    assert TrainRequest(model="mlp", hidden=25, seed=0).model_key() == "mlp-module-h25-s0"
    assert TrainRequest(model="logistic").model_key() == "logistic-module-ovr"
    pair = TrainRequest(model="logistic", classes=[8, 1], max_epochs=9)
    assert pair.model_key() == "logistic-module-pair-1-8-e9"


def test_logistic_pair_trains_through_the_api(client: TestClient, logistic_pair, mnist_small):
    key, events = logistic_pair
    assert key == "logistic-module-pair-1-8"
    names = [name for name, _ in events]
    assert names[-1] == "done" and names.count("progress") >= 1
    summary = events[-1][1]["summary"]
    assert summary["classes"] == [1, 8]
    assert summary["test_accuracy"] > 0.9
    detail = client.get(f"/api/models/{key}").json()
    n_pair = np.isin(mnist_small.test_labels, [1, 8]).sum()
    assert np.asarray(detail["confusion"]).sum() == n_pair
    assert detail["layers"] == [
        {"name": "coef", "shape": [1, 784]},
        {"name": "intercept", "shape": [1]},
    ]
    coef = array(client.get(f"/api/models/{key}/weights", params={"layer": 0}), "float32")
    assert coef.shape == (1, 784)
    proba = array(client.get(f"/api/models/{key}/predictions"), "float32")
    assert proba.shape == (2000, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)


def test_mlp_streams_progress_and_weights(client: TestClient, mlp_pair) -> None:
    key, events = mlp_pair
    assert key == "mlp-fast-h16-s0-pair-1-8-e4"
    progress = [data for name, data in events if name == "progress"]
    assert [p["epoch"] for p in progress] == list(range(1, len(progress) + 1))
    assert all(p["max_epochs"] == 4 for p in progress)
    snapshots = [data for name, data in events if name == "weights"]
    assert snapshots and snapshots[0]["shape"] == [784, 16]
    coefs0 = np.frombuffer(base64.b64decode(snapshots[0]["coefs0"]), dtype="<f4")
    assert coefs0.size == 784 * 16 and np.isfinite(coefs0).all()
    assert events[-1][0] == "done"
    assert events[-1][1]["summary"]["test_accuracy"] > 0.9
    hidden = array(client.get(f"/api/models/{key}/weights", params={"layer": 0}), "float32")
    assert hidden.shape == (784, 16)


def test_models_persist_and_are_found_by_a_new_app(
    mnist_test_dir: Path, cache: Path, logistic_pair
) -> None:
    key = logistic_pair[0]
    (folder,) = (cache / "models").iterdir()
    assert (folder / f"{key}.npz").is_file() and (folder / f"{key}.json").is_file()
    (folder / "cut-short.npz").write_bytes(b"")
    (folder / "cut-short.json").write_text('{"model_key": "cut-sh')
    with TestClient(create_app(str(mnist_test_dir), cache_dir=cache)) as fresh:
        listed = fresh.get("/api/models")
        assert listed.status_code == 200
        assert key in [m["model_key"] for m in listed.json()]
        assert "cut-short" not in [m["model_key"] for m in listed.json()]
        again = fresh.post("/api/train", json={"model": "logistic", "classes": [1, 8]})
        assert again.status_code == 200
        assert again.json() == {"job_id": None, "model_key": key}
        weights = fresh.get(f"/api/models/{key}/weights", params={"layer": 0})
        assert array(weights, "float32").shape == (1, 784)


def test_download_and_upload_round_trip(client: TestClient, logistic_pair, tmp_path) -> None:
    key = logistic_pair[0]
    download = client.get(f"/api/models/{key}/file")
    assert download.status_code == 200
    (tmp_path / "model.npz").write_bytes(download.content)
    model = load_model(tmp_path / "model.npz")
    assert list(model.classes_) == [1, 8]
    upload = client.post(
        "/api/models/upload", files={"file": ("my model.npz", download.content, "application/zip")}
    )
    assert upload.status_code == 200, upload.text
    uploaded = upload.json()
    assert uploaded["model_key"].startswith("upload-my-model-")
    assert uploaded["test_accuracy"] == pytest.approx(
        logistic_pair[1][-1][1]["summary"]["test_accuracy"]
    )


def test_an_uploaded_sklearn_relu_network_reports_its_activation(
    client: TestClient, mnist_small, tmp_path: Path
) -> None:
    """The page runs the network's forward pass itself, so it must know the activation."""
    from sklearn.neural_network import MLPClassifier as SkMLP

    from neuronlab.models import save_model

    small = mnist_small.subset(n_train=500, n_test=10)
    net = SkMLP(hidden_layer_sizes=(9,), activation="relu", max_iter=5, random_state=0)
    with pytest.warns(UserWarning):  # sklearn: not converged after 5 epochs
        net.fit(small.X_train(), small.train_labels)
    save_model(net, tmp_path / "relu.npz")
    files = {"file": ("relu.npz", (tmp_path / "relu.npz").read_bytes(), "application/zip")}
    uploaded = client.post("/api/models/upload", files=files)
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["activation"] == "relu"
    key = uploaded.json()["model_key"]
    assert client.get(f"/api/models/{key}").json()["activation"] == "relu"


def test_shift_curve_at_zero_is_the_test_accuracy(client: TestClient, logistic_pair) -> None:
    key, events = logistic_pair
    body = {"model_keys": [key], "axis": "vertical", "wrap": False, "shifts": [-3, 0, 3]}
    answer = client.post("/api/shift-curve", json=body)
    assert answer.status_code == 200, answer.text
    curve = answer.json()["curves"][key]
    assert curve[1] == pytest.approx(events[-1][1]["summary"]["test_accuracy"])
    assert len(curve) == 3 and max(curve[0], curve[2]) < curve[1]


def test_cancel_stops_a_running_job(client: TestClient) -> None:
    body = {"model": "mlp", "preset": "fast", "hidden": 400, "max_epochs": 500, "seed": 3}
    started = client.post("/api/train", json=body).json()
    job = client.app.state.lab.jobs.get(started["job_id"])
    answers = []

    def cancel_after_first_epoch() -> None:
        while not job.read(0)[0]:
            time.sleep(0.01)
        answers.append(client.delete(f"/api/jobs/{job.id}").json())

    # The test client answers a stream only when it ends, so the cancel comes from a thread.
    canceller = threading.Thread(target=cancel_after_first_epoch)
    canceller.start()
    events = read_events(client, job.id)
    canceller.join()
    assert answers == [{"cancelled": True}]
    assert events[0][0] == "progress" and events[-1][0] == "cancelled"
    assert sum(name == "progress" for name, _ in events) < 500
    keys = [m["model_key"] for m in client.get("/api/models").json()]
    assert started["model_key"] not in keys
    assert client.delete(f"/api/jobs/{job.id}").json() == {"cancelled": False}


def test_a_failing_job_reports_an_error_and_the_server_lives_on(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("out of paper")

    monkeypatch.setattr("neuronlab.training.fit", broken)  # what Lab.fit calls without Dask
    key, events = train(client, model="mlp", hidden=7)
    assert events[-1] == ("error", {"detail": "The training job failed: out of paper"})
    assert client.get("/api/dataset").status_code == 200
    assert key not in [m["model_key"] for m in client.get("/api/models").json()]


def test_a_queued_job_can_be_cancelled_before_it_starts() -> None:
    queue = JobQueue(max_workers=1)
    release = threading.Event()
    first = queue.submit("test", lambda job: {"ok": release.wait()})
    second = queue.submit("test", lambda job: {"ran": True})
    assert second.request_cancel()
    release.set()
    first.future.result()
    assert second.read(0)[0][-1][1] == "cancelled"
    assert first.read(0)[0][-1][1:] == ("done", {"ok": True})
    queue.shutdown()


def test_sweep_trains_each_size(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # One core: each size is its own step, trained in this process (no worker start-up).
    monkeypatch.setattr("neuronlab.web.compute.CORES", 1)
    body = {"sizes": [2, 5], "seeds": 1, "preset": "fast"}
    started = client.post("/api/sweep", json=body)
    assert started.status_code == 202
    events = read_events(client, started.json()["job_id"])
    assert events[-1][0] == "done", events[-1]
    steps = [(data["epoch"], data["max_epochs"]) for name, data in events if name == "progress"]
    assert steps == [(1, 2), (2, 2)]
    results = events[-1][1]["results"]
    assert [r["hidden"] for r in results] == [2, 5]
    assert all(0.0 <= r["test_accuracy"] <= 1.0 for r in results)
    # The weights come once, in each network's result event, and not again in done.
    streamed = {data["hidden"]: data for name, data in events if name == "result"}
    weights = np.frombuffer(base64.b64decode(streamed[5]["coefs0"]), dtype="<f4")
    assert results[1]["shape"] == [784, 5] and weights.size == 784 * 5
    assert all(r["coefs0"] is None for r in results)


def test_an_upload_over_the_limit_is_refused(client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("neuronlab.web.routes_models.MAX_UPLOAD_BYTES", 100)
    files = {"file": ("big.npz", b"x" * 101, "application/zip")}
    response = client.post("/api/models/upload", files=files)
    assert response.status_code == 413
    assert "20 MB" in response.json()["detail"]


PICKLE = pickle.dumps({"coef_": np.zeros((1, 784))})


@pytest.mark.parametrize(
    ("method", "url", "payload", "status", "words"),
    [
        ("post", "/api/train", {"json": {"hidden": 0}}, 422, "between 1 and 400"),
        ("post", "/api/train", {"json": {"hidden": 100000}}, 422, "between 1 and 400"),
        ("post", "/api/train", {"json": {"classes": [1, 12]}}, 422, "between 0 and 9"),
        ("post", "/api/train", {"json": {"classes": [3, 3]}}, 422, "two different digits"),
        ("post", "/api/train", {"json": {"classes": [3]}}, 422, "at least 2"),
        ("post", "/api/train", {"json": {"model": "svm"}}, 422, "model"),
        ("get", "/api/images", {"params": {"limit": 0}}, 422, "between 1 and 10000"),
        ("get", "/api/means", {"params": {"a": 12}}, 422, "between 0 and 9"),
        ("get", "/api/models/no-such-model", {}, 404, "no model named"),
        ("get", "/api/models/no-such-model/file", {}, 404, "no model named"),
        ("delete", "/api/jobs/no-such-job", {}, 404, "no job"),
        ("post", "/api/shift-curve", {"json": {"model_keys": ["nope"]}}, 404, "no model"),
        ("post", "/api/shift-curve", {"json": {"model_keys": ["x"], "shifts": [9]}}, 422, "-8"),
        ("post", "/api/sweep", {"json": {"sizes": [0]}}, 422, "between 1 and 400"),
        (
            "post",
            "/api/models/upload",
            {"files": {"file": ("junk.npz", b"not a model at all", "application/zip")}},
            400,
            "junk.npz",
        ),
        (
            "post",
            "/api/models/upload",
            {"files": {"file": ("evil.npz", PICKLE, "application/zip")}},
            400,
            "model",
        ),
    ],
)
def test_bad_requests_get_4xx_with_a_sentence(client, method, url, payload, status, words) -> None:
    response = client.request(method.upper(), url, **payload)
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str)
    assert words.lower() in detail.lower()


def test_openapi_lists_every_route(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths) == {
        "/api/dataset",
        "/api/datasets",
        "/api/images",
        "/api/labels",
        "/api/means",
        "/api/train",
        "/api/sweep",
        "/api/jobs/{job_id}/events",
        "/api/jobs/{job_id}",
        "/api/models",
        "/api/models/{key}",
        "/api/models/{key}/weights",
        "/api/models/{key}/predictions",
        "/api/models/{key}/file",
        "/api/models/upload",
        "/api/shift-curve",
        "/api/models/{key}/continue",
        "/api/presets",
    }
    images = paths["/api/images"]["get"]["responses"]["200"]["content"]
    assert "application/octet-stream" in images
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert schemas["TrainRequest"]["properties"]["hidden"]["maximum"] == 400
    assert {"ProgressEvent", "WeightsEvent", "TrainingDone", "SweepDone"} <= set(schemas)


def test_listeners_of_one_job_share_one_encoded_copy_of_each_event() -> None:
    """Twenty listeners of a large sweep must not each hold their own copy of its results."""
    import asyncio

    from neuronlab.web.jobs import Job, stream

    job = Job("sweep")
    job.publish("result", {"coefs0": "x" * 1_000_000})
    job.publish("done", {"results": []})

    async def chunks() -> list[bytes]:
        return [chunk async for chunk in stream(job)]

    first, second = asyncio.run(chunks()), asyncio.run(chunks())
    big = [c for c in first if len(c) > 1_000_000]
    assert len(big) == 1 and any(c is big[0] for c in second)
    assert b"".join(first).startswith(b"id: 0\nevent: result\ndata: ")
