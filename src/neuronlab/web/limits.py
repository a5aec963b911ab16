"""Heavy requests run on their own few threads, a few per client, so reading stays fast.

Predictions, shift curves and uploads each cost from a tenth of a second to a
few seconds of CPU. Run on the server's shared thread pool, forty of them from
one client would hold every thread and stall the whole class. Here they run on
``workers`` threads of their own; each client may have ``per_client`` of them
running or waiting, the server ``workers + waiting``; past that the answer is
``429`` with ``Retry-After`` at once, and nothing is queued.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from neuronlab.web.jobs import QueueFullError

T = TypeVar("T")

HEAVY_WORKERS = 1 if (os.cpu_count() or 1) <= 2 else 2
HEAVY_PER_CLIENT = 4  # a chapter asks for at most two models' predictions at once
# Enough for a whole class to open the mistakes chapter at the same moment.
HEAVY_WAITING = 64
RETRY_AFTER_S = 2


class BusyError(QueueFullError):
    """Too many heavy requests are in flight (answered 429 with Retry-After)."""

    retry_after_s = RETRY_AFTER_S


class HeavyLimiter:
    """Runs heavy calls on a small pool, within a per-client and a total bound."""

    def __init__(
        self,
        workers: int = HEAVY_WORKERS,
        per_client: int = HEAVY_PER_CLIENT,
        waiting: int = HEAVY_WAITING,
    ) -> None:
        self.per_client = per_client
        self.total = workers + waiting
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="neuronlab-heavy")
        self._in_flight: Counter[str] = Counter()
        self._lock = threading.Lock()

    async def run(self, client: str, work: Callable[[], T]) -> T:
        """``work()`` on the pool, for ``client``; BusyError when either bound is reached."""
        self._admit(client)
        try:
            future: Future[T] = self._executor.submit(work)
        except BaseException:
            self._release(client)
            raise
        # Released when the work ends, not when the client leaves: a client that hangs up
        # and asks again cannot pile work up. A queued call is dropped if its client left.
        future.add_done_callback(lambda _: self._release(client))
        return await asyncio.wrap_future(future)

    def in_flight(self, client: str | None = None) -> int:
        with self._lock:
            return sum(self._in_flight.values()) if client is None else self._in_flight[client]

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _admit(self, client: str) -> None:
        with self._lock:
            mine, everyone = self._in_flight[client], sum(self._in_flight.values())
            if mine >= self.per_client:
                raise BusyError(
                    f"You already have {mine} heavy requests (predictions, shift curves or "
                    "uploads) being computed: wait for them, then try again."
                )
            if everyone >= self.total:
                raise BusyError(
                    "The lab is computing for many students at once: try again in a moment."
                )
            self._in_flight[client] += 1

    def _release(self, client: str) -> None:
        with self._lock:
            self._in_flight[client] -= 1
            if self._in_flight[client] <= 0:
                del self._in_flight[client]
