"""A class on one server: many students use the chapters while training jobs run.

Starts the real lab (``neuronlab serve``) on 127.0.0.1 with a free port and a
temporary cache, then, at the same time:

- ``--jobs`` students each ask for a training run (distinct models) and follow
  its event stream to the end; a 429 (queue full) is answered as the page
  would, by trying again a moment later;
- ``--students`` simulated students each make ``--rounds`` passes over the
  interactive endpoints the chapters call (dataset, images, labels, means,
  models, a model's details, weights and predictions, a shift curve).

Everything is bounded by count and by ``--max-seconds``. Prints p50 / p95 /
max latency per endpoint, the error count (must be 0), the server's peak
memory (its process tree, sampled by psutil) and the queue over time.

    python benchmarks/load_test.py                 # 40 students, 10 jobs
    python benchmarks/load_test.py --quick --json  # seconds; what the test runs
    python benchmarks/load_test.py --attack all    # one careless or hostile student
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "mnist"
SERVE = "import sys; from neuronlab.cli import main; sys.exit(main(sys.argv[1:]))"
PAIR = (1, 8)


@dataclass
class Record:
    """What every thread reports, under one lock."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    refused: int = 0
    jobs: dict[int, dict[str, float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def latency(self, name: str, seconds: float) -> None:
        with self.lock:
            self.latencies[name].append(seconds)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)

    def job(self, index: int, moment: str, at: float) -> None:
        with self.lock:
            self.jobs.setdefault(index, {}).setdefault(moment, at)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(data: str, cache: str, port: int) -> subprocess.Popen:
    argv = ["serve", "--data", data, "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--no-browser", "--quiet", "--cache-dir", cache]
    return subprocess.Popen([sys.executable, "-c", SERVE, *argv], stdout=subprocess.DEVNULL)


def wait_until_ready(
    base: str, server: subprocess.Popen, warm: bool, timeout_s: float = 120.0
) -> None:
    """Until the dataset answers (it loads in the background after startup).

    With ``warm``, one class-means request follows: it imports the model layer,
    as the teacher's own first look at the page does before the class arrives.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with code {server.returncode}")
        try:
            if httpx.get(base + "/api/dataset", timeout=5).status_code == 200:
                if warm:
                    httpx.get(base + "/api/means?a=0&b=1", timeout=60).raise_for_status()
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not become ready in time")


class MemorySampler(threading.Thread):
    """Samples the resident memory of the server and its child processes."""

    def __init__(self, pid: int, every_s: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.every_s = every_s
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                tree = [self.process, *self.process.children(recursive=True)]
                self.peak = max(self.peak, sum(_rss(p) for p in tree))
            except psutil.NoSuchProcess:
                return
            self.stop.wait(self.every_s)


def _rss(process: psutil.Process) -> int:
    try:
        return process.memory_info().rss
    except psutil.NoSuchProcess:
        return 0


def _client_of(base: str, host: int) -> httpx.Client:
    """A client from its own loopback address 127.0.0.<host>: every student is a client
    address of their own, as on a classroom network (the per-client limits count addresses).
    """
    transport = httpx.HTTPTransport(local_address=f"127.0.0.{host % 250 + 2}")
    return httpx.Client(base_url=base, timeout=60, transport=transport)


def trainer(
    base: str, index: int, args: argparse.Namespace, record: Record, t0: float, end: float
) -> None:
    """Ask for one MLP, retrying while the queue is full, then follow its events to the end."""
    body = {
        "model": "mlp",
        "preset": "fast",
        "classes": list(PAIR) if index % 2 else None,
        "hidden": 10 + index,
        "max_epochs": args.epochs,
        "seed": index,
    }
    with _client_of(base, 100 + index) as client:
        record.job(index, "asked", time.monotonic() - t0)
        while time.monotonic() < end:
            response = client.post("/api/train", json=body)
            if response.status_code == 429:
                with record.lock:
                    record.refused += 1
                time.sleep(0.5)
                continue
            if response.status_code not in (200, 202):
                record.error(f"train {index}: {response.status_code} {response.text[:120]}")
                return
            break
        else:
            record.error(f"train {index}: never accepted before the time limit")
            return
        record.job(index, "queued", time.monotonic() - t0)
        job_id = response.json()["job_id"]
        if job_id is None:  # trained in an earlier run
            record.job(index, "done", time.monotonic() - t0)
            return
        last = None
        with client.stream("GET", f"/api/jobs/{job_id}/events") as events:
            for line in events.iter_lines():
                if line.startswith("event: "):
                    last = line.removeprefix("event: ")
                    if last == "progress":
                        record.job(index, "running", time.monotonic() - t0)
        record.job(index, "done", time.monotonic() - t0)
        if last != "done":
            record.error(f"train {index}: ended with {last!r}")


def student(base: str, index: int, args: argparse.Namespace, record: Record, end: float) -> None:
    """Pass over the chapters' endpoints ``rounds`` times, pausing briefly like a reader."""
    rng = random.Random(index)
    with _client_of(base, 10 + index) as client:
        for _ in range(args.rounds):
            if time.monotonic() >= end:
                return
            a, b = rng.sample(range(10), 2)
            calls = [
                ("dataset", "GET", "/api/dataset", None),
                ("images", "GET", "/api/images?split=test&limit=500", None),
                ("labels", "GET", "/api/labels?split=test&limit=500", None),
                ("means", "GET", f"/api/means?a={a}&b={b}", None),
                ("models", "GET", "/api/models", None),
            ]
            keys = [m["model_key"] for m in _timed(client, record, *calls[-1]) or []]
            calls = calls[:-1]
            if keys:
                key = rng.choice(keys)
                calls += [
                    ("model", "GET", f"/api/models/{key}", None),
                    ("weights", "GET", f"/api/models/{key}/weights?layer=0", None),
                    ("predictions", "GET", f"/api/models/{key}/predictions?limit=500", None),
                    (
                        "shift-curve",
                        "POST",
                        "/api/shift-curve",
                        {"model_keys": [key], "axis": "vertical", "shifts": [-3, 0, 3]},
                    ),
                ]
            for call in calls:
                _timed(client, record, *call)
                time.sleep(rng.uniform(0, args.think_s))


def _timed(
    client: httpx.Client, record: Record, name: str, method: str, url: str, body: dict | None
) -> object:
    """One request; its latency is recorded, a failure counted. Returns the JSON answer or None."""
    start = time.perf_counter()
    try:
        response = client.request(method, url, json=body)
    except httpx.HTTPError as exc:
        record.error(f"{name}: {type(exc).__name__} {exc}")
        return None
    record.latency(name, time.perf_counter() - start)
    if response.status_code != 200:
        record.error(f"{name}: {response.status_code} {response.text[:120]}")
        return None
    is_json = response.headers.get("content-type", "").startswith("application/json")
    return response.json() if is_json else None


def timeline(jobs: dict[int, dict[str, float]], step_s: float = 0.5) -> list[dict[str, float]]:
    """Jobs waiting and running at each moment (running: from its first progress event)."""
    if not jobs:
        return []
    last = max(times.get("done", 0.0) for times in jobs.values())
    rows = []
    for i in range(int(last / step_s) + 2):
        t = i * step_s
        done = sum(times.get("done", float("inf")) <= t for times in jobs.values())
        running = sum(
            times.get("running", float("inf")) <= t < times.get("done", float("inf"))
            for times in jobs.values()
        )
        waiting = sum(
            times.get("asked", float("inf")) <= t
            and t < min(times.get("running", float("inf")), times.get("done", float("inf")))
            for times in jobs.values()
        )
        rows.append({"t": round(t, 2), "waiting": waiting, "running": running, "done": done})
    return rows


def summarise(record: Record, peak_rss: int, elapsed: float, n_jobs: int) -> dict:
    endpoints = {}
    for name, values in sorted(record.latencies.items()):
        ms = sorted(v * 1000 for v in values)
        endpoints[name] = {
            "n": len(ms),
            "p50_ms": round(statistics.median(ms), 1),
            "p95_ms": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 1),
            "max_ms": round(ms[-1], 1),
        }
    rows = timeline(record.jobs)
    finished = [t["done"] for t in record.jobs.values() if "done" in t]
    return {
        "requests": sum(e["n"] for e in endpoints.values()),
        "errors": len(record.errors),
        "error_samples": record.errors[:5],
        "elapsed_s": round(elapsed, 1),
        "endpoints": endpoints,
        "server_peak_rss_mb": round(peak_rss / 2**20, 1),
        "jobs": {
            "asked": n_jobs,
            "done": len(finished),
            "refused_429": record.refused,
            "max_waiting": max((r["waiting"] for r in rows), default=0),
            "max_running": max((r["running"] for r in rows), default=0),
            "all_done_s": round(max(finished, default=0.0), 1),
        },
        "timeline": rows,
    }


