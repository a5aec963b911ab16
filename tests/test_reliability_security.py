"""Access token, Host check, body limits and the per-client job cap of the web lab."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from neuronlab.errors import NeuronLabError
from neuronlab.web import create_app, serve
from neuronlab.web.jobs import Job, JobCancelled, JobQueue
from neuronlab.web.security import (
    LOOPBACK_HOSTS,
    MAX_JSON_BYTES,
    TOKEN_COOKIE,
    ClientJobs,
    TooManyJobsError,
    access_token,
    client_id,
    is_loopback,
    lab_url,
    time_limited,
)

TOKEN = "s3cret-token-for-tests"


@pytest.fixture(scope="module")
def server(mnist_test_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    cache = tmp_path_factory.mktemp("secure-cache")
    app = create_app(str(mnist_test_dir), cache_dir=cache, token=TOKEN)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def client(server: TestClient) -> Iterator[TestClient]:
    """The module's client, with no cookie left over from another test."""
    server.cookies.clear()
    yield server
    server.cookies.clear()


def test_only_loopback_addresses_go_without_a_token() -> None:
    assert all(
        is_loopback(host) for host in ("127.0.0.1", "::1", "[::1]", "localhost", "127.5.0.1")
    )
    assert not any(is_loopback(host) for host in ("0.0.0.0", "::", "192.168.1.20", "lab.school"))
    assert access_token("127.0.0.1") is None
    first, second = access_token("0.0.0.0"), access_token("0.0.0.0")
    assert first and second and first != second and len(first) >= 16
    assert access_token("0.0.0.0", open_access=True) is None
    assert access_token("127.0.0.1", token="given-by-teacher") == "given-by-teacher"
    with pytest.raises(NeuronLabError, match="at least 8"):
        access_token("0.0.0.0", token="short")


@pytest.mark.parametrize(
    "path", ["/api/dataset", "/api/models", "/api/jobs/abc/events", "/openapi.json", "/"]
)
def test_every_route_refuses_a_missing_or_wrong_token(client: TestClient, path: str) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong-token"}):
        response = client.get(path, headers=headers, follow_redirects=False)
        assert response.status_code == 401
        assert "access token" in response.json()["detail"]
    assert client.get(f"{path}?token=nearly-{TOKEN}", follow_redirects=False).status_code == 401


def test_header_query_and_cookie_tokens_are_accepted(client: TestClient) -> None:
    assert client.get("/api/dataset", headers={"Authorization": f"Bearer {TOKEN}"}).is_success
    assert client.get(f"/api/dataset?token={TOKEN}").json()["n_train"] == 8000
    client.cookies.set(TOKEN_COOKIE, TOKEN)
    assert client.get("/api/dataset").is_success


