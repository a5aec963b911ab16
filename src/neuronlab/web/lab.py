"""What one running web lab holds: its dataset (loaded once), saved models and job queue."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Sequence
from typing import Annotated, TypeVar

import numpy as np
from fastapi import Depends, Request

from neuronlab.data import Dataset, cache_dir, load, load_default, select_classes
from neuronlab.web.jobs import Job, JobQueue
from neuronlab.web.security import ClientJobs, time_limited
from neuronlab.web.store import ModelStore

T = TypeVar("T")


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
    ) -> None:
        self.source = source
        self.dask = dask
        self.cache = cache_dir(cache)
        self.jobs = JobQueue(max_workers=max_workers)
        self.client_jobs = ClientJobs()
        self._lock = threading.RLock()
        self._dataset: Dataset | None = None
        self._error: Exception | None = None
        self._cached: dict[str, object] = {}

    def submit(
        self, kind: str, work: Callable[[Job], dict], client: str, model_key: str | None = None
    ) -> Job:
        """Queue ``work`` for ``client``, within its job cap and the time limit of a job."""
        return self.client_jobs.submit(
            client, lambda: self.jobs.submit(kind, time_limited(work), model_key=model_key)
        )

    def dask_client(self) -> object | None:
        """The Dask client sweeps run on, when the lab was given a scheduler (else None)."""
        if self.dask is None:
            return None
        from neuronlab.analysis.sweep import dask_client

        return self.once("dask", lambda: dask_client(self.dask))

    def preload(self) -> None:
        """Load the dataset in the background so the first API call finds it ready."""
        threading.Thread(target=self._load_quietly, name="neuronlab-load", daemon=True).start()

    def _load_quietly(self) -> None:
        try:
            self.dataset()
            self.store.summaries()
        except Exception:  # kept in self._error and raised again on the next use
            return
        # Warm the model layer's slow imports while the user reads the first page.
        import neuronlab.web.compute  # noqa: F401

    def dataset(self) -> Dataset:
        """The lab's dataset; a failed load raises the same error on every call."""
        with self._lock:
            if self._dataset is None and self._error is None:
                try:
                    if self.source is None:
                        self._dataset = load_default(cache_dir=self.cache, progress=False)
                    else:
                        self._dataset = load(self.source, cache_dir=self.cache, progress=False)
                except Exception as exc:
                    self._error = exc
            if self._error is not None:
                raise self._error
            return self._dataset

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


def get_lab(request: Request) -> Lab:
    """The lab of the app serving this request."""
    return request.app.state.lab


LabDep = Annotated[Lab, Depends(get_lab)]