def print_report(result: dict, args: argparse.Namespace) -> None:
    start = "cold start" if args.cold else "after one warm-up request"
    print(f"{args.students} students x {args.rounds} rounds, {args.jobs} training jobs, {start}")
    print(f"requests {result['requests']}, errors {result['errors']}, {result['elapsed_s']} s")
    print(f"\n{'endpoint':<12} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, e in result["endpoints"].items():
        print(f"{name:<12} {e['n']:>6} {e['p50_ms']:>8} {e['p95_ms']:>8} {e['max_ms']:>8}")
    jobs = result["jobs"]
    print(f"\nserver peak memory {result['server_peak_rss_mb']} MB (process tree RSS)")
    print(
        f"jobs: {jobs['done']}/{jobs['asked']} done after {jobs['all_done_s']} s; "
        f"queue-full answers (429, retried) {jobs['refused_429']}; "
        f"at most {jobs['max_waiting']} waiting and {jobs['max_running']} running"
    )
    print("queue over time (t s: waiting/running/done): ", end="")
    print(
        ", ".join(
            f"{r['t']}: {r['waiting']}/{r['running']}/{r['done']}" for r in result["timeline"]
        )
    )
    for sample in result["error_samples"]:
        print(f"error: {sample}")


def run(args: argparse.Namespace) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as cache:
        server = start_server(str(args.data), cache, port)
        try:
            wait_until_ready(base, server, warm=not args.cold)
            sampler = MemorySampler(server.pid)
            sampler.start()
            record = Record()
            t0 = time.monotonic()
            end = t0 + args.max_seconds
            threads = [
                threading.Thread(target=trainer, args=(base, i, args, record, t0, end))
                for i in range(args.jobs)
            ]
            threads += [
                threading.Thread(target=student, args=(base, i, args, record, end))
                for i in range(args.students)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=max(0.0, end - time.monotonic()) + 30)
            elapsed = time.monotonic() - t0
            sampler.stop.set()
            sampler.join()
            return summarise(record, sampler.peak, elapsed, args.jobs)
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="dataset for the server")
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=10, help="passes over the endpoints each")
    parser.add_argument("--jobs", type=int, default=10, help="training jobs asked for at once")
    parser.add_argument("--epochs", type=int, default=8, help="max_epochs of each job")
    parser.add_argument("--think-s", type=float, default=0.05, help="longest pause between calls")
    parser.add_argument("--max-seconds", type=float, default=180.0, help="stop after this long")
    parser.add_argument(
        "--cold", action="store_true", help="no warm-up request: the class arrives at startup"
    )
    parser.add_argument("--quick", action="store_true", help="6 students, 3 rounds, 3 jobs")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    # Imported here: the scenarios reuse this module's server and memory helpers.
    from load_attacks import ATTACKS, print_attacks, run_attacks

    parser.add_argument(
        "--attack",
        action="append",
        choices=[*ATTACKS, "all"],
        help="instead of the class, run this attack scenario (repeatable; see load_attacks.py)",
    )
    args = parser.parse_args(argv)
    if args.attack:
        names = list(ATTACKS) if "all" in args.attack else args.attack
        results = run_attacks(str(args.data), names)
        if args.json:
            print(json.dumps(results))
        else:
            print_attacks(results)
        return 0
    if args.quick:
        args.students, args.rounds, args.jobs, args.epochs = 6, 3, 3, 2
    result = run(args)
    if args.json:
        print(json.dumps(result))
    else:
        print_report(result, args)
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
