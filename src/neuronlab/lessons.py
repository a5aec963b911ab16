"""The lab's teaching text for Python: the exercises file and the chapters' conclusions.

The exercises live in one file, ``web/static/lessons/exercises.json``, which the web page
and ``notebooks/build_notebook.py`` both read. The conclusions are the sentences printed
next to a figure, computed from its numbers; the web page computes them in
``web/static/js/conclusions.js`` and this module mirrors that file function for function,
so that the notebook prints the same sentence for the same numbers (a test runs both on
the same inputs and compares the text).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

LESSONS = "web/static/lessons/exercises.json"
PLACEHOLDER = re.compile(r"\{([a-z0-9_]+)\|([^}]*)\}")


@cache
def _lessons_text() -> str:
    return resources.files("neuronlab").joinpath(LESSONS).read_text(encoding="utf-8")


def lessons() -> dict[str, Any]:
    """The whole exercises file: ``{"chapters": {slug: {...}}, "narrative": {...}}``."""
    return json.loads(_lessons_text())


def exercises(slug: str) -> list[dict[str, Any]]:
    """The exercises of chapter ``slug`` (``"neuron"``, ``"rows"``, ... ``"mistakes"``)."""
    return lessons()["chapters"][slug]["exercises"]


def fill(text: str, values: Mapping[str, str] | None = None) -> str:
    """Fill ``{name|fallback}`` from ``values``; unknown names take their fallback words."""
    values = values or {}
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(2)), text)


# ---- Numbers as the page writes them (conclusions.js: fixed, pct, points, count) ----


def fixed(x: float, d: int = 1) -> str:
    """``x`` rounded half up to ``d`` decimals, with a real minus sign (``"−0.5"``)."""
    n = math.floor(x * 10**d + 0.5)
    digits = str(abs(n)).rjust(d + 1, "0")
    body = f"{digits[:-d]}.{digits[-d:]}" if d > 0 else digits
    return f"−{body}" if n < 0 else body


def pct(v: float, d: int = 1) -> str:
    """A fraction as a percentage: 0.9351 -> ``"93.5%"``."""
    return f"{fixed(100 * v, d)}%"


def points(v: float) -> str:
    """Percentage points between two fractions: 0.056 -> ``"5.6"``."""
    return fixed(100 * v, 1)


def count(n: float) -> str:
    """A whole number with thousands separators: 2000 -> ``"2,000"``."""
    return f"{_round(n):,}"


def _round(x: float) -> int:
    """JavaScript's Math.round: halves go up."""
    return math.floor(x + 0.5)


def _plural(n: int, word: str) -> str:
    return f"{count(n)} {word}{'' if n == 1 else 's'}"


def _mistakes(acc: float, n: int) -> int:
    return _round((1 - acc) * n)


# ---- Chapters 3 and 4: where the weights sit ----

INK = 0.25


def weight_regions(
    weights: Sequence[float], mean_a: Sequence[float], mean_b: Sequence[float]
) -> dict[str, dict[str, float]]:
    """Per region (only A inked, only B, both, neither): pixels, weight share, positive share."""
    w = [float(v) for v in weights]
    a_vals = [float(v) for v in mean_a]
    b_vals = [float(v) for v in mean_b]
    max_a = max(1e-12, *a_vals)
    max_b = max(1e-12, *b_vals)
    regions = {k: [0, 0.0, 0.0] for k in ("onlyA", "onlyB", "both", "neither")}
    total = 0.0
    for p, value in enumerate(w):
        a = a_vals[p] / max_a >= INK
        b = b_vals[p] / max_b >= INK
        r = regions["both" if a and b else "onlyA" if a else "onlyB" if b else "neither"]
        r[0] += 1
        r[1] += abs(value)
        r[2] += max(0.0, value)
        total += abs(value)
    return {
        k: {
            "pixels": pixels,
            "share": absolute / total if total > 0 else 0.0,
            "positive": positive / absolute if absolute > 0 else 0.5,
        }
        for k, (pixels, absolute, positive) in regions.items()
    }


