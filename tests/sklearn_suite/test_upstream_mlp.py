"""scikit-learn's own MLP tests (sklearn/neural_network/tests/test_mlp.py), run on our MLP.

Tests of what we do not offer are skipped in upstream_skips.py, each with its reason.
"""

import _upstream

from neuronlab.models import MLPClassifier

_module = _upstream.load(
    "neural_network/tests/test_mlp.py",
    {("sklearn.neural_network", "MLPClassifier"): MLPClassifier},
)
globals().update(_upstream.tests_of(_module))
