"""Every chapter of the web lab, driven in headless Chromium against the real app and data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import REPO

pytestmark = pytest.mark.slow

# A checksum of a canvas's pixels and how many distinct colours it holds (up to 64).
CANVAS_PIXELS = """(selector) => {
  const c = document.querySelector(selector);
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let hash = 0;
  const colours = new Set();
  for (let i = 0; i < d.length; i += 4) {
    hash = (Math.imul(hash, 31) + d[i] * 65599 + d[i + 1] * 257 + d[i + 2]) >>> 0;
    if (colours.size < 64) colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
  }
  return { hash, colours: colours.size };
}"""


def fig(name: str) -> str:
    """CSS selector of a figure's canvas."""
    return f'figure[data-fig="{name}"] canvas'


def pixels(page, name: str) -> dict:
    return page.evaluate(CANVAS_PIXELS, fig(name))


def assert_drawn(page, name: str, min_colours: int = 3) -> dict:
    """The figure's canvas holds a real picture, not a blank or one-colour area."""
    page.wait_for_function(
        f"() => ({CANVAS_PIXELS})({fig(name)!r}).colours >= {min_colours}", timeout=20_000
    )
    return pixels(page, name)


def open_chapter(page, hash_: str) -> None:
    page.goto(f"{page.lab_url}/{hash_}")
    page.wait_for_selector("main h1")


def wait_trained(page, timeout_ms: int = 60_000) -> str:
    """Wait for the training panel to report the end of training; return its status."""
    status = page.locator(".progress [role=status]").first
    page.wait_for_function(
        "() => /Finished|Already trained/.test(document.querySelector"
        "('.progress [role=status]').textContent)",
        timeout=timeout_ms,
    )
    return status.text_content()


def wait_hash(page, part: str) -> None:
    """Wait until the URL hash (written shortly after a change) contains ``part``."""
    page.wait_for_function("(part) => location.hash.includes(part)", arg=part, timeout=5_000)


def shoot(page, screenshots: Path, name: str) -> None:
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)


def readme_screenshot(page, heading: str) -> None:
    """The README's picture (copy it to docs/screenshot.png to refresh the README): the view
    scrolled to `heading`, table of contents alongside. Tests never write into the source tree."""
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.get_by_role("heading", name=heading).evaluate(
        "(h) => window.scrollTo(0, h.getBoundingClientRect().top + window.scrollY - 16)"
    )
    page.screenshot(path=str(REPO / "artifacts" / "screenshots" / "readme.png"))


def readout(page, label: str) -> str:
    """The value shown under a readout label such as "test accuracy"."""
    return page.locator(".readout div", has_text=label).first.locator(".v").text_content()


def wait_readout(page, label: str, value: str) -> str:
    """The readout once it shows ``value``: an input's redraw lands within a frame, and when
    a frame is already busy, on the next one."""
    page.wait_for_function(
        "([label, value]) => [...document.querySelectorAll('.readout div')].some((d) =>"
        " d.textContent.includes(label) && d.querySelector('.v')?.textContent === value)",
        arg=[label, value],
        timeout=2_000,
    )
    return readout(page, label)


