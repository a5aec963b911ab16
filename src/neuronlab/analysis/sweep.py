"""Train one network per hidden-layer size (and seed) in parallel and compare them."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from joblib import Parallel, delayed

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
) -> SweepResult:
    model = make_model("mlp", preset, hidden=hidden, random_state=seed)
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
) -> list[SweepResult]:
    """Fit ``make_model("mlp", preset, hidden=h, random_state=seed)`` for every size and seed.

    ``seeds`` is a count (seeds 0..n-1) or the seeds themselves. Fits run in
    separate processes (joblib's loky) unless ``backend`` names another joblib
    backend, such as ``"dask"`` with a Dask client running. Results are sorted
    by (hidden, seed).
    """
    seed_list = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
    jobs = [(int(h), s) for h in sizes for s in seed_list]
    results = Parallel(n_jobs=n_jobs, backend=backend or "loky")(
        delayed(_train_one)(h, s, preset, X_train, y_train, X_test, y_test) for h, s in jobs
    )
    return sorted(results, key=lambda r: (r.hidden, r.seed))
