"""Fixtures for the browser tests: the real lab on 127.0.0.1 and headless Chromium.

The app serves the real MNIST test set (8,000 train / 2,000 test) from a
temporary cache. Chromium is Debian's; without it the tests skip locally and
fail in CI, like the other real-data tests.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import REPO, require

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = REPO / "artifacts" / "screenshots"


@pytest.fixture(scope="session")
def lab_url(mnist_test_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The web lab on real MNIST digits, served by uvicorn in a background thread."""
    from neuronlab.web.app import create_app

    app = create_app(mnist_test_dir, cache_dir=tmp_path_factory.mktemp("lab-cache"))
    yield from serve_app(app)


@pytest.fixture(scope="session")
def fashion_lab_url(fashion_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second lab, on Debian's full Fashion-MNIST (clothes, with their class names)."""
    from neuronlab.web.app import create_app

    app = create_app("fashion-mnist", cache_dir=tmp_path_factory.mktemp("fashion-cache"))
    yield from serve_app(app)


def serve_app(app: object) -> Iterator[str]:
    """Serve ``app`` on a free port of 127.0.0.1 in a background thread; yield its URL."""
    import uvicorn

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the web lab did not start within 30 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)
    listener.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Chromium, shared by the tests of one module.

    Not by the whole session: Playwright's sync API keeps an event loop running while it is
    open, and the tests after it (JupyterLab's own Playwright, asyncio.run) need none running.
    """
    require(CHROMIUM, "Chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageLog:
    """Every URL the page requested and every script error it raised."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.errors: list[str] = []

    def foreign(self) -> list[str]:
        """Requests to any host but 127.0.0.1 (the lab must work offline)."""
        return [
            u
            for u in self.urls
            if urlparse(u).scheme in ("http", "https", "ws", "wss")
            and urlparse(u).hostname != "127.0.0.1"
        ]


@pytest.fixture
def page(browser, lab_url: str) -> Iterator[object]:
    """A fresh page on the lab; fails the test if it reached another host, threw, or showed
    a problem in its notice bar (the real data set never needs the fallback notice)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    page = context.new_page()
    log = PageLog()
    page.on("request", lambda request: log.urls.append(request.url))
    page.on("pageerror", lambda error: log.errors.append(str(error)))
    page.log = log
    page.lab_url = lab_url
    yield page
    notice = page.locator("#notice")
    problem = page.locator("#notice-text").text_content() if notice.is_visible() else ""
    context.close()
    assert log.foreign() == [], f"the page contacted other hosts: {log.foreign()}"
    assert log.errors == [], f"script errors on the page: {log.errors}"
    assert problem == "", f"the page reported a problem: {problem}"


def api_post(lab_url: str, path: str, body: dict) -> dict:
    """POST JSON to the lab and return its JSON answer."""
    request = urllib.request.Request(
        lab_url + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())


def wait_for_job(lab_url: str, job_id: str | None) -> None:
    """Read a job's event stream until its final event."""
    if job_id is None:
        return
    with urllib.request.urlopen(f"{lab_url}/api/jobs/{job_id}/events", timeout=120) as stream:
        event = ""
        for raw in stream:
            line = raw.decode().strip()
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            if line.startswith("data:") and event in ("done", "error", "cancelled"):
                assert event == "done", f"training ended with {event}: {line}"
                return


@pytest.fixture(scope="session")
def trained(lab_url: str) -> dict[str, str]:
    """Ten-class logistic regression and a fast MLP, trained through the API once."""
    keys = {}
    for name, body in {
        "lr": {"model": "logistic", "preset": "fast", "multi_class": "ovr"},
        "mlp": {"model": "mlp", "preset": "fast", "hidden": 25},
    }.items():
        started = api_post(lab_url, "/api/train", body)
        wait_for_job(lab_url, started["job_id"])
        keys[name] = started["model_key"]
    return keys


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where each chapter's screenshot goes (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
