"""The notebook widgets, without a browser: what each sends to the page, and live training."""

from __future__ import annotations

import importlib
import sys
import warnings

import numpy as np
import pytest

pytest.importorskip("anywidget")

from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.multiclass import OneVsRestClassifier  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

import neuronlab.notebook as nb  # noqa: E402
from neuronlab.analysis import class_means, linear_weights, mlp_weights, shift_accuracy  # noqa: E402
from neuronlab.errors import NeuronLabError  # noqa: E402
from neuronlab.notebook import sources  # noqa: E402
from neuronlab.notebook.payload import MAX_TEST_IMAGES  # noqa: E402
from neuronlab.training import split_for, train  # noqa: E402

VIEWS = [
    nb.NeuronWidget,
    nb.DigitRowsWidget,
    nb.ShiftWidget,
    nb.CompareWidget,
    nb.WeightsWidget,
    nb.HiddenUnitsWidget,
    nb.DrawWidget,
    nb.TrainWidget,
]


@pytest.fixture(scope="module")
def data(mnist_small):
    return mnist_small.subset(1500, 400)


@pytest.fixture(scope="module")
def models(data) -> dict[str, object]:
    """Our fast models and scikit-learn's, each fitted on the same real digits."""
    split = split_for(data)
    # scikit-learn's solvers are slower than ours: a few hundred digits and few iterations.
    X, y = split.X_train[:400], split.y_train[:400]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return {
            "ours-lr": train(data, "logistic", "fast").model,
            "ours-mlp": train(data, "mlp", "fast", hidden=12).model,
            "sk-lr": LogisticRegression(C=0.01, max_iter=30).fit(X, y),
            "sk-ovr": OneVsRestClassifier(LogisticRegression(C=0.01, max_iter=30)).fit(X, y),
            "sk-mlp": MLPClassifier((10,), max_iter=10, random_state=0).fit(X, y),
        }


LINEAR = ["ours-lr", "sk-lr", "sk-ovr"]
NETWORKS = ["ours-mlp", "sk-mlp"]


def f32(raw: bytes, *shape: int) -> np.ndarray:
    """A float32 payload as an array, checking it holds exactly ``shape``."""
    array = np.frombuffer(raw, dtype="<f4")
    assert array.size == int(np.prod(shape))
    return array.reshape(shape)


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v._view)
def test_every_relative_import_resolves(view) -> None:
    graph = sources.module_graph(view._view)
    keys = [m["key"] for m in graph]
    assert keys[-1] == f"{sources.NOTEBOOK_JS}/{view._view}"
    assert len(set(keys)) == len(keys)
    for position, module in enumerate(graph):
        found = {spec for _, spec in sources.IMPORT.findall(module["source"])}
        assert found == set(module["deps"])
        # Dependencies come first, so the loader can link each module as it goes.
        assert all(keys.index(dep) < position for dep in module["deps"].values())


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v._view)
def test_views_use_the_notebook_data_instead_of_the_server(view) -> None:
    graph = sources.module_graph(view._view)
    importers = {
        dep: m["key"] for m in graph for dep in m["deps"].values() if dep.endswith("/api.js")
    }
    # Only the web page's data module touches the HTTP API, for its pure helpers.
    assert set(importers.values()) <= {f"{sources.JS}/data.js"}
    for module in graph:
        if module["key"] != f"{sources.NOTEBOOK_JS}/data.js":
            assert f"{sources.JS}/data.js" not in module["deps"].values()
            assert f"{sources.JS}/training.js" not in module["deps"].values()


def test_the_style_sheet_only_touches_widgets() -> None:
    rules = [r for r in sources.scoped_css().splitlines() if "{" in r]
    assert len(rules) > 50
    assert all(r.startswith(f".{sources.ROOT_CLASS}") for r in rules)
    assert all(f", .{sources.ROOT_CLASS}" in r for r in rules if "," in r.split("{")[0])
    assert "body" not in sources.scoped_css()


def test_the_loader_is_anywidget_module() -> None:
    assert "export default" in nb.NeuronWidget._esm
    assert "render(" in nb.NeuronWidget._esm


def test_neuron_defaults_and_output() -> None:
    widget = nb.neuron()
    assert widget.weights == [2.0, 4.0, -2.0, 0.0, -4.0]
    assert widget.output == pytest.approx(0.5)
    widget.inputs = [1.0, 1.0, 0.0, 0.0, 0.0]
    assert widget.output == pytest.approx(1 / (1 + np.exp(-6)))
    assert nb.neuron(activation="logistic").activation == "sigmoid"
    with pytest.raises(NeuronLabError, match="Unknown activation"):
        nb.neuron(activation="softsign")
    with pytest.raises(NeuronLabError, match="five"):
        nb.neuron(weights=(1, 2))


