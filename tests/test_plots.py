"""Every chapter figure builds on real digits, with labelled colour scales, and saves as PNG."""

from __future__ import annotations

import matplotlib.image as mpimg
import numpy as np
import pytest
from matplotlib.figure import Figure
from sklearn.linear_model import LogisticRegression as SkLogistic
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neural_network import MLPClassifier as SkMLP

from neuronlab import analysis, plots

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.usefixtures("one_blas_thread"),
]


@pytest.fixture(scope="module")
def lab(mnist_small):
    """Small real data and sklearn's fitted models, which every view must accept."""
    data = mnist_small.subset(n_train=1000, n_test=300)
    X, y = data.X_train(), data.train_labels
    keep = np.isin(y, (1, 8))
    return {
        "data": data,
        "pair": SkLogistic(C=0.001, tol=1e-3).fit(X[keep], y[keep]),
        "ovr": OneVsRestClassifier(SkLogistic(C=0.001, tol=1e-3)).fit(X, y),
        "mlp": SkMLP(
            (16,), activation="logistic", max_iter=30, random_state=0, early_stopping=True
        ).fit(X, y),
    }


def colour_bar_labels(fig: Figure) -> list[str]:
    """The labels of the figure's colour bars (horizontal or vertical)."""
    bars = [ax for ax in fig.axes if getattr(ax, "_colorbar", None) is not None]
    return [ax.get_xlabel() or ax.get_ylabel() for ax in bars]


def check(fig: Figure, n_axes: int, n_bars: int) -> None:
    assert isinstance(fig, Figure)
    assert len(fig.axes) == n_axes
    labels = colour_bar_labels(fig)
    assert len(labels) == n_bars
    assert all(label.strip() for label in labels)


def test_neuron_figure():
    fig = plots.neuron_figure([0.9, 0.2, 0.6, 0.5, 0.1], [2, 4, -2, 0, -4], 0.0, "sigmoid")
    check(fig, 7, 3)
    labels = colour_bar_labels(fig)
    assert "red excites" in labels[1] and "green" in labels[2]
    curve = next(ax for ax in fig.axes if ax.lines)
    assert "output = 0.731" in curve.get_title()  # sigmoid(0.9*2 + 0.2*4 - 0.6*2 - 0.1*4) = σ(1)
    zs = curve.lines[0].get_xdata()
    assert zs.min() == pytest.approx(-6) and zs.max() == pytest.approx(6)


def test_positive_weights_are_red_and_negative_blue():
    fig = plots.neuron_figure([1, 1], [3, -3], 0.0, "linear")
    weights_image = fig.axes[1].images[0]
    red, blue = weights_image.to_rgba(np.array([3.0, -3.0]))
    assert red[0] > 0.9 and red[2] < 0.1
    assert blue[2] > 0.9 and blue[0] < 0.1
    activity_image = fig.axes[2].images[0]
    green, magenta = activity_image.to_rgba(np.array([3.0, -3.0]))
    assert green[1] > green[0] and magenta[0] > magenta[1]


def test_digit_rows_and_shift(lab):
    image = lab["data"].test_images[0]
    check(plots.digit_rows_figure(image, 5), 4, 1)
    check(plots.shift_figure(image, -4, 2, wrap=False, row=5), 5, 1)
    fig = plots.shift_figure(image, 3, 0, wrap=True)
    assert "3 px down" in fig.get_suptitle() and "wrap" in fig.get_suptitle()


def test_linear_model_figures(lab):
    data = lab["data"]
    mean_1, mean_8 = analysis.class_means(data.train_images, data.train_labels, 1, 8)
    weights = analysis.linear_weights(lab["pair"])
    check(plots.five_panels(mean_1, mean_8, weights.evidence_for(1), ("1", "8")), 8, 3)
    check(plots.weight_strip(weights.evidence_for(8)), 2, 1)
    ovr = analysis.linear_weights(lab["ovr"])
    check(plots.weight_maps(ovr.coef, data.class_names), 11, 1)
    check(plots.weight_strip(ovr.coef, data.class_names), 2, 1)
    image = data.test_images[0]
    check(plots.ten_outputs_figure(analysis.ten_outputs(lab["ovr"], image), image), 3, 1)


def test_confusion_figure_writes_every_count(lab):
    data = lab["data"]
    conf = analysis.confusion(data.test_labels, lab["ovr"].predict(data.X_test()), range(10))
    fig = plots.confusion_figure(conf, data.class_names)
    check(fig, 2, 1)
    texts = [int(t.get_text()) for t in fig.axes[0].texts]
    assert len(texts) == 100 and sum(texts) == data.n_test
    assert f"{conf.accuracy:.1%}" in fig.axes[0].get_title()


