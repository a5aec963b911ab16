"""The course's MLP written in PyTorch (CPU), with scikit-learn's settings, for the benchmark.

Same network (784 -> h logistic units -> softmax), same objective (mean log loss plus
``alpha / (2 n_batch) * ||W||^2`` on the weights only), Adam with scikit-learn's
defaults, mini-batches in a fresh random order each epoch, and scikit-learn's stopping
rules: with ``early_stopping`` a 10 % validation hold-out scored after every epoch and
the best weights restored; without it, the training loss must improve by ``tol``.
Initial weights and batch order come from torch's generator, so the network differs
from ours and scikit-learn's by chance, not by method.
"""

from __future__ import annotations

import numpy as np


class TorchMLP:
    """``fit``/``score``/``n_iter_`` like an sklearn estimator, for ``train_speed.py``."""

    def __init__(
        self,
        hidden: int = 25,
        alpha: float = 0.1,
        batch_size: int = 50,
        learning_rate_init: float = 1e-3,
        early_stopping: bool = True,
        tol: float = 1e-4,
        n_iter_no_change: int = 10,
        max_iter: int = 200,
        threads: int = 1,
        seed: int = 0,
    ) -> None:
        self.hidden, self.alpha, self.batch_size = hidden, alpha, batch_size
        self.learning_rate_init, self.early_stopping, self.tol = (
            learning_rate_init,
            early_stopping,
            tol,
        )
        self.n_iter_no_change, self.max_iter = n_iter_no_change, max_iter
        self.threads, self.seed = threads, seed

    def fit(self, X: np.ndarray, y: np.ndarray) -> TorchMLP:
        import torch

        torch.set_num_threads(self.threads)
        generator = torch.Generator().manual_seed(self.seed)
        torch.manual_seed(self.seed)
        self.classes_, labels = np.unique(y, return_inverse=True)
        X_all = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
        y_all = torch.from_numpy(labels.astype(np.int64))
        if self.early_stopping:
            perm = torch.randperm(len(y_all), generator=generator)
            n_val = max(2, int(round(0.1 * len(y_all))))
            val, train = perm[:n_val], perm[n_val:]
            X_val, y_val = X_all[val], y_all[val]
            X_train, y_train = X_all[train], y_all[train]
        else:
            X_train, y_train = X_all, y_all
        self.model_ = model = torch.nn.Sequential(
            torch.nn.Linear(X.shape[1], self.hidden),
            torch.nn.Sigmoid(),
            torch.nn.Linear(self.hidden, len(self.classes_)),
        )
        weights = [model[0].weight, model[2].weight]
        optimizer = torch.optim.Adam(model.parameters(), lr=self.learning_rate_init, eps=1e-8)
        n = len(y_train)
        best_score, best_loss, stall = -np.inf, np.inf, 0
        best_state = None
        self.n_iter_ = 0
        for _ in range(self.max_iter):
            order = torch.randperm(n, generator=generator)
            total = 0.0
            for lo in range(0, n, self.batch_size):
                idx = order[lo : lo + self.batch_size]
                rows = len(idx)
                optimizer.zero_grad(set_to_none=True)
                loss = torch.nn.functional.cross_entropy(model(X_train[idx]), y_train[idx])
                penalty = sum((w * w).sum() for w in weights) * (0.5 * self.alpha / rows)
                (loss + penalty).backward()
                optimizer.step()
                total += float(loss + penalty) * rows
            self.n_iter_ += 1
            if self.early_stopping:
                with torch.no_grad():
                    score = float((model(X_val).argmax(1) == y_val).float().mean())
                stall = stall + 1 if score < best_score + self.tol else 0
                if score > best_score:
                    best_score = score
                    best_state = {k: v.clone() for k, v in model.state_dict().items()}
            else:
                epoch_loss = total / n
                stall = stall + 1 if epoch_loss > best_loss - self.tol else 0
                best_loss = min(best_loss, epoch_loss)
            if stall > self.n_iter_no_change:
                break
        if best_state is not None:
            model.load_state_dict(best_state)
        return self

    def score(self, X: np.ndarray, y: np.ndarray) -> float:
        import torch

        with torch.no_grad():
            out = self.model_(torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32)))
        return float(np.mean(self.classes_[out.argmax(1).numpy()] == y))


def available() -> bool:
    """Whether PyTorch can be imported here."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True