def test_digit_rows_sends_the_test_images_as_uint8(data) -> None:
    widget = nb.digit_rows(data, index=37)
    assert widget.index == 37
    assert widget.digit == data.test_labels[37]
    images = np.frombuffer(widget.test_images, dtype=np.uint8).reshape(-1, 28, 28)
    np.testing.assert_array_equal(images, data.test_images)
    np.testing.assert_array_equal(np.frombuffer(widget.test_labels, np.uint8), data.test_labels)
    assert widget.dataset["n_test"] == data.n_test
    with pytest.raises(NeuronLabError, match="choose an index from 0 to 399"):
        nb.digit_rows(data, index=400)


def test_at_most_a_fixed_number_of_test_images_is_sent(mnist_small) -> None:
    widget = nb.digit_rows(mnist_small.subset(10, MAX_TEST_IMAGES + 500))
    assert len(widget.test_images) == MAX_TEST_IMAGES * 784


@pytest.mark.parametrize("name", LINEAR)
def test_weights_of_a_linear_model(models, name) -> None:
    model = models[name]
    widget = nb.weights(model)
    payload = widget.models[0]
    assert payload["kind"] == "logistic"
    assert payload["classes"] == list(range(10))
    expected = linear_weights(model)
    np.testing.assert_allclose(f32(payload["coef"], 10, 784), expected.coef, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(f32(payload["intercept"], 10), expected.intercept, rtol=1e-6)
    assert payload["multi_class"] == ("multinomial" if name == "sk-lr" else "ovr")


@pytest.mark.parametrize("name", NETWORKS)
def test_hidden_units_sends_the_network_as_float32(models, data, name) -> None:
    model = models[name]
    widget = nb.hidden_units(model, data, index=5)
    assert widget.index == 5
    payload = widget.models[0]
    w = mlp_weights(model)
    h = w.n_hidden
    np.testing.assert_allclose(f32(payload["W0"], 784, h), w.coefs[0], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(f32(payload["b0"], h), w.intercepts[0], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(f32(payload["W1"], h, 10), w.coefs[1], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(f32(payload["b1"], 10), w.intercepts[1], rtol=1e-6, atol=1e-7)
    assert payload["activation"] == w.activation
    assert nb.weights(model).models[0]["kind"] == "mlp"


def test_hidden_units_needs_a_network(models, data) -> None:
    with pytest.raises(NeuronLabError, match="MLPClassifier"):
        nb.hidden_units(models["ours-lr"], data)


def test_networks_with_two_hidden_layers_are_refused(data) -> None:
    split = split_for(data.subset(300, 10))
    deep = MLPClassifier((6, 6), max_iter=5, random_state=0)
    with pytest.warns(ConvergenceWarning):
        deep.fit(split.X_train, split.y_train)
    with pytest.raises(NeuronLabError, match="one hidden layer"):
        nb.hidden_units(deep, data)


@pytest.mark.parametrize("name", ["ours-lr", "sk-ovr"])
def test_compare_a_digit_with_the_rest_then_with_another(models, data, name) -> None:
    model = models[name]
    widget = nb.compare(data, model, 3)
    assert widget.labels == ["the rest", "3"]
    mean_3, rest = class_means(data.test_images, data.test_labels, 3)
    means = f32(widget.means, 2, 784)
    np.testing.assert_allclose(means[0], rest.ravel(), atol=1e-6)
    np.testing.assert_allclose(means[1], mean_3.ravel(), atol=1e-6)
    lw = linear_weights(model)
    np.testing.assert_allclose(f32(widget.weights, 784), lw.coef[3], rtol=1e-5, atol=1e-7)
    # Choosing another class B (as the page's select does) recomputes the panels.
    widget.b = 5
    assert widget.labels == ["3", "5"]
    np.testing.assert_allclose(f32(widget.weights, 784), lw.coef[5] - lw.coef[3], atol=1e-6)
    with pytest.raises(NeuronLabError, match="different classes"):
        nb.compare(data, model, 4, 4)


def test_compare_with_a_binary_model(data) -> None:
    split = split_for(data.subset(300, 10), classes=(1, 8))
    pair = LogisticRegression(C=0.01).fit(split.X_train, split.y_train)
    widget = nb.compare(data, pair, 1, 8)
    np.testing.assert_allclose(f32(widget.weights, 784), pair.coef_[0], rtol=1e-5, atol=1e-7)
    widget.b = 7  # a class the pair never saw: panels without weights
    assert widget.weights is None
    assert widget.labels == ["1", "7"]


def test_compare_with_a_binary_model_and_no_b_shows_its_own_pair(data) -> None:
    """A 1-vs-8 model compared from 1 alone shows 1 against 8, never "1 vs the rest"."""
    split = split_for(data.subset(300, 10), classes=(1, 8))
    pair = LogisticRegression(C=0.01).fit(split.X_train, split.y_train)
    widget = nb.compare(data, pair, 1)
    assert (widget.b, widget.labels) == (8, ["1", "8"])
    np.testing.assert_allclose(f32(widget.weights, 784), pair.coef_[0], rtol=1e-5, atol=1e-7)
    widget.b = -1  # "the rest": one neuron for a pair cannot say, so no weights are drawn
    assert widget.labels == ["the rest", "1"] and widget.weights is None
    assert widget.dataset["class_names"] == list(data.class_names)


def test_shift_sends_the_accuracy_curves(models, data) -> None:
    lr, mlp = models["sk-ovr"], models["ours-mlp"]
    data = data.subset(10, 150)
    widget = nb.shift(data, (lr, mlp), index=2)
    assert [m["kind"] for m in widget.models] == ["logistic", "mlp"]
    assert widget.index == 2
    n = data.n_test
    for model, curves in zip((lr, mlp), widget.shift_curves, strict=True):
        assert set(curves) == {"vertical:0", "vertical:1", "horizontal:0", "horizontal:1"}
        expected = shift_accuracy(
            model, data.test_images[:n], data.test_labels[:n], widget.shifts, "horizontal", True
        )
        np.testing.assert_allclose(curves["horizontal:1"], expected)
    with pytest.raises(NeuronLabError, match="one logistic regression and one network"):
        nb.shift(data, (models["ours-lr"], models["sk-lr"]))
    with pytest.raises(NeuronLabError, match="one logistic regression and one network"):
        nb.draw(models["ours-mlp"], models["sk-mlp"], data=data)


def test_draw_takes_both_kinds_and_starts_from_test_digits(models, data) -> None:
    widget = nb.draw(models["sk-lr"], models["sk-mlp"], data=data)
    assert [m["kind"] for m in widget.models] == ["logistic", "mlp"]
    assert len(widget.test_labels) == data.n_test
    assert nb.draw(models["ours-mlp"]).dataset["embedded"] is True


def test_train_runs_in_the_background_and_reports_each_epoch(data) -> None:
    widget = nb.train(data.subset(800, 200), preset="fast", hidden=8)
    model = widget.wait(timeout=120)
    assert widget.state == "done", widget.message
    assert model is widget.model and model.coefs_[0].shape == (784, 8)
    assert [p["epoch"] for p in widget.progress] == list(range(1, model.n_iter_ + 1))
    assert [p["loss"] for p in widget.progress] == pytest.approx(model.loss_curve_)
    np.testing.assert_array_equal(f32(widget.snapshot, 784, 8), model.coefs_[0].astype("<f4"))
    assert widget.message.startswith("Finished in")
    assert "test accuracy" in widget.message


def test_train_takes_the_web_labs_knobs(data) -> None:
    widget = nb.train(
        data.subset(800, 200),
        preset="module",
        hidden=12,
        alpha=0,
        early_stopping=False,
        n_train=300,
        max_epochs=6,
    )
    model = widget.wait(timeout=120)
    assert widget.state == "done", widget.message
    assert widget.max_epochs == 6 and len(widget.progress) == 6
    assert model.alpha == 0 and model.early_stopping is False
    assert widget.run.n_train == 300


def test_train_refuses_a_bad_knob_in_one_sentence(data) -> None:
    with pytest.raises(ValueError, match="alpha must be between 0 and 10"):
        nb.train(data, alpha=20)


def test_train_stops_when_cancelled(data) -> None:
    widget = nb.train(data.subset(800, 200), preset="module", hidden=8)
    widget._on_message(widget, {"cancel": True}, [])  # what the Cancel button sends
    widget.wait(timeout=120)
    assert widget.state == "cancelled"
    assert widget.model is not None
    assert len(widget.progress) < widget.max_epochs
    assert widget.message.startswith("Cancelled after")


def test_a_clear_error_without_anywidget(monkeypatch) -> None:
    for name in [m for m in sys.modules if m.startswith("neuronlab.notebook")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "anywidget", None)
    with pytest.raises(NeuronLabError, match=r"pip install neuronlab\[notebook\]"):
        importlib.import_module("neuronlab.notebook")
