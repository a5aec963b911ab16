"""An MLP's weights after every epoch of its training: the lab's time machine.

:class:`HistoryRecorder` is an epoch callback (it forwards to another one, e.g.
the web lab's progress reporter). It keeps every layer's weights and biases
after each epoch, and the loss, training and validation score of every epoch.
Past a memory budget (64 MB per run) it thins the snapshots to evenly spread
epochs (1, 1 + s, 1 + 2s, ... for a stride s that doubles when needed) and
always the last one; the per-epoch numbers are all kept.

The fitted network carries the result as ``model.history_`` (a :class:`History`),
set by :func:`neuronlab.training.fit` and :func:`neuronlab.training.train_more`.
Refitting the estimator by hand does not update it; :func:`save_model` then drops
a history that no longer matches the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from neuronlab.models.training import Callback, EpochInfo

BUDGET_BYTES = 64 * 2**20
# Refused when loading: no run of the lab is longer (max_epochs <= 500, continued runs too).
MAX_EPOCHS = 100_000
F32 = np.float32


@dataclass(frozen=True)
class History:
    """Kept snapshots and per-epoch numbers of one training run (or a run and its continuations).

    ``epochs`` lists the epochs whose weights are kept, increasing; ``coefs[l][k]`` and
    ``intercepts[l][k]`` are layer ``l`` after epoch ``epochs[k]``. ``loss``,
    ``train_score`` and ``validation_score`` have one entry per epoch 1..n (``None``
    where unknown: no validation without early stopping, nothing before the
    recording started when a model without history trained on).
    """

    epochs: np.ndarray
    coefs: tuple[np.ndarray, ...]
    intercepts: tuple[np.ndarray, ...]
    loss: tuple[float | None, ...]
    train_score: tuple[float | None, ...]
    validation_score: tuple[float | None, ...]

    @property
    def n_epochs(self) -> int:
        """The last epoch this history describes."""
        return len(self.loss)

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (*self.coefs, *self.intercepts))

    def held(self) -> list[int]:
        return [int(e) for e in self.epochs]

    def index(self, epoch: int) -> int:
        """Where ``epoch`` is among the snapshots; ``KeyError`` when it is not kept."""
        found = np.flatnonzero(self.epochs == epoch)
        if not len(found):
            raise KeyError(epoch)
        return int(found[0])

    def weights(self, epoch: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Every layer's weights and biases after ``epoch`` (``KeyError`` if not kept)."""
        k = self.index(epoch)
        return [c[k] for c in self.coefs], [b[k] for b in self.intercepts]

    def describe_held(self) -> str:
        """The kept epochs in a few words, e.g. ``1 to 73`` or ``1, 9, 17, ..., 393, 400``."""
        held = self.held()
        if held == list(range(held[0], held[-1] + 1)):
            return f"{held[0]} to {held[-1]}" if len(held) > 1 else str(held[0])
        if len(held) <= 8:
            return ", ".join(map(str, held))
        return ", ".join(map(str, held[:3])) + ", ..., " + ", ".join(map(str, held[-2:]))

    def until(self, epoch: int) -> History | None:
        """This history cut after ``epoch`` (None when no snapshot is that early)."""
        keep = self.epochs <= epoch
        if not keep.any():
            return None
        return History(
            epochs=self.epochs[keep],
            coefs=tuple(c[keep] for c in self.coefs),
            intercepts=tuple(b[keep] for b in self.intercepts),
            loss=self.loss[:epoch],
            train_score=self.train_score[:epoch],
            validation_score=self.validation_score[:epoch],
        )

    def fits(self, coefs: list[np.ndarray], n_iter: int) -> bool:
        """Whether this history belongs to a network of these layers trained ``n_iter`` epochs."""
        return (
            self.n_epochs == n_iter
            and len(self.coefs) == len(coefs)
            and all(h.shape[1:] == c.shape for h, c in zip(self.coefs, coefs, strict=True))
        )

    # ----- the .npz form ----------------------------------------------------------------------

    def to_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """``history_coef_<l>``/``history_intercept_<l>`` float32 arrays and the JSON fields."""
        arrays = {f"history_coef_{i}": c.astype(F32, copy=False) for i, c in enumerate(self.coefs)}
        arrays |= {
            f"history_intercept_{i}": b.astype(F32, copy=False)
            for i, b in enumerate(self.intercepts)
        }
        meta = {
            "history_epochs": self.held(),
            "history_loss": list(self.loss),
            "history_train_score": list(self.train_score),
            "history_validation_score": list(self.validation_score),
        }
        return arrays, meta

    @classmethod
    def from_arrays(
        cls,
        arrays: dict[str, np.ndarray],
        meta: dict[str, Any],
        coefs: list[np.ndarray],
        n_iter: int,
    ) -> History | None:
        """Read and check what :meth:`to_arrays` wrote; pops the history arrays.

        ``coefs`` are the model's layers (their shapes are the expected ones). Returns
        None for a file without history; raises ``ValueError`` for anything inconsistent.
        """
        names = [k for k in arrays if k.startswith("history_")]
        if not names and "history_epochs" not in meta:
            return None
        n_layers = len(coefs)
        expected = {f"history_{w}_{i}" for w in ("coef", "intercept") for i in range(n_layers)}
        if set(names) != expected:
            raise ValueError(f"the history arrays {sorted(names)} do not match {n_layers} layers")
        epochs = _int_list(meta.get("history_epochs"), "history_epochs")
        loss = _number_list(meta.get("history_loss"), "history_loss")
        train = _number_list(meta.get("history_train_score"), "history_train_score")
        valid = _number_list(meta.get("history_validation_score"), "history_validation_score")
        if not len(loss) == len(train) == len(valid) == n_iter:
            raise ValueError(f"the per-epoch history does not cover the {n_iter} epochs trained")
        if not epochs or epochs[0] < 1 or epochs[-1] > n_iter:
            raise ValueError(f"history_epochs must lie between 1 and {n_iter}")
        if any(b <= a for a, b in zip(epochs, epochs[1:], strict=False)):
            raise ValueError("history_epochs must be increasing")
        hist_coefs = [arrays.pop(f"history_coef_{i}") for i in range(n_layers)]
        hist_intercepts = [arrays.pop(f"history_intercept_{i}") for i in range(n_layers)]
        n = len(epochs)
        for i, (h, b, c) in enumerate(zip(hist_coefs, hist_intercepts, coefs, strict=True)):
            if h.dtype != F32 or b.dtype != F32:
                raise ValueError(f"the history of layer {i} is not float32")
            if h.shape != (n, *c.shape) or b.shape != (n, c.shape[1]):
                raise ValueError(
                    f"the history of layer {i} has shapes {h.shape}/{b.shape}, expected "
                    f"{(n, *c.shape)}/{(n, c.shape[1])}"
                )
        history = cls(
            epochs=np.asarray(epochs, dtype=np.int64),
            coefs=tuple(hist_coefs),
            intercepts=tuple(hist_intercepts),
            loss=tuple(loss),
            train_score=tuple(train),
            validation_score=tuple(valid),
        )
        # One snapshot over the budget is allowed (at least two are always kept).
        if history.nbytes > 2 * BUDGET_BYTES:
            raise ValueError(f"the history holds {history.nbytes:,} bytes, over the budget")
        return history


