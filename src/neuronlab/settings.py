"""The training settings a learner may change: one table for the web API, CLI and workflow.

Each setting has the name of the estimator parameter it sets (``hidden`` and
``max_epochs`` are the two renamed ones), a kind of model it applies to and a
range. :func:`check` validates a set of settings with one-sentence errors;
:func:`estimator_params` turns them into constructor parameters;
:func:`model_key` names the model they describe. A setting left out (``None``)
keeps the preset's value.

Importing this module imports nothing heavy: the preset defaults (needed only
for :func:`model_key` and :func:`effective`) are read from
:func:`neuronlab.models.make_model` on first use, so a retuned preset changes
them in one place.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from neuronlab.errors import NeuronLabError

LOGISTIC_ONLY = ("C", "multi_class")
MLP_ONLY = (
    "hidden",
    "activation",
    "alpha",
    "learning_rate_init",
    "batch_size",
    "early_stopping",
)
# The convolutional network's own settings; it shares the MLP's above except activation.
CNN_ONLY = ("filters", "filter_size", "pool")
# Data augmentation (the MLP trains on its images and shifted copies of them): MLP only.
MLP_DATA = ("augment_shift",)
BOTH = ("max_epochs", "n_train")
FIELDS = (*LOGISTIC_ONLY, *MLP_ONLY, *CNN_ONLY, *MLP_DATA, *BOTH)

# A generous ceiling for the schema; the real one is the size of the training split.
MAX_N_TRAIN = 1_000_000
MIN_N_TRAIN = 10
RANGES: dict[str, tuple[float, float]] = {
    "C": (1e-5, 10.0),
    "hidden": (1, 400),
    "alpha": (0.0, 10.0),
    "learning_rate_init": (1e-5, 1.0),
    "batch_size": (1, 2000),
    "max_epochs": (1, 500),
    "n_train": (MIN_N_TRAIN, MAX_N_TRAIN),
    "filters": (1, 32),
    "augment_shift": (0, 4),
}
FLOATS = ("C", "alpha", "learning_rate_init")
CHOICES: dict[str, tuple[str, ...]] = {
    "multi_class": ("ovr", "multinomial"),
    "activation": ("logistic", "relu", "tanh"),
}
# Whole-number settings that take only these values.
INT_CHOICES: dict[str, tuple[int, ...]] = {"filter_size": (3, 5, 7)}
BOOLS = ("early_stopping", "pool")
# Floats are kept to this many significant digits, so a log-scale slider's 0.0031622776...
# names the same model (and a short key) as 0.003162.
SIGNIFICANT = 4
MAX_KEY = 80

_WHY_NOT = {
    "C": "the MLP is regularised by alpha",
    "multi_class": "the MLP always has one softmax output per class",
    "hidden": "logistic regression has no hidden layer",
    "alpha": "logistic regression is regularised by C",
    "filters": "the other models have no filters",
    "filter_size": "the other models have no filters",
    "pool": "the other models have no feature maps to pool",
    "augment_shift": "the lab trains only the hidden-layer network on shifted copies",
}


class SettingsError(NeuronLabError, ValueError):
    """A setting out of range, unknown, or not one the chosen model has."""


def check(
    kind: str, values: Mapping[str, Any], spell: Callable[[str], str] = str
) -> dict[str, Any]:
    """The given settings (``None`` dropped), validated for ``kind`` and normalised.

    ``spell`` turns a setting's name into the word the user typed (the CLI passes
    its flag names). Floats are rounded to four significant digits.
    """
    out: dict[str, Any] = {}
    for field, value in values.items():
        if value is None:
            continue
        if field not in FIELDS:
            raise SettingsError(
                f"{spell(field)} is not a training setting; the settings are "
                f"{', '.join(spell(f) for f in FIELDS)}."
            )
        _check_applies(kind, field, spell)
        out[field] = _check_value(field, value, spell)
    return out


def _check_applies(kind: str, field: str, spell: Callable[[str], str]) -> None:
    if kind == "logistic" and field in MLP_ONLY:
        why = _WHY_NOT.get(field, "logistic regression does not have it")
        raise SettingsError(f"{spell(field)} applies to the MLP only: {why}.")
    if kind in ("mlp", "cnn") and field in LOGISTIC_ONLY:
        why = _WHY_NOT.get(field, "the MLP does not have it")
        raise SettingsError(f"{spell(field)} applies to logistic regression only: {why}.")
    if kind == "cnn" and field == "activation":
        raise SettingsError(f"{spell(field)} is fixed for the CNN: its units are all ReLU.")
    if kind != "cnn" and field in CNN_ONLY:
        raise SettingsError(f"{spell(field)} applies to the CNN only: {_WHY_NOT[field]}.")
    if kind != "mlp" and field in MLP_DATA:
        raise SettingsError(f"{spell(field)} applies to the MLP only: {_WHY_NOT[field]}.")


def _check_value(field: str, value: Any, spell: Callable[[str], str]) -> Any:
    if field in CHOICES:
        if value not in CHOICES[field]:
            raise SettingsError(
                f"{spell(field)} must be one of {', '.join(CHOICES[field])}, got {value!r}."
            )
        return value
    if field in INT_CHOICES:
        allowed = INT_CHOICES[field]
        if isinstance(value, bool) or value not in allowed:
            raise SettingsError(
                f"{spell(field)} must be one of {', '.join(map(str, allowed))}, got {value!r}."
            )
        return int(value)
    if field in BOOLS:
        if not isinstance(value, bool):
            raise SettingsError(f"{spell(field)} must be true or false, got {value!r}.")
        return value
    low, high = RANGES[field]
    number = field in FLOATS
    valid_type = isinstance(value, int | float) and not isinstance(value, bool)
    if not number:
        valid_type = valid_type and float(value).is_integer()
    if not valid_type or not low <= value <= high:
        got = number_text(value) if valid_type else repr(value)
        raise SettingsError(f"{spell(field)} must be {range_text(field)}, got {got}.")
    return round_float(value) if number else int(value)


def range_text(field: str) -> str:
    """``between 0 and 10``: the allowed range of a numeric setting, in words."""
    low, high = RANGES[field]
    if field == "n_train":  # the real ceiling is the dataset's size
        return f"between {low} and the number of training images"
    return f"between {number_text(low)} and {number_text(high)}"


def round_float(value: float) -> float:
    """``value`` to :data:`SIGNIFICANT` significant digits."""
    return float(f"{float(value):.{SIGNIFICANT}g}")


def number_text(value: float) -> str:
    """A number as Python writes it, without a trailing ``.0`` (``10``, ``0.5``, ``1e-05``)."""
    text = repr(value) if isinstance(value, float) else str(value)
    return text.removesuffix(".0")


def estimator_params(kind: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    """Constructor parameters of ``kind``'s estimator for checked ``settings``.

    ``n_train`` and ``augment_shift`` are not parameters (they select and add to the
    data) and are left out.
    """
    params: dict[str, Any] = {}
    for field, value in settings.items():
        if field == "hidden":
            params["hidden_layer_sizes"] = (int(value),)
        elif field == "max_epochs":
            params["max_iter"] = int(value)
        elif field not in ("n_train", *MLP_DATA):
            params[field] = value
    return params


def effective(
    model: Any, n_train: int | None = None, augment_shift: int | None = None
) -> dict[str, Any]:
    """Every setting of ``model`` (an estimator, fitted or not), plus ``n_train`` when known
    and ``augment_shift`` when the model trained on shifted copies (> 0)."""
    params = model.get_params()
    if hasattr(model, "hidden_layer_sizes"):
        sizes = params["hidden_layer_sizes"]
        sizes = [] if sizes is None else list(sizes) if hasattr(sizes, "__iter__") else [sizes]
        out: dict[str, Any] = {}
        if "filters" in params:  # the CNN: its convolution layer first
            out |= {
                "filters": int(params["filters"]),
                "filter_size": int(params["filter_size"]),
                "pool": bool(params["pool"]),
            }
        if sizes:
            out["hidden"] = int(sizes[0])
        out |= {
            "activation": params.get("activation"),
            "alpha": float(params["alpha"]),
            "learning_rate_init": float(params["learning_rate_init"]),
            "batch_size": params["batch_size"],
            "early_stopping": bool(params["early_stopping"]),
            "max_epochs": int(params["max_iter"]),
        }
        if len(sizes) > 1:
            out["hidden_layer_sizes"] = [int(s) for s in sizes]
        if out["activation"] is None:  # a subclass without hidden units (the CNN) has none
            del out["activation"]
    elif "C" in params:
        out = {
            "C": float(params["C"]),
            "multi_class": params["multi_class"],
            "max_epochs": int(params["max_iter"]),
        }
    else:  # another kind of model (e.g. the CNN): what it shares with these
        out = {name: params[name] for name in MLP_ONLY if name in params}
        if "max_iter" in params:
            out["max_epochs"] = int(params["max_iter"])
    if n_train is not None:
        out["n_train"] = int(n_train)
    if augment_shift:
        out["augment_shift"] = int(augment_shift)
    return out


@lru_cache(maxsize=8)
def _defaults(kind: str, preset: str) -> tuple[tuple[str, Any], ...]:
    from neuronlab.models.presets import make_model  # imports scikit-learn: only when needed

    return tuple(effective(make_model(kind, preset)).items())


def preset_defaults(kind: str, preset: str) -> dict[str, Any]:
    """The settings ``preset`` gives a model of ``kind`` (``n_train`` absent: all images)."""
    return dict(_defaults(kind, preset))


def model_key(
    kind: str,
    preset: str,
    classes: Sequence[int] | None,
    seed: int,
    settings: Mapping[str, Any],
) -> str:
    """A readable, stable name for a model, e.g. ``mlp-module-h100-s0-alpha0-noes-n500-e200``.

    The order is fixed: kind, preset, then for the MLP ``h<hidden>-s<seed>`` (always), for
    the CNN ``f<filters>-k<filter_size>`` (always), ``h<hidden>`` (its dense layer, when it
    has one) and ``s<seed>``, for ten-class logistic regression its multi-class strategy
    (always), ``pair-a-b``, and only the settings that differ from the preset's:
    ``c<C>``, the activation's name, ``alpha<a>``, ``lr<rate>``, ``b<batch>``,
    ``es``/``noes``, ``nopool``; then ``n<n_train>`` and ``e<max_epochs>`` whenever they
    are given, and ``aug<k>`` for an MLP trained on copies shifted by up to k pixels.
    Floats are written as Python does with ``.`` as ``p`` (``0.5`` -> ``0p5``, ``1e-05``
    -> ``1e-05``). A key longer than 80 characters is cut and ends in a short hash of the
    whole.
    """
    defaults = preset_defaults(kind, preset) if kind in ("logistic", "mlp", "cnn") else {}
    chosen = {**defaults, **settings}
    parts = [kind, preset]
    if kind == "mlp":
        parts += [f"h{chosen['hidden']}", f"s{seed}"]
    elif kind == "cnn":
        parts += [f"f{chosen['filters']}", f"k{chosen['filter_size']}"]
        if chosen.get("hidden") is not None:
            parts.append(f"h{chosen['hidden']}")
        parts.append(f"s{seed}")
    elif kind == "logistic" and classes is None:
        parts.append(chosen["multi_class"])
    if classes is not None:
        a, b = sorted(int(c) for c in classes)
        parts.append(f"pair-{a}-{b}")

    def differs(field: str) -> bool:
        return field in settings and settings[field] != defaults.get(field)

    tokens = {
        "C": lambda v: f"c{_float_token(v)}",
        "activation": str,
        "alpha": lambda v: f"alpha{_float_token(v)}",
        "learning_rate_init": lambda v: f"lr{_float_token(v)}",
        "batch_size": lambda v: f"b{v}",
        "early_stopping": lambda v: "es" if v else "noes",
        "pool": lambda v: "pool" if v else "nopool",
    }
    parts += [token(settings[field]) for field, token in tokens.items() if differs(field)]
    if settings.get("n_train") is not None:
        parts.append(f"n{settings['n_train']}")
    if settings.get("max_epochs") is not None:
        parts.append(f"e{settings['max_epochs']}")
    if settings.get("augment_shift"):  # 0: no shifted copies, the plain network
        parts.append(f"aug{settings['augment_shift']}")
    return short_key("-".join(parts))


def _float_token(value: float) -> str:
    return number_text(float(value)).replace(".", "p").replace("+", "")


def short_key(key: str) -> str:
    """``key`` itself when it fits in 80 characters, else its start and a hash of the whole."""
    if len(key) <= MAX_KEY:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:8]
    return f"{key[: MAX_KEY - 9].rstrip('-')}-{digest}"
