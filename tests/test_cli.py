"""The command line as a contract: JSON keys, exit codes, and one-sentence errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from neuronlab.cli import main

TRAIN_KEYS = {
    "test_accuracy",
    "train_accuracy",
    "fit_seconds",
    "n_train",
    "n_test",
    "epochs",
    "model",
    "data",
}


def run_json(capsys: pytest.CaptureFixture[str], *argv: str):
    assert main([*argv, "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1, "--json must print exactly one line of JSON"
    return json.loads(out)


def test_train_logistic_pair_json(capsys, mnist_test_dir: Path, tmp_path: Path):
    model_file = tmp_path / "one-vs-eight.npz"
    result = run_json(
        capsys,
        "train",
        "--data",
        str(mnist_test_dir),
        "--model",
        "logistic",
        "--classes",
        "1,8",
        "--save",
        str(model_file),
    )
    assert result.keys() >= TRAIN_KEYS
    assert result["model"] == "logistic"
    assert result["classes"] == [1, 8]
    assert result["test_accuracy"] > 0.95
    assert model_file.exists()

    evaluated = run_json(
        capsys, "evaluate", "--model", str(model_file), "--data", str(mnist_test_dir)
    )
    assert evaluated["test_accuracy"] == pytest.approx(result["test_accuracy"])
    assert evaluated["n_test"] == result["n_test"]


def test_train_mlp_fast_json(capsys, mnist_test_dir: Path):
    result = run_json(
        capsys, "train", "--data", str(mnist_test_dir), "--model", "mlp", "--preset", "fast"
    )
    assert result.keys() >= TRAIN_KEYS
    assert result["n_train"] == 8000 and result["n_test"] == 2000
    assert result["epochs"] >= 1
    assert result["test_accuracy"] > 0.9


def test_train_human_report(capsys, mnist_test_dir: Path):
    argv = ["train", "--data", str(mnist_test_dir), "--model", "logistic", "--classes", "0,1"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "accuracy" in out and "test" in out and "0 vs 1" in out


def test_sweep_json(capsys, mnist_test_dir: Path):
    rows = run_json(
        capsys,
        "sweep",
        "--data",
        str(mnist_test_dir),
        "--hidden",
        "4,9",
        "--preset",
        "fast",
        "--jobs",
        "1",
    )
    assert [(r["hidden"], r["seed"]) for r in rows] == [(4, 0), (9, 0)]
    assert all(0.0 <= r["test_accuracy"] <= 1.0 for r in rows)
    assert rows[1]["test_accuracy"] > 0.5


def test_data_info_and_list(capsys, mnist_test_dir: Path):
    info = run_json(capsys, "data", "info", str(mnist_test_dir))
    assert info["n_train"] == 8000 and info["n_test"] == 2000
    assert main(["data", "list"]) == 0
    listing = capsys.readouterr().out
    for name in ("mnist", "fashion-mnist", "embedded"):
        assert name in listing


@pytest.mark.parametrize(
    ("argv", "phrase"),
    [
        (["train", "--data", "/no/such/folder"], "/no/such/folder"),
        (["train", "--data", "embedded", "--classes", "1,x"], "--classes"),
        (["train", "--data", "embedded", "--classes", "1,12"], "12"),
        (["train", "--data", "embedded", "--model", "logistic", "--hidden", "9"], "--hidden"),
        (["evaluate", "--model", "/no/such/model.npz", "--data", "embedded"], "model.npz"),
        (["sweep", "--data", "embedded", "--hidden", "0,4"], "--hidden"),
    ],
)
def test_errors_are_one_sentence(capsys, argv: list[str], phrase: str):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert phrase in captured.err
    assert "Traceback" not in captured.err
    assert captured.err.count("\n") == 1


def test_installed_command_reports_errors_without_traceback(tmp_path: Path):
    bad = tmp_path / "model.npz"
    bad.write_bytes(b"this is not a model")
    command = [sys.executable, "-m", "neuronlab.cli", "evaluate", "--model", str(bad)]
    done = subprocess.run([*command, "--data", "embedded"], capture_output=True, text=True)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert str(bad) in done.stderr


def test_train_takes_the_settings_as_flags(capsys, mnist_test_dir: Path):
    result = run_json(
        capsys,
        "train",
        "--data",
        str(mnist_test_dir),
        "--hidden",
        "12",
        "--activation",
        "relu",
        "--alpha",
        "0",
        "--learning-rate",
        "0.01",
        "--batch-size",
        "100",
        "--no-early-stopping",
        "--max-epochs",
        "3",
        "--n-train",
        "1000",
    )
    assert result["settings"] == {
        "hidden": 12,
        "activation": "relu",
        "alpha": 0.0,
        "learning_rate_init": 0.01,
        "batch_size": 100,
        "early_stopping": False,
        "max_epochs": 3,
        "n_train": 1000,
    }
    assert result["n_train"] == 1000 and result["epochs"] == 3
    logistic = run_json(
        capsys, "train", "--data", str(mnist_test_dir), "--model", "logistic", "--C", "1"
    )
    assert logistic["settings"]["C"] == 1.0 and logistic["settings"]["multi_class"] == "ovr"


@pytest.mark.parametrize(
    ("flags", "phrase"),
    [
        (["--alpha", "20"], "--alpha must be between 0 and 10, got 20."),
        (["--learning-rate", "0"], "--learning-rate must be between 1e-05 and 1, got 0."),
        (["--model", "logistic", "--C", "100"], "--C must be between 1e-05 and 10, got 100."),
        (["--batch-size", "0"], "--batch-size must be between 1 and 2000"),
        (["--max-epochs", "501"], "--max-epochs must be between 1 and 500"),
        (["--n-train", "3"], "--n-train must be between 10 and the number"),
        (["--model", "logistic", "--alpha", "1"], "--alpha applies to the MLP only"),
        (["--model", "logistic", "--no-early-stopping"], "--early-stopping applies to the MLP"),
        (["--C", "1"], "--C applies to logistic regression only"),
        (["--multi-class", "ovr"], "--multi-class applies to logistic regression only"),
    ],
)
def test_train_settings_are_checked_before_any_data_loads(capsys, flags, phrase):
    # The folder does not exist: an error about it would mean the data was loaded first.
    assert main(["train", "--data", "/no/such/folder", *flags]) == 2
    err = capsys.readouterr().err
    assert phrase in err and "/no/such/folder" not in err
    assert err.count("\n") == 1


def test_train_n_train_is_checked_against_the_dataset(capsys, mnist_test_dir: Path):
    argv = ["train", "--data", str(mnist_test_dir), "--model", "logistic", "--n-train", "9000"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--n-train must be between 10 and 8000" in err and err.count("\n") == 1
