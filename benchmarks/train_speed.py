"""Fit time, accuracy and memory of Neuron Lab's models against scikit-learn, in one run.

    python benchmarks/train_speed.py --data SOURCE [--repeats N] [--only SECTION ...]
                                     [--quick] [--markdown FILE]

SOURCE is anything ``neuronlab.data.load`` accepts: ``mnist``, ``fashion-mnist``,
``embedded`` or a folder of IDX files. Models train on the dataset's training
split and are scored on its test split; the two-class task keeps digits 1 and 8.

Two anchors: scikit-learn as the course runs it (``sag``, default BLAS threads),
and scikit-learn at its fastest setting here, chosen by measurement in the same run
(solver and BLAS threads); PyTorch (CPU) runs the same MLP where it is installed.
Measurements are interleaved (A B C A B C ...) and the tables give medians with
their min and max.

Every fit runs in a fresh worker process, forked from a server that has only
imported the libraries, so no fit inherits another's heap or caches. The worker
loads its arrays and first warms up with a small fit of the same model (BLAS
thread pools, lazy imports; reported apart as "warm-up"), then resets the kernel's
peak-RSS mark (``/proc/self/clear_refs``) and reports ``VmHWM - VmRSS`` around
``fit``: every page the fit touched, NumPy arrays, BLAS buffers and Python objects
alike. tracemalloc would see only the allocations that go through Python's hooks.
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
from torch_mlp import TorchMLP
from torch_mlp import available as torch_available

from neuronlab.analysis import hidden_sweep
from neuronlab.data import load, select_classes
from neuronlab.errors import NeuronLabError
from neuronlab.models import MLPClassifier, make_model
from neuronlab.models.compiled import epoch_kernel

SECTIONS = ("load", "logistic", "mlp", "accuracy", "sweep", "epoch")
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
# The fixed floor: one core of this machine's AMD EPYC at its nominal 2.445 GHz, with two
# 256-bit FMA units of 8 float32 lanes and 2 FLOP per fused multiply-add.
PEAK_CLOCK_HZ = 2.445e9
PEAK_FLOPS_PER_CORE = PEAK_CLOCK_HZ * 2 * 8 * 2  # 78.2 GFLOP/s
# Targets of issue 14, against scikit-learn at its fastest setting measured here.
TARGET_PAIR, TARGET_OVR, TARGET_COURSE, TARGET_FAST = 3.0, 4.0, 3.0, 40.0
SWEEP_FIRST_S, SWEEP_ALL_S, SWEEP_IMAGES = 3.0, 25.0, 8_000
REPO = Path(__file__).resolve().parents[1]
# The datasets the fast preset must match scikit-learn's course MLP on (section "accuracy").
ACCURACY_SOURCES = (
    ("MNIST test set, 8k/2k", REPO.parent / "shared" / "data" / "mnist"),
    ("Fashion-MNIST", Path("/usr/share/datasets/fashion-mnist")),
    ("embedded", "embedded"),
)


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


@dataclass(frozen=True)
class Fit:
    """A fit the workers know by name: its task, how to make the model, its BLAS threads."""

    task: str  # "pair" (1 vs 8) or "ten" (all digits)
    make: Callable[[], Any]
    threads: int | None  # BLAS threads; None leaves the library's default (all cores)


def _sk_logistic(solver: str) -> SkLogisticRegression:
    """scikit-learn at the course's C; random_state fixes sag's order, as the course did."""
    return SkLogisticRegression(C=COURSE_C, solver=solver, random_state=0)


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


def _torch_mlp(preset: str, threads: int, hidden: int = 25, epochs: int | None = None):
    """The same network in PyTorch: the course's settings, the fast preset's, or fixed epochs."""
    if epochs is not None:
        settings = dict(batch_size=EPOCH_BATCH, early_stopping=False, tol=0.0, max_iter=epochs)
        settings["n_iter_no_change"] = epochs + 1
    elif preset == "fast":
        fast = make_model("mlp", "fast")
        settings = dict(
            alpha=fast.alpha,
            batch_size=fast.batch_size,
            learning_rate_init=fast.learning_rate_init,
            early_stopping=False,
            tol=fast.tol,
            n_iter_no_change=fast.n_iter_no_change,
            max_iter=fast.max_iter,
        )
    else:
        settings = {}
    return TorchMLP(hidden=hidden, threads=threads, **settings)


TASK_LABEL = {"pair": "1 vs 8", "ten": "OvR"}
LR_SOLVERS = {"pair": ("sag", "lbfgs", "newton-cholesky"), "ten": ("sag", "lbfgs")}
THREADS = {1: "1 thread", None: "default threads"}


def _sk_lr_name(task: str, solver: str, threads: int | None) -> str:
    return f"sklearn LR {TASK_LABEL[task]} {solver}, {THREADS[threads]}"


def _sk_lr_fit(task: str, solver: str, threads: int | None) -> Fit:
    if task == "pair":
        return Fit(task, partial(_sk_logistic, solver), threads)
    return Fit(task, lambda: OneVsRestClassifier(_sk_logistic(solver)), threads)


SK_COURSE_LR = {task: _sk_lr_name(task, "sag", None) for task in TASK_LABEL}
SK_COURSE_MLP = "sklearn MLP course, default threads"
TORCH_MLP = ("PyTorch MLP course, 1 thread", "PyTorch MLP course, 2 threads")
TORCH_FAST = "PyTorch MLP fast, 1 thread"
# name -> Fit. Workers receive names, so factories never cross processes.
FITS: dict[str, Fit] = {
    **{
        _sk_lr_name(task, solver, threads): _sk_lr_fit(task, solver, threads)
        for task, solvers in LR_SOLVERS.items()
        for solver in solvers
        for threads in THREADS
    },
    "ours LR 1 vs 8": Fit("pair", lambda: make_model("logistic", "module"), None),
    "ours LR OvR": Fit("ten", lambda: make_model("logistic", "module", multi_class="ovr"), None),
    SK_COURSE_MLP: Fit("ten", lambda: SkMLPClassifier(**COURSE_MLP), None),
    "sklearn MLP course, 1 thread": Fit("ten", lambda: SkMLPClassifier(**COURSE_MLP), 1),
    TORCH_MLP[0]: Fit("ten", partial(_torch_mlp, "module", 1), None),
    TORCH_MLP[1]: Fit("ten", partial(_torch_mlp, "module", 2), None),
    "ours MLP course": Fit("ten", lambda: MLPClassifier(**COURSE_MLP), None),
    "ours MLP fast": Fit("ten", lambda: make_model("mlp", "fast"), None),
    TORCH_FAST: Fit("ten", partial(_torch_mlp, "fast", 1), None),
    **{
        f"ours MLP h={h} b={EPOCH_BATCH}": Fit("ten", partial(_epoch_mlp, h), None)
        for h in EPOCH_HIDDEN
    },
    **{
        f"PyTorch MLP h={h} b={EPOCH_BATCH}, 1 thread": Fit(
            "ten", partial(_torch_mlp, "module", 1, h, EPOCHS), None
        )
        for h in EPOCH_HIDDEN
    },
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
    warmup_seconds: float = float("nan")
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


def _warm_up(fit: Fit, X: np.ndarray, y: np.ndarray) -> float:
    """Start what a process starts once (BLAS thread pools, lazy imports, our cached kernel)
    with a small fit of the same model; returns its seconds, reported apart from the fit."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit.make().fit(X[:300], y[:300])
    return time.perf_counter() - start


