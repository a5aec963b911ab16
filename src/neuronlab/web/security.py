"""Who may use a running lab, and how much of it one user may take.

Pure ASGI middleware, so it also guards the event streams and costs nothing per
chunk: :class:`AccessGate` checks the access token (and, on a loopback server,
the ``Host`` header against DNS rebinding); :class:`BodyLimit` refuses request
bodies past a size. :class:`ClientJobs` caps the unfinished jobs of one client
and :func:`time_limited` stops a job that runs too long. :func:`protect` adds
the middleware to an app. See ``SECURITY.md`` for what the lab trusts.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import re
import secrets
import socket
import threading
from collections.abc import Callable, Iterable, Mapping
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from neuronlab.errors import NeuronLabError
from neuronlab.web.jobs import Job, JobCancelled, QueueFullError

TOKEN_COOKIE = "neuronlab_token"
TOKEN_QUERY = "token"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
# Page assets are the same for everyone and hold no data; everything else needs the token.
PUBLIC_PREFIXES = ("/static/",)
MAX_JSON_BYTES = 64 * 1024
MAX_UPLOAD_BODY_BYTES = 21 * 2**20  # a 20 MB model file plus its multipart envelope
BODY_LIMITS = {"/api/models/upload": MAX_UPLOAD_BODY_BYTES}
MAX_JOBS_PER_CLIENT = 3  # the chapters need at most two models at once
JOB_TIME_LIMIT_S = 600.0  # far beyond the largest allowed job on the fast preset
# A token goes unchanged into a link and a cookie: URL-safe characters only (RFC 3986 unreserved).
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9._~-]{8,128}")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# What a cross-site <form> may send without the browser asking the server first (CORS).
SIMPLE_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
PAGE_HEADER = "x-neuronlab"


def is_loopback(host: str) -> bool:
    """True when ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def access_token(host: str, token: str | None = None, open_access: bool = False) -> str | None:
    """The token a server on ``host`` requires, or None when it requires none.

    A given token is always required. Otherwise a loopback server needs none
    and any other address gets a fresh random one, unless the teacher opted
    out with ``open_access``.
    """
    if token is not None:
        check_token(token)
        return token
    if open_access or is_loopback(host):
        return None
    return secrets.token_urlsafe(16)


def check_token(token: str) -> None:
    """Refuse a token that a link or a cookie could not carry unchanged."""
    if len(token) < 8:
        raise NeuronLabError("The access token must be at least 8 characters long.")
    if TOKEN_PATTERN.fullmatch(token) is None:
        bad = next((c for c in token if not re.fullmatch(r"[A-Za-z0-9._~-]", c)), None)
        what = f"it contains {bad!r}" if bad is not None else "it is longer than 128 characters"
        raise NeuronLabError(
            f"The access token may only use letters, digits and - . _ ~ (8 to 128 of them), "
            f"but {what}; pick another one."
        )


def lab_url(host: str, port: int, token: str | None = None) -> str:
    """The address to give students: this machine's network address for a wildcard host."""
    if host in ("0.0.0.0", "::", ""):
        host = _network_address()
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/" + (f"?{TOKEN_QUERY}={token}" if token else "")


