"""Property tests of load_model: whatever bytes a student uploads, the answer is ModelFileError.

Random bytes, every truncation, byte mutations, hostile metadata and forged
array headers must load as a model or raise :class:`ModelFileError` quickly,
never another exception, never a large allocation and never pickled code.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.lib import format as npy_format

from neuronlab.errors import ModelFileError
from neuronlab.models import (
    LogisticRegression,
    MLPClassifier,
    load_model,
    persistence,
    save_model,
)

FAST = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The bytes of a small saved MLP and of a saved logistic regression."""
    rng = np.random.default_rng(0)
    X = rng.random((60, 12)).astype(np.float32)
    y = X[:, :3].argmax(axis=1)
    folder = tmp_path_factory.mktemp("saved")
    with pytest.warns(Warning):  # a few iterations do not converge, on purpose
        models = {
            "mlp": MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0).fit(X, y),
            "logistic": LogisticRegression(max_iter=3).fit(X, y),
        }
    return {kind: save_model(m, folder / f"{kind}.npz").read_bytes() for kind, m in models.items()}


@pytest.fixture(scope="module")
def good(saved: dict[str, bytes]) -> bytes:
    return saved["mlp"]


def _load_or_refuse(path: Path, content: bytes) -> None:
    """The one property: a model loads, or ModelFileError names the file."""
    path.write_bytes(content)
    try:
        model = load_model(path)
    except ModelFileError as error:
        assert str(path) in str(error)
        return
    assert hasattr(model, "predict_proba")


def _npz(members: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _meta(**fields: object) -> bytes:
    base = {"format": "neuronlab-model", "version": 1, "kind": "logistic", "classes": [0, 1]}
    base["params"] = {"C": 1.0, "multi_class": "ovr", "fit_intercept": True}
    base["params"] |= {"max_iter": 10, "tol": 1e-4}
    return _npy(np.array(json.dumps(base | fields)))


@FAST
@given(content=st.binary(max_size=2048))
def test_random_bytes(tmp_path: Path, content: bytes) -> None:
    _load_or_refuse(tmp_path / "random.npz", content)


@FAST
@given(data=st.data())
def test_every_truncation(tmp_path: Path, good: bytes, data: st.DataObject) -> None:
    cut = data.draw(st.integers(min_value=0, max_value=len(good) - 1))
    with pytest.raises(ModelFileError):
        load_model(_write(tmp_path / "cut.npz", good[:cut]))


@FAST
@given(data=st.data())
def test_byte_mutations(tmp_path: Path, good: bytes, data: st.DataObject) -> None:
    content = bytearray(good)
    for _ in range(data.draw(st.integers(min_value=1, max_value=8))):
        at = data.draw(st.integers(min_value=0, max_value=len(content) - 1))
        content[at] = data.draw(st.integers(min_value=0, max_value=255))
    _load_or_refuse(tmp_path / "mutated.npz", bytes(content))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
FIELDS = (
    *("kind", "classes", "params", "history", "version", "format"),
    *("hidden_layer_sizes", "activation", "alpha", "C", "multi_class", "max_iter"),
    *("n_iter_", "t_", "loss_", "loss_curve_", "validation_scores_", "best_loss_"),
)


@FAST
@given(
    kind=st.sampled_from(["mlp", "logistic"]),
    where=st.sampled_from([(), ("params",), ("history",)]),
    field=st.sampled_from(FIELDS),
    value=JSON,
)
def test_hostile_metadata(
    tmp_path: Path,
    saved: dict[str, bytes],
    kind: str,
    where: tuple[str, ...],
    field: str,
    value: object,
) -> None:
    with np.load(io.BytesIO(saved[kind])) as npz:
        members = {f"{name}.npy": _npy(npz[name]) for name in npz.files}
        meta = json.loads(str(npz["meta"]))
    target = meta
    for key in where:
        target = target.setdefault(key, {})
    target[field] = value
    members["meta.npy"] = _npy(np.array(json.dumps(meta)))
    _load_or_refuse(tmp_path / "meta.npz", _npz(members))


def test_deeply_nested_metadata_is_refused(tmp_path: Path) -> None:
    meta = _npy(np.array("[" * 100_000))
    with pytest.raises(ModelFileError):
        load_model(_write(tmp_path / "nested.npz", _npz({"meta.npy": meta})))


@pytest.mark.parametrize("shape", [(2**40,), (2**20, 2**20), (2**62,)])
def test_a_forged_array_shape_allocates_nothing(tmp_path: Path, shape: tuple[int, ...]) -> None:
    header = io.BytesIO()
    npy_format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": shape}
    )
    members = {"meta.npy": _meta(), "coef.npy": header.getvalue() + bytes(64)}
    with pytest.raises(ModelFileError):
        load_model(_write(tmp_path / "forged.npz", _npz(members)))


def test_a_zip_bomb_is_refused_before_it_is_unpacked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A small file that unpacks to far more than the limit is refused by its declared size."""
    monkeypatch.setattr(persistence, "MAX_UNPACKED_BYTES", 2**20)
    header = io.BytesIO()
    npy_format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": (2**21,)}
    )
    members = {"meta.npy": _meta(), "coef.npy": header.getvalue() + bytes(2**23)}
    bomb = _write(tmp_path / "bomb.npz", _npz(members, zipfile.ZIP_DEFLATED))
    assert bomb.stat().st_size < 2**16
    with pytest.raises(ModelFileError, match="unpacks to"):
        load_model(bomb)


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path
