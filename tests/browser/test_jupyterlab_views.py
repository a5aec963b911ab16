"""The widgets at JupyterLab's usual width and in its dark theme: the five panels stay in one
row, the neuron and its curve side by side, and every list and number box stays readable."""

from __future__ import annotations

import pytest
from conftest import require

from browser.conftest import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, PageLog
from browser.test_jupyterlab import jupyterlab, open_and_run  # noqa: F401  (the fixture)

pytestmark = pytest.mark.slow
pytest.importorskip("anywidget")

# Each select and number box of the widgets: its text colour on its own background, as WCAG
# contrast (1 = invisible, 21 = black on white).
CONTRASTS = """() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const w = ".neuronlab-widget";
  const fields = document.querySelectorAll(
    `${w} select, ${w} input[type=number], ${w} input[type=text]`);
  return [...fields].map((e) => {
    const s = getComputedStyle(e);
    const [a, b] = [lum(rgb(s.color)), lum(rgb(s.backgroundColor))];
    const contrast = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    return { field: e.dataset.field || e.tagName, contrast };
  });
}"""
# The tops of a widget's figure cards in one .figs row (equal tops: one row, nothing wrapped).
TOPS = """([n, selector]) => {
  const widget = document.querySelectorAll(".neuronlab-widget")[n];
  const row = widget.querySelector(selector);
  return [...row.children].map((f) => Math.round(f.getBoundingClientRect().top));
}"""


def test_widgets_fit_labs_width_and_read_well_in_its_dark_theme(jupyterlab: str) -> None:  # noqa: F811
    require(CHROMIUM, "Chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        # A common laptop screen, JupyterLab's file browser open beside the notebook.
        page = browser.new_page(viewport={"width": 1280, "height": 2400})
        log = PageLog()
        page.on("pageerror", lambda error: log.errors.append(str(error)))
        open_and_run(page, jupyterlab)
        widgets = page.locator(".neuronlab-widget")
        neuron = page.evaluate(TOPS, [0, ".figs.share"])
        assert len(neuron) == 2 and len(set(neuron)) == 1, f"the neuron view stacks: {neuron}"
        panels = page.evaluate(TOPS, [4, ".figs.five"])
        assert len(panels) == 5 and len(set(panels)) == 1, f"the five panels wrap: {panels}"
        for i in range(widgets.count()):
            box = widgets.nth(i).evaluate("(w) => [w.scrollWidth, w.clientWidth]")
            assert box[0] <= box[1] + 1, f"widget {i} scrolls sideways: {box}"

        page.evaluate(
            "() => window.jupyterapp.commands.execute('apputils:change-theme',"
            " { theme: 'JupyterLab Dark' })"
        )
        page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")
        page.wait_for_timeout(500)
        fields = page.evaluate(CONTRASTS)
        assert len(fields) >= 5
        unreadable = [f for f in fields if f["contrast"] < 4.5]
        assert unreadable == [], f"fields unreadable in the dark theme: {unreadable}"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        widgets.nth(3).evaluate("(w) => w.scrollIntoView({ block: 'start' })")
        page.wait_for_timeout(300)
        page.screenshot(path=str(SCREENSHOTS / "notebook-dark.png"))
        browser.close()
    assert log.errors == [], f"script errors in JupyterLab: {log.errors}"
