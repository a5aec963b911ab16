"""The datasets one running lab offers: the one it was started with, MNIST, Fashion-MNIST and the
embedded digits, each a :class:`Lab` loaded on first use.

A page names its dataset with the ``data`` query parameter on every API call (the page keeps it
in its URL, so a teacher's link names the dataset too). Only these names are accepted: a client
never names a folder. The labs share one job queue, one per-client job cap and one limiter of
heavy requests, so switching dataset gives no one more of the server; each keeps its own models
(``<cache>/models/<dataset>/``).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

from neuronlab.errors import NeuronLabError
from neuronlab.web.lab import Lab

DEFAULT = "default"
# Offered besides the dataset the lab was started with, in this order.
# Short labels: they sit in a narrow menu (MNIST downloads 11 MB on first use, Fashion-MNIST
# 30 MB unless installed; the embedded set is 5,000 real MNIST digits shipped with the lab).
NAMED = {
    "mnist": "MNIST digits",
    "fashion-mnist": "Fashion-MNIST clothing",
    "embedded": "Embedded digits (offline)",
}


class UnknownDataset(NeuronLabError, ValueError):
    """A ``data`` parameter that names no dataset this lab offers."""


@dataclass(frozen=True)
class Choice:
    """One dataset a page may switch to: its ``data`` name and a label for the menu."""

    name: str
    label: str


class Labs:
    """Every dataset's :class:`Lab`, created when a page first asks for it."""

    def __init__(self, default: Lab) -> None:
        self.default = default
        self._labs: dict[str, Lab] = {DEFAULT: default}
        self._lock = threading.Lock()

    def choices(self) -> list[Choice]:
        """The started dataset first, then the named ones it is not already."""
        started = self.default.source
        if started is None:
            label = "MNIST (or embedded, offline)"
        elif str(started).lower() in NAMED:
            label = NAMED[str(started).lower()]
        else:
            label = f"Folder {os.path.basename(os.fspath(started).rstrip(os.sep))}"
        out = [Choice(DEFAULT, label)]
        out += [Choice(name, text) for name, text in NAMED.items() if name != self._started()]
        return out

    def get(self, name: str | None) -> Lab:
        """The lab of ``name`` (None or "default": the started one)."""
        started = self._started()
        if name is None or name in (DEFAULT, started):
            return self.default
        if name not in NAMED:
            allowed = ", ".join(c.name for c in self.choices())
            raise UnknownDataset(f"data must be one of {allowed}; got {name!r}.")
        with self._lock:
            if name not in self._labs:
                self._labs[name] = Lab(
                    name, self.default.cache, dask=self.default.dask, shared=self.default
                )
            return self._labs[name]

    def _started(self) -> str | None:
        """The started dataset's name when it is one of the named ones."""
        source = self.default.source
        return str(source).lower() if source is not None else None
