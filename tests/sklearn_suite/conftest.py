"""Run scikit-learn's own test modules on our estimators: their fixtures, seeds and skips."""

from __future__ import annotations

import re

import pytest

from .upstream_skips import SKIPS


def pytest_configure(config: pytest.Config) -> None:
    # markers scikit-learn's tests use, registered as scikit-learn's conftest does
    config.addinivalue_line("markers", "thread_unsafe: scikit-learn's marker, no effect here")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # scikit-learn's default seed for tests that take `global_random_seed`
    if "global_random_seed" in metafunc.fixturenames:
        metafunc.parametrize("global_random_seed", [42])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        table = SKIPS.get(item.module.__name__.rpartition(".")[2], {}) if item.module else {}
        for pattern, reason in table.items():
            if _matches(pattern, item.name):
                item.add_marker(pytest.mark.skip(reason=reason))
                break


def _matches(pattern: str, name: str) -> bool:
    """Whether ``name`` matches ``pattern``, in which only ``*`` is a wildcard (any text)."""
    return re.fullmatch(re.escape(pattern).replace(r"\*", ".*"), name) is not None
