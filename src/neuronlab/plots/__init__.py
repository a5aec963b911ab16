"""Matplotlib figures of every chapter; each function returns a ``Figure``.

Figures are built without pyplot, so they work under any backend (Agg on a
server, inline in Jupyter) and never open windows. Colours: weights red (+) /
blue (−) centred at zero, input × weight green (+) / magenta (−) on a symmetric
range, images and unit outputs grey.
"""

from neuronlab.plots.convnet import cnn_figure
from neuronlab.plots.curves import shift_curve_figure, sweep_figure, training_curves
from neuronlab.plots.digits import digit_rows_figure, shift_figure
from neuronlab.plots.gallery import write_all
from neuronlab.plots.hidden import hidden_activations_figure, hidden_grid
from neuronlab.plots.linear import (
    confusion_figure,
    five_panels,
    ten_outputs_figure,
    weight_maps,
    weight_strip,
)
from neuronlab.plots.mistakes import mistakes_figure
from neuronlab.plots.neuron import neuron_figure

__all__ = [
    "cnn_figure",
    "confusion_figure",
    "digit_rows_figure",
    "five_panels",
    "hidden_activations_figure",
    "hidden_grid",
    "mistakes_figure",
    "neuron_figure",
    "shift_curve_figure",
    "shift_figure",
    "sweep_figure",
    "ten_outputs_figure",
    "training_curves",
    "weight_maps",
    "weight_strip",
    "write_all",
]