def _network_address() -> str:
    """The address other machines reach this one at (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            return probe.getsockname()[0]
        except OSError:
            return socket.gethostname()


def protect(
    app: Any, *, token: str | None = None, allowed_hosts: Iterable[str] | None = None
) -> Any:
    """Add the body limit and, when there is a token or a host list, the access gate to ``app``.

    The gate goes outermost, so a request without the token is refused before
    its body is read. Returns ``app``.
    """
    app.add_middleware(BodyLimit)
    app.add_middleware(CrossSiteGuard)
    if token is not None or allowed_hosts is not None:
        app.add_middleware(AccessGate, token=token, allowed_hosts=allowed_hosts)
    return app


class AccessGate:
    """Answer 401 unless the request carries the token; 400 for a foreign ``Host`` header.

    The token is read from ``Authorization: Bearer``, the ``token`` query
    parameter or the ``neuronlab_token`` cookie. A page opened with
    ``?token=`` is redirected to the same address without it and a cookie set,
    so the page's own requests and event streams carry the token unchanged.
    """

    def __init__(
        self,
        app: ASGIApp,
        token: str | None = None,
        allowed_hosts: Iterable[str] | None = None,
    ) -> None:
        self.app = app
        self.token = token
        self.allowed_hosts = None if allowed_hosts is None else {h.lower() for h in allowed_hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and self.token is not None:
            await send({"type": "websocket.close", "code": 1008})  # the lab has no websockets
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        if self.allowed_hosts is not None and _host_name(headers) not in self.allowed_hosts:
            detail = "This lab only answers requests addressed to this computer (localhost)."
            await _send_json(send, 400, {"detail": detail})
            return
        if self.token is None or scope["path"].startswith(PUBLIC_PREFIXES):
            await self.app(scope, receive, send)
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        if self._matches(query.get(TOKEN_QUERY)) and not scope["path"].startswith("/api/"):
            await self._set_cookie_and_redirect(scope, send, query)
            return
        presented = (
            _bearer(headers.get("authorization"))
            or query.get(TOKEN_QUERY)
            or _cookie(headers.get("cookie"), TOKEN_COOKIE)
        )
        if not self._matches(presented):
            detail = (
                "This lab needs its access token: open the exact link the teacher shared "
                "(it ends in ?token=...)."
            )
            await _send_json(send, 401, {"detail": detail}, {"www-authenticate": "Bearer"})
            return
        await self.app(scope, receive, send)

    def _matches(self, presented: str | None) -> bool:
        assert self.token is not None
        return presented is not None and hmac.compare_digest(
            presented.encode("utf-8"), self.token.encode("utf-8")
        )

    async def _set_cookie_and_redirect(
        self, scope: Scope, send: Send, query: dict[str, str]
    ) -> None:
        rest = urlencode({k: v for k, v in query.items() if k != TOKEN_QUERY})
        location = local_path(scope["path"]) + (f"?{rest}" if rest else "")
        cookie = f"{TOKEN_COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict"
        await _send_json(send, 303, {}, {"location": location, "set-cookie": cookie})


def local_path(path: str) -> str:
    """``path`` as a redirect target that stays on this server, in ASCII.

    ``//evil.example/x`` would send the browser to another site; any path is
    percent-encoded, since a header cannot carry ``€``.
    """
    return "/" + quote(path.lstrip("/\\"), safe="/!$&'()*+,;=:@-._~")


class CrossSiteGuard:
    """Answer 403 to a state-changing request that another web site could have made.

    A page on any site can make the browser POST a form (or ``text/plain``) to
    this lab, cookie included, without asking first. So an unsafe method must
    come from the lab's own page: its ``Origin`` (when sent) is this server,
    ``Sec-Fetch-Site`` (when sent) is not cross-site, and its body is JSON or it
    carries the ``X-Neuronlab`` header, which no other site may add without a
    CORS preflight that this lab never grants.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE_METHODS:
            why = _cross_site(_headers(scope))
            if why is not None:
                detail = (
                    f"This lab only accepts changes from its own page ({why}): send JSON "
                    "with Content-Type: application/json, or the X-Neuronlab: 1 header."
                )
                await _send_json(send, 403, {"detail": detail})
                return
        await self.app(scope, receive, send)


def _cross_site(headers: Mapping[str, str]) -> str | None:
    """Why a state-changing request looks cross-site, or None when it comes from our page."""
    if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return f"the browser says it comes from a {headers['sec-fetch-site']} page"
    origin = headers.get("origin")
    if origin is not None:
        try:
            netloc = urlsplit(origin).netloc.lower()
        except ValueError:
            netloc = ""
        if netloc != headers.get("host", "").lower():
            return f"it comes from {origin[:60]!r}"
    if PAGE_HEADER in headers:
        return None
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in SIMPLE_CONTENT_TYPES:
        return f"a {content_type} body without the X-Neuronlab header"
    return None