def _fit_in_worker(name: str, data_dir: str) -> Run:
    """Load one task's arrays, warm up, then fit the named model once and measure it."""
    fit = FITS[name]
    X_train, y_train, X_test, y_test = (
        np.load(Path(data_dir, f"{fit.task}_{p}.npy")) for p in PARTS
    )
    with threadpoolctl.threadpool_limits(fit.threads, "blas"):
        warmup = _warm_up(fit, X_train, y_train)
    model = fit.make()
    baseline = _proc_status_kb("VmRSS")
    _reset_peak_rss()
    limits = threadpoolctl.threadpool_limits(fit.threads, "blas")
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
        warmup_seconds=warmup,
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

    def low(self) -> float:
        return min(r.seconds for r in self.runs)

    def high(self) -> float:
        return max(r.seconds for r in self.runs)

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
    fits: dict[str, Measured] = field(default_factory=dict)

    def repeat(self, name: str, fn: Callable[..., Run], *args) -> Measured:
        """Measure ``repeats`` times, but only once when the first run took over max_seconds."""
        print(f"measuring {name} ...", file=sys.stderr, flush=True)
        measured = Measured(name, [_fresh(self.context, fn, *args)])
        while len(measured.runs) < self.repeats and measured.runs[0].seconds < self.max_seconds:
            measured.runs.append(_fresh(self.context, fn, *args))
        return measured

    def measure_once(self, name: str) -> Measured:
        """One more fresh-process run of the fit ``name`` (kept for the tables and targets)."""
        print(
            f"measuring {name} (run {len(self.fits.get(name, Measured(name)).runs) + 1}) ...",
            file=sys.stderr,
            flush=True,
        )
        measured = self.fits.setdefault(name, Measured(name))
        measured.runs.append(_fresh(self.context, _fit_in_worker, name, self.data_dir))
        return measured

    def interleaved(self, names: Sequence[str], rounds: int | None = None) -> None:
        """Rounds of A B C A B C ...: every name once per round, until each has ``repeats``
        runs (a fit whose first run took over max_seconds is measured once)."""
        for _ in range(self.repeats if rounds is None else rounds):
            for name in names:
                m = self.fits.get(name)
                if m is not None and (
                    len(m.runs) >= self.repeats or m.runs[0].seconds > self.max_seconds
                ):
                    continue
                self.measure_once(name)


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


