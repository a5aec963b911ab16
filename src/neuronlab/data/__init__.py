"""Datasets for the lab: IDX files, downloads with a verified cache, sources and transforms.

``load("mnist")`` downloads MNIST once (pinned by size and SHA-256) and reuses it;
``load("embedded")`` needs no network; any folder of IDX files works too.
"""

from neuronlab.data.dataset import DIGIT_NAMES, Dataset, format_summary, summary
from neuronlab.data.download import FileSpec, cache_dir
from neuronlab.data.embedded import load_embedded
from neuronlab.data.idx import read_idx, write_idx
from neuronlab.data.sources import (
    FASHION_NAMES,
    SOURCES,
    clear_cache,
    fetch,
    load,
    load_default,
    load_dir,
)
from neuronlab.data.transforms import (
    Split,
    augment_shifts,
    module_pair_split,
    module_ten_split,
    scale,
    select_classes,
    shift,
)

__all__ = [
    "DIGIT_NAMES",
    "FASHION_NAMES",
    "SOURCES",
    "Dataset",
    "FileSpec",
    "Split",
    "augment_shifts",
    "cache_dir",
    "clear_cache",
    "fetch",
    "format_summary",
    "load",
    "load_default",
    "load_dir",
    "load_embedded",
    "module_pair_split",
    "module_ten_split",
    "read_idx",
    "scale",
    "select_classes",
    "shift",
    "summary",
    "write_idx",
]
