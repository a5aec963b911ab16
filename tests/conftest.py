"""Shared fixtures: where the real data lives, and a rule for when it is missing.

Locally a missing data set skips the tests that need it; in CI (``CI=true``) it
fails them, so a green CI always means the real-data tests ran.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MNIST_TEST_DIR = REPO.parent / "shared" / "data" / "mnist"
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
IN_CI = os.environ.get("CI", "").lower() == "true"


def require(path: Path, what: str) -> Path:
    """Return ``path`` if it exists; otherwise skip locally and fail in CI."""
    if path.exists():
        return path
    message = f"{what} not found at {path}"
    if IN_CI:
        pytest.fail(f"{message}: CI must run the real-data tests")
    pytest.skip(message)


def read_events(client, job_id: str, data: str | None = None) -> list[tuple[str, dict]]:
    """Every server-sent event of a job (name, data), up to its terminal one, read through a
    FastAPI TestClient; ``data`` names the dataset the job belongs to."""
    query = f"?data={data}" if data else ""
    events, name = [], None
    with client.stream("GET", f"/api/jobs/{job_id}/events{query}") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                events.append((name, json.loads(line.removeprefix("data: "))))
    return events


@pytest.fixture(scope="session")
def mnist_test_dir() -> Path:
    """The real MNIST test set (10,000 digits, canonical t10k IDX files)."""
    return require(MNIST_TEST_DIR, "the real MNIST test set")


@pytest.fixture(scope="session")
def fashion_dir() -> Path:
    """Full Fashion-MNIST from Debian's dataset-fashion-mnist package."""
    return require(FASHION_DIR, "Fashion-MNIST (apt-get install dataset-fashion-mnist)")


@pytest.fixture(scope="session")
def mnist_small(mnist_test_dir: Path):
    """Real MNIST digits split 8,000 train / 2,000 test, loaded once per session."""
    from neuronlab.data import load

    return load(mnist_test_dir, progress=False)


@pytest.fixture(scope="module")
def one_blas_thread():
    """Small fits run far faster on one BLAS thread than two threads fighting for busy cores."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Keep every test's downloads and saved models out of the user's real cache."""
    monkeypatch.setenv("NEURONLAB_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))
