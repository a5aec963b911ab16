"""Readable model names and the dataset's words: the page's JavaScript (run by Node) and the
command line's Python must name every model the same, from its summary's settings."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import IN_CI

from neuronlab import naming
from neuronlab.settings import preset_defaults

JS = Path(naming.__file__).parent / "web" / "static" / "js"
RUNNER = """
import { readFileSync } from "node:fs";
const { modelName } = await import(process.env.JS_DIR + "/modelname.js");
const calls = JSON.parse(readFileSync(0, "utf8"));
console.log(JSON.stringify(calls.map(([m, ctx]) => modelName(m, ctx))));
"""
PRESETS = {
    kind: {preset: preset_defaults(kind, preset) for preset in ("module", "fast")}
    for kind in ("logistic", "mlp")
}
FASHION = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]
COUNTS = [800] * 10


def mlp(**settings: object) -> dict:
    every = {**PRESETS["mlp"]["module"], "n_train": 8000, **settings}
    return {
        "model_key": "k",
        "kind": "mlp",
        "preset": "module",
        "classes": list(range(10)),
        "hidden": every["hidden"],
        "seed": 0,
        "epochs": 2,
        "settings": every,
    }


SUMMARIES = [
    (mlp(max_epochs=2), None, "Hidden layer, 25 units, course settings, 2 epochs"),
    (
        mlp(hidden=100, alpha=0.0, early_stopping=False, n_train=500, activation="relu"),
        None,
        "Hidden layer, 100 units, course settings, ReLU units, alpha 0, no early stopping, "
        "first 500 training images, 2 epochs",
    ),
    (
        {
            "model_key": "logistic-module-pair-1-8-c0p1",
            "kind": "logistic",
            "preset": "module",
            "classes": [1, 8],
            "settings": {"C": 0.1, "multi_class": "ovr", "max_epochs": 500, "n_train": 1600},
            "epochs": 19,
        },
        FASHION,
        "Logistic regression, Trouser vs Bag, course settings, C = 0.1",
    ),
    (
        {
            "model_key": "logistic-fast-multinomial",
            "kind": "logistic",
            "preset": "fast",
            "classes": list(range(10)),
            "multi_class": "multinomial",
            "settings": {"C": 1e-05, "multi_class": "multinomial", "max_epochs": 500},
        },
        None,
        "Logistic regression, multinomial, fast settings, C = 1e-5",
    ),
    (
        {
            "model_key": "upload-network-3fa2b1c0",
            "kind": "mlp",
            "preset": "upload",
            "classes": list(range(10)),
            "hidden": 16,
            "epochs": 1,
            "settings": {"hidden": 16},
        },
        None,
        "Hidden layer, 16 units, uploaded file network, 1 epoch",
    ),
]


@pytest.fixture(scope="module")
def page_names():
    node = shutil.which("node")
    if node is None:
        if IN_CI:
            pytest.fail("Node is needed to run the page's model names in CI")
        pytest.skip("node not installed")
    calls = [
        [summary, {"presets": PRESETS, "classNames": names, "trainCounts": COUNTS}]
        for summary, names, _ in SUMMARIES
    ]
    done = subprocess.run(
        [node, "--input-type=module", "-e", RUNNER],
        input=json.dumps(calls),
        capture_output=True,
        text=True,
        timeout=60,
        env={"JS_DIR": JS.as_uri(), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("i", range(len(SUMMARIES)))
def test_page_and_command_line_name_models_alike(page_names, i: int) -> None:
    summary, names, expected = SUMMARIES[i]
    assert naming.model_name(summary, PRESETS, names, COUNTS) == expected
    assert page_names[i] == expected


def test_a_training_run_is_named_by_its_settings(mnist_small) -> None:
    from neuronlab.training import train

    run = train(mnist_small.subset(300, 50), "mlp", "fast", hidden=6, max_epochs=2)
    name = naming.model_name(run.summary(), PRESETS)
    assert name == "Hidden layer, 6 units, fast settings, 2 epochs"


def test_words_follow_the_class_names() -> None:
    assert naming.item_word(None) == "digit"
    assert naming.item_word([str(i) for i in range(10)]) == "digit"
    assert naming.item_word(FASHION) == "image"
    assert [naming.number(v) for v in (0.1, 10.0, 0.001, 1e-05, 0.0003162)] == [
        "0.1",
        "10",
        "0.001",
        "1e-5",
        "3.162e-4",
    ]


def test_the_command_line_report_names_classes_by_the_dataset(capsys) -> None:
    from types import SimpleNamespace

    import numpy as np

    from neuronlab import cli

    fashion = SimpleNamespace(
        description="Fashion-MNIST", class_names=FASHION, train_labels=np.repeat(np.arange(10), 5)
    )
    result = {
        "model": "logistic",
        "preset": "module",
        "classes": [1, 8],
        "settings": {"C": 0.001, "multi_class": "ovr", "max_epochs": 500, "n_train": 10},
        "n_train": 10,
        "n_test": 4,
        "train_accuracy": 1.0,
        "test_accuracy": 0.75,
    }
    cli._print_report(result, fashion)
    out = capsys.readouterr().out
    assert "model     Logistic regression, Trouser vs Bag, course settings\n" in out