def test_neuron_responds_to_inputs_weights_and_activation(page, screenshots):
    open_chapter(page, "#ch=1")
    assert wait_readout(page, "z = w·x + b", "0.000") == "0.000"
    assert wait_readout(page, "output", "0.5000") == "0.5000"
    cells = assert_drawn(page, "neuron-inputs-weights")
    curve = assert_drawn(page, "neuron-activation")

    slider = page.get_by_label("input x2", exact=True)
    slider.focus()
    page.keyboard.press("End")  # keyboard only: x2 = 1, so z = 4
    assert wait_readout(page, "z = w·x + b", "4.000") == "4.000"
    assert wait_readout(page, "output", "0.9820") == "0.9820"
    assert pixels(page, "neuron-inputs-weights") != cells
    assert pixels(page, "neuron-activation") != curve
    wait_hash(page, "x2=1")

    page.get_by_label("activation", exact=True).select_option("relu")
    assert wait_readout(page, "output", "4.0000") == "4.0000"
    page.get_by_label("weight w2", exact=True).fill("-1")
    assert wait_readout(page, "z = w·x + b", "-1.000") == "-1.000"
    assert wait_readout(page, "output", "0.0000") == "0.0000"
    weight = page.get_by_label("weight w2", exact=True)
    weight.fill("")
    weight.press_sequentially("-2.5")  # typed key by key: "-" alone must not be undone
    assert wait_readout(page, "z = w·x + b", "-2.500") == "-2.500"
    weight.press("Tab")
    assert weight.input_value() == "-2.5"

    answers = page.locator("details.exercise")  # from lessons/exercises.json
    page.wait_for_function("() => document.querySelectorAll('details.exercise').length === 6")
    half = page.locator("#ex-neuron-half")
    assert not half.locator("p").first.is_visible()
    half.locator("summary").click()
    assert "z = 0" in half.text_content()
    assert answers.count() == 6
    shoot(page, screenshots, "ch1-neuron")


def test_rows_strip_follows_the_row_slider_and_browser(page, screenshots):
    open_chapter(page, "#ch=2&cls=3&k=0&row=14")
    assert_drawn(page, "rows-digit")
    strip = assert_drawn(page, "rows-strip")
    assert "2,000" in page.locator("table.data").text_content()
    wait_hash(page, "row=14")

    page.get_by_label("image row", exact=True).focus()
    page.keyboard.press("ArrowUp")
    wait_hash(page, "row=15")
    assert pixels(page, "rows-strip") != strip

    digit = pixels(page, "rows-digit")
    page.locator(".thumbs button").nth(5).click()
    wait_hash(page, "k=5")
    assert pixels(page, "rows-digit") != digit
    assert "number 5 of" in page.locator("main").text_content()
    shoot(page, screenshots, "ch2-rows")


def test_pair_trains_from_the_page(page, screenshots):
    open_chapter(page, "#ch=3&a=1&b=8")
    page.get_by_role("button", name="Train logistic regression").click()
    wait_trained(page)
    accuracy = readout(page, "test accuracy")
    assert re.fullmatch(r"\d+\.\d%", accuracy)
    assert float(accuracy[:-1]) > 90
    assert page.locator("table.confusion button").count() == 4
    for name in ("pair-mean-a", "pair-mean-b", "pair-overlay", "pair-difference", "pair-weights"):
        assert_drawn(page, name)
    assert_drawn(page, "pair-weights-strip")
    before = pixels(page, "pair-mean-b")
    page.get_by_label("second digit", exact=True).select_option("7")
    page.wait_for_function(
        f"() => ({CANVAS_PIXELS})({fig('pair-mean-b')!r}).hash !== {before['hash']}"
    )
    wait_hash(page, "b=7")
    shoot(page, screenshots, "ch3-pair")
    page.get_by_label("second digit", exact=True).select_option("8")
    page.wait_for_function(
        f"() => ({CANVAS_PIXELS})({fig('pair-mean-b')!r}).hash === {before['hash']}"
    )
    readme_screenshot(page, "Means, difference and weights")


def test_ten_outputs_follow_the_image_picker(page, trained, screenshots):
    open_chapter(page, "#ch=4&digit=3&img=0")
    assert_drawn(page, "ten-weight-maps", min_colours=20)
    assert re.fullmatch(r"\d+\.\d%", readout(page, "test accuracy"))
    assert page.locator("table.confusion button").count() == 100
    page.wait_for_function("() => /loudest neuron is \\d/.test(document.body.textContent)")
    bars = pixels(page, "ten-outputs")
    image = pixels(page, "ten-image")
    page.get_by_label("test image", exact=True).focus()
    page.keyboard.press("ArrowRight")
    wait_hash(page, "img=1")
    assert pixels(page, "ten-image") != image
    assert pixels(page, "ten-outputs") != bars
    assert_drawn(page, "ten-weights")
    shoot(page, screenshots, "ch4-ten")


