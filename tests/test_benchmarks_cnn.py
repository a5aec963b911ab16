"""The CNN benchmark runs end to end, with PyTorch and without it; nothing here is timed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "benchmarks" / "cnn_speed.py"
ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}

pytestmark = pytest.mark.slow


def _run(mnist_test_dir: Path, *, hide_torch: bool) -> str:
    argv = [str(SCRIPT), "--data", str(mnist_test_dir), "--quick"]
    code = f"import runpy, sys\nsys.argv = {argv!r}\n"
    if hide_torch:  # a finder that refuses torch, first in line: as if it were not installed
        code += (
            "class NoTorch:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name.split('.')[0] == 'torch':\n"
            "            raise ModuleNotFoundError(\"No module named 'torch'\")\n"
            "sys.meta_path.insert(0, NoTorch())\n"
        )
    code += f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')\n"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=ENV, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _rows(stdout: str) -> list[list[str]]:
    """The cells of the timing table's rows (columns are two or more spaces apart)."""
    header, *lines = stdout.split("== CNN training")[1].splitlines()[1:]
    assert "over floor (x)" in header
    rows = []
    for line in lines:
        if not line.startswith(("ours", "PyTorch")):
            break
        rows.append(re.split(r"\s{2,}", line.strip()))
    return rows


def test_without_torch_it_times_ours_and_says_how_to_compare(mnist_test_dir: Path):
    stdout = _run(mnist_test_dir, hide_torch=True)
    rows = _rows(stdout)
    assert [r[0] for r in rows] == ["ours (NumPy, 1 BLAS thread)"]
    assert "PyTorch is not installed" in stdout and "torch==2.13.0" in stdout


def test_with_torch_both_are_timed_with_a_ratio(mnist_test_dir: Path):
    pytest.importorskip("torch")
    stdout = _run(mnist_test_dir, hide_torch=False)
    rows = _rows(stdout)
    assert rows[0][0].startswith("ours") and rows[1][0].startswith("PyTorch")
    numbers = [float(cell) for cell in rows[1][1:]]
    assert len(numbers) == 7 and all(n > 0 for n in numbers)  # runs, times, accuracy, ratios
    assert "GFLOP per epoch" in stdout
