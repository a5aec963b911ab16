"""The lab's views as notebook widgets: build one from a dataset and fitted models.

Models may be Neuron Lab's or scikit-learn's fitted ``LogisticRegression``,
``OneVsRestClassifier`` and ``MLPClassifier``. Every slider and choice is a
synced trait, so the kernel can read what the learner picked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import traitlets

from neuronlab.analysis import class_means, linear_weights, shift_accuracy
from neuronlab.data import Dataset
from neuronlab.errors import NeuronLabError
from neuronlab.models import Neuron
from neuronlab.notebook import payload
from neuronlab.notebook.base import DataWidget, LabWidget

# The page's activations, under their names and scikit-learn's.
ACTIVATIONS = {
    **{name: name for name in ("sigmoid", "linear", "relu", "arctan")},
    "logistic": "sigmoid",
    "identity": "linear",
}
SHIFTS = list(range(-8, 9))


class NeuronWidget(LabWidget):
    """One neuron with five inputs (chapter 1 of the lab)."""

    _view = "neuron.js"
    inputs = traitlets.List(traitlets.Float(), default_value=[0.0] * 5).tag(sync=True)
    weights = traitlets.List(traitlets.Float(), default_value=[2.0, 4.0, -2.0, 0.0, -4.0]).tag(
        sync=True
    )
    bias = traitlets.Float(0.0).tag(sync=True)
    activation = traitlets.Unicode("sigmoid").tag(sync=True)

    @traitlets.validate("activation")
    def _known_activation(self, proposal: dict[str, Any]) -> str:
        name = proposal["value"]
        if name not in ACTIVATIONS:
            raise NeuronLabError(
                f"Unknown activation {name!r}; choose one of {', '.join(sorted(ACTIVATIONS))}."
            )
        return ACTIVATIONS[name]

    @traitlets.validate("inputs", "weights")
    def _five(self, proposal: dict[str, Any]) -> list[float]:
        if len(proposal["value"]) != 5:
            raise NeuronLabError("The neuron has five inputs: give five numbers.")
        return proposal["value"]

    @property
    def output(self) -> float:
        """The neuron's output for the current inputs (the number the widget shows)."""
        neuron = Neuron(self.weights, self.bias, self.activation)
        return float(np.ravel(neuron.output(np.asarray(self.inputs)))[0])


class DigitRowsWidget(DataWidget):
    """A test digit as 28 rows of numbers laid end to end (chapter 2)."""

    _view = "rows.js"
    digit = traitlets.Int(0).tag(sync=True)
    position = traitlets.Int(0).tag(sync=True)
    row = traitlets.Int(14).tag(sync=True)

    @property
    def index(self) -> int:
        """The chosen test image's index in the dataset."""
        members = np.flatnonzero(
            self.data.test_labels[: payload.shown_images(self.data)] == self.digit
        )
        return int(members[min(self.position, len(members) - 1)])


def one_of_each(models: Sequence[Any]) -> tuple[Any, ...]:
    """``models`` if they are at most one logistic regression, one hidden-layer network and
    one CNN, as the lab's views show them; else a clear error."""
    kinds = [payload.kind(m) for m in models]
    if any(kinds.count(k) > 1 for k in set(kinds)):
        raise NeuronLabError(
            "The lab shows one logistic regression and one network at most, and one CNN; "
            "pass fewer models."
        )
    return tuple(models)


class ModelsWidget(DataWidget):
    """A view of test images read by fitted models (one of each kind at most)."""

    models = traitlets.List().tag(sync=True)
    index = traitlets.Int(0).tag(sync=True)

    def __init__(self, data: Dataset, models: Sequence[Any], index: int = 0, **kwargs: Any) -> None:
        self.fitted = one_of_each(models)
        super().__init__(data, models=[payload.model_payload(m) for m in self.fitted], **kwargs)
        self.index = self.check_index(index)


class ShiftWidget(ModelsWidget):
    """A digit moved by whole pixels, what the models answer, and accuracy against shift
    (chapter 5). Takes at most one logistic regression and one network."""

    _view = "shift.js"
    dy = traitlets.Int(0).tag(sync=True)
    dx = traitlets.Int(0).tag(sync=True)
    wrap = traitlets.Bool(True).tag(sync=True)
    row = traitlets.Int(14).tag(sync=True)
    axis = traitlets.Unicode("vertical").tag(sync=True)
    shifts = traitlets.List(default_value=SHIFTS).tag(sync=True)
    shift_curves = traitlets.List().tag(sync=True)

    def __init__(self, data: Dataset, models: Sequence[Any] = (), index: int = 0) -> None:
        models = one_of_each(models)
        n = payload.shown_images(data)
        images, labels = data.test_images[:n], data.test_labels[:n]
        curves = [
            {
                f"{axis}:{int(wrap)}": shift_accuracy(m, images, labels, SHIFTS, axis, wrap)
                for axis in ("vertical", "horizontal")
                for wrap in (False, True)
            }
            for m in models
        ]
        lists = [{key: acc.tolist() for key, acc in c.items()} for c in curves]
        super().__init__(data, models, index, shift_curves=lists)