FIT_COLUMNS = [
    "fit",
    "runs",
    "median fit (s)",
    "min (s)",
    "max (s)",
    "warm-up (s)",
    "test acc (%)",
    "vs course (x)",
    "vs best (x)",
    "iterations (n)",
    "convergence warnings (n)",
    "fit peak (MB)",
    "process peak (MB)",
]


def _fit_rows(measured: Sequence[Measured], course: Measured, best: Measured) -> list[list[str]]:
    """One row per fit: median and spread of the seconds, accuracy, ratios to both anchors."""
    return [
        [
            m.name,
            str(len(m.runs)),
            f"{m.median('seconds'):.3f}",
            f"{m.low():.3f}",
            f"{m.high():.3f}",
            f"{m.median('warmup_seconds'):.3f}",
            _pct(m.median("accuracy")),
            f"{course.median('seconds') / m.median('seconds'):.2f}",
            f"{best.median('seconds') / m.median('seconds'):.2f}",
            f"{m.median('iterations'):g}",
            str(max(r.warnings for r in m.runs)),
            f"{m.peak_mb:.0f}",
            f"{m.total_mb:.0f}",
        ]
        for m in measured
    ]


def _agreement(ours: Measured, theirs: Measured) -> tuple[float, float]:
    """Correlation of the two weight matrices and max |difference| / max |sklearn weight|."""
    a, b = ours.runs[-1].weights, theirs.runs[-1].weights
    assert a is not None and b is not None and a.shape == b.shape, (ours.name, theirs.name)
    correlation = float(np.corrcoef(a.ravel(), b.ravel())[0, 1])
    return correlation, float(np.abs(a - b).max() / np.abs(b).max())


