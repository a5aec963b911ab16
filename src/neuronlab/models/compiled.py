"""The MLP's compiled epoch kernel: optional, built with the C compiler on first use, cached.

:func:`epoch_kernel` returns a :class:`EpochKernel` that trains one whole epoch in
one call (``_epoch_kernel.c``: the same float32 steps as the NumPy path in
:mod:`neuronlab.models.network`, fused, with scipy's own ``sgemm`` for the matrix
products), or None when it cannot be had: no C compiler, a failed build, or
``NEURONLAB_KERNEL=numpy`` in the environment. The estimators then train with
NumPy, which gives the same networks up to float32 rounding.

Nothing happens at import. The first MLP fit on a machine compiles the kernel
(about half a second) into the user cache; later processes load the cached
library, keyed by the source, the compiler flags and the CPU's features.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import platformdirs

from neuronlab.models.network import F32, SGD, Adam, Layout

DISABLE_ENV = "NEURONLAB_KERNEL"  # "numpy" (or "off", "0") trains with NumPy only
CACHE_ENV = "NEURONLAB_KERNEL_CACHE"  # where the built library is kept
SOURCE = Path(__file__).with_name("_epoch_kernel.c")
# No fused multiply-adds: they would round differently from the NumPy path. Without errno
# from sqrtf the Adam loop vectorises; the values are the same.
FLAGS = ("-O3", "-march=native", "-ffp-contract=off", "-fno-math-errno", "-fPIC", "-shared")
ACTIVATIONS = {"identity": 0, "logistic": 1, "tanh": 2, "relu": 3}

_f32p = ctypes.POINTER(ctypes.c_float)
_i64p = ctypes.POINTER(ctypes.c_int64)
_ARGTYPES = [
    ctypes.c_void_p,  # sgemm
    ctypes.c_int,  # n_layers
    ctypes.POINTER(ctypes.c_int),  # units
    _f32p,  # params
    _f32p,  # grad
    _f32p,  # X
    _f32p,  # T
    _i64p,  # labels
    _i64p,  # order
    ctypes.c_int64,  # n_rows
    ctypes.c_int,  # batch
    ctypes.c_int,  # hidden activation
    ctypes.c_int,  # softmax output
    ctypes.c_double,  # alpha
    ctypes.c_int,  # solver: 0 adam, 1 sgd
    _f32p,  # m (Adam) or velocity (SGD)
    _f32p,  # v (Adam; unused by SGD)
    _i64p,  # Adam's step count
    ctypes.c_double,  # learning rate
    ctypes.c_double,  # beta_1
    ctypes.c_double,  # beta_2
    ctypes.c_double,  # epsilon
    ctypes.c_double,  # momentum
    ctypes.c_int,  # nesterov
    _f32p,  # work
    ctypes.POINTER(ctypes.c_double),  # out: summed loss
    _i64p,  # out: correct predictions
]


def _ptr(array: np.ndarray, kind=_f32p):
    return array.ctypes.data_as(kind)


class EpochKernel:
    """The loaded library and scipy's ``sgemm``: trains one epoch per call."""

    def __init__(self, library: ctypes.CDLL, sgemm: int) -> None:
        self._epoch = library.nl_epoch
        self._epoch.argtypes = _ARGTYPES
        self._epoch.restype = ctypes.c_int
        self._sgemm = sgemm

    @staticmethod
    def supports(activation: str, optimizer: object) -> bool:
        return activation in ACTIVATIONS and isinstance(optimizer, Adam | SGD)

    def work_buffer(self, layout: Layout, batch: int) -> np.ndarray:
        """The scratch the kernel needs for batches of up to ``batch`` rows."""
        per_row = layout.units[0] + layout.units[-1] + 2 * sum(layout.units[1:])
        return np.empty(batch * per_row, dtype=F32)

    def epoch(
        self,
        layout: Layout,
        params: np.ndarray,
        grad: np.ndarray,
        X: np.ndarray,
        targets: np.ndarray,
        labels: np.ndarray,
        order: np.ndarray,
        batch: int,
        activation: str,
        softmax: bool,
        alpha: float,
        optimizer: Adam | SGD,
        work: np.ndarray,
    ) -> tuple[float, int]:
        """Train one epoch over ``X[order]``; returns (summed loss, correct predictions)."""
        for name, array, dtype in (
            ("X", X, F32),
            ("targets", targets, F32),
            ("labels", labels, np.int64),
            ("order", order, np.int64),
        ):
            if array.dtype != dtype or not array.flags.c_contiguous:
                raise ValueError(f"{name} must be C-contiguous {np.dtype(dtype).name}")
        units = (ctypes.c_int * len(layout.units))(*layout.units)
        step = np.zeros(1, dtype=np.int64)
        if isinstance(optimizer, Adam):
            step[0] = optimizer.t
            state = (0, optimizer.m, optimizer.v, optimizer.learning_rate)
            betas = (optimizer.beta_1, optimizer.beta_2, optimizer.epsilon, 0.0, 0)
        else:
            state = (1, optimizer.velocity, optimizer.velocity, optimizer.learning_rate)
            betas = (0.0, 0.0, 0.0, optimizer.momentum, int(optimizer.nesterov))
        solver, m, v, lr = state
        loss = ctypes.c_double()
        correct = ctypes.c_int64()
        status = self._epoch(
            self._sgemm,
            len(layout.units) - 1,
            units,
            _ptr(params),
            _ptr(grad),
            _ptr(X),
            _ptr(targets),
            _ptr(labels, _i64p),
            _ptr(order, _i64p),
            len(order),
            batch,
            ACTIVATIONS[activation],
            int(softmax),
            float(alpha),
            solver,
            _ptr(m),
            _ptr(v),
            _ptr(step, _i64p),
            float(lr),
            *(float(x) for x in betas[:4]),
            betas[4],
            _ptr(work),
            ctypes.byref(loss),
            ctypes.byref(correct),
        )
        if status != 0:
            raise RuntimeError(f"the epoch kernel refused its arguments (status {status})")
        if isinstance(optimizer, Adam):
            optimizer.t = int(step[0])
        return loss.value, correct.value


