"""Browser redraw latency of the web lab: input event to the end of its redraw, per interaction.

Starts the real lab on 127.0.0.1 (real MNIST digits by default), trains the two
models the views use, opens the page in headless Chromium with ``?bench`` (the
page then records, in ``window.__timings``, the time from each input event's
timestamp to the end of the redraw it caused) and drives each control with at
least 100 events, one per frame. Prints p50 / p95 / max in milliseconds (and the p95
of the part spent in the page itself); the
target is p95 within one frame (16 ms).

    python benchmarks/ui_latency.py [--data DIR] [--events 120]
"""

from __future__ import annotations

import argparse
import json
import socket
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "mnist"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FRAME_MS = 16.0
REPLAY = 'input[aria-label="replay: epoch shown"]'

# Sweep a control through its range, one input event per animation frame.
SLIDE = """async ([selector, values]) => {
  const input = document.querySelector(selector);
  for (const v of values) {
    input.value = String(v);
    input.dispatchEvent(new Event("input", { bubbles: true }));
    await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
  }
}"""

# A stroke on the drawing pad: pointer events along an ellipse, one per animation frame.
STROKE = """async (n) => {
  const pad = document.querySelector("canvas.drawpad");
  const r = pad.getBoundingClientRect();
  const at = (i) => ({
    clientX: r.left + r.width / 2 + 0.3 * r.width * Math.cos((2 * Math.PI * i) / n),
    clientY: r.top + r.height / 2 + 0.35 * r.height * Math.sin((2 * Math.PI * i) / n),
    pointerId: 1, pointerType: "mouse", bubbles: true, buttons: 1,
  });
  const MOVE = "onpointerrawupdate" in window ? "pointerrawupdate" : "pointermove";
  pad.dispatchEvent(new PointerEvent("pointerdown", at(0)));
  for (let i = 1; i < n; i++) {
    await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
    pad.dispatchEvent(new PointerEvent(MOVE, at(i)));
  }
  pad.dispatchEvent(new PointerEvent("pointerup", at(n)));
}"""


def start_lab(data: Path, cache: Path) -> tuple[str, object]:
    """Serve the lab in a background thread; return its URL and the uvicorn server."""
    import uvicorn

    from neuronlab.web.app import create_app

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    server = uvicorn.Server(uvicorn.Config(create_app(data, cache_dir=cache), log_level="warning"))
    threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{listener.getsockname()[1]}", server


def train(url: str, body: dict) -> str:
    """Train one model through the API, wait for its final event; return its model key."""
    request = urllib.request.Request(
        f"{url}/api/train", json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    started = json.loads(urllib.request.urlopen(request, timeout=60).read())
    job = started["job_id"]
    if job:
        with urllib.request.urlopen(f"{url}/api/jobs/{job}/events", timeout=300) as stream:
            for line in stream:
                if line.startswith(b"event: done") or line.startswith(b"event: error"):
                    break
    return started["model_key"]


def measure(page, url: str, n: int, mlp_key: str) -> dict[str, list[dict]]:
    """Drive every interaction `n` times; return the page's timings ({ms, work}) by name."""
    plan = [
        ("neuron slider", "#ch=1", "x1", [round((i % 101) / 100, 2) for i in range(n)]),
        ("row slider", "#ch=2&cls=3&k=0&row=0", "row", [i % 28 for i in range(1, n + 1)]),
        (
            "shift slider",
            "#ch=5&img=0&dy=0&dx=0&wrap=1&row=14&axis=vertical",
            "dy",
            [(i % 29) - 14 for i in range(1, n + 1)],
        ),
        ("image picker (ch. 4)", "#ch=4&digit=3&img=0", "img", list(range(1, n + 1))),
        (
            "hidden-activations picker",
            f"#ch=6&model={mlp_key}&img=0",
            "img",
            list(range(1, n + 1)),
        ),
    ]
    results = {}
    # The time machine's scrubber: its redraw waits for a snapshot (prefetched), then draws.
    plan.append(
        (
            "replay scrubber (ch. 6)",
            f"#ch=6&model={mlp_key}&img=0",
            REPLAY,
            [i % 4 for i in range(1, n + 1)],
        )
    )
    for name, hash_, field, values in plan:
        page.goto(f"{url}/?bench{hash_}")
        page.wait_for_timeout(1500)  # data and models loaded
        page.evaluate("() => { window.__timings.length = 0; }")
        selector = field if field.startswith(("input", "[")) else f'[data-field="{field}"]'
        page.evaluate(SLIDE, [selector, values])
        results[name] = page.evaluate("() => window.__timings")
    page.goto(f"{url}/?bench#ch=8")
    page.wait_for_timeout(1500)
    page.evaluate("() => { window.__timings.length = 0; }")
    page.evaluate(STROKE, n)
    results["drawing stroke"] = page.evaluate("() => window.__timings")
    # The same kind of stroke from the (emulated) mouse, as the browser delivers it.
    page.evaluate("() => { window.__timings.length = 0; }")
    box = page.locator("canvas.drawpad").bounding_box()
    page.mouse.move(box["x"] + 60, box["y"] + 60)
    page.mouse.down()
    for i in range(n):
        angle = i / n * 2 * np.pi
        page.mouse.move(box["x"] + 140 + 80 * np.cos(angle), box["y"] + 140 + 100 * np.sin(angle))
    page.mouse.up()
    page.wait_for_timeout(100)
    results["stroke, real mouse events"] = page.evaluate("() => window.__timings")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="IDX folder or dataset name"
    )
    parser.add_argument("--events", type=int, default=120, help="events per interaction (>= 100)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as cache:
        url, server = start_lab(args.data, Path(cache))
        train(url, {"model": "logistic", "preset": "fast", "multi_class": "ovr"})
        mlp_key = train(url, {"model": "mlp", "preset": "fast", "hidden": 25})
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            results = measure(page, url, args.events, mlp_key)
            browser.close()
        server.should_exit = True

    print("event -> end of redraw (ms); 'page work' counts from the page's handler on,")
    print("the rest is the browser queueing the event before the page sees it.")
    print(
        f"{'interaction':<28}{'events':>7}{'p50':>8}{'p95':>8}{'max':>8}{'work p95':>10}  p95<=16ms"
    )
    for name, timings in results.items():
        total = np.array([t["ms"] for t in timings])
        work = np.array([t["work"] for t in timings])
        p50, p95 = np.percentile(total, [50, 95])
        verdict = "yes" if p95 <= FRAME_MS else "NO"
        print(
            f"{name:<28}{total.size:>7}{p50:>8.2f}{p95:>8.2f}{total.max():>8.2f}"
            f"{np.percentile(work, 95):>10.2f}  {verdict}"
        )


if __name__ == "__main__":
    main()
