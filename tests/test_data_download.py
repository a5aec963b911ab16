"""Downloads against a local HTTP server: verified files land, anything else never does."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

import neuronlab.data.download as download_module
from neuronlab.data import cache_dir, clear_cache, fetch, load, sources, write_idx
from neuronlab.data.download import FileSpec, download, mirrors, verify
from neuronlab.errors import DataError, DownloadError

REAL_T10K = sources.MNIST.files[2:]


@dataclasses.dataclass
class Route:
    """What the server answers for one path."""

    body: bytes = b""
    status: int = 200
    declared: int | None = None  # Content-Length to claim, if not len(body)
    delay_s: float = 0.0


class Server:
    """A tiny HTTP server on 127.0.0.1 whose answers the test can change."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[str] = []
        routes, requests = self.routes, self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                requests.append(self.path)
                route = routes.get(self.path, Route(status=404))
                time.sleep(route.delay_s)
                self.send_response(route.status)
                declared = len(route.body) if route.declared is None else route.declared
                self.send_header("Content-Length", str(declared))
                self.end_headers()
                # The client hangs up early on purpose when a file is oversized or interrupted.
                with contextlib.suppress(ConnectionError):
                    self.wfile.write(route.body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    running = Server()
    yield running
    running.close()


@pytest.fixture
def closed_port_url() -> str:
    """A URL on which nothing listens: the same as being offline, but instant."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def spec_for(name: str, body: bytes) -> FileSpec:
    return FileSpec(name, len(body), hashlib.sha256(body).hexdigest())


PAYLOAD = bytes(range(256)) * 40
SPEC = spec_for("payload.gz", PAYLOAD)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_real_mnist_files_download_and_verify(
    server: Server, mnist_test_dir: Path, tmp_path: Path
) -> None:
    for spec in REAL_T10K:
        server.routes[f"/good/{spec.name}"] = Route((mnist_test_dir / spec.name).read_bytes())
    for spec in REAL_T10K:
        path = download(spec, tmp_path, [f"{server.url}/good/"], progress=False)
        assert path.read_bytes() == (mnist_test_dir / spec.name).read_bytes()
        verify(path, spec)
    assert leftovers(tmp_path) == sorted(spec.name for spec in REAL_T10K)


def test_bad_mirrors_are_skipped_for_a_good_one(server: Server, tmp_path: Path) -> None:
    server.routes["/broken/payload.gz"] = Route(status=500)
    server.routes["/corrupt/payload.gz"] = Route(PAYLOAD[::-1])
    server.routes["/good/payload.gz"] = Route(PAYLOAD)
    bases = [f"{server.url}/{name}/" for name in ("missing", "broken", "corrupt", "good")]
    path = download(SPEC, tmp_path, bases, progress=False)
    assert path.read_bytes() == PAYLOAD
    assert server.requests == [
        f"/{name}/payload.gz" for name in ("missing", "broken", "corrupt", "good")
    ]
    assert leftovers(tmp_path) == ["payload.gz"]


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        (Route(PAYLOAD[::-1]), "SHA-256"),
        (Route(PAYLOAD[:-100]), "instead of"),
        (Route(PAYLOAD + b"extra"), "more than"),
        (Route(PAYLOAD[:1000], declared=len(PAYLOAD)), "1,000 bytes instead of"),
        (Route(status=404), "HTTP 404"),
        (Route(status=500), "HTTP 500"),
    ],
    ids=["corrupted", "truncated", "oversized", "cut-off", "missing", "server-error"],
)
def test_a_bad_file_never_lands_in_the_cache(
    server: Server, tmp_path: Path, route: Route, reason: str
) -> None:
    server.routes["/m/payload.gz"] = route
    with pytest.raises(DownloadError, match=reason) as caught:
        download(SPEC, tmp_path, [f"{server.url}/m/"], progress=False)
    assert f"{server.url}/m/payload.gz" in str(caught.value)
    assert leftovers(tmp_path) == []  # neither the file nor a temp file


def test_retry_succeeds_once_the_server_is_fixed(server: Server, tmp_path: Path) -> None:
    server.routes["/m/payload.gz"] = Route(PAYLOAD[:-1] + b"?")
    with pytest.raises(DownloadError):
        download(SPEC, tmp_path, [f"{server.url}/m/"], progress=False)
    server.routes["/m/payload.gz"] = Route(PAYLOAD)
    assert download(SPEC, tmp_path, [f"{server.url}/m/"], progress=False).read_bytes() == PAYLOAD


def test_offline_gives_advice(closed_port_url: str, tmp_path: Path) -> None:
    with pytest.raises(DownloadError) as caught:
        download(SPEC, tmp_path / "mnist", [closed_port_url], progress=False)
    message = str(caught.value)
    assert "connect to the internet" in message
    assert str(tmp_path / "mnist") in message
    assert "--data embedded" in message
    assert leftovers(tmp_path / "mnist") == []


def test_slow_mirror_times_out(server: Server, tmp_path: Path) -> None:
    server.routes["/slow/payload.gz"] = Route(PAYLOAD, delay_s=2.0)
    with pytest.raises(DownloadError, match="timed out"):
        download(SPEC, tmp_path, [f"{server.url}/slow/"], progress=False, timeout=0.2)
    assert leftovers(tmp_path) == []


def test_interrupt_removes_the_temp_file(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class InterruptingBar:
        def __init__(self, **kwargs: object) -> None:
            pass

        def __enter__(self) -> InterruptingBar:
            return self

        def __exit__(self, *args: object) -> None:
            pass

        def update(self, n: int) -> None:
            raise KeyboardInterrupt

    server.routes["/m/payload.gz"] = Route(PAYLOAD)
    monkeypatch.setattr(download_module, "tqdm", InterruptingBar)
    with pytest.raises(KeyboardInterrupt):
        download(SPEC, tmp_path, [f"{server.url}/m/"])
    assert leftovers(tmp_path) == []


def test_progress_bar_goes_to_stderr(
    server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.routes["/m/payload.gz"] = Route(PAYLOAD)
    download(SPEC, tmp_path / "on", [f"{server.url}/m/"], progress=True)
    assert "payload.gz" in capsys.readouterr().err
    download(SPEC, tmp_path / "off", [f"{server.url}/m/"], progress=False)
    assert capsys.readouterr().err == ""


def test_mirrors_and_cache_dir_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("NEURONLAB_MIRRORS", raising=False)
    assert mirrors(["https://a.example/x"]) == ("https://a.example/x/",)
    monkeypatch.setenv("NEURONLAB_MIRRORS", " http://127.0.0.1:1/m , http://127.0.0.1:2/ ")
    assert mirrors(["https://a.example/x/"]) == ("http://127.0.0.1:1/m/", "http://127.0.0.1:2/")
    monkeypatch.setenv("NEURONLAB_CACHE", str(tmp_path / "env"))
    assert cache_dir() == tmp_path / "env"
    assert cache_dir(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.delenv("NEURONLAB_CACHE")
    assert cache_dir().name.lower() == "neuronlab"


def small_remote(tmp_path: Path) -> tuple[sources.Remote, dict[str, bytes]]:
    """A stand-in for MNIST: four small real-format files with their own pins."""
    rng = np.random.default_rng(0)
    bodies = {}
    for split, n in (("train", 30), ("t10k", 12)):
        images_path = tmp_path / f"{split}-images-idx3-ubyte.gz"
        labels_path = tmp_path / f"{split}-labels-idx1-ubyte.gz"
        write_idx(images_path, rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(labels_path, np.arange(n) % 10)
        for path in (images_path, labels_path):
            bodies[path.name] = path.read_bytes()
    files = tuple(spec_for(name, body) for name, body in bodies.items())
    return dataclasses.replace(sources.MNIST, files=files), bodies


@pytest.fixture
def served_mnist(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, bytes]:
    remote, bodies = small_remote(tmp_path)
    monkeypatch.setitem(sources.REMOTES, "mnist", remote)
    monkeypatch.setenv("NEURONLAB_MIRRORS", f"{server.url}/mnist/")
    for name, body in bodies.items():
        server.routes[f"/mnist/{name}"] = Route(body)
    return bodies


def test_load_downloads_once_then_uses_the_cache(
    server: Server, served_mnist: dict[str, bytes], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    first = load("mnist", cache_dir=cache, progress=False)
    assert (first.name, first.n_train, first.n_test) == ("mnist", 30, 12)
    assert leftovers(cache / "mnist") == sorted(served_mnist)
    server.requests.clear()
    second = load("mnist", cache_dir=cache, progress=False)
    assert server.requests == []
    np.testing.assert_array_equal(second.train_images, first.train_images)


def test_corrupted_cache_file_is_detected_on_load(
    served_mnist: dict[str, bytes], tmp_path: Path
) -> None:
    paths = fetch("mnist", cache_dir=tmp_path, progress=False)
    assert [p.name for p in paths] == list(served_mnist)
    damaged = paths[1]
    body = bytearray(damaged.read_bytes())
    body[-10] ^= 0xFF
    damaged.write_bytes(bytes(body))
    with pytest.raises(DataError, match="neuronlab data clear") as caught:
        load("mnist", cache_dir=tmp_path, progress=False)
    assert str(damaged) in str(caught.value)


def test_fetch_without_download_says_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not in the cache") as caught:
        fetch("mnist", cache_dir=tmp_path, download=False)
    assert str(tmp_path / "mnist") in str(caught.value)
    assert leftovers(tmp_path) == []


def test_clear_cache_removes_only_our_files(served_mnist: dict[str, bytes], tmp_path: Path) -> None:
    folder = tmp_path / "mnist"
    fetch("mnist", cache_dir=tmp_path, progress=False)
    (folder / "notes.txt").write_text("not ours")
    (tmp_path / "models").mkdir()
    removed = clear_cache(tmp_path)
    assert sorted(p.name for p in removed) == sorted(served_mnist)
    assert leftovers(folder) == ["notes.txt"]
    assert (tmp_path / "models").is_dir()
    (folder / "notes.txt").unlink()
    fetch("mnist", cache_dir=tmp_path, progress=False)
    assert clear_cache(tmp_path, name="mnist")[-1] == folder
    assert not folder.exists()
    with pytest.raises(DataError, match="mnist, fashion-mnist, embedded"):
        clear_cache(tmp_path, name="cifar")


def test_unwritable_cache_folder_says_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("in the way")
    with pytest.raises(DownloadError, match="NEURONLAB_CACHE"):
        download(SPEC, tmp_path / "a-file" / "mnist", ["http://127.0.0.1:1/"], progress=False)
