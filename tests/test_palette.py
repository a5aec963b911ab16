"""One palette: red/blue and green/magenta mean the sign of a weight and of an input times a
weight, nothing else. Models, splits, right/wrong and highlights take the colours of
palette.js, and the static figures use the same values (plots/_style.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from neuronlab.plots import _style

SRC = Path(_style.__file__).parents[1]
JS = SRC / "web" / "static" / "js"
PALETTE = (JS / "palette.js").read_text(encoding="utf-8")
# The two files that define colours; every other file takes its colours from them.
DEFINING = {"palette.js", "colormaps.js"}
HEX = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")


def rgb(code: str) -> tuple[int, int, int]:
    code = code.lstrip("#")
    if len(code) == 3:
        code = "".join(c * 2 for c in code)
    return int(code[0:2], 16), int(code[2:4], 16), int(code[4:6], 16)


def is_grey(code: str) -> bool:
    """Ink, paper and rule colours: no hue to be read as a weight's sign."""
    r, g, b = rgb(code)
    return max(r, g, b) - min(r, g, b) <= 40


def palette_value(name: str) -> str:
    match = re.search(rf'export const {name} = "(#[0-9a-fA-F]{{6}})"', PALETTE)
    assert match, f"palette.js has no {name}"
    return match.group(1).lower()


def palette_entry(group: str, key: str) -> str:
    block = re.search(rf"export const {group} = \{{(.*?)\n\}};", PALETTE, re.S)
    assert block, f"palette.js has no {group}"
    line = re.search(rf'\b{key}: \{{ color: "(#[0-9a-fA-F]{{6}})"', block.group(1))
    assert line, f"palette.js {group} has no {key}"
    return line.group(1).lower()


ALLOWED = {c.lower() for c in HEX.findall(PALETTE)}


@pytest.mark.parametrize(
    "path", sorted(p for p in JS.rglob("*.js") if p.name not in DEFINING), ids=lambda p: p.name
)
def test_page_and_widget_colours_come_from_the_palette(path: Path) -> None:
    strays = [
        c
        for c in HEX.findall(path.read_text(encoding="utf-8"))
        if not is_grey(c) and c.lower() not in ALLOWED
    ]
    assert strays == [], f"{path.name} paints with {strays}: take them from palette.js"


def test_static_figures_use_the_pages_values() -> None:
    assert palette_entry("SPLITS", "train") == _style.TRAIN_COLOUR
    assert palette_entry("SPLITS", "test") == _style.TEST_COLOUR
    assert palette_entry("SPLITS", "loss") == _style.LOSS_COLOUR
    assert palette_value("WINNER") == _style.WINNER_COLOUR
    assert palette_value("OTHER") == _style.OTHER_COLOUR
    assert palette_value("HIGHLIGHT") == _style.HIGHLIGHT_COLOUR
    for kind, colour in _style.MODEL_COLOURS.items():
        assert colour == palette_entry("MODELS", kind), kind


NAMED = re.compile(r"""colou?r\s*=\s*["']([a-z]+)["']|Patch\(color=["']([a-z]+)["']""")


@pytest.mark.parametrize("path", sorted((SRC / "plots").glob("*.py")), ids=lambda p: p.name)
def test_static_figures_name_no_colour_of_their_own(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    named = {a or b for a, b in NAMED.findall(text)} - {"black", "white", "grey", "gray"}
    assert named == set(), f"{path.name} names colours {named}"
    if path.name != "_style.py":
        strays = [c for c in HEX.findall(text) if not is_grey(c) and c.lower() not in ALLOWED]
        assert strays == [], f"{path.name} paints with {strays}: take them from _style.py"


def test_the_overlay_draws_neither_class_in_a_weight_colour() -> None:
    from neuronlab.analysis.means import OVERLAY_A, OVERLAY_B

    # Orange and sky blue add up to white; neither is the weights' red (178, 24, 43) or
    # blue (33, 102, 172), and the page's panels.js mixes the same two.
    assert [a + b for a, b in zip(OVERLAY_A, OVERLAY_B, strict=True)] >= [1.0, 1.0, 1.0]
    panels = (JS / "panels.js").read_text(encoding="utf-8")
    assert "0.55 * bb + 0.6 * a" in panels
