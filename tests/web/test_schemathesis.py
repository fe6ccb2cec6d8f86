"""Property-based tests of the dashboard's API against its own OpenAPI schema (schemathesis).

Every operation of ``/openapi.json`` is called in process (ASGI) with generated requests, valid
and invalid ones; each answer must be no 5xx and conform to the schema (a declared status code,
content type, headers and body). The app takes no jobs (``max_jobs=0``), so a valid run or deal
space is answered 429 at once instead of starting a solve; most generated bodies are refused by
validation (422) before that.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tradetalks.web import create_app
from tradetalks.web.app import LOOPBACK_HOSTS

#: Generated requests per operation (and generation mode).
EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


#: The app's results folder, removed after the module's tests.
RESULTS = tempfile.TemporaryDirectory(prefix="tradetalks-schemathesis-")
#: The ASGI client of schemathesis names the host ``testserver``.
APP = create_app(Path(RESULTS.name), max_jobs=0, allowed_hosts=(*LOOPBACK_HOSTS, "testserver"))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def _cleanup():
    yield
    RESULTS.cleanup()


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return APP


def test_the_schema_covers_every_api_route(app: FastAPI):
    spec = app.openapi()
    routes = {r.path for r in app.routes if getattr(r, "path", "").startswith("/api/")}
    assert set(spec["paths"]) == routes
    assert len(routes) == 12
    for ops in spec["paths"].values():
        for op in ops.values():
            assert {"400", "414"} <= set(op["responses"])  # the guard's answers are declared
    assert {"403", "411", "413", "422", "429"} <= set(spec["paths"]["/api/runs"]["post"]["responses"])


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
    derandomize=True,
)
def test_api_conforms_to_its_schema(case):
    response = case.call_and_validate(checks=CHECKS)
    assert response.status_code < 500
    if case.method == "POST" and response.status_code == 202:
        pytest.fail(f"a job was queued by an app that takes none: {response.text[:200]}")
