"""POST /api/sweep with MLP settings: chapter 7's sizes, its "make it overfit" experiment,
and a ``result`` event for each network as soon as it has trained."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from neuronlab.web.app import create_app

PAGE = {"X-Neuronlab": "1"}


@pytest.fixture(scope="module")
def client(mnist_test_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    app = create_app(str(mnist_test_dir), cache_dir=tmp_path_factory.mktemp("sweep-cache"))
    with TestClient(app, headers=PAGE) as test_client:
        yield test_client


def events_of(client: TestClient, body: dict) -> list[tuple[str, dict]]:
    started = client.post("/api/sweep", json=body)
    assert started.status_code == 202, started.text
    events, name = [], None
    with client.stream("GET", f"/api/jobs/{started.json()['job_id']}/events") as response:
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                events.append((name, json.loads(line.removeprefix("data: "))))
    return events


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_overfit_settings_reach_every_network_and_each_result_streams(client, monkeypatch):
    monkeypatch.setattr("neuronlab.web.compute.CORES", 1)  # one network per step, in-process
    body = {"sizes": [8, 32], "alpha": 0, "early_stopping": False, "n_train": 300}
    events = events_of(client, {**body, "max_epochs": 120})
    names = [name for name, _ in events]
    assert names[-1] == "done", events[-1]
    # Each network's result comes before the progress step that counts it, and all before done.
    assert names[:-1] == ["result", "progress", "result", "progress"]
    streamed = sorted((d["hidden"], d["test_accuracy"]) for n, d in events if n == "result")
    done = events[-1][1]["results"]
    assert streamed == [(r["hidden"], r["test_accuracy"]) for r in done]
    # 300 images, no penalty, no early stopping: the larger network learns them (nearly) all
    # and generalises far worse: the train-test gap chapter 7 reads off its plot.
    big = done[-1]
    assert big["hidden"] == 32 and big["epochs"] <= 120
    assert big["train_accuracy"] - big["test_accuracy"] > 0.1


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"alpha": 20}, "alpha must be between 0 and 10, got 20"),
        ({"hidden": 3}, "hidden"),
        ({"batch_size": 0}, "batch_size must be between 1 and 2000"),
        ({"activation": "sine"}, "activation"),
    ],
)
def test_bad_settings_are_refused_with_the_reason(client, body, words):
    answer = client.post("/api/sweep", json={"sizes": [4], **body})
    assert answer.status_code == 422
    assert words in answer.json()["detail"]


def test_too_few_images_fail_the_job_with_what_to_do(client):
    events = events_of(client, {"sizes": [4], "n_train": 12, "early_stopping": False})
    assert events[-1][0] == "error"
    assert "n_train of at least" in events[-1][1]["detail"]
