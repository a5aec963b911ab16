"""Fit time, accuracy and memory of Neuron Lab's models against scikit-learn, in one run.

    python benchmarks/train_speed.py --data SOURCE [--repeats N] [--only SECTION ...]
                                     [--quick] [--markdown FILE]

SOURCE is anything ``neuronlab.data.load`` accepts: ``mnist``, ``fashion-mnist``,
``embedded`` or a folder of IDX files. Models train on the dataset's training
split and are scored on its test split; the two-class task keeps digits 1 and 8.

Every fit runs in a fresh worker process, forked from a server that has only
imported the libraries, so no fit inherits another's heap or caches. The worker
loads its arrays, resets the kernel's peak-RSS mark (``/proc/self/clear_refs``)
and reports ``VmHWM - VmRSS`` around ``fit``: every page the fit touched, NumPy
arrays, BLAS buffers and Python objects alike. tracemalloc would see only the
allocations that go through Python's hooks and slows pure-Python code down.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
import threadpoolctl
from joblib import Parallel, delayed
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neural_network import MLPClassifier as SkMLPClassifier

from neuronlab.analysis import hidden_sweep
from neuronlab.data import load, select_classes
from neuronlab.errors import NeuronLabError
from neuronlab.models import MLPClassifier, make_model

SECTIONS = ("load", "logistic", "mlp", "sweep", "epoch")
COURSE_C = 0.001
COURSE_MLP: dict[str, Any] = {
    "hidden_layer_sizes": (25,),
    "activation": "logistic",
    "alpha": 0.1,
    "solver": "adam",
    "early_stopping": True,
    "batch_size": 50,
    "random_state": 0,
}
PAIR = (1, 8)
# Our MLP multiplies its small batch matrices on one BLAS thread; scikit-learn uses
# all cores by default, which on a busy machine can be slower, so it runs both ways.
SK_MLP_ONE_THREAD = "sklearn MLP course, 1 BLAS thread"
SWEEP_SIZES = (4, 9, 16, 25, 36, 49, 64, 81, 100)
SWEEP_JOBS = 2
EPOCH_HIDDEN = (25, 100)
EPOCH_BATCH = 256
EPOCHS = 5
FULL_TRAIN = 60_000
MEMORY_LIMIT_MB = 400.0
MB = 1e6
PARTS = ("X_train", "y_train", "X_test", "y_test")
BLAS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")


@dataclass(frozen=True)
class Scale:
    """How big the run is: full, or the tiny ``--quick`` run the test uses."""

    n_train: int | None
    n_test: int | None
    sweep_sizes: tuple[int, ...]
    matmul_n: int


FULL = Scale(None, None, SWEEP_SIZES, matmul_n=2048)
QUICK = Scale(1000, 300, (4, 16), matmul_n=512)


# ---------------------------------------------------------------- the fits, by name


def _sk_logistic() -> SkLogisticRegression:
    """The course's solver; random_state fixes sag's sampling order, as the course did."""
    return SkLogisticRegression(C=COURSE_C, solver="sag", random_state=0)


def _epoch_mlp(hidden: int) -> MLPClassifier:
    """The course network at batch 256, run for exactly ``EPOCHS`` epochs."""
    return MLPClassifier(
        hidden_layer_sizes=(hidden,),
        activation="logistic",
        alpha=0.1,
        batch_size=EPOCH_BATCH,
        max_iter=EPOCHS,
        tol=0.0,
        n_iter_no_change=EPOCHS + 1,
        random_state=0,
    )


# name -> (task, factory). Workers receive names, so factories never cross processes.
FITS: dict[str, tuple[str, Callable[[], Any]]] = {
    "sklearn LR 1 vs 8": ("pair", _sk_logistic),
    "ours LR 1 vs 8": ("pair", lambda: make_model("logistic", "module")),
    "sklearn LR OvR": ("ten", lambda: OneVsRestClassifier(_sk_logistic())),
    "ours LR OvR": ("ten", lambda: make_model("logistic", "module", multi_class="ovr")),
    "sklearn MLP course": ("ten", lambda: SkMLPClassifier(**COURSE_MLP)),
    SK_MLP_ONE_THREAD: ("ten", lambda: SkMLPClassifier(**COURSE_MLP)),
    "ours MLP course": ("ten", lambda: MLPClassifier(**COURSE_MLP)),
    "ours MLP fast": ("ten", lambda: make_model("mlp", "fast")),
    **{f"ours MLP h={h} b={EPOCH_BATCH}": ("ten", partial(_epoch_mlp, h)) for h in EPOCH_HIDDEN},
}


# ---------------------------------------------------------------- measuring in a fresh process


def _proc_status_kb(key: str) -> int:
    """A ``kB`` line of ``/proc/self/status``, e.g. ``VmRSS`` or ``VmHWM``."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


