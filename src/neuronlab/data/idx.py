"""Read and write IDX files, the format MNIST and Fashion-MNIST are distributed in.

An IDX file is a 4-byte magic number (two zero bytes, a dtype code, the number
of dimensions), one big-endian uint32 per dimension, then the values in C order,
big-endian. The files are usually gzip-compressed; we detect that by the gzip
magic bytes, not by the file name.
"""

from __future__ import annotations

import gzip
import os
import tempfile
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np

from neuronlab.errors import DataError

GZIP_MAGIC = b"\x1f\x8b"
DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
CODES: dict[np.dtype, int] = {dtype.newbyteorder("="): code for code, dtype in DTYPES.items()}
MAX_NDIM = 8
MAX_BYTES = 2 << 30  # far above EMNIST's largest file; stops a forged header or a gzip bomb
_CHUNK = 1 << 20


def _fail(path: Path, problem: str) -> DataError:
    return DataError(f"{path} is not a valid IDX file: {problem}; replace it with an intact copy.")


def _read_exactly(stream: BinaryIO, n: int) -> bytearray:
    """Read up to ``n`` bytes in chunks, so a lying header cannot make us allocate gigabytes."""
    buffer = bytearray()
    while len(buffer) < n:
        chunk = stream.read(min(_CHUNK, n - len(buffer)))
        if not chunk:
            break
        buffer += chunk
    return buffer


def _parse(path: Path, stream: BinaryIO) -> np.ndarray:
    magic = stream.read(4)
    if len(magic) < 4:
        raise _fail(path, f"it is only {len(magic)} bytes long, too short for the IDX header")
    if magic[0] != 0 or magic[1] != 0:
        raise _fail(path, f"the magic number starts with {magic[:2].hex()}, not 0000")
    if magic[2] not in DTYPES:
        raise _fail(path, f"unknown dtype code 0x{magic[2]:02x}")
    ndim = magic[3]
    if not 1 <= ndim <= MAX_NDIM:
        raise _fail(path, f"it declares {ndim} dimensions (expected 1 to {MAX_NDIM})")
    raw_dims = stream.read(4 * ndim)
    if len(raw_dims) < 4 * ndim:
        raise _fail(path, "the header is cut off before the end of the dimensions")
    shape = tuple(int(d) for d in np.frombuffer(raw_dims, dtype=">u4"))
    dtype = DTYPES[magic[2]]
    expected = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if expected > MAX_BYTES:
        raise _fail(path, f"shape {shape} would need {expected:,} bytes, more than we ever read")
    data = _read_exactly(stream, expected)
    if len(data) < expected:
        raise _fail(
            path, f"shape {shape} needs {expected:,} data bytes but only {len(data):,} are there"
        )
    if stream.read(1):
        raise _fail(path, f"there are extra bytes after the {expected:,} data bytes of {shape}")
    return (
        np.frombuffer(data, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="), copy=False)
    )


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (gzip-compressed or raw) into a native-endian NumPy array."""
    path = Path(path)
    try:
        with path.open("rb") as raw:
            compressed = raw.read(2) == GZIP_MAGIC
            raw.seek(0)
            if not compressed:
                return _parse(path, raw)
            with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                return _parse(path, stream)
    except FileNotFoundError:
        raise DataError(f"{path} does not exist; check the path or download the data.") from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise _fail(path, f"its gzip data is truncated or corrupt ({error})") from error
    except OSError as error:
        raise DataError(
            f"{path} could not be read ({error.strerror or error}); "
            "check that it is a readable file."
        ) from error


def _code_for(array: np.ndarray) -> tuple[int, np.ndarray]:
    """Pick the IDX dtype code; integers go to the smallest IDX type that holds their values."""
    if array.dtype.kind in "ui" and array.dtype.newbyteorder("=") not in CODES:
        lo, hi = (int(array.min()), int(array.max())) if array.size else (0, 0)
        for candidate in (np.uint8, np.int8, np.int16, np.int32):
            info = np.iinfo(candidate)
            if info.min <= lo and hi <= info.max:
                array = array.astype(candidate)
                break
    native = array.dtype.newbyteorder("=")
    if native not in CODES:
        raise DataError(
            f"IDX cannot store arrays of dtype {array.dtype}; "
            "convert to uint8, int8, int16, int32, float32 or float64 first."
        )
    return CODES[native], array


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write ``array`` as an IDX file, gzip-compressed when the name ends in ``.gz``.

    The file is written to a temporary name in the same folder and renamed into
    place, so a crash never leaves a half-written file under the real name.
    """
    path = Path(path)
    array = np.asarray(array)
    if not 1 <= array.ndim <= MAX_NDIM:
        raise DataError(f"IDX stores 1 to {MAX_NDIM} dimensions, not {array.ndim}.")
    code, array = _code_for(array)
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    payload = np.ascontiguousarray(array, dtype=DTYPES[code]).tobytes()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            if path.name.endswith(".gz"):
                # mtime=0 keeps the bytes reproducible for the same array.
                with gzip.GzipFile(filename=path.stem, fileobj=out, mode="wb", mtime=0) as gz:
                    gz.write(header)
                    gz.write(payload)
            else:
                out.write(header)
                out.write(payload)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
