"""The web lab's FastAPI app and the ``serve`` function behind the ``neuronlab`` command."""

from __future__ import annotations

import os
import socket
import threading
import time
import warnings
import webbrowser
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from neuronlab.errors import NeuronLabError
from neuronlab.web import routes_data, routes_jobs, routes_models
from neuronlab.web.connections import MAX_CONNECTIONS, guarded_protocol
from neuronlab.web.jobs import QueueFullError
from neuronlab.web.lab import DatasetLoadingError, Lab
from neuronlab.web.labs import Labs, UnknownDataset
from neuronlab.web.schemas import EVENT_MODELS
from neuronlab.web.security import LOOPBACK_HOSTS, access_token, is_loopback, lab_url, protect

STATIC_DIR = Path(__file__).resolve().parent / "static"
DEFAULT_PORT = 8765


def create_app(
    dataset_source: str | os.PathLike | None = None,
    *,
    cache_dir: str | os.PathLike | None = None,
    max_workers: int = 1,
    token: str | None = None,
    allowed_hosts: Sequence[str] | None = None,
    dask: str | None = None,
) -> FastAPI:
    """The web lab for ``dataset_source`` (a name or an IDX folder; None: MNIST or embedded).

    Nothing heavy happens here: the dataset starts loading in the background when
    the server starts, and every endpoint that needs it waits for that one load.
    """
    lab = Lab(dataset_source, cache_dir, max_workers=max_workers, dask=dask)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        lab.preload()
        yield
        lab.jobs.shutdown()
        lab.heavy.shutdown()

    app = FastAPI(
        title="Neuron Lab",
        summary="See how a neural network learns its own features from handwritten digits.",
        version="1",
        lifespan=lifespan,
    )
    app.state.lab = lab
    app.state.labs = Labs(lab)
    for router in (routes_data.router, routes_models.router, routes_jobs.router):
        app.include_router(router)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(NeuronLabError, _lab_error)
    app.mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")

    app.openapi = lambda: _openapi_with_events(app)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        page = STATIC_DIR / "index.html"
        if not page.is_file():
            raise HTTPException(404, "The lab's web page is missing; reinstall neuronlab.")
        return FileResponse(page, media_type="text/html")

    # Every request passes the access token check (when there is a token) and body limits.
    return protect(app, token=token, allowed_hosts=allowed_hosts)


def _openapi_with_events(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema plus the event payloads, which no route body mentions."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, summary=app.summary, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in EVENT_MODELS:
            model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(model_schema.pop("$defs", {}))
            components[model.__name__] = model_schema
        app.openapi_schema = schema
    return app.openapi_schema


def _lab_error(request: Request, exc: Exception) -> JSONResponse:
    """Problems the user can fix (bad data, bad model file) answer 400 with their sentence.

    A full queue is 429, a dataset still downloading 503; both say when to retry.
    The sentence never shows the server's own folders.
    """
    status = 400
    if isinstance(exc, UnknownDataset):
        status = 422
    elif isinstance(exc, QueueFullError):
        status = 429
    elif isinstance(exc, DatasetLoadingError):
        status = 503
    retry_after = getattr(exc, "retry_after_s", None)
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    detail = request.app.state.lab.public(str(exc))
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    """A 422 whose detail is one readable sentence, e.g. the allowed range of a number."""
    assert isinstance(exc, RequestValidationError)
    problems = [_describe(error) for error in exc.errors()]
    return JSONResponse({"detail": f"Invalid request: {'; '.join(problems)}."}, status_code=422)


def _describe(error: dict[str, Any]) -> str:
    where: Sequence[Any] = error.get("loc", ())
    if where and where[0] in ("body", "query", "path", "header"):
        where = where[1:]
    field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in where).lstrip(".")
    message = str(error.get("msg", "is not valid"))
    if error.get("type") == "json_invalid":
        return "the body is not valid JSON"
    if error.get("type") == "value_error":
        message = message.removeprefix("Value error, ")
        return f"{field} {message}" if field else message
    return f"{field}: {message}" if field else message


def serve(
    source: str | os.PathLike | None = None,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    open_browser: bool = True,
    cache_dir: str | os.PathLike | None = None,
    token: str | None = None,
    open_access: bool = False,
    dask: str | None = None,
) -> None:
    """Run the web lab until Ctrl+C, printing its address and opening it in the browser.

    On an address other than loopback the lab requires ``token`` (a fresh one when
    None) unless ``open_access``; see SECURITY.md.
    """
    required = access_token(host, token, open_access)
    listener = _bind(host, port)
    # Fits stopped by max_epochs or the fast preset's fixed epochs are intended; the page shows
    # the curves, so scikit-learn's convergence warnings would only alarm in the console.
    warnings.filterwarnings("ignore", message=r".*(converge)", category=UserWarning)
    url = lab_url(host, listener.getsockname()[1], required)
    local = is_loopback(host)
    app = create_app(
        source,
        cache_dir=cache_dir,
        token=required,
        # The printed link names `host` itself (e.g. 127.0.0.2), so it must be accepted too.
        allowed_hosts=(*LOOPBACK_HOSTS, host.strip("[]").lower()) if local else None,
        dask=dask,
    )
    server = _Server(server_config(app), app.state.lab)
    print(f"Neuron Lab is running at {url} (press Ctrl+C to stop)", flush=True)
    if required is None and not local:
        print(
            "Anyone who can reach this computer can use the lab: no access token (--no-token).",
            flush=True,
        )
    if open_browser:
        threading.Thread(target=_open_when_up, args=(server, url), daemon=True).start()
    server.run(sockets=[listener])


def server_config(app: FastAPI, **limits: float) -> uvicorn.Config:
    """uvicorn's settings for the lab: slow clients time out, no client takes every socket.

    ``limits`` are passed to :func:`guarded_protocol` (tests shorten them).
    """
    _raise_open_file_limit()
    return uvicorn.Config(
        app,
        http=guarded_protocol(**limits),
        log_level="warning",
        # A sweep step cannot stop midway; past this many seconds its event stream is cut.
        timeout_graceful_shutdown=5,
        timeout_keep_alive=5,
        # A backstop behind the protocol's own cap: past it uvicorn answers 503 at once.
        limit_concurrency=MAX_CONNECTIONS + 1,
    )


def _raise_open_file_limit() -> None:
    """Allow as many sockets as the system lets this user have (often 1,024 by default)."""
    try:
        import resource
    except ImportError:  # Windows
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        with suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


class _Server(uvicorn.Server):
    """Cancels every job on Ctrl+C, so that their open event streams end and the server stops."""

    def __init__(self, config: uvicorn.Config, lab: Lab) -> None:
        super().__init__(config)
        self.lab = lab

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.lab.jobs.shutdown()
        super().handle_exit(sig, frame)


def _bind(host: str, port: int) -> socket.socket:
    """Claim the port before anything else, so a busy port is one clear sentence."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: accepted sockets inherit it, and asyncio only turns Nagle's
    # algorithm off (TCP_NODELAY) on sockets that say they are TCP.
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as exc:
        listener.close()
        other = port + 1 if 0 < port < 65535 else 8766
        raise NeuronLabError(
            f"Cannot listen on {host}:{port} ({exc.strerror}); pick another port with "
            f"--port, e.g. --port {other} (with make: PORT={other} make run)."
        ) from exc
    listener.listen(1024)
    return listener


def _open_when_up(server: uvicorn.Server, url: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    if server.started:
        webbrowser.open(url)