def test_hidden_layer_figures(lab):
    mlp, data = lab["mlp"], lab["data"]
    check(plots.hidden_grid(mlp.coefs_[0]), 16 + 1, 1)
    acts = analysis.hidden_activations(mlp, data.test_images[0])
    check(plots.hidden_activations_figure(acts, data.class_names), 16 + 1 + 2 + 2 + 1, 3)
    check(plots.training_curves(mlp.loss_curve_, mlp.validation_scores_), 2, 0)
    fig = plots.training_curves(mlp.loss_curve_)
    assert "No validation" in fig.axes[1].texts[0].get_text()


def test_curves_and_mistakes(lab):
    data, mlp = lab["data"], lab["mlp"]
    shifts = [-2, 0, 2]
    curves = {
        name: analysis.shift_accuracy(lab[name], data.test_images, data.test_labels, shifts)
        for name in ("ovr", "mlp")
    }
    fig = plots.shift_curve_figure(shifts, curves)
    check(fig, 1, 0)
    assert len(fig.axes[0].get_legend().get_texts()) == 2
    results = [
        analysis.SweepResult(h, s, 0.9 + h / 1000, 0.8 + s / 100, 1.0, 5, np.zeros((784, h)))
        for h in (4, 9)
        for s in (0, 1)
    ]
    fig = plots.sweep_figure(results)
    check(fig, 1, 0)
    np.testing.assert_allclose(fig.axes[0].lines[1].get_ydata(), [0.805, 0.805])
    mistakes = analysis.most_confident_mistakes(
        data.test_labels, mlp.predict_proba(data.X_test()), mlp.classes_, limit=7
    )
    images = data.test_images[mistakes.indices]
    fig = plots.mistakes_figure(images, mistakes.true, mistakes.predicted, mistakes.confidence)
    check(fig, 7 + 1, 1)
    check(plots.mistakes_figure(images[:0], [], [], []), 1, 0)


@pytest.mark.slow
def test_write_all_quick_writes_every_chapter(mnist_small, tmp_path):
    out = tmp_path / "figures" / "nested"
    paths = plots.write_all(mnist_small, out, quick=True)
    names = [p.name for p in paths]
    assert [name[:2] for name in names] == sorted(name[:2] for name in names)
    for chapter in ("01", "02", "03", "04", "05", "06", "07", "09"):
        assert any(name.startswith(chapter + "-") for name in names)
    for path in paths:
        assert path.parent == out and path.stat().st_size > 5000
        pixels = mpimg.imread(path)
        assert min(pixels.shape[:2]) >= 200
        assert pixels[..., :3].std() > 0.05  # not blank


def test_unit_maps_and_outputs_are_scaled_as_on_the_page(lab):
    """Each unit's map on its own range and unit outputs on a fixed 0..1, as the page and the
    widgets draw them (hiddenview.js, panels.js), with units numbered from 0."""
    mlp, data = lab["mlp"], lab["data"]
    fig = plots.hidden_grid(mlp.coefs_[0])
    maps = [ax for ax in fig.axes if ax.get_title().startswith("unit ")]
    assert [ax.get_title() for ax in maps[:2]] == ["unit 0", "unit 1"]
    for ax in maps:
        values = ax.images[0].get_array()
        assert np.abs(values).max() == pytest.approx(1.0)
        assert ax.images[0].get_clim() == (-1.0, 1.0)
    acts = analysis.hidden_activations(mlp, data.test_images[0])
    fig = plots.hidden_activations_figure(acts, data.class_names)
    (outputs,) = [ax for ax in fig.axes if ax.get_title() == "Output of each unit"]
    assert outputs.images[0].get_clim() == (0.0, 1.0)


def test_figures_of_images_that_are_not_digits_say_so(lab):
    image = lab["data"].test_images[0]
    fig = plots.digit_rows_figure(image, 5, noun="image")
    assert fig.get_suptitle() == "An image is rows of numbers"
    curve = plots.shift_curve_figure(
        [-1, 0, 1], {"logistic regression": [0.5, 0.9, 0.5]}, noun="image"
    )
    assert "as images move" in curve.axes[0].get_title()
    (line,) = curve.axes[0].get_lines()[:1]
    assert line.get_color() == plots._style.MODEL_COLOURS["logistic"]
