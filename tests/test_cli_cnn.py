"""``neuronlab train --model cnn`` and ``evaluate`` of the saved CNN, through the workflow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from neuronlab import training
from neuronlab.cli import main
from neuronlab.models import ConvNetClassifier, load_model


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main([*argv, "--json", "--quiet"]) == 0
    return json.loads(capsys.readouterr().out)


def test_train_cnn_saves_a_model_that_evaluates_the_same(
    capsys, mnist_test_dir: Path, tmp_path: Path
):
    path = tmp_path / "cnn.npz"
    result = run_json(
        capsys,
        "train",
        "--data",
        str(mnist_test_dir),
        "--model",
        "cnn",
        "--preset",
        "fast",
        "--n-train",
        "600",
        "--max-epochs",
        "2",
        "--save",
        str(path),
    )
    assert result["model"] == "cnn" and result["epochs"] == 2 and result["n_train"] == 600
    assert result["hidden"] is None
    assert result["test_accuracy"] > 0.5  # 20 steps: far above chance, far from done
    model = load_model(path)
    assert isinstance(model, ConvNetClassifier)
    # the workflow kept the time machine: the filters after every epoch
    assert model.history_.held() == [1, 2]
    assert model.history_.coefs[0].shape == (2, 8, 5, 5)
    evaluated = run_json(capsys, "evaluate", "--model", str(path), "--data", str(mnist_test_dir))
    assert evaluated["model"] == "cnn"
    assert evaluated["test_accuracy"] == pytest.approx(result["test_accuracy"])


@pytest.mark.parametrize(
    ("flags", "phrase"),
    [(["--C", "1"], "logistic regression only"), (["--activation", "tanh"], "ReLU")],
)
def test_settings_the_cnn_does_not_have_are_refused(capsys, flags, phrase):
    assert main(["train", "--model", "cnn", *flags]) != 0
    assert phrase in capsys.readouterr().err


def test_workflow_names_the_kind_and_the_hidden_layer(mnist_small):
    run = training.train(mnist_small, "cnn", "fast", hidden=16, max_epochs=1, n_train=300)
    assert training.model_kind(run.model) == "cnn"
    assert run.hidden == 16 and [c.shape[1] for c in run.model.coefs_] == [16, 10]
