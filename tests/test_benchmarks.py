"""The speed benchmark runs end to end and prints every table with numbers that parse.

Nothing here is timed: the numbers themselves belong in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "benchmarks" / "train_speed.py"
TITLES = (
    "machine",
    "dataset",
    "load from cache",
    "logistic regression (C=0.001)",
    "logistic regression weights, ours vs sklearn",
    "MLP (course settings",
    "fast preset vs sklearn's course MLP, every dataset",
    "hidden-units sweep",
    "seconds per epoch at batch 256",
    "targets",
)
TARGETS = (
    "logistic 1 vs 8: vs sklearn best",
    "logistic OvR: vs sklearn best",
    "MLP course settings: vs sklearn best",
    "MLP fast preset vs sklearn best course",
    "MLP fast preset accuracy on every dataset",
    "sweep of 2 sizes",
    "epoch at batch 256, h=25",
    "epoch at batch 256, h=100",
    "fit peak memory",
)
HAS_TORCH = importlib.util.find_spec("torch") is not None


def markdown_tables(text: str) -> dict[str, list[list[str]]]:
    """Each ``### title`` of the markdown output with its table's rows (header first)."""
    tables: dict[str, list[list[str]]] = {}
    title = ""
    for line in text.splitlines():
        if line.startswith("### "):
            title = line[4:]
            tables[title] = []
        elif line.startswith("| "):
            tables[title].append([cell.strip() for cell in line.strip("|").split(" | ")])
    return tables


@pytest.fixture(scope="module")
def quick_run(mnist_test_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """One ``--quick`` run on the real MNIST test set: (stdout, markdown tables)."""
    out = tmp_path_factory.mktemp("bench") / "results.md"
    # one BLAS thread keeps the tiny fits quick on a busy 2-core machine; the output is the same
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--data", str(mnist_test_dir), "--quick"]
        + ["--markdown", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout, markdown_tables(out.read_text())


@pytest.mark.slow
def test_every_section_is_printed(quick_run):
    stdout, tables = quick_run
    for title in TITLES:
        assert f"== {title}" in stdout
        assert any(t.startswith(title) for t in tables), title


@pytest.mark.slow
def test_numeric_columns_parse(quick_run):
    _, tables = quick_run
    checked = 0
    for title, (header, *rows) in tables.items():
        assert rows, f"{title} has no rows"
        for i, column in enumerate(header):
            if not column.endswith(")"):
                continue  # numeric columns name their unit: "median fit (s)"
            for row in rows:
                if row[i] != "-":
                    float(row[i])
                    checked += 1
    assert checked > 50


@pytest.mark.slow
def test_every_target_has_a_verdict(quick_run):
    _, tables = quick_run
    header, *rows = tables["targets"]
    assert header == ["target", "measured", "required", "status"]
    assert all(r[0].startswith(name) for r, name in zip(rows, TARGETS, strict=True))
    assert {r[3] for r in rows} <= {"PASS", "MISS", "n/a"}
    # a quick run cannot judge the targets set for whole datasets
    by_name = {name: row for name, row in zip(TARGETS, rows, strict=True)}
    for name in (
        "fit peak memory",
        "sweep of 2 sizes",
        "MLP fast preset accuracy on every dataset",
    ):
        assert by_name[name][3] == "n/a", name


@pytest.mark.slow
def test_each_fit_is_measured(quick_run):
    _, tables = quick_run
    fits = {
        row[0]
        for title, (_, *rows) in tables.items()
        if title.startswith(("logistic regression (", "MLP (", "seconds per epoch"))
        for row in rows
    }
    solvers = {"1 vs 8": ("sag", "lbfgs", "newton-cholesky"), "OvR": ("sag", "lbfgs")}
    expected = {
        f"sklearn LR {task} {solver}, {threads}"
        for task, names in solvers.items()
        for solver in names
        for threads in ("1 thread", "default threads")
    }
    expected |= {
        "ours LR 1 vs 8",
        "ours LR OvR",
        "sklearn MLP course, default threads",
        "sklearn MLP course, 1 thread",
        "ours MLP course",
        "ours MLP fast",
        "ours MLP h=25 b=256",
        "ours MLP h=100 b=256",
    }
    if HAS_TORCH:
        expected |= {
            "PyTorch MLP course, 1 thread",
            "PyTorch MLP course, 2 threads",
            "PyTorch MLP fast, 1 thread",
            "PyTorch MLP h=25 b=256, 1 thread",
            "PyTorch MLP h=100 b=256, 1 thread",
        }
    assert fits == expected
    sweep = tables[next(t for t in tables if t.startswith("hidden-units sweep"))]
    assert [row[0] for row in sweep[1:]] == ["4", "16", "all (wall)"]


@pytest.mark.slow
def test_both_anchors_and_the_spread_are_reported(quick_run):
    _, tables = quick_run
    header, *rows = tables["logistic regression (C=0.001)"]
    for column in ("vs course (x)", "vs best (x)", "min (s)", "max (s)", "warm-up (s)"):
        assert column in header, column
    best = header.index("vs best (x)")
    sklearn_rows = [r for r in rows if r[0].startswith("sklearn")]
    # the best sklearn setting is the fastest one, so no sklearn row beats it
    assert max(float(r[best]) for r in sklearn_rows) == pytest.approx(1.0, abs=0.005)
