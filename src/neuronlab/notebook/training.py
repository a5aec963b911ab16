"""Live training in the kernel: a network learns in a background thread while its widget
shows progress, the loss and validation curves and the hidden units' weights."""

from __future__ import annotations

import threading
import time
from typing import Any

import traitlets

from neuronlab.data import Dataset
from neuronlab.models import make_model
from neuronlab.models.training import EpochInfo
from neuronlab.notebook import payload
from neuronlab.notebook.base import LabWidget
from neuronlab.settings import check
from neuronlab.training import TrainingRun, train

# Weight snapshots are 784 x h floats: send at most a few per second, and always the last.
SNAPSHOT_EVERY_S = 0.25


class TrainWidget(LabWidget):
    """Trains an MLP on ``data`` with ``neuronlab.training.train``; ``model`` holds the
    fitted network when ``state`` is "done" (or the network so far after "cancelled")."""

    _view = "train.js"
    state = traitlets.Unicode("running").tag(sync=True)
    message = traitlets.Unicode("Starting…").tag(sync=True)
    progress = traitlets.List().tag(sync=True)
    max_epochs = traitlets.Int(1).tag(sync=True)
    hidden = traitlets.Int(25).tag(sync=True)
    snapshot = traitlets.Bytes().tag(sync=True)

    def __init__(
        self, data: Dataset, preset: str = "module", hidden: int = 25, **settings: Any
    ) -> None:
        # The web lab's knobs (alpha=0, early_stopping=False, n_train=500, ...): checked now,
        # in the kernel, with the same one-sentence errors as the page and the CLI.
        check("mlp", {"hidden": hidden, **settings})
        max_epochs = settings.get("max_epochs") or make_model("mlp", preset, hidden=hidden).max_iter
        super().__init__(hidden=hidden, max_epochs=max_epochs)
        self._settings = settings
        self.model: Any = None
        self.run: TrainingRun | None = None
        self.error: BaseException | None = None
        self._cancel = threading.Event()
        self._last_snapshot = 0.0
        self.on_msg(self._on_message)
        self._thread = threading.Thread(
            target=self._train, args=(data, preset, hidden), name="neuronlab-train", daemon=True
        )
        self._thread.start()

    def cancel(self) -> None:
        """Stop after the current epoch (the Cancel button does the same)."""
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> Any:
        """Block until training ends (or ``timeout`` seconds pass); returns ``model``."""
        self._thread.join(timeout)
        return self.model

    def _on_message(self, widget: Any, content: dict[str, Any], buffers: list[bytes]) -> None:
        if content.get("cancel"):
            self.cancel()

    def _train(self, data: Dataset, preset: str, hidden: int) -> None:
        try:
            run = train(data, "mlp", preset, hidden=hidden, callback=self._epoch, **self._settings)
        except Exception as err:  # shown in the widget; the kernel keeps running
            self.error = err
            self.set_trait("message", f"Training failed: {err}")
            self.set_trait("state", "error")
            return
        self.run, self.model = run, run.model
        with self.hold_sync():
            self.snapshot = payload.f32(run.model.coefs_[0])
            verb = "Cancelled after" if self._cancel.is_set() else "Finished in"
            self.message = (
                f"{verb} {run.epochs} epochs ({run.fit_seconds:.1f} s): test accuracy "
                f"{run.test_accuracy:.1%}, training accuracy {run.train_accuracy:.1%}."
            )
            self.state = "cancelled" if self._cancel.is_set() else "done"

    def _epoch(self, info: EpochInfo) -> bool | None:
        """Record one epoch and push it to the widget; returning False stops training."""
        record = {
            "epoch": info.epoch,
            "loss": info.loss,
            "train_score": info.train_score,
            "validation_score": info.validation_score,
            "elapsed_s": info.elapsed_s,
        }
        now = time.monotonic()
        with self.hold_sync():
            self.progress = [*self.progress, record]
            score = info.validation_score if info.validation_score is not None else info.train_score
            self.message = f"Epoch {info.epoch} of {self.max_epochs} · loss {info.loss:.4f}" + (
                f" · accuracy {100 * score:.1f}%" if score is not None else ""
            )
            if now - self._last_snapshot >= SNAPSHOT_EVERY_S:
                self._last_snapshot = now
                self.snapshot = payload.f32(info.coefs[0])
        return False if self._cancel.is_set() else None
