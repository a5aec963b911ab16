"""Trained models on disk: ``<folder>/<key>.npz`` with a JSON summary beside it.

The folder is scanned once when the store opens, so models trained in an
earlier session are listed at once; their arrays load on first use and are
kept in memory within a budget, least recently used first out.

Writes hold an exclusive lock on ``<folder>/.lock`` (several ``neuronlab
serve`` processes may share one store), write to temporary names and rename.
The summary records a fingerprint of its model file (the archive's directory:
every member's name, size and CRC), so a crash between the two renames can
never pair a new model file with an old summary: that pair is not listed.
Temporary files that a killed process left behind are removed when a store opens.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from neuronlab.web.jobs import QueueFullError
from neuronlab.web.schemas import ModelDetail

try:
    import fcntl
except ImportError:  # Windows: one server process per store
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
UPLOAD_PREFIX = "upload-"
# Loaded models kept in memory; the others are read from disk again when asked for.
MAX_LOADED_MODELS = 32
MAX_LOADED_BYTES = 512 * 2**20
# Stored uploads: per client address, and for the whole store (count and bytes on disk).
MAX_UPLOADS_PER_CLIENT = 5
MAX_UPLOADS = 100
MAX_UPLOAD_STORE_BYTES = 2**30
TEMP_SUFFIXES = (".tmp",)
_FINGERPRINT = "file_fingerprint"
_UPLOADER = "uploaded_by"


class UploadQuotaError(QueueFullError):
    """A client, or the whole store, holds as many uploaded models as allowed (429)."""


def is_valid_key(key: str) -> bool:
    """Model keys are short lowercase slugs, so a key can never name a path outside the store."""
    return KEY_PATTERN.fullmatch(key) is not None


def fingerprint(path: Path) -> str:
    """A digest of a model archive's directory (names, sizes, CRCs), read without unpacking."""
    with zipfile.ZipFile(path) as archive:
        entries = sorted((i.filename, i.file_size, i.CRC) for i in archive.infolist())
    return hashlib.sha256(json.dumps(entries).encode()).hexdigest()[:32]


