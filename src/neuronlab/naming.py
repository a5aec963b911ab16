"""Words for people: what a dataset's images are called, and readable names of trained models.

The web page writes the same words (``web/static/js/words.js``) and the same model names
(``web/static/js/modelname.js``); a test feeds both the same summaries. A model's name says
its kind, the classes of a two-class model, the preset, each setting that differs from the
preset's and the epochs trained: "Hidden layer, 25 units, course settings, 2 epochs".
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

DIGIT_NAMES = tuple(str(i) for i in range(10))
PRESETS = {"module": "course settings", "fast": "fast settings"}
ACTIVATIONS = {"logistic": "sigmoid units", "relu": "ReLU units", "tanh": "tanh units"}
# The settings a name mentions when they differ from the preset's, in this order.
ORDER = (
    "C",
    "activation",
    "alpha",
    "learning_rate_init",
    "batch_size",
    "early_stopping",
    "filter_size",
    "pool",
    "augment_shift",
    "max_epochs",
)


def is_digits(class_names: Sequence[str] | None) -> bool:
    """True when the classes are the ten digits, so "digit" is the word for one image."""
    return class_names is None or tuple(str(n) for n in class_names) == DIGIT_NAMES


def item_word(class_names: Sequence[str] | None) -> str:
    """What one image of the dataset is called: "digit" (MNIST) or "image" (anything else)."""
    return "digit" if is_digits(class_names) else "image"


def number(value: float) -> str:
    """A setting's number as it reads: 0.1, 10, 0.001, and 1e-5 rather than 0.00001."""
    if value == 0:
        return "0"
    if not math.isfinite(value):
        return str(value)
    if abs(value) < 1e-3:
        k = -math.floor(math.log10(abs(value)))
        mantissa = round(value * 10**k * 1000) / 1000
        return f"{mantissa:g}e-{k}"
    return format(float(f"{value:.4g}"), "g")


def _count(n: float) -> str:
    return f"{round(n):,}"


def _plural(n: float, word: str) -> str:
    return f"{_count(n)} {word}{'' if n == 1 else 's'}"


def _describe(key: str, value: Any, kind: str) -> str | None:
    if key == "C":
        return f"C = {number(value)}"
    if key == "activation":
        return ACTIVATIONS.get(value, f"{value} units")
    if key == "alpha":
        return f"alpha {number(value)}"
    if key == "learning_rate_init":
        return f"learning rate {number(value)}"
    if key == "batch_size":
        return f"batches of {_count(value)}"
    if key == "early_stopping":
        return "early stopping" if value else "no early stopping"
    if key == "filter_size":
        return f"{value}×{value} filters"
    if key == "pool":
        return "pooling" if value else "no pooling"
    if key == "augment_shift":
        return f"shifted copies up to {_plural(value, 'pixel')}" if value else "no shifted copies"
    if key == "max_epochs":
        return f"at most {_plural(value, 'iteration')}" if kind == "logistic" else None
    return None


def _upload_name(key: str) -> str:
    return re.sub(r"-[0-9a-f]{6,}$", "", re.sub(r"^upload-", "", key or ""))


def model_name(
    summary: Mapping[str, Any],
    presets: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
    class_names: Sequence[str] | None = None,
    train_counts: Sequence[int] | None = None,
) -> str:
    """The readable name of a model from its summary (the web API's, or a training run's).

    ``presets`` maps kind -> preset -> settings (``GET /api/presets``); without it the
    differences from the preset are left out. ``train_counts`` (training images per class)
    lets the name say when only the first n images were used.
    """
    names = list(class_names) if class_names is not None else list(DIGIT_NAMES)
    kind = summary.get("kind") or summary.get("model")
    settings = summary.get("settings") or {}
    classes = list(summary.get("classes") or range(10))
    parts: list[str] = []
    if kind == "mlp":
        units = summary.get("hidden") or settings.get("hidden")
        parts.append(f"Hidden layer, {_plural(units, 'unit')}" if units else "Hidden layer")
    elif kind == "cnn":
        filters = settings.get("filters")
        parts.append(
            f"Convolutional network, {_plural(filters, 'filter')}"
            if filters
            else "Convolutional network"
        )
    elif kind == "logistic":
        parts.append("Logistic regression")
    else:
        parts.append(str(kind))

    def label(c: int) -> str:
        return names[c] if 0 <= c < len(names) else str(c)

    if len(classes) == 2:
        parts.append(f"{label(classes[0])} vs {label(classes[1])}")
    elif kind == "logistic":
        strategy = summary.get("multi_class") or settings.get("multi_class")
        parts.append("multinomial" if strategy == "multinomial" else "one vs rest")
    if kind == "cnn" and settings.get("hidden"):
        parts.append(_plural(settings["hidden"], "dense unit"))
    preset = summary.get("preset")
    if preset == "upload":
        parts.append(f"uploaded file {_upload_name(summary.get('model_key', ''))}")
    elif preset:
        parts.append(PRESETS.get(preset, f"{preset} settings"))
    defaults = (presets or {}).get(kind, {}).get(preset) if preset != "upload" else None
    if defaults:
        for key in ORDER:
            value = settings.get(key)
            if value is None or key not in defaults or value == defaults[key]:
                continue
            text = _describe(key, value, kind)
            if text:
                parts.append(text)
    n_train = settings.get("n_train")
    if n_train and train_counts is not None:
        every = sum(train_counts[c] for c in classes if 0 <= c < len(train_counts))
        if n_train < every:
            parts.append(f"first {_count(n_train)} training images")
    seed = summary.get("seed")
    if seed not in (None, 0):
        parts.append(f"seed {seed}")
    epochs = summary.get("epochs")
    if kind != "logistic" and epochs:
        parts.append(_plural(epochs, "epoch"))
    return ", ".join(parts)
