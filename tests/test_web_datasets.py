"""One lab, several datasets: the `data` parameter every endpoint takes, and what stays apart."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import read_events
from fastapi.testclient import TestClient

from neuronlab.web.app import create_app


@pytest.fixture(scope="module")
def client(mnist_test_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    cache = tmp_path_factory.mktemp("datasets-cache")
    with TestClient(create_app(str(mnist_test_dir), cache_dir=cache)) as test_client:
        yield test_client


def finish(client: TestClient, started: dict, data: str | None = None) -> str:
    """Follow a job to its end; return its last event's name."""
    if started["job_id"] is None:
        return "done"
    return read_events(client, started["job_id"], data)[-1][0]


def test_the_lab_lists_the_datasets_it_offers(client: TestClient) -> None:
    names = [c["name"] for c in client.get("/api/datasets").json()]
    assert names == ["default", "mnist", "fashion-mnist", "embedded"]


def test_each_endpoint_answers_for_the_dataset_it_is_asked_about(client: TestClient) -> None:
    default = client.get("/api/dataset").json()
    embedded = client.get("/api/dataset", params={"data": "embedded"}).json()
    assert default["n_train"] == 8000 and embedded["embedded"] is True
    assert embedded["n_train"] == 4000
    images = client.get("/api/images", params={"data": "embedded", "limit": 3})
    assert images.headers["x-shape"] == "3,784"
    assert client.get("/api/dataset", params={"data": "default"}).json() == default


def test_an_unknown_dataset_is_a_422_that_lists_the_choices(client: TestClient) -> None:
    answer = client.get("/api/models", params={"data": "../../etc"})
    assert answer.status_code == 422
    assert "default, mnist, fashion-mnist, embedded" in answer.json()["detail"]


def test_models_are_kept_per_dataset(client: TestClient) -> None:
    body = {"model": "logistic", "classes": [1, 8], "max_epochs": 3}
    started = client.post("/api/train", params={"data": "embedded"}, json=body).json()
    assert finish(client, started, "embedded") == "done"
    key = started["model_key"]
    on_embedded = [m["model_key"] for m in client.get("/api/models?data=embedded").json()]
    on_default = [m["model_key"] for m in client.get("/api/models").json()]
    assert key in on_embedded and key not in on_default
    # The same request on the default dataset is another model, trained on other images.
    again = client.post("/api/train", json=body).json()
    assert again["job_id"] is not None
    assert finish(client, again) == "done"
    trained_on = {
        d: client.get(f"/api/models/{key}", params={"data": d}).json()["settings"]["n_train"]
        for d in ("default", "embedded")
    }
    # 800 embedded images of 1 and 8 (400 each), and the 1s and 8s among MNIST's first 8,000.
    assert trained_on["embedded"] == 800
    assert trained_on["default"] > 1000


def test_the_datasets_share_one_queue_and_one_cap_per_student(client: TestClient) -> None:
    labs = client.app.state.labs
    assert labs.get("embedded").jobs is labs.default.jobs
    assert labs.get("embedded").client_jobs is labs.default.client_jobs
