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
import re
import time
from typing import Any

import numpy as np

from neuronlab import settings as knobs
from neuronlab.analysis import class_means, confusion, hidden_sweep, shift_accuracy
from neuronlab.errors import ModelFileError
from neuronlab.models import EpochInfo
from neuronlab.models.history import best_epoch, epochs_trained
from neuronlab.training import augmented, build_model, first_n, train_more
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
# Live weights go out after every epoch, so the page can show them form, unless a run is
# both fast and large: at most 20 events a second and about 4 MB of base64 a second
# (a 784 x 25 layer is 105 kB: 20 a second; 784 x 400 is 1.7 MB: one every 0.4 s).
WEIGHTS_MIN_INTERVAL_S = 0.05
WEIGHTS_BYTES_PER_S = 4 * 2**20


def b64_float32(array: np.ndarray) -> str:
    """An array as base64 of its little-endian float32 bytes, C order."""
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f4").tobytes()).decode("ascii")


def is_mlp(model: object) -> bool:
    """A network with dense layers: the MLP, and the CNN too (its layers after the filters)."""
    return hasattr(model, "coefs_")


def is_cnn(model: object) -> bool:
    return hasattr(model, "filters_")


def kind_of(model: object) -> str:
    return "cnn" if is_cnn(model) else "mlp" if is_mlp(model) else "logistic"


def weight_arrays(model: object, epoch: int | None = None) -> list[tuple[str, np.ndarray]]:
    """A model's weight arrays by name, in the order ``/weights?layer=`` counts them.

    The CNN's come first as ``filters`` ``(F, k, k)`` and ``filter_bias`` ``(F,)``, then
    its dense layers as the MLP's. With ``epoch``, the network's arrays as they were after
    that epoch (from its history): ``NoHistory`` when it has none, ``EpochNotHeld`` when
    that epoch was not kept.
    """
    if is_mlp(model):
        coefs, intercepts = model.coefs_, model.intercepts_
        if is_cnn(model):
            coefs, intercepts = [model.filters_, *coefs], [model.filter_bias_, *intercepts]
        if epoch is not None:
            coefs, intercepts = _weights_after(model, epoch)
        names = [(f"coefs_{i}", f"intercepts_{i}") for i in range(len(coefs))]
        if is_cnn(model):  # the history's layer 0 is the filters, as here
            names = [("filters", "filter_bias")] + names[:-1]
        layers = []
        for (w, b), coef, intercept in zip(names, coefs, intercepts, strict=True):
            layers += [(w, coef), (b, intercept)]
        return layers
    if epoch is not None:
        raise NoHistory(
            "This logistic regression keeps no training history; omit epoch for its weights"
        )
    return [("coef", np.atleast_2d(model.coef_)), ("intercept", np.ravel(model.intercept_))]


class NoHistory(LookupError):
    """The model kept no weights per epoch (sklearn uploads, logistic regression, old files)."""


class EpochNotHeld(LookupError):
    """The model's history does not hold the asked epoch; the message lists what it holds."""


def _weights_after(model: object, epoch: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    history = getattr(model, "history_", None)
    if history is None:
        raise NoHistory(
            "This model has no training history (it was not trained by the lab, or before "
            "the lab kept one); omit epoch for its final weights"
        )
    try:
        return history.weights(epoch)
    except KeyError:
        raise EpochNotHeld(
            f"epoch must be one of the {len(history.epochs)} epochs this model holds "
            f"({history.describe_held()}), got {epoch}"
        ) from None


class ProgressReporter:
    """The estimators' epoch callback: publishes progress and stops when the job is cancelled."""

    def __init__(self, job: Job, max_epochs: int, send_weights: bool) -> None:
        # weights events carry info.coefs[0]: the MLP's (784, h), or the CNN's filters
        self.job = job
        self.max_epochs = max_epochs
        self.send_weights = send_weights
        self.losses: list[float] = []
        self.validation_scores: list[float] = []
        self._weights_sent_at: float | None = None
        self._weights_interval = WEIGHTS_MIN_INTERVAL_S

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
            self._weights_sent_at is None or now - self._weights_sent_at >= self._weights_interval
        ):
            self._weights_sent_at = now
            coefs0 = info.coefs[0]
            encoded = b64_float32(coefs0)
            self._weights_interval = max(WEIGHTS_MIN_INTERVAL_S, len(encoded) / WEIGHTS_BYTES_PER_S)
            weights = WeightsEvent(epoch=info.epoch, shape=list(coefs0.shape), coefs0=encoded)
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
        "kind": kind_of(model),
        "preset": "upload",
        "classes": classes,
        "hidden": _hidden_units(model),
        "activation": model.activation if kind_of(model) == "mlp" else None,
        "test_accuracy": float(np.trace(matrix) / max(matrix.sum(), 1)),
        "train_accuracy": float(model.score(train.X, train.y)),
        "fit_seconds": None,
        "epochs": epochs_trained(model) if hasattr(model, "n_iter_") else None,
        "confusion": matrix.tolist(),
        "loss_curve": _floats(getattr(model, "loss_curve_", None)),
        "validation_scores": _floats(getattr(model, "validation_scores_", None)),
        "layers": [{"name": n, "shape": list(np.shape(a))} for n, a in weight_arrays(model)],
        "settings": knobs.effective(model),
        **history_fields(model),
    }
    fields.update(facts)
    return ModelDetail(**fields).model_dump()


