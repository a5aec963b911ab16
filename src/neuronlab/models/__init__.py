"""Models: one neuron, logistic regression, a hidden-layer network and a small CNN, in NumPy.

Nothing here imports the rest of the app. The estimators follow scikit-learn's
interface, so the lab can look inside either ours or scikit-learn's fitted models.
"""

from neuronlab.models.activations import ACTIVATIONS, Activation, get_activation
from neuronlab.models.convnet import ConvNetClassifier, FeatureMaps
from neuronlab.models.logistic import LogisticRegression
from neuronlab.models.mlp import MLPClassifier
from neuronlab.models.neuron import COURSE_WEIGHTS, Neuron
from neuronlab.models.persistence import load_model, save_model
from neuronlab.models.presets import make_model
from neuronlab.models.training import EpochInfo

__all__ = [
    "ACTIVATIONS",
    "COURSE_WEIGHTS",
    "Activation",
    "ConvNetClassifier",
    "EpochInfo",
    "FeatureMaps",
    "LogisticRegression",
    "MLPClassifier",
    "Neuron",
    "get_activation",
    "load_model",
    "make_model",
    "save_model",
]