def _reset_peak_rss() -> None:
    """Make ``VmHWM`` start again from the current RSS (Linux 4.0+)."""
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


@dataclass(frozen=True)
class Run:
    """One measurement made in a worker process."""

    seconds: float
    accuracy: float = float("nan")
    fit_mb: float = float("nan")
    total_mb: float = float("nan")
    warnings: int = 0
    iterations: int = 0
    images: int = 0
    weights: np.ndarray | None = None


def _iterations(model: Any) -> int:
    """Epochs (MLP) or solver iterations (logistic regression; the most of any class)."""
    estimators = getattr(model, "estimators_", [model])
    return int(max(np.max(np.atleast_1d(e.n_iter_)) for e in estimators))


def _weights(model: Any) -> np.ndarray | None:
    """The (classes, pixels) weights of a linear model, stacking a one-vs-rest ensemble."""
    if hasattr(model, "estimators_"):
        return np.vstack([e.coef_ for e in model.estimators_])
    return np.asarray(model.coef_) if hasattr(model, "coef_") else None


def _fit_in_worker(name: str, data_dir: str) -> Run:
    """Load one task's arrays, fit the named model once and measure it."""
    task, factory = FITS[name]
    X_train, y_train, X_test, y_test = (np.load(Path(data_dir, f"{task}_{p}.npy")) for p in PARTS)
    model = factory()
    threads = 1 if name == SK_MLP_ONE_THREAD else None  # None leaves BLAS as it is
    baseline = _proc_status_kb("VmRSS")
    _reset_peak_rss()
    limits = threadpoolctl.threadpool_limits(threads, "blas")
    with warnings.catch_warnings(record=True) as caught, limits:
        warnings.simplefilter("always", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(X_train, y_train)
        seconds = time.perf_counter() - start
    peak = _proc_status_kb("VmHWM")
    return Run(
        seconds=seconds,
        accuracy=float(model.score(X_test, y_test)),
        fit_mb=(peak - baseline) * 1024 / MB,
        total_mb=peak * 1024 / MB,
        warnings=sum(issubclass(w.category, ConvergenceWarning) for w in caught),
        iterations=_iterations(model),
        weights=_weights(model),
    )


def _load_in_worker(source: str) -> Run:
    """Load a dataset from the cache (never the network) and measure it."""
    baseline = _proc_status_kb("VmRSS")
    _reset_peak_rss()
    start = time.perf_counter()
    dataset = load(source, download=False, progress=False)
    seconds = time.perf_counter() - start
    peak = _proc_status_kb("VmHWM")
    return Run(
        seconds=seconds,
        fit_mb=(peak - baseline) * 1024 / MB,
        total_mb=peak * 1024 / MB,
        images=dataset.n_train + dataset.n_test,
    )


def _fresh(context: multiprocessing.context.BaseContext, fn: Callable[..., Run], *args) -> Run:
    """Run ``fn(*args)`` in a new process of ``context`` and return its result."""
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(fn, *args).result()


@dataclass
class Measured:
    """Repeated runs of one measurement; medians are what the tables show."""

    name: str
    runs: list[Run] = field(default_factory=list)

    def median(self, attribute: str) -> float:
        return float(statistics.median(getattr(r, attribute) for r in self.runs))

    @property
    def peak_mb(self) -> float:
        return max(r.fit_mb for r in self.runs)

    @property
    def total_mb(self) -> float:
        return max(r.total_mb for r in self.runs)


@dataclass
class Bench:
    """Everything one run needs: where the arrays are, how often and how big to measure."""

    context: multiprocessing.context.BaseContext
    data_dir: str
    scale: Scale
    repeats: int
    max_seconds: float
    n_train: int
    fits: list[Measured] = field(default_factory=list)

    def repeat(self, name: str, fn: Callable[..., Run], *args) -> Measured:
        """Measure ``repeats`` times, but only once when the first run took over max_seconds."""
        print(f"measuring {name} ...", file=sys.stderr, flush=True)
        measured = Measured(name, [_fresh(self.context, fn, *args)])
        while len(measured.runs) < self.repeats and measured.runs[0].seconds < self.max_seconds:
            measured.runs.append(_fresh(self.context, fn, *args))
        return measured

    def fit(self, name: str) -> Measured:
        """Measure the fit ``name`` of ``FITS``; every fit is kept for the memory target."""
        measured = self.repeat(name, _fit_in_worker, name, self.data_dir)
        self.fits.append(measured)
        return measured


# ---------------------------------------------------------------- tables


@dataclass
class Table:
    """A titled table; numeric columns name their unit in parentheses."""

    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    note: str = ""

    def text(self) -> str:
        cells = [self.columns, *self.rows]
        widths = [max(len(row[i]) for row in cells) for i in range(len(self.columns))]
        lines = [f"== {self.title} =="]
        lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)

    def markdown(self) -> str:
        lines = [f"### {self.title}", "", "| " + " | ".join(self.columns) + " |"]
        lines.append("|" + "|".join("---" for _ in self.columns) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        if self.note:
            lines += ["", self.note]
        return "\n".join(lines)


@dataclass(frozen=True)
class Target:
    """One target of the issue: what was measured, what was required, met or not."""

    name: str
    measured: str
    required: str
    met: bool | None  # None: not applicable to this dataset

    @property
    def status(self) -> str:
        return "n/a" if self.met is None else ("PASS" if self.met else "MISS")


def _pct(fraction: float) -> str:
    return f"{100 * fraction:.2f}"


def _fit_rows(measured: Sequence[Measured], reference: Measured) -> list[list[str]]:
    """One row per measured fit: seconds, accuracy, ratio to ``reference``, memory."""
    return [
        [
            m.name,
            str(len(m.runs)),
            f"{m.median('seconds'):.3f}",
            _pct(m.median("accuracy")),
            f"{reference.median('seconds') / m.median('seconds'):.1f}",
            f"{m.median('iterations'):g}",
            str(max(r.warnings for r in m.runs)),
            f"{m.peak_mb:.0f}",
            f"{m.total_mb:.0f}",
        ]
        for m in measured
    ]


FIT_COLUMNS = [
    "fit",
    "runs",
    "median fit (s)",
    "test acc (%)",
    "sklearn/this (x)",
    "iterations (n)",
    "convergence warnings (n)",
    "fit peak (MB)",
    "process peak (MB)",
]


def _agreement(ours: Measured, theirs: Measured) -> tuple[float, float]:
    """Correlation of the two weight matrices and max |difference| / max |sklearn weight|."""
    a, b = ours.runs[-1].weights, theirs.runs[-1].weights
    assert a is not None and b is not None and a.shape == b.shape, (ours.name, theirs.name)
    correlation = float(np.corrcoef(a.ravel(), b.ravel())[0, 1])
    return correlation, float(np.abs(a - b).max() / np.abs(b).max())


# ---------------------------------------------------------------- sections


def _machine(loads: Sequence[tuple[float, float, float]]) -> Table:
    cpu = platform.processor() or platform.machine()
    with open("/proc/cpuinfo") as cpuinfo:
        names = [line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")]
    cpu = names[0] if names else cpu
    blas = [
        f"{lib['internal_api']} {lib.get('version')} ({lib.get('architecture')}, "
        f"{lib['num_threads']} threads)"
        for lib in threadpoolctl.threadpool_info()
    ]
    rows = [
        ["CPU", cpu],
        ["cores", f"{os.cpu_count()} ({len(os.sched_getaffinity(0))} usable)"],
        ["Python", platform.python_version()],
        ["numpy / scikit-learn", f"{np.__version__} / {sklearn.__version__}"],
        ["BLAS", "; ".join(blas) or "none found"],
        ["load average 1/5/15 min at start", " ".join(f"{x:.2f}" for x in loads[0])],
        ["load average 1/5/15 min at end", " ".join(f"{x:.2f}" for x in loads[-1])],
    ]
    rows += [[k, os.environ[k]] for k in BLAS_ENV if k in os.environ]
    return Table("machine", ["item", "value"], rows)


def _load_section(bench: Bench, source: str) -> Table:
    table = Table(
        "load from cache",
        ["source", "runs", "median load (s)", "images (n)", "load peak (MB)", "process peak (MB)"],
        note="Peak is the memory the load added (uint8 images and labels); cached sources only.",
    )
    for name in dict.fromkeys([source, "mnist", "fashion-mnist", "embedded"]):
        try:
            m = bench.repeat(name, _load_in_worker, name)
        except NeuronLabError:
            continue  # not in the cache: loading it would mean downloading it
        table.rows.append(
            [
                name,
                str(len(m.runs)),
                f"{m.median('seconds'):.3f}",
                str(m.runs[0].images),
                f"{m.peak_mb:.0f}",
                f"{m.total_mb:.0f}",
            ]
        )
    return table


def _logistic_section(bench: Bench) -> tuple[list[Table], list[Target]]:
    fits = Table(
        "logistic regression (C=0.001)",
        FIT_COLUMNS,
        note="sklearn: LogisticRegression(C=0.001, solver='sag', random_state=0), default "
        "max_iter; OvR wraps it in OneVsRestClassifier. Ours: make_model('logistic', 'module').",
    )
    agreement = Table(
        "logistic regression weights, ours vs sklearn",
        ["task", "correlation (r)", "max rel diff (ratio)", "accuracy diff (pt)"],
        note="max rel diff = max |w_ours - w_sklearn| / max |w_sklearn|, over all weights.",
    )
    targets = []
    for task, label in (("1 vs 8", "binary"), ("OvR", "OvR")):
        theirs, ours = bench.fit(f"sklearn LR {task}"), bench.fit(f"ours LR {task}")
        fits.rows += _fit_rows([theirs, ours], theirs)
        correlation, rel_diff = _agreement(ours, theirs)
        diff = 100 * (ours.median("accuracy") - theirs.median("accuracy"))
        agreement.rows.append([task, f"{correlation:.4f}", f"{rel_diff:.3f}", f"{diff:+.2f}"])
        ratio = theirs.median("seconds") / ours.median("seconds")
        targets.append(
            Target(
                f"logistic {label}: speed, weights, accuracy",
                f"{ratio:.1f}x, r={correlation:.4f}, {diff:+.2f} pt",
                ">=20x, r>=0.99, |diff|<=0.3 pt",
                ratio >= 20 and correlation >= 0.99 and abs(diff) <= 0.3,
            )
        )
    return [fits, agreement], targets


def _mlp_section(bench: Bench) -> tuple[list[Table], list[Target]]:
    sklearn_runs = [bench.fit("sklearn MLP course"), bench.fit(SK_MLP_ONE_THREAD)]
    course, fast = bench.fit("ours MLP course"), bench.fit("ours MLP fast")
    theirs = min(sklearn_runs, key=lambda m: m.median("seconds"))
    default_seconds = sklearn_runs[0].median("seconds")
    table = Table(
        "MLP (course settings: 25 logistic units, alpha=0.1, adam, batch 50, early stopping)",
        FIT_COLUMNS,
        note=f"Ratios and targets are against the faster sklearn fit ({theirs.name}); ours "
        "uses one BLAS thread for its batch products.",
    )
    table.rows = _fit_rows([*sklearn_runs, course, fast], theirs)
    seconds = theirs.median("seconds")
    course_diff = 100 * (course.median("accuracy") - theirs.median("accuracy"))
    fast_diff = 100 * (fast.median("accuracy") - theirs.median("accuracy"))
    course_ratio = seconds / course.median("seconds")
    fast_ratio = seconds / fast.median("seconds")
    targets = [
        Target(
            "MLP course settings: speed, accuracy",
            f"{course_ratio:.1f}x ({default_seconds / course.median('seconds'):.1f}x vs "
            f"default threads), {course_diff:+.2f} pt",
            ">=5x, |diff|<=0.5 pt",
            course_ratio >= 5 and abs(course_diff) <= 0.5,
        ),
        Target(
            "MLP fast preset vs sklearn course: speed, accuracy",
            f"{fast_ratio:.1f}x ({default_seconds / fast.median('seconds'):.1f}x vs "
            f"default threads), {fast_diff:+.2f} pt",
            ">=30x, diff>=0",
            fast_ratio >= 30 and fast_diff >= 0,
        ),
    ]
    return [table], targets


def _sk_sweep_one(hidden: int, X, y, X_test, y_test) -> tuple[float, float]:
    """Fit sklearn's course MLP with ``hidden`` units; return (test accuracy, fit seconds)."""
    model = SkMLPClassifier(**{**COURSE_MLP, "hidden_layer_sizes": (hidden,)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(X, y)
        seconds = time.perf_counter() - start
    return float(model.score(X_test, y_test)), seconds


def _sweep_imports() -> tuple[Callable[..., Any], ...]:
    """Nothing; unpickling it makes a joblib worker import both sweeps' libraries."""
    return SkMLPClassifier, hidden_sweep


def _sweep_section(bench: Bench) -> Table:
    X, y, X_test, y_test = (np.load(Path(bench.data_dir, f"ten_{p}.npy")) for p in PARTS)
    sizes = bench.scale.sweep_sizes
    # start joblib's reusable worker processes first, so neither side pays for them
    Parallel(n_jobs=SWEEP_JOBS)(delayed(_sweep_imports)() for _ in range(SWEEP_JOBS))
    start = time.perf_counter()
    theirs = Parallel(n_jobs=SWEEP_JOBS)(
        delayed(_sk_sweep_one)(h, X, y, X_test, y_test) for h in sizes
    )
    their_wall = time.perf_counter() - start
    start = time.perf_counter()
    ours = hidden_sweep(X, y, X_test, y_test, sizes, seeds=1, n_jobs=SWEEP_JOBS, preset="module")
    our_wall = time.perf_counter() - start
    table = Table(
        f"hidden-units sweep (course settings, joblib n_jobs={SWEEP_JOBS} processes, once)",
        ["hidden", "sklearn acc (%)", "ours acc (%)", "sklearn fit (s)", "ours fit (s)"],
        note=f"Wall time of the whole sweep: sklearn {their_wall:.1f} s, ours {our_wall:.1f} s, "
        f"sklearn/ours {their_wall / our_wall:.1f}x.",
    )
    for hidden, (acc, seconds), result in zip(sizes, theirs, ours, strict=True):
        table.rows.append(
            [
                str(hidden),
                _pct(acc),
                _pct(result.test_accuracy),
                f"{seconds:.2f}",
                f"{result.fit_seconds:.2f}",
            ]
        )
    table.rows.append(["all (wall)", "-", "-", f"{their_wall:.2f}", f"{our_wall:.2f}"])
    return table


def matmul_flops(n: int, threads: int | None = None, tries: int = 8) -> float:
    """Float32 matrix-multiply throughput (FLOP/s): best of ``tries`` n x n products.

    ``threads`` limits the BLAS threads; None uses what BLAS would use anyway.
    """
    rng = np.random.default_rng(0)
    a, b = (rng.random((n, n), dtype=np.float32) for _ in range(2))
    with threadpoolctl.threadpool_limits(threads, "blas"):
        np.matmul(a, b)  # wake the BLAS threads
        best = min(_timed(np.matmul, a, b) for _ in range(tries))
    return 2 * n**3 / best


def _timed(fn: Callable[..., Any], *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def _epoch_section(bench: Bench) -> tuple[Table, list[Target]]:
    n = bench.scale.matmul_n
    one_thread = matmul_flops(n, threads=1)
    # on a busy machine all threads can lose to one; the floor is the best seen
    flops = max(matmul_flops(n), one_thread)
    table = Table(
        f"seconds per epoch at batch {EPOCH_BATCH} vs the machine's floor",
        [
            "fit",
            "runs",
            "s/epoch (s)",
            "GFLOP/epoch (G)",
            "floor (s)",
            "over floor (x)",
            "over 1-thread floor (x)",
        ],
        note=f"Floor = 3 x 2 x N x (784 h + 10 h) FLOP / {flops / 1e9:.1f} GFLOP/s, the best "
        f"float32 {n}x{n} np.matmul of this run, on all cores or on one BLAS thread "
        f"({one_thread / 1e9:.1f} GFLOP/s, what our MLP uses).",
    )
    targets = []
    for hidden in EPOCH_HIDDEN:
        m = bench.fit(f"ours MLP h={hidden} b={EPOCH_BATCH}")
        per_epoch = statistics.median(r.seconds / r.iterations for r in m.runs)
        work = 3 * 2 * bench.n_train * (784 * hidden + hidden * 10)
        floor = work / flops
        table.rows.append(
            [
                m.name,
                str(len(m.runs)),
                f"{per_epoch:.4f}",
                f"{work / 1e9:.2f}",
                f"{floor:.4f}",
                f"{per_epoch / floor:.2f}",
                f"{per_epoch * one_thread / work:.2f}",
            ]
        )
        targets.append(
            Target(
                f"epoch at batch {EPOCH_BATCH}, h={hidden}, vs floor",
                f"{per_epoch / floor:.2f}x",
                "<=4x",
                per_epoch <= 4 * floor,
            )
        )
    return table, targets


def _memory_target(ours: Sequence[Measured], n_train: int) -> Target:
    worst = max(ours, key=lambda m: m.peak_mb)
    return Target(
        f"fit peak memory on {n_train:,} images (ours, worst fit)",
        f"{worst.peak_mb:.0f} MB ({worst.name})",
        f"<{MEMORY_LIMIT_MB:.0f} MB on {FULL_TRAIN:,}",
        worst.peak_mb < MEMORY_LIMIT_MB if n_train >= FULL_TRAIN else None,
    )


# ---------------------------------------------------------------- the run


def _save_tasks(dataset, directory: str) -> None:
    """Write the ten-class and 1-vs-8 arrays that every worker loads."""
    X_train, X_test = dataset.X_train(), dataset.X_test()
    y_train, y_test = dataset.train_labels, dataset.test_labels
    tasks = {
        "ten": (X_train, y_train, X_test, y_test),
        "pair": (*select_classes(X_train, y_train, PAIR), *select_classes(X_test, y_test, PAIR)),
    }
    for task, arrays in tasks.items():
        for part, array in zip(PARTS, arrays, strict=True):
            np.save(Path(directory, f"{task}_{part}.npy"), np.ascontiguousarray(array))


def _forkserver() -> multiprocessing.context.BaseContext:
    """A process context whose children start with the libraries already imported."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(
        ["numpy", "sklearn.linear_model", "sklearn.neural_network", "neuronlab.models"]
    )
    return context


def run(args: argparse.Namespace) -> list[Table]:
    """Measure the selected sections and return the tables, targets last."""
    loads = [os.getloadavg()]
    scale = QUICK if args.quick else FULL
    dataset = load(args.data, progress=False).subset(scale.n_train, scale.n_test)
    sections = args.only or SECTIONS
    tables: list[Table] = []
    targets: list[Target] = []
    with tempfile.TemporaryDirectory(prefix="neuronlab-bench-") as data_dir:
        _save_tasks(dataset, data_dir)
        bench = Bench(
            _forkserver(),
            data_dir,
            scale,
            1 if args.quick else args.repeats,
            args.max_seconds,
            dataset.n_train,
        )
        if "load" in sections:
            tables.append(_load_section(bench, str(args.data)))
        if "logistic" in sections:
            new_tables, new_targets = _logistic_section(bench)
            tables += new_tables
            targets += new_targets
        if "mlp" in sections:
            new_tables, new_targets = _mlp_section(bench)
            tables += new_tables
            targets += new_targets
        if "sweep" in sections:
            tables.append(_sweep_section(bench))
        if "epoch" in sections:
            table, new_targets = _epoch_section(bench)
            tables.append(table)
            targets += new_targets
    ours = [m for m in bench.fits if m.name.startswith("ours") and FITS[m.name][0] == "ten"]
    if ours:
        targets.append(_memory_target(ours, dataset.n_train))
    loads.append(os.getloadavg())
    header = Table(
        "dataset",
        ["item", "value"],
        [
            ["source", str(args.data)],
            ["description", dataset.description],
            ["train / test images", f"{dataset.n_train:,} / {dataset.n_test:,}"],
            ["repeats", f"{bench.repeats} (once when a fit takes over {args.max_seconds:g} s)"],
        ],
    )
    target_table = Table(
        "targets",
        ["target", "measured", "required", "status"],
        [[t.name, t.measured, t.required, t.status] for t in targets],
    )
    return [_machine(loads), header, *tables, *([target_table] if targets else [])]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="mnist, fashion-mnist, embedded or a folder")
    parser.add_argument("--repeats", type=int, default=3, help="fits per measurement (default 3)")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=20.0,
        help="measure a fit only once when its first run takes longer (default 20)",
    )
    parser.add_argument("--only", nargs="+", choices=SECTIONS, help="run only these sections")
    parser.add_argument("--quick", action="store_true", help="tiny subsample, one repeat")
    parser.add_argument("--markdown", type=Path, help="append the results to this markdown file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.repeats < 1:
        _parser().error("--repeats must be at least 1")
    started = datetime.now(timezone.utc)
    try:
        tables = run(args)
    except NeuronLabError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print("\n\n".join(t.text() for t in tables))
    if args.markdown:
        title = f"## {args.data} — {started:%Y-%m-%d %H:%M} UTC"
        with args.markdown.open("a") as out:
            out.write("\n\n".join([title, *(t.markdown() for t in tables)]) + "\n\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