def _group(name: str) -> str:
    """``"the 8s"`` for a digit, ``"the rest"`` as it is."""
    return name if name == "the rest" else f"the {name}s"


def _colour(positive: float, name_a: str, name_b: str) -> str:
    if positive >= 0.75:
        return f"mostly red (for {name_b})"
    if positive <= 0.25:
        return f"mostly blue (for {name_a})"
    return "a mix of red and blue"


def _regions_sentence(
    weights: Sequence[float],
    mean_a: Sequence[float],
    mean_b: Sequence[float],
    name_a: str,
    name_b: str,
) -> str:
    r = weight_regions(weights, mean_a, mean_b)
    n = len(weights)
    label = {
        "onlyB": f"only {_group(name_b)} have ink",
        "onlyA": f"only {_group(name_a)} have ink",
        "both": "both have ink",
        "neither": "neither has ink",
    }

    def density(k: str) -> float:
        return r[k]["share"] / (r[k]["pixels"] / n) if r[k]["pixels"] > 0 else 0.0

    ranked = sorted((k for k in label if r[k]["pixels"] > 0), key=lambda k: -density(k))
    if not ranked:
        return ""
    top, low = ranked[0], ranked[-1]
    text = (
        f"Per pixel, the weights are strongest where {label[top]} "
        f"({fixed(density(top))} times the average pixel's share) and weakest where "
        f"{label[low]} ({fixed(density(low))} times)."
    )
    parts = [
        f"{label[k]}, the weights are {_colour(r[k]['positive'], name_a, name_b)}"
        for k in ("onlyB", "onlyA")
        if r[k]["pixels"] > 0
    ]
    if parts:
        text += f" Where {'; where '.join(parts)}."
    if r["both"]["pixels"] > 0:
        text += (
            f" The {count(r['both']['pixels'])} pixels where both have ink hold "
            f"{pct(r['both']['share'], 0)} of the weight."
        )
    return text


def _accuracy_sentence(acc: float | None, n: int | None) -> str:
    if acc is None:
        return ""
    if not n:
        return f"Test accuracy {pct(acc)}."
    return (
        f"Test accuracy {pct(acc)}: {_plural(_mistakes(acc, n), 'mistake')} "
        f"in {count(n)} test images."
    )


def pair(
    a: int,
    b: int,
    test_accuracy: float | None = None,
    n_test: int | None = None,
    weights: Sequence[float] | None = None,
    meanA: Sequence[float] | None = None,  # noqa: N803 - the page's fact names
    meanB: Sequence[float] | None = None,  # noqa: N803
) -> str:
    """Chapter 3: which regions carry the weight, and the accuracy."""
    parts = []
    if weights is not None and meanA is not None and meanB is not None:
        parts.append(_regions_sentence(weights, meanA, meanB, str(a), str(b)))
    parts.append(_accuracy_sentence(test_accuracy, n_test))
    return " ".join(p for p in parts if p)


def ten(
    digit: int,
    test_accuracy: float | None = None,
    n_test: int | None = None,
    weights: Sequence[float] | None = None,
    meanDigit: Sequence[float] | None = None,  # noqa: N803
    meanRest: Sequence[float] | None = None,  # noqa: N803
) -> str:
    """Chapter 4: the same for one digit against the rest."""
    parts = []
    if weights is not None and meanDigit is not None and meanRest is not None:
        parts.append(_regions_sentence(weights, meanRest, meanDigit, "the rest", str(digit)))
    if test_accuracy is not None:
        errors = (
            f" ({_plural(_mistakes(test_accuracy, n_test), 'mistake')} in {count(n_test)} "
            "test images)"
            if n_test
            else ""
        )
        parts.append(
            f"All ten neurons together get {pct(test_accuracy)} of the test images right{errors}."
        )
    return " ".join(p for p in parts if p)


# ---- Chapter 5: accuracy against shift ----

STEPS = (1, 2, 3)


