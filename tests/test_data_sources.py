"""Sources: the real MNIST test files, Fashion-MNIST, the embedded digits, folders, fallbacks."""

from __future__ import annotations

import dataclasses
import hashlib
import socket
from pathlib import Path

import numpy as np
import pytest

from neuronlab.data import (
    FASHION_NAMES,
    SOURCES,
    Dataset,
    FileSpec,
    clear_cache,
    embedded,
    format_summary,
    load,
    load_default,
    read_idx,
    sources,
    summary,
    write_idx,
)
from neuronlab.errors import DataError


def test_real_mnist_test_folder_is_split_80_20_in_file_order(mnist_test_dir: Path) -> None:
    data = load(mnist_test_dir, progress=False)
    assert (data.n_train, data.n_test) == (8000, 2000)
    assert data.train_images.dtype == np.uint8 and data.train_images.shape[1:] == (28, 28)
    assert data.train_labels.dtype == np.int64
    for labels in (data.train_labels, data.test_labels):
        assert set(np.unique(labels).tolist()) == set(range(10))
    assert "8,000" in data.description and "2,000" in data.description
    assert not data.embedded
    all_labels = read_idx(mnist_test_dir / "t10k-labels-idx1-ubyte.gz")
    np.testing.assert_array_equal(data.test_labels, all_labels[8000:])
    x = data.X_train()
    assert x.dtype == np.float32 and x.shape == (8000, 784) and x.max() == 1.0


def test_dataset_arrays_are_read_only(mnist_small: Dataset) -> None:
    with pytest.raises(ValueError, match="read-only"):
        mnist_small.train_images[0, 0, 0] = 1


def test_fashion_mnist_from_debian(fashion_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "DEBIAN_FASHION_DIR", fashion_dir)
    data = load("fashion-mnist", progress=False)
    assert (data.name, data.n_train, data.n_test) == ("fashion-mnist", 60000, 10000)
    assert data.class_names == FASHION_NAMES
    assert data.class_names[0] == "T-shirt/top" and data.class_names[9] == "Ankle boot"
    assert str(fashion_dir) in data.description
    assert np.bincount(data.test_labels).tolist() == [1000] * 10


def test_fashion_mnist_without_debian_uses_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources, "DEBIAN_FASHION_DIR", tmp_path / "absent")
    with pytest.raises(DataError, match="fashion-mnist is not in the cache"):
        load("fashion-mnist", cache_dir=tmp_path, download=False)


def test_embedded_digits(tmp_path: Path) -> None:
    data = load("embedded", cache_dir=tmp_path)
    assert (data.n_train, data.n_test) == (4000, 1000)
    assert data.embedded and "embedded offline digits" in data.description
    assert np.bincount(data.train_labels).tolist() == [400] * 10
    assert np.bincount(data.test_labels).tolist() == [100] * 10
    assert len(set(data.train_labels[:50].tolist())) > 5  # shuffled, not sorted by class
    assert repr(data) == "Dataset(name='embedded', n_train=4000, n_test=1000, embedded=True)"
    assert data.train_images.dtype == np.uint8 and data.train_images.max() == 255
    assert data.train_labels.dtype == np.int64
    # Train and test are different digits.
    train_rows = {row.tobytes() for row in data.train_images}
    assert not any(row.tobytes() in train_rows for row in data.test_images)
    assert not (tmp_path / "embedded").exists()  # shipped files: nothing to download or cache
    again = load(" Embedded ", cache_dir=tmp_path)  # names ignore case and spaces
    np.testing.assert_array_equal(again.train_images, data.train_images)
    np.testing.assert_array_equal(again.test_labels, data.test_labels)


def test_embedded_digits_are_the_real_mnist_test_digits(mnist_test_dir: Path) -> None:
    """The shipped files are exactly what `select` picks from the published t10k files."""
    images, labels = embedded.select(
        read_idx(mnist_test_dir / "t10k-images-idx3-ubyte.gz"),
        read_idx(mnist_test_dir / "t10k-labels-idx1-ubyte.gz"),
    )
    assert images.shape == (5000, 28, 28) and np.bincount(labels).tolist() == [500] * 10
    np.testing.assert_array_equal(read_idx(embedded.folder() / embedded.IMAGES), images)
    np.testing.assert_array_equal(read_idx(embedded.folder() / embedded.LABELS), labels)
    data = load("embedded")
    shipped = {row.tobytes() for row in images}
    assert all(row.tobytes() in shipped for row in data.train_images[:200])


