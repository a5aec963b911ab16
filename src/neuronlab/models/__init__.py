"""Models: one neuron, logistic regression and a one-hidden-layer network, fast in NumPy.

Nothing here imports the rest of the app; the estimators follow scikit-learn's
interface so either ours or scikit-learn's fitted models can be inspected.
"""

from neuronlab.models.activations import ACTIVATIONS, Activation, get_activation
from neuronlab.models.logistic import LogisticRegression
from neuronlab.models.neuron import COURSE_WEIGHTS, Neuron
from neuronlab.models.training import EpochInfo

__all__ = [
    "ACTIVATIONS",
    "COURSE_WEIGHTS",
    "Activation",
    "EpochInfo",
    "LogisticRegression",
    "Neuron",
    "get_activation",
]
