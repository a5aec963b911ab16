"""Every view right for a person: mistakes that match their confusion cells, PNGs a slide can
use, a phone-sized screen, the keyboard, readable model names, plain messages, and a dataset
that is not digits (Fashion-MNIST), in headless Chromium against the real lab."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from browser.conftest import PageLog, api_post, wait_for_job
from browser.test_pages import open_chapter, shoot

pytestmark = pytest.mark.slow

FIRST_CELL_LABEL = re.compile(r"^true (.+), predicted (.+): (\d+) images$")


@contextmanager
def opened(browser, url: str, width: int = 1400) -> Iterator[object]:
    """A page of the lab at ``url`` (its own context), checked for script errors on leaving."""
    context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
    page = context.new_page()
    log = PageLog()
    page.on("request", lambda request: log.urls.append(request.url))
    page.on("pageerror", lambda error: log.errors.append(str(error)))
    page.lab_url = url
    try:
        yield page
    finally:
        context.close()
    assert log.errors == [], f"script errors on the page: {log.errors}"
    assert log.foreign() == [], f"the page contacted other hosts: {log.foreign()}"


def train(url: str, body: dict) -> str:
    started = api_post(url, "/api/train", body)
    wait_for_job(url, started["job_id"])
    return started["model_key"]


@pytest.fixture(scope="module")
def pair_key(lab_url: str) -> str:
    """1 vs 8, the course's pair, trained through the API."""
    return train(lab_url, {"model": "logistic", "preset": "module", "classes": [1, 8]})


def cells(page) -> list[tuple[str, str, int]]:
    labels = page.locator("table.confusion button").evaluate_all(
        "(bs) => bs.map((b) => b.getAttribute('aria-label'))"
    )
    out = []
    for label in labels:
        t, p, n = FIRST_CELL_LABEL.match(label).groups()
        out.append((t, p, int(n)))
    return out


def open_cell(page, t: str, p: str, count: int) -> None:
    """Open one cell by keyboard; the gallery must hold exactly that many images."""
    cell = page.get_by_role("button", name=f"true {t}, predicted {p}: {count} images")
    cell.focus()
    page.keyboard.press("Enter")
    heading = page.locator("#mistakes-gallery")
    word = "correctly recognised" if t == p else f"taken for {p}"
    page.wait_for_function(
        "([t, w]) => { const h = document.getElementById('mistakes-gallery');"
        " return h.textContent.includes(`of ${t}`) && h.textContent.includes(w); }",
        arg=[t, word],
        timeout=20_000,
    )
    shown = int(heading.text_content().split()[0])
    assert shown == count, f"cell true {t} / predicted {p} says {count}, gallery holds {shown}"
    assert page.locator(".thumbs figure").count() == min(count, 120)
    # Enter on a cell takes the focus to what it opened, not to the page's body.
    assert page.evaluate("() => document.activeElement.id") == "mistakes-gallery"


@pytest.mark.parametrize("which", ["pair", "lr", "mlp"])
def test_every_count_in_the_gallery_equals_its_confusion_cell(
    browser, lab_url, trained, pair_key, which, screenshots
):
    key = {"pair": pair_key, **trained}[which]
    with opened(browser, lab_url) as page:
        open_chapter(page, f"#ch=9&model={key}")
        page.wait_for_selector("table.confusion button")
        page.wait_for_function("() => /\\d+ test images? of/.test(document.body.textContent)")
        matrix = cells(page)
        # The page counts the same predictions as the server did for the model's summary.
        summary = page.evaluate(f"() => fetch('/api/models/{key}').then((r) => r.json())")
        assert [n for _, _, n in matrix] == [n for row in summary["confusion"] for n in row]
        off = sorted((c for c in matrix if c[0] != c[1]), key=lambda c: -c[2])
        diagonal = [c for c in matrix if c[0] == c[1]]
        chosen = matrix if which == "pair" else [*off[:3], diagonal[0]]
        for t, p, n in chosen:
            open_cell(page, t, p, n)
        if which == "pair":
            shoot(page, screenshots, "ch9-pair-mistakes")


def png_size(data: bytes) -> tuple[int, int, str, tuple[int, int]]:
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    alpha = image.getchannel("A").getextrema() if "A" in image.getbands() else (255, 255)
    return image.width, image.height, image.mode, alpha


