"""Train the chapters' models on a dataset and write every chapter's figure as a PNG."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from neuronlab.analysis import (
    DEFAULT_SIZES,
    class_means,
    confusion,
    hidden_activations,
    hidden_sweep,
    linear_weights,
    most_confident_mistakes,
    shift_accuracy,
    ten_outputs,
)
from neuronlab.data import Dataset, augment_shifts
from neuronlab.data.transforms import scale, select_classes
from neuronlab.models import COURSE_WEIGHTS, make_model
from neuronlab.naming import item_word
from neuronlab.plots.convnet import cnn_figure
from neuronlab.plots.curves import shift_curve_figure, sweep_figure, training_curves
from neuronlab.plots.digits import digit_rows_figure, shift_figure
from neuronlab.plots.hidden import hidden_activations_figure, hidden_grid
from neuronlab.plots.linear import (
    confusion_figure,
    five_panels,
    ten_outputs_figure,
    weight_maps,
    weight_strip,
)
from neuronlab.plots.mistakes import mistakes_figure
from neuronlab.plots.neuron import neuron_figure

PAIR = (1, 8)  # the course's two-digit example
DIGIT = 3  # the digit shown against the rest in chapter 4
QUICK = {"n_train": 1500, "n_test": 400}
QUICK_SIZES = (4, 9)
QUICK_HIDDEN = 9  # fewer maps to lay out keeps quick runs quick
SHIFTS = tuple(range(-6, 7))
EXAMPLE_INPUTS = (0.9, 0.2, 0.6, 0.5, 0.1)
AUGMENT_SHIFT = 2  # the shifted copies of chapter 10 move by up to this many pixels


def _pair_figures(data: Dataset, preset: str) -> dict[str, Callable[[], Figure]]:
    """Chapter 3: logistic regression on two digits."""
    a, b = PAIR
    names = data.class_names
    train_x, train_y = select_classes(data.train_images, data.train_labels, PAIR)
    test_x, test_y = select_classes(data.test_images, data.test_labels, PAIR)
    model = make_model("logistic", preset).fit(scale(train_x), train_y)
    weights = linear_weights(model)
    mean_a, mean_b = class_means(train_x, train_y, a, b)
    matrix = confusion(test_y, model.predict(scale(test_x)), PAIR)
    return {
        "03-two-digits": lambda: five_panels(
            mean_a, mean_b, weights.evidence_for(a), (names[a], names[b])
        ),
        "03-weight-strip": lambda: weight_strip(weights.evidence_for(a)),
        "03-confusion": lambda: confusion_figure(matrix, [names[a], names[b]]),
    }


def write_all(
    dataset: Dataset, out_dir: str | Path, *, preset: str = "module", quick: bool = False
) -> list[Path]:
    """Train the models every chapter needs and write one PNG per chapter figure.

    ``quick`` trains on a small subset, with 9 hidden units and a two-size
    sweep, so it runs in seconds, for tests and previews. Returns the paths
    written, in chapter order.
    """
    data = dataset.subset(**QUICK) if quick else dataset
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    figures = _figures(data, preset, quick)
    written = []
    for name, build in figures.items():
        fig = build()
        FigureCanvasAgg(fig)  # render with Agg whatever backend the session uses
        path = out / f"{name}.png"
        fig.savefig(path)
        written.append(path)
    return written


def _figures(data: Dataset, preset: str, quick: bool) -> dict[str, Callable[[], Figure]]:
    names = data.class_names
    X_train, X_test = data.X_train(), data.X_test()
    y_train, y_test = data.train_labels, data.test_labels
    image = data.test_images[0]

    ten = make_model("logistic", preset, multi_class="ovr").fit(X_train, y_train)
    ten_weights = linear_weights(ten)
    mlp = make_model("mlp", preset, hidden=QUICK_HIDDEN if quick else None).fit(X_train, y_train)
    digit_mean, rest_mean = class_means(data.train_images, y_train, DIGIT)
    proba = mlp.predict_proba(X_test)
    mistakes = most_confident_mistakes(y_test, proba, mlp.classes_, limit=18)
    sweep = hidden_sweep(
        X_train,
        y_train,
        X_test,
        y_test,
        sizes=QUICK_SIZES if quick else DEFAULT_SIZES,
        n_jobs=1 if quick else -1,
        preset=preset,
    )
    curves = {
        "logistic regression": shift_accuracy(ten, data.test_images, y_test, SHIFTS),
        "hidden-layer network": shift_accuracy(mlp, data.test_images, y_test, SHIFTS),
    }
    # Chapter 10 (6b): the two remedies, the CNN and the same network on shifted copies.
    cnn = make_model("cnn", preset).fit(X_train, y_train)
    shifted_X, shifted_y = augment_shifts(X_train, y_train, AUGMENT_SHIFT, random_state=0)
    hidden = QUICK_HIDDEN if quick else None
    augmented = make_model("mlp", preset, hidden=hidden).fit(shifted_X, shifted_y)
    remedies = {
        **curves,
        f"hidden layer on copies shifted ±{AUGMENT_SHIFT}": shift_accuracy(
            augmented, data.test_images, y_test, SHIFTS
        ),
        "CNN": shift_accuracy(cnn, data.test_images, y_test, SHIFTS),
    }
    return {
        "01-neuron": lambda: neuron_figure(EXAMPLE_INPUTS, COURSE_WEIGHTS, 0.0, "sigmoid"),
        "02-digit-rows": lambda: digit_rows_figure(image, 14, noun=item_word(names)),
        **_pair_figures(data, preset),
        "04-weight-maps": lambda: weight_maps(ten_weights.coef, names),
        "04-five-panels": lambda: five_panels(
            digit_mean, rest_mean, ten_weights.evidence_for(DIGIT), (names[DIGIT], "the rest")
        ),
        "04-confusion": lambda: confusion_figure(
            confusion(y_test, ten.predict(X_test), range(10)), names
        ),
        "04-ten-outputs": lambda: ten_outputs_figure(ten_outputs(ten, image), image, names),
        "05-shift": lambda: shift_figure(image, 3, 0, wrap=True, row=14),
        "05-shift-curve": lambda: shift_curve_figure(SHIFTS, curves, noun=item_word(names)),
        "06-hidden-grid": lambda: hidden_grid(mlp.coefs_[0]),
        "06-hidden-activations": lambda: hidden_activations_figure(
            hidden_activations(mlp, image), names
        ),
        "06-training": lambda: training_curves(
            mlp.loss_curve_, getattr(mlp, "validation_scores_", None)
        ),
        "06-confusion": lambda: confusion_figure(
            confusion(y_test, mlp.predict(X_test), range(10)), names
        ),
        "07-sweep": lambda: sweep_figure(sweep),
        "09-mistakes": lambda: mistakes_figure(
            data.test_images[mistakes.indices],
            mistakes.true,
            mistakes.predicted,
            mistakes.confidence,
            names,
        ),
        "10-cnn": lambda: cnn_figure(cnn, image, names),
        "10-shift-remedies": lambda: shift_curve_figure(SHIFTS, remedies),
    }
