"""Train one network per hidden-layer size (and seed) in parallel and compare them."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from joblib import Parallel, delayed

from neuronlab.errors import NeuronLabError
from neuronlab.models import make_model

DEFAULT_SIZES = (4, 9, 16, 25, 36, 49, 64, 81, 100)


@dataclass(frozen=True)
class SweepResult:
    """One trained network of the sweep: its size, seed, scores and first-layer weights."""

    hidden: int
    seed: int
    train_accuracy: float
    test_accuracy: float
    fit_seconds: float
    epochs: int
    coefs0: np.ndarray


def _train_one(
    hidden: int,
    seed: int,
    preset: str,
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_test: np.ndarray,
    y_test: np.ndarray,
    params: Mapping[str, Any] | None = None,
) -> SweepResult:
    model = make_model("mlp", preset, hidden=hidden, random_state=seed)
    if params:
        model.set_params(**params)
    start = time.perf_counter()
    model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    return SweepResult(
        hidden=hidden,
        seed=seed,
        train_accuracy=float(model.score(X_train, y_train)),
        test_accuracy=float(model.score(X_test, y_test)),
        fit_seconds=seconds,
        epochs=int(model.n_iter_),
        coefs0=np.asarray(model.coefs_[0]).copy(),
    )


def hidden_sweep(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_test: np.ndarray,
    y_test: np.ndarray,
    sizes: Sequence[int] = DEFAULT_SIZES,
    seeds: int | Iterable[int] = 1,
    n_jobs: int = -1,
    preset: str = "module",
    backend: str | None = None,
    client: Any = None,
    params: Mapping[str, Any] | None = None,
    on_result: Callable[[SweepResult], None] | None = None,
) -> list[SweepResult]:
    """Fit ``make_model("mlp", preset, hidden=h, random_state=seed)`` for every size and seed.

    ``seeds`` is a count (seeds 0..n-1) or the seeds themselves. Fits run in
    separate processes (joblib's loky) unless ``backend`` names another joblib
    backend, or ``client`` (a ``dask.distributed.Client`` or a scheduler address
    such as ``"tcp://host:8786"``) sends them to a Dask cluster; ``n_jobs`` then
    does not apply. Every fit is seeded, so the results are the same wherever
    they run. Results are sorted by (hidden, seed). ``params`` (estimator parameters such
    as ``{"alpha": 0.0, "early_stopping": False}``) override the preset's for every fit.

    ``on_result``, if given, is called in this process with each result as soon
    as its fit finishes (so in the order they finish), for a caller that shows
    results as they come. The largest networks start first: they take longest,
    and starting them first leaves the short fits to fill in at the end, so the
    cores finish at about the same time.
    """
    seed_list = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
    jobs = sorted(((int(h), s) for h in sizes for s in seed_list), key=lambda j: (-j[0], j[1]))
    data = (X_train, y_train, X_test, y_test)
    if client is not None:
        finished = _on_dask(client, jobs, preset, data, params)
    else:
        finished = Parallel(
            n_jobs=n_jobs, backend=backend or "loky", return_as="generator_unordered"
        )(delayed(_train_one)(h, s, preset, *data, params) for h, s in jobs)
    results = []
    for result in finished:
        results.append(result)
        if on_result is not None:
            on_result(result)
    return sorted(results, key=lambda r: (r.hidden, r.seed))


def dask_client(address: str, timeout_s: float = 10.0) -> Any:
    """A ``dask.distributed.Client`` connected to the scheduler at ``address``."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise NeuronLabError(
            "Dask is not installed; run `pip install 'neuronlab[dask]'` to use a Dask cluster."
        ) from None
    try:
        return Client(address, timeout=timeout_s, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise NeuronLabError(
            f"Cannot reach the Dask scheduler at {address} ({exc}); "
            "check the address and that `dask scheduler` is running there."
        ) from None


def _on_dask(
    client: Any,
    jobs: list[tuple[int, int]],
    preset: str,
    data: tuple[np.ndarray, ...],
    params: Mapping[str, Any] | None = None,
) -> Iterator[SweepResult]:
    """Run every fit as a task on a Dask cluster, yielding the results as they finish.

    ``client`` may be an address string: then it is connected to and closed at the end.
    """
    from dask.distributed import as_completed

    own = isinstance(client, str)
    if own:
        client = dask_client(client)
    try:
        # Sent once to every worker instead of once per task.
        shared = client.scatter(list(data), broadcast=True)
        futures = [
            client.submit(_train_one, h, s, preset, *shared, params, pure=False) for h, s in jobs
        ]
        # the client is not the default one, so as_completed is told its event loop
        for future in as_completed(futures, loop=client.loop):
            yield future.result()
    finally:
        if own:
            client.close()
