"""Download pinned files into the cache, and verify them again whenever they are used.

A file is streamed to a temporary name next to its final place, checked against
its pinned size and SHA-256, and only then renamed, so the cache never holds a
partial or wrong file under a real name.
"""

from __future__ import annotations

import contextvars
import hashlib
import http.client
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs
from tqdm import tqdm

from neuronlab.errors import DataError, DownloadError

CACHE_ENV = "NEURONLAB_CACHE"
MIRRORS_ENV = "NEURONLAB_MIRRORS"
TIMEOUT_S = 30.0
PART_SUFFIX = ".part"
_CHUNK = 1 << 16


@dataclass(frozen=True)
class FileSpec:
    """A published file pinned by its exact size in bytes and its SHA-256."""

    name: str
    size: int
    sha256: str


@dataclass
class DownloadWatch:
    """The overall deadline downloads keep in one thread, and how far they got.

    A mirror that trickles bytes never trips the per-read ``timeout``; the
    deadline bounds the whole of every download made under :func:`watched`.
    """

    deadline_s: float | None = None
    received: int = 0
    current: str | None = None
    started: float = field(default_factory=time.monotonic)

    def remaining(self) -> float | None:
        if self.deadline_s is None:
            return None
        return self.deadline_s - (time.monotonic() - self.started)

    def expired(self) -> bool:
        remaining = self.remaining()
        return remaining is not None and remaining <= 0


_WATCH: contextvars.ContextVar[DownloadWatch | None] = contextvars.ContextVar(
    "neuronlab_download_watch", default=None
)


@contextmanager
def watched(deadline_s: float | None = None) -> Iterator[DownloadWatch]:
    """Downloads in this context finish within ``deadline_s`` overall and report progress."""
    watch = DownloadWatch(deadline_s)
    token = _WATCH.set(watch)
    try:
        yield watch
    finally:
        _WATCH.reset(token)


def cache_dir(override: str | os.PathLike | None = None) -> Path:
    """Where downloads live: ``override``, else ``$NEURONLAB_CACHE``, else the user cache dir."""
    if override is not None:
        return Path(override).expanduser()
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    return Path(platformdirs.user_cache_dir("neuronlab"))


def remove_stale_parts(root: Path, older_than_s: float = 120.0) -> list[Path]:
    """Delete partial downloads under ``root`` that nobody has written to for a while.

    A download killed with ``kill -9`` leaves its ``.part`` file; one that is
    still running writes to it at least every ``TIMEOUT_S``, so only files
    untouched for longer are removed (another process may share the cache).
    """
    removed = []
    cutoff = time.time() - older_than_s
    for path in Path(root).glob(f"*/.*{PART_SUFFIX}"):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed.append(path)
        except OSError:  # gone already, or not ours to remove
            continue
    return removed


def mirrors(default: Sequence[str]) -> tuple[str, ...]:
    """Base URLs to try in turn: ``$NEURONLAB_MIRRORS`` (comma-separated) replaces ``default``."""
    override = [url.strip() for url in os.environ.get(MIRRORS_ENV, "").split(",") if url.strip()]
    bases = override or list(default)
    return tuple(url if url.endswith("/") else url + "/" for url in bases)


def _mismatch(path: Path, spec: FileSpec) -> str | None:
    """Why ``path`` is not ``spec`` (None when it is)."""
    size = path.stat().st_size
    if size != spec.size:
        return f"it has {size:,} bytes instead of {spec.size:,}"
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    if digest.hexdigest() != spec.sha256:
        return "its SHA-256 checksum does not match the published one"
    return None


def verify(path: Path, spec: FileSpec) -> None:
    """Check a cached file against its pin; raise a :class:`DataError` that says how to recover."""
    problem = _mismatch(path, spec)
    if problem:
        raise DataError(
            f"The cached file {path} is corrupt ({problem}); run `neuronlab data clear` "
            "or delete that file, and it will be downloaded again."
        )


class _Rejected(Exception):
    """A mirror answered, but with bytes that are not the pinned file."""


def _stream(url: str, out: Path, spec: FileSpec, progress: bool, timeout: float) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": "neuronlab"})
    digest = hashlib.sha256()
    received = 0
    watch = _WATCH.get()
    if watch is not None:
        watch.current = spec.name
        remaining = watch.remaining()
        if remaining is not None:
            timeout = min(timeout, max(0.1, remaining))
    with (
        urllib.request.urlopen(request, timeout=timeout) as response,
        out.open("wb") as sink,
        tqdm(
            total=spec.size,
            desc=spec.name,
            unit="B",
            unit_scale=True,
            file=sys.stderr,
            disable=not progress,
            leave=False,
        ) as bar,
    ):
        # read1: one network read at a time, so the deadline is checked between them.
        read = getattr(response, "read1", response.read)
        while chunk := read(_CHUNK):
            received += len(chunk)
            if received > spec.size:
                raise _Rejected(f"sent more than the expected {spec.size:,} bytes")
            digest.update(chunk)
            sink.write(chunk)
            bar.update(len(chunk))
            if watch is not None:
                watch.received += len(chunk)
                if watch.expired():
                    raise _Rejected(f"did not finish within {watch.deadline_s:g} s")
    if received != spec.size:
        raise _Rejected(f"sent {received:,} bytes instead of {spec.size:,}")
    if digest.hexdigest() != spec.sha256:
        raise _Rejected("sent a file whose SHA-256 checksum does not match the published one")


def _reason(error: BaseException) -> str:
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    if isinstance(error, urllib.error.URLError):
        return str(error.reason)
    if isinstance(error, TimeoutError):
        return "timed out"
    return str(error) or type(error).__name__


def _temp_file(folder: Path, name: str) -> Path:
    """A new empty temporary file in ``folder``, next to where ``name`` will go."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=PART_SUFFIX)
    except OSError as error:
        raise DownloadError(
            f"Cannot write to the cache folder {folder} ({error.strerror or error}); "
            f"set {CACHE_ENV} to a folder you can write to."
        ) from error
    os.close(fd)
    return Path(tmp)


def download(
    spec: FileSpec,
    folder: Path,
    bases: Sequence[str],
    *,
    progress: bool = True,
    timeout: float = TIMEOUT_S,
) -> Path:
    """Download ``spec`` from the first base URL that serves it intact; return its path.

    Raises :class:`DownloadError` listing what each mirror did wrong.
    """
    target = folder / spec.name
    reasons = []
    watch = _WATCH.get()
    for base in bases:
        url = base + spec.name
        if watch is not None and watch.expired():
            reasons.append(f"{url}: not tried, the {watch.deadline_s:g} s deadline had passed")
            continue
        tmp = _temp_file(folder, spec.name)
        try:
            _stream(url, tmp, spec, progress, timeout)
            os.replace(tmp, target)
            return target
        # URLError and timeouts are OSErrors; a connection cut mid-body is an HTTPException.
        except (_Rejected, OSError, http.client.HTTPException) as error:
            reasons.append(f"{url}: {_reason(error)}")
        finally:
            # Also runs on KeyboardInterrupt, so no partial file is left behind.
            tmp.unlink(missing_ok=True)
    raise DownloadError(
        f"Could not download {spec.name} ({'; '.join(reasons) or 'no mirrors configured'}); "
        f"connect to the internet and try again, or copy the four .gz files into {folder}, "
        "or use `--data embedded` for the built-in offline digits."
    )