def at_shift(shifts: Sequence[int], ys: Sequence[float], k: int) -> float | None:
    """Accuracy after moving by ``k`` either way: the mean of +k and -k (those measured)."""
    values = [float(y) for s, y in zip(shifts, ys, strict=True) if abs(s) == k]
    if not values:
        return None
    total = 0.0
    for v in values:
        total += v
    return total / len(values)


def _signed_points(d: float) -> str:
    return f"{'−' if d >= 0 else '+'}{points(abs(d))}"


def shift(
    shifts: Sequence[int],
    lr: Sequence[float] | None = None,
    mlp: Sequence[float] | None = None,
    axis: str = "vertical",
    remedy: Mapping[str, Any] | None = None,
) -> str:
    """Chapter 5: how much each model loses at ±1, ±2, ±3, and whether the hidden layer helps."""
    shifts = [int(s) for s in shifts]
    unit = "column" if axis == "horizontal" else "row"
    models = [(n, ys) for n, ys in (("logistic regression", lr), ("the hidden-layer network", mlp))]
    models = [(n, list(ys)) for n, ys in models if ys is not None]
    if not models or 0 not in shifts:
        return ""
    steps = [k for k in STEPS if at_shift(shifts, models[0][1], k) is not None]
    if not steps:
        return ""
    drops: dict[str, list[float]] = {}
    lines = []
    for name, ys in models:
        base = float(ys[shifts.index(0)])
        after = [at_shift(shifts, ys, k) for k in steps]
        drops[name] = [base - v for v in after]
        lines.append(
            f"{name} falls from {pct(base)} to {', '.join(pct(v) for v in after)} "
            f"({', '.join(_signed_points(d) for d in drops[name])} points)"
        )
    moved = re.sub(r", (\d)$", r" and \1", ", ".join(str(k) for k in steps))
    plural = "" if steps[-1] == 1 else "s"
    text = f"Moving every test image {moved} {unit}{plural} either way: {'; '.join(lines)}."
    if lr is not None and mlp is not None:
        lr_drop = drops["logistic regression"][-1]
        mlp_drop = drops["the hidden-layer network"][-1]
        at = f"±{steps[-1]}"
        if mlp_drop <= 0.02:
            text += (
                f" At {at} the hidden-layer network loses only {points(max(0.0, mlp_drop))} "
                "points: here it copes with the move."
            )
        elif mlp_drop < 0.5 * lr_drop:
            text += (
                f" At {at} the hidden layer loses {points(mlp_drop)} points against "
                f"{points(lr_drop)}: it helps, but it still loses a lot."
            )
        else:
            text += (
                f" At {at} the hidden layer loses {points(mlp_drop)} points against "
                f"{points(lr_drop)} for logistic regression: it does not fix the problem, "
                "because its units are still maps over fixed pixels."
            )
    if remedy:
        text += (
            f" Chapter {remedy['chapter']} ({remedy['title']}) shows a model built to cope "
            "with moves."
        )
    return text


# ---- Chapter 6: the network against logistic regression ----


def hidden(
    test_accuracy: float | None,
    lr_test_accuracy: float | None = None,
    n_test: int | None = None,
    n_errors: int | None = None,
    lr_n_errors: int | None = None,
) -> str:
    """Chapter 6: the network against logistic regression, in accuracy and in mistakes."""
    if test_accuracy is None:
        return ""
    if lr_test_accuracy is None:
        return (
            f"{_accuracy_sentence(test_accuracy, n_test)} "
            "Train logistic regression in chapter 4 to compare."
        )
    head = f"{pct(test_accuracy)} against {pct(lr_test_accuracy)} for logistic regression"
    if not n_test:
        return f"{head}."
    mine = n_errors if n_errors is not None else _mistakes(test_accuracy, n_test)
    theirs = lr_n_errors if lr_n_errors is not None else _mistakes(lr_test_accuracy, n_test)
    diff = theirs - mine
    where = f"in {count(n_test)} test images ({count(mine)} instead of {count(theirs)})"
    if diff > 0:
        return f"{head}: {count(diff)} fewer mistakes {where}."
    if diff < 0:
        return f"{head}: {count(-diff)} more mistakes {where}; this network did not beat it."
    return f"{head}: the same number of mistakes ({count(mine)} in {count(n_test)} test images)."


