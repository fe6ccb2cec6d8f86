"""The dashboard's web application: the page, its script and the JSON API (docs/dashboard.md).

Everything the page needs is served by the app itself (its HTML, script and style from the
package, plotly's script from the installed plotly package): it works offline and references no
other site. Solves run as background jobs (:mod:`tradetalks.web.jobs`), so no request waits on
one; the routes only validate, read the jobs' files and answer.

Safety defaults: ``tradetalks serve`` binds the loopback interface; requests must name a host of
``allowed_hosts`` (against DNS rebinding); a cross-site ``POST`` (an ``Origin`` that is not the
host) is refused; request bodies are limited to ``max_request_bytes``; only shipped baselines and
built-in names are accepted (never a path); files are served from a job's folder only, named by
a job id of 16 hexadecimal digits.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.middleware.trustedhost import TrustedHostMiddleware

from tradetalks.errors import TradetalksError
from tradetalks.web.jobs import Job, JobManager, valid_id
from tradetalks.web.models import DealsRequest, RunRequest, meta, scenario_table
from tradetalks.web.worker import ARTIFACTS

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
#: Hosts the app answers by default (the loopback names).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")
#: Static files of the page, by URL name, with their media type.
STATIC_FILES = {
    "app.js": "text/javascript; charset=utf-8",
    "schema-form.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
}
#: Measures set side by side by ``GET /api/compare``.
COMPARE_MEASURES = ("welfare_pct", "real_wage_pct", "price_index_pct", "exports_pct", "imports_pct")
MEDIA = {
    "result": "application/json",
    "figures": "application/json",
    "report": "text/html; charset=utf-8",
    "bundle": "application/zip",
}


@lru_cache(maxsize=1)
def _plotly_js() -> bytes:
    from plotly.offline import get_plotlyjs  # type: ignore[import-untyped, unused-ignore]

    script: str = get_plotlyjs()
    return script.encode("utf-8")


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    from tradetalks.scenarios.schema import scenario_json_schema

    return scenario_json_schema()


def create_app(
    results_dir: Path,
    *,
    workers: int = 1,
    max_request_bytes: int = 1_000_000,
    run_timeout_s: float = 600.0,
    allowed_hosts: Sequence[str] | None = LOOPBACK_HOSTS,
) -> FastAPI:
    """The dashboard's application, keeping its jobs in ``results_dir``.

    Parameters
    ----------
    results_dir : Path
        Folder of the jobs (created if missing); each job writes ``results_dir/<id>/``, and jobs
        found there from an earlier server are listed again.
    workers : int
        Jobs solved at the same time, each in its own process (at least 1).
    max_request_bytes : int
        Largest request body accepted (413 above it).
    run_timeout_s : float
        A job running longer is stopped and marked failed.
    allowed_hosts : sequence of str, optional
        Host names the app answers (400 otherwise); None: any (when served on a network address).

    Raises
    ------
    OptionsError
        If ``workers`` is below 1 or a limit is not positive.
    """
    from tradetalks.errors import OptionsError

    if workers < 1:
        raise OptionsError(f"workers={workers}; allowed: a whole number >= 1")
    if max_request_bytes <= 0 or run_timeout_s <= 0:
        raise OptionsError(
            f"max_request_bytes={max_request_bytes}, run_timeout_s={run_timeout_s}; allowed: positive numbers"
        )
    jobs = JobManager(Path(results_dir), workers=workers, timeout_s=run_timeout_s)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        jobs.start()
        yield
        jobs.close()

    app = FastAPI(
        title="tradetalks dashboard",
        description="Solve scenarios and deal spaces, see their charts, download their bundles.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.jobs = jobs
    if allowed_hosts is not None:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))

    @app.middleware("http")
    async def limits(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            origin = request.headers.get("origin")
            if origin and urlsplit(origin).netloc != request.headers.get("host", ""):
                return JSONResponse({"detail": "cross-site request refused"}, status_code=403)
            length = request.headers.get("content-length")
            if length is None:
                return JSONResponse({"detail": "a request body needs a Content-Length"}, status_code=411)
            if not length.isdigit() or int(length) > max_request_bytes:
                return JSONResponse(
                    {"detail": f"request body over the limit of {max_request_bytes} bytes"}, status_code=413
                )
        return await call_next(request)

    def job_of(job_id: str) -> Job:
        job = jobs.get(job_id) if valid_id(job_id) else None
        if job is None:
            raise HTTPException(404, detail=f"no job {job_id!r}")
        return job

    def artifact(job_id: str, name: str) -> FileResponse:
        job = job_of(job_id)
        if job.status != "done":
            raise HTTPException(409, detail=f"job {job_id} is {job.status}, not done")
        root = jobs.root.resolve()
        path = (jobs.folder(job.id) / ARTIFACTS[name]).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            raise HTTPException(404, detail=f"job {job_id} has no {name}")
        filename = f"tradetalks-{job.id}.zip" if name == "bundle" else None
        return FileResponse(path, media_type=MEDIA[name], filename=filename)

    # -- the page ------------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> HTMLResponse:
        return HTMLResponse((STATIC / "index.html").read_text(encoding="utf-8"))

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> Response:
        return Response(
            _plotly_js(),
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "max-age=86400"},
        )

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        if name not in STATIC_FILES:
            raise HTTPException(404, detail=f"no file {name!r}")
        return Response((STATIC / name).read_bytes(), media_type=STATIC_FILES[name])

    # -- the API -------------------------------------------------------------------------------

    @app.get("/api/meta")
    def get_meta() -> dict[str, Any]:
        """Baselines, dates, horizons, elasticity sets, closures, scenarios and deal spaces."""
        return meta()

    @app.get("/api/schema")
    def get_schema() -> dict[str, Any]:
        """The JSON Schema of a scenario file."""
        return _schema()

    @app.get("/api/scenarios/{name}")
    def get_scenario(name: str) -> Any:
        """A built-in scenario as its table."""
        try:
            return scenario_table(name)
        except ValueError as exc:
            raise HTTPException(404, detail=str(exc)) from None

    @app.post("/api/runs", status_code=202)
    def post_run(body: RunRequest) -> dict[str, Any]:
        """Queue a run of a scenario; answers the job at once."""
        try:
            title = body.title()
        except TradetalksError as exc:
            raise HTTPException(422, detail=[{"loc": ["body", "scenario"], "msg": str(exc)}]) from None
        return jobs.submit("run", body.model_dump(), title=title).to_dict()

    @app.post("/api/deals", status_code=202)
    def post_deals(body: DealsRequest) -> dict[str, Any]:
        """Queue the solve of a built-in deal space; answers the job at once."""
        return jobs.submit("deals", body.model_dump(), title=f"deal space {body.space}").to_dict()

    @app.get("/api/jobs")
    def list_jobs() -> list[dict[str, Any]]:
        """Every job, newest first."""
        return [j.to_dict() for j in jobs.list()]

    @app.get("/api/jobs/{job_id}")
    def get_job(job_id: str) -> dict[str, Any]:
        """A job's status (queued, running, done, failed), progress 0-1, message and error."""
        return job_of(job_id).to_dict()

    @app.get("/api/runs/{job_id}/result")
    def get_result(job_id: str) -> FileResponse:
        """The result's JSON (``to_dict()``)."""
        return artifact(job_id, "result")

    @app.get("/api/runs/{job_id}/figures")
    def get_figures(job_id: str) -> FileResponse:
        """The report's charts: a list of ``{key, title, reading, figure}``, figures as plotly JSON."""
        return artifact(job_id, "figures")

    @app.get("/api/runs/{job_id}/report.html")
    def get_report(job_id: str) -> FileResponse:
        """The self-contained HTML report."""
        return artifact(job_id, "report")

    @app.get("/api/runs/{job_id}/bundle.zip")
    def get_bundle(job_id: str) -> FileResponse:
        """The result bundle (manifest.json and every table as parquet, csv and xlsx), zipped."""
        return artifact(job_id, "bundle")

    @app.get("/api/compare")
    def compare(a: str = Query(...), b: str = Query(...)) -> dict[str, Any]:
        """Two finished runs side by side: the main measures of every region of both."""
        docs = {}
        for key, job_id in (("a", a), ("b", b)):
            job = job_of(job_id)
            if job.kind != "run" or job.status != "done":
                raise HTTPException(
                    409, detail=f"{key}={job_id}: not a finished run ({job.kind}, {job.status})"
                )
            path = jobs.folder(job.id) / ARTIFACTS["result"]
            docs[key] = (job, json.loads(path.read_text(encoding="utf-8")))
        rows_a = {r["code"]: r for r in docs["a"][1]["regions"]}
        rows_b = {r["code"]: r for r in docs["b"][1]["regions"]}
        regions = [r for r in rows_a if r in rows_b]
        return {
            "a": {"id": a, "title": docs["a"][0].title, "horizon": docs["a"][1].get("horizon")},
            "b": {"id": b, "title": docs["b"][0].title, "horizon": docs["b"][1].get("horizon")},
            "measures": list(COMPARE_MEASURES),
            "regions": [
                {
                    "code": r,
                    **{
                        m: {"a": rows_a[r].get(m), "b": rows_b[r].get(m)}
                        for m in COMPARE_MEASURES
                        if m in rows_a[r] or m in rows_b[r]
                    },
                }
                for r in regions
            ],
        }

    return app