def epoch_kernel() -> EpochKernel | None:
    """The compiled kernel, or None when it is switched off or cannot be built."""
    if os.environ.get(DISABLE_ENV, "").lower() in ("numpy", "off", "0", "false"):
        return None
    return _load()


@functools.cache
def _load() -> EpochKernel | None:
    try:
        library = ctypes.CDLL(str(_built_library()))
        return EpochKernel(library, _scipy_sgemm())
    except (OSError, subprocess.SubprocessError, AttributeError, KeyError, ValueError):
        return None


def _scipy_sgemm() -> int:
    """The address of scipy's BLAS ``sgemm`` (the one threadpoolctl limits with the rest)."""
    from scipy.linalg import cython_blas

    capsule = cython_blas.__pyx_capi__["sgemm"]
    api = ctypes.pythonapi
    api.PyCapsule_GetName.restype = ctypes.c_char_p
    api.PyCapsule_GetName.argtypes = [ctypes.py_object]
    api.PyCapsule_GetPointer.restype = ctypes.c_void_p
    api.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
    address = api.PyCapsule_GetPointer(capsule, api.PyCapsule_GetName(capsule))
    if not address:
        raise ValueError("scipy's sgemm has no address")
    return address


def _cpu_features() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            return next((line for line in cpuinfo if line.startswith("flags")), "")
    except OSError:
        return platform.processor()


def _built_library() -> Path:
    """The cached shared library, compiled first when this source/machine has none."""
    source = SOURCE.read_bytes()
    key = hashlib.sha256(
        source + " ".join(FLAGS).encode() + platform.machine().encode() + _cpu_features().encode()
    ).hexdigest()[:16]
    folder = Path(os.environ.get(CACHE_ENV) or platformdirs.user_cache_dir("neuronlab"))
    target = folder / "kernels" / f"epoch-{key}.so"
    if target.exists():
        return target
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        raise OSError("no C compiler")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Build beside the target and rename: processes that compile at once never see half a file.
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        built = Path(scratch) / target.name
        subprocess.run(
            [compiler, *FLAGS, str(SOURCE), "-o", str(built), "-lm"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        os.replace(built, target)
    return target
