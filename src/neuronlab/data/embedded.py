"""The embedded offline digits: 5,000 real MNIST digits that ship inside this package.

They are 500 images of each digit, evenly spread over the MNIST test files (``t10k-*``,
checked against the SHA-256 sums a download is checked against), so both of the test set's
groups of writers are in. :func:`select` is how the two gzipped IDX files in
``neuronlab/data/digits`` (about 1 MB) were made, and a test repeats it on the real files.
Each digit splits 400 train / 100 test, shuffled with a fixed seed so that "the first N"
is never a single digit. Reading them takes milliseconds, so nothing is cached.
"""

from __future__ import annotations

import hashlib
import os
from importlib import resources
from pathlib import Path

import numpy as np

from neuronlab.data.dataset import N_CLASSES, Dataset
from neuronlab.data.idx import read_idx
from neuronlab.errors import DataError

NAME = "embedded"
DESCRIPTION = "embedded offline digits (5,000 real MNIST digits shipped with Neuron Lab)"
PER_CLASS = 500
TRAIN_PER_CLASS = 400
SEED = 0
IMAGES = "embedded-images-idx3-ubyte.gz"
LABELS = "embedded-labels-idx1-ubyte.gz"
# Pinned, so that a damaged install is an error rather than other digits.
SHA256 = {
    IMAGES: "4d4ad7db113e659f45486fca9a6472b7d53b20930d13fbef5d7857bdf75643dd",
    LABELS: "af02237731b343b99346234115f49855876eeb33ac3c31ace172c5e2bec65162",
}
# Written into the cache by versions that parsed a CSV; `neuronlab data clear` still removes it.
OLD_CACHE_FILE = "mnist_5k.npz"


def folder() -> Path:
    """Where the installed package keeps the two files."""
    return Path(str(resources.files("neuronlab.data") / "digits"))


def select(images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """PER_CLASS images of each class, evenly spread over its images, kept in file order."""
    chosen = []
    for digit in range(N_CLASSES):
        rows = np.flatnonzero(labels == digit)
        if len(rows) < PER_CLASS:
            raise DataError(f"Class {digit} has {len(rows)} images, fewer than {PER_CLASS}.")
        chosen.append(rows[np.linspace(0, len(rows) - 1, PER_CLASS).astype(int)])
    rows = np.sort(np.concatenate(chosen))
    return images[rows], labels[rows]


def _read(name: str) -> np.ndarray:
    path = folder() / name
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        raise DataError(
            f"The embedded digits are missing from this install ({path}: "
            f"{error.strerror or error}); reinstall neuronlab."
        ) from error
    if digest != SHA256[name]:
        raise DataError(f"{path} is damaged (its SHA-256 has changed); reinstall neuronlab.")
    return read_idx(path)


def _split(images: np.ndarray, labels: np.ndarray) -> dict[str, np.ndarray]:
    """The first TRAIN_PER_CLASS of each class to train, the rest to test, both shuffled."""
    train, test = [], []
    for digit in range(N_CLASSES):
        rows = np.flatnonzero(labels == digit)
        train.append(rows[:TRAIN_PER_CLASS])
        test.append(rows[TRAIN_PER_CLASS:])
    rng = np.random.default_rng(SEED)
    train_rows = rng.permutation(np.concatenate(train))
    test_rows = rng.permutation(np.concatenate(test))
    return {
        "train_images": images[train_rows],
        "train_labels": labels[train_rows].astype(np.int64),
        "test_images": images[test_rows],
        "test_labels": labels[test_rows].astype(np.int64),
    }


def load_embedded(cache_dir: str | os.PathLike | None = None) -> Dataset:
    """The embedded digits: 4,000 train and 1,000 test, 28x28 uint8, 10 classes.

    ``cache_dir`` is accepted like every other source's and unused: nothing is downloaded.
    """
    arrays = _split(_read(IMAGES), _read(LABELS))
    return Dataset(name=NAME, description=DESCRIPTION, embedded=True, **arrays)
