"""Heavy requests (predictions, shift curves, uploads) are bounded per client and in total.

One client keeps a dozen shift curves in flight on a real server: a few run,
the rest are refused at once with 429 and Retry-After, and meanwhile the
interactive endpoints and another client's heavy request still answer quickly.
The curve computation is replaced by a half-second stand-in, so the test is
about the bound, not the arithmetic.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from live import LiveServer

from neuronlab.web import compute, create_app
from neuronlab.web.limits import BusyError, HeavyLimiter
from neuronlab.web.schemas import ShiftCurves

IN_FLIGHT = 12
WORK_S = 0.5


@pytest.fixture(scope="module")
def live(mnist_test_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    app = create_app(str(mnist_test_dir), cache_dir=tmp_path_factory.mktemp("heavy-cache"))
    server = LiveServer(app).start()
    with httpx.Client(base_url=server.base, timeout=120) as client:
        body = {"model": "logistic", "classes": [1, 8], "max_epochs": 3}
        started = client.post("/api/train", json=body).json()
        with client.stream("GET", f"/api/jobs/{started['job_id']}/events") as events:
            assert "event: done" in list(events.iter_lines())
    server.key = started["model_key"]
    yield server
    server.stop()


def _slow_curves(lab, models, request) -> ShiftCurves:
    time.sleep(WORK_S)
    return ShiftCurves(shifts=request.shifts, curves={k: [1.0] for k in models}, n_images={})


def test_one_client_cannot_take_every_thread(
    live: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compute, "shift_curves", _slow_curves)
    body = {"model_keys": [live.key], "shifts": [0]}
    answers: list[httpx.Response] = []

    def attack() -> None:
        answers.append(httpx.post(live.base + "/api/shift-curve", json=body, timeout=60))

    threads = [threading.Thread(target=attack) for _ in range(IN_FLIGHT)]
    for thread in threads:
        thread.start()
    time.sleep(0.1)
    start = time.monotonic()
    assert httpx.get(live.base + "/api/models", timeout=10).status_code == 200
    assert httpx.get(live.base + "/api/dataset", timeout=10).status_code == 200
    interactive_s = time.monotonic() - start
    # Another client's heavy request is admitted (it waits only behind the few that run).
    other = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"), timeout=60)
    with other:
        assert other.post(live.base + "/api/shift-curve", json=body).status_code == 200
    for thread in threads:
        thread.join(timeout=60)

    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) == {200, 429}, statuses
    assert statuses.count(200) <= 4 + 2  # the per-client bound (plus any that finished early)
    busy = next(a for a in answers if a.status_code == 429)
    assert int(busy.headers["retry-after"]) >= 1
    assert "heavy requests" in busy.json()["detail"]
    assert interactive_s < 1.0


def test_the_limiter_counts_work_until_it_ends() -> None:
    limiter = HeavyLimiter(workers=1, per_client=2, waiting=1)
    release = threading.Event()

    async def scenario() -> None:
        first = asyncio.ensure_future(limiter.run("a", release.wait))
        second = asyncio.ensure_future(limiter.run("a", release.wait))
        await asyncio.sleep(0.05)
        with pytest.raises(BusyError, match="You already have 2"):
            await limiter.run("a", release.wait)
        with pytest.raises(BusyError, match="many students"):
            await limiter.run("b", release.wait)  # 1 running + 1 waiting: the server is full
        second.cancel()  # its client left while it waited: its slot frees at once
        await asyncio.sleep(0.05)
        assert limiter.in_flight("a") == 1
        first.cancel()  # already running: it still counts until the work ends
        await asyncio.sleep(0.05)
        assert limiter.in_flight("a") == 1
        release.set()
        for _ in range(100):
            if limiter.in_flight() == 0:
                break
            await asyncio.sleep(0.01)
        assert limiter.in_flight() == 0

    try:
        asyncio.run(scenario())
    finally:
        limiter.shutdown()
