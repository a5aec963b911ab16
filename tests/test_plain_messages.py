"""What a person reads when something is off: plain sentences, their own paths, their port."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO
from fastapi.testclient import TestClient

from neuronlab.data.sources import fallback_notice
from neuronlab.web.app import create_app

PAGE = {"X-Neuronlab": "1"}


def test_a_text_file_is_not_a_model_file_in_plain_words(
    mnist_test_dir: Path, tmp_path: Path
) -> None:
    with TestClient(create_app(str(mnist_test_dir), cache_dir=tmp_path), headers=PAGE) as client:
        for name in ("notes.npz", "notes.txt"):
            answer = client.post(
                "/api/models/upload", files={"file": (name, b"my notes\n", "text/plain")}
            )
            detail = answer.json()["detail"]
            assert answer.status_code == 400
            assert f"{name} is not a Neuron Lab model file" in detail
            assert "pickle" not in detail and "allow_pickle" not in detail


def test_the_header_names_a_folder_relative_to_where_the_lab_started(
    mnist_test_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = mnist_test_dir.resolve()
    monkeypatch.chdir(folder.parent.parent)
    relative = folder.relative_to(folder.parent.parent)
    with TestClient(create_app(str(folder), cache_dir=tmp_path)) as client:
        info = client.get("/api/dataset").json()
    assert str(folder) not in info["description"]
    assert info["description"].startswith(f"IDX files in {relative}")


@pytest.mark.parametrize(
    ("reason", "why"),
    [
        ("x.gz: [Errno -2] Name or service not known", "(this computer seems to be offline)"),
        ("x.gz: did not finish within 120 s", "(the download did not finish within 120 s)"),
        ("x.gz: sent a file whose SHA-256 checksum does not match", "(the downloaded files"),
    ],
)
def test_the_offline_fallback_is_one_plain_sentence(reason: str, why: str) -> None:
    text = fallback_notice(Exception(f"Could not download ({reason}); use `--data embedded`"), 5000)
    assert text.startswith(f"MNIST could not be downloaded {why}")
    assert "5,000 built-in digits" in text and "connect to the internet" in text
    assert text.count(".") == 1 and not any(raw in text for raw in ("http", "Errno", "`"))


def test_make_run_and_the_port_option_agree() -> None:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    env = {**os.environ, "PORT": "9123"}
    dry = subprocess.run(
        [make, "-n", "run"], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )
    assert "neuronlab serve --port 9123" in dry.stdout, dry.stdout + dry.stderr
    unset = {k: v for k, v in os.environ.items() if k != "PORT"}
    default = subprocess.run(
        [make, "-n", "run"], cwd=REPO, env=unset, capture_output=True, text=True, check=False
    )
    assert "neuronlab serve --port 8765" in default.stdout  # the CLI's own default


def test_a_taken_port_is_named_with_a_free_one_to_try() -> None:
    import socket

    from neuronlab.errors import NeuronLabError
    from neuronlab.web.app import _bind

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(NeuronLabError) as info:
            _bind("127.0.0.1", port)
    message = str(info.value)
    assert f"127.0.0.1:{port}" in message and f"PORT={port + 1} make run" in message