@pytest.mark.parametrize(
    ("hash_", "name"),
    [
        ("#ch=1", "neuron-inputs-weights"),  # a canvas with three colour scales
        ("#ch=4", "ten-network"),  # an SVG drawing
        ("#ch=2", "rows-summary"),  # a table
    ],
)
def test_png_export_is_a_whole_slide(browser, lab_url, hash_, name, tmp_path):
    with opened(browser, lab_url) as page:
        open_chapter(page, hash_)
        card = page.locator(f'figure[data-fig="{name}"]')
        page.wait_for_timeout(500)
        # The bare picture's size: a canvas or drawing as shown, a table as drawn for export.
        picture = page.evaluate(
            """async (name) => {
              const pic = document.querySelector(`figure[data-fig="${name}"]`)
                .querySelector("canvas, svg, table");
              if (pic.tagName !== "TABLE") {
                const r = pic.getBoundingClientRect();
                return { width: r.width, height: r.height };
              }
              const { tableCanvas } = await import("/static/js/draw.js");
              const c = tableCanvas(pic);
              return { width: c.width / 2, height: c.height / 2 };
            }""",
            name,
        )
        with page.expect_download() as download:
            card.locator("button.export").click()
        data = Path(download.value.path()).read_bytes()
    width, height, _, alpha = png_size(data)
    assert alpha == (255, 255), "the PNG must be opaque (labels vanish on a dark slide)"
    # Twice the card: the picture at 2x plus margins, and taller than it by a title and legend.
    assert width >= 2 * picture["width"] and width % 2 == 0
    assert height >= 2 * picture["height"] + 2 * 40, (height, picture)


def test_no_chapter_scrolls_sideways_on_a_phone(browser, lab_url, trained, pair_key, screenshots):
    with opened(browser, lab_url, width=390) as page:
        open_chapter(page, "#ch=1")
        ids = page.locator("#toc a").evaluate_all("(as) => as.map((a) => a.dataset.ch)")
        assert len(ids) >= 9
        for ch in ids:
            open_chapter(page, f"#ch={ch}")
            page.wait_for_timeout(1500)  # let figures and models load
            scroll = page.evaluate("() => document.documentElement.scrollWidth")
            top = page.evaluate("() => document.querySelector('main h1').getBoundingClientRect().y")
            assert scroll <= 390, f"chapter {ch} is {scroll} px wide at 390 px"
            assert top < 200, f"chapter {ch} starts {top:.0f} px down"
            if ch in ("4", "6", "9"):
                shoot(page, screenshots, f"narrow-ch{ch}")
        # The chapter list is one button away, and picking a chapter folds it again.
        page.get_by_role("button", name="Chapters and model files").click()
        page.locator("#toc a[data-ch='3']").click()
        page.wait_for_function("() => location.hash.includes('ch=3')")
        assert not page.locator("#toc").is_visible()


def test_the_keyboard_reaches_the_first_control_and_the_strip_labels_stay_clear(page):
    open_chapter(page, "#ch=5")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to the chapter"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    focused = page.evaluate(
        "() => [document.activeElement.tagName, document.activeElement.id, location.hash]"
    )
    assert focused[0] in ("INPUT", "SELECT"), focused
    assert page.evaluate("() => !!document.activeElement.closest('main .controls')")
    assert "ch=5" in focused[2], "a skip link must not change the chapter"
    # The strip's row label never overprints "pixel 0" or "783", whatever the row.
    overlaps = page.evaluate(
        """async () => {
          const { stripLabelX } = await import('/static/js/panels.js');
          const ctx = document.createElement('canvas').getContext('2d');
          ctx.font = '11px system-ui, sans-serif';
          const left = ctx.measureText('pixel 0').width, right = ctx.measureText('783').width;
          const bad = [];
          for (let row = 0; row < 28; row++) {
            const w = ctx.measureText(`row ${row}: pixels ${row * 28}–${row * 28 + 27}`).width;
            const x = stripLabelX(784, row, w, left, right);
            if (x - w / 2 < left + 4 || x + w / 2 > 784 - right - 4) bad.push(row);
          }
          return bad;
        }"""
    )
    assert overlaps == []


def test_models_have_readable_names_and_a_text_file_is_refused_plainly(
    page, trained, pair_key, tmp_path
):
    open_chapter(page, "#ch=1")
    page.wait_for_function(
        "() => document.querySelectorAll('#model-download option[value]').length >= 3"
    )
    names = page.locator("#model-download option").all_text_contents()
    assert any(n.startswith("Logistic regression, 1 vs 8, course settings") for n in names)
    assert any(n.startswith("Hidden layer, 25 units, fast settings") for n in names), names
    assert not any(re.search(r"\b(mlp|logistic)-", n) for n in names), names
    notes = tmp_path / "notes.npz"
    notes.write_text("my notes about neurons\n")
    page.set_input_files("#model-upload", str(notes))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_function(
        "() => /model file/.test(document.getElementById('upload-status').textContent)"
    )
    status = page.locator("#upload-status").text_content()
    assert "is not a Neuron Lab model file" in status
    assert "pickle" not in status and "allow_pickle" not in status