def _hidden_units(model: object) -> int | None:
    """The MLP's hidden units; the CNN's dense hidden layer (None when it has none)."""
    if not is_mlp(model):
        return None
    if is_cnn(model):
        return int(model.coefs_[0].shape[1]) if len(model.coefs_) > 1 else None
    return int(model.coefs_[0].shape[1])


def history_fields(model: object) -> dict[str, Any]:
    """The summary's view of the time machine: kept epochs, per-epoch train scores, best."""
    history = getattr(model, "history_", None)
    return {
        "history_epochs": [] if history is None else history.held(),
        "train_scores": [] if history is None else list(history.train_score),
        "best_epoch": best_epoch(model) if is_mlp(model) else None,
    }


def _floats(values: object) -> list[float]:
    """A curve the model kept (list, array or None) as plain floats."""
    return [] if values is None else [float(v) for v in np.ravel(values)]


def check_compatible(model: object) -> None:
    """Refuse a model that does not read 28x28 digits into the classes 0..9."""
    first = weight_arrays(model)[0][1]
    if is_cnn(model):
        n_inputs = int(np.prod(model.image_shape_))
    else:
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


def training_data(lab: Lab, request: TrainRequest) -> tuple[object, Split]:
    """The unfitted model and the (first ``n_train``) training examples a request asks for.

    Raises ``SettingsError`` when ``n_train`` does not fit this dataset; the route calls
    this before queueing, so that error is a 422 rather than a failed job.
    """
    chosen = request.settings()
    model = build_model(
        request.model, request.preset, chosen, seed=request.seed, classes=request.classes
    )
    data = lab.train.of_classes(request.classes)
    X, y = first_n(model, data.X, data.y, chosen.get("n_train"))
    return model, Split(X, y)


def train(job: Job, lab: Lab, request: TrainRequest, key: str) -> dict[str, Any]:
    """Fit the requested model, streaming progress; save it and return the ``done`` data.

    With ``augment_shift`` the MLP trains on its images and a shifted copy of them.
    """
    model, data = training_data(lab, request)
    network = request.model in ("mlp", "cnn")
    reporter = ProgressReporter(job, model.get_params()["max_iter"], network)
    data = Split(*augmented(data.X, data.y, request.augment_shift, request.seed))
    fit_seconds = lab.fit(model, data.X, data.y, reporter)  # on the Dask cluster with --dask
    if job.cancel_requested:
        raise JobCancelled
    ten_class_logistic = request.model == "logistic" and request.classes is None
    summary = describe(
        model,
        lab,
        key,
        preset=request.preset,
        multi_class=model.multi_class if ten_class_logistic else None,
        seed=request.seed if network else None,
        fit_seconds=fit_seconds,
        loss_curve=reporter.losses,
        validation_scores=reporter.validation_scores,
        # Scored on the images it trained on: with n_train the first n only (and their
        # shifted copies with augment_shift).
        train_accuracy=float(model.score(data.X, data.y)),
        settings=knobs.effective(
            model, len(data.y) // (2 if request.augment_shift else 1), request.augment_shift
        ),
    )
    lab.store.save(key, model, summary)
    return TrainingDone(model_key=key, summary=ModelSummary(**summary)).model_dump()


