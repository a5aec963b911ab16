"""The notebook widgets in a real JupyterLab, driven in headless Chromium.

The test starts JupyterLab on 127.0.0.1 with a small notebook that builds the neuron
widget and the hidden-activation widget (a fast network trained on real MNIST digits),
runs it, checks that both widgets draw, and that moving a slider redraws them.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO, require

from browser.conftest import CHROMIUM, CHROMIUM_ARGS, PageLog
from browser.test_pages import CANVAS_PIXELS

pytestmark = pytest.mark.slow
pytest.importorskip("anywidget")

NOTEBOOK = "widgets.ipynb"
# Copy it to docs/notebook-widget.png to refresh the README; tests never write into the source tree.
SCREENSHOT = REPO / "artifacts" / "screenshots" / "notebook-widget.png"


def cells(data_dir: Path) -> list[str]:
    """The notebook a learner would write: data, two quick models, every widget."""
    return [
        "import neuronlab.notebook as nb\n"
        "from neuronlab.data import load\n"
        "from neuronlab.training import train\n"
        f"data = load({str(data_dir)!r}, progress=False).subset(2000, 300)\n"
        'model = train(data, "mlp", "fast", hidden=16).model\n'
        'lr = train(data, "logistic", "fast").model',
        "neuron = nb.neuron()\nneuron",
        "hidden = nb.hidden_units(model, data)\nhidden",
        "nb.digit_rows(data, 3)",
        "nb.shift(data, (lr, model))",
        "nb.compare(data, lr, 3)",
        "nb.weights(model)",
        'nb.train(data.subset(500, 100), "fast", 8)',
        "nb.draw(lr, model, data=data)",
    ]


def write_notebook(path: Path, sources: list[str]) -> None:
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "cells": [
            {
                "cell_type": "code",
                "id": f"c{i}",
                "metadata": {},
                "source": s,
                "outputs": [],
                "execution_count": None,
            }
            for i, s in enumerate(sources)
        ],  # fmt: skip
    }
    path.write_text(json.dumps(notebook))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def jupyterlab(mnist_test_dir: Path, tmp_path: Path) -> Iterator[str]:
    """JupyterLab serving a temporary folder with the widget notebook; its URL with token."""
    root = tmp_path / "root"
    root.mkdir()
    write_notebook(root / NOTEBOOK, cells(mnist_test_dir))
    port, token = free_port(), secrets.token_hex(16)
    # No news prompt: it would ask to reach jupyter.org and cover the widgets.
    labconfig = tmp_path / "config" / "labconfig"
    labconfig.mkdir(parents=True)
    (labconfig / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}})
    )
    # Settings, runtime files and IPython's profile stay in the temporary folder.
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "IPYTHONDIR": str(tmp_path / "ipython"),
    }
    log = (tmp_path / "jupyterlab.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--ServerApp.allow_root=True",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
            "--LabApp.expose_app_in_browser=True",
            f"--LabApp.user_settings_dir={tmp_path / 'settings'}",
            f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
        ],  # fmt: skip
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/api/status?token={token}", server, tmp_path / "jupyterlab.log")
        yield f"{base}/lab/tree/{NOTEBOOK}?token={token}"
    finally:
        stop(server)
        log.close()


def wait_until_up(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"JupyterLab exited at start:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    pytest.fail(f"JupyterLab did not answer within 60 s:\n{log.read_text()[-2000:]}")


def stop(server: subprocess.Popen) -> None:
    """Stop JupyterLab by its PID, then any kernel it left behind, by theirs."""
    import psutil

    if server.poll() is not None:
        return
    children = psutil.Process(server.pid).children(recursive=True)
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    for child in children:
        if child.is_running():
            child.kill()


def pixels(page, selector: str) -> dict:
    return page.evaluate(CANVAS_PIXELS, selector)


def wait_drawn(page, selector: str) -> dict:
    """Wait until the canvas holds a real picture (several colours); return its checksum."""
    page.wait_for_function(
        f"() => document.querySelector({selector!r}) && "
        f"({CANVAS_PIXELS})({selector!r}).colours >= 3",
        timeout=60_000,
    )
    return pixels(page, selector)


NEURON = '.neuronlab-widget figure[data-fig="neuron-inputs-weights"] canvas'
HIDDEN = '.neuronlab-widget figure[data-fig="hidden-weighted-inputs"] canvas'
N_WIDGETS = 8
# True when each widget has drawn a picture (a canvas of several colours) and none failed.
ALL_DRAWN = """(n) => {
  const colours = (c) => {
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < d.length && seen.size < 3; i += 4) {
      seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    }
    return seen.size;
  };
  const widgets = [...document.querySelectorAll(".neuronlab-widget")];
  const drawn = (w) => [...w.querySelectorAll("canvas")].some((c) => colours(c) >= 3);
  return widgets.length === n && widgets.every(drawn);
}"""
# Run code in the notebook's kernel and return what it printed.
IN_KERNEL = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const future = kernel.requestExecute({ code });
  let out = "";
  future.onIOPub = (msg) => { if (msg.header.msg_type === "stream") out += msg.content.text; };
  await future.done;
  return out;
}"""