@pytest.fixture(scope="module")
def fashion(fashion_lab_url: str) -> dict[str, str]:
    """Fashion-MNIST models, on the first training images so the fits stay short."""
    return {
        "lr": train(
            fashion_lab_url,
            {"model": "logistic", "preset": "fast", "multi_class": "ovr", "n_train": 3000},
        ),
        "pair": train(
            fashion_lab_url, {"model": "logistic", "preset": "module", "classes": [1, 8]}
        ),
    }


# Words the page may show only when its classes are the ten digits.
DIGIT_WORDS = re.compile(r"\bdigits?\b", re.I)
NAMED = "main h1, main .lead, main label, main figcaption .title, main h2, main .status"


def visible_text(page, selector: str = NAMED) -> list[str]:
    return page.locator(selector).evaluate_all(
        "(els) => els.filter((e) => e.offsetParent !== null).map((e) => e.textContent)"
    )


def test_fashion_mnist_names_its_classes_everywhere(browser, fashion_lab_url, fashion, screenshots):
    with opened(browser, fashion_lab_url) as page:
        open_chapter(page, "#ch=2&cls=9&k=0&row=14")
        assert "images" in page.locator(".tagline").text_content()
        toc = page.locator("#toc").text_content()
        assert "Ten classes, one vs rest" in toc and "Two classes, one neuron" in toc
        assert "Draw an image" in toc and "digit" not in toc.lower()
        options = page.get_by_label("class", exact=True).locator("option").all_text_contents()
        assert options[9] == "Ankle boot" and options[0] == "T-shirt/top"
        page.wait_for_function("() => /an ankle boot, number 0 of/.test(document.body.textContent)")
        # The class-count chart's names are slanted (no overprint) and its canvas grew for them.
        chart = page.evaluate(
            """async () => {
              const { barLabelLayout } = await import('/static/js/charts.js');
              const names = (await (await fetch('/api/dataset')).json()).class_names;
              const bw = (330 - 56) / names.length; // the chart with its axis name
              const c = document.querySelector('figure[data-fig="rows-class-counts"] canvas');
              return { ...barLabelLayout(names, bw), bw, height: parseFloat(c.style.height) };
            }"""
        )
        assert chart["slant"] and chart["bw"] * 0.707 >= 12 and chart["height"] > 170, chart
        for ch in (2, 3, 4, 8, 9):
            open_chapter(page, f"#ch={ch}&model={fashion['lr']}")
            page.wait_for_timeout(1200)
            strays = [t for t in visible_text(page) if DIGIT_WORDS.search(t)]
            assert strays == [], f"chapter {ch} calls Fashion-MNIST's images digits: {strays}"
        open_chapter(page, "#ch=4&digit=3&img=0")
        page.wait_for_function("() => /shows an ankle boot/.test(document.body.textContent)")
        open_chapter(page, "#ch=3&a=1&b=8")
        page.wait_for_function("() => /Mean of Trouser/.test(document.body.textContent)")
        assert page.get_by_label("first class", exact=True).input_value() == "1"
        shoot(page, screenshots, "fashion-ch3")
        open_chapter(page, f"#ch=9&model={fashion['pair']}")
        page.wait_for_selector("table.confusion button")
        t, p, n = next(c for c in cells(page) if c[0] != c[1])
        assert {t, p} == {"Trouser", "Bag"}
        open_cell(page, t, p, n)
        shoot(page, screenshots, "fashion-ch9")


@pytest.fixture
def offline_lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd) -> Iterator[str]:
    """A lab started with no --data on a computer that reaches no mirror (its terminal
    captured from the start: the lab says what happened as soon as it falls back)."""
    from browser.conftest import serve_app
    from neuronlab.web.app import create_app

    monkeypatch.setenv("NEURONLAB_MIRRORS", "http://127.0.0.1:9/")  # nothing listens there
    yield from serve_app(create_app(None, cache_dir=tmp_path))


def test_an_offline_first_start_says_so_plainly_and_the_banner_closes(browser, offline_lab, capfd):
    with opened(browser, offline_lab) as page:
        open_chapter(page, "#ch=1")
        notice = page.locator("#notice")
        page.wait_for_function(
            "() => /built-in/.test(document.getElementById('notice-text').textContent)",
            timeout=60_000,
        )
        text = page.locator("#notice-text").text_content()
        assert text.startswith("MNIST could not be downloaded")
        assert "connect to the internet" in text
        for raw in ("http", "Errno", "`", "<cache>"):
            assert raw not in text, f"the banner shows {raw!r}: {text}"
        page.get_by_role("button", name="Dismiss this message").click()
        assert not notice.is_visible()
        page.reload()
        page.wait_for_selector("main h1")
        page.wait_for_timeout(500)
        assert not notice.is_visible(), "a dismissed banner came back on reload"
    terminal = capfd.readouterr().err
    assert "MNIST could not be downloaded" in terminal and "built-in" in terminal
