"""Saved-model endpoints: list, details, weights, predictions, files, uploads, shift curves.

Handlers that compute import :mod:`neuronlab.web.compute` when first called, so
the server starts without importing scikit-learn.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, HTTPException, Query, Request, Response, UploadFile
from fastapi.responses import FileResponse

from neuronlab.web.binary import MEDIA_TYPE, array_response, binary_doc
from neuronlab.web.lab import Lab, LabDep
from neuronlab.web.schemas import (
    MAX_LIMIT,
    Limit,
    ModelDetail,
    ModelSummary,
    ShiftCurves,
    ShiftRequest,
    Split,
    bounded,
)
from neuronlab.web.security import client_id
from neuronlab.web.store import is_valid_key

router = APIRouter(prefix="/api", tags=["models"])

MAX_UPLOAD_BYTES = 20 * 2**20
LayerIndex = bounded(0, 7)
Epoch = bounded(1, 100_000)


def known_summary(lab: Lab, key: str) -> dict[str, Any]:
    """The summary of model ``key``, or a 404 that says where the model names are."""
    summary = lab.store.summary(key) if is_valid_key(key) else None
    if summary is None:
        raise HTTPException(
            404, f"There is no model named {key!r}: train it first or pick one from /api/models."
        )
    return summary


def known_model(lab: Lab, key: str) -> object:
    known_summary(lab, key)
    return lab.store.model(key)


@router.get("/models", response_model=list[ModelSummary])
def list_models(lab: LabDep) -> list[dict[str, Any]]:
    """Every model trained or uploaded for this dataset, newest sessions included."""
    return lab.store.summaries()


@router.get("/models/{key}", response_model=ModelDetail)
def model_detail(lab: LabDep, key: str) -> dict[str, Any]:
    """A model's scores, confusion matrix, training curves and weight arrays."""
    return known_summary(lab, key)


@router.get(
    "/models/{key}/weights",
    response_class=Response,
    responses=binary_doc(
        "float32 weight array number `layer` of the model's `layers` list: for logistic "
        "regression coef (k, 784) then intercept (k,); for the MLP coefs_0, intercepts_0, "
        "coefs_1, intercepts_1. With `epoch`, the MLP's array as it was after that epoch "
        "(one of the model's `history_epochs`)."
    ),
)
def model_weights(
    lab: LabDep,
    key: str,
    layer: Annotated[LayerIndex, Query(description="Index in layers.")] = 0,
    epoch: Annotated[
        Epoch | None, Query(description="An epoch of history_epochs; omitted: final weights.")
    ] = None,
) -> Response:
    """One weight array of a model as raw float32 bytes, now or after a past epoch."""
    from neuronlab.web import compute

    model = known_model(lab, key)
    try:
        arrays = compute.weight_arrays(model, epoch)
    except compute.NoHistory as error:
        raise HTTPException(422, f"{error}.") from None
    except compute.EpochNotHeld as error:
        raise HTTPException(422, f"Invalid request: {error}.") from None
    if layer >= len(arrays):
        raise HTTPException(
            422, f"layer must be between 0 and {len(arrays) - 1} for this model, got {layer}."
        )
    return array_response(arrays[layer][1], "float32")


@router.get(
    "/models/{key}/predictions",
    response_class=Response,
    responses=binary_doc(
        "float32 (n, k): the model's probability of each of its k classes for the first n "
        "images of the split (all classes, so indices match /api/images)."
    ),
)
async def model_predictions(
    lab: LabDep,
    request: Request,
    key: str,
    split: Annotated[Split, Query()] = "test",
    limit: Annotated[Limit, Query()] = MAX_LIMIT,
) -> Response:
    """Class probabilities of the model for the split's images."""
    known_summary(lab, key)

    def predict() -> np.ndarray:
        data = lab.test if split == "test" else lab.train
        return known_model(lab, key).predict_proba(data.X[:limit])

    return array_response(await lab.heavy.run(client_id(request), predict), "float32")


@router.get(
    "/models/{key}/file",
    response_class=FileResponse,
    responses={200: {"description": "The model as a .npz file.", "content": {MEDIA_TYPE: {}}}},
)
def model_file(lab: LabDep, key: str) -> FileResponse:
    """Download the model file (arrays and JSON metadata; loading it runs no code)."""
    known_summary(lab, key)
    path = lab.store.path(key)
    if not path.is_file():
        raise HTTPException(404, f"The file of model {key!r} was removed: train the model again.")
    return FileResponse(path, media_type=MEDIA_TYPE, filename=f"{key}.npz")


@router.post(
    "/models/upload",
    response_model=ModelSummary,
    responses={
        400: {"description": "Not a Neuron Lab model file, or larger than the lab's models."},
        403: {"description": "Not sent by the lab's page (see SECURITY.md)."},
        413: {"description": "Too big."},
        429: {"description": "Upload quota reached, or too many heavy requests at once."},
    },
)
async def upload_model(lab: LabDep, request: Request, file: UploadFile) -> dict[str, Any]:
    """Add a `.npz` model file (at most 20 MB); it is checked, scored on this dataset and saved."""
    content = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise HTTPException(413, "The file is larger than 20 MB: upload a Neuron Lab .npz model.")
    from neuronlab.web import uploads

    name = file.filename or "the uploaded file"
    key = uploads.upload_key(file.filename, content)
    client = client_id(request)
    return await lab.heavy.run(client, lambda: uploads.install(lab, key, name, content, client))


@router.post(
    "/shift-curve",
    response_model=ShiftCurves,
    responses={429: {"description": "Too many heavy requests at once; see Retry-After."}},
)
async def shift_curve(lab: LabDep, request: Request, body: ShiftRequest) -> ShiftCurves:
    """Test accuracy of each model when every digit moves by each shift (first 2,000 images)."""
    from neuronlab.web import compute

    for key in body.model_keys:
        known_summary(lab, key)

    def curves() -> ShiftCurves:
        models = {key: known_model(lab, key) for key in body.model_keys}
        return compute.shift_curves(lab, models, body)

    return await lab.heavy.run(client_id(request), curves)