def _fastest(bench: Bench, names: Sequence[str]) -> Measured:
    return min((bench.fits[n] for n in names), key=lambda m: m.median("seconds"))


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
    kernel = epoch_kernel()
    rows = [
        ["CPU", cpu],
        ["cores", f"{os.cpu_count()} ({len(os.sched_getaffinity(0))} usable)"],
        ["Python", platform.python_version()],
        ["numpy / scikit-learn", f"{np.__version__} / {sklearn.__version__}"],
        ["PyTorch", _torch_version()],
        ["our MLP epoch kernel", "compiled (C, scipy's sgemm)" if kernel else "NumPy"],
        ["BLAS", "; ".join(blas) or "none found"],
        ["load average 1/5/15 min at start", " ".join(f"{x:.2f}" for x in loads[0])],
        ["load average 1/5/15 min at end", " ".join(f"{x:.2f}" for x in loads[-1])],
    ]
    rows += [[k, os.environ[k]] for k in BLAS_ENV if k in os.environ]
    return Table("machine", ["item", "value"], rows)


def _torch_version() -> str:
    if not torch_available():
        return "not installed"
    import torch

    return torch.__version__


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
        note="sklearn: LogisticRegression(C=0.001, solver=..., random_state=0), default max_iter; "
        "OvR wraps it in OneVsRestClassifier. The course ran sag with default threads ('vs "
        "course'); 'vs best' divides by the fastest sklearn setting measured in this run. "
        "Ours: make_model('logistic', 'module'). Round 1 measures every setting once; later "
        "rounds alternate course, best and ours.",
    )
    agreement = Table(
        "logistic regression weights, ours vs sklearn",
        ["task", "correlation (r)", "max rel diff (ratio)", "accuracy diff (pt)"],
        note="Against the course's sag fit. max rel diff = max |w_ours - w_sklearn| / "
        "max |w_sklearn|, over all weights.",
    )
    targets = []
    for task, label, required in (("pair", "1 vs 8", TARGET_PAIR), ("ten", "OvR", TARGET_OVR)):
        ours = f"ours LR {label}"
        candidates = [_sk_lr_name(task, s, t) for s in LR_SOLVERS[task] for t in THREADS]
        bench.interleaved([*candidates, ours], rounds=1)
        best = _fastest(bench, candidates)
        course = bench.fits[SK_COURSE_LR[task]]
        bench.interleaved(list(dict.fromkeys([course.name, best.name, ours])))
        mine = bench.fits[ours]
        fits.rows += _fit_rows([*(bench.fits[c] for c in candidates), mine], course, best)
        correlation, rel_diff = _agreement(mine, course)
        diff = 100 * (mine.median("accuracy") - course.median("accuracy"))
        agreement.rows.append([label, f"{correlation:.4f}", f"{rel_diff:.3f}", f"{diff:+.2f}"])
        ratio = best.median("seconds") / mine.median("seconds")
        course_ratio = course.median("seconds") / mine.median("seconds")
        best_diff = 100 * (mine.median("accuracy") - best.median("accuracy"))
        targets.append(
            Target(
                f"logistic {label}: vs sklearn best ({best.name.split(label + ' ')[1]})",
                f"{ratio:.2f}x (course anchor {course_ratio:.1f}x), r={correlation:.4f}, "
                f"{best_diff:+.2f} pt",
                f">={required:g}x, r>=0.99, |diff|<=0.3 pt",
                ratio >= required and correlation >= 0.99 and abs(best_diff) <= 0.3,
            )
        )
    return [fits, agreement], targets


