"""The learned weights of a fitted model, in one shape whoever trained it.

Views accept our models and scikit-learn's fitted ones. These functions read
either and return plain arrays, so nothing downstream has to know which it got.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neuronlab.errors import NeuronLabError


@dataclass(frozen=True)
class LinearWeights:
    """One row of weights and one intercept per output neuron of a linear model.

    A binary model has one neuron (k = 1): positive evidence means ``classes[1]``.
    """

    coef: np.ndarray
    intercept: np.ndarray
    classes: np.ndarray

    def decision(self, x: np.ndarray) -> np.ndarray:
        """Each neuron's total input ``z = w·x + b`` for the rows of ``x`` (n, 784)."""
        return np.atleast_2d(x) @ self.coef.T + self.intercept

    def evidence_for(self, label: object) -> np.ndarray:
        """The 784 weights oriented so that positive values favour class ``label``.

        A binary model's single neuron votes for ``classes[1]``, so for
        ``classes[0]`` its weights are negated.
        """
        matches = np.flatnonzero(self.classes.astype(str) == str(label))
        if not matches.size:
            raise NeuronLabError(
                f"Class {label} is not one of {self.classes.tolist()}: "
                "pick a class the model knows."
            )
        if len(self.coef) == 1:
            return self.coef[0] if matches[0] == 1 else -self.coef[0]
        return self.coef[matches[0]]


@dataclass(frozen=True)
class MLPWeights:
    """Weights, biases and activation of a fitted multi-layer perceptron."""

    coefs: tuple[np.ndarray, ...]
    intercepts: tuple[np.ndarray, ...]
    activation: str
    out_activation: str
    classes: np.ndarray

    @property
    def n_hidden(self) -> int:
        """Number of units in the first hidden layer."""
        return self.coefs[0].shape[1]


_LINEAR = "logistic regression (Neuron Lab's or scikit-learn's, or a OneVsRestClassifier of them)"


def _unsupported(model: object, wanted: str) -> NeuronLabError:
    return NeuronLabError(
        f"Cannot read weights from a {type(model).__name__}: pass a fitted {wanted}."
    )


def linear_weights(model: object) -> LinearWeights:
    """Read the weights of a fitted logistic regression.

    Accepts ours, scikit-learn's ``LogisticRegression`` (binary or multinomial)
    and ``OneVsRestClassifier`` wrapping logistic regressions, whose per-class
    estimators are stacked into one ``(k, n_features)`` matrix.
    """
    if hasattr(model, "estimators_") and hasattr(model, "classes_"):
        if not all(hasattr(e, "coef_") for e in model.estimators_):
            raise _unsupported(model, _LINEAR)
        parts = [linear_weights(estimator) for estimator in model.estimators_]
        coef = np.vstack([part.coef for part in parts])
        intercept = np.concatenate([part.intercept for part in parts])
        return LinearWeights(coef, intercept, np.asarray(model.classes_))
    if hasattr(model, "coef_") and hasattr(model, "intercept_"):
        coef = np.atleast_2d(np.asarray(model.coef_, dtype=np.float64))
        intercept = np.atleast_1d(np.asarray(model.intercept_, dtype=np.float64))
        if intercept.shape != (coef.shape[0],):
            intercept = np.broadcast_to(intercept, (coef.shape[0],)).copy()
        classes = np.asarray(getattr(model, "classes_", np.arange(max(coef.shape[0], 2))))
        return LinearWeights(coef, intercept, classes)
    if hasattr(model, "coefs_"):
        raise NeuronLabError(
            f"{type(model).__name__} is a network with hidden layers, not a linear model: "
            "use mlp_weights for it."
        )
    raise _unsupported(model, _LINEAR)


def mlp_weights(model: object) -> MLPWeights:
    """Read the layers of a fitted MLP classifier (ours or scikit-learn's)."""
    if not hasattr(model, "coefs_") or not hasattr(model, "intercepts_"):
        raise _unsupported(model, "MLPClassifier (Neuron Lab's or scikit-learn's)")
    coefs = tuple(np.asarray(c, dtype=np.float64) for c in model.coefs_)
    intercepts = tuple(np.asarray(b, dtype=np.float64) for b in model.intercepts_)
    n_outputs = coefs[-1].shape[1]
    default_out = "softmax" if n_outputs > 1 else "logistic"
    return MLPWeights(
        coefs=coefs,
        intercepts=intercepts,
        activation=str(getattr(model, "activation", "relu")),
        out_activation=str(getattr(model, "out_activation_", default_out)),
        classes=np.asarray(getattr(model, "classes_", np.arange(max(n_outputs, 2)))),
    )
