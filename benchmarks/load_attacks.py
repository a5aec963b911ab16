"""Attack scenarios of the load test: what one careless or hostile student can do to a class.

Each scenario starts its own server (``load_test.start_server``), samples its
memory, keeps a *probe* making the interactive calls a reading student makes
(dataset, images, labels, means, models) and reports the probe's p50 / p95
next to what the attack achieved. Every scenario is bounded by count and time.

- ``uploads``: one client uploads models far wider than the lab trains (a
  compressed file of a few hundred KB that declares a 20,000-unit network);
- ``slow-sockets``: a few hundred connections that send half a request header
  and then nothing, with no token;
- ``heavy``: one client keeps 40 shift-curve requests in flight;
- ``listeners``: many event streams follow one sweep;
- ``keepalive``: one client's sequential requests on one keep-alive connection
  (Nagle's algorithm on the server's sockets adds ~40 ms to each).
"""

from __future__ import annotations

import io
import json
import socket
import statistics
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
import load_test
import numpy as np

ATTACKS = ("uploads", "slow-sockets", "heavy", "listeners", "keepalive")
PROBE_CALLS = (
    "/api/dataset",
    "/api/images?split=test&limit=500",
    "/api/labels?split=test&limit=500",
    "/api/means?a=3&b=5",
    "/api/models",
)
PROBE_TIMEOUT_S = 20.0
ATTACKER = "127.0.0.2"  # the slow sockets' source address (Linux routes all of 127/8 locally)
# The page's fetch helpers send this header; a state-changing call without it may be refused.
PAGE_HEADERS = {"X-Neuronlab": "1"}


@dataclass
class Probe:
    """A reading student: the interactive calls in a loop, each on a fresh connection."""

    base: str
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.is_set():
            for path in PROBE_CALLS:
                start = time.perf_counter()
                try:
                    response = httpx.get(self.base + path, timeout=PROBE_TIMEOUT_S)
                    ok = response.status_code == 200
                    why = f"{path}: {response.status_code}"
                except httpx.HTTPError as exc:
                    ok, why = False, f"{path}: {type(exc).__name__}"
                self.latencies.append(time.perf_counter() - start)
                if not ok:
                    self.failures.append(why)
                self.stop.wait(0.05)

    def report(self) -> dict:
        ms = sorted(v * 1000 for v in self.latencies) or [0.0]
        return {
            "probe_n": len(self.latencies),
            "probe_failures": len(self.failures),
            "probe_failure_samples": self.failures[:3],
            "probe_p50_ms": round(statistics.median(ms), 1),
            "probe_p95_ms": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 1),
            "probe_max_ms": round(ms[-1], 1),
        }


@contextmanager
def running_server(data: str) -> Iterator[tuple[str, load_test.MemorySampler]]:
    """A fresh lab on a free port with a temporary cache, warmed, its memory sampled."""
    port = load_test.free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as cache:
        server = load_test.start_server(data, cache, port)
        try:
            load_test.wait_until_ready(base, server, warm=True)
            sampler = load_test.MemorySampler(server.pid)
            sampler.start()
            time.sleep(0.3)
            yield base, sampler
            sampler.stop.set()
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except Exception:
                server.kill()
                server.wait()


def with_probe(base: str, sampler: load_test.MemorySampler, attack: Callable[[], dict]) -> dict:
    """Run ``attack`` while a probe reads; memory before, at peak, and the probe's numbers."""
    baseline = sampler.peak
    probe = Probe(base)
    thread = threading.Thread(target=probe.run, daemon=True)
    thread.start()
    try:
        facts = attack()
    finally:
        probe.stop.set()
        thread.join(timeout=PROBE_TIMEOUT_S + 5)
    return {
        **facts,
        **probe.report(),
        "rss_before_mb": round(baseline / 2**20, 1),
        "peak_rss_mb": round(sampler.peak / 2**20, 1),
    }


# ----- uploads ----------------------------------------------------------------------------------


