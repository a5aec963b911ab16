"""Activation table, the neuron, and derivatives against finite differences."""

import numpy as np
import pytest

from neuronlab.models import ACTIVATIONS, COURSE_WEIGHTS, Neuron, get_activation
from neuronlab.models.activations import FORWARD_INPLACE, OUTPUT_DERIVATIVE

Z = np.linspace(-6, 6, 241) + 1e-3  # avoid relu's kink at exactly 0


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_derivative_matches_finite_difference(name):
    act = ACTIVATIONS[name]
    h = 1e-6
    numeric = (act.fn(Z + h) - act.fn(Z - h)) / (2 * h)
    np.testing.assert_allclose(act.derivative(Z), numeric, atol=1e-6)


def test_aliases_share_one_activation():
    assert ACTIVATIONS["logistic"] is ACTIVATIONS["sigmoid"]
    assert ACTIVATIONS["identity"] is ACTIVATIONS["linear"]


def test_sigmoid_is_stable_for_large_inputs():
    with np.errstate(over="raise"):
        out = ACTIVATIONS["sigmoid"].fn(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_allclose(out, [0.0, 0.5, 1.0])


def test_unknown_activation_lists_choices():
    with pytest.raises(ValueError, match="relu"):
        get_activation("swish")


@pytest.mark.parametrize("name", sorted(FORWARD_INPLACE))
def test_inplace_forms_agree_with_table(name):
    act = ACTIVATIONS[name]
    a = Z.astype(np.float32)
    FORWARD_INPLACE[name](a)
    np.testing.assert_allclose(a, act.fn(Z), rtol=1e-5, atol=1e-6)
    delta = np.ones_like(a)
    OUTPUT_DERIVATIVE[name](a, delta, np.empty_like(a))
    np.testing.assert_allclose(delta, act.derivative(Z), rtol=1e-4, atol=1e-5)


def test_course_neuron_uses_minus_four_as_fifth_weight():
    neuron = Neuron.course_default()
    assert tuple(neuron.weights) == COURSE_WEIGHTS == (2.0, 4.0, -2.0, 0.0, -4.0)
    x = [1.0, 1.0, 0.0, 0.0, 1.0]
    assert neuron.z(x) == pytest.approx(2.0)
    assert neuron.output(x) == pytest.approx(1 / (1 + np.exp(-2.0)))
    np.testing.assert_allclose(neuron.weighted_inputs(x), [2.0, 4.0, 0.0, 0.0, -4.0])


def test_neuron_batches_and_activations():
    neuron = Neuron([1.0, -1.0], bias=0.5, activation="relu")
    np.testing.assert_allclose(neuron.output([[0.0, 1.0], [1.0, 0.0]]), [0.0, 1.5])
    assert Neuron([1.0, 0.0], activation="linear").output([-3.0, 9.0]) == pytest.approx(-3.0)


@pytest.mark.parametrize(
    ("weights", "x"),
    [([[1.0, 2.0]], [1.0, 2.0]), ([], []), ([1.0, 2.0], [1.0, 2.0, 3.0])],
)
def test_neuron_rejects_bad_shapes(weights, x):
    with pytest.raises(ValueError, match="weights|inputs"):
        Neuron(weights).z(x)
