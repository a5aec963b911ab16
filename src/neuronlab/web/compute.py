"""Everything the API computes with the model and analysis layers.

Training and sweep jobs, the summary every saved model carries, uploads, shift
curves and class means. Models train on the dataset's own train split (only the
two chosen digits for a pair) and are scored on its test split, so the numbers
on the page are honest held-out accuracies.

The routes import this module on first use: scikit-learn and SciPy take a
second or two to import, and the first page should not wait for them.
"""

from __future__ import annotations

import base64
import os
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from neuronlab.analysis import class_means, confusion, hidden_sweep, shift_accuracy
from neuronlab.errors import ModelFileError
from neuronlab.models import EpochInfo, load_model, make_model
from neuronlab.web.jobs import Job, JobCancelled
from neuronlab.web.lab import Lab, Split
from neuronlab.web.schemas import (
    ModelDetail,
    ModelSummary,
    ProgressEvent,
    ShiftCurves,
    ShiftRequest,
    SweepDone,
    SweepRequest,
    SweepResult,
    TrainingDone,
    TrainRequest,
    WeightsEvent,
)

PIXELS = 784
SHIFT_SAMPLE = 2000
CORES = os.cpu_count() or 1
# Hidden weights are ~100 kB of base64: send them twice a second, not every epoch.
WEIGHTS_EVERY_S = 0.5


def b64_float32(array: np.ndarray) -> str:
    """An array as base64 of its little-endian float32 bytes, C order."""
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f4").tobytes()).decode("ascii")


def is_mlp(model: object) -> bool:
    return hasattr(model, "coefs_")


def weight_arrays(model: object) -> list[tuple[str, np.ndarray]]:
    """A model's weight arrays by name, in the order ``/weights?layer=`` counts them."""
    if is_mlp(model):
        layers = []
        for i, (coef, intercept) in enumerate(zip(model.coefs_, model.intercepts_, strict=True)):
            layers += [(f"coefs_{i}", coef), (f"intercepts_{i}", intercept)]
        return layers
    return [("coef", np.atleast_2d(model.coef_)), ("intercept", np.ravel(model.intercept_))]


class ProgressReporter:
    """The estimators' epoch callback: publishes progress and stops when the job is cancelled."""

    def __init__(self, job: Job, max_epochs: int, send_weights: bool) -> None:
        self.job = job
        self.max_epochs = max_epochs
        self.send_weights = send_weights
        self.losses: list[float] = []
        self.validation_scores: list[float] = []
        self._weights_sent_at: float | None = None

    def __call__(self, info: EpochInfo) -> bool:
        self.losses.append(float(info.loss))
        if info.validation_score is not None:
            self.validation_scores.append(float(info.validation_score))
        event = ProgressEvent(
            epoch=info.epoch,
            max_epochs=self.max_epochs,
            loss=info.loss,
            train_score=info.train_score,
            validation_score=info.validation_score,
            elapsed_s=info.elapsed_s,
        )
        self.job.publish("progress", event.model_dump())
        now = time.monotonic()
        if self.send_weights and (
            self._weights_sent_at is None or now - self._weights_sent_at >= WEIGHTS_EVERY_S
        ):
            self._weights_sent_at = now
            coefs0 = info.coefs[0]
            weights = WeightsEvent(
                epoch=info.epoch, shape=list(coefs0.shape), coefs0=b64_float32(coefs0)
            )
            self.job.publish("weights", weights.model_dump())
        return not self.job.cancel_requested


def describe(model: object, lab: Lab, key: str, **facts: Any) -> dict[str, Any]:
    """The saved summary of ``model``: its scores on the lab's splits, updated with ``facts``.

    Without ``facts`` (an uploaded file) the curves are what the model itself kept.
    """
    classes = [int(c) for c in model.classes_]
    train = lab.train.of_classes(classes)
    test = lab.test.of_classes(classes)
    matrix = confusion(test.y, model.predict(test.X), classes).matrix
    fields: dict[str, Any] = {
        "model_key": key,
        "kind": "mlp" if is_mlp(model) else "logistic",
        "preset": "upload",
        "classes": classes,
        "hidden": int(model.coefs_[0].shape[1]) if is_mlp(model) else None,
        "activation": model.activation if is_mlp(model) else None,
        "test_accuracy": float(np.trace(matrix) / max(matrix.sum(), 1)),
        "train_accuracy": float(model.score(train.X, train.y)),
        "fit_seconds": None,
        "epochs": int(np.max(model.n_iter_)) if hasattr(model, "n_iter_") else None,
        "confusion": matrix.tolist(),
        "loss_curve": _floats(getattr(model, "loss_curve_", None)),
        "validation_scores": _floats(getattr(model, "validation_scores_", None)),
        "layers": [{"name": n, "shape": list(np.shape(a))} for n, a in weight_arrays(model)],
    }
    fields.update(facts)
    return ModelDetail(**fields).model_dump()


def _floats(values: object) -> list[float]:
    """A curve the model kept (list, array or None) as plain floats."""
    return [] if values is None else [float(v) for v in np.ravel(values)]