def test_shift_moves_digit_strip_and_predictions(page, trained, screenshots):
    open_chapter(page, "#ch=5&img=0&dy=0&dx=0&wrap=1&row=14&axis=vertical")
    page.wait_for_function("() => /Scored on/.test(document.body.textContent)", timeout=30_000)
    curve = assert_drawn(page, "shift-accuracy-curve")
    moved = pixels(page, "shift-moved")
    strip = pixels(page, "shift-strip-moved")
    assert pixels(page, "shift-original") == moved
    page.get_by_label("move down (rows)", exact=True).focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    wait_hash(page, "dy=3")
    assert pixels(page, "shift-moved") != moved
    assert pixels(page, "shift-strip-moved") != strip
    assert "now row 17" in page.locator("main").text_content()
    assert pixels(page, "shift-accuracy-curve") != curve  # the marker moved
    assert page.locator("main").text_content().count("Says ") == 2
    page.get_by_label("wrap around the edges", exact=True).uncheck()
    wait_hash(page, "wrap=0")
    shoot(page, screenshots, "ch5-shift")


def test_hidden_layer_trains_live_from_the_page(page, trained, screenshots):
    open_chapter(page, "#ch=6&preset=fast&hidden=16&epochs=4&img=0")
    page.get_by_role("button", name="Train the network").click()
    wait_trained(page)
    results = page.locator(".results").first
    accuracy = results.locator(".readout .v").first.text_content()
    assert re.fullmatch(r"\d+\.\d%", accuracy), accuracy
    assert float(accuracy[:-1]) > 80
    assert_drawn(page, "loss-curve")
    assert_drawn(page, "hidden-weight-maps", min_colours=20)
    products = assert_drawn(page, "hidden-weighted-inputs", min_colours=10)
    probs = assert_drawn(page, "hidden-probabilities")
    assert page.locator(".results").nth(1).locator("table.confusion").count() == 1
    page.get_by_label("test image", exact=True).focus()
    page.keyboard.press("ArrowRight")
    assert pixels(page, "hidden-weighted-inputs") != products
    assert pixels(page, "hidden-probabilities") != probs
    assert "the network answers" in page.locator("main").text_content()
    shoot(page, screenshots, "ch6-hidden")


def test_training_can_be_cancelled(page):
    open_chapter(page, "#ch=6&preset=module&hidden=300&img=0")
    page.get_by_role("button", name="Train the network").click()
    page.wait_for_function(
        "() => /Epoch \\d+ of/.test(document.querySelector('.progress [role=status]').textContent)",
        timeout=30_000,
    )
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_function(
        "() => document.querySelector('.progress [role=status]').textContent === 'Cancelled.'",
        timeout=30_000,
    )
    assert page.get_by_role("button", name="Train the network").is_enabled()


def test_sweep_plots_accuracy_and_weight_grids(page, screenshots):
    open_chapter(page, "#ch=7&sizes=4,9&seeds=1&preset=fast")
    page.get_by_role("button", name="Run the sweep").click()
    wait_trained(page, timeout_ms=90_000)
    assert_drawn(page, "sweep-accuracy")
    assert_drawn(page, "sweep-weights-4", min_colours=10)
    assert_drawn(page, "sweep-weights-9", min_colours=10)
    assert page.locator("table.data tr").count() == 3
    shoot(page, screenshots, "ch7-sweep")


