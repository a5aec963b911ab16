"""Chapter 6b's teaching text: its exercises, its self-check, and its conclusion, computed the
same by the page (conclusions.js under Node) and the notebook (neuronlab.lessons) from shift
curves measured on real digits."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from test_lessons import both
from test_lessons import js as js  # the fixture both() runs on, re-exported

from neuronlab import lessons
from neuronlab.analysis import shift_accuracy
from neuronlab.training import train

SHIFTS = list(range(-8, 9))


def test_the_chapter_has_three_to_six_exercises_in_the_form_of_the_others():
    exercises = lessons.exercises("cnn")
    assert 3 <= len(exercises) <= 6
    every_id = [e["id"] for slug in lessons.lessons()["chapters"] for e in lessons.exercises(slug)]
    assert len(every_id) == len(set(every_id))
    for ex in exercises:
        assert re.fullmatch(r"cnn-[a-z0-9-]+", ex["id"]) and ex["from"] in ("module", "ours")
        for text in (ex["question"], ex["answer"]):
            assert "{" not in lessons.fill(text) and "}" not in lessons.fill(text), ex["id"]
        if "check" in ex:
            assert ex["goal"]
    assert [e["check"] for e in exercises if "check" in e] == ["cnn-pool"]


@pytest.fixture(scope="module")
def curves(mnist_small, one_blas_thread) -> dict[str, list[float]]:
    """Vertical shift curves (no wrap) of the four models and the CNN without pooling."""
    data = mnist_small.subset(n_train=3000)
    runs = {
        "lr": ("logistic", {}),
        "mlp": ("mlp", {}),
        "augmented": ("mlp", {"augment_shift": 2}),
        "cnn": ("cnn", {}),
        "cnn_flip": ("cnn", {"pool": False}),
    }
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, (kind, settings) in runs.items():
            model = train(data, kind, "fast", **settings).model
            acc = shift_accuracy(model, data.test_images, data.test_labels, SHIFTS)
            out[name] = np.asarray(acc, dtype=float).tolist()
    return out


def test_the_conclusion_reads_the_curve_the_same_in_the_page_and_the_notebook(js, curves):
    facts = {"shifts": SHIFTS, "axis": "vertical", "wrap": False, "aug": 2, **curves}
    text = both(js, "cnn", facts)
    at2 = {k: (v[6] + v[10]) / 2 for k, v in curves.items()}
    assert text.startswith("Moved 1, 2 and 3 rows either way (no wrap)")
    assert f"the CNN {lessons.pct((curves['cnn'][7] + curves['cnn'][9]) / 2)}," in text
    gain = lessons.points(at2["cnn"] - at2["mlp"])
    assert f"the CNN +{gain} points" in text  # measured: the CNN keeps more at ±2
    # Honest about where it fails: a move after which it reads fewer than half right.
    fail = next(k for k in range(1, 9) if (curves["cnn"][8 - k] + curves["cnn"][8 + k]) / 2 < 0.5)
    assert f"from ±{fail} rows it reads fewer than half" in text
    assert "With pooling the same CNN keeps" in text


@pytest.mark.parametrize(
    "facts",
    [
        # horizontal, with wrap, only the CNN: no comparison, no pooling sentence
        {"axis": "horizontal", "wrap": True, "cnn": "flat"},
        # the CNN shown does not pool; its flip does
        {"pool": False, "mlp": "falling", "cnn": "falling", "cnn_flip": "flat", "aug": 3},
        # no CNN yet: the remedies sentence names only the shifted copies
        {"lr": "falling", "mlp": "falling", "augmented": "flat"},
        # nothing trained, or no unmoved point: nothing to say
        {},
        {"shifts": [-2, -1, 1, 2], "cnn": "flat"},
    ],
)
def test_the_conclusion_covers_every_case_the_same_way(js, facts):
    shapes = {
        "flat": [0.97 - 0.004 * abs(s) for s in SHIFTS],
        "falling": [0.95 * np.exp(-abs(s) / 2.2) for s in SHIFTS],
    }
    shifts = facts.get("shifts", SHIFTS)
    given = {
        k: [shapes[v][SHIFTS.index(s)] for s in shifts] if isinstance(v, str) and v in shapes else v
        for k, v in facts.items()
        if k != "shifts"
    }
    text = both(js, "cnn", {"shifts": shifts, **given})
    if not any(isinstance(v, str) and v in shapes for v in facts.values()) or 0 not in shifts:
        assert text == ""
    elif facts.get("cnn") == "flat" and "cnn_flip" not in facts:
        assert "Even at ±8 the CNN keeps" in text and "wrapping round" in text
        assert "column" in text and "pooling" not in text
    elif "cnn_flip" in facts:
        assert "without pooling nothing blurs the position" in text
        assert "pooling buys" in text  # the pooled one (the flip) has the flat curve
    else:
        assert "copies shifted by up to 2 pixels" not in text
        assert "against the plain hidden-layer network: the network trained on" in text


def test_the_pooling_self_check_and_the_answers_placeholders(js, curves):
    base = {"shifts": SHIFTS, "axis": "vertical", "pool": True, "cnn": curves["cnn"]}
    (missing, solved, derived) = js(
        [
            ("checks", "runCheck", ["cnn-pool", base]),
            ("checks", "runCheck", ["cnn-pool", {**base, "cnn_flip": curves["cnn_flip"]}]),
            (
                "checks",
                "cnn",
                {**base, "mlp": curves["mlp"], "filters": 8, "filter_size": 5, "hidden_units": 25},
            ),
        ]
    )
    assert not missing["solved"] and "without pooling" in missing["text"]
    assert solved["solved"] and "With pooling the same CNN keeps" in solved["text"]
    assert "5 × 5 = 25 weights" in derived["sharing"] and "19,600" in derived["sharing"]
    assert derived["cnn_summary"].startswith("Moved 1, 2 and 3 rows")
    assert "fails" in derived["fail_summary"] or "Even at" in derived["fail_summary"]
    assert "pool_summary" not in derived


@pytest.mark.parametrize(
    "given",
    [
        {"n": 500, "lr": [0.51, 0.77, 0.9, 0.78, 0.52], "mlp": [0.53, 0.83, 0.95, 0.83, 0.53]},
        {"augmented": [0.55, 0.85, 0.94, 0.85, 0.53], "aug": 2},
        {"cnn": None},
    ],
)
def test_the_turned_digits_sentence_is_the_same_in_the_page_and_the_notebook(js, given):
    facts = {"angles": [-30, -15, 0, 15, 30], "cnn": [0.67, 0.91, 0.99, 0.92, 0.67], **given}
    text = both(js, "rotation", facts)
    if facts["cnn"] is None:
        assert text == ""
        return
    assert text.startswith("Turned rather than moved")
    assert "at ±15°" in text and "At ±30° the CNN still loses 32.0 points" in text
    assert ("(the hidden-layer network 42.0)" in text) == ("mlp" in given)
    assert ("the first 500 test images" in text) == ("n" in given)
