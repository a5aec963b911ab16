"""Background jobs: a bounded queue of training runs whose progress streams as server-sent events.

A job is a function of its :class:`Job` that returns the ``done`` event's data.
It publishes ``progress`` (and other) events while it runs and checks
:attr:`Job.cancel_requested` to stop early. Fits run in a thread pool: NumPy
releases the GIL in its matrix products, so the server stays responsive.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from neuronlab.errors import NeuronLabError

log = logging.getLogger(__name__)

TERMINAL = frozenset({"done", "error", "cancelled"})
# Superseded snapshots of this event are dropped: a late listener needs only the newest.
SNAPSHOT = "weights"
POLL_S = 0.05
# A finished job keeps its events (a sweep's results can be large) for late listeners and
# reconnects: the newest few, and none for longer than this after the job ended.
KEEP_FINISHED = 32
KEEP_FINISHED_S = 600.0


class JobCancelled(Exception):
    """Raised by a job's work when it stopped because cancellation was requested."""


class QueueFullError(NeuronLabError):
    """Too many jobs are waiting; the user should wait for one to finish."""


class Job:
    """One queued or running piece of work and the events it has published so far."""

    def __init__(self, kind: str, model_key: str | None = None) -> None:
        self.id = uuid.uuid4().hex[:12]
        self.kind = kind
        self.model_key = model_key
        # Each event is kept as its encoded text/event-stream payload: serialised once, when it
        # is published, and shared by every listener (a sweep's results are megabytes).
        self._events: list[tuple[str, bytes] | None] = []
        self._last_snapshot: int | None = None
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self.future: Future[None] | None = None
        self.finished_at: float | None = None  # time.monotonic() of the terminal event

    def publish(self, name: str, data: dict[str, Any] | None = None) -> None:
        """Append an event; listeners pick it up on their next poll."""
        with self._lock:
            if name == SNAPSHOT:
                if self._last_snapshot is not None:
                    self._events[self._last_snapshot] = None
                self._last_snapshot = len(self._events)
            self._events.append((name, _payload(name, data or {})))
            if name in TERMINAL and self.finished_at is None:
                self.finished_at = time.monotonic()

    def read_encoded(self, cursor: int) -> tuple[list[tuple[int, str, bytes]], int]:
        """Events from index ``cursor`` on (index, name, encoded payload), and the next cursor."""
        with self._lock:
            fresh = [
                (i, *event)
                for i, event in enumerate(self._events[cursor:], start=cursor)
                if event is not None
            ]
            return fresh, len(self._events)

    def read(self, cursor: int) -> tuple[list[tuple[int, str, dict[str, Any]]], int]:
        """Events from index ``cursor`` on (index, name, data), and the next cursor."""
        fresh, end = self.read_encoded(cursor)
        return [(i, name, _data(payload)) for i, name, payload in fresh], end

    @property
    def finished(self) -> bool:
        """True once a ``done``, ``error`` or ``cancelled`` event was published."""
        with self._lock:
            last = self._events[-1] if self._events else None
            return last is not None and last[0] in TERMINAL

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    def request_cancel(self) -> bool:
        """Ask the job to stop; False when it had already finished."""
        if self.finished:
            return False
        self._cancel.set()
        if self.future is not None and self.future.cancel():
            # It had not started, so no worker will ever report on it.
            self.publish("cancelled")
        return True


class JobQueue:
    """Runs jobs ``max_workers`` at a time and refuses new ones past ``max_pending``."""

    def __init__(self, max_workers: int = 1, max_pending: int = 8) -> None:
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="neuronlab")
        self._max_pending = max_pending
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def submit(
        self, kind: str, work: Callable[[Job], dict[str, Any]], model_key: str | None = None
    ) -> Job:
        """Queue ``work``; its return value becomes the ``done`` event's data."""
        with self._lock:
            pending = sum(not job.finished for job in self._jobs.values())
            if pending >= self._max_pending:
                raise QueueFullError(
                    f"{pending} jobs are already queued or running: wait for one to finish."
                )
            job = Job(kind, model_key)
            self._jobs[job.id] = job
            self._forget_old()
        job.future = self._executor.submit(self._run, job, work)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            self._forget_old()
            return self._jobs.get(job_id)

    def running_for(self, model_key: str) -> Job | None:
        """The unfinished job that is training ``model_key``, if any."""
        with self._lock:
            return next(
                (j for j in self._jobs.values() if j.model_key == model_key and not j.finished),
                None,
            )

    def shutdown(self) -> None:
        """Stop every job and drop the queue without waiting."""
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            job.request_cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _forget_old(self) -> None:
        finished = [key for key, job in self._jobs.items() if job.finished]
        expired = time.monotonic() - KEEP_FINISHED_S
        for i, key in enumerate(finished):
            ended = self._jobs[key].finished_at
            if i < len(finished) - KEEP_FINISHED or (ended is not None and ended < expired):
                del self._jobs[key]

    @staticmethod
    def _run(job: Job, work: Callable[[Job], dict[str, Any]]) -> None:
        if job.cancel_requested:
            job.publish("cancelled")
            return
        try:
            result = work(job)
        except JobCancelled:
            job.publish("cancelled")
        except NeuronLabError as exc:
            job.publish("error", {"detail": str(exc)})
        except Exception as exc:  # a failed fit must not take the server down
            log.exception("job %s failed", job.id)
            job.publish("error", {"detail": f"The {job.kind} job failed: {exc}"})
        else:
            job.publish("done", result)


def _payload(name: str, data: dict[str, Any]) -> bytes:
    """The part of a server-sent event after its id: the name and the JSON data."""
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


def _data(payload: bytes) -> dict[str, Any]:
    """The JSON data of an encoded payload (the inverse of :func:`_payload`)."""
    line = payload.split(b"\n", 2)[1]
    return json.loads(line.removeprefix(b"data: "))


def sse(event_id: int, name: str, data: dict[str, Any]) -> str:
    """One server-sent event in the text/event-stream format."""
    return f"id: {event_id}\n" + _payload(name, data).decode()


async def stream(job: Job, last_event_id: int | None = None) -> AsyncIterator[bytes]:
    """Every event of ``job`` after ``last_event_id``, until its terminal event.

    The payloads are the job's own bytes: twenty listeners of one sweep share one copy.
    """
    cursor = 0 if last_event_id is None else last_event_id + 1
    while True:
        finished = job.finished
        events, cursor = job.read_encoded(cursor)
        for event_id, _name, payload in events:
            yield b"id: %d\n" % event_id
            yield payload
        if finished:
            return
        if not events:
            # Jobs run in worker threads; polling keeps this generator cancellable.
            await asyncio.sleep(POLL_S)
