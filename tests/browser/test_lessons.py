"""The exercises and conclusions in Chromium on real MNIST: every chapter has its exercises,
a link opens one, and the self-checking ones say "Solved" exactly when the state meets the goal."""

from __future__ import annotations

import pytest

from browser.test_pages import open_chapter
from neuronlab import lessons

pytestmark = pytest.mark.slow

CHAPTERS = ("neuron", "rows", "pair", "ten", "shift", "hidden", "sweep", "draw", "mistakes")


def wait_exercises(page, count: int) -> None:
    page.wait_for_function(
        "(n) => document.querySelectorAll('details.exercise').length === n", arg=count
    )


def check_line(page, check: str):
    return page.locator(f'.ex-check[data-check="{check}"] [role=status]')


def wait_check(page, check: str, word: str, timeout_ms: int = 30_000) -> str:
    """Wait until the self-check's status line starts with ``word`` (after its mark)."""
    page.wait_for_function(
        "([c, w]) => (document.querySelector(`.ex-check[data-check='${c}'] [role=status]`)"
        "?.textContent || '').slice(2).startsWith(w)",
        arg=[check, word],
        timeout=timeout_ms,
    )
    return check_line(page, check).text_content()


def test_every_chapter_shows_its_exercises(page):
    for number, slug in enumerate(CHAPTERS, start=1):
        expected = len(lessons.exercises(slug))
        assert expected >= 3
        open_chapter(page, f"#ch={number}")
        wait_exercises(page, expected)
        first = lessons.fill(lessons.exercises(slug)[0]["question"])
        summary = page.locator("details.exercise summary").first.text_content()
        assert summary.startswith("1. ") and summary[3:13] == first[:10], slug


def test_a_link_opens_and_keeps_the_exercise(page):
    open_chapter(page, "#ch=5&dy=1&ex=shift-wrap")
    wait_exercises(page, len(lessons.exercises("shift")))
    page.wait_for_function("() => document.querySelector('#ex-shift-wrap').open")
    assert page.evaluate("() => document.activeElement.closest('details')?.id") == "ex-shift-wrap"
    # Moving a slider rewrites the hash; the exercise stays named in it.
    page.get_by_label("move down (rows)", exact=True).focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => location.hash.includes('dy=2') && location.hash.includes('ex=')")
    page.locator("#ex-shift-strip summary").click()  # the link sits with the answer
    page.locator("#ex-shift-strip .ex-link").click()
    page.wait_for_function("() => location.hash.includes('ex=shift-strip')")
    assert page.locator("#ex-shift-strip").get_attribute("open") is not None


def test_neuron_half_is_solved_only_with_an_input_that_counts(page):
    open_chapter(page, "#ch=1")
    wait_exercises(page, len(lessons.exercises("neuron")))
    # All inputs 0 gives 0.5 too, but proves nothing: not solved.
    assert "only because every input that counts is 0" in wait_check(page, "neuron-half", "Not")
    open_chapter(page, "#ch=1&x1=1&x3=0")
    assert "0.8808" in wait_check(page, "neuron-half", "Not yet")
    open_chapter(page, "#ch=1&x1=1&x3=1")
    text = wait_check(page, "neuron-half", "Solved")
    assert "x1 = 1.00, x3 = 1.00" in text
    assert page.locator("#ex-neuron-half").get_attribute("data-solved") == "true"


# The page's own modules find an image and a small move that fools the network only.
FIND_FOOL = """async () => {
  const { model, testSet, imageInto } = await import("/static/js/data.js");
  const { pickModels } = await import("/static/js/training.js");
  const { argmax, proba, shiftInto } = await import("/static/js/nn.js");
  const picked = await pickModels();
  const [lr, mlp, test] = await Promise.all(
    [model(picked.lr.model_key), model(picked.mlp.model_key), testSet()]);
  const x = new Float32Array(784), moved = new Float32Array(784);
  const says = (m, v) => m.classes[argmax(proba(m, v))];
  for (let i = 0; i < test.n; i++) {
    imageInto(test, i, x);
    const label = test.labels[i];
    if (says(mlp, x) !== label) continue;
    for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) {
      if (!dy && !dx) continue;
      shiftInto(x, dy, dx, true, moved);
      if (says(mlp, moved) !== label && says(lr, moved) === label) return { i, dy, dx };
    }
  }
  return null;
}"""


def test_shift_fool_is_solved_by_a_move_that_fools_only_the_network(page, trained):
    open_chapter(page, "#ch=5")
    wait_exercises(page, len(lessons.exercises("shift")))
    found = page.evaluate(FIND_FOOL)
    assert found is not None, "no test image is fooled by a small move: check the models"
    i, dy, dx = found["i"], found["dy"], found["dx"]
    open_chapter(page, f"#ch=5&img={i}&dy=0&dx=0&wrap=1")
    assert "move the digit first" in wait_check(page, "shift-fool", "Not yet")
    open_chapter(page, f"#ch=5&img={i}&dy={dy}&dx={dx}&wrap=1")
    assert f"moved by {dy} down and {dx} right" in wait_check(page, "shift-fool", "Solved")


def test_chapter5_states_its_numbers_and_its_limits(page, trained):
    open_chapter(page, "#ch=5&img=0&dy=12&dx=2&wrap=0&row=14")
    page.wait_for_function(
        "() => /Scored on the first [0-9,]+ test images/.test(document.body.textContent)",
        timeout=30_000,
    )
    text = page.locator("main").text_content()
    assert "[object Object]" not in text
    assert "beyond the curve, which stops at ±8" in text
    page.wait_for_function("() => !document.querySelector('.conclusion').hidden")
    conclusion = page.locator(".conclusion").text_content()
    assert conclusion.startswith("Moving every test image 1, 2 and 3 rows either way")
    assert "logistic regression falls from" in conclusion
    assert "hidden-layer network falls from" in conclusion
    # Row 14 moved 12 down and 2 right, without wrapping: both moves are told.
    assert "now row 26, and every pixel in it also moved 2 columns right" in text
    assert "pushed past the right edge are lost" in text


def test_make_it_overfit_solves_the_exercise_and_the_conclusion_reads_the_gap(page):
    open_chapter(page, "#ch=7&sizes=8,32")
    wait_exercises(page, len(lessons.exercises("sweep")))
    assert wait_check(page, "sweep-overfit", "Run a sweep first")
    page.get_by_role("button", name="Make it overfit").click()
    wait_check(page, "sweep-overfit", "Solved", timeout_ms=120_000)
    page.wait_for_function(
        "() => /Finished/.test(document.querySelector('.progress [role=status]').textContent)",
        timeout=120_000,
    )
    # Read the check once every network is in: results stream in, largest first, so the
    # widest gap can change when the last one arrives.
    text = wait_check(page, "sweep-overfit", "Solved")
    hash_ = page.evaluate("location.hash")
    assert all(part in hash_ for part in ("alpha=0", "es=0", "ntrain=500", "sizes=8,32"))
    # The sentence quotes the training and test accuracy the table shows for the widest gap.
    rows = page.locator("table.data tr").all_text_contents()
    assert len(rows) == 3
    conclusion = page.locator(".conclusion").text_content()
    assert "Training accuracy runs ahead of test accuracy" in conclusion
    gap = text.split("a gap of ")[1].split(" points")[0]
    assert f"({gap} points)" in conclusion
