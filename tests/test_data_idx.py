"""IDX reading and writing, including files that are broken on purpose."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neuronlab.data import read_idx, write_idx
from neuronlab.errors import DataError

IMAGES = np.arange(3 * 28 * 28, dtype=np.uint8).reshape(3, 28, 28)
HEADER_3D = bytes([0, 0, 0x08, 3]) + np.array([3, 28, 28], dtype=">u4").tobytes()


@pytest.mark.parametrize("name", ["images-idx3-ubyte", "images-idx3-ubyte.gz"])
def test_round_trip_raw_and_gzip(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    write_idx(path, IMAGES)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == name.endswith(".gz")
    back = read_idx(path)
    assert back.dtype == np.uint8
    np.testing.assert_array_equal(back, IMAGES)
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temp file left


@pytest.mark.parametrize(
    ("array", "dtype"),
    [
        (np.array([0, 9, 3], dtype=np.int64), np.uint8),  # labels: smallest type that fits
        (np.array([-300, 300], dtype=np.int64), np.int16),
        (np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3), np.float32),
        (np.array([1.5, -2.25]), np.float64),
        (np.array([70000, -5], dtype=np.int32), np.int32),
    ],
)
def test_round_trip_other_dtypes(tmp_path: Path, array: np.ndarray, dtype: type) -> None:
    write_idx(tmp_path / "x.gz", array)
    back = read_idx(tmp_path / "x.gz")
    assert back.dtype == dtype
    np.testing.assert_array_equal(back, array)


def test_gzip_detected_by_content_not_name(tmp_path: Path) -> None:
    path = tmp_path / "plain-name-idx3-ubyte"
    path.write_bytes(gzip.compress(HEADER_3D + IMAGES.tobytes()))
    np.testing.assert_array_equal(read_idx(path), IMAGES)


def test_real_mnist_labels_file(mnist_test_dir: Path) -> None:
    labels = read_idx(mnist_test_dir / "t10k-labels-idx1-ubyte.gz")
    assert labels.shape == (10000,)
    assert labels[:5].tolist() == [7, 2, 1, 0, 4]


def test_unsupported_dtype_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="complex128"):
        write_idx(tmp_path / "x", np.zeros(3, dtype=complex))
    assert list(tmp_path.iterdir()) == []


GOOD = HEADER_3D + IMAGES.tobytes()
HOSTILE = {
    "empty": (b"", "too short"),
    "truncated header": (GOOD[:9], "cut off"),
    "truncated data": (GOOD[:-1], "only"),
    "trailing bytes": (GOOD + b"\0", "extra bytes"),
    "bad magic": (b"\x01" + GOOD[1:], "magic"),
    "unknown dtype": (GOOD[:2] + b"\x07" + GOOD[3:], "dtype"),
    "zero dims": (GOOD[:3] + b"\x00" + GOOD[4:], "dimensions"),
    "wrong dims": (GOOD[:4] + np.array([4], dtype=">u4").tobytes() + GOOD[8:], "only"),
    "huge dims": (
        bytes([0, 0, 8, 2]) + np.array([2**31, 2**31], dtype=">u4").tobytes(),
        "more than",
    ),
    "truncated gzip": (gzip.compress(GOOD)[:-30], "gzip"),
    "gzip crc": (gzip.compress(GOOD)[:-8] + b"\0" * 8, "gzip"),
    "garbage after gzip": (gzip.compress(GOOD) + b"junk", "gzip"),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_files_raise_data_error_naming_the_file(tmp_path: Path, case: str) -> None:
    content, problem = HOSTILE[case]
    path = tmp_path / "hostile-idx3-ubyte"
    path.write_bytes(content)
    with pytest.raises(DataError, match=problem) as caught:
        read_idx(path)
    assert str(path) in str(caught.value)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        read_idx(tmp_path / "nope.gz")
    with pytest.raises(DataError, match="could not be read"):
        read_idx(tmp_path)


FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(cut=st.integers(min_value=0, max_value=len(GOOD)), noise=st.binary(max_size=64))
def test_raw_truncations_and_noise_only_raise_data_error(
    tmp_path: Path, cut: int, noise: bytes
) -> None:
    content = GOOD[:cut] + noise
    path = tmp_path / "fuzz"
    path.write_bytes(content)
    try:
        array = read_idx(path)
    except DataError as error:
        assert str(path) in str(error)
    else:
        # Whatever parses must account for every byte: header plus data, nothing left over.
        assert 4 + 4 * array.ndim + array.nbytes == len(content)


GZIPPED = gzip.compress(GOOD)


@FUZZ
@given(cut=st.integers(min_value=0, max_value=len(GZIPPED)), noise=st.binary(max_size=64))
def test_gzip_truncations_and_noise_only_raise_data_error(
    tmp_path: Path, cut: int, noise: bytes
) -> None:
    path = tmp_path / "fuzz.gz"
    path.write_bytes(GZIPPED[:cut] + noise)
    try:
        array = read_idx(path)
    except DataError as error:
        assert str(path) in str(error)
    else:
        np.testing.assert_array_equal(array, IMAGES)  # only the intact stream can parse


@FUZZ
@given(
    prefix=st.sampled_from([b"", b"\x1f\x8b", b"\x1f\x8b\x08\x00", b"\x00\x00\x08\x01"]),
    content=st.binary(max_size=256),
)
def test_random_bytes_only_raise_data_error(tmp_path: Path, prefix: bytes, content: bytes) -> None:
    path = tmp_path / "fuzz"
    path.write_bytes(prefix + content)
    try:
        array = read_idx(path)
    except DataError as error:
        assert str(path) in str(error)
    else:
        assert isinstance(array, np.ndarray)