def test_drawn_digit_gets_predictions(page, trained, screenshots):
    open_chapter(page, "#ch=8")
    page.wait_for_function("() => !/Not trained/.test(document.body.textContent)")
    seen = pixels(page, "draw-28x28")
    box = page.locator("canvas.drawpad").bounding_box()
    page.mouse.move(box["x"] + 150, box["y"] + 40)
    page.mouse.down()
    for i in range(1, 25):
        page.mouse.move(box["x"] + 150 - i, box["y"] + 40 + i * 8)
    page.mouse.up()
    assert pixels(page, "draw-28x28") != seen
    assert re.fullmatch(r"\d", readout(page, "logistic regression"))
    assert re.fullmatch(r"\d", readout(page, "network"))
    assert "% sure" in page.locator('figure[data-fig="draw-predictions-mlp"]').text_content()
    assert_drawn(page, "draw-predictions-mlp")
    shoot(page, screenshots, "ch8-draw")


def test_confusion_cell_shows_those_test_images(page, trained, screenshots):
    open_chapter(page, f"#ch=9&model={trained['lr']}&t=4&p=9")
    page.wait_for_selector("table.confusion button")
    cell = page.get_by_role("button", name=re.compile(r"^true 3, predicted 5: \d+ images"))
    count = int(cell.get_attribute("aria-label").split(": ")[1].split()[0])
    cell.click()
    wait_hash(page, "&t=3")
    wait_hash(page, "&p=5")
    page.wait_for_function(
        "() => /taken for 5/.test(document.querySelector('main h2').textContent)"
    )
    assert re.fullmatch(
        rf"{count} test images? of 3 taken for 5", page.locator("main h2").first.text_content()
    )
    assert page.locator(".thumbs figure").count() == min(count, 120)
    if count:
        assert re.fullmatch(r"#\d+ · \d+%", page.locator(".thumbs figcaption").first.text_content())
    shoot(page, screenshots, "ch9-mistakes")


def test_link_restores_the_exact_view(page):
    open_chapter(
        page, "#ch=1&x1=0.5&x2=0&x3=0&x4=0&x5=0&w1=3&w2=4&w3=-2&w4=0&w5=-4&bias=1&act=linear"
    )
    assert wait_readout(page, "z = w·x + b", "2.500") == "2.500"
    assert wait_readout(page, "output", "2.5000") == "2.5000"
    assert page.get_by_label("activation", exact=True).input_value() == "linear"
    assert page.get_by_label("weight w1", exact=True).input_value() == "3"
    open_chapter(page, "#ch=3&a=2&b=7")
    assert page.get_by_label("first digit", exact=True).input_value() == "2"
    assert page.get_by_label("second digit", exact=True).input_value() == "7"
    assert (
        page.locator(".toc a[aria-current=page]").text_content().endswith("Two digits, one neuron")
    )
    page.goto(f"{page.lab_url}/#ch=2&cls=7&k=4&row=3")
    page.wait_for_function("() => /a 7, number 4 of/.test(document.body.textContent)")
    assert page.get_by_label("image row", exact=True).input_value() == "3"


def test_figures_export_as_png(page):
    open_chapter(page, "#ch=1")
    with page.expect_download() as download:
        page.locator('figure[data-fig="neuron-activation"] button.export').click()
    assert download.value.suggested_filename == "neuron-activation.png"
    assert Path(download.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_model_file_downloads_and_uploads(page, trained, tmp_path):
    open_chapter(page, "#ch=1")
    page.wait_for_function(
        "() => document.querySelectorAll('#model-download option[value]').length >= 2"
    )
    page.select_option("#model-download", trained["mlp"])
    with page.expect_download() as download:
        page.click("#model-download-link")
    saved = tmp_path / "network.npz"
    download.value.save_as(saved)
    page.set_input_files("#model-upload", str(saved))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_function(
        "() => /^Loaded /.test(document.getElementById('upload-status').textContent)"
    )
    assert "test accuracy" in page.locator("#upload-status").text_content()
    page.get_by_role("link", name="Look inside it").click()
    wait_hash(page, "ch=6")
    assert_drawn(page, "hidden-weight-maps", min_colours=20)
    # Uploads get a unique key (upload-<name>-<hash>), so two students' files never collide.
    assert re.fullmatch(r"upload-network(-[0-9a-f]+)?", page.locator("#hidden-model").input_value())
