"""What one running web lab holds: its dataset (loaded once), saved models and job queue.

The dataset loads in a background thread. A download (MNIST on first start
without ``--data``) has an overall deadline, after which the default dataset
falls back to the embedded digits; meanwhile requests are answered ``503`` with
the download's progress instead of holding a server thread each.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Annotated, TypeVar

import numpy as np
from fastapi import Depends, Query, Request

from neuronlab.data import Dataset, cache_dir, load, load_default, select_classes
from neuronlab.data.download import DownloadWatch, remove_stale_parts, watched
from neuronlab.errors import NeuronLabError
from neuronlab.web.jobs import Job, JobQueue
from neuronlab.web.limits import HeavyLimiter
from neuronlab.web.security import ClientJobs, time_limited
from neuronlab.web.store import ModelStore

T = TypeVar("T")

DOWNLOAD_DEADLINE_S = 120.0  # MNIST is 11 MB: two minutes is a slow classroom line
# How long a request waits for a dataset read from disk before it is told to retry, and
# how long while a download runs (a failing mirror usually fails within that).
READY_WAIT_S = 30.0
DOWNLOAD_WAIT_S = 2.0
RETRY_AFTER_S = 2


class DatasetLoadingError(NeuronLabError):
    """The dataset is still downloading (answered 503 with Retry-After)."""

    retry_after_s = RETRY_AFTER_S


class Split:
    """Scaled images (float32 rows in [0, 1]) and labels of one split."""

    def __init__(self, X: np.ndarray, y: np.ndarray) -> None:
        self.X = X
        self.y = y

    def of_classes(self, classes: Sequence[int] | None) -> Split:
        """Only the examples of ``classes`` (all of them when None or all ten)."""
        if classes is None or len(classes) == 10:
            return self
        return Split(*select_classes(self.X, self.y, classes))


class Lab:
    """The state behind the web API; the dataset loads on first use, once."""

    def __init__(
        self,
        source: str | os.PathLike | None,
        cache: str | os.PathLike | None = None,
        max_workers: int = 1,
        dask: str | None = None,
        shared: Lab | None = None,
    ) -> None:
        self.source = source
        self.dask = dask
        self.cache = cache_dir(cache)
        # Another dataset's lab of the same server (see labs.py) shares its queue and limits.
        self.jobs = shared.jobs if shared else JobQueue(max_workers=max_workers)
        self.client_jobs = shared.client_jobs if shared else ClientJobs()
        self.heavy = shared.heavy if shared else HeavyLimiter()
        self._lock = threading.RLock()
        self._dataset: Dataset | None = None
        self._error: Exception | None = None
        self._cached: dict[str, object] = {}
        self._ready = threading.Event()
        self._loader: threading.Thread | None = None
        self._watch: DownloadWatch | None = None

    def submit(
        self, kind: str, work: Callable[[Job], dict], client: str, model_key: str | None = None
    ) -> Job:
        """Queue ``work`` for ``client``, within its job cap and the time limit of a job."""
        return self.client_jobs.submit(
            client, lambda: self.jobs.submit(kind, time_limited(work), model_key=model_key)
        )

    def dask_client(self) -> object | None:
        """The Dask client sweeps and training fits run on, with a scheduler (else None)."""
        if self.dask is None:
            return None
        from neuronlab.analysis.sweep import dask_client

        return self.once("dask", lambda: dask_client(self.dask))

    def fit(self, model: object, X: np.ndarray, y: np.ndarray, callback: object = None) -> float:
        """Fit a training job's model, on the Dask cluster when the lab has one; seconds taken."""
        client = self.dask_client()
        if client is None:
            from neuronlab.training import fit

            return fit(model, X, y, callback)
        from neuronlab.web.remote import fit_on_cluster

        return fit_on_cluster(client, model, X, y, callback)

    def preload(self) -> None:
        """Load the dataset in the background so the first API call finds it ready."""
        self._start_loading()

    def _start_loading(self) -> None:
        with self._lock:
            if self._loader is None:
                self._loader = threading.Thread(
                    target=self._load, name="neuronlab-load", daemon=True
                )
                self._loader.start()

    def _load(self) -> None:
        remove_stale_parts(self.cache)  # what a download killed with kill -9 left behind
        try:
            with watched(DOWNLOAD_DEADLINE_S) as watch:
                self._watch = watch
                if self.source is None:
                    self._dataset = load_default(cache_dir=self.cache, progress=False)
                    self._tell_fallback(self._dataset.notice)
                else:
                    self._dataset = load(self.source, cache_dir=self.cache, progress=False)
        except Exception as exc:  # kept, and raised again on every use
            self._error = exc
        finally:
            self._watch = None
            self._ready.set()
        if self._error is None:
            try:
                self.store.summaries()
                # Warm the model layer's slow imports while the user reads the first page.
                import neuronlab.web.compute  # noqa: F401
            except Exception:  # the request that needs them reports it
                pass

    def _tell_fallback(self, notice: str) -> None:
        """Say in the terminal too that the lab fell back to its built-in digits, and what to
        do: the same sentence as the page's banner, with the folder MNIST's files could go in."""
        if notice:
            folder = self.cache / "mnist"
            print(
                f"neuronlab: {notice.rstrip('.')}, or copy MNIST's four .gz files into {folder}.",
                file=sys.stderr,
                flush=True,
            )

    def dataset(self) -> Dataset:
        """The lab's dataset (waiting for the load); a failed load raises the same error."""
        self._start_loading()
        self._ready.wait()
        if self._error is not None:
            raise self._error
        assert self._dataset is not None
        return self._dataset

    async def ready(self, wait_s: float = READY_WAIT_S) -> None:
        """Wait, without holding a thread, until the dataset is loaded (or failed to load).

        While it downloads, or past ``wait_s``, raise DatasetLoadingError at once
        with the progress, so a slow mirror never holds up the server.
        """
        if self._ready.is_set():
            return
        self._start_loading()
        loop = asyncio.get_running_loop()
        start = loop.time()
        while not self._ready.is_set():
            watch = self._watch
            downloading = watch is not None and watch.current is not None
            waited = loop.time() - start
            if waited >= wait_s or (downloading and waited >= min(wait_s, DOWNLOAD_WAIT_S)):
                raise DatasetLoadingError(self.loading_message())
            await asyncio.sleep(0.02)

    def loading_message(self) -> str:
        """Where the dataset's download is, in one sentence for the page's notice."""
        watch = self._watch
        if watch is None or watch.current is None:
            return "The lab is still loading its dataset; try again in a few seconds."
        from neuronlab.data.sources import MNIST, REMOTES

        remote = MNIST if self.source is None else REMOTES.get(str(self.source))
        size = f"{watch.received / 1e6:.1f}"
        if remote is not None:
            size += f" of {sum(spec.size for spec in remote.files) / 1e6:.1f}"
        left = max(0.0, watch.remaining() or 0.0)
        fallback = " before it uses its built-in digits" if self.source is None else ""
        return (
            f"The lab is downloading its dataset ({size} MB so far; at most {left:.0f} s "
            f"more{fallback}); this page tries again by itself."
        )

    def public(self, message: str) -> str:
        """``message`` without the server's own folders, for a student's eyes."""
        for folder in {str(self.cache.resolve()), str(self.cache)}:
            message = message.replace(folder, "<cache>")
        # A folder under the one the lab was started in reads as the relative path typed.
        message = message.replace(os.getcwd().rstrip(os.sep) + os.sep, "")
        home = os.path.expanduser("~")
        return message.replace(home, "~") if len(home) > 1 else message

    def once(self, name: str, make: Callable[[], T]) -> T:
        """``make()`` computed on first use and kept: the lab's small, bounded cache."""
        with self._lock:
            if name not in self._cached:
                self._cached[name] = make()
            return self._cached[name]

    @property
    def train(self) -> Split:
        """The training split, scaled once."""
        data = self.dataset()
        return self.once("train", lambda: Split(data.X_train(), data.train_labels))

    @property
    def test(self) -> Split:
        """The test split, scaled once."""
        data = self.dataset()
        return self.once("test", lambda: Split(data.X_test(), data.test_labels))

    @property
    def store(self) -> ModelStore:
        """Saved models of this dataset: ``<cache>/models/<dataset name>/``."""
        return self.once("store", lambda: ModelStore(self.cache / "models" / self._folder()))

    def _folder(self) -> str:
        slug = re.sub(r"[^a-z0-9._-]+", "-", self.dataset().name.lower()).strip("-.")
        return slug or "dataset"


DATA_DOC = (
    "Which dataset: default (the one the lab was started with), mnist, fashion-mnist or "
    "embedded; see /api/datasets."
)


async def get_lab(
    request: Request,
    data: Annotated[str | None, Query(max_length=40, description=DATA_DOC)] = None,
) -> Lab:
    """The lab of the requested dataset, once that dataset is ready (see Lab.ready)."""
    lab: Lab = request.app.state.labs.get(data)
    await lab.ready()
    return lab


LabDep = Annotated[Lab, Depends(get_lab)]
