"""Trained models on disk: ``<folder>/<key>.npz`` with a JSON summary beside it.

The folder is scanned once when the store opens, so models trained in an
earlier session are listed at once; their arrays load on first use.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Any

from neuronlab.web.schemas import ModelDetail

log = logging.getLogger(__name__)

KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")


def is_valid_key(key: str) -> bool:
    """Model keys are short lowercase slugs, so a key can never name a path outside the store."""
    return KEY_PATTERN.fullmatch(key) is not None


class ModelStore:
    """Saved models of one dataset, with their summaries kept in memory."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._summaries: dict[str, dict[str, Any]] = {}
        self._models: dict[str, object] = {}
        self._lock = threading.Lock()
        self._scan()

    def _scan(self) -> None:
        if not self.folder.is_dir():
            return
        for summary_path in sorted(self.folder.glob("*.json")):
            key = summary_path.stem
            if not (is_valid_key(key) and self.path(key).is_file()):
                continue
            try:
                text = summary_path.read_text(encoding="utf-8")
                self._summaries[key] = ModelDetail.model_validate_json(text).model_dump()
            except (OSError, ValueError) as exc:
                # Written by another version or cut short: retraining writes it anew.
                log.warning("skipping unreadable model summary %s: %s", summary_path, exc)

    def path(self, key: str) -> Path:
        """Where the model file of ``key`` lives (whether or not it exists)."""
        return self.folder / f"{key}.npz"

    def summaries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [self._summaries[key] for key in sorted(self._summaries)]

    def summary(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            return self._summaries.get(key)

    def model(self, key: str) -> object | None:
        """The fitted model of ``key``, loaded from its file the first time it is asked for."""
        with self._lock:
            if key not in self._summaries:
                return None
            if key not in self._models:
                from neuronlab.models import load_model  # see save()

                self._models[key] = load_model(self.path(key))
            return self._models[key]

    def save(self, key: str, model: object, summary: dict[str, Any]) -> None:
        """Write the model file, then its summary, each replacing any older one whole."""
        # Imported here so that opening the store (at startup) does not import scikit-learn.
        from neuronlab.models import save_model

        self.folder.mkdir(parents=True, exist_ok=True)
        save_model(model, self.path(key))
        handle, tmp = tempfile.mkstemp(dir=self.folder, suffix=".json.tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(summary, out)
        os.replace(tmp, self.folder / f"{key}.json")
        with self._lock:
            self._summaries[key] = summary
            self._models[key] = model
