"""Training time of Neuron Lab's CNN against PyTorch on the CPU, same network and settings.

    python benchmarks/cnn_speed.py --data SOURCE [--repeats N] [--epochs E] [--quick]
                                   [--markdown FILE]

Both sides train the ``fast`` preset's network, one convolution of 8 filters of
5 x 5, 2 x 2 max-pooling, ReLU and a softmax layer, with its settings: Adam at a
learning rate of 0.005, batches of 64, L2 ``alpha=1e-4`` on the weights (PyTorch:
``weight_decay=alpha / batch`` on weights only, the same gradient), shuffled every
epoch, for a fixed number of epochs. Ours runs on one BLAS thread, as it always
does; PyTorch on one thread, or on each count ``--torch-threads`` lists (on a busy
machine two PyTorch threads can be ten times slower than one, as they wait for each
other). The fits are interleaved (ours, PyTorch, ours, ...) so that a busy machine
slows all of them alike; the tables give medians.

The FLOP floor of an epoch is the multiply-adds every implementation must do,
``N x (2 x 2 x P x k^2 x F + 3 x 2 x D x C)`` (convolution forward and its filter
gradient; dense forward, weight gradient and input gradient; ``P`` positions,
``D`` pooled features, ``C`` classes), divided by the best float32 matrix product
of this run (``train_speed.matmul_flops``), on one thread and on all.

PyTorch is only needed here, never by the lab: ``pip install torch==2.13.0``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_speed import Table, matmul_flops  # noqa: E402  (the sibling script's helpers)

from neuronlab.data import load  # noqa: E402
from neuronlab.errors import NeuronLabError  # noqa: E402
from neuronlab.models import ConvNetClassifier, make_model  # noqa: E402
from neuronlab.models.convolution import ConvShape  # noqa: E402

TORCH_MISSING = (
    "PyTorch is not installed, so only our CNN was timed; to compare, install it into this "
    "environment with: python -m pip install torch==2.13.0"
)


@dataclass(frozen=True)
class Settings:
    """The network and training settings both sides use (from the ``fast`` preset)."""

    filters: int
    size: int
    batch: int
    learning_rate: float
    alpha: float
    epochs: int

    @classmethod
    def from_preset(cls, epochs: int | None) -> Settings:
        model = make_model("cnn", "fast")
        return cls(
            filters=model.filters,
            size=model.filter_size,
            batch=model.batch_size,
            learning_rate=model.learning_rate_init,
            alpha=model.alpha,
            epochs=model.max_iter if epochs is None else epochs,
        )

    def epoch_flop(self, n_train: int, n_classes: int = 10) -> float:
        shape = ConvShape((28, 28), self.size, self.filters, True)
        positions = shape.conv[0] * shape.conv[1]
        conv = 2 * 2 * positions * self.size**2 * self.filters
        dense = 3 * 2 * shape.n_features * n_classes
        return float(n_train * (conv + dense))


@dataclass(frozen=True)
class Run:
    seconds: float
    accuracy: float


@dataclass
class Contender:
    """One way of training, called ``repeats`` times; medians go in the table."""

    name: str
    fit: Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Settings], Run]
    runs: list[Run] = field(default_factory=list)

    def median(self, attribute: str) -> float:
        return float(statistics.median(getattr(r, attribute) for r in self.runs))


# ---------------------------------------------------------------- the two implementations


def fit_ours(X, y, X_test, y_test, s: Settings) -> Run:
    model = ConvNetClassifier(
        filters=s.filters,
        filter_size=s.size,
        batch_size=s.batch,
        learning_rate_init=s.learning_rate,
        alpha=s.alpha,
        max_iter=s.epochs,
        n_iter_no_change=s.epochs,  # exactly s.epochs epochs, no stopping rule
        random_state=0,
    )
    start = time.perf_counter()
    model.fit(X, y)
    seconds = time.perf_counter() - start
    return Run(seconds, float(model.score(X_test, y_test)))


def torch_fitter(threads: int) -> Callable[..., Run]:
    """A PyTorch fit on ``threads`` intra-op threads."""
    import torch
    from torch import nn

    def fit(X, y, X_test, y_test, s: Settings) -> Run:
        torch.set_num_threads(threads)
        torch.manual_seed(0)
        images = torch.from_numpy(X).reshape(-1, 1, 28, 28)
        labels = torch.from_numpy(y.astype(np.int64))
        maps = (28 - s.size + 1) // 2
        model = nn.Sequential(
            nn.Conv2d(1, s.filters, s.size),
            nn.MaxPool2d(2),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(s.filters * maps * maps, 10),
        )
        weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
        biases = [p for name, p in model.named_parameters() if name.endswith("bias")]
        # scikit-learn's penalty alpha / (2 batch) ||W||^2 has the gradient (alpha / batch) W
        optimizer = torch.optim.Adam(
            [{"params": weights, "weight_decay": s.alpha / s.batch}, {"params": biases}],
            lr=s.learning_rate,
            eps=1e-8,
        )
        loss_fn = nn.CrossEntropyLoss()
        generator = torch.Generator().manual_seed(0)
        start = time.perf_counter()
        for _ in range(s.epochs):
            order = torch.randperm(len(labels), generator=generator)
            for lo in range(0, len(order), s.batch):
                idx = order[lo : lo + s.batch]
                optimizer.zero_grad(set_to_none=True)
                loss = loss_fn(model(images[idx]), labels[idx])
                loss.backward()
                optimizer.step()
        seconds = time.perf_counter() - start
        with torch.no_grad():
            logits = model(torch.from_numpy(X_test).reshape(-1, 1, 28, 28))
            accuracy = float((logits.argmax(1).numpy() == y_test).mean())
        return Run(seconds, accuracy)

    return fit


def contenders(torch_threads: Sequence[int]) -> tuple[list[Contender], str]:
    """Ours, and PyTorch on each of ``torch_threads`` threads when it is installed."""
    ours = [Contender("ours (NumPy, 1 BLAS thread)", fit_ours)]
    try:
        import torch
    except ImportError:
        return ours, TORCH_MISSING
    theirs = [
        Contender(
            f"PyTorch {torch.__version__} CPU, {n} thread{'s' if n > 1 else ''}", torch_fitter(n)
        )
        for n in torch_threads
    ]
    return ours + theirs, ""


# ---------------------------------------------------------------- the run


def run(args: argparse.Namespace) -> list[Table]:
    loads = [os.getloadavg()]
    dataset = load(args.data, progress=False)
    if args.quick:
        dataset = dataset.subset(1000, 300)
    X, y = dataset.X_train(), dataset.train_labels
    X_test, y_test = dataset.X_test(), dataset.test_labels
    settings = Settings.from_preset(1 if args.quick and args.epochs is None else args.epochs)
    repeats = 1 if args.quick else args.repeats
    fits, missing = contenders(args.torch_threads)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's own start-up notices
        warm_up = replace(settings, epochs=1)
        for fit in fits:  # once each on a few images, untimed: imports, thread pools, caches
            fit.fit(X[:256], y[:256], X_test[:64], y_test[:64], warm_up)
        for _ in range(repeats):
            for fit in fits:
                print(f"timing {fit.name} ...", file=sys.stderr, flush=True)
                fit.runs.append(fit.fit(X, y, X_test, y_test, settings))
    n = 512 if args.quick else 2048
    one_thread = matmul_flops(n, threads=1)
    peak = max(matmul_flops(n), one_thread)
    loads.append(os.getloadavg())
    return _tables(args, dataset, settings, fits, missing, one_thread, peak, repeats, loads)


def _tables(args, dataset, settings, fits, missing, one_thread, peak, repeats, loads):
    work = settings.epoch_flop(dataset.n_train)
    ours = fits[0]
    header = Table(
        "setup",
        ["item", "value"],
        [
            ["data", f"{args.data}: {dataset.description}"],
            ["train / test images", f"{dataset.n_train:,} / {dataset.n_test:,}"],
            [
                "network",
                f"conv {settings.filters} x {settings.size}x{settings.size} valid, 2x2 max-pool, "
                f"ReLU, dense softmax",
            ],
            [
                "training",
                f"Adam lr={settings.learning_rate:g}, batch {settings.batch}, "
                f"alpha={settings.alpha:g}, epochs: {settings.epochs}",
            ],
            ["repeats", f"{repeats}, interleaved"],
            ["cores", f"{os.cpu_count()} ({len(os.sched_getaffinity(0))} usable)"],
            ["load average 1/5/15 min at start", " ".join(f"{x:.2f}" for x in loads[0])],
            ["load average 1/5/15 min at end", " ".join(f"{x:.2f}" for x in loads[-1])],
        ],
    )
    table = Table(
        f"CNN training, epochs: {settings.epochs} (medians)",
        [
            "fit",
            "runs",
            "fit (s)",
            "s/epoch (s)",
            "test acc (%)",
            "this/ours (x)",
            "over floor (x)",
            "over 1-thread floor (x)",
        ],
        note=f"Floor: {work / 1e9:.2f} GFLOP per epoch / {peak / 1e9:.1f} GFLOP/s, the best "
        f"float32 matmul of this run ({one_thread / 1e9:.1f} GFLOP/s on one thread). "
        "this/ours > 1: ours is faster." + (f"\n{missing}" if missing else ""),
    )
    for fit in fits:
        per_epoch = fit.median("seconds") / settings.epochs
        table.rows.append(
            [
                fit.name,
                str(len(fit.runs)),
                f"{fit.median('seconds'):.3f}",
                f"{per_epoch:.4f}",
                f"{100 * fit.median('accuracy'):.2f}",
                f"{fit.median('seconds') / ours.median('seconds'):.2f}",
                f"{per_epoch * peak / work:.2f}",
                f"{per_epoch * one_thread / work:.2f}",
            ]
        )
    return [header, table]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="mnist, fashion-mnist, embedded or a folder")
    parser.add_argument("--repeats", type=int, default=3, help="fits per contender (default 3)")
    parser.add_argument("--epochs", type=int, help="epochs per fit (default: the preset's 10)")
    parser.add_argument(
        "--torch-threads",
        type=int,
        nargs="+",
        default=[1],
        help="PyTorch thread counts to time (default: 1)",
    )
    parser.add_argument("--quick", action="store_true", help="1,000 images, 1 epoch, 1 repeat")
    parser.add_argument("--markdown", type=Path, help="append the results to this markdown file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if min(args.repeats, args.epochs or 1, *args.torch_threads) < 1:
        _parser().error("--repeats, --epochs and --torch-threads must be at least 1")
    started = datetime.now(timezone.utc)
    try:
        tables = run(args)
    except NeuronLabError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print("\n\n".join(t.text() for t in tables))
    if args.markdown:
        title = f"## CNN vs PyTorch, {args.data} — {started:%Y-%m-%d %H:%M} UTC"
        with args.markdown.open("a") as out:
            out.write("\n\n".join([title, *(t.markdown() for t in tables)]) + "\n\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
