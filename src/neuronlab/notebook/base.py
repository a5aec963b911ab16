"""The widget every Neuron Lab view is: anywidget's loader plus the modules of one view."""

from __future__ import annotations

from typing import Any, ClassVar

import anywidget
import traitlets

from neuronlab.data import Dataset
from neuronlab.errors import NeuronLabError
from neuronlab.notebook import payload
from neuronlab.notebook.sources import loader, module_graph, scoped_css


class LabWidget(anywidget.AnyWidget):
    """A view of the web lab hosted by Jupyter; subclasses name their entry module ``_view``."""

    _esm = loader()
    _css = scoped_css()
    _view: ClassVar[str]
    _modules = traitlets.List().tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(_modules=list(module_graph(self._view)), **kwargs)


class DataWidget(LabWidget):
    """A view that browses the test images of a dataset."""

    dataset = traitlets.Dict().tag(sync=True)
    test_images = traitlets.Bytes().tag(sync=True)
    test_labels = traitlets.Bytes().tag(sync=True)

    def __init__(self, data: Dataset, **kwargs: Any) -> None:
        if not isinstance(data, Dataset):
            raise TypeError(
                f"data must be a Dataset from neuronlab.data.load, not {type(data).__name__}."
            )
        self.data = data
        super().__init__(**payload.test_images(data), **kwargs)

    def check_index(self, index: int) -> int:
        """``index`` if it names one of the widget's test images, else a clear error."""
        n = payload.shown_images(self.data)
        if not 0 <= index < n:
            raise NeuronLabError(
                f"Test image {index} is not shown; choose an index from 0 to {n - 1}."
            )
        return index
