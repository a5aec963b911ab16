"""The teaching text: the exercises file, the self-checks and the conclusions.

The conclusions are computed by the page's own JavaScript (conclusions.js, run by Node) and
by its Python mirror (neuronlab.lessons, used by the notebook); both are fed numbers that the
analysis layer measures on real digits, and must write the same sentence.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import IN_CI

from neuronlab import lessons
from neuronlab.analysis import class_means, hidden_sweep, linear_weights, shift_accuracy
from neuronlab.models import make_model

JS = Path(lessons.__file__).parent / "web" / "static" / "js"
SLUGS = ("neuron", "rows", "pair", "ten", "shift", "hidden", "sweep", "draw", "mistakes")
SELF_CHECKS = {"neuron-half", "shift-fool", "sweep-beat-lr", "sweep-overfit"}

# Reads [[module, function, argument], ...] as JSON on stdin, prints the results as JSON.
RUNNER = """
import { readFileSync } from "node:fs";
const calls = JSON.parse(readFileSync(0, "utf8"));
const modules = {
  conclusions: await import(process.env.JS_DIR + "/conclusions.js"),
  checks: await import(process.env.JS_DIR + "/checks.js"),
};
const out = calls.map(([mod, fn, arg]) => {
  if (fn === "keys") return Object.keys(modules[mod][arg]);
  if (mod === "checks" && fn === "runCheck") return modules.checks.runCheck(arg[0], arg[1]);
  if (fn === "fill") return modules.checks.fill(arg[0], arg[1]);
  if (mod === "checks") return modules.checks.DERIVE[fn](arg);
  return modules.conclusions.conclude[fn](arg);
});
console.log(JSON.stringify(out));
"""


@pytest.fixture(scope="module")
def js():
    """Call the page's own modules under Node: js([(module, function, argument), ...])."""
    node = shutil.which("node")
    if node is None:
        if IN_CI:
            pytest.fail("Node is needed to run the page's conclusions in CI")
        pytest.skip("node not installed")

    def call(calls: list[tuple[str, str, Any]]) -> list[Any]:
        done = subprocess.run(
            [node, "--experimental-default-type=module", "--input-type=module", "-e", RUNNER],
            input=json.dumps(calls, default=_plain),
            capture_output=True,
            text=True,
            timeout=60,
            env={"JS_DIR": JS.as_uri(), "PATH": "/usr/bin:/bin"},
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    return call


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(type(value))


def both(js, chapter: str, facts: dict[str, Any]) -> str:
    """The conclusion from the page's JavaScript, checked to equal the notebook's Python one."""
    (page,) = js([("conclusions", chapter, facts)])
    plain = json.loads(json.dumps(facts, default=_plain))
    assert lessons.conclude(chapter, plain) == page
    return page


# ---- The exercises file ----


def test_every_chapter_has_three_to_six_exercises_with_unique_ids():
    chapters = lessons.lessons()["chapters"]
    assert set(SLUGS) <= set(chapters)
    ids = [ex["id"] for slug in chapters for ex in lessons.exercises(slug)]
    assert len(ids) == len(set(ids))
    for slug in SLUGS:
        exercises = lessons.exercises(slug)
        assert 3 <= len(exercises) <= 6, slug
        for ex in exercises:
            assert ex["from"] in ("module", "ours")
            assert ex["question"].strip() and ex["answer"].strip()
            assert re.fullmatch(r"[a-z0-9-]+", ex["id"])
            assert set(ex.get("fashion", {})) <= {"question", "answer"}


def test_placeholders_all_have_fallback_words():
    for slug in SLUGS:
        for ex in lessons.exercises(slug):
            for text in (ex["question"], ex["answer"], *ex.get("fashion", {}).values()):
                # Once every {name|words} is filled, no brace may remain.
                assert "{" not in lessons.fill(text) and "}" not in lessons.fill(text), ex["id"]


def test_every_self_check_named_in_the_file_has_a_predicate(js):
    (keys,) = js([("checks", "keys", "CHECKS")])
    named = {ex["check"] for slug in SLUGS for ex in lessons.exercises(slug) if "check" in ex}
    assert named == SELF_CHECKS
    assert named <= set(keys)
    for slug in SLUGS:
        for ex in lessons.exercises(slug):
            if "check" in ex:
                assert ex.get("goal"), ex["id"]


def test_the_module_exercises_are_all_there():
    """The course's own questions, one per idea, by the chapter where the lab asks them."""
    module = {
        slug: [e["id"] for e in lessons.exercises(slug) if e["from"] == "module"] for slug in SLUGS
    }
    assert module["neuron"] == [
        "neuron-signs",
        "neuron-sizes",
        "neuron-likes",
        "neuron-extremes",
        "neuron-half",
    ]
    assert "pair-regions" in module["pair"]
    assert {"ten-contrast", "ten-rest"} <= set(module["ten"])
    assert {"shift-strip", "shift-sideways"} <= set(module["shift"])
    assert {"hidden-better", "hidden-units", "hidden-follow"} <= set(module["hidden"])
    assert module["sweep"] == ["sweep-sizes"]


def test_fill_uses_values_and_falls_back(js):
    text = "Here {max_class|the tallest bar} wins."
    assert lessons.fill(text, {"max_class": "1"}) == "Here 1 wins."
    assert lessons.fill(text) == "Here the tallest bar wins."
    assert js([("checks", "fill", [text, {"max_class": "1"}])]) == ["Here 1 wins."]


# ---- Self-checks: a state that solves each one, and one that does not ----

NEURON_ON = {"output": 0.5, "x": [1, 0, 1, 0, 0], "w": [2, 4, -2, 0, -4]}
CASES = [
    ("neuron-half", NEURON_ON, True),
    ("neuron-half", {"output": 0.5, "x": [0, 0, 0, 1, 0], "w": [2, 4, -2, 0, -4]}, False),
    ("neuron-half", {"output": 0.8808, "x": [1, 0, 0, 0, 0], "w": [2, 4, -2, 0, -4]}, False),
    (
        "shift-fool",
        {"dy": 2, "dx": 0, "label": 4, "lr_pred": 4, "mlp_pred": 9, "mlp_pred0": 4},
        True,
    ),
    (
        "shift-fool",
        {"dy": 3, "dx": 0, "label": 4, "lr_pred": 4, "mlp_pred": 9, "mlp_pred0": 4},
        False,
    ),
    (
        "shift-fool",
        {"dy": 1, "dx": 1, "label": 4, "lr_pred": 9, "mlp_pred": 9, "mlp_pred0": 4},
        False,
    ),
    ("shift-fool", {"dy": 1, "dx": 0, "label": 4, "lr_pred": None, "mlp_pred": 9}, False),
]


def _runs(pairs: list[tuple[int, float, float]]) -> list[dict[str, float]]:
    return [
        {"hidden": h, "seed": 0, "train_accuracy": tr, "test_accuracy": te} for h, tr, te in pairs
    ]


CASES += [
    (
        "sweep-beat-lr",
        {"results": _runs([(5, 0.86, 0.878), (6, 0.89, 0.904)]), "lr_test_accuracy": 0.8795},
        True,
    ),
    (
        "sweep-beat-lr",
        {"results": _runs([(4, 0.85, 0.866), (6, 0.89, 0.904)]), "lr_test_accuracy": 0.8795},
        False,
    ),
    ("sweep-beat-lr", {"results": _runs([(6, 0.89, 0.904)]), "lr_test_accuracy": None}, False),
    ("sweep-overfit", {"results": _runs([(25, 1.0, 0.839), (100, 1.0, 0.858)])}, True),
    ("sweep-overfit", {"results": _runs([(25, 0.93, 0.935), (100, 0.94, 0.938)])}, False),
]


@pytest.mark.parametrize(("check", "facts", "solved"), CASES)
def test_self_checks_see_when_the_state_meets_the_goal(js, check, facts, solved):
    (answer,) = js([("checks", "runCheck", [check, facts])])
    assert answer["solved"] is solved
    assert answer["text"].startswith("Solved" if solved else ("Not yet", "Train", "Run"))


# ---- Conclusions on numbers measured on real digits ----


@pytest.fixture(scope="module")
def mnist_models(mnist_small, one_blas_thread):
    """Logistic regression and the fast MLP on 8,000 real MNIST digits."""
    X, y = mnist_small.X_train(), mnist_small.train_labels
    lr = make_model("logistic", "fast").fit(X, y)
    mlp = make_model("mlp", "fast", hidden=25, random_state=0).fit(X, y)
    return lr, mlp


SHIFTS = list(range(-3, 4))


def _shift_facts(data, lr, mlp, n=600) -> dict[str, Any]:
    images, labels = data.test_images[:n], data.test_labels[:n]
    return {
        "shifts": SHIFTS,
        "lr": shift_accuracy(lr, images, labels, SHIFTS).tolist(),
        "mlp": shift_accuracy(mlp, images, labels, SHIFTS).tolist(),
        "axis": "vertical",
    }


def test_shift_conclusion_reads_the_losses_off_the_measured_curves(js, mnist_small, mnist_models):
    facts = _shift_facts(mnist_small, *mnist_models)
    text = both(js, "shift", facts)
    lr, mlp = facts["lr"], facts["mlp"]
    # The sentence quotes each model's unmoved accuracy and its mean accuracy at ±1, ±2, ±3.
    for curve in (lr, mlp):
        assert lessons.pct(curve[3]) in text
        for k in (1, 2, 3):
            assert lessons.pct((curve[3 - k] + curve[3 + k]) / 2) in text
    lr_drop = lr[3] - (lr[0] + lr[6]) / 2
    mlp_drop = mlp[3] - (mlp[0] + mlp[6]) / 2
    if mlp_drop >= 0.5 * lr_drop and mlp_drop > 0.02:
        assert "does not fix the problem" in text
    assert f"loses {lessons.points(mlp_drop)} points" in text


def test_shift_conclusion_changes_with_the_data(js, mnist_small, mnist_models, fashion_dir):
    from neuronlab.data import load

    fashion = load(fashion_dir, progress=False).subset(n_train=8000, n_test=2000)
    X, y = fashion.X_train(), fashion.train_labels
    lr = make_model("logistic", "fast").fit(X, y)
    mlp = make_model("mlp", "fast", hidden=25, random_state=0).fit(X, y)
    on_fashion = both(js, "shift", _shift_facts(fashion, lr, mlp))
    on_digits = both(js, "shift", _shift_facts(mnist_small, *mnist_models))
    assert on_fashion != on_digits
    assert "falls from" in on_fashion


def _as_dicts(results) -> list[dict[str, float]]:
    """Sweep results as the API sends them to the page."""
    keys = ("hidden", "seed", "train_accuracy", "test_accuracy")
    return [{k: getattr(r, k) for k in keys} for r in results]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_sweep_conclusion_sees_overfitting_only_where_the_gap_is(js, mnist_small, one_blas_thread):
    X, y = mnist_small.X_train(), mnist_small.train_labels
    Xt, yt = mnist_small.X_test()[:1000], mnist_small.test_labels[:1000]
    overfit = hidden_sweep(
        X[:500],
        y[:500],
        Xt,
        yt,
        sizes=(4, 16, 36),
        n_jobs=1,
        backend="threading",
        params={"alpha": 0.0, "early_stopping": False, "max_iter": 150},
    )
    results = _as_dicts(overfit)
    text = both(js, "sweep", {"results": results, "lr_test_accuracy": 0.5})
    widest = max(overfit, key=lambda r: r.train_accuracy - r.test_accuracy)
    assert widest.train_accuracy - widest.test_accuracy > 0.05
    assert f"the gap is largest at {widest.hidden} units" in text
    assert lessons.pct(widest.train_accuracy) in text and lessons.pct(widest.test_accuracy) in text
    assert "every network here beats logistic regression (50.0%)" in text

    course = hidden_sweep(X[:3000], y[:3000], Xt, yt, sizes=(4, 16), n_jobs=1, backend="threading")
    results = _as_dicts(course)
    text = both(js, "sweep", {"results": results})
    gap = max(r.train_accuracy - r.test_accuracy for r in course)
    if gap < 0.02:
        assert "no overfitting is visible" in text
    else:
        assert "runs ahead of test accuracy" in text


def test_hidden_conclusion_counts_the_mistakes(js, mnist_small, mnist_models):
    lr, mlp = mnist_models
    Xt, yt = mnist_small.X_test(), mnist_small.test_labels
    facts = {
        "test_accuracy": float(mlp.score(Xt, yt)),
        "lr_test_accuracy": float(lr.score(Xt, yt)),
        "n_test": len(yt),
    }
    text = both(js, "hidden", facts)
    fewer = int(np.sum(lr.predict(Xt) != yt)) - int(np.sum(mlp.predict(Xt) != yt))
    assert text.startswith(f"{lessons.pct(facts['test_accuracy'])} against ")
    word = "fewer" if fewer > 0 else "more"
    if fewer:
        assert f"{lessons.count(abs(fewer))} {word} mistakes in 2,000 test images" in text


def test_pair_and_ten_conclusions_say_where_the_weight_is(js, mnist_small, one_blas_thread):
    from neuronlab.data import select_classes

    images, labels = select_classes(mnist_small.train_images, mnist_small.train_labels, (1, 8))
    model = make_model("logistic", "module").fit(images.reshape(len(labels), -1) / 255.0, labels)
    weights = linear_weights(model).evidence_for(8)
    mean_1, mean_8 = class_means(mnist_small.train_images, mnist_small.train_labels, 1, 8)
    facts = {
        "a": 1,
        "b": 8,
        "test_accuracy": 0.99,
        "n_test": 2000,
        "weights": weights.ravel(),
        "meanA": mean_1.ravel(),
        "meanB": mean_8.ravel(),
    }
    text = both(js, "pair", facts)
    regions = lessons.weight_regions(weights.ravel(), mean_1.ravel(), mean_8.ravel())
    # Ink only 8s have argues for an 8: on real digits those weights come out red.
    assert regions["onlyB"]["positive"] > 0.75
    assert "Where only the 8s have ink, the weights are mostly red (for 8)" in text
    assert "20 mistakes in 2,000 test images" in text

    ten_model = make_model("logistic", "fast").fit(mnist_small.X_train(), mnist_small.train_labels)
    mean_3, rest = class_means(mnist_small.train_images, mnist_small.train_labels, 3)
    text = both(
        js,
        "ten",
        {
            "digit": 3,
            "test_accuracy": 0.88,
            "n_test": 2000,
            "weights": linear_weights(ten_model).evidence_for(3).ravel(),
            "meanDigit": mean_3.ravel(),
            "meanRest": rest.ravel(),
        },
    )
    assert text.startswith("Per pixel, the weights are strongest where")
    assert text.endswith("(240 mistakes in 2,000 test images).")


def test_numbers_are_written_the_same_way_in_both_languages(js):
    facts = {"test_accuracy": 0.9325, "lr_test_accuracy": 0.8795, "n_test": 2000}
    assert both(js, "hidden", facts) == (
        "93.3% against 87.9% for logistic regression: 106 fewer mistakes in 2,000 test images "
        "(135 instead of 241)."
    )
    assert both(js, "hidden", {"test_accuracy": 0.5, "lr_test_accuracy": None}) == (
        "Test accuracy 50.0%. Train logistic regression in chapter 4 to compare."
    )
