"""The page switches dataset from its sidebar; the URL names the dataset and keeps it."""

from __future__ import annotations

import pytest

from browser.test_pages import open_chapter

pytestmark = pytest.mark.slow


def header(page) -> str:
    return page.locator("#dataset-name").text_content()


def test_the_page_switches_dataset_and_the_link_keeps_it(page):
    open_chapter(page, "#ch=2")
    page.wait_for_function(
        "() => /8,000 training/.test(document.getElementById('dataset-name').textContent)"
    )
    page.select_option("#dataset-choice", "embedded")
    page.wait_for_function(
        "() => /embedded/i.test(document.getElementById('dataset-name').textContent)",
        timeout=30_000,
    )
    assert "data=embedded" in page.evaluate("location.hash")
    assert "4,000 training" in header(page)
    # Moving to another chapter keeps the dataset in the link.
    page.locator('.toc a[data-ch="4"]').click()
    page.wait_for_function(
        "() => location.hash.includes('ch=4') && location.hash.includes('data=embedded')"
    )
    assert page.locator("#dataset-choice").input_value() == "embedded"
    # A fresh page from that link opens on the same dataset.
    link = page.url
    fresh = page.context.new_page()
    fresh.goto(link)
    fresh.wait_for_function(
        "() => /embedded/i.test(document.getElementById('dataset-name').textContent)",
        timeout=30_000,
    )
    fresh.close()
    # Back to the dataset the lab was started with.
    page.select_option("#dataset-choice", "default")
    page.wait_for_function(
        "() => /8,000 training/.test(document.getElementById('dataset-name').textContent)"
    )
    assert "data=" not in page.evaluate("location.hash")