# ---- Chapter 7: accuracy against the number of hidden units ----


def _field(result: Any, key: str) -> Any:
    """A sweep result's field: from a dict (the API's) or an object (analysis.SweepResult)."""
    return result[key] if isinstance(result, Mapping) else getattr(result, key)


def by_size(results: Sequence[Any]) -> list[dict[str, float]]:
    """Per size: mean train and test accuracy, and the lowest and highest test accuracy.

    ``results`` are dicts with ``hidden``, ``train_accuracy`` and ``test_accuracy`` or
    :class:`neuronlab.analysis.SweepResult` objects.
    """
    rows = []
    for h in sorted({int(_field(r, "hidden")) for r in results}):
        rs = [r for r in results if int(_field(r, "hidden")) == h]

        def mean(key: str, rs: list[Any] = rs) -> float:
            total = 0.0
            for r in rs:
                total += float(_field(r, key))
            return total / len(rs)

        tests = [float(_field(r, "test_accuracy")) for r in rs]
        rows.append(
            {
                "hidden": h,
                "runs": len(rs),
                "train": mean("train_accuracy"),
                "test": mean("test_accuracy"),
                "lo": min(tests),
                "hi": max(tests),
            }
        )
    return rows


def _first_max(rows: list[dict[str, float]], key: Any) -> dict[str, float]:
    best = rows[0]
    for r in rows[1:]:
        if key(r) > key(best):
            best = r
    return best


def sweep_plateau(rows: list[dict[str, float]]) -> str:
    """Where extra units stop helping."""
    if not rows:
        return ""
    first = rows[0]
    if len(rows) == 1:
        return f"So far {first['hidden']} units reach {pct(first['test'])} on the test set."
    best = _first_max(rows, lambda r: r["test"])
    # Within the best size's own spread over random starts (or half a point) counts as "as good".
    tol = max(0.005, best["hi"] - best["lo"])
    enough = next(r for r in rows if r["test"] >= best["test"] - tol)
    last = rows[-1]
    if enough is last:
        return (
            f"Test accuracy is still rising at the largest size: {pct(first['test'])} at "
            f"{first['hidden']} units, {pct(last['test'])} at {last['hidden']}. Try larger "
            "networks to see where it levels off."
        )
    if enough is first:
        return (
            f"Even {first['hidden']} units come within {points(tol)} points of the best test "
            f"accuracy ({pct(best['test'])} at {best['hidden']} units): extra units hardly "
            "help here."
        )
    return (
        f"Test accuracy rises from {pct(first['test'])} at {first['hidden']} units to "
        f"{pct(enough['test'])} at {enough['hidden']}; beyond {enough['hidden']} units extra "
        f"units add less than {points(tol)} points (best {pct(best['test'])} at "
        f"{best['hidden']})."
    )


def sweep_gap(rows: list[dict[str, float]]) -> str:
    """The train-test gap: visible when it reaches 2 points at some size."""
    if not rows:
        return ""
    gaps = [r["train"] - r["test"] for r in rows]
    i = gaps.index(max(gaps))
    r = rows[i]
    if gaps[i] < 0.02:
        return (
            f"Training and test accuracy stay within {points(max(0.0, gaps[i]))} points of each "
            "other at every size: no overfitting is visible."
        )
    text = (
        f"Training accuracy runs ahead of test accuracy: the gap is largest at {r['hidden']} "
        f"units, {pct(r['train'])} against {pct(r['test'])} ({points(gaps[i])} points), the "
        "part of the training images the network memorised rather than learned (overfitting)."
    )
    last = rows[-1]
    if last is not r:
        text += f" At {last['hidden']} units it is {points(gaps[-1])} points."
    if len(rows) > 1 and gaps[-1] - gaps[0] >= 0.01:
        text += " The gap grows with the number of units."
    perfect = next((q for q in rows if q["train"] >= 0.9995), None)
    if perfect is not None:
        text += (
            f" At {perfect['hidden']} units the network already gets {pct(perfect['train'])} of "
            "its training images right: it knows them by heart."
        )
    return text


