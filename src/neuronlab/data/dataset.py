"""The Dataset every layer receives: checked uint8 images, int64 labels, names."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from neuronlab.data.transforms import scale
from neuronlab.errors import DataError

IMAGE_SHAPE = (28, 28)
N_CLASSES = 10
DIGIT_NAMES: tuple[str, ...] = tuple(str(d) for d in range(N_CLASSES))


def check_pair(images: np.ndarray, labels: np.ndarray, where: str) -> np.ndarray:
    """Check that images and labels form a dataset split; return labels as int64.

    ``where`` names the files or split so the message points at the culprit.
    """
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise DataError(
            f"{where}: images have shape {images.shape}, not (N, 28, 28); "
            "use 28x28 MNIST-style image files."
        )
    if images.dtype != np.uint8:
        raise DataError(
            f"{where}: images are {images.dtype}, not uint8 pixels 0..255; "
            "use MNIST-style image files."
        )
    if labels.ndim != 1:
        raise DataError(f"{where}: labels have shape {labels.shape}, not (N,); use a label file.")
    if labels.dtype.kind not in "ui":
        raise DataError(f"{where}: labels are {labels.dtype}, not integers; use a label file.")
    if len(images) != len(labels):
        raise DataError(
            f"{where}: {len(images):,} images but {len(labels):,} labels; "
            "use the image and label files that belong together."
        )
    if len(labels) == 0:
        raise DataError(f"{where}: there are no images; use files that hold some digits.")
    if labels.min() < 0 or labels.max() >= N_CLASSES:
        raise DataError(
            f"{where}: labels range over {labels.min()}..{labels.max()}, not 0..9; "
            "use a label file with ten classes."
        )
    return labels.astype(np.int64, copy=False)


def _frozen(array: np.ndarray) -> np.ndarray:
    """A read-only view, so a shared dataset cannot be changed behind everyone's back."""
    view = array.view()
    view.flags.writeable = False
    return view


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """Images and labels of one data source, split into train and test.

    ``notice`` is empty unless something needs telling, e.g. that
    :func:`~neuronlab.data.load_default` fell back to the embedded digits.
    The arrays are read-only views. Datasets compare and hash by identity.
    """

    name: str
    description: str
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    class_names: tuple[str, ...] = DIGIT_NAMES
    embedded: bool = False
    notice: str = ""

    def __post_init__(self) -> None:
        for split in ("train", "test"):
            images = np.asarray(getattr(self, f"{split}_images"))
            labels = check_pair(images, np.asarray(getattr(self, f"{split}_labels")), split)
            object.__setattr__(self, f"{split}_images", _frozen(images))
            object.__setattr__(self, f"{split}_labels", _frozen(labels))
        if len(self.class_names) != N_CLASSES:
            raise DataError(f"a dataset needs 10 class names, got {len(self.class_names)}.")
        object.__setattr__(self, "class_names", tuple(self.class_names))

    def __repr__(self) -> str:
        return (
            f"Dataset(name={self.name!r}, n_train={self.n_train}, n_test={self.n_test}, "
            f"embedded={self.embedded})"
        )

    @property
    def n_train(self) -> int:
        """Number of training images."""
        return len(self.train_labels)

    @property
    def n_test(self) -> int:
        """Number of test images."""
        return len(self.test_labels)

    def X_train(self) -> np.ndarray:
        """Training images as float32 rows of 784 pixels in [0, 1]."""
        return scale(self.train_images)

    def X_test(self) -> np.ndarray:
        """Test images as float32 rows of 784 pixels in [0, 1]."""
        return scale(self.test_images)

    def subset(self, n_train: int | None = None, n_test: int | None = None) -> Dataset:
        """The first ``n_train`` training and ``n_test`` test images (None keeps all)."""
        for label, n in (("n_train", n_train), ("n_test", n_test)):
            if n is not None and n < 1:
                raise DataError(f"{label} must be at least 1, got {n}.")
        return dataclasses.replace(
            self,
            train_images=self.train_images[:n_train],
            train_labels=self.train_labels[:n_train],
            test_images=self.test_images[:n_test],
            test_labels=self.test_labels[:n_test],
        )

    def summary(self) -> dict[str, Any]:
        """See :func:`summary`."""
        return summary(self)


def summary(dataset: Dataset) -> dict[str, Any]:
    """Plain facts about a dataset (JSON-friendly): sizes, shape, values, class counts."""
    both = (dataset.train_images, dataset.test_images)
    return {
        "name": dataset.name,
        "description": dataset.description,
        "embedded": dataset.embedded,
        "n_train": dataset.n_train,
        "n_test": dataset.n_test,
        "image_shape": list(IMAGE_SHAPE),
        "dtype": str(dataset.train_images.dtype),
        "value_range": [min(int(a.min()) for a in both), max(int(a.max()) for a in both)],
        "class_names": list(dataset.class_names),
        "train_class_counts": np.bincount(dataset.train_labels, minlength=N_CLASSES).tolist(),
        "test_class_counts": np.bincount(dataset.test_labels, minlength=N_CLASSES).tolist(),
        "notice": dataset.notice,
    }


def format_summary(dataset: Dataset) -> str:
    """The summary as a few lines of text, e.g. for ``neuronlab data info``."""
    info = summary(dataset)
    lines = [
        f"{info['name']}: {info['description']}",
        f"  train: {info['n_train']:,} images, test: {info['n_test']:,} images",
        f"  each image: {info['image_shape'][0]}x{info['image_shape'][1]} {info['dtype']} pixels, "
        f"values {info['value_range'][0]}..{info['value_range'][1]}",
        "  class        train   test",
    ]
    for name, n_train, n_test in zip(
        info["class_names"], info["train_class_counts"], info["test_class_counts"], strict=True
    ):
        lines.append(f"  {name:<11} {n_train:>6,} {n_test:>6,}")
    if info["notice"]:
        lines.append(f"  note: {info['notice']}")
    return "\n".join(lines)
