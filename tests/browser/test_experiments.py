"""The experiments of chapters 3, 4 and 6 in Chromium on real MNIST: knobs that retrain and live
in the URL, the training time machine, and a hidden unit opened from the weight grid."""

from __future__ import annotations

from pathlib import Path

import pytest

from browser.test_pages import assert_drawn, open_chapter, pixels, shoot, wait_trained

pytestmark = pytest.mark.slow


def wait_hash_field(page, name: str, value: str) -> None:
    """Wait until the URL hash holds ``name=value`` exactly (the hash is written shortly after)."""
    page.wait_for_function(
        "([n, v]) => new URLSearchParams(location.hash.slice(1)).get(n) === v",
        arg=[name, value],
        timeout=5_000,
    )


def facts(page) -> str:
    return page.locator(".facts").first.text_content()


def wait_facts(page, text: str, timeout_ms: int = 60_000) -> None:
    try:
        page.wait_for_function(
            "(t) => (document.querySelector('.facts')?.textContent || '').includes(t)",
            arg=text,
            timeout=timeout_ms,
        )
    except Exception as exc:
        status = page.locator(".progress [role=status]").first.text_content()
        raise AssertionError(
            f"facts {facts(page)!r} never showed {text!r}; status {status!r}"
        ) from exc


def test_chapter3_C_drag_retrains_and_the_url_restores_it(page, screenshots):
    open_chapter(page, "#ch=3&a=1&b=8")
    page.get_by_role("button", name="Train logistic regression").click()
    wait_trained(page)
    wait_facts(page, "C = 0.001")
    course = assert_drawn(page, "pair-weights-map")

    # Keyboard only: six steps up the 1-2-5 ladder, 0.001 -> 1.
    slider = page.get_by_label("regularisation C", exact=False)
    slider.focus()
    for _ in range(9):
        page.keyboard.press("ArrowRight")
    wait_hash_field(page, "C", "1")
    wait_facts(page, "C = 1:")
    loose = pixels(page, "pair-weights-map")
    assert loose != course, "the weight map did not change with C"
    text = facts(page)
    train, test = (float(v.rstrip("%")) for v in _percentages(text)[:2])
    assert train > test, f"a weak penalty should fit the training digits better: {text}"
    shoot(page, screenshots, "ch3-C-1")

    # Back to the course's C: that fit was kept, so it shows without training again.
    for _ in range(9):
        page.keyboard.press("ArrowLeft")
    wait_facts(page, "C = 0.001:")
    wait_hash_field(page, "C", "0.001")
    assert pixels(page, "pair-weights-map") == course

    # A link names the experiment: a fresh page on C=1 shows the C=1 weights.
    open_chapter(page, "#ch=3&a=1&b=8&C=1")
    wait_facts(page, "C = 1:")
    assert page.get_by_label("regularisation C", exact=False).get_attribute("aria-valuetext") == "1"


def test_chapter4_multinomial_is_a_knob(page):
    open_chapter(page, "#ch=4&mc=multinomial&C=0.01")
    page.get_by_role("button", name="Train the ten neurons").click()
    wait_trained(page, timeout_ms=120_000)
    wait_facts(page, "multinomial")
    assert "C = 0.01" in facts(page)
    assert_drawn(page, "ten-weight-maps")
    # The diagram's output neurons pick the digit compared with the rest.
    page.locator('[data-output="7"]').click()
    wait_hash_field(page, "digit", "7")


def test_chapter6_knobs_replay_and_a_unit_opened_by_keyboard(page, screenshots):
    open_chapter(page, "#ch=6")
    page.get_by_role("button", name="Fast defaults").click()
    wait_hash_field(page, "preset", "fast")
    hidden = page.get_by_label("hidden units", exact=True)
    hidden.fill("16")
    hidden.press("Tab")
    wait_hash_field(page, "hidden", "16")
    page.get_by_role("button", name="Train the network").click()
    wait_trained(page, timeout_ms=120_000)
    final = assert_drawn(page, "hidden-weight-maps")
    page.wait_for_function("() => window.__neuronlab?.facts?.epochs_held > 1", timeout=20_000)

    # Replay: the first epoch's weights are not the final ones; the confusion matrix follows.
    page.get_by_label("one epoch back").click()
    scrub = page.get_by_label("replay: epoch shown")
    scrub.focus()
    page.keyboard.press("Home")
    wait_hash_field(page, "epoch", "1")
    page.wait_for_function("() => window.__neuronlab?.facts?.epoch === 1", timeout=20_000)
    first = pixels(page, "hidden-weight-maps")
    assert first != final, "the weight grid at epoch 1 equals the final one"
    assert "After epoch 1" in page.locator(".results .note").first.text_content()
    shoot(page, screenshots, "ch6-replay-epoch1")
    page.get_by_role("button", name="play the training run").click()
    page.wait_for_function(
        "() => window.__neuronlab?.facts?.epoch > 1 || location.hash.includes('epoch=0')",
        timeout=20_000,
    )

    # Open unit 1 with the keyboard only: focus the grid, one step right, Enter.
    page.locator('figure[data-fig="hidden-weight-maps"] canvas').focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    wait_hash_field(page, "unit", "1")
    panel = page.locator(".unit-panel")
    panel.wait_for(state="visible")
    assert panel.locator("h2").text_content().startswith("Hidden unit 1")
    assert panel.locator(".thumbs").first.locator("canvas").count() == 9
    assert "votes" in panel.text_content()
    assert_drawn(page, "unit-votes")
    shoot(page, screenshots, "ch6-unit-panel")
    page.keyboard.press("Escape")
    wait_hash_field(page, "unit", "-1")

    # Continue training: the same network goes on from its last epoch (no restart).
    held = page.evaluate("window.__neuronlab.facts.epochs_held")
    page.get_by_label("epochs to continue").fill("3")
    page.get_by_role("button", name="Continue training").click()
    page.wait_for_function(
        "() => /-plus3$/.test(new URLSearchParams(location.hash.slice(1)).get('model'))",
        timeout=60_000,
    )
    page.wait_for_function(
        f"() => window.__neuronlab?.facts?.epochs_held === {held + 3}", timeout=30_000
    )


def _percentages(text: str) -> list[str]:
    import re

    return re.findall(r"\d+\.\d%", text)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_chapter6_opens_a_scikit_learn_network_without_history(page, tmp_path):
    """A network fitted by scikit-learn opens in chapter 6: units and their panel work, and the
    time machine says there is no history to replay instead of offering a dead scrubber."""
    import httpx
    from sklearn.neural_network import MLPClassifier

    from neuronlab import save_model
    from neuronlab.data import load

    digits = load(Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mnist")
    X, y = digits.X_train()[:2000], digits.train_labels[:2000]
    net = MLPClassifier(hidden_layer_sizes=(9,), max_iter=30, random_state=0).fit(X, y)
    path = save_model(net, tmp_path / "sk-net.npz")
    with path.open("rb") as fh:
        answer = httpx.post(
            f"{page.lab_url}/api/models/upload",
            files={"file": ("sk-net.npz", fh, "application/octet-stream")},
            headers={"X-Neuronlab": "1"},
            timeout=60,
        )
    answer.raise_for_status()
    key = answer.json()["model_key"]
    open_chapter(page, f"#ch=6&model={key}&unit=3")
    page.locator(".unit-panel").wait_for(state="visible")
    assert page.locator(".unit-panel h2").text_content().startswith("Hidden unit 3")
    assert "no training history" in page.locator(".replay + .note").text_content()
    assert page.get_by_label("replay: epoch shown").is_disabled()
    assert_drawn(page, "hidden-weight-maps", min_colours=20)
