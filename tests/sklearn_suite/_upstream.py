"""Load one of scikit-learn's own test modules with our estimators in its estimators' place.

The module's source is read from the installed scikit-learn at test time (nothing of it
is copied into this repository). While it is executed, the names it imports (e.g.
``from sklearn.neural_network import MLPClassifier``) resolve to our classes, so even the
lists its ``parametrize`` decorators build at import time hold ours.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import pytest
import sklearn


@contextmanager
def _swapped(swaps: dict[tuple[str, str], type]) -> Iterator[None]:
    """Set ``module.name = cls`` for every ``(module, name): cls``, and restore afterwards."""
    saved = []
    try:
        for (module_name, name), cls in swaps.items():
            module = importlib.import_module(module_name)
            saved.append((module, name, getattr(module, name)))
            setattr(module, name, cls)
        yield
    finally:
        for module, name, original in reversed(saved):
            setattr(module, name, original)


def load(relative_path: str, swaps: dict[tuple[str, str], type]) -> ModuleType:
    """Execute ``sklearn/<relative_path>`` as a new module with ``swaps`` in force."""
    path = Path(sklearn.__file__).parent / relative_path
    if not path.exists():
        pytest.skip(
            f"scikit-learn {sklearn.__version__} has no {relative_path}", allow_module_level=True
        )
    # The name starts with "sklearn" so that the module's own warning filters, written
    # as "error::...:sklearn.*", apply to warnings raised from its tests as they do upstream.
    spec = importlib.util.spec_from_file_location(f"sklearn_upstream.{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    with _swapped(swaps):
        spec.loader.exec_module(module)
    for (_, name), cls in swaps.items():
        setattr(module, name, cls)
    return module


def tests_of(module: ModuleType) -> dict[str, object]:
    """The module's test functions and fixtures, to bind into a collected test module."""
    return {
        name: value
        for name, value in vars(module).items()
        if name.startswith("test_")
        or hasattr(value, "_pytestfixturefunction")
        or type(value).__name__ == "FixtureFunctionDefinition"
    } | {"pytestmark": getattr(module, "pytestmark", [])}