def sweep_spread(rows: list[dict[str, float]]) -> str:
    """The spread over random starts (needs more than one start per size)."""
    multi = [r for r in rows if r["runs"] > 1]
    if not multi:
        return ""
    widest = _first_max(multi, lambda r: r["hi"] - r["lo"])
    return (
        f"Across {widest['runs']} random starts, test accuracy at one size varies by up to "
        f"{points(widest['hi'] - widest['lo'])} points (at {widest['hidden']} units): smaller "
        "differences between sizes are noise."
    )


def sweep_vs_logistic(rows: list[dict[str, float]], lr: float | None) -> str:
    """The comparison with logistic regression's test accuracy."""
    if lr is None or not rows:
        return ""
    beats = [r for r in rows if r["test"] > lr]
    if not beats:
        return f"No size here beats logistic regression ({pct(lr)})."
    first = beats[0]
    if all(r["test"] > lr for r in rows if r["hidden"] >= first["hidden"]):
        return (
            f"From {first['hidden']} units on, every network here beats logistic regression "
            f"({pct(lr)})."
        )
    return (
        f"{first['hidden']} units is the smallest size here that beats logistic regression "
        f"({pct(lr)})."
    )


def sweep(results: Sequence[Any], lr_test_accuracy: float | None = None) -> str:
    """Chapter 7: where extra units stop helping, the gap, the spread, the comparison."""
    if not results:
        return ""
    rows = by_size(results)
    parts = [
        sweep_plateau(rows),
        sweep_gap(rows),
        sweep_spread(rows),
        sweep_vs_logistic(rows, lr_test_accuracy),
    ]
    return " ".join(p for p in parts if p)


# ---- Chapter 10: the two remedies for brittleness on the chapter 5 curve ----


def _at_or_zero(shifts: list[int], ys: Sequence[float], k: int) -> float | None:
    return float(ys[shifts.index(0)]) if k == 0 else at_shift(shifts, ys, k)


def _signed(d: float) -> str:
    return f"{'+' if d >= 0 else '−'}{points(abs(d))}"


def _remedy_models(lr, mlp, augmented, cnn, aug) -> tuple[str, list]:
    """The four models of chapter 10's charts that were measured, named for a sentence."""
    copies = (
        f"the network trained on copies shifted by up to {aug} pixels"
        if aug
        else "the network trained on shifted copies"
    )
    named = [
        (name, list(ys))
        for name, ys in (
            ("logistic regression", lr),
            ("the hidden-layer network", mlp),
            (copies, augmented),
            ("the CNN", cnn),
        )
        if ys is not None
    ]
    return copies, named


