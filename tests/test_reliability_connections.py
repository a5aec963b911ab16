"""Slow clients time out, one address cannot take every socket, and answers leave at once.

A real server (uvicorn with the lab's guards, header and body timeouts of one
second) faces a few hundred connections from 127.0.0.2 that send half a
request header and then nothing; a normal request from 127.0.0.1 must still
answer within a second, and the server must close every slow connection.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from live import LiveServer

from neuronlab.web import create_app
from neuronlab.web.app import _bind

ATTACKER = "127.0.0.2"  # another loopback address: another client, as far as the server knows
SLOW = 150
PER_CLIENT = 100


@pytest.fixture(scope="module")
def live(mnist_test_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    app = create_app(str(mnist_test_dir), cache_dir=tmp_path_factory.mktemp("live-cache"))
    server = LiveServer(
        app, header_timeout_s=1.0, body_idle_s=1.0, per_client=PER_CLIENT, total=400
    ).start()
    httpx.get(server.base + "/api/models", timeout=60).raise_for_status()  # dataset loaded
    yield server
    server.stop()


def _slow_socket(port: int, first_bytes: bytes) -> socket.socket | None:
    try:
        sock = socket.create_connection(
            ("127.0.0.1", port), timeout=5, source_address=(ATTACKER, 0)
        )
        sock.sendall(first_bytes)
        return sock
    except OSError:
        return None


def _closed_by_server(sock: socket.socket) -> bool:
    """True once the server closed ``sock`` (an answer before the close counts too)."""
    sock.setblocking(False)
    try:
        sock.recv(1024)
    except BlockingIOError:  # still open, nothing to read
        return False
    except OSError:  # reset
        return True
    return True


def test_half_sent_headers_time_out_and_others_are_served(live: LiveServer) -> None:
    head = b"GET /api/dataset HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
    sockets = [s for s in (_slow_socket(live.port, head) for _ in range(SLOW)) if s]
    try:
        assert len(sockets) == SLOW
        time.sleep(0.3)
        refused_at_once = sum(_closed_by_server(s) for s in sockets)
        assert refused_at_once == SLOW - PER_CLIENT  # past its cap, an address is refused

        start = time.monotonic()
        answer = httpx.get(live.base + "/api/models", timeout=5)
        assert answer.status_code == 200
        assert time.monotonic() - start < 1.0  # another client is served at once

        time.sleep(1.5)  # past the 1 s header timeout
        assert sum(_closed_by_server(s) for s in sockets) == SLOW
    finally:
        for sock in sockets:
            sock.close()


def test_a_body_that_stops_arriving_times_out(live: LiveServer) -> None:
    head = (
        b"POST /api/train HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b'Content-Length: 1000\r\n\r\n{"model": '
    )
    sock = _slow_socket(live.port, head)
    assert sock is not None
    try:
        time.sleep(0.5)
        assert not _closed_by_server(sock)  # within the idle time it may go on
        time.sleep(1.2)
        assert _closed_by_server(sock)
    finally:
        sock.close()


def test_a_kept_alive_connection_serves_request_after_request(live: LiveServer) -> None:
    with httpx.Client(base_url=live.base, timeout=5) as client:
        for _ in range(3):
            assert client.get("/api/models").status_code == 200
            time.sleep(0.3)  # idle between requests is the keep-alive timer's, not a timeout


def test_accepted_sockets_have_nagle_off() -> None:
    """asyncio sets TCP_NODELAY only on sockets made with IPPROTO_TCP, as _bind now makes them."""
    listener = _bind("127.0.0.1", 0)
    seen: list[int] = []

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    async def accept_one() -> None:
        server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
        port = listener.getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(100):
            if seen:
                break
            await asyncio.sleep(0.01)
        writer.close()
        server.close()

    asyncio.run(accept_one())
    assert seen and seen[0] != 0