class HiddenUnitsWidget(ModelsWidget):
    """One test image through a network's hidden layer: input x weights of each unit, each
    unit's total input and output, and the class probabilities (chapter 6)."""

    _view = "hidden.js"

    def __init__(self, model: Any, data: Dataset, index: int = 0) -> None:
        if not payload.is_network(model):
            raise NeuronLabError(
                f"hidden_units needs a network with a hidden layer, not a "
                f"{type(model).__name__}: pass a fitted MLPClassifier."
            )
        super().__init__(data, (model,), index)


class CnnWidget(ModelsWidget):
    """A convolutional network's filters and one test image through it: each filter's map,
    the maps after ReLU and pooling, and the class probabilities (chapter 6b). ``dy`` and
    ``dx`` move the image, and the maps move with it."""

    _view = "cnn.js"
    dy = traitlets.Int(0).tag(sync=True)
    dx = traitlets.Int(0).tag(sync=True)

    def __init__(self, model: Any, data: Dataset, index: int = 0) -> None:
        if not payload.is_cnn(model):
            raise NeuronLabError(
                f"cnn needs a fitted ConvNetClassifier, not a {type(model).__name__}: train "
                "one with neuronlab.training.train(data, 'cnn', 'fast')."
            )
        super().__init__(data, (model,), index)


class DrawWidget(ModelsWidget):
    """A drawing pad whose digit the models read live (chapter 8)."""

    _view = "draw.js"


class WeightsWidget(LabWidget):
    """A model's weight maps: one per logistic neuron, or one per hidden unit."""

    _view = "weights.js"
    models = traitlets.List().tag(sync=True)

    def __init__(self, model: Any) -> None:
        self.fitted = model
        super().__init__(models=[payload.model_payload(model)])


class CompareWidget(LabWidget):
    """Two classes side by side with the weights that tell them apart (chapters 3 and 4).

    The panels are: mean of A, mean of B, both overlaid, B - A and the weights, oriented so
    that red favours B. With ``b=-1`` ("the rest") A is every other class and B is ``a``,
    so the weights are those of neuron ``a``, as in the lab's chapter 4.
    """

    _view = "compare.js"
    a = traitlets.Int(1).tag(sync=True)
    b = traitlets.Int(-1).tag(sync=True)
    means = traitlets.Bytes().tag(sync=True)
    weights = traitlets.Bytes(allow_none=True).tag(sync=True)
    labels = traitlets.List().tag(sync=True)
    # The dataset's class names, so the choices and titles name classes as the page does.
    dataset = traitlets.Dict().tag(sync=True)

    def __init__(self, data: Dataset, model: Any, a: int, b: int | None = None) -> None:
        if a == b:
            raise NeuronLabError(f"Compare two different classes; got {a} twice.")
        self.data = data
        self.linear = linear_weights(model)
        if b is None and len(self.linear.classes) == 2 and str(a) in self.pair:
            # A two-class model knows a against its other class, not against "the rest".
            b = int(next(c for c in self.linear.classes if str(c) != str(a)))
        names = {"class_names": list(data.class_names)}
        super().__init__(a=a, b=-1 if b is None else b, dataset=names)
        self._draw()

    @property
    def pair(self) -> set[str]:
        """The two classes of a two-class model (empty for a model of more classes)."""
        return {str(c) for c in self.linear.classes} if len(self.linear.classes) == 2 else set()

    @traitlets.observe("a", "b")
    def _redraw(self, change: dict[str, Any]) -> None:
        # Before the first drawing, and while the two choices name one class, keep the panels.
        if self.means and self.a != self.b:
            self._draw()

    def _draw(self) -> None:
        a, b = self.a, None if self.b < 0 else self.b
        mean_a, mean_b = class_means(self.data.test_images, self.data.test_labels, a, b)
        name = self.data.class_names
        if b is None:
            first, second, names = mean_b, mean_a, ["the rest", name[a]]
        else:
            first, second, names = mean_a, mean_b, [name[a], name[b]]
        with self.hold_sync():
            self.weights = self._evidence(a, b)
            self.labels = names
            self.means = payload.f32(np.concatenate([first.ravel(), second.ravel()]))

    def _evidence(self, a: int, b: int | None) -> bytes | None:
        """The weights that favour B, or None when the model does not know the classes."""
        known = {str(c) for c in self.linear.classes}
        if str(a) not in known or (b is not None and str(b) not in known):
            return None
        if b is None and self.pair:
            return None  # one neuron for a pair says nothing about a against all the others
        if b is None:
            return payload.f32(self.linear.evidence_for(a))
        # One neuron per class: B against A is the difference of their weights.
        w = self.linear.evidence_for(b)
        if len(self.linear.coef) > 1:
            w = w - self.linear.evidence_for(a)
        return payload.f32(w)