def _int_list(value: Any, name: str) -> list[int]:
    if not isinstance(value, list) or len(value) > MAX_EPOCHS:
        raise ValueError(f"{name} must be a list of at most {MAX_EPOCHS} epochs")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise ValueError(f"{name} must hold whole epoch numbers")
    return value


def _number_list(value: Any, name: str) -> list[float | None]:
    if not isinstance(value, list) or len(value) > MAX_EPOCHS:
        raise ValueError(f"{name} must be a list of at most {MAX_EPOCHS} numbers")
    out: list[float | None] = []
    for v in value:
        if v is None:
            out.append(None)
        elif isinstance(v, int | float) and not isinstance(v, bool) and np.isfinite(v):
            out.append(float(v))
        else:
            raise ValueError(f"{name} must hold finite numbers or null")
    return out


@dataclass
class _Snapshot:
    epoch: int
    coefs: list[np.ndarray]
    intercepts: list[np.ndarray]


class HistoryRecorder:
    """Epoch callback that keeps the run's history, then calls ``then`` (if any).

    Returns what ``then`` returns, so a cancel still stops training; ``stopped`` tells
    whether it asked to. ``start`` continues an earlier history (its epochs come first).
    """

    def __init__(
        self,
        then: Callback | None = None,
        *,
        budget_bytes: int = BUDGET_BYTES,
        start: History | None = None,
        earlier_loss: list[float | None] | None = None,
    ) -> None:
        self.then = then
        self.budget_bytes = budget_bytes
        self.stopped = False
        self._stride = 1
        self._snaps: list[_Snapshot] = []
        self._loss: list[float | None] = list(earlier_loss or [])
        self._train: list[float | None] = [None] * len(self._loss)
        self._valid: list[float | None] = [None] * len(self._loss)
        if start is not None:
            self._loss = list(start.loss)
            self._train = list(start.train_score)
            self._valid = list(start.validation_score)
            for k, epoch in enumerate(start.epochs):
                self._snaps.append(
                    _Snapshot(
                        int(epoch), [c[k] for c in start.coefs], [b[k] for b in start.intercepts]
                    )
                )

    @classmethod
    def resume(cls, model: Any, then: Callback | None = None) -> HistoryRecorder:
        """A recorder going on from ``model``'s history (or its bare loss curve, if no history)."""
        start = getattr(model, "history_", None)
        n_iter = epochs_trained(model)
        # A CNN's history holds its filters as layer 0, before the dense layers.
        layers = [model.filters_, *model.coefs_] if hasattr(model, "filters_") else model.coefs_
        if start is not None and start.fits(list(layers), n_iter):
            return cls(then, start=start)
        curve = list(getattr(model, "loss_curve_", None) or [])
        earlier: list[float | None] = curve if len(curve) == n_iter else [None] * n_iter
        return cls(then, earlier_loss=earlier)

    def __call__(self, info: EpochInfo) -> bool | None:
        self.record(info)
        answer = None if self.then is None else self.then(info)
        if answer is False:
            self.stopped = True
        return answer

    def record(self, info: EpochInfo) -> None:
        """Keep ``info``'s numbers and (the budget allowing) its weights."""
        missing = info.epoch - 1 - len(self._loss)
        if missing > 0:  # epochs before the recording started
            for values in (self._loss, self._train, self._valid):
                values.extend([None] * missing)
        del self._loss[info.epoch - 1 :], self._train[info.epoch - 1 :]
        del self._valid[info.epoch - 1 :]
        self._loss.append(float(info.loss))
        self._train.append(None if info.train_score is None else float(info.train_score))
        self._valid.append(None if info.validation_score is None else float(info.validation_score))
        if self._snaps and not self._on_grid(self._snaps[-1].epoch):
            self._snaps.pop()  # it was kept only as the latest
        self._snaps.append(_Snapshot(info.epoch, list(info.coefs), list(info.intercepts)))
        self._thin()

    def _on_grid(self, epoch: int) -> bool:
        return (epoch - 1) % self._stride == 0

    def _thin(self) -> None:
        per = sum(a.nbytes for a in (*self._snaps[-1].coefs, *self._snaps[-1].intercepts))
        limit = max(2, self.budget_bytes // max(per, 1))
        while len(self._snaps) > limit:
            self._stride *= 2
            last = self._snaps[-1]
            self._snaps = [s for s in self._snaps[:-1] if self._on_grid(s.epoch)] + [last]

    def history(self) -> History | None:
        """What was recorded, as float32 arrays (None before the first epoch)."""
        if not self._snaps:
            return None
        n_layers = len(self._snaps[0].coefs)
        return History(
            epochs=np.array([s.epoch for s in self._snaps], dtype=np.int64),
            coefs=tuple(
                np.stack([s.coefs[i] for s in self._snaps]).astype(F32, copy=False)
                for i in range(n_layers)
            ),
            intercepts=tuple(
                np.stack([s.intercepts[i] for s in self._snaps]).astype(F32, copy=False)
                for i in range(n_layers)
            ),
            loss=tuple(self._loss),
            train_score=tuple(self._train),
            validation_score=tuple(self._valid),
        )


def epochs_trained(model: Any) -> int:
    """Epochs since the network's weights were initialised, across ``partial_fit`` calls.

    ``n_iter_`` counts only the last call's epochs (as in scikit-learn); the loss curve
    has one entry per epoch of the whole run.
    """
    curve = getattr(model, "loss_curve_", None)
    if curve is not None:
        return len(curve)
    return int(np.max(getattr(model, "n_iter_", 0) or 0))


def best_epoch(model: Any) -> int | None:
    """The epoch whose weights an early-stopped network kept (None without early stopping)."""
    scores = getattr(model, "validation_scores_", None)
    if not getattr(model, "early_stopping", False) or not scores:
        return None
    offset = epochs_trained(model) - len(scores)
    return offset + int(np.argmax(scores)) + 1