@contextmanager
def store_lock(folder: Path) -> Iterator[None]:
    """Hold the store's write lock, shared by every process that uses ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a+b") as handle:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_UN)


class ModelStore:
    """Saved models of one dataset: summaries in memory, a bounded set of loaded models."""

    def __init__(
        self,
        folder: Path,
        max_loaded: int = MAX_LOADED_MODELS,
        max_loaded_bytes: int = MAX_LOADED_BYTES,
    ) -> None:
        self.folder = Path(folder)
        self.max_loaded = max_loaded
        self.max_loaded_bytes = max_loaded_bytes
        self._summaries: dict[str, dict[str, Any]] = {}
        self._uploaders: dict[str, str] = {}
        self._models: OrderedDict[str, tuple[object, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._load_lock = threading.Lock()
        # What was read, to notice what another process sharing the folder saves later.
        self._read_stamps: dict[str, int] = {}
        self._folder_stamp: int | None = None
        self._scan()

    def _scan(self) -> None:
        if not self.folder.is_dir():
            return
        with store_lock(self.folder):
            self._remove_temporary_files()
            self._folder_stamp = _stamp(self.folder)
            for summary_path in sorted(self.folder.glob("*.json")):
                self._read_summary(summary_path)

    def _refresh(self) -> None:
        """List what other processes saved into the folder since (one stat when nothing did)."""
        stamp = _stamp(self.folder)
        if stamp is None or stamp == self._folder_stamp:
            return
        self._folder_stamp = stamp
        for summary_path in sorted(self.folder.glob("*.json")):
            if self._read_stamps.get(summary_path.name) != _stamp(summary_path):
                self._read_summary(summary_path)

    def _remove_temporary_files(self) -> None:
        """What a process killed mid-write left; no one is writing while we hold the lock."""
        for path in self.folder.iterdir():
            if path.name.endswith(TEMP_SUFFIXES) and path.is_file():
                path.unlink(missing_ok=True)
                log.info("removed the leftover temporary file %s", path.name)

    def _read_summary(self, summary_path: Path) -> None:
        key = summary_path.stem
        if not (is_valid_key(key) and self.path(key).is_file()):
            return
        self._read_stamps[summary_path.name] = _stamp(summary_path) or 0
        self._models.pop(key, None)  # a newer file may have replaced the one in memory
        try:
            raw = json.loads(summary_path.read_text(encoding="utf-8"))
            summary = ModelDetail.model_validate(raw).model_dump()
            recorded = raw.get(_FINGERPRINT)
            if recorded is not None and recorded != fingerprint(self.path(key)):
                # The model file was replaced but its summary was not: retraining fixes both.
                log.warning("skipping %s: its summary describes an older model file", key)
                return
        except (OSError, ValueError, zipfile.BadZipFile) as exc:
            # Written by another version or cut short: retraining writes it anew.
            log.warning("skipping unreadable model summary %s: %s", summary_path, exc)
            return
        self._summaries[key] = summary
        if isinstance(raw.get(_UPLOADER), str):
            self._uploaders[key] = raw[_UPLOADER]

    def path(self, key: str) -> Path:
        """Where the model file of ``key`` lives (whether or not it exists)."""
        return self.folder / f"{key}.npz"

    def summaries(self) -> list[dict[str, Any]]:
        with self._lock:
            self._refresh()
            return [self._summaries[key] for key in sorted(self._summaries)]

    def summary(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            self._refresh()
            return self._summaries.get(key)

    def model(self, key: str) -> object | None:
        """The fitted model of ``key``, loaded from its file when it is not in memory."""
        with self._lock:
            if key not in self._summaries:
                return None
            if key in self._models:
                self._models.move_to_end(key)
                return self._models[key][0]
        with self._load_lock:  # one load at a time; the summaries stay readable meanwhile
            with self._lock:
                if key in self._models:
                    return self._models[key][0]
            from neuronlab.models import load_model  # see save()

            path = self.path(key)
            model = load_model(path)
            self._keep(key, model, _file_size(path))
            return model

    def loaded(self) -> list[str]:
        """Keys of the models in memory now, least recently used first."""
        with self._lock:
            return list(self._models)

    def _keep(self, key: str, model: object, size: int) -> None:
        with self._lock:
            self._models[key] = (model, size)
            self._models.move_to_end(key)
            while len(self._models) > 1 and (
                len(self._models) > self.max_loaded
                or sum(size for _, size in self._models.values()) > self.max_loaded_bytes
            ):
                self._models.popitem(last=False)

    def uploads(self, client: str | None = None) -> list[str]:
        """Keys of stored uploads (of ``client`` only, when given)."""
        with self._lock:
            keys = [k for k in self._summaries if k.startswith(UPLOAD_PREFIX)]
            if client is not None:
                keys = [k for k in keys if self._uploaders.get(k) == client]
            return keys

    def check_upload_quota(self, client: str) -> None:
        """Raise UploadQuotaError when ``client`` or the store may not hold another upload."""
        mine = self.uploads(client)
        if len(mine) >= MAX_UPLOADS_PER_CLIENT:
            raise UploadQuotaError(
                f"You have already uploaded {len(mine)} models, the most one computer may; "
                "ask the teacher to remove some."
            )
        everyone = self.uploads()
        stored = sum(_file_size(self.path(key)) for key in everyone)
        if len(everyone) >= MAX_UPLOADS or stored >= MAX_UPLOAD_STORE_BYTES:
            raise UploadQuotaError(
                f"The lab already holds {len(everyone)} uploaded models "
                f"({stored / 2**20:.0f} MB), as many as it keeps; ask the teacher to remove some."
            )

    def save(
        self, key: str, model: object, summary: dict[str, Any], uploader: str | None = None
    ) -> None:
        """Write the model file, then its summary, each replacing any older one whole.

        With ``uploader`` the model counts toward that client's upload quota,
        which is checked again here under the store's lock.
        """
        # Imported here so that opening the store (at startup) does not import scikit-learn.
        from neuronlab.models import save_model

        with store_lock(self.folder):
            if uploader is not None and key not in self._summaries:
                self.check_upload_quota(uploader)
            save_model(model, self.path(key))
            record = {**summary, _FINGERPRINT: fingerprint(self.path(key))}
            if uploader is not None:
                record[_UPLOADER] = uploader
            handle, tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{key}.", suffix=".json.tmp")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    json.dump(record, out)
                os.replace(tmp, self.folder / f"{key}.json")
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        with self._lock:
            self._read_stamps[f"{key}.json"] = _stamp(self.folder / f"{key}.json") or 0
            self._summaries[key] = summary
            if uploader is not None:
                self._uploaders[key] = uploader
        self._keep(key, model, _file_size(self.path(key)))


def _stamp(path: Path) -> int | None:
    """When ``path`` last changed (nanoseconds), or None when it is gone."""
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