def test_the_teachers_link_sets_a_cookie_and_drops_the_token(client: TestClient) -> None:
    response = client.get(f"/?token={TOKEN}&lang=en", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/?lang=en"
    cookie = response.headers["set-cookie"]
    assert f"{TOKEN_COOKIE}={TOKEN}" in cookie
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    # The page's own calls (fetch and EventSource) now carry the cookie.
    assert client.get("/api/models").status_code == 200


def test_the_event_stream_needs_the_token_too(client: TestClient) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    body = {"model": "logistic", "classes": [0, 1], "max_epochs": 3}
    assert client.post("/api/train", json=body).status_code == 401
    started = client.post("/api/train", json=body, headers=auth)
    assert started.status_code in (200, 202), started.text
    job_id = started.json()["job_id"]
    assert job_id is not None
    assert client.get(f"/api/jobs/{job_id}/events").status_code == 401
    with client.stream("GET", f"/api/jobs/{job_id}/events", headers=auth) as stream:
        assert stream.status_code == 200
        lines = list(stream.iter_lines())
    assert "event: done" in lines


def test_static_assets_need_no_token(client: TestClient) -> None:
    assert client.get("/static/js/main.js").status_code == 200


def test_a_loopback_server_refuses_foreign_host_names(mnist_test_dir: Path, tmp_path: Path) -> None:
    """A web page that rebinds its DNS name to 127.0.0.1 still sends its own Host header."""
    app = create_app(str(mnist_test_dir), cache_dir=tmp_path, allowed_hosts=LOOPBACK_HOSTS)
    with TestClient(app) as client:
        for host in ("127.0.0.1:8765", "localhost:8765", "[::1]:8765", "localhost"):
            assert client.get("/api/models", headers={"Host": host}).status_code == 200
        refused = client.get("/api/models", headers={"Host": "evil.example:8765"})
        assert refused.status_code == 400
        assert "localhost" in refused.json()["detail"]


def test_bodies_past_the_limit_get_413(client: TestClient) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    padding = "x" * (MAX_JSON_BYTES + 1)
    declared = client.post("/api/train", headers=auth, json={"model": "mlp", "pad": padding})
    assert declared.status_code == 413
    assert "larger than 64 KB" in declared.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"model": "mlp", "pad": "'
        for _ in range(MAX_JSON_BYTES // 4096 + 1):
            yield b"x" * 4096
        yield b'"}'

    streamed = client.post("/api/train", headers=auth, content=chunks())
    assert streamed.status_code == 413
    # Uploads have their own, larger limit: a 100 KB file is read and judged on its content.
    page = {**auth, "X-Neuronlab": "1"}
    upload = client.post(
        "/api/models/upload", headers=page, files={"file": ("m.npz", b"\0" * 100_000)}
    )
    assert upload.status_code == 400
    assert re.search(r"not a (valid )?Neuron Lab model file", upload.json()["detail"])


class FakeJob:
    def __init__(self) -> None:
        self.finished = False


def test_one_client_may_only_hold_a_few_jobs() -> None:
    cap = ClientJobs(limit=2)
    first, second = cap.submit("10.0.0.7", FakeJob), cap.submit("10.0.0.7", FakeJob)
    assert cap.submit("10.0.0.8", FakeJob) is not None  # another student is not held back
    with pytest.raises(TooManyJobsError, match="2 jobs queued or running"):
        cap.submit("10.0.0.7", FakeJob)
    assert cap.unfinished("10.0.0.7") == 2
    first.finished = True
    assert cap.submit("10.0.0.7", FakeJob) is not second
    assert cap.unfinished("10.0.0.7") == 2


def test_client_id_reads_requests_and_scopes() -> None:
    assert client_id({"client": ("10.1.2.3", 5555)}) == "10.1.2.3"
    assert client_id({"client": None}) == "unknown"


def test_the_printed_address_is_one_students_can_open() -> None:
    assert lab_url("127.0.0.1", 8765) == "http://127.0.0.1:8765/"
    assert lab_url("::1", 8765, "abc12345") == "http://[::1]:8765/?token=abc12345"
    shared = lab_url("0.0.0.0", 8765, "abc12345")
    assert not shared.startswith("http://0.0.0.0") and shared.endswith(":8765/?token=abc12345")


def _events_of(job: Job, until: str | None = None) -> list[str]:
    """The names of the job's events, once it has finished (or published ``until``)."""
    for _ in range(600):
        names = [name for _, name, _ in job.read(0)[0]]
        if job.finished or until in names:
            return names
        time.sleep(0.05)
    raise AssertionError(f"job {job.id} never finished: {names}")


def test_a_job_past_its_time_limit_ends_with_an_error() -> None:
    def endless(job: Job) -> dict:
        job.publish("progress")
        while not job.cancel_requested:
            time.sleep(0.01)  # a fit checks this after every epoch
        raise JobCancelled

    queue = JobQueue(max_workers=1)
    try:
        job = queue.submit("training", time_limited(endless, seconds=0.2))
        assert _events_of(job) == ["progress", "error"]
        assert "ran longer than 0 s" in job.read(0)[0][-1][2]["detail"]
        quick = queue.submit("training", time_limited(lambda job: {"ok": 1}, seconds=60))
        assert _events_of(quick) == ["done"]  # the queue lives on; a quick job is untouched
        stopped = queue.submit("training", time_limited(endless, seconds=60))
        assert _events_of(stopped, until="progress") == ["progress"]
        stopped.request_cancel()
        assert _events_of(stopped) == ["progress", "cancelled"]  # a user's cancel stays one
    finally:
        queue.shutdown()


def test_websockets_are_closed_without_a_handshake(client: TestClient) -> None:
    with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect("/api/ws"):
        pass
    assert closed.value.code == 1008


def test_serve_refuses_a_short_token_before_listening() -> None:
    with pytest.raises(NeuronLabError, match="at least 8"):
        serve(host="127.0.0.1", port=0, open_browser=False, token="short")


@pytest.mark.parametrize("bad", ["with space1", "semi;colon", 'quo"ted-token', "euro€token"])
def test_a_token_a_link_or_cookie_cannot_carry_is_refused(bad: str) -> None:
    with pytest.raises(NeuronLabError, match="letters, digits and - . _ ~"):
        access_token("0.0.0.0", token=bad)


def test_every_allowed_token_character_survives_the_link_and_cookie(
    mnist_test_dir: Path, tmp_path: Path
) -> None:
    token = "Az09-._~token"
    assert access_token("0.0.0.0", token=token) == token
    with TestClient(create_app(str(mnist_test_dir), cache_dir=tmp_path, token=token)) as client:
        assert client.get(f"/?token={token}", follow_redirects=False).status_code == 303
        assert client.get("/api/models").status_code == 200  # the cookie carries it back
        client.cookies.clear()
        assert client.get("/api/models?token=%E2%82%AC").status_code == 401  # not a 500


def test_the_link_redirect_stays_on_this_server(client: TestClient) -> None:
    url = f"http://testserver//evil.example/x?token={TOKEN}"  # the path is //evil.example/x
    response = client.get(url, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/evil.example/x"
    euro = client.get(f"/caf%C3%A9/%E2%82%AC?token={TOKEN}", follow_redirects=False)
    assert euro.status_code == 303  # a path a header cannot carry as is: encoded, not a 500
    assert euro.headers["location"] == "/caf%C3%A9/%E2%82%AC"
    client.cookies.set(TOKEN_COOKIE, TOKEN)
    assert client.get("/%E2%82%AC").status_code == 404


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"Origin": "http://evil.example"}, {"json": {"model": "logistic"}}),
        ({"Origin": "null"}, {"json": {"model": "logistic"}}),
        ({"Sec-Fetch-Site": "cross-site"}, {"json": {"model": "logistic"}}),
        ({"Sec-Fetch-Site": "same-site"}, {"json": {"model": "logistic"}}),
        ({}, {"content": b'{"model": "logistic"}', "headers": {"Content-Type": "text/plain"}}),
        ({}, {"data": {"model": "logistic"}}),
    ],
)
def test_cross_site_requests_cannot_change_anything(
    client: TestClient, headers: dict[str, str], body: dict
) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}", **headers, **body.pop("headers", {})}
    refused = client.post("/api/train", headers=auth, **body)
    assert refused.status_code == 403
    assert "own page" in refused.json()["detail"]


