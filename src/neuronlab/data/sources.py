"""Where datasets come from: MNIST, Fashion-MNIST, the embedded digits, or a folder of IDX files."""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neuronlab.data import embedded
from neuronlab.data.dataset import DIGIT_NAMES, Dataset, check_pair
from neuronlab.data.download import PART_SUFFIX, FileSpec, mirrors, verify
from neuronlab.data.download import cache_dir as resolve_cache_dir
from neuronlab.data.download import download as download_file
from neuronlab.data.idx import read_idx
from neuronlab.errors import DataError

TRAIN_STEMS = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
TEST_STEMS = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
DEBIAN_FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


@dataclass(frozen=True)
class Remote:
    """A dataset published as four pinned IDX files on a list of mirrors."""

    name: str
    description: str
    files: tuple[FileSpec, ...]
    mirrors: tuple[str, ...]
    class_names: tuple[str, ...]


MNIST = Remote(
    name="mnist",
    description="MNIST handwritten digits (60,000 train / 10,000 test)",
    # Pins checked against the canonical test files in shared/data/mnist.
    files=(
        FileSpec(
            "train-images-idx3-ubyte.gz",
            9912422,
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        ),
        FileSpec(
            "train-labels-idx1-ubyte.gz",
            28881,
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        ),
        FileSpec(
            "t10k-images-idx3-ubyte.gz",
            1648877,
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        ),
        FileSpec(
            "t10k-labels-idx1-ubyte.gz",
            4542,
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        ),
    ),
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ),
    class_names=DIGIT_NAMES,
)

FASHION_MNIST = Remote(
    name="fashion-mnist",
    description="Fashion-MNIST clothing images (60,000 train / 10,000 test)",
    # Upstream's gzip files. The SHA-256 values agree across several independent
    # projects that also list upstream's MD5s; the sizes match Keras' download logs.
    # Debian's copies are recompressed (24 bytes shorter), so they cannot match these.
    files=(
        FileSpec(
            "train-images-idx3-ubyte.gz",
            26421880,
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        ),
        FileSpec(
            "train-labels-idx1-ubyte.gz",
            29515,
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        ),
        FileSpec(
            "t10k-images-idx3-ubyte.gz",
            4422102,
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        ),
        FileSpec(
            "t10k-labels-idx1-ubyte.gz",
            5148,
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        ),
    ),
    mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
    class_names=FASHION_NAMES,
)

REMOTES = {remote.name: remote for remote in (MNIST, FASHION_MNIST)}
SOURCES: dict[str, str] = {
    MNIST.name: MNIST.description,
    FASHION_MNIST.name: FASHION_MNIST.description,
    embedded.NAME: embedded.DESCRIPTION,
}
_VALID = (
    f"use one of {', '.join(SOURCES)}, or a folder holding train-*/t10k-* IDX files "
    "(e.g. train-images-idx3-ubyte.gz)"
)


def _remote(name: str) -> Remote:
    if name not in REMOTES:
        raise DataError(
            f"There is nothing to download for {name!r}; use one of {', '.join(REMOTES)}."
        )
    return REMOTES[name]


def fetch(
    name: str,
    *,
    cache_dir: str | os.PathLike | None = None,
    download: bool = True,
    progress: bool = True,
) -> list[Path]:
    """Make sure the four files of ``name`` are in the cache and intact; return their paths.

    Cached files are verified (size and SHA-256) every time; missing ones are
    downloaded unless ``download`` is False.
    """
    remote = _remote(name)
    folder = resolve_cache_dir(cache_dir) / remote.name
    paths = []
    for spec in remote.files:
        path = folder / spec.name
        if path.exists():
            verify(path, spec)
        elif download:
            download_file(spec, folder, mirrors(remote.mirrors), progress=progress)
        else:
            raise DataError(
                f"{remote.name} is not in the cache ({path} is missing); allow downloading, "
                f"or copy the four .gz files into {folder}."
            )
        paths.append(path)
    return paths


def _find(folder: Path, stem: str) -> Path | None:
    """The file for ``stem``: gzip or raw, also spelled like ``train-images.idx3-ubyte``."""
    for base in (stem, stem.replace("-idx", ".idx")):
        for name in (base + ".gz", base):
            if (folder / name).is_file():
                return folder / name
    return None


