"""scikit-learn's own MLP tests (sklearn/neural_network/tests/test_mlp.py), run on our MLP.

Tests of what we do not offer are skipped in upstream_skips.py, each with its reason.
"""

from neuronlab.models import MLPClassifier

from . import _upstream

_module = _upstream.load(
    "neural_network/tests/test_mlp.py",
    {("sklearn.neural_network", "MLPClassifier"): MLPClassifier},
)
globals().update(_upstream.tests_of(_module))
