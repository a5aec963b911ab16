"""Neuron Lab: see how a neural network learns its own features from handwritten digits.

The library has four layers, each importing only the ones before it:
``neuronlab.data`` (datasets), ``neuronlab.models`` (a neuron, logistic regression, an MLP),
``neuronlab.analysis`` (means, confusion, hidden activations, shift, sweep) and
``neuronlab.plots`` (a figure for every chapter). The most used names are importable from here.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# Loaded on first use so that `import neuronlab` stays fast and pulls in no plotting code.
_LAZY = {
    "load": "neuronlab.data",
    "Dataset": "neuronlab.data",
    "LogisticRegression": "neuronlab.models",
    "MLPClassifier": "neuronlab.models",
    "Neuron": "neuronlab.models",
    "make_model": "neuronlab.models",
    "save_model": "neuronlab.models",
    "load_model": "neuronlab.models",
    "train": "neuronlab.training",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'neuronlab' has no attribute {name!r}")