def _mlp_section(bench: Bench) -> tuple[list[Table], list[Target]]:
    sklearn_names = [SK_COURSE_MLP, "sklearn MLP course, 1 thread"]
    torch_names = [*TORCH_MLP, TORCH_FAST] if torch_available() else []
    ours = ["ours MLP course", "ours MLP fast"]
    bench.interleaved([*sklearn_names, *ours, *torch_names], rounds=1)
    best = _fastest(bench, sklearn_names)
    course = bench.fits[SK_COURSE_MLP]
    bench.interleaved(list(dict.fromkeys([course.name, best.name, *ours, *torch_names])))
    table = Table(
        "MLP (course settings: 25 logistic units, alpha=0.1, adam, batch 50, early stopping)",
        FIT_COLUMNS,
        note=f"'vs course' divides by sklearn as the course runs it ({course.name}); 'vs best' "
        f"by the faster sklearn setting ({best.name}). Ours uses one BLAS thread. PyTorch: the "
        "same network, objective, Adam settings and stopping rule (benchmarks/torch_mlp.py); "
        "'fast' uses the fast preset's settings.",
    )
    table.rows = _fit_rows(
        [bench.fits[n] for n in [*sklearn_names, *ours, *torch_names]], course, best
    )
    mine, fast = bench.fits["ours MLP course"], bench.fits["ours MLP fast"]
    seconds = best.median("seconds")
    course_diff = 100 * (mine.median("accuracy") - best.median("accuracy"))
    fast_diff = 100 * (fast.median("accuracy") - best.median("accuracy"))
    course_ratio, fast_ratio = seconds / mine.median("seconds"), seconds / fast.median("seconds")
    anchor = course.median("seconds")
    targets = [
        Target(
            "MLP course settings: vs sklearn best",
            f"{course_ratio:.2f}x (course anchor {anchor / mine.median('seconds'):.1f}x), "
            f"{course_diff:+.2f} pt",
            f">={TARGET_COURSE:g}x, |diff|<=0.5 pt",
            course_ratio >= TARGET_COURSE and abs(course_diff) <= 0.5,
        ),
        Target(
            "MLP fast preset vs sklearn best course",
            f"{fast_ratio:.1f}x (course anchor {anchor / fast.median('seconds'):.1f}x), "
            f"{fast_diff:+.2f} pt",
            f">={TARGET_FAST:g}x, diff>=0",
            fast_ratio >= TARGET_FAST and fast_diff >= 0,
        ),
    ]
    return [table], targets