class BodyLimit:
    """Answer 413 when a request body is larger than its path's limit.

    A declared ``Content-Length`` is refused before any byte is read; a body
    sent without one is counted as it arrives, and once past the limit the app
    is told the client left, so it stops reading and its answer is dropped.
    """

    def __init__(
        self,
        app: ASGIApp,
        default: int = MAX_JSON_BYTES,
        per_path: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.default = default
        self.per_path = dict(BODY_LIMITS if per_path is None else per_path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.per_path.get(scope["path"], self.default)
        declared = _headers(scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _send_json(send, 413, {"detail": _too_large(limit)})
            return
        received = 0
        started = refused = False

        async def counted_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                refused = True
                if not started:
                    await _send_json(send, 413, {"detail": _too_large(limit)})
                return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            # The app may fail on the body we cut short; the client already has its 413.
            if not refused:
                raise


def _too_large(limit: int) -> str:
    size = f"{limit // 2**20} MB" if limit >= 2**20 else f"{limit // 1024} KB"
    return f"The request body is larger than {size}; send less."


class JobTimeoutError(NeuronLabError):
    """A job ran past its time limit and was stopped."""


def time_limited(
    work: Callable[[Job], dict[str, Any]], seconds: float = JOB_TIME_LIMIT_S
) -> Callable[[Job], dict[str, Any]]:
    """``work`` that is cancelled once it has run ``seconds``, ending with an ``error`` event.

    The clock starts when a worker picks the job up, not while it waits in the queue.
    """

    def limited(job: Job) -> dict[str, Any]:
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            job.request_cancel()

        timer = threading.Timer(seconds, expire)
        timer.daemon = True
        timer.start()
        try:
            return work(job)
        except JobCancelled:
            if expired.is_set():
                raise JobTimeoutError(
                    f"The {job.kind} job ran longer than {seconds:.0f} s and was stopped; "
                    "ask for fewer epochs or hidden units."
                ) from None
            raise
        finally:
            timer.cancel()

    return limited


class TooManyJobsError(QueueFullError):
    """One client already has as many unfinished jobs as it may (answered with 429)."""


class ClientJobs:
    """Remembers which client started which job and refuses new jobs past ``limit`` each."""

    def __init__(self, limit: int = MAX_JOBS_PER_CLIENT) -> None:
        self.limit = limit
        self._jobs: dict[str, list[Job]] = {}
        self._lock = threading.Lock()

    def submit(self, client: str, start: Callable[[], Any]) -> Any:
        """Call ``start()`` (which queues a job and returns it) unless ``client`` is at its cap."""
        with self._lock:
            mine = [job for job in self._jobs.get(client, []) if not job.finished]
            if len(mine) >= self.limit:
                raise TooManyJobsError(
                    f"You already have {len(mine)} jobs queued or running: wait for one to "
                    "finish or cancel it."
                )
            job = start()
            self._jobs[client] = [*mine, job]
            return job

    def unfinished(self, client: str) -> int:
        """How many of ``client``'s jobs have not finished yet."""
        with self._lock:
            return sum(not job.finished for job in self._jobs.get(client, []))


def client_id(scope_or_request: Any) -> str:
    """The address a request came from (a Request or an ASGI scope), as the cap's key."""
    client = getattr(scope_or_request, "client", None)
    if client is None and isinstance(scope_or_request, Mapping):
        client = scope_or_request.get("client")
    return str(client[0]) if client else "unknown"


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _host_name(headers: Mapping[str, str]) -> str:
    """The host part of the ``Host`` header, without port or IPv6 brackets."""
    host = headers.get("host", "").lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def _bearer(value: str | None) -> str | None:
    scheme, _, credentials = (value or "").partition(" ")
    return credentials.strip() or None if scheme.lower() == "bearer" else None


def _cookie(value: str | None, name: str) -> str | None:
    if not value:
        return None
    jar = SimpleCookie()
    try:
        jar.load(value)
    except CookieError:  # a malformed Cookie header is simply no token
        return None
    morsel = jar.get(name)
    return morsel.value if morsel else None


async def _send_json(
    send: Send, status: int, body: dict[str, Any], headers: Mapping[str, str] | None = None
) -> None:
    payload = json.dumps(body).encode("utf-8")
    raw = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        *((k.encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})
