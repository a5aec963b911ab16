"""Uploads are held to the lab's own model sizes, within quotas, under keys of their own.

A file of a few hundred KB can declare a network of 20,000 hidden units; it
must be refused from the shapes its headers declare, before any array is
built. Each client may store a few uploads and the store a bounded number;
loaded models stay within a memory budget. Two different files never share a
key, whatever their names.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from numpy.lib.npyio import NpzFile

from neuronlab.errors import ModelFileError
from neuronlab.models import MLPClassifier, load_model, persistence, save_model
from neuronlab.web import create_app, store
from neuronlab.web.store import ModelStore
from neuronlab.web.uploads import UPLOAD_LIMITS, upload_key

PAGE = {"X-Neuronlab": "1"}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory, mnist_small) -> Path:
    """A real 784-3-10 MLP saved by the lab, trained on a few real digits."""
    small = mnist_small.subset(n_train=300, n_test=10)
    with pytest.warns(Warning):
        model = MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0)
        model.fit(small.X_train(), small.train_labels)
    return save_model(model, tmp_path_factory.mktemp("tiny") / "tiny.npz")


def _rewrite(source: Path, hidden: int | None = None, meta_extra: dict | None = None) -> bytes:
    """``source`` with a hidden layer of ``hidden`` zeros (deflated), or more metadata."""
    with np.load(source) as npz:
        arrays = {name: npz[name] for name in npz.files}
    meta = json.loads(str(arrays["meta"]))
    if hidden is not None:
        meta["params"]["hidden_layer_sizes"] = [hidden]
        arrays["coef_0"] = np.zeros((784, hidden), np.float32)
        arrays["intercept_0"] = np.zeros(hidden, np.float32)
        arrays["coef_1"] = np.zeros((hidden, 10), np.float32)
    meta |= meta_extra or {}
    arrays["meta"] = np.array(json.dumps(meta))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.save(member, array, allow_pickle=False)
            archive.writestr(f"{name}.npy", member.getvalue())
    return buffer.getvalue()


@pytest.fixture
def client(mnist_test_dir: Path, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(str(mnist_test_dir), cache_dir=tmp_path), headers=PAGE) as c:
        yield c


def _upload(client: TestClient, name: str, content: bytes, **kwargs) -> object:
    return client.post(
        "/api/models/upload", files={"file": (name, content, "application/zip")}, **kwargs
    )


def test_a_wide_network_is_refused_before_any_array_is_built(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wide = tmp_path / "wide.npz"
    wide.write_bytes(_rewrite(tiny, hidden=20_000))
    assert wide.stat().st_size < 400_000  # small on disk, 63 MB of weights once unpacked
    built: list[str] = []
    original = NpzFile.__getitem__

    def counting(self: NpzFile, key: str) -> np.ndarray:
        built.append(key)
        return original(self, key)

    monkeypatch.setattr(NpzFile, "__getitem__", counting)
    with pytest.raises(ModelFileError, match="20000 units; from 1 to 400"):
        load_model(wide, limits=UPLOAD_LIMITS)
    assert built == ["meta"]  # only the small metadata string was read
    assert load_model(tiny, limits=UPLOAD_LIMITS).coefs_[0].shape == (784, 3)


def test_a_header_that_lies_about_its_size_is_refused(tiny: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(tiny) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": (784, 30_000)}
    )
    members["coef_0.npy"] = header.getvalue() + bytes(16)
    forged = tmp_path / "forged.npz"
    with zipfile.ZipFile(forged, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ModelFileError, match="declares 94,080,000 bytes but stores 16"):
        load_model(forged)


def test_a_metadata_bomb_is_refused(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(persistence, "MAX_META_CHARS", 10_000)
    bomb = tmp_path / "bomb.npz"
    bomb.write_bytes(_rewrite(tiny, meta_extra={"padding": [0.0] * 5_000}))
    with pytest.raises(ModelFileError, match="metadata is longer than 10,000 characters"):
        load_model(bomb)


def test_uploads_keep_the_lab_limits_and_quotas(
    client: TestClient, tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refused = _upload(client, "wide.npz", _rewrite(tiny, hidden=20_000))
    assert refused.status_code == 400
    assert "from 1 to 400 are allowed" in refused.json()["detail"]
    assert client.get("/api/models").json() == []

    monkeypatch.setattr(store, "MAX_UPLOADS_PER_CLIENT", 2)
    content = tiny.read_bytes()
    keys = []
    for name in ("a.npz", "b.npz"):
        answer = _upload(client, name, content)
        assert answer.status_code == 200, answer.text
        keys.append(answer.json()["model_key"])
    again = _upload(client, "a.npz", content)  # the same file again is no new upload
    assert again.status_code == 200 and again.json()["model_key"] == keys[0]
    third = _upload(client, "c.npz", content)
    assert third.status_code == 429
    assert "already uploaded 2 models" in third.json()["detail"]

    monkeypatch.setattr(store, "MAX_UPLOADS_PER_CLIENT", 10)
    monkeypatch.setattr(store, "MAX_UPLOADS", 2)
    whole = _upload(client, "d.npz", content)
    assert whole.status_code == 429
    assert "already holds 2 uploaded models" in whole.json()["detail"]


def test_a_model_the_lab_trained_uploads_again_with_its_history(client: TestClient) -> None:
    body = {"model": "mlp", "preset": "fast", "hidden": 5, "max_epochs": 2, "classes": [1, 8]}
    started = client.post("/api/train", json=body).json()
    with client.stream("GET", f"/api/jobs/{started['job_id']}/events") as events:
        assert "event: done" in list(events.iter_lines())
    content = client.get(f"/api/models/{started['model_key']}/file").content
    answer = _upload(client, "mine.npz", content)
    assert answer.status_code == 200, answer.text
    assert answer.json()["hidden"] == 5


def test_upload_keys_never_collide() -> None:
    content, other = b"model bytes", b"other bytes"
    chinese, japanese = upload_key("模型.npz", content), upload_key("模範.npz", content)
    assert chinese != japanese
    assert chinese.startswith("upload-model-") and japanese.startswith("upload-model-")
    assert upload_key("modèle.npz", content).startswith("upload-modele-")
    assert upload_key("net.npz", content) != upload_key("net.npz", other)
    assert upload_key("net.npz", content) == upload_key("net.npz", content)
    assert all(store.is_valid_key(upload_key(n, content)) for n in ("模型.npz", "x" * 300, None))


def test_loaded_models_stay_within_their_budget(tiny: Path, tmp_path: Path) -> None:
    models = ModelStore(tmp_path / "models", max_loaded=2)
    model = load_model(tiny)
    summary = {
        "model_key": "k",
        "kind": "mlp",
        "preset": "upload",
        "classes": list(range(10)),
        "hidden": 3,
        "test_accuracy": 0.1,
        "train_accuracy": 0.1,
        "fit_seconds": None,
        "epochs": 2,
        "confusion": [[0] * 10] * 10,
        "loss_curve": [],
        "validation_scores": [],
        "layers": [],
    }
    for key in ("m-1", "m-2", "m-3"):
        models.save(key, model, {**summary, "model_key": key})
    assert models.loaded() == ["m-2", "m-3"]
    assert models.model("m-1") is not None  # read from disk again on demand
    assert models.loaded() == ["m-3", "m-1"]
    small = ModelStore(tmp_path / "models", max_loaded_bytes=1)
    small.model("m-1")
    small.model("m-2")
    assert small.loaded() == ["m-2"]  # always the last one, however small the budget


def test_an_upload_whose_rewrite_would_outgrow_the_limits_is_refused(
    client: TestClient, tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loss values written as ``0`` come back as ``0.0``: the stored file must load again."""
    monkeypatch.setattr(persistence, "MAX_META_CHARS", 6_000)
    with np.load(tiny) as npz:
        meta = json.loads(str(npz["meta"]))
    meta["history"]["loss_curve_"] = [0] * 1_200  # 3 characters each here, 5 once rewritten
    answer = _upload(client, "terse.npz", _rewrite(tiny, meta_extra={"history": meta["history"]}))
    assert answer.status_code == 400, answer.text
    assert "more training records" in answer.json()["detail"]
    assert client.get("/api/models").json() == []