def test_damaged_or_missing_embedded_digits_say_reinstall(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (embedded.IMAGES, embedded.LABELS):
        (tmp_path / name).write_bytes((embedded.folder() / name).read_bytes())
    monkeypatch.setattr(embedded, "folder", lambda: tmp_path)
    assert load("embedded").n_train == 4000
    damaged = bytearray((tmp_path / embedded.IMAGES).read_bytes())
    damaged[-100] ^= 1
    (tmp_path / embedded.IMAGES).write_bytes(bytes(damaged))
    with pytest.raises(DataError, match="damaged .*reinstall neuronlab"):
        load("embedded")
    (tmp_path / embedded.IMAGES).unlink()
    with pytest.raises(DataError, match="missing from this install.*reinstall neuronlab"):
        load("embedded")


def test_clearing_the_cache_removes_an_old_embedded_cache(tmp_path: Path) -> None:
    old = tmp_path / "embedded" / embedded.OLD_CACHE_FILE
    old.parent.mkdir()
    old.write_bytes(b"arrays parsed by an older version")
    (tmp_path / "embedded" / "notes.txt").write_text("not ours")
    assert clear_cache(tmp_path, name="embedded") == [old]
    assert (tmp_path / "embedded" / "notes.txt").is_file()


def write_set(folder: Path, splits: dict[str, int], suffix: str = ".gz") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    for split, n in splits.items():
        write_idx(folder / f"{split}-images-idx3-ubyte{suffix}", rng.integers(0, 256, (n, 28, 28)))
        write_idx(folder / f"{split}-labels-idx1-ubyte{suffix}", np.arange(n) % 10)


@pytest.mark.parametrize("suffix", [".gz", ""])
def test_folder_with_all_four_files(tmp_path: Path, suffix: str) -> None:
    write_set(tmp_path, {"train": 40, "t10k": 20}, suffix)
    data = load(str(tmp_path))
    assert (data.n_train, data.n_test) == (40, 20)
    assert data.name == str(tmp_path) and "80/20" not in data.description
    np.testing.assert_array_equal(data.test_labels, np.arange(20) % 10)


def test_folder_with_only_train_files_and_dotted_names(tmp_path: Path) -> None:
    write_idx(tmp_path / "train-images.idx3-ubyte", np.zeros((50, 28, 28), dtype=np.uint8))
    write_idx(tmp_path / "train-labels.idx1-ubyte", np.arange(50) % 10)
    data = load(tmp_path)
    assert (data.n_train, data.n_test) == (40, 10)
    assert "only train files" in data.description


def test_unknown_source_lists_the_valid_ones(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="mnist, fashion-mnist, embedded") as caught:
        load("cifar10")
    assert "folder" in str(caught.value)
    assert set(SOURCES) == {"mnist", "fashion-mnist", "embedded"}
    with pytest.raises(DataError, match="holds no IDX files"):
        load(tmp_path)
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(DataError, match="not a folder"):
        load(tmp_path / "file.txt")


@pytest.mark.parametrize(
    ("images", "labels", "problem"),
    [
        (np.zeros((5, 28, 28), np.uint8), np.arange(4), "5 images but 4 labels"),
        (np.zeros((5, 28, 28), np.uint8), np.array([0, 1, 2, 3, 10]), "not 0..9"),
        (np.zeros((5, 27, 27), np.uint8), np.arange(5), r"not \(N, 28, 28\)"),
        (np.zeros((5, 28, 28), np.float32), np.arange(5), "not uint8"),
        (np.zeros((5, 28, 28), np.uint8), np.zeros((5, 1), np.uint8), r"not \(N,\)"),
    ],
)
def test_malformed_folders_name_the_files(
    tmp_path: Path, images: np.ndarray, labels: np.ndarray, problem: str
) -> None:
    write_set(tmp_path, {"train": 10})
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", images)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", labels)
    with pytest.raises(DataError, match=problem) as caught:
        load(tmp_path)
    assert "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz" in str(caught.value)


def test_a_missing_partner_file_is_named(tmp_path: Path) -> None:
    write_set(tmp_path, {"train": 10})
    (tmp_path / "train-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match="no train-labels-idx1-ubyte"):
        load(tmp_path)


def test_load_default_uses_cached_mnist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "mnist"
    write_set(folder, {"train": 30, "t10k": 10})
    files = tuple(
        FileSpec(p.name, p.stat().st_size, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(folder.iterdir())
    )
    monkeypatch.setitem(sources.REMOTES, "mnist", dataclasses.replace(sources.MNIST, files=files))
    data = load_default(cache_dir=tmp_path, download=False)
    assert (data.name, data.n_train, data.notice) == ("mnist", 30, "")


def test_load_default_falls_back_to_embedded_with_a_notice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:  # a port nobody listens on: offline, but instant
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("NEURONLAB_MIRRORS", f"http://127.0.0.1:{port}/")
    data = load_default(cache_dir=tmp_path, progress=False)
    assert data.embedded and data.name == "embedded"
    # One plain sentence: what happened and what to do, without mirror URLs or error codes.
    assert data.notice.startswith(
        "MNIST could not be downloaded (this computer seems to be offline)"
    )
    assert "built-in" in data.notice and "connect to the internet" in data.notice
    assert "http" not in data.notice and "Errno" not in data.notice and "`" not in data.notice
    assert data.notice.count(".") == 1 and data.notice.endswith(".")


def test_summary(mnist_small: Dataset) -> None:
    info = summary(mnist_small)
    assert mnist_small.summary() == info
    assert info["n_train"] == 8000 and info["image_shape"] == [28, 28]
    assert info["value_range"] == [0, 255]
    assert sum(info["train_class_counts"]) == 8000 and sum(info["test_class_counts"]) == 2000
    text = format_summary(mnist_small)
    assert "8,000" in text and "values 0..255" in text and len(text.splitlines()) == 14


def test_subset_and_validation(mnist_small: Dataset) -> None:
    small = mnist_small.subset(100, 10)
    assert (small.n_train, small.n_test) == (100, 10)
    np.testing.assert_array_equal(small.train_images, mnist_small.train_images[:100])
    with pytest.raises(DataError, match="n_test must be at least 1"):
        mnist_small.subset(n_test=0)
    with pytest.raises(DataError, match="10 class names"):
        dataclasses.replace(mnist_small, class_names=("a", "b"))