def _read_pair(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    images, labels = read_idx(images_path), read_idx(labels_path)
    where = f"{images_path.name} and {labels_path.name} in {images_path.parent}"
    return images, check_pair(images, labels, where)


def load_dir(
    folder: str | os.PathLike,
    *,
    name: str | None = None,
    description: str | None = None,
    class_names: tuple[str, ...] = DIGIT_NAMES,
) -> Dataset:
    """Load a folder of IDX files; with only one of the train/t10k pairs, split it 80/20."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise DataError(f"{folder} is not a folder; {_VALID}.")
    pairs = {}
    for split, stems in (("train", TRAIN_STEMS), ("t10k", TEST_STEMS)):
        found = [_find(folder, stem) for stem in stems]
        if any(found) and not all(found):
            missing = stems[found.index(None)]
            raise DataError(
                f"{folder} has no {missing}(.gz) to go with the other {split} file; add it."
            )
        if all(found):
            pairs[split] = _read_pair(*found)
    name = name or str(folder)
    description = description or f"IDX files in {folder}"
    if len(pairs) == 2:
        (train_x, train_y), (test_x, test_y) = pairs["train"], pairs["t10k"]
        return Dataset(name, description, train_x, train_y, test_x, test_y, class_names)
    if not pairs:
        raise DataError(f"{folder} holds no IDX files; {_VALID}.")
    ((split, (images, labels)),) = pairs.items()
    cut = len(labels) * 4 // 5
    if cut < 1 or cut == len(labels):
        raise DataError(
            f"{folder} holds only {len(labels)} {split} images, too few to split 80/20; add more."
        )
    description += (
        f"; only {split} files, so the first {cut:,} images train and the last "
        f"{len(labels) - cut:,} test (80/20 in file order)"
    )
    return Dataset(
        name, description, images[:cut], labels[:cut], images[cut:], labels[cut:], class_names
    )


def _load_remote(
    remote: Remote, cache_dir: str | os.PathLike | None, download: bool, progress: bool
) -> Dataset:
    folder = fetch(remote.name, cache_dir=cache_dir, download=download, progress=progress)[0].parent
    return load_dir(
        folder, name=remote.name, description=remote.description, class_names=remote.class_names
    )


def _has_all_files(folder: Path) -> bool:
    return all(_find(folder, stem) for stem in TRAIN_STEMS + TEST_STEMS)


def load(
    source: str | os.PathLike,
    *,
    cache_dir: str | os.PathLike | None = None,
    download: bool = True,
    progress: bool = True,
) -> Dataset:
    """Load a dataset by name (``mnist``, ``fashion-mnist``, ``embedded``) or from a folder.

    Names ignore case and surrounding spaces, and win over a folder of the same
    name; write ``./mnist`` for the folder.
    """
    if isinstance(source, str) and source.strip().lower() in SOURCES:
        source = source.strip().lower()
    if source == embedded.NAME:
        return embedded.load_embedded(cache_dir)
    if source == FASHION_MNIST.name and _has_all_files(DEBIAN_FASHION_DIR):
        # Debian's package ships the full set; it is checked structurally, not by checksum.
        return load_dir(
            DEBIAN_FASHION_DIR,
            name=FASHION_MNIST.name,
            description=f"{FASHION_MNIST.description}, from {DEBIAN_FASHION_DIR}",
            class_names=FASHION_NAMES,
        )
    if isinstance(source, str) and source in REMOTES:
        return _load_remote(REMOTES[source], cache_dir, download, progress)
    folder = Path(source).expanduser()
    if not folder.exists():
        raise DataError(f"Unknown data source {str(source)!r}; {_VALID}.")
    return load_dir(folder)


def load_default(
    *,
    cache_dir: str | os.PathLike | None = None,
    download: bool = True,
    progress: bool = True,
) -> Dataset:
    """MNIST when cached or downloadable, else the embedded digits with a ``notice`` saying why."""
    try:
        return load(MNIST.name, cache_dir=cache_dir, download=download, progress=progress)
    except DataError as error:
        fallback = embedded.load_embedded(cache_dir)
        return dataclasses.replace(
            fallback, notice=fallback_notice(error, fallback.n_train + fallback.n_test)
        )


# Words in a download error that mean this computer reached no server at all.
_OFFLINE = (
    "Name or service not known",
    "Temporary failure in name resolution",
    "nodename nor servname",
    "getaddrinfo failed",
    "Network is unreachable",
    "No route to host",
    "Connection refused",
)


def fallback_notice(error: Exception, n_images: int) -> str:
    """One plain sentence for a student and a teacher: MNIST could not be had, what the lab
    uses instead, and what to do. The mirrors' addresses and error codes stay out of it."""
    text = str(error)
    deadline = re.search(r"did not finish within [0-9.]+ s", text)
    if deadline:
        why = f" (the download {deadline.group(0)})"
    elif any(words in text for words in _OFFLINE):
        why = " (this computer seems to be offline)"
    elif "checksum" in text:
        why = " (the downloaded files were damaged)"
    else:
        why = ""
    return (
        f"MNIST could not be downloaded{why}, so the lab is using its {n_images:,} built-in "
        "digits instead; to get MNIST, connect to the internet and start the lab again."
    )


def clear_cache(cache_dir: str | os.PathLike | None = None, name: str | None = None) -> list[Path]:
    """Delete our downloaded and parsed data (one source, or all); return what was removed.

    Only files this module writes are touched, so a cache directory that also
    holds other things (or was set to a shared folder by mistake) stays intact.
    """
    names = [name] if name else list(SOURCES)
    unknown = [n for n in names if n not in SOURCES]
    if unknown:
        raise DataError(f"No cached data source {unknown[0]!r}; use one of {', '.join(SOURCES)}.")
    root = resolve_cache_dir(cache_dir)
    removed = []
    for source in names:
        folder = root / source
        if not folder.is_dir():
            continue
        if source in REMOTES:
            ours = {spec.name for spec in REMOTES[source].files}
        else:
            ours = {embedded.OLD_CACHE_FILE}
        for path in sorted(folder.iterdir()):
            if path.is_file() and (path.name in ours or path.name.endswith(PART_SUFFIX)):
                path.unlink()
                removed.append(path)
        if not any(folder.iterdir()):
            folder.rmdir()
            removed.append(folder)
    return removed
