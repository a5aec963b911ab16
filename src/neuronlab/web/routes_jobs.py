"""Job endpoints: start training or a sweep, follow its events, cancel it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request, Response
from fastapi.responses import StreamingResponse

from neuronlab.settings import SettingsError, preset_defaults
from neuronlab.web.jobs import Job, stream
from neuronlab.web.lab import Lab, LabDep
from neuronlab.web.routes_models import known_summary
from neuronlab.web.schemas import (
    Cancelled,
    ContinueRequest,
    JobStarted,
    SweepRequest,
    SweepStarted,
    TrainRequest,
)
from neuronlab.web.security import client_id

router = APIRouter(prefix="/api", tags=["jobs"])

EVENTS_DOC = (
    "Server-sent events. `progress` (ProgressEvent) after every epoch or L-BFGS iteration; for "
    "the MLP a `weights` event (WeightsEvent) about twice a second; then exactly one of "
    "`done` ({model_key, summary: ModelSummary} for training, {results: [SweepResult]} for a "
    "sweep), `error` ({detail}) or `cancelled` ({}). Each event has an `id`; a reconnecting "
    "client that sends Last-Event-ID resumes after it."
)


def known_job(lab: Lab, job_id: str) -> Job:
    job = lab.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, f"There is no job {job_id!r}: it finished long ago or never ran.")
    return job


@router.post(
    "/train",
    response_model=JobStarted,
    status_code=202,
    responses={200: {"model": JobStarted, "description": "Already trained: job_id is null."}},
)
def start_training(
    lab: LabDep, body: TrainRequest, request: Request, response: Response
) -> JobStarted:
    """Queue a training job, or point at the saved model when this request was trained before."""
    from neuronlab.web import compute  # on first use, like every handler that computes

    key = body.model_key()
    if lab.store.summary(key) is not None:
        response.status_code = 200
        return JobStarted(job_id=None, model_key=key)
    try:  # n_train against this dataset's size, before anything is queued
        compute.training_data(lab, body)
    except SettingsError as error:
        raise HTTPException(422, f"Invalid request: {error}") from None
    job = lab.jobs.running_for(key) or lab.submit(
        "training", lambda job: compute.train(job, lab, body, key), client_id(request), key
    )
    return JobStarted(job_id=job.id, model_key=key)


@router.post(
    "/models/{key}/continue",
    response_model=JobStarted,
    status_code=202,
    responses={200: {"model": JobStarted, "description": "Already trained: job_id is null."}},
)
def continue_training(
    lab: LabDep, key: str, body: ContinueRequest, request: Request, response: Response
) -> JobStarted:
    """Train a network (MLP or CNN) `epochs` more epochs from where it stopped, saved
    under a new key.

    The new key is `<key>-plus<epochs>` (adding up over continuations); its events are
    those of /api/train, with epochs numbered on from the model's history.
    """
    from neuronlab.web import compute

    summary = known_summary(lab, key)
    if summary["kind"] not in ("mlp", "cnn"):
        raise HTTPException(
            422,
            f"Model {key!r} is a logistic regression, fitted in one go: only an MLP or a CNN "
            "can continue training epoch by epoch.",
        )
    new_key = compute.continued_key(key, body.epochs)
    if lab.store.summary(new_key) is not None:
        response.status_code = 200
        return JobStarted(job_id=None, model_key=new_key)
    job = lab.jobs.running_for(new_key) or lab.submit(
        "training",
        lambda job: compute.continue_training(job, lab, key, new_key, body.epochs, summary),
        client_id(request),
        new_key,
    )
    return JobStarted(job_id=job.id, model_key=new_key)


@router.get("/presets", response_model=dict[str, dict[str, dict[str, Any]]])
def presets() -> dict[str, dict[str, dict[str, Any]]]:
    """Each preset's value of every training setting, by model kind then preset name.

    Read from the presets themselves (``make_model``), so the page's knobs need no copy.
    """
    return {
        kind: {preset: preset_defaults(kind, preset) for preset in ("module", "fast")}
        for kind in ("logistic", "mlp", "cnn")
    }


@router.post("/sweep", response_model=SweepStarted, status_code=202)
def start_sweep(lab: LabDep, body: SweepRequest, request: Request) -> SweepStarted:
    """Queue a sweep that trains one MLP per hidden-layer size (and seed)."""
    from neuronlab.web import compute  # on first use, like every handler that computes

    lab.dataset()
    job = lab.submit("sweep", lambda job: compute.sweep(job, lab, body), client_id(request))
    return SweepStarted(job_id=job.id)


@router.get(
    "/jobs/{job_id}/events",
    response_class=StreamingResponse,
    responses={200: {"description": EVENTS_DOC, "content": {"text/event-stream": {}}}},
)
def job_events(
    lab: LabDep,
    job_id: str,
    last_event_id: Annotated[int | None, Header(ge=0)] = None,
) -> StreamingResponse:
    """Follow a job: every event so far, then new ones as they happen."""
    job = known_job(lab, job_id)
    return StreamingResponse(
        stream(job, last_event_id),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.delete("/jobs/{job_id}", response_model=Cancelled)
def cancel_job(lab: LabDep, job_id: str) -> Cancelled:
    """Stop a queued or running job; it ends with a `cancelled` event and saves nothing."""
    return Cancelled(cancelled=known_job(lab, job_id).request_cancel())
