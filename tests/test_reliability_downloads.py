"""Download faults the data tests leave out: a reset mid-file, a stall mid-file, any body at all.

A raw-socket server on 127.0.0.1 misbehaves exactly as told. Whatever it does,
the cache folder ends up holding the verified file or nothing.
"""

from __future__ import annotations

import hashlib
import os
import socket
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neuronlab.data.download import FileSpec, download, watched
from neuronlab.errors import DownloadError
from neuronlab.web import create_app, lab

PAYLOAD = bytes(range(256)) * 64
SPEC = FileSpec("payload.gz", len(PAYLOAD), hashlib.sha256(PAYLOAD).hexdigest())


class RawServer:
    """Answers every GET with ``body`` under a correct header, then does ``ending``."""

    def __init__(self) -> None:
        self.body = PAYLOAD
        # or "reset" (RST after half the body), "stall" (after half) or "trickle" (a byte at a
        # time, each within any read timeout, the whole far too slowly)
        self.ending = "close"
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/"
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        body, ending = self.body, self.ending
        with conn:
            conn.recv(65536)
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(PAYLOAD)}\r\n\r\n".encode()
            if ending == "close":
                conn.sendall(head + body)
                return
            if ending == "trickle":
                conn.sendall(head)
                for i in range(len(body)):
                    if self.stop.wait(0.02):
                        return
                    try:
                        conn.sendall(body[i : i + 1])
                    except OSError:  # the client gave up
                        return
                return
            conn.sendall(head + body[: len(body) // 2])
            if ending == "stall":
                self.stop.wait(2.0)
            else:  # linger 0: closing sends a TCP reset instead of a clean end
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def close(self) -> None:
        self.stop.set()
        self.listener.close()


@pytest.fixture
def server() -> Iterator[RawServer]:
    running = RawServer()
    yield running
    running.close()


def test_a_connection_reset_mid_file_leaves_nothing(server: RawServer, tmp_path: Path) -> None:
    server.ending = "reset"
    with pytest.raises(DownloadError, match="Could not download payload.gz") as caught:
        download(SPEC, tmp_path, [server.url], progress=False)
    assert server.url + "payload.gz" in str(caught.value)
    assert list(tmp_path.iterdir()) == []
    server.ending = "close"  # the mirror recovers: the same call now succeeds
    assert download(SPEC, tmp_path, [server.url], progress=False).read_bytes() == PAYLOAD


def test_a_stall_mid_file_times_out_and_leaves_nothing(server: RawServer, tmp_path: Path) -> None:
    server.ending = "stall"
    with pytest.raises(DownloadError, match="timed out"):
        download(SPEC, tmp_path, [server.url], progress=False, timeout=0.3)
    assert list(tmp_path.iterdir()) == []


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cut=st.integers(min_value=0, max_value=len(PAYLOAD)),
    flips=st.lists(st.integers(min_value=0, max_value=len(PAYLOAD) - 1), max_size=3),
    extra=st.binary(max_size=16),
)
def test_the_cache_only_ever_holds_the_verified_file(
    server: RawServer, tmp_path_factory: pytest.TempPathFactory, cut: int, flips, extra: bytes
) -> None:
    body = bytearray(PAYLOAD[:cut] + extra)
    for at in flips:
        if at < len(body):
            body[at] ^= 0xFF
    server.body = bytes(body)
    folder = tmp_path_factory.mktemp("cache")
    try:
        path = download(SPEC, folder, [server.url], progress=False)
    except DownloadError as error:
        assert "payload.gz" in str(error)
        assert list(folder.iterdir()) == []
    else:
        assert path.read_bytes() == PAYLOAD
        assert list(folder.iterdir()) == [path]


def test_a_trickling_mirror_meets_the_overall_deadline(server: RawServer, tmp_path: Path) -> None:
    """Each byte comes well within the read timeout; the whole would take minutes."""
    server.ending = "trickle"
    start = time.monotonic()
    with pytest.raises(DownloadError, match=r"did not finish within 0.5 s"), watched(0.5):
        download(SPEC, tmp_path, [server.url], progress=False, timeout=5)
    assert time.monotonic() - start < 2.0
    assert list(tmp_path.iterdir()) == []


def test_the_lab_answers_during_a_slow_download_then_falls_back(
    server: RawServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Started without --data, the lab downloads MNIST from a mirror that trickles."""
    server.ending = "trickle"
    monkeypatch.setenv("NEURONLAB_MIRRORS", server.url)
    monkeypatch.setattr(lab, "DOWNLOAD_DEADLINE_S", 2.5)
    monkeypatch.setattr(lab, "DOWNLOAD_WAIT_S", 0.3)
    with TestClient(create_app(None, cache_dir=tmp_path)) as client:
        start = time.monotonic()
        waiting = client.get("/api/dataset")
        assert time.monotonic() - start < 1.5  # answered, not held until the deadline
        assert waiting.status_code == 503
        assert "downloading its dataset" in waiting.json()["detail"]
        assert "built-in digits" in waiting.json()["detail"]
        assert int(waiting.headers["retry-after"]) >= 1
        assert client.get("/api/models").status_code == 503
        for _ in range(100):
            answer = client.get("/api/dataset")
            if answer.status_code != 503:
                break
            time.sleep(0.1)
    assert answer.status_code == 200
    info = answer.json()
    assert info["embedded"] is True
    assert "did not finish within 2.5 s" in info["notice"]
    assert str(tmp_path) not in info["notice"]  # the server's own folders stay private
    assert "http" not in info["notice"]  # one plain sentence, no mirror addresses


def test_partial_downloads_left_by_a_kill_are_removed_at_start(
    mnist_test_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "mnist"
    folder.mkdir()
    stale, live = folder / ".train-images-idx3-ubyte.gz.a1b2.part", folder / ".t10k.x.part"
    for path in (stale, live):
        path.write_bytes(b"half a file")
    an_hour_ago = time.time() - 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))
    with TestClient(create_app(str(mnist_test_dir), cache_dir=tmp_path)) as client:
        assert client.get("/api/dataset").status_code == 200
    assert not stale.exists()
    assert live.exists()  # still being written, perhaps by another server on this cache
