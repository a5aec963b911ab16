"""Uploaded model files: their keys, the limits they must keep, and installing them.

An upload gets the same bounds as a model the lab trains (hidden layers of at
most 400 units, 784 inputs, ten classes), checked on the shapes its file
declares before any array is built, and counts toward a per-client and a
whole-store quota (see :mod:`neuronlab.web.store`).
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

from neuronlab.errors import ModelFileError
from neuronlab.models.persistence import ModelLimits, load_model, save_model
from neuronlab.web.lab import Lab
from neuronlab.web.schemas import MAX_HIDDEN
from neuronlab.web.store import UPLOAD_PREFIX

# Weights of a 784-400-10 MLP are 1.3 MB; a model the lab trained keeps up to 64 MB of history.
UPLOAD_LIMITS = ModelLimits(
    max_bytes=72 * 2**20,
    max_inputs=784,
    max_units=MAX_HIDDEN,
    max_hidden_layers=3,
    max_classes=10,
)


def upload_key(filename: str | None, content: bytes) -> str:
    """``upload-<readable name>-<digest>``: never a trained model's key, never another upload's.

    The name is folded to ASCII for reading (``modèle`` -> ``modele``); the
    digest of the name and the bytes keeps two different uploads apart even
    when their names fold alike (every name in Chinese folds to ``model``).
    """
    name = filename or "model"
    folded = unicodedata.normalize("NFKD", Path(name).stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:40].strip("-") or "model"
    digest = hashlib.sha256(name.encode("utf-8", "replace") + b"\0" + content).hexdigest()[:10]
    return f"{UPLOAD_PREFIX}{slug}-{digest}"


def install(lab: Lab, key: str, filename: str, content: bytes, client: str) -> dict[str, Any]:
    """Check an uploaded file, load it within the limits, score it on this dataset, save it."""
    from neuronlab.web.compute import check_compatible, describe

    existing = lab.store.summary(key)
    if existing is not None:  # the same file under the same name: nothing new to store
        return existing
    lab.store.check_upload_quota(client)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.npz"
        path.write_bytes(content)
        try:
            model = load_model(path, limits=UPLOAD_LIMITS)
        except ModelFileError as exc:
            # The loader names the file it read; the user knows it by the name they uploaded.
            raise ModelFileError(str(exc).replace(str(path), filename)) from exc
        except (ValueError, OSError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            raise ModelFileError(
                f"{filename} is not a Neuron Lab model file ({exc}); "
                "upload a .npz saved by the lab."
            ) from exc
        check_compatible(model)
        # The store keeps the lab's own rewrite of the file: it must load within the same
        # limits (numbers written tersely in the metadata could grow past them when rewritten).
        rewritten = save_model(model, Path(folder) / "rewritten.npz")
        try:
            load_model(rewritten, limits=UPLOAD_LIMITS)
        except ModelFileError:
            raise ModelFileError(
                f"{filename} holds more training records than the lab keeps for a model; "
                "upload a model saved by the lab."
            ) from None
    summary = describe(model, lab, key)
    lab.store.save(key, model, summary, uploader=client)
    return summary
