"""The CNN outside the web page: its figure, the CLI's settings flags, and its notebook widget."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from neuronlab import plots
from neuronlab.cli import main
from neuronlab.training import train


@pytest.fixture(scope="module")
def data(mnist_small):
    return mnist_small.subset(n_train=1500, n_test=400)


@pytest.fixture(scope="module")
def cnn(data, one_blas_thread):
    return train(data, "cnn", "fast", max_epochs=3).model


def colour_bar_labels(fig) -> list[str]:
    bars = [ax for ax in fig.axes if getattr(ax, "_colorbar", None) is not None]
    return [ax.get_xlabel() or ax.get_ylabel() for ax in bars]


def test_the_cnn_figure_shows_filters_maps_pooled_maps_and_the_answer(cnn, data, tmp_path):
    fig = plots.cnn_figure(cnn, data.test_images[0], data.class_names)
    images = [ax for ax in fig.axes if ax.images]
    # the input, 8 filters, 8 maps before ReLU, 8 after pooling
    assert len(images) == 1 + 3 * 8
    shapes = [ax.images[0].get_array().shape for ax in images]
    assert shapes[0] == (28, 28) and shapes[1] == (5, 5)
    assert shapes[9] == (24, 24) and shapes[17] == (12, 12)
    labels = colour_bar_labels(fig)
    assert any("red" in t for t in labels) and any("green" in t for t in labels)
    assert [t.get_text() for t in fig.axes[-1].get_xticklabels()] == list(data.class_names)
    fig.savefig(tmp_path / "cnn.png")
    assert (tmp_path / "cnn.png").stat().st_size > 20_000


def test_the_figure_draws_unpooled_maps_and_more_filters(data, one_blas_thread):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = train(data, "cnn", "fast", filters=12, filter_size=3, pool=False, max_epochs=1)
    fig = plots.cnn_figure(model.model, data.X_test()[1])  # rows in [0, 1] work too
    shapes = [ax.images[0].get_array().shape for ax in fig.axes if ax.images]
    assert len(shapes) == 1 + 3 * 12 and shapes[1] == (3, 3) and shapes[-1] == (26, 26)


def test_the_cli_trains_the_cnn_and_the_augmented_network_with_their_flags(
    capsys, mnist_test_dir: Path
):
    common = ["--data", str(mnist_test_dir), "--preset", "fast", "--n-train", "800", "--quiet"]
    flags = ["--filters", "4", "--filter-size", "3", "--no-pool", "--max-epochs", "2"]
    assert main(["train", "--model", "cnn", *common, *flags, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["settings"]["filters"] == 4 and result["settings"]["filter_size"] == 3
    assert result["settings"]["pool"] is False and result["epochs"] == 2
    assert main(["train", "--model", "mlp", *common, "--augment-shift", "2", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["settings"]["augment_shift"] == 2 and result["n_train"] == 800


@pytest.mark.parametrize(
    ("argv", "phrase"),
    [
        (["--model", "cnn", "--filter-size", "4"], "--filter-size must be one of 3, 5, 7"),
        (["--model", "cnn", "--filters", "40"], "--filters must be between 1 and 32"),
        (["--model", "mlp", "--pool"], "--pool applies to the CNN only"),
        (["--model", "cnn", "--augment-shift", "2"], "--augment-shift applies to the MLP only"),
        (["--model", "mlp", "--augment-shift", "9"], "between 0 and 4"),
    ],
)
def test_the_cli_refuses_wrong_cnn_flags_in_one_sentence(capsys, argv, phrase):
    assert main(["train", *argv]) != 0
    assert phrase in capsys.readouterr().err


def test_the_notebook_widget_sends_the_cnn_and_follows_the_images(cnn, data):
    pytest.importorskip("anywidget")
    import neuronlab.notebook as nb
    from neuronlab.notebook import sources

    widget = nb.cnn(cnn, data, index=3)
    assert widget.index == 3 and (widget.dy, widget.dx) == (0, 0)
    (payload,) = widget.models
    assert payload["kind"] == "cnn" and (payload["F"], payload["k"]) == (8, 5)
    filters = np.frombuffer(payload["filters"], dtype="<f4").reshape(8, 5, 5)
    np.testing.assert_array_equal(filters, cnn.filters_)
    assert [(d["nin"], d["nout"]) for d in payload["dense"]] == [(1152, 10)]
    keys = [m["key"] for m in sources.module_graph("cnn.js")]
    assert keys[-1] == f"{sources.NOTEBOOK_JS}/cnn.js" and f"{sources.JS}/cnnview.js" in keys
    # The draw widget takes a CNN beside the other two models, one of each kind.
    mlp = train(data, "mlp", "fast").model
    assert [m["kind"] for m in nb.draw(mlp, cnn, data=data).models] == ["mlp", "cnn"]
    with pytest.raises(Exception, match="and one CNN"):
        nb.draw(cnn, cnn, data=data)
    with pytest.raises(Exception, match="ConvNetClassifier"):
        nb.cnn(mlp, data)