def wide_model_file(hidden: int) -> bytes:
    """A valid-looking MLP file of 784-``hidden``-10 zeros, deflated to a few hundred KB."""
    from neuronlab.models import MLPClassifier, save_model

    rng = np.random.default_rng(0)
    X, y = rng.random((30, 784), dtype=np.float32), np.arange(30) % 10
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tiny = MLPClassifier(hidden_layer_sizes=(2,), max_iter=1, random_state=0).fit(X, y)
    with tempfile.TemporaryDirectory() as folder:
        path = save_model(tiny, f"{folder}/tiny.npz")
        with np.load(path) as npz:
            meta = json.loads(str(npz["meta"]))
    meta["params"]["hidden_layer_sizes"] = [hidden]
    arrays = {
        "coef_0": np.zeros((784, hidden), np.float32),
        "intercept_0": np.zeros(hidden, np.float32),
        "coef_1": np.zeros((hidden, 10), np.float32),
        "intercept_1": np.zeros(10, np.float32),
        "meta": np.array(json.dumps(meta)),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.save(member, array, allow_pickle=False)
            archive.writestr(f"{name}.npy", member.getvalue())
    return buffer.getvalue()


def attack_uploads(base: str, sampler: load_test.MemorySampler, count: int = 6) -> dict:
    content = wide_model_file(20_000)

    def attack() -> dict:
        statuses = []
        with httpx.Client(base_url=base, timeout=120, headers=PAGE_HEADERS) as client:
            for i in range(count):
                files = {"file": (f"wide-{i}.npz", content, "application/zip")}
                statuses.append(client.post("/api/models/upload", files=files).status_code)
                # A prediction on it costs what the network's width makes it cost.
                if statuses[-1] == 200:
                    key = client.get("/api/models").json()[-1]["model_key"]
                    client.get(f"/api/models/{key}/predictions?limit=2000")
        return {
            "file_kb": round(len(content) / 1024, 1),
            "uploads": count,
            "accepted": statuses.count(200),
            "statuses": sorted(set(statuses)),
        }

    return with_probe(base, sampler, attack)


# ----- slow sockets -----------------------------------------------------------------------------


def attack_slow_sockets(
    base: str, sampler: load_test.MemorySampler, count: int = 300, hold_s: float = 12.0
) -> dict:
    host, port = base.removeprefix("http://").split(":")

    def attack() -> dict:
        sockets = []
        for _ in range(count):
            try:
                # From another loopback address: as far as the server knows, another client.
                sock = socket.create_connection(
                    (host, int(port)), timeout=5, source_address=(ATTACKER, 0)
                )
                sock.sendall(b"GET /api/dataset HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                sockets.append(sock)
            except OSError:
                break
        opened = len(sockets)
        time.sleep(hold_s)
        closed = 0
        for sock in sockets:  # closed by the server: a read returns b"" (or resets)
            sock.setblocking(False)
            try:
                closed += sock.recv(1) == b""
            except BlockingIOError:
                pass
            except OSError:
                closed += 1
            sock.close()
        return {"slow_sockets": opened, "closed_by_server": closed, "held_s": hold_s}

    return with_probe(base, sampler, attack)


# ----- heavy endpoints --------------------------------------------------------------------------


def trained_keys(base: str) -> list[str]:
    """Two small models to compute with, trained through the API."""
    keys = []
    with httpx.Client(base_url=base, timeout=120) as client:
        for body in (
            {"model": "logistic", "preset": "fast", "classes": [1, 8]},
            {"model": "mlp", "preset": "fast", "hidden": 16, "max_epochs": 2},
        ):
            started = client.post("/api/train", json=body, headers=PAGE_HEADERS).json()
            if started.get("job_id"):
                with client.stream("GET", f"/api/jobs/{started['job_id']}/events") as events:
                    for _ in events.iter_lines():
                        pass
            keys.append(started["model_key"])
    return keys


def attack_heavy(
    base: str, sampler: load_test.MemorySampler, in_flight: int = 40, seconds: float = 20.0
) -> dict:
    keys = trained_keys(base)
    body = {"model_keys": keys, "axis": "vertical", "shifts": list(range(-8, 9))}
    counts = {"ok": 0, "busy_429": 0, "other": 0}
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def one_client_thread() -> None:
        with httpx.Client(base_url=base, timeout=PROBE_TIMEOUT_S * 3, headers=PAGE_HEADERS) as c:
            while time.monotonic() < end:
                try:
                    status = c.post("/api/shift-curve", json=body).status_code
                except httpx.HTTPError:
                    status = -1
                kind = {200: "ok", 429: "busy_429"}.get(status, "other")
                with lock:
                    counts[kind] += 1
                if status == 429:
                    time.sleep(0.1)

    def attack() -> dict:
        threads = [
            threading.Thread(target=one_client_thread, daemon=True) for _ in range(in_flight)
        ]
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        return {"in_flight": in_flight, "attack_s": seconds, **counts}

    return with_probe(base, sampler, attack)


# ----- many listeners ---------------------------------------------------------------------------


def attack_listeners(base: str, sampler: load_test.MemorySampler, listeners: int = 20) -> dict:
    def attack() -> dict:
        with httpx.Client(base_url=base, timeout=300, headers=PAGE_HEADERS) as client:
            started = client.post("/api/sweep", json={"sizes": [4, 9], "preset": "fast"})
            job_id = started.json()["job_id"]
        received: list[int] = []

        def listen() -> None:
            size = 0
            with httpx.stream("GET", f"{base}/api/jobs/{job_id}/events", timeout=300) as events:
                for chunk in events.iter_bytes():
                    size += len(chunk)
            received.append(size)

        threads = [threading.Thread(target=listen, daemon=True) for _ in range(listeners)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        return {"listeners": listeners, "finished": len(received), "bytes_each": max(received)}

    return with_probe(base, sampler, attack)


# ----- keep-alive latency -----------------------------------------------------------------------


def attack_keepalive(base: str, sampler: load_test.MemorySampler, requests: int = 60) -> dict:
    def attack() -> dict:
        ms = []
        with httpx.Client(base_url=base, timeout=30) as client:
            client.get("/api/models")
            for _ in range(requests):
                start = time.perf_counter()
                client.get("/api/models").raise_for_status()
                ms.append((time.perf_counter() - start) * 1000)
        ms.sort()
        return {
            "keepalive_requests": requests,
            "keepalive_p50_ms": round(statistics.median(ms), 1),
            "keepalive_p95_ms": round(ms[int(0.95 * len(ms))], 1),
        }

    return with_probe(base, sampler, attack)


SCENARIOS: dict[str, Callable[[str, load_test.MemorySampler], dict]] = {
    "uploads": attack_uploads,
    "slow-sockets": attack_slow_sockets,
    "heavy": attack_heavy,
    "listeners": attack_listeners,
    "keepalive": attack_keepalive,
}


def run_attacks(data: str, names: list[str]) -> dict[str, dict]:
    """Each named scenario on its own fresh server."""
    results = {}
    for name in names:
        with running_server(data) as (base, sampler):
            results[name] = SCENARIOS[name](base, sampler)
    return results


def print_attacks(results: dict[str, dict]) -> None:
    for name, facts in results.items():
        probe = f"probe p50 {facts['probe_p50_ms']} ms, p95 {facts['probe_p95_ms']} ms"
        memory = f"RSS {facts['rss_before_mb']} -> peak {facts['peak_rss_mb']} MB"
        print(f"{name:<13} {probe}, failures {facts['probe_failures']}; {memory}")
        rest = {
            k: v
            for k, v in facts.items()
            if not k.startswith("probe") and k not in ("rss_before_mb", "peak_rss_mb")
        }
        print(f"{'':<13} {json.dumps(rest)}")
