"""A kill at any moment leaves no broken model behind, and a restart finds every saved one.

A child process saves models through the web lab's store in a tight loop and is
killed with SIGKILL at a few different moments; after each kill a fresh store
(what a restarted server opens) must list only models that load.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from neuronlab.models import load_model
from neuronlab.web.store import ModelStore

WRITER = """
import sys
import numpy as np
from neuronlab.models import MLPClassifier
from neuronlab.web.store import ModelStore

rng = np.random.default_rng(0)
X = rng.random((60, 784), dtype=np.float32)
y = np.arange(60) % 3
# 784 x 400 weights: about 1.3 MB a file, so a kill often lands mid-write.
model = MLPClassifier(hidden_layer_sizes=(400,), max_iter=1, random_state=0).fit(X, y)

def summary(key):
    return {
        "model_key": key, "kind": "mlp", "preset": "fast", "classes": [0, 1, 2], "hidden": 400,
        "test_accuracy": 0.5, "train_accuracy": 0.5, "fit_seconds": 0.1, "epochs": 1,
        "confusion": [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "loss_curve": [1.0],
        "validation_scores": [], "layers": [],
    }


store = ModelStore(sys.argv[1])
store.save("model-0", model, summary("model-0"))
print("ready", flush=True)
i = 1
while True:
    key = f"model-{i % 7}"
    store.save(key, model, summary(key))
    i += 1
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
@pytest.mark.filterwarnings("ignore::Warning")
def test_killed_writes_never_leave_a_broken_model(tmp_path: Path) -> None:
    folder = tmp_path / "models"
    for delay_s in (0.1, 0.4):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(folder)], stdout=subprocess.PIPE, text=True
        )
        try:
            assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
            time.sleep(delay_s)
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.wait()
        assert writer.returncode == -signal.SIGKILL

        restarted = ModelStore(folder)
        listed = [summary["model_key"] for summary in restarted.summaries()]
        assert "model-0" in listed  # saved before "ready"
        for key in listed:
            assert restarted.model(key).predict_proba  # loads, and is a model
        # Under a real name there is only ever a whole file; half-written ones keep a temp name.
        for path in folder.glob("*.npz"):
            assert load_model(path).coefs_[0].shape == (784, 400)


SUMMARY = {
    "model_key": "k",
    "kind": "logistic",
    "preset": "module",
    "classes": [0, 1],
    "hidden": None,
    "test_accuracy": 0.5,
    "train_accuracy": 0.5,
    "fit_seconds": 0.1,
    "epochs": 1,
    "confusion": [[1, 0], [0, 1]],
    "loss_curve": [],
    "validation_scores": [],
    "layers": [],
}


def _logistic(seed: int):
    import numpy as np

    from neuronlab.models import LogisticRegression

    rng = np.random.default_rng(seed)
    X = rng.random((40, 784), dtype=np.float32)
    with pytest.warns(Warning):
        return LogisticRegression(max_iter=2).fit(X, np.arange(40) % 2)


def test_a_new_model_file_is_never_paired_with_its_old_summary(tmp_path: Path) -> None:
    """A kill between the two renames leaves the new .npz beside the old .json."""
    folder = tmp_path / "models"
    store = ModelStore(folder)
    store.save("old-pair", _logistic(0), {**SUMMARY, "model_key": "old-pair"})
    store.save("kept", _logistic(1), {**SUMMARY, "model_key": "kept"})
    replacement = ModelStore(tmp_path / "elsewhere")
    replacement.save("old-pair", _logistic(2), {**SUMMARY, "model_key": "old-pair"})
    os.replace(replacement.path("old-pair"), store.path("old-pair"))  # only the file moved on
    listed = [s["model_key"] for s in ModelStore(folder).summaries()]
    assert listed == ["kept"]


def test_temporary_files_of_a_killed_writer_are_removed_at_start(tmp_path: Path) -> None:
    folder = tmp_path / "models"
    ModelStore(folder).save("kept", _logistic(0), {**SUMMARY, "model_key": "kept"})
    leftovers = [folder / ".kept.npz.a1b2c3.tmp", folder / ".kept.x9y8.json.tmp"]
    for path in leftovers:
        path.write_bytes(b"half written")
    assert [s["model_key"] for s in ModelStore(folder).summaries()] == ["kept"]
    assert not any(path.exists() for path in leftovers)
    assert {p.name for p in folder.iterdir()} == {"kept.npz", "kept.json", ".lock"}
