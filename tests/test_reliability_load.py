"""The load test's quick form: students and training jobs on one real server, zero errors.

Latencies are printed, not asserted (speed lives in benchmarks/); this checks
that every request succeeded, every job finished and the report is complete.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "benchmarks" / "load_test.py"
INTERACTIVE = ("dataset", "images", "labels", "means", "models")

pytest.importorskip("psutil")


@pytest.mark.slow
def test_quick_load_test_has_no_errors(mnist_test_dir: Path) -> None:
    argv = [sys.executable, str(SCRIPT), "--quick", "--json", "--data", str(mnist_test_dir)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["errors"] == 0, result["error_samples"]
    assert result["jobs"]["done"] == result["jobs"]["asked"] == 3
    for name in INTERACTIVE:
        stats = result["endpoints"][name]
        assert stats["n"] == 6 * 3  # every student made every pass
        assert 0 < stats["p50_ms"] <= stats["p95_ms"] <= stats["max_ms"]
    assert result["server_peak_rss_mb"] > 50  # the sampler saw the server with its data
    assert result["timeline"][-1]["done"] == 3
