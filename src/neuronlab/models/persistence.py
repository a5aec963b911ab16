"""Save and load models as ``.npz`` files that cannot run code when loaded.

A file holds float32 arrays (``coef``/``intercept`` for logistic regression,
``coef_0, coef_1, ...``/``intercept_0, ...`` for an MLP) and one string array
``meta``: JSON with the format name, its version, the model kind, the
constructor parameters, the classes (a list of str or int) and, for an MLP, the
training history. Loading uses ``allow_pickle=False`` and checks every key,
dtype and shape, so a hostile or damaged file raises :class:`ModelFileError`.

An MLP trained by the lab also holds its time machine (``model.history_``, see
:mod:`neuronlab.models.history`): float32 ``history_coef_<l>`` ``(E, fan_in,
fan_out)`` and ``history_intercept_<l>`` ``(E, fan_out)``, and in ``meta`` the
kept ``history_epochs`` and the per-epoch ``history_loss``,
``history_train_score`` and ``history_validation_score`` (null where unknown).
Files without them load with ``history_ = None``.

A convolutional network (kind ``cnn``) holds ``filters`` ``(F, k, k)``,
``filter_bias`` ``(F,)`` and its dense layers as ``coef_<i>``/``intercept_<i>``;
``meta`` adds its ``image_shape``. Its history, when kept, stores layer 0 as the
filters, ``history_coef_0`` ``(E, F, k, k)`` and ``history_intercept_0`` ``(E, F)``.

scikit-learn's fitted ``LogisticRegression``, ``OneVsRestClassifier`` of
logistic regressions and ``MLPClassifier`` are saved by converting their arrays:
they load back as our :class:`LogisticRegression` (multinomial when scikit-learn
fitted more than two classes in one model, one-vs-rest for
``OneVsRestClassifier``) or our :class:`MLPClassifier`, which predict the same.
Settings we do not have (e.g. the ``lbfgs`` solver) only affect further
training and are replaced by our defaults.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.lib.npyio import NpzFile

from neuronlab.errors import ModelFileError
from neuronlab.models.convnet import ConvNetClassifier
from neuronlab.models.convolution import ConvShape
from neuronlab.models.history import History, epochs_trained
from neuronlab.models.logistic import LogisticRegression
from neuronlab.models.mlp import MLPClassifier
from neuronlab.models.network import F32, Layout

FORMAT = "neuronlab-model"
VERSION = 1
# Far above any model here (an MLP of 784-1000-10 is 3 MB); refuses zip bombs before unpacking.
_MAX_BYTES = 512 * 2**20
# Far above any model the lab trains (a 784-400-10 MLP is 1.3 MB); stops a zip bomb.
MAX_UNPACKED_BYTES = 256 * 2**20
_LOGISTIC_PARAMS = ("C", "multi_class", "fit_intercept", "max_iter", "tol")
_MLP_PARAMS = tuple(p for p in MLPClassifier().get_params() if p != "callback")
_MLP_HISTORY = (
    "n_iter_",
    "t_",
    "loss_",
    "loss_curve_",
    "validation_scores_",
    "best_validation_score_",
    "best_loss_",
)

Model = LogisticRegression | MLPClassifier | ConvNetClassifier


# ----- saving -----------------------------------------------------------------------------------


def save_model(model, path: str | os.PathLike) -> Path:
    """Write a fitted model (ours or scikit-learn's, see above) to ``path``; returns the path.

    The file is written to a temporary name and renamed, so ``path`` never
    holds half a model.
    """
    model = _as_ours(model)
    arrays, meta = _to_arrays(model)
    arrays["meta"] = np.array(json.dumps(meta))
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _to_arrays(model: Model) -> tuple[dict[str, np.ndarray], dict]:
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "classes": [_json_label(c) for c in model.classes_],
    }
    if isinstance(model, LogisticRegression):
        meta["kind"] = "logistic"
        meta["params"] = {p: getattr(model, p) for p in _LOGISTIC_PARAMS}
        arrays = {
            "coef": np.asarray(model.coef_, dtype=F32),
            "intercept": np.asarray(model.intercept_, dtype=F32),
        }
        return arrays, meta
    if isinstance(model, ConvNetClassifier):
        return _cnn_to_arrays(model, meta)
    meta["kind"] = "mlp"
    params = {p: getattr(model, p) for p in _MLP_PARAMS}
    params["hidden_layer_sizes"] = [int(s) for s in model._hidden_sizes()]
    meta["params"] = params
    meta["history"] = {k: _json_value(getattr(model, k, None)) for k in _MLP_HISTORY}
    arrays = {f"coef_{i}": np.asarray(c, dtype=F32) for i, c in enumerate(model.coefs_)}
    arrays |= {f"intercept_{i}": np.asarray(b, dtype=F32) for i, b in enumerate(model.intercepts_)}
    # The training time machine; a history that no longer matches the model (refit by hand)
    # is left out rather than saved wrong.
    history = getattr(model, "history_", None)
    if history is not None and history.fits(list(model.coefs_), epochs_trained(model)):
        history_arrays, history_meta = history.to_arrays()
        arrays |= history_arrays
        meta |= history_meta
    return arrays, meta


def _json_label(label) -> str | int:
    value = label.item() if isinstance(label, np.generic) else label
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ModelFileError(
            f"Cannot save a model whose class labels are {type(value).__name__}; "
            "use integer or string labels."
        )
    return value


def _json_value(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    return value


def _as_ours(model) -> Model:
    """Our model as is, or scikit-learn's fitted model converted to ours."""
    if isinstance(model, LogisticRegression | MLPClassifier | ConvNetClassifier):
        if not hasattr(model, "classes_"):
            raise ModelFileError("The model is not fitted yet; fit it before saving.")
        return model
    from sklearn.linear_model import LogisticRegression as SkLogistic
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.neural_network import MLPClassifier as SkMLP

    if isinstance(model, SkLogistic) and hasattr(model, "coef_"):
        multi = "multinomial" if len(model.classes_) > 2 else "ovr"
        return _logistic_from(model, model.coef_, model.intercept_, model.classes_, multi)
    if (
        isinstance(model, OneVsRestClassifier)
        and hasattr(model, "estimators_")
        and all(isinstance(e, SkLogistic) for e in model.estimators_)
    ):
        coef = np.vstack([e.coef_ for e in model.estimators_])
        intercept = np.concatenate([np.ravel(e.intercept_) for e in model.estimators_])
        return _logistic_from(model.estimators_[0], coef, intercept, model.classes_, "ovr")
    if isinstance(model, SkMLP) and hasattr(model, "coefs_"):
        return _mlp_from_sklearn(model)
    raise ModelFileError(
        f"Cannot save a {type(model).__name__}: save a fitted LogisticRegression, "
        "OneVsRestClassifier(LogisticRegression) or MLPClassifier."
    )


def _logistic_from(sk, coef, intercept, classes, multi_class: str) -> LogisticRegression:
    model = LogisticRegression(
        C=float(sk.C),
        multi_class=multi_class,
        fit_intercept=bool(sk.fit_intercept),
        max_iter=int(sk.max_iter),
        tol=float(sk.tol),
    )
    model.coef_ = np.asarray(coef, dtype=F32)
    model.intercept_ = np.asarray(intercept, dtype=F32).ravel()
    model.classes_ = np.asarray(classes)
    model.n_features_in_ = model.coef_.shape[1]
    model.n_iter_ = np.array([int(np.max(getattr(sk, "n_iter_", 1)))], dtype=np.int32)
    return model


def _mlp_from_sklearn(sk) -> MLPClassifier:
    if sk.out_activation_ not in ("softmax", "logistic") or (
        sk.out_activation_ == "logistic" and len(sk.classes_) != 2
    ):
        raise ModelFileError("Cannot save a multi-label MLPClassifier; only single-label models.")
    defaults = MLPClassifier().get_params()
    params = {p: getattr(sk, p, defaults[p]) for p in _MLP_PARAMS}
    if params["solver"] not in ("adam", "sgd"):
        params["solver"] = defaults["solver"]  # only matters for further training
    model = MLPClassifier(**params)
    model.classes_ = np.asarray(sk.classes_)
    _restore_mlp(
        model, [np.asarray(c, F32) for c in sk.coefs_], [np.asarray(b, F32) for b in sk.intercepts_]
    )
    history = {k: getattr(sk, k, None) for k in _MLP_HISTORY}
    _set_history(model, history)
    return model


def _restore_mlp(
    model: MLPClassifier, coefs: list[np.ndarray], intercepts: list[np.ndarray]
) -> None:
    layout = Layout((coefs[0].shape[0], *(c.shape[1] for c in coefs)))
    model._set_params(layout, layout.pack(coefs, intercepts))
    model._optimizer = None  # a fresh optimiser starts if training continues
    model.n_features_in_ = layout.units[0]
    model.n_outputs_ = layout.units[-1]
    model.n_layers_ = len(layout.units)
    model.out_activation_ = "logistic" if model.n_outputs_ == 1 else "softmax"


def _set_history(model: MLPClassifier, history: dict) -> None:
    model.n_iter_ = int(history.get("n_iter_") or 0)
    model.t_ = int(history.get("t_") or 0)
    loss = history.get("loss_")
    model.loss_ = None if loss is None else float(loss)
    model.loss_curve_ = [float(v) for v in history.get("loss_curve_") or []]
    scores = history.get("validation_scores_")
    model.validation_scores_ = None if scores is None else [float(v) for v in scores]
    for key in ("best_validation_score_", "best_loss_"):
        value = history.get(key)
        setattr(model, key, None if value is None else float(value))
    model._no_improvement_count = 0


# ----- checks before loading: declared shapes only, no array built yet ------------------------

# The metadata string: its per-epoch lists are a few thousand characters, not millions.
MAX_META_CHARS = 2**20
_MAX_DIMS = 4


@dataclass(frozen=True)
class ModelLimits:
    """Bounds on a model file that someone else wrote (a server's upload), checked before loading.

    Every bound is checked against the shapes the ``.npy`` headers inside the
    archive declare, so a file past them costs no memory at all.
    """

    max_bytes: int  # all arrays together, history snapshots included
    max_inputs: int
    max_units: int  # any hidden layer
    max_hidden_layers: int
    max_classes: int


def _declared_arrays(npz: NpzFile) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """Each array's shape and dtype as its header states them, checked against its stored size."""
    declared = {}
    for name in npz.files:
        member = npz.zip.getinfo(f"{name}.npy")
        with npz.zip.open(member) as stream:
            version = np.lib.format.read_magic(stream)
            if version not in ((1, 0), (2, 0)):
                raise ValueError(f"array {name!r} has an .npy header of version {version}")
            read_header = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, _, dtype = read_header(stream)
            header_bytes = stream.tell()
        if len(shape) > _MAX_DIMS or any(not isinstance(n, int) or n < 0 for n in shape):
            raise ValueError(f"array {name!r} declares the shape {shape}")
        if dtype.hasobject or dtype.fields is not None:
            raise ValueError(f"array {name!r} declares the dtype {dtype}, not numbers")
        size = math.prod(shape) * dtype.itemsize
        if size != member.file_size - header_bytes:
            raise ValueError(
                f"array {name!r} declares {size:,} bytes but stores "
                f"{member.file_size - header_bytes:,}"
            )
        declared[name] = (tuple(shape), dtype)
    meta = declared.get("meta")
    if meta is not None and meta[1].kind == "U" and meta[1].itemsize > 4 * MAX_META_CHARS:
        raise ValueError(f"its metadata is longer than {MAX_META_CHARS:,} characters")
    return declared


class _TooLarge(ValueError):
    """The model is well formed but larger than the caller's limits."""


# Filters a CNN upload may have: the lab trains at most 32 (neuronlab.settings).
MAX_CNN_FILTERS = 64


def _check_cnn_limits(params: dict, meta: dict, limits: ModelLimits) -> dict[str, int]:
    """The CNN's own bounds; returns how many rows its first dense layer may have."""
    filters = params.get("filters")
    if not isinstance(filters, int) or isinstance(filters, bool):
        raise ValueError(f"filters must be a whole number, got {filters!r}")
    if not 1 <= filters <= MAX_CNN_FILTERS:
        raise _TooLarge(f"it has {filters} filters; from 1 to {MAX_CNN_FILTERS} are allowed here")
    sizes = params.get("hidden_layer_sizes")
    sizes = sizes if isinstance(sizes, list) else []
    if len(sizes) > limits.max_hidden_layers:
        raise _TooLarge(
            f"it has {len(sizes)} hidden layers, more than the {limits.max_hidden_layers} allowed"
        )
    for size in sizes:
        if not isinstance(size, int) or not 1 <= size <= limits.max_units:
            raise _TooLarge(
                f"a hidden layer has {size!r} units; from 1 to {limits.max_units} are allowed here"
            )
    image = meta.get("image_shape")
    if (
        isinstance(image, list)
        and all(isinstance(n, int) for n in image)
        and math.prod(image) > limits.max_inputs
    ):
        raise _TooLarge(f"it reads {math.prod(image)} pixels, more than {limits.max_inputs}")
    rows = filters * limits.max_inputs
    return {"coef_0": rows, "history_coef_1": rows}


def _check_limits(
    declared: dict[str, tuple[tuple[int, ...], np.dtype]], meta: dict, limits: ModelLimits
) -> None:
    """Refuse a model larger than ``limits`` allow, from its declared shapes and metadata."""
    kind = meta.get("kind")
    params = meta.get("params") if isinstance(meta.get("params"), dict) else {}
    if kind == "mlp":
        sizes = params.get("hidden_layer_sizes")
        sizes = sizes if isinstance(sizes, list) else [sizes]
        if len(sizes) > limits.max_hidden_layers:
            raise _TooLarge(
                f"it has {len(sizes)} hidden layers, more than the {limits.max_hidden_layers} "
                "allowed here"
            )
        for size in sizes:
            if not isinstance(size, int) or not 1 <= size <= limits.max_units:
                raise _TooLarge(
                    f"a hidden layer has {size!r} units; from 1 to {limits.max_units} "
                    "are allowed here"
                )
        first = declared.get("coef_0")
        if first is not None and first[0] and first[0][0] > limits.max_inputs:
            raise _TooLarge(f"it reads {first[0][0]} inputs, more than {limits.max_inputs}")
    elif kind == "logistic":
        coef = declared.get("coef")
        if coef is not None and len(coef[0]) == 2 and coef[0][1] > limits.max_inputs:
            raise _TooLarge(f"it reads {coef[0][1]} inputs, more than {limits.max_inputs}")
    wide: dict[str, int] = {}
    if kind == "cnn":
        wide = _check_cnn_limits(params, meta, limits)
    classes = meta.get("classes")
    if isinstance(classes, list) and len(classes) > limits.max_classes:
        raise _TooLarge(f"it has {len(classes)} classes, more than {limits.max_classes}")
    # Any kind: no axis wider than the inputs or a hidden layer, and a bounded total.
    width = max(limits.max_inputs, limits.max_units)
    for name, (shape, _) in declared.items():
        # A history's first axis counts epochs; the byte budget below bounds it.
        widths = shape[1:] if name.startswith("history_") else shape
        if name in wide and widths:
            # The CNN's first dense layer reads every map position: filters x pixels at most.
            if widths[0] > wide[name]:
                raise _TooLarge(f"array {name!r} has the shape {shape}, wider than {wide[name]}")
            widths = widths[1:]
        if name != "meta" and any(n > width for n in widths):
            raise _TooLarge(f"array {name!r} has the shape {shape}, wider than {width}")
    total = sum(math.prod(shape) * dtype.itemsize for shape, dtype in declared.values())
    if total > limits.max_bytes:
        raise _TooLarge(
            f"its arrays hold {total / 2**20:.0f} MB, more than the "
            f"{limits.max_bytes / 2**20:.0f} MB allowed here"
        )


# ----- loading ----------------------------------------------------------------------------------


def load_model(path: str | os.PathLike, limits: ModelLimits | None = None) -> Model:
    """Read a model saved by :func:`save_model`; raise ModelFileError if the file is not one.

    With ``limits`` (a server reading an upload), a model larger than they allow is
    refused from its declared shapes, before any of its arrays is built.
    """
    path = Path(path)
    if path.is_file() and not _looks_like_numpy(path):
        # A text file, a picture, a pickle: say what it is not, not how NumPy failed on it.
        raise _not_ours(path)
    try:
        npz = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise ModelFileError(f"Model file {path} does not exist; check the path.") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        if "pickle" in str(exc):
            raise _not_ours(path) from None
        raise _bad(path, f"it is not a readable .npz archive ({exc})") from None
    if not isinstance(npz, NpzFile):
        raise _bad(path, "it holds a single array, not an .npz archive")
    if sum(info.file_size for info in npz.zip.infolist()) > _MAX_BYTES:
        npz.close()
        raise _bad(path, f"it unpacks to more than {_MAX_BYTES // 2**20} MB")
    with npz:
        unpacked = sum(info.file_size for info in npz.zip.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise _bad(path, f"it unpacks to {unpacked:,} bytes, more than a model ever needs")
        try:
            declared = _declared_arrays(npz)
            if limits is not None and "meta" in declared:
                _check_limits(declared, _read_meta(npz["meta"]), limits)
        except _TooLarge as exc:
            raise ModelFileError(f"{path} holds a larger model than allowed here: {exc}.") from None
        except (KeyError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
            raise _bad(path, f"an array header in it cannot be read ({exc})") from None
        except (ValueError, TypeError, RecursionError) as exc:
            raise _bad(path, str(exc) or type(exc).__name__) from None
        try:
            arrays = {key: npz[key] for key in npz.files}
        # A forged array header can ask for terabytes: MemoryError is a bad file, too.
        except (OSError, ValueError, EOFError, MemoryError, zipfile.BadZipFile, zlib.error) as exc:
            raise _bad(path, f"an array in it cannot be read ({exc})") from None
    try:
        return _from_arrays(arrays)
    except ModelFileError:
        raise
    # Hostile metadata: wrong JSON types, Infinity where a count belongs, deep nesting.
    except (
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
        ArithmeticError,
        RecursionError,
    ) as exc:
        raise _bad(path, str(exc) or type(exc).__name__) from None


def _looks_like_numpy(path: Path) -> bool:
    """True when the file starts as a zip archive (.npz) or a single NumPy array (.npy)."""
    with open(path, "rb") as fh:
        head = fh.read(6)
    return head.startswith(b"PK") or head.startswith(b"\x93NUMPY")


def _not_ours(path: Path) -> ModelFileError:
    return ModelFileError(
        f"{path} is not a Neuron Lab model file; choose a .npz file that Neuron Lab saved "
        "(Download .npz on the lab's page, or save_model in Python)."
    )


def _bad(path: Path, why: str) -> ModelFileError:
    return ModelFileError(
        f"{path} is not a valid Neuron Lab model file: {why}; save the model again with save_model."
    )


def _from_arrays(arrays: dict[str, np.ndarray]) -> Model:
    meta = _read_meta(arrays.pop("meta", None))
    classes = _read_classes(meta.get("classes"))
    for key, array in arrays.items():
        if array.dtype != F32:
            raise ValueError(f"array {key!r} has dtype {array.dtype}, expected float32")
        if not np.all(np.isfinite(array)):
            raise ValueError(f"array {key!r} holds NaN or infinite values")
    params = meta.get("params")
    if not isinstance(params, dict):
        raise ValueError("the metadata has no parameters")
    if meta.get("kind") == "logistic":
        return _load_logistic(arrays, params, classes)
    if meta.get("kind") == "mlp":
        return _load_mlp(arrays, params, classes, meta.get("history") or {}, meta)
    if meta.get("kind") == "cnn":
        return _load_cnn(arrays, params, classes, meta)
    raise ValueError(f"unknown model kind {meta.get('kind')!r}")


def _read_meta(raw) -> dict:
    if raw is None or raw.dtype.kind != "U" or raw.shape != ():
        raise ValueError("the metadata string is missing")
    meta = json.loads(str(raw))
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError("it was not written by Neuron Lab")
    if meta.get("version") != VERSION:
        raise ValueError(f"format version {meta.get('version')!r} is not {VERSION}")
    return meta


def _read_classes(classes) -> np.ndarray:
    if not isinstance(classes, list) or len(classes) < 2:
        raise ValueError("the metadata must list at least two classes")
    if all(isinstance(c, int) and not isinstance(c, bool) for c in classes):
        result = np.array(classes, dtype=np.int64)
    elif all(isinstance(c, str) for c in classes):
        result = np.array(classes, dtype=str)
    else:
        raise ValueError("classes must be all integers or all strings")
    if len(np.unique(result)) != len(result) or np.any(np.sort(result) != result):
        raise ValueError("classes must be sorted and distinct")
    return result


def _expect_keys(arrays: dict, expected: set[str]) -> None:
    if set(arrays) != expected:
        missing = sorted(expected - set(arrays))
        extra = sorted(set(arrays) - expected)
        raise ValueError(f"unexpected arrays (missing {missing}, extra {extra})")


def _load_logistic(arrays: dict, params: dict, classes: np.ndarray) -> LogisticRegression:
    _expect_keys(arrays, {"coef", "intercept"})
    model = LogisticRegression(**{p: params[p] for p in _LOGISTIC_PARAMS})
    model._check_params()
    coef, intercept = arrays["coef"], arrays["intercept"]
    rows = 1 if len(classes) == 2 else len(classes)
    if coef.ndim != 2 or coef.shape[0] != rows or coef.shape[1] < 1 or intercept.shape != (rows,):
        raise ValueError(
            f"coef {coef.shape} and intercept {intercept.shape} do not fit {len(classes)} classes"
        )
    model.coef_, model.intercept_, model.classes_ = coef, intercept, classes
    model.n_features_in_ = coef.shape[1]
    model.n_iter_ = np.array([1], dtype=np.int32)
    return model


def _load_mlp(
    arrays: dict, params: dict, classes: np.ndarray, history: dict, meta: dict | None = None
) -> MLPClassifier:
    snapshots = {k: arrays.pop(k) for k in list(arrays) if k.startswith("history_")}
    n_layers = len(arrays) // 2
    _expect_keys(arrays, {f"{k}_{i}" for k in ("coef", "intercept") for i in range(n_layers)})
    # files saved before warm_start/verbose existed lack them: those two take their defaults
    params = {p: {"warm_start": False, "verbose": False, **params}[p] for p in _MLP_PARAMS}
    params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
    model = MLPClassifier(**params)
    model._check_params()
    coefs = [arrays[f"coef_{i}"] for i in range(n_layers)]
    intercepts = [arrays[f"intercept_{i}"] for i in range(n_layers)]
    outputs = 1 if len(classes) == 2 else len(classes)
    units = [*model._hidden_sizes(), outputs]
    if n_layers != len(units) or any(c.ndim != 2 for c in coefs):
        raise ValueError("the layer arrays do not match hidden_layer_sizes")
    fan_in = coefs[0].shape[0]
    for coef, intercept, fan_out in zip(coefs, intercepts, units, strict=True):
        if coef.shape != (fan_in, fan_out) or intercept.shape != (fan_out,):
            raise ValueError(f"layer shapes {coef.shape}/{intercept.shape} are inconsistent")
        fan_in = fan_out
    model.classes_ = classes
    _restore_mlp(model, coefs, intercepts)
    _set_history(model, history)
    model.history_ = History.from_arrays(snapshots, meta or {}, coefs, epochs_trained(model))
    return model


# ----- the convolutional network ---------------------------------------------------------------

_CNN_PARAMS = tuple(p for p in ConvNetClassifier().get_params() if p != "callback")


def _cnn_to_arrays(model: ConvNetClassifier, meta: dict) -> tuple[dict[str, np.ndarray], dict]:
    meta["kind"] = "cnn"
    params = {p: _json_value(getattr(model, p)) for p in _CNN_PARAMS}
    params["hidden_layer_sizes"] = [int(s) for s in model._hidden_sizes()]
    params["pool"] = bool(model.pool)
    meta["params"] = params
    meta["image_shape"] = [int(n) for n in model.image_shape_]
    meta["history"] = {k: _json_value(getattr(model, k, None)) for k in _MLP_HISTORY}
    arrays = {
        "filters": np.asarray(model.filters_, dtype=F32),
        "filter_bias": np.asarray(model.filter_bias_, dtype=F32),
    }
    arrays |= {f"coef_{i}": np.asarray(c, dtype=F32) for i, c in enumerate(model.coefs_)}
    arrays |= {f"intercept_{i}": np.asarray(b, dtype=F32) for i, b in enumerate(model.intercepts_)}
    history = getattr(model, "history_", None)
    layers = [model.filters_, *model.coefs_]
    if history is not None and history.fits(layers, epochs_trained(model)):
        history_arrays, history_meta = history.to_arrays()
        arrays |= history_arrays
        meta |= history_meta
    return arrays, meta


def _load_cnn(arrays: dict, params: dict, classes: np.ndarray, meta: dict) -> ConvNetClassifier:
    snapshots = {k: arrays.pop(k) for k in list(arrays) if k.startswith("history_")}
    n_layers = (len(arrays) - 2) // 2
    expected = {"filters", "filter_bias"}
    expected |= {f"{k}_{i}" for k in ("coef", "intercept") for i in range(n_layers)}
    _expect_keys(arrays, expected)
    params = {p: params[p] for p in _CNN_PARAMS}
    params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
    model = ConvNetClassifier(**params)
    model._check_params()
    image = meta.get("image_shape")
    if not (
        isinstance(image, list)
        and len(image) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in image)
    ):
        raise ValueError(f"image_shape must be two positive integers, got {image!r}")
    shape = ConvShape((image[0], image[1]), model.filter_size, model.filters, model.pool)
    filters, bias = arrays["filters"], arrays["filter_bias"]
    k = model.filter_size
    if filters.shape != (model.filters, k, k) or bias.shape != (model.filters,):
        raise ValueError(
            f"filters {filters.shape} and filter_bias {bias.shape} do not match "
            f"{model.filters} filters of {k} x {k}"
        )
    coefs = [arrays[f"coef_{i}"] for i in range(n_layers)]
    intercepts = [arrays[f"intercept_{i}"] for i in range(n_layers)]
    units = [shape.n_features, *model._hidden_sizes(), len(classes)]
    if n_layers != len(units) - 1 or any(c.ndim != 2 for c in coefs):
        raise ValueError("the dense layer arrays do not match hidden_layer_sizes")
    for coef, intercept, fan_in, fan_out in zip(coefs, intercepts, units, units[1:], strict=False):
        if coef.shape != (fan_in, fan_out) or intercept.shape != (fan_out,):
            raise ValueError(
                f"dense layer shapes {coef.shape}/{intercept.shape} do not fit "
                f"{fan_in} inputs and {fan_out} outputs"
            )
    layout = Layout(tuple(units))
    model.classes_ = classes
    model.image_shape_ = shape.image
    model.n_features_in_ = image[0] * image[1]
    model._set_params(shape, layout, shape.pack(filters, bias), layout.pack(coefs, intercepts))
    model._optimizers = None  # a fresh Adam starts if training continues
    _set_history(model, meta.get("history") or {})
    model.history_ = _cnn_history(snapshots, meta, [model.filters_, *model.coefs_], model)
    return model


def _cnn_history(
    snapshots: dict, meta: dict, layers: list[np.ndarray], model: ConvNetClassifier
) -> History | None:
    """:meth:`History.from_arrays` checks layers as (fan_in, fan_out) matrices with
    (fan_out,) biases; the filters (F, k, k) with (F,) biases pass as (k*k, F)."""
    f, k = layers[0].shape[0], layers[0].shape[1]
    filters = snapshots.get("history_coef_0")
    if filters is not None:
        if filters.ndim != 4 or filters.shape[1:] != (f, k, k):
            raise ValueError(f"the history of the filters has shape {filters.shape}")
        snapshots["history_coef_0"] = filters.reshape(len(filters), f, k * k).transpose(0, 2, 1)
    as_matrices = [layers[0].reshape(f, k * k).T, *layers[1:]]
    history = History.from_arrays(snapshots, meta, as_matrices, epochs_trained(model))
    if history is None:
        return None
    n = len(history.epochs)
    first = np.ascontiguousarray(history.coefs[0].transpose(0, 2, 1)).reshape(n, f, k, k)
    return History(
        epochs=history.epochs,
        coefs=(first, *history.coefs[1:]),
        intercepts=history.intercepts,
        loss=history.loss,
        train_score=history.train_score,
        validation_score=history.validation_score,
    )
