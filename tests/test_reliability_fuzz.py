"""Fuzz the web API from its own /openapi.json with schemathesis: over 1,000 requests, no 5xx.

Valid and invalid requests, carrying the access token (so the token check and
the body limits are fuzzed too), are generated for every operation. One small
model is trained up front, so half of the model requests name a model that
exists; while fuzzing, the work of training and sweep jobs is replaced by an
instant stand-in, so that the requests (validation, queue, caps) are what is
tested, not minutes of fits. Every answer must be below 500; a 4xx must carry
a ``detail`` sentence.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

schemathesis = pytest.importorskip("schemathesis")

from neuronlab.web import compute, create_app  # noqa: E402

POSITIVE = schemathesis.GenerationMode.POSITIVE
NEGATIVE = schemathesis.GenerationMode.NEGATIVE
EXAMPLES = {POSITIVE: 55, NEGATIVE: 45}  # per operation: about 1,050 requests in all
TRAINED = {"model": "logistic", "classes": [3, 5], "max_epochs": 5}
TOKEN = "fuzzing-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def schema(mnist_test_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    cache = tmp_path_factory.mktemp("fuzz-cache")
    app = create_app(str(mnist_test_dir), cache_dir=cache, token=TOKEN)
    return schemathesis.openapi.from_asgi("/openapi.json", app, headers=AUTH)


@pytest.fixture(scope="module")
def trained_key(schema) -> str:
    """Train one small model through the API and wait until it is listed."""
    started = schema["/api/train"]["POST"].Case(body=TRAINED).call(headers=AUTH)
    assert started.status_code in (200, 202), started.text
    key = started.json()["model_key"]
    models = schema["/api/models"]["GET"]
    for _ in range(600):
        if any(m["model_key"] == key for m in models.Case().call(headers=AUTH).json()):
            return key
        time.sleep(0.05)
    pytest.fail(f"the model {key} was never listed")


def test_generated_requests_never_get_a_server_error(
    schema, trained_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compute, "train", lambda job, *args: {"model_key": "stand-in"})
    monkeypatch.setattr(compute, "sweep", lambda job, *args: {"results": []})
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        _fuzz(operation, POSITIVE, trained_key, statuses, failures)
        # A path string cannot be invalid; queries, headers and bodies can.
        if operation.query.items or operation.headers.items or operation.body.items:
            _fuzz(operation, NEGATIVE, trained_key, statuses, failures)
    total = sum(statuses.values())
    print(f"\nfuzzed {total} requests; statuses {dict(sorted(statuses.items()))}")
    assert not failures, "\n".join(failures[:10])
    assert total >= 1000
    assert sum(n for status, n in statuses.items() if status >= 500) == 0
    assert statuses[200] > 100 and statuses[422] > 100  # both valid and invalid requests ran


def _fuzz(operation, mode, trained_key: str, statuses: Counter, failures: list[str]) -> None:
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), known=st.booleans())
    def run(case, known: bool) -> None:
        if known and "key" in (case.path_parameters or {}):
            case.path_parameters["key"] = trained_key
        response = case.call(headers=AUTH)
        statuses[response.status_code] += 1
        where = f"{case.method} {case.formatted_path} ({mode})"
        if response.status_code >= 500:
            failures.append(f"{where} -> {response.status_code}: {response.text[:200]}")
        elif response.status_code >= 400 and not response.json().get("detail"):
            failures.append(f"{where} -> {response.status_code} without a detail")

    run()
