"""Connection guards of the lab's HTTP server: slow clients time out, no client takes every socket.

uvicorn times out an idle keep-alive connection, but not a client that opens a
connection and then sends half a request header (or a body) very slowly: such
connections are never closed, so a few thousand of them exhaust the server's
sockets for everyone. :func:`guarded_protocol` returns uvicorn's h11 protocol
with these limits added, per server:

- the request line and headers must arrive within ``header_timeout_s`` of the
  connection (or of the first byte of the next request on a kept-alive one);
- a request body may pause at most ``body_idle_s`` between two chunks;
- one client address may hold ``per_client`` connections, the server ``total``;
  past that a new connection is closed at once, so others are still accepted;
- every accepted socket has ``TCP_NODELAY`` set: small answers leave at once
  instead of waiting ~40 ms for the client's delayed acknowledgement.
"""

from __future__ import annotations

import asyncio
import socket
from collections import Counter
from contextlib import suppress
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT_S = 10.0
BODY_IDLE_S = 30.0
# A browser opens at most 6 connections to one server; a classroom behind one NAT shares an
# address, so the per-address cap is far above 6 and far below what exhausts the server.
MAX_CONNECTIONS_PER_CLIENT = 256
MAX_CONNECTIONS = 900


def guarded_protocol(
    header_timeout_s: float = HEADER_TIMEOUT_S,
    body_idle_s: float = BODY_IDLE_S,
    per_client: int = MAX_CONNECTIONS_PER_CLIENT,
    total: int = MAX_CONNECTIONS,
) -> type[H11Protocol]:
    """A protocol class for ``uvicorn.Config(http=...)``; each call counts its own connections."""

    class Guarded(_GuardedH11):
        limits = (header_timeout_s, body_idle_s, per_client, total)
        open_by_client: Counter[str] = Counter()

    return Guarded


class _GuardedH11(H11Protocol):
    limits: tuple[float, float, int, int]
    open_by_client: Counter[str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._timer: asyncio.TimerHandle | None = None
        self._counted: str | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with suppress(OSError):  # a socket already reset by its client
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        _, _, per_client, total = self.limits
        address = self.client[0] if self.client else "unknown"
        if self.open_by_client[address] >= per_client or sum(self.open_by_client.values()) >= total:
            transport.close()  # refused before it holds anything; others are still accepted
            return
        self.open_by_client[address] += 1
        self._counted = address
        self._arm(self.limits[0])

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._counted is not None:
            self.open_by_client[self._counted] -= 1
            if self.open_by_client[self._counted] <= 0:
                del self.open_by_client[self._counted]
            self._counted = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._follow_state()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # uvicorn's own keep-alive timer now covers the wait for the next request's first byte.
        self._disarm()

    def _follow_state(self) -> None:
        """Arm the timer that fits where the client is in its request."""
        if self.transport.is_closing():
            return
        state = self.conn.their_state
        if state is h11.IDLE:  # bytes of a request line or headers: the header clock runs
            if self._timer is None:
                self._arm(self.limits[0])
        elif state is h11.SEND_BODY:  # headers done: every chunk restarts the idle clock
            self._arm(self.limits[1])
        else:  # the whole request is in; the app answers at its own pace
            self._disarm()

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._timer = self.loop.call_later(seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _too_slow(self) -> None:
        self._timer = None
        if not self.transport.is_closing():
            self.transport.close()
