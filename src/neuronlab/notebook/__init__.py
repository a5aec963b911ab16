"""Neuron Lab in Jupyter: the web lab's views as widgets (JupyterLab, Notebook 7, VS Code).

Each function returns an anywidget that draws with the same JavaScript as the web
page, from arrays the kernel sends as binary buffers. Models may be Neuron Lab's
(the CNN too) or scikit-learn's fitted ``LogisticRegression``, ``OneVsRestClassifier``
and ``MLPClassifier``::

    import neuronlab.notebook as nb
    nb.hidden_units(model, data)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from neuronlab.errors import NeuronLabError

try:
    import anywidget  # noqa: F401  (checked here so the message names the extra)
except ImportError as err:
    raise NeuronLabError(
        "The notebook widgets need anywidget: pip install neuronlab[notebook]"
    ) from err

from neuronlab.data import Dataset
from neuronlab.notebook.training import TrainWidget
from neuronlab.notebook.views import (
    CnnWidget,
    CompareWidget,
    DigitRowsWidget,
    DrawWidget,
    HiddenUnitsWidget,
    NeuronWidget,
    ShiftWidget,
    WeightsWidget,
)

__all__ = [
    "CnnWidget",
    "CompareWidget",
    "DigitRowsWidget",
    "DrawWidget",
    "HiddenUnitsWidget",
    "NeuronWidget",
    "ShiftWidget",
    "TrainWidget",
    "WeightsWidget",
    "cnn",
    "compare",
    "digit_rows",
    "draw",
    "hidden_units",
    "neuron",
    "shift",
    "train",
    "weights",
]


def neuron(
    weights: Sequence[float] = (2, 4, -2, 0, -4), bias: float = 0.0, activation: str = "sigmoid"
) -> NeuronWidget:
    """One neuron with five input sliders, editable weights, bias and activation."""
    return NeuronWidget(
        weights=[float(w) for w in weights], bias=float(bias), activation=activation
    )


def digit_rows(data: Dataset, index: int = 0) -> DigitRowsWidget:
    """Test image ``index`` as a grid of numbers and as one strip of 784 inputs."""
    widget = DigitRowsWidget(data)
    label = int(data.test_labels[widget.check_index(index)])
    position = int((data.test_labels[:index] == label).sum())
    widget.set_state({"digit": label, "position": position})
    return widget


def shift(data: Dataset, models: Sequence[Any] = (), index: int = 0) -> ShiftWidget:
    """Move test image ``index`` and watch the models' answers and accuracy change."""
    return ShiftWidget(data, models, index)


def compare(data: Dataset, model: Any, a: int, b: int | None = None) -> CompareWidget:
    """Mean of ``a``, mean of ``b`` (or of the rest), both overlaid, their difference, and the
    linear model's weights that tell them apart."""
    return CompareWidget(data, model, a, b)


def weights(model: Any) -> WeightsWidget:
    """The weight maps of a logistic regression's neurons or of a network's hidden units."""
    return WeightsWidget(model)


def hidden_units(model: Any, data: Dataset, index: int = 0) -> HiddenUnitsWidget:
    """Test image ``index`` through the network: input x weights of each hidden unit, their
    total inputs and outputs, and the class probabilities."""
    return HiddenUnitsWidget(model, data, index)


def train(data: Dataset, preset: str = "module", hidden: int = 25, **settings: Any) -> TrainWidget:
    """Train a network with ``hidden`` units live in the kernel; ``.model`` holds it when done.

    ``settings`` are the web lab's knobs, by the estimator's names: ``activation``, ``alpha``,
    ``learning_rate_init``, ``batch_size``, ``early_stopping``, ``max_epochs``, ``n_train``;
    e.g. ``train(data, alpha=0, early_stopping=False, n_train=500, hidden=100)`` overfits.
    """
    return TrainWidget(data, preset, hidden, **settings)


def cnn(model: Any, data: Dataset, index: int = 0) -> CnnWidget:
    """A convolutional network's learned filters, and test image ``index`` through it: each
    filter's map, the maps after pooling, the class probabilities; sliders move the image."""
    return CnnWidget(model, data, index)


def draw(*models: Any, data: Dataset | None = None) -> DrawWidget:
    """A drawing pad: the models (one logistic regression, one network, one CNN) read your
    digit live.
    ``data`` gives test digits to start from (default: the embedded offline digits)."""
    if data is None:
        from neuronlab.data import load

        data = load("embedded", progress=False)
    return DrawWidget(data, models)
