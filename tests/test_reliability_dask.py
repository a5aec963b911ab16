"""Sweeps on a Dask cluster give the same networks as local processes, seed for seed."""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient

from neuronlab.analysis import hidden_sweep
from neuronlab.analysis.sweep import dask_client
from neuronlab.cli import main
from neuronlab.errors import NeuronLabError
from neuronlab.web import create_app

distributed = pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def cluster() -> Iterator[distributed.LocalCluster]:
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    ) as running:
        yield running


@pytest.fixture(scope="module")
def digits(mnist_small):
    small = mnist_small.subset(n_train=600, n_test=300)
    return small.X_train(), small.train_labels, small.X_test(), small.test_labels


def test_dask_client_matches_local_processes(cluster, digits):
    local = hidden_sweep(*digits, sizes=(4, 9), seeds=2, n_jobs=2, preset="fast")
    with distributed.Client(cluster) as client:
        remote = hidden_sweep(*digits, sizes=(9, 4), seeds=2, preset="fast", client=client)
        assert client.status == "running"  # a client we were given stays open
    assert [(r.hidden, r.seed) for r in remote] == [(4, 0), (4, 1), (9, 0), (9, 1)]
    for here, there in zip(local, remote, strict=True):
        assert (here.hidden, here.seed, here.epochs) == (there.hidden, there.seed, there.epochs)
        assert here.train_accuracy == there.train_accuracy
        assert here.test_accuracy == there.test_accuracy
        np.testing.assert_array_equal(here.coefs0, there.coefs0)


def test_cli_sweep_on_a_scheduler_address(cluster, mnist_test_dir, capsys):
    def sweep(*extra: str) -> list[dict]:
        argv = ["sweep", "--data", str(mnist_test_dir), "--hidden", "4", "--preset", "fast"]
        assert main([*argv, "--json", *extra]) == 0
        return json.loads(capsys.readouterr().out)

    local = sweep("--jobs", "1")
    remote = sweep("--dask", cluster.scheduler_address)
    keep = ("hidden", "seed", "train_accuracy", "test_accuracy", "epochs")
    assert [{k: r[k] for k in keep} for r in remote] == [{k: r[k] for k in keep} for r in local]


def test_an_unreachable_scheduler_is_one_clear_sentence() -> None:
    with socket.socket() as sock:  # a port on which nothing listens
        sock.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{sock.getsockname()[1]}"
    with pytest.raises(NeuronLabError, match="Cannot reach the Dask scheduler"):
        dask_client(address, timeout_s=0.5)


def test_without_dask_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(NeuronLabError, match=r"neuronlab\[dask\]"):
        dask_client("tcp://127.0.0.1:8786")


def test_the_web_labs_sweeps_run_on_the_cluster(cluster, mnist_test_dir, tmp_path) -> None:
    app = create_app(str(mnist_test_dir), cache_dir=tmp_path, dask=cluster.scheduler_address)
    with TestClient(app) as client:
        lab = app.state.lab
        with distributed.get_task_stream(client=lab.dask_client()) as tasks:
            started = client.post("/api/sweep", json={"sizes": [4], "preset": "fast"})
            assert started.status_code == 202, started.text
            with client.stream("GET", f"/api/jobs/{started.json()['job_id']}/events") as events:
                lines = [line for line in events.iter_lines() if line.startswith("data: ")]
        (remote,) = json.loads(lines[-1].removeprefix("data: "))["results"]
        assert any("_train_one" in str(task["key"]) for task in tasks.data)
        (local,) = hidden_sweep(
            lab.train.X, lab.train.y, lab.test.X, lab.test.y, sizes=(4,), n_jobs=1, preset="fast"
        )
    assert (remote["hidden"], remote["seed"], remote["epochs"]) == (4, 0, local.epochs)
    assert remote["test_accuracy"] == local.test_accuracy


def test_the_web_labs_training_jobs_run_on_the_cluster(cluster, mnist_test_dir, tmp_path) -> None:
    """The fit runs on a worker; its progress streams back to the job's listeners."""
    app = create_app(str(mnist_test_dir), cache_dir=tmp_path, dask=cluster.scheduler_address)
    body = {"model": "mlp", "preset": "fast", "hidden": 6, "max_epochs": 3, "classes": [1, 8]}
    with TestClient(app) as client:
        lab = app.state.lab
        with distributed.get_task_stream(client=lab.dask_client()) as tasks:
            started = client.post("/api/train", json=body)
            assert started.status_code == 202, started.text
            with client.stream("GET", f"/api/jobs/{started.json()['job_id']}/events") as events:
                names = [line for line in events.iter_lines() if line.startswith("event: ")]
        assert any("_fit_on_worker" in str(task["key"]) for task in tasks.data)
        assert names.count("event: progress") == 3 and names[-1] == "event: done"
        summary = client.get(f"/api/models/{started.json()['model_key']}").json()
    assert summary["hidden"] == 6 and summary["epochs"] == 3
    assert summary["history_epochs"] == [1, 2, 3]  # the worker's history came back too


def test_a_training_job_on_the_cluster_can_be_cancelled(cluster, mnist_test_dir, tmp_path) -> None:
    app = create_app(str(mnist_test_dir), cache_dir=tmp_path, dask=cluster.scheduler_address)
    body = {"model": "mlp", "preset": "module", "hidden": 50, "max_epochs": 300}
    with TestClient(app) as client:
        job_id = client.post("/api/train", json=body).json()["job_id"]
        names = []
        with client.stream("GET", f"/api/jobs/{job_id}/events") as events:
            for line in events.iter_lines():
                if line.startswith("event: "):
                    names.append(line.removeprefix("event: "))
                    if names.count("progress") == 1:
                        assert client.delete(f"/api/jobs/{job_id}").json() == {"cancelled": True}
    assert names[-1] == "cancelled"
    assert names.count("progress") < 50  # it stopped within a few epochs, not at 300