def _accuracy_one(source: Any, scale: Scale) -> tuple[str, int, float, float, int, int] | None:
    """sklearn's course MLP and our fast preset on one dataset: (description, n, accuracies,
    epochs), or None when the dataset is not here."""
    try:
        dataset = load(source, download=False, progress=False).subset(scale.n_train, scale.n_test)
    except (NeuronLabError, OSError):
        return None
    X, y, X_test, y_test = (
        dataset.X_train(),
        dataset.train_labels,
        dataset.X_test(),
        dataset.test_labels,
    )
    with threadpoolctl.threadpool_limits(1, "blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = SkMLPClassifier(**COURSE_MLP).fit(X, y)
    fast = make_model("mlp", "fast").fit(X, y)
    return (
        dataset.description,
        dataset.n_train,
        theirs.score(X_test, y_test),
        fast.score(X_test, y_test),
        int(theirs.n_iter_),
        int(fast.n_iter_),
    )


def _accuracy_section(bench: Bench) -> tuple[Table, list[Target]]:
    table = Table(
        "fast preset vs sklearn's course MLP, every dataset",
        [
            "dataset",
            "train (n)",
            "sklearn course acc (%)",
            "ours fast acc (%)",
            "margin (pt)",
            "sklearn epochs (n)",
            "fast epochs (n)",
        ],
        note="Each fit once (both are seeded, so repeats give the same networks); the test set "
        "of each dataset. The MNIST row trains on the first 8,000 digits of the MNIST test set "
        "and scores the last 2,000.",
    )
    margins = []
    for label, source in ACCURACY_SOURCES:
        print(f"accuracy on {label} ...", file=sys.stderr, flush=True)
        found = _accuracy_one(source, bench.scale)
        if found is None:
            continue
        _, n, theirs, fast, their_epochs, fast_epochs = found
        margins.append((label, 100 * (fast - theirs)))
        table.rows.append(
            [
                label,
                str(n),
                _pct(theirs),
                _pct(fast),
                f"{100 * (fast - theirs):+.2f}",
                str(their_epochs),
                str(fast_epochs),
            ]
        )
    worst = min(margins, key=lambda m: m[1]) if margins else ("none", float("nan"))
    target = Target(
        "MLP fast preset accuracy on every dataset",
        f"worst margin {worst[1]:+.2f} pt ({worst[0]}), {len(margins)} datasets",
        ">=0 pt on each",
        # judged on full datasets only: a --quick run trains on 1,000 images
        (bool(margins) and all(m >= 0 for _, m in margins)) if bench.scale is FULL else None,
    )
    return table, [target]


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


def _sweep_section(bench: Bench) -> tuple[Table, list[Target]]:
    X, y, X_test, y_test = (np.load(Path(bench.data_dir, f"ten_{p}.npy")) for p in PARTS)
    sizes = bench.scale.sweep_sizes
    # start joblib's reusable worker processes first, so neither side pays for them
    Parallel(n_jobs=SWEEP_JOBS)(delayed(_sweep_imports)() for _ in range(SWEEP_JOBS))
    start = time.perf_counter()
    theirs = Parallel(n_jobs=SWEEP_JOBS)(
        delayed(_sk_sweep_one)(h, X, y, X_test, y_test) for h in sizes
    )
    their_wall = time.perf_counter() - start
    arrived: dict[int, float] = {}
    start = time.perf_counter()
    ours = hidden_sweep(
        X,
        y,
        X_test,
        y_test,
        sizes,
        seeds=1,
        n_jobs=SWEEP_JOBS,
        preset="module",
        on_result=lambda r: arrived.setdefault(r.hidden, time.perf_counter() - start),
    )
    our_wall = time.perf_counter() - start
    first = min(arrived.values())
    table = Table(
        f"hidden-units sweep (course settings, joblib n_jobs={SWEEP_JOBS} processes, once)",
        [
            "hidden",
            "sklearn acc (%)",
            "ours acc (%)",
            "sklearn fit (s)",
            "ours fit (s)",
            "ours shown at (s)",
        ],
        note=f"Wall time of the whole sweep: sklearn {their_wall:.1f} s, ours {our_wall:.1f} s, "
        f"sklearn/ours {their_wall / our_wall:.1f}x. Ours streams each result as it finishes "
        f"(hidden_sweep's on_result), largest networks first: the first came after "
        f"{first:.1f} s. 'shown at' counts from the start of our sweep.",
    )
    for hidden, (acc, seconds), result in zip(sizes, theirs, ours, strict=True):
        table.rows.append(
            [
                str(hidden),
                _pct(acc),
                _pct(result.test_accuracy),
                f"{seconds:.2f}",
                f"{result.fit_seconds:.2f}",
                f"{arrived[hidden]:.2f}",
            ]
        )
    table.rows.append(
        ["all (wall)", "-", "-", f"{their_wall:.2f}", f"{our_wall:.2f}", f"{our_wall:.2f}"]
    )
    applies = bench.n_train == SWEEP_IMAGES and sizes == SWEEP_SIZES
    target = Target(
        f"sweep of {len(sizes)} sizes on {bench.n_train:,} images: first result, all",
        f"{first:.1f} s, {our_wall:.1f} s",
        f"<={SWEEP_FIRST_S:g} s, <={SWEEP_ALL_S:g} s on {SWEEP_IMAGES:,} images",
        (first <= SWEEP_FIRST_S and our_wall <= SWEEP_ALL_S) if applies else None,
    )
    return table, [target]


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


def executed_flops(n: int, hidden: int, n_in: int = 784, n_out: int = 10) -> float:
    """FLOP of one epoch's matrix products as the network executes them.

    Forward ``2 n (n_in h + h n_out)``, the weight gradients as much again, and the input
    gradient of the output layer only (``2 n h n_out``): the first layer's input gradient
    is never needed, so neither we nor scikit-learn compute it.
    """
    layer = n_in * hidden + hidden * n_out
    return 2 * n * (2 * layer + hidden * n_out)


def _epoch_section(bench: Bench) -> tuple[Table, list[Target]]:
    one_thread = matmul_flops(bench.scale.matmul_n, threads=1)
    names = [f"ours MLP h={h} b={EPOCH_BATCH}" for h in EPOCH_HIDDEN]
    if torch_available():
        names += [f"PyTorch MLP h={h} b={EPOCH_BATCH}, 1 thread" for h in EPOCH_HIDDEN]
    bench.interleaved(names)
    table = Table(
        f"seconds per epoch at batch {EPOCH_BATCH} vs the floor",
        [
            "fit",
            "runs",
            "s/epoch (s)",
            "min (s)",
            "max (s)",
            "GFLOP executed (G)",
            "floor at fixed peak (s)",
            "over fixed floor (x)",
            "floor at measured matmul (s)",
            "over measured floor (x)",
        ],
        note=f"FLOP executed = 2 N (2 (784 h + 10 h) + 10 h): forward, weight gradients and the "
        f"output layer's input gradient (the first layer needs none). Fixed peak: "
        f"{PEAK_FLOPS_PER_CORE / 1e9:.1f} GFLOP/s, one core at its nominal "
        f"{PEAK_CLOCK_HZ / 1e9:.3f} GHz x 2 FMA units x 8 float32 lanes x 2 FLOP. Measured: "
        f"the best float32 {bench.scale.matmul_n}-square np.matmul on one BLAS thread in this "
        f"run, {one_thread / 1e9:.1f} GFLOP/s. Every fit here uses one thread.",
    )
    targets = []
    for name in names:
        m = bench.fits[name]
        hidden = int(name.split("h=")[1].split()[0])
        per_epoch = [r.seconds / r.iterations for r in m.runs]
        median = statistics.median(per_epoch)
        work = executed_flops(bench.n_train, hidden)
        fixed, measured = work / PEAK_FLOPS_PER_CORE, work / one_thread
        table.rows.append(
            [
                name,
                str(len(m.runs)),
                f"{median:.4f}",
                f"{min(per_epoch):.4f}",
                f"{max(per_epoch):.4f}",
                f"{work / 1e9:.2f}",
                f"{fixed:.4f}",
                f"{median / fixed:.2f}",
                f"{measured:.4f}",
                f"{median / measured:.2f}",
            ]
        )
        if name.startswith("ours"):
            targets.append(
                Target(
                    f"epoch at batch {EPOCH_BATCH}, h={hidden}, vs fixed floor",
                    f"{median / fixed:.2f}x ({median / measured:.2f}x measured floor)",
                    "<=4x",
                    median <= 4 * fixed,
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
    preload = ["numpy", "sklearn.linear_model", "sklearn.neural_network", "neuronlab.models"]
    context.set_forkserver_preload(preload + (["torch"] if torch_available() else []))
    return context


def run(args: argparse.Namespace) -> list[Table]:
    """Measure the selected sections and return the tables, targets last."""
    loads = [os.getloadavg()]
    scale = QUICK if args.quick else FULL
    dataset = load(args.data, progress=False).subset(scale.n_train, scale.n_test)
    sections = args.only or SECTIONS
    tables: list[Table] = []
    targets: list[Target] = []
    epoch_kernel()  # build (or load) our compiled kernel once, before anything is timed
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
        for name, section in (
            ("logistic", _logistic_section),
            ("mlp", _mlp_section),
        ):
            if name in sections:
                new_tables, new_targets = section(bench)
                tables += new_tables
                targets += new_targets
        for name, section in (
            ("accuracy", _accuracy_section),
            ("sweep", _sweep_section),
            ("epoch", _epoch_section),
        ):
            if name in sections:
                table, new_targets = section(bench)
                tables.append(table)
                targets += new_targets
    ours = [m for n, m in bench.fits.items() if n.startswith("ours") and FITS[n].task == "ten"]
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
            [
                "repeats",
                f"{bench.repeats}, interleaved (once when a fit takes over {args.max_seconds:g} s)",
            ],
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
        default=30.0,
        help="measure a fit only once when its first run takes longer (default 30)",
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
