"""Dataset endpoints: its summary, raw images and labels, and class means."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from neuronlab.web.binary import array_response, binary_doc
from neuronlab.web.lab import LabDep
from neuronlab.web.schemas import MAX_LIMIT, DatasetChoice, DatasetInfo, Digit, Limit, Split

router = APIRouter(prefix="/api", tags=["dataset"])


SplitQuery = Annotated[Split, Query(description="Which split of the dataset.")]
LimitQuery = Annotated[Limit, Query(description="At most this many, from the start.")]


@router.get("/datasets", response_model=list[DatasetChoice])
def dataset_choices(request: Request) -> list[DatasetChoice]:
    """The datasets this lab offers; each endpoint takes one as `data` (default: the started one).
    Each loads on first use and keeps its own trained models."""
    return [DatasetChoice(name=c.name, label=c.label) for c in request.app.state.labs.choices()]


@router.get("/dataset", response_model=DatasetInfo)
def dataset_info(lab: LabDep) -> DatasetInfo:
    """Sizes, image shape, value range and class names of the lab's dataset."""
    summary = lab.dataset().summary()
    # The notice says why MNIST is missing, and the header names the data, without the
    # server's own folders (a folder given as an absolute path reads relative to where it ran).
    summary["notice"] = lab.public(summary["notice"]) if summary["notice"] else None
    summary["name"] = lab.public(summary["name"])
    summary["description"] = lab.public(summary["description"])
    return DatasetInfo(**summary)


@router.get(
    "/images",
    response_class=Response,
    responses=binary_doc("uint8 (n, 784): the raw pixels of the first n images, row by row."),
)
def images(lab: LabDep, split: SplitQuery = "test", limit: LimitQuery = MAX_LIMIT) -> Response:
    """The first ``limit`` images of a split as raw bytes."""
    data = lab.dataset()
    pixels = data.test_images if split == "test" else data.train_images
    return array_response(pixels[:limit].reshape(-1, 784), "uint8")


@router.get(
    "/labels",
    response_class=Response,
    responses=binary_doc("uint8 (n,): the labels of the first n images."),
)
def labels(lab: LabDep, split: SplitQuery = "test", limit: LimitQuery = MAX_LIMIT) -> Response:
    """The first ``limit`` labels of a split as raw bytes."""
    data = lab.dataset()
    values = data.test_labels if split == "test" else data.train_labels
    return array_response(values[:limit], "uint8")


@router.get(
    "/means",
    response_class=Response,
    responses=binary_doc("float32 (2, 784) in [0, 1]: the mean image of a, then of b (or rest)."),
)
def means(
    lab: LabDep,
    a: Annotated[Digit, Query(description="The first class.")],
    b: Annotated[Digit | None, Query(description="The second class; omitted: all others.")] = None,
) -> Response:
    """Mean training image of class ``a`` and of class ``b`` (or of every other class)."""
    from neuronlab.web import compute  # on first use, like every handler that computes

    return array_response(compute.means(lab, a, b), "float32")