def test_a_plain_form_cannot_upload_but_the_page_can(client: TestClient) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    files = {"file": ("m.npz", b"not a model")}
    assert client.post("/api/models/upload", headers=auth, files=files).status_code == 403
    page = {**auth, "X-Neuronlab": "1", "Origin": "http://testserver"}
    assert client.post("/api/models/upload", headers=page, files=files).status_code == 400
    assert client.delete("/api/jobs/none", headers=auth).status_code == 404  # DELETE: preflighted


def test_a_server_on_another_loopback_address_accepts_its_own_link(
    mnist_test_dir: Path, tmp_path: Path
) -> None:
    argv = [sys.executable, "-c", "from neuronlab.cli import main; main()", "serve"]
    argv += ["--host", "127.0.0.2", "--port", "0", "--no-browser", "--quiet"]
    argv += ["--data", str(mnist_test_dir), "--cache-dir", str(tmp_path)]
    server = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        url = line.split(" at ")[1].split()[0]
        assert url.startswith("http://127.0.0.2:")
        answer = httpx.get(url + "api/models", timeout=60)
        assert answer.status_code == 200, answer.text
        foreign = httpx.get(url + "api/models", headers={"Host": "evil.example"}, timeout=10)
        assert foreign.status_code == 400
    finally:
        server.terminate()
        server.wait(timeout=15)


def test_error_messages_do_not_show_the_servers_folders(
    mnist_test_dir: Path, tmp_path: Path
) -> None:
    with TestClient(create_app(str(mnist_test_dir), cache_dir=tmp_path)) as client:
        body = {"model": "logistic", "classes": [0, 1], "max_epochs": 2}
        started = client.post("/api/train", json=body).json()
        with client.stream("GET", f"/api/jobs/{started['job_id']}/events") as events:
            assert "event: done" in list(events.iter_lines())
        store = client.app.state.lab.store
        store.path(started["model_key"]).write_bytes(b"damaged on disk")
        store._models.clear()  # as after a restart: read from the file again
        answer = client.get(f"/api/models/{started['model_key']}/weights")
    assert answer.status_code == 400
    assert re.search(r"not a (valid )?Neuron Lab model file", answer.json()["detail"])
    assert str(tmp_path) not in answer.json()["detail"]


def test_finished_jobs_are_forgotten_after_a_while(monkeypatch: pytest.MonkeyPatch) -> None:
    """A finished job's events (a sweep's results can be large) are not kept forever."""
    from neuronlab.web import jobs

    queue = JobQueue(max_workers=1)
    try:
        job = queue.submit("training", lambda job: {"ok": 1})
        assert _events_of(job) == ["done"]
        assert queue.get(job.id) is job  # a late listener still finds it
        monkeypatch.setattr(jobs, "KEEP_FINISHED_S", 0.0)
        assert queue.get(job.id) is None
        monkeypatch.setattr(jobs, "KEEP_FINISHED_S", 600.0)
        monkeypatch.setattr(jobs, "KEEP_FINISHED", 2)
        done = [queue.submit("training", lambda job: {"ok": 1}) for _ in range(4)]
        for each in done:
            _events_of(each)
        assert [queue.get(each.id) is not None for each in done] == [False, False, True, True]
    finally:
        queue.shutdown()
