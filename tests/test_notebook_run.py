"""The course notebook: written by its script, run end to end on real digits, and opened by
``neuronlab notebook`` from a copy, so the original is never modified."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path
from types import ModuleType

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from neuronlab import cli, lessons

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"  # the script that writes the notebook
NOTEBOOK = REPO / "src" / "neuronlab" / "course" / "introduction-to-neural-networks.ipynb"
CELL_TIMEOUT_S = 600  # the hidden-unit sweep is the longest cell, well under a minute
ACCURACY = re.compile(r"test accuracy \(([^)]+)\): +([0-9.]+)")
WIDGET = "application/vnd.jupyter.widget-view+json"
USES_WIDGET = re.compile(r"^(\w+ = )?lab\.\w+\(", re.MULTILINE)
# Anything that deletes files; the course's last cell removed its data folder.
DELETES = ("rmtree", "os.remove", "unlink", "rmdir", "clear_cache", "!rm ", "%rm ", "send2trash")


def _builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_notebook", NOTEBOOKS / "build_notebook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _code_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def _stdout(notebook: nbformat.NotebookNode) -> str:
    return "".join(
        output.text
        for cell in _code_cells(notebook)
        for output in cell.outputs
        if output.output_type == "stream" and output.name == "stdout"
    )


def test_committed_notebook_is_what_the_script_writes():
    assert NOTEBOOK.read_text(encoding="utf-8") == _builder().build()


def test_committed_notebook_has_no_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.outputs for cell in _code_cells(notebook))


def test_readme_says_where_the_notebook_is_and_that_it_has_no_outputs():
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    assert f"`{NOTEBOOK.relative_to(REPO).as_posix()}`" in readme
    assert "kept without outputs" in readme  # what the test above checks
    assert "reads well without a kernel" not in readme


def test_scikit_learn_comparison_trains_both_libraries_on_the_same_images(capsys):
    """Run the comparison cell with its 10,000-image cap lowered below the training set's
    size, so that "the same images" has to hold for the two accuracies to be comparable."""
    from neuronlab import analysis, plots
    from neuronlab.data import load
    from neuronlab.training import train

    (source,) = [
        cell.source
        for cell in _code_cells(nbformat.read(NOTEBOOK, as_version=4))
        if "sk_model.fit" in cell.source
    ]
    assert "min(10_000, len(y_train))" in source
    data = load("embedded")
    names = {"np": np, "data": data, "train": train, "analysis": analysis, "plots": plots}
    names |= {"X_train": data.X_train(), "y_train": data.train_labels}
    names |= {"X_test": data.X_test(), "y_test": data.test_labels}
    exec(source.replace("min(10_000,", "min(1_500,"), names)
    assert names["ours_n"].n_train == names["n"] == 1500
    printed = capsys.readouterr().out
    assert "both trained on the first 1,500 training images" in printed
    differ = int(re.search(r"answer differently on (\d+) of 1,000", printed).group(1))
    assert differ <= 10, printed  # same objective, same rows: (nearly) the same answers


def test_no_cell_deletes_files_and_cleaning_up_is_offered():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    for cell in _code_cells(notebook):
        assert not [word for word in DELETES if word in cell.source], cell.source
    markdown = "".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    assert "neuronlab data clear" in markdown


def test_every_exercise_has_a_collapsed_answer():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    sources = [cell.source for cell in notebook.cells]
    exercises = [i for i, text in enumerate(sources) if text.startswith("### Exercise")]
    chapters = lessons.lessons()["chapters"].values()
    # Every exercise of the lab's exercises file, the same text the web page shows.
    assert len(exercises) == sum(len(chapter["exercises"]) for chapter in chapters)
    for i in exercises:
        assert sources[i + 1].startswith("<details>")
    questions = "".join(sources[i] for i in exercises)
    assert lessons.fill(lessons.exercises("shift")[2]["question"]) in questions


@pytest.fixture(scope="module")
def executed(mnist_test_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """The notebook run top to bottom on real MNIST digits, in a copy in a temporary folder."""
    folder = tmp_path_factory.mktemp("notebook")
    copy = folder / NOTEBOOK.name
    shutil.copyfile(NOTEBOOK, copy)
    notebook = nbformat.read(copy, as_version=4)
    data_files = sorted(mnist_test_dir.iterdir())
    with pytest.MonkeyPatch.context() as patch:  # the kernel inherits this environment
        patch.setenv("NEURONLAB_DATA", str(mnist_test_dir))
        patch.setenv("NEURONLAB_CACHE", str(folder / "cache"))
        NotebookClient(
            notebook,
            timeout=CELL_TIMEOUT_S,
            kernel_name="python3",
            resources={"metadata": {"path": str(folder)}},
        ).execute()
    return notebook, folder, data_files


@pytest.mark.slow
def test_runs_end_to_end_without_errors(executed):
    notebook, _, _ = executed
    cells = _code_cells(notebook)
    assert all(cell.execution_count for cell in cells)
    errors = [o for cell in cells for o in cell.outputs if o.output_type == "error"]
    assert errors == []
    warnings = [o.text for cell in cells for o in cell.outputs if o.get("name") == "stderr"]
    assert warnings == []


@pytest.mark.slow
def test_uses_the_chosen_data_and_prints_plausible_accuracies(executed):
    notebook, _, _ = executed
    text = _stdout(notebook)
    assert "train: 8,000 images, test: 2,000 images" in text
    accuracies = {name: float(value) for name, value in ACCURACY.findall(text)}
    assert set(accuracies) >= {
        "logistic regression, 1 vs 8",
        "logistic regression, one vs rest",
        "scikit-learn, one vs rest",
        "hidden layer, 25 units",
    }
    assert all(0.8 < value <= 1.0 for value in accuracies.values()), accuracies
    assert accuracies["hidden layer, 25 units"] > accuracies["logistic regression, one vs rest"]
    assert "same answers: True" in text


@pytest.mark.slow
def test_every_figure_cell_shows_a_png_and_every_widget_cell_a_widget(executed):
    notebook, _, _ = executed
    figures = widgets = 0
    for cell in _code_cells(notebook):
        kinds = {kind for output in cell.outputs for kind in output.get("data", {})}
        if cell.source.startswith("plots.") or "\nplots." in cell.source:
            assert "image/png" in kinds, cell.source
            figures += 1
        if USES_WIDGET.search(cell.source):
            assert WIDGET in kinds, cell.source
            widgets += 1
    assert (figures, widgets) == (25, 12)


@pytest.mark.slow
def test_writes_only_the_saved_model_and_deletes_nothing(executed, mnist_test_dir: Path):
    _, folder, data_files = executed
    written = {path.name for path in folder.iterdir()} - {NOTEBOOK.name, "cache"}
    assert written == {"hidden-layer-network.npz"}
    assert sorted(mnist_test_dir.iterdir()) == data_files


def test_notebook_command_says_how_to_install_jupyterlab(monkeypatch, capsys):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "jupyterlab" else real_find_spec(name, *a),
    )
    assert cli.main(["notebook", "--no-browser"]) == cli.EXIT_USER_ERROR
    assert "pip install 'neuronlab[notebook]'" in capsys.readouterr().err


def test_notebook_command_opens_a_copy_and_keeps_the_users_edits(monkeypatch, tmp_path):
    pytest.importorskip("jupyterlab")
    launched = []
    monkeypatch.setattr(
        subprocess,
        "run",
        lambda command, **kw: launched.append(command) or subprocess.CompletedProcess(command, 0),
    )
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / NOTEBOOK.name).write_text("my edits", encoding="utf-8")
    assert cli.main(["notebook", "--dir", str(mine), "--port", "8899", "--no-browser"]) == 0
    assert (mine / NOTEBOOK.name).read_text(encoding="utf-8") == "my edits"

    fresh = tmp_path / "fresh"
    assert cli.main(["notebook", "--dir", str(fresh), "--no-browser"]) == 0
    assert (fresh / NOTEBOOK.name).read_bytes() == NOTEBOOK.read_bytes()
    assert launched[0][1:3] == ["-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={mine}" in launched[0]
    assert "--ServerApp.ip=127.0.0.1" in launched[0]
    assert "--ServerApp.port=8899" in launched[0]
    assert "--no-browser" in launched[0]
    assert not any("port" in part for part in launched[1][3:])