def open_and_run(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function(
        "() => window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel",
        timeout=60_000,
    )
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(ALL_DRAWN, arg=N_WIDGETS, timeout=60_000)
    assert page.locator(".neuronlab-widget.error").count() == 0


def test_widgets_render_and_follow_their_sliders(jupyterlab: str) -> None:
    require(CHROMIUM, "Chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 2400})
        log = PageLog()
        page.on("request", lambda request: log.urls.append(request.url))
        page.on("pageerror", lambda error: log.errors.append(str(error)))
        open_and_run(page, jupyterlab)
        widgets = page.locator(".neuronlab-widget")
        before_neuron, before_hidden = pixels(page, NEURON), pixels(page, HIDDEN)

        # Keyboard on the sliders (End: JupyterLab keeps the arrow keys for its cells):
        # input x2 to its maximum, and the last test image.
        widgets.nth(0).locator('input[data-field="x2"]').focus()
        page.keyboard.press("End")
        widgets.nth(1).locator('input[data-field="img"]').focus()
        page.keyboard.press("End")
        for selector, before in ((NEURON, before_neuron), (HIDDEN, before_hidden)):
            page.wait_for_function(
                f"(h) => ({CANVAS_PIXELS})({selector!r}).hash !== h", arg=before["hash"]
            )
            assert pixels(page, selector)["colours"] >= 3
        # The kernel reads what the learner chose.
        assert page.evaluate(IN_KERNEL, "print(neuron.inputs[1], hidden.index)") == "1.0 299\n"

        # Live training finishes in the widget; a drawn digit gets the network's answer.
        page.wait_for_function(
            "(w) => w.textContent.includes('Finished in')", arg=widgets.nth(6).element_handle()
        )
        # The mouse stroke itself is tested on the web page (tests/browser/test_pages.py); inside
        # Lab's lazily laid-out notebook a synthetic stroke can miss the pad, so start from a
        # test digit, which runs the same preprocessing and predictions.
        draw = widgets.nth(7)
        button = draw.get_by_role("button", name="Put this test digit on the pad")
        button.evaluate("(e) => e.scrollIntoView({ block: 'center' })")
        button.click()
        # The CNN's readout stays hidden (and "–") unless a CNN was given to the widget.
        answers = draw.locator(".readout > div:not([hidden]) .v")
        page.wait_for_function(
            "(els) => els.every((e) => /^[0-9]$/.test(e.textContent))",
            arg=answers.element_handles(),
        )

        widgets.nth(1).screenshot(path=str(SCREENSHOT))
        browser.close()
    assert log.errors == [], f"script errors in JupyterLab: {log.errors}"
    assert log.foreign() == [], f"JupyterLab contacted other hosts: {log.foreign()}"
