"""Training jobs on a Dask cluster: the fit runs on a worker, its progress streams back.

The lab process keeps the job, its events and its model store; only the fit
moves. The worker runs :func:`neuronlab.training.fit` with a callback that puts
each epoch's :class:`EpochInfo` on a Dask ``Queue``; the lab drains that queue
into the job's own callback (the progress reporter), and a Dask ``Variable``
carries a cancel back to the worker, which stops after its current epoch.
Workers need neuronlab installed, as they do for sweeps.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import numpy as np

POLL_S = 0.05
# The worker asks whether the job was cancelled at most this often (a scheduler round trip).
STOP_CHECK_S = 0.2


def fit_on_cluster(
    client: Any, model: Any, X: np.ndarray, y: np.ndarray, callback: Any = None
) -> float:
    """Fit ``model`` on a worker of ``client``'s cluster, in place; the seconds the fit took.

    ``callback`` receives every epoch's progress here, as with a local fit; when
    it returns False the worker stops after that epoch.
    """
    from dask.distributed import Queue, Variable

    name = f"neuronlab-fit-{uuid.uuid4().hex}"
    events = Queue(f"{name}-events", client=client)
    stop = Variable(f"{name}-stop", client=client)
    stop.set(False)
    future = client.submit(_fit_on_worker, model, X, y, name, pure=False)
    try:
        while True:
            finished = future.done()
            for info in events.get(batch=True):
                if callback is not None and callback(info) is False:
                    stop.set(True)
            if finished:
                break
            time.sleep(POLL_S)
        fitted, seconds = future.result()
    finally:
        if not future.done():
            stop.set(True)
            future.cancel()
        stop.delete()
    model.__dict__.update(fitted.__dict__)
    return seconds


def _fit_on_worker(model: Any, X: np.ndarray, y: np.ndarray, name: str) -> tuple[Any, float]:
    """Runs on a Dask worker: the lab's own fit, its progress sent back epoch by epoch."""
    from dask.distributed import Queue, Variable

    from neuronlab.training import fit

    events, stop = Queue(f"{name}-events"), Variable(f"{name}-stop")
    checked = time.monotonic()

    def forward(info: Any) -> bool:
        nonlocal checked
        events.put(info)
        if time.monotonic() - checked >= STOP_CHECK_S:
            checked = time.monotonic()
            return not stop.get()
        return True

    seconds = fit(model, X, y, forward)
    return model, seconds