CONTINUED = re.compile(r"-plus(\d+)$")


def continued_key(key: str, epochs: int) -> str:
    """``<key>-plus<k>``; continuing a continued model adds up (``-plus10`` + 5: ``-plus15``)."""
    found = CONTINUED.search(key)
    base, done = (key[: found.start()], int(found.group(1))) if found else (key, 0)
    return knobs.short_key(f"{base}-plus{done + epochs}")


def continue_training(
    job: Job, lab: Lab, key: str, new_key: str, epochs: int, summary: dict[str, Any]
) -> dict[str, Any]:
    """Train model ``key`` ``epochs`` more epochs (partial_fit), saved as ``new_key``."""
    model = lab.store.model(key)
    n_train = (summary.get("settings") or {}).get("n_train")
    shift = (summary.get("settings") or {}).get("augment_shift")
    data = lab.train.of_classes([int(c) for c in model.classes_])
    # The same images as the first run: its shifted copies too, drawn from the same seed.
    X, y = augmented(data.X[:n_train], data.y[:n_train], shift, summary.get("seed") or 0)
    start_epoch = epochs_trained(model)
    best = best_epoch(model)
    first = best if best is not None else start_epoch
    reporter = ProgressReporter(job, first + epochs, send_weights=True)
    trained, seconds = train_more(model, X, y, epochs, reporter)
    if job.cancel_requested:
        raise JobCancelled
    n_images = len(y) // (2 if shift else 1)
    settings = knobs.effective(trained, n_train if n_train is not None else n_images, shift)
    facts = {name: summary[name] for name in ("preset", "multi_class", "seed") if name in summary}
    new_summary = describe(
        trained,
        lab,
        new_key,
        **facts,
        fit_seconds=(summary.get("fit_seconds") or 0.0) + seconds,
        train_accuracy=float(trained.score(X, y)),
        settings=settings,
        continued_from=key,
    )
    lab.store.save(new_key, trained, new_summary)
    return TrainingDone(model_key=new_key, summary=ModelSummary(**new_summary)).model_dump()


def sweep(job: Job, lab: Lab, request: SweepRequest) -> dict[str, Any]:
    """Train every size, a few at a time, publishing each network's ``result`` as it finishes.

    Every network uses the request's MLP settings (``n_train`` picks the first images), so
    chapter 7 can show overfitting. Between chunks the job sees a cancel.
    """
    settings = request.settings()
    n_train = settings.pop("n_train", None)
    params = knobs.estimator_params("mlp", settings)
    X, y = first_n(build_model("mlp", request.preset, settings), lab.train.X, lab.train.y, n_train)
    test_split: Split = lab.test
    sizes = list(request.sizes)
    step = max(1, CORES // request.seeds)  # one chunk keeps every core busy
    results: list[SweepResult] = []
    start = time.perf_counter()

    def publish(r: Any) -> None:
        result = sweep_result(r)
        results.append(result)
        job.publish("result", result.model_dump())

    for first in range(0, len(sizes), step):
        if job.cancel_requested:
            raise JobCancelled
        chunk = sizes[first : first + step]
        hidden_sweep(
            X,
            y,
            test_split.X,
            test_split.y,
            sizes=chunk,
            seeds=request.seeds,
            n_jobs=min(CORES, len(chunk) * request.seeds),
            preset=request.preset,
            client=lab.dask_client(),
            params=params,
            on_result=publish,
        )
        progress = ProgressEvent(
            epoch=first + len(chunk),
            max_epochs=len(sizes),
            loss=None,
            train_score=None,
            validation_score=None,
            elapsed_s=time.perf_counter() - start,
        )
        job.publish("progress", progress.model_dump())
    results.sort(key=lambda r: (r.hidden, r.seed))
    # The weights went out in each result event; the finished job keeps them only there.
    return SweepDone(results=[r.model_copy(update={"coefs0": None}) for r in results]).model_dump()


def sweep_result(r: Any) -> SweepResult:
    """One trained network of a sweep as the API sends it."""
    return SweepResult(
        hidden=r.hidden,
        seed=r.seed,
        train_accuracy=r.train_accuracy,
        test_accuracy=r.test_accuracy,
        fit_seconds=r.fit_seconds,
        epochs=r.epochs,
        shape=list(r.coefs0.shape),
        coefs0=b64_float32(r.coefs0),
    )


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
