"""Two ``neuronlab serve`` processes on one model store: each lists what the other trained.

A department runs several lab processes behind one address on one shared
cache. Models trained through either process are listed and served by both,
and both training the same model at the same moment leaves one whole model.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from neuronlab.models import load_model
from neuronlab.web.store import ModelStore

SERVE = "import sys; from neuronlab.cli import main; sys.exit(main(sys.argv[1:]))"


def _start(data: Path, cache: Path) -> tuple[subprocess.Popen, str]:
    argv = [sys.executable, "-c", SERVE, "serve", "--port", "0", "--no-browser", "--quiet"]
    argv += ["--data", str(data), "--cache-dir", str(cache)]
    server = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    url = server.stdout.readline().split(" at ")[1].split()[0]
    return server, url.rstrip("/")


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("shared-cache")


@pytest.fixture(scope="module")
def two(mnist_test_dir: Path, cache: Path) -> Iterator[list[str]]:
    servers = [_start(mnist_test_dir, cache) for _ in range(2)]
    try:
        for _, url in servers:
            httpx.get(url + "/api/models", timeout=120).raise_for_status()
        yield [url for _, url in servers]
    finally:
        for server, _ in servers:
            server.terminate()
            server.wait(timeout=15)


def _train(url: str, body: dict) -> str:
    with httpx.Client(base_url=url, timeout=120) as client:
        started = client.post("/api/train", json=body)
        assert started.status_code in (200, 202), started.text
        job_id = started.json()["job_id"]
        if job_id is not None:
            with client.stream("GET", f"/api/jobs/{job_id}/events") as events:
                assert "event: done" in list(events.iter_lines())
        return started.json()["model_key"]


def test_each_process_serves_what_the_other_trained(two: list[str]) -> None:
    first, second = two
    key = _train(first, {"model": "logistic", "classes": [3, 5], "max_epochs": 3})
    listed = [m["model_key"] for m in httpx.get(second + "/api/models", timeout=30).json()]
    assert key in listed
    weights = httpx.get(f"{second}/api/models/{key}/weights", timeout=30)
    assert weights.status_code == 200 and weights.headers["x-shape"] == "1,784"


def test_both_training_one_model_at_once_leave_one_whole_model(two: list[str], cache: Path) -> None:
    body = {"model": "mlp", "preset": "fast", "hidden": 7, "max_epochs": 2, "classes": [0, 6]}
    with ThreadPoolExecutor(2) as pool:
        keys = list(pool.map(lambda url: _train(url, body), two))
    assert keys[0] == keys[1]
    for url in two:
        assert httpx.get(f"{url}/api/models/{keys[0]}", timeout=30).json()["hidden"] == 7
    (folder,) = [p for p in (cache / "models").iterdir() if p.is_dir()]
    reopened = ModelStore(folder)
    assert keys[0] in [s["model_key"] for s in reopened.summaries()]
    assert load_model(reopened.path(keys[0])).coefs_[0].shape == (784, 7)
    assert not list(folder.glob("*.tmp"))