def cnn(
    shifts: Sequence[int],
    axis: str = "vertical",
    wrap: bool = False,
    lr: Sequence[float] | None = None,
    mlp: Sequence[float] | None = None,
    augmented: Sequence[float] | None = None,
    cnn: Sequence[float] | None = None,
    cnn_flip: Sequence[float] | None = None,
    pool: bool = True,
    aug: int | None = None,
) -> str:
    """Chapter 10: what each model keeps at ±1, ±2, ±3, the remedies against the plain
    network, where the CNN still fails, and what pooling buys."""
    if not shifts or 0 not in shifts:
        return ""
    shifts = [int(s) for s in shifts]
    unit = "column" if axis == "horizontal" else "row"
    copies, named = _remedy_models(lr, mlp, augmented, cnn, aug)
    if not named:
        return ""
    steps = [k for k in STEPS if at_shift(shifts, named[0][1], k) is not None]
    if not steps:
        return ""

    def at(ys: Sequence[float], k: int) -> float:
        value = _at_or_zero(shifts, ys, k)
        assert value is not None
        return value

    moved = re.sub(r", (\d)$", r" and \1", ", ".join(str(k) for k in steps))
    units = f"{unit}{'' if steps[-1] == 1 else 's'}"
    lines = [
        f"{name} {', '.join(pct(at(ys, k)) for k in steps)} ({pct(at(ys, 0))} unmoved)"
        for name, ys in named
    ]
    how = "wrapping round" if wrap else "no wrap"
    text = (
        f"Moved {moved} {units} either way ({how}), the share of test images still read "
        f"right: {'; '.join(lines)}."
    )
    k = 2 if 2 in steps else steps[-1]
    remedies = [
        (name, ys) for name, ys in (("the CNN", cnn), (copies, augmented)) if ys is not None
    ]
    if mlp is not None and remedies:
        gains = [f"{name} {_signed(at(ys, k) - at(mlp, k))} points" for name, ys in remedies]
        text += f" At ±{k}, against the plain hidden-layer network: {', '.join(gains)}."
    if cnn is not None:
        sizes = sorted({abs(s) for s in shifts if s != 0})
        last = sizes[-1] if sizes else None
        fail = next((s for s in sizes if at(cnn, s) < 0.5), None)
        if fail is not None:
            further = "" if fail == last else f"; {pct(at(cnn, last))} at ±{last}"
            blur = (
                "2 × 2 pooling forgives only about a pixel"
                if pool
                else "without pooling nothing blurs the position"
            )
            text += (
                f" Where the CNN still fails: from ±{fail} {unit}{'' if fail == 1 else 's'} it "
                f"reads fewer than half the test images right ({pct(at(cnn, fail))}{further}). "
                "Its filters find a stroke anywhere, but the output layer still gives every map "
                f"position its own weight, and {blur}."
            )
        elif last is not None:
            text += f" Even at ±{last} the CNN keeps {pct(at(cnn, last))}."
    if cnn is not None and cnn_flip is not None:
        pooled, plain = (cnn, cnn_flip) if pool else (cnn_flip, cnn)
        d = at(pooled, k) - at(plain, k)
        text += (
            f" With pooling the same CNN keeps {pct(at(pooled, k))} at ±{k}, without it "
            f"{pct(at(plain, k))}: pooling {'buys' if d >= 0 else 'costs'} {points(abs(d))} "
            f"points there (unmoved: {pct(at(pooled, 0))} against {pct(at(plain, 0))})."
        )
    return text


def rotation(
    angles: Sequence[int],
    n: int | None = None,
    lr: Sequence[float] | None = None,
    mlp: Sequence[float] | None = None,
    augmented: Sequence[float] | None = None,
    cnn: Sequence[float] | None = None,
    aug: int | None = None,
) -> str:
    """Chapter 10: what each model keeps when the digits are turned instead of moved."""
    if not angles or 0 not in angles or cnn is None:
        return ""
    angles = [int(a) for a in angles]
    _, named = _remedy_models(lr, mlp, augmented, cnn, aug)
    sizes = sorted({abs(a) for a in angles if a != 0})
    if not sizes:
        return ""

    def at(ys: Sequence[float], a: int) -> float:
        value = _at_or_zero(angles, ys, a)
        assert value is not None
        return value

    where = f" (the first {count(n)} test images)" if n else ""
    parts = [
        f"at ±{a}° " + ", ".join(f"{name} {pct(at(ys, a))}" for name, ys in named) for a in sizes
    ]
    big = sizes[-1]

    def lost(ys: Sequence[float]) -> str:
        return points(at(ys, 0) - at(ys, big))

    others = f" (the hidden-layer network {lost(mlp)})" if mlp is not None else ""
    return (
        f"Turned rather than moved{where}: {'; '.join(parts)}. At ±{big}° the CNN still loses "
        f"{lost(cnn)} points{others}: sharing weights follows a move, not a turn, and a turned "
        "stroke is another pattern to its filters."
    )


CONCLUDE = {
    "pair": pair,
    "ten": ten,
    "shift": shift,
    "hidden": hidden,
    "sweep": sweep,
    "cnn": cnn,
    "rotation": rotation,
}


def conclude(chapter: str, facts: Mapping[str, Any]) -> str:
    """The conclusion of ``chapter`` (pair, ten, shift, hidden, sweep, cnn) for its facts."""
    return CONCLUDE[chapter](**facts)
