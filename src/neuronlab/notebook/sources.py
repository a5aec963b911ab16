"""The lab's JavaScript and CSS, read from the package and prepared for a widget.

anywidget loads one ES module per widget, so relative imports between the lab's
modules cannot resolve by themselves. :func:`module_graph` sends the loader
every module a view needs, dependencies first, with each relative import
already resolved to a module key; the loader turns them into ``blob:`` modules.
The notebook's own data provider stands in for the web page's HTTP data layer.
"""

from __future__ import annotations

import posixpath
import re
from functools import cache
from importlib import resources
from typing import Any

from neuronlab.errors import NeuronLabError

JS = "web/static/js"
NOTEBOOK_JS = f"{JS}/notebook"
CSS = "web/static/css/lab.css"
ROOT_CLASS = "neuronlab-widget"

# Where the web page asks its server, the widget answers from its own synced traits.
SUBSTITUTES = {
    f"{JS}/data.js": f"{NOTEBOOK_JS}/data.js",
    f"{JS}/training.js": f"{NOTEBOOK_JS}/training.js",
}
# The same pattern as in loader.js: static `from "./x.js"` and `import "./x.js"`.
IMPORT = re.compile(r"""(?:\bfrom\s*|\bimport\s*)(["'])(\.{1,2}/[^"']+)\1""")


def read_text(key: str) -> str:
    """A file of the package, named by its path inside ``neuronlab``."""
    path = resources.files("neuronlab").joinpath(key)
    if not path.is_file():
        raise NeuronLabError(f"The lab's file {key} is missing: reinstall neuronlab.")
    return path.read_text(encoding="utf-8")


def resolve(importer: str, specifier: str) -> str:
    """The module key a relative import names, after the notebook's substitutions."""
    target = posixpath.normpath(posixpath.join(posixpath.dirname(importer), specifier))
    substitute = SUBSTITUTES.get(target)
    return substitute if substitute and substitute != importer else target


@cache
def module_graph(entry: str) -> tuple[dict[str, Any], ...]:
    """Every module ``entry`` needs as ``{key, source, deps}``, dependencies first, entry last.

    ``deps`` maps each relative specifier in ``source`` to the key of the module it names.
    """
    order: list[dict[str, Any]] = []
    done: set[str] = set()

    def visit(key: str, path: tuple[str, ...]) -> None:
        if key in done:
            return
        if key in path:
            raise NeuronLabError(f"The lab's modules import each other in a loop at {key}.")
        source = read_text(key)
        deps = {spec: resolve(key, spec) for _, spec in IMPORT.findall(source)}
        for dep in deps.values():
            visit(dep, (*path, key))
        done.add(key)
        order.append({"key": key, "source": source, "deps": deps})

    visit(f"{NOTEBOOK_JS}/{entry}", ())
    return tuple(order)


def _scope(selector: str) -> str | None:
    """The selector limited to the widget's root, or None for page-only rules."""
    selector = selector.strip()
    if selector == "body":
        return None
    if selector == ":root":
        return f".{ROOT_CLASS}"
    return f".{ROOT_CLASS} {selector}"


@cache
def scoped_css() -> str:
    """The lab's stylesheet, every rule limited to widgets so the notebook keeps its look."""
    text = re.sub(r"/\*.*?\*/", "", read_text(CSS), flags=re.S)
    # Media queries only rearrange the page's layout, which a widget does not have.
    text = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", text)
    rules = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text):
        scoped = [s for s in map(_scope, selectors.split(",")) if s]
        if scoped:
            rules.append(f"{', '.join(scoped)} {{{body.strip()}}}")
    return "\n".join(rules)


def loader() -> str:
    """The widget's ES module (anywidget's ``_esm``)."""
    return read_text(f"{NOTEBOOK_JS}/loader.js")