def check_compatible(model: object) -> None:
    """Refuse a model that does not read 28x28 digits into the classes 0..9."""
    first = weight_arrays(model)[0][1]
    n_inputs = first.shape[0] if is_mlp(model) else first.shape[1]
    if n_inputs != PIXELS:
        raise ModelFileError(
            f"This model reads {n_inputs} inputs, not the 784 pixels of a 28x28 digit: "
            "upload a model trained on MNIST-style images."
        )
    classes = np.asarray(model.classes_)
    if classes.dtype.kind not in "iu" or classes.min() < 0 or classes.max() > 9:
        raise ModelFileError(
            f"This model predicts the classes {classes.tolist()}, not digits 0..9: "
            "upload a model trained on MNIST-style labels."
        )


def train(job: Job, lab: Lab, request: TrainRequest, key: str) -> dict[str, Any]:
    """Fit the requested model, streaming progress; save it and return the ``done`` data."""
    model = make_model(
        request.model,
        request.preset,
        multi_class=request.multi_class,
        hidden=request.hidden if request.model == "mlp" else None,
        random_state=request.seed,
    )
    if request.max_epochs is not None:
        model.set_params(max_iter=request.max_epochs)
    reporter = ProgressReporter(job, model.get_params()["max_iter"], request.model == "mlp")
    model.set_params(callback=reporter)
    data = lab.train.of_classes(request.classes)
    start = time.perf_counter()
    model.fit(data.X, data.y)
    fit_seconds = time.perf_counter() - start
    if job.cancel_requested:
        raise JobCancelled
    model.set_params(callback=None)
    ten_class_logistic = request.model == "logistic" and request.classes is None
    summary = describe(
        model,
        lab,
        key,
        preset=request.preset,
        multi_class=request.multi_class if ten_class_logistic else None,
        seed=request.seed if request.model == "mlp" else None,
        fit_seconds=fit_seconds,
        loss_curve=reporter.losses,
        validation_scores=reporter.validation_scores,
    )
    lab.store.save(key, model, summary)
    return TrainingDone(model_key=key, summary=ModelSummary(**summary)).model_dump()


def sweep(job: Job, lab: Lab, request: SweepRequest) -> dict[str, Any]:
    """Train every size, a few at a time so that progress shows and cancel takes effect."""
    train_split: Split = lab.train
    test_split: Split = lab.test
    step = max(1, CORES // request.seeds)
    sizes = list(request.sizes)
    results = []
    start = time.perf_counter()
    for first in range(0, len(sizes), step):
        if job.cancel_requested:
            raise JobCancelled
        chunk = sizes[first : first + step]
        results += hidden_sweep(
            train_split.X,
            train_split.y,
            test_split.X,
            test_split.y,
            sizes=chunk,
            seeds=request.seeds,
            n_jobs=min(CORES, len(chunk) * request.seeds),
            preset=request.preset,
            client=lab.dask_client(),
        )
        done = first + len(chunk)
        progress = ProgressEvent(
            epoch=done,
            max_epochs=len(sizes),
            loss=None,
            train_score=None,
            validation_score=None,
            elapsed_s=time.perf_counter() - start,
        )
        job.publish("progress", progress.model_dump())
    out = [
        SweepResult(
            hidden=r.hidden,
            seed=r.seed,
            train_accuracy=r.train_accuracy,
            test_accuracy=r.test_accuracy,
            fit_seconds=r.fit_seconds,
            epochs=r.epochs,
            shape=list(r.coefs0.shape),
            coefs0=b64_float32(r.coefs0),
        )
        for r in results
    ]
    return SweepDone(results=out).model_dump()


def install_upload(lab: Lab, key: str, filename: str, content: bytes) -> dict[str, Any]:
    """Load an uploaded model file safely, score it on this dataset and save it."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.npz"
        path.write_bytes(content)
        try:
            model = load_model(path)
        except ModelFileError as exc:
            # The loader names the file it read; the user knows it by the name they uploaded.
            raise ModelFileError(str(exc).replace(str(path), filename)) from exc
        except (ValueError, OSError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            raise ModelFileError(
                f"{filename} is not a Neuron Lab model file ({exc}); "
                "upload a .npz saved by the lab."
            ) from exc
    check_compatible(model)
    summary = describe(model, lab, key)
    lab.store.save(key, model, summary)
    return summary


def shift_curves(lab: Lab, models: dict[str, object], request: ShiftRequest) -> ShiftCurves:
    """Test accuracy of each model when every digit moves by each shift (first 2,000 images)."""
    curves, counts = {}, {}
    for key, model in models.items():
        test = lab.test.of_classes([int(c) for c in model.classes_])
        n = min(SHIFT_SAMPLE, len(test.y))
        scores = shift_accuracy(
            model, test.X[:n], test.y[:n], request.shifts, request.axis, request.wrap
        )
        curves[key] = np.asarray(scores, dtype=float).tolist()
        counts[key] = n
    return ShiftCurves(shifts=request.shifts, curves=curves, n_images=counts)


def means(lab: Lab, a: int, b: int | None) -> np.ndarray:
    """Mean training image of ``a`` and of ``b`` (or the rest), as float32 ``(2, 784)``."""

    def compute() -> np.ndarray:
        data = lab.dataset()
        mean_a, mean_b = class_means(data.train_images, data.train_labels, a, b)
        return np.stack([mean_a.ravel(), mean_b.ravel()]).astype(np.float32)

    # At most 10 x 11 pairs of 2 x 784 floats: keep each once, since a class asks for the same few.
    return lab.once(f"means-{a}-{b}", compute)
