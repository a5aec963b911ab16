"""A real lab server (uvicorn with the lab's connection guards) on 127.0.0.1, in a thread."""

from __future__ import annotations

import threading
import time
from typing import Any

import uvicorn

from neuronlab.web.app import _bind, server_config


class LiveServer:
    """``app`` served on a free port of 127.0.0.1 until :meth:`stop`; ``limits`` as in serve."""

    def __init__(self, app: Any, **limits: float) -> None:
        self.listener = _bind("127.0.0.1", 0)
        self.port = self.listener.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(server_config(app, **limits))
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.listener]}, daemon=True
        )

    def start(self, timeout_s: float = 30.0) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.listener.close()
