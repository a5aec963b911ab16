"""Pure analyses of datasets and fitted models; arrays in, arrays out.

Every function accepts Neuron Lab's models and scikit-learn's fitted ones, and
neither plots nor reads files: the views draw what these return.
"""

from neuronlab.analysis.activations import HiddenActivations, hidden_activations, ten_outputs
from neuronlab.analysis.confusion import Confusion, Mistakes, confusion, most_confident_mistakes
from neuronlab.analysis.means import class_means, mean_difference, overlay
from neuronlab.analysis.shift import shift_accuracy
from neuronlab.analysis.sweep import DEFAULT_SIZES, SweepResult, hidden_sweep
from neuronlab.analysis.weights import LinearWeights, MLPWeights, linear_weights, mlp_weights

__all__ = [
    "DEFAULT_SIZES",
    "Confusion",
    "HiddenActivations",
    "LinearWeights",
    "MLPWeights",
    "Mistakes",
    "SweepResult",
    "class_means",
    "confusion",
    "hidden_activations",
    "hidden_sweep",
    "linear_weights",
    "mean_difference",
    "mlp_weights",
    "most_confident_mistakes",
    "overlay",
    "shift_accuracy",
    "ten_outputs",
]
