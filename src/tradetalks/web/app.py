"""The dashboard's web application: the page, its script and the JSON API (docs/dashboard.md).

Everything the page needs is served by the app itself (its HTML, script and style from the
package, plotly's script from the installed plotly package): it works offline and references no
other site. Solves run as background jobs (:mod:`tradetalks.web.jobs`), so no request waits on
one; the routes only validate, read the jobs' files and answer. The answers that never change
(the page, its files, ``/api/meta``, ``/api/schema``, the built-in scenarios) are rendered once;
they and the jobs' states are served from the event loop itself, the rest from its thread pool.

Safety defaults: ``tradetalks serve`` binds the loopback interface; every request passes the
:class:`tradetalks.web.guard.Guard` first (a ``Host`` of ``allowed_hosts`` only, against DNS
rebinding; no cross-site ``POST``; bodies up to ``max_request_bytes``; bounded path and query
lengths); at most ``max_jobs`` jobs are queued or running (429 beyond); a job runs at most
``run_timeout_s`` seconds; only shipped baselines and built-in names are accepted (never a path);
files are served from a job's folder only, named by a job id of 16 hexadecimal digits, and only
when the resolved file lies inside the results folder. The page takes nothing from the URL or
the server's answers into its markup unescaped (its scripts set text, never HTML), and a Content
Security Policy allows it the dashboard's own scripts only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from tradetalks.errors import OptionsError, TradetalksError
from tradetalks.results import json_safe
from tradetalks.web.guard import Guard
from tradetalks.web.jobs import Job, JobManager, valid_id
from tradetalks.web.models import (
    JOB_ID_PATTERN,
    DealsRequest,
    ErrorDetail,
    JobInfo,
    RunRequest,
    meta,
    scenario_table,
)
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
#: Files of a finished job the API serves: name -> (URL under /api/runs/{job_id}/, media type, what it is).
DOWNLOADS = {
    "result": ("result", "application/json", "The result's JSON (``to_dict()``)."),
    "figures": (
        "figures",
        "application/json",
        "The report's charts: a list of ``{key, title, reading, figure}``, figures as plotly JSON.",
    ),
    "report": ("report.html", "text/html; charset=utf-8", "The self-contained HTML report."),
    "bundle": (
        "bundle.zip",
        "application/zip",
        "The result bundle (manifest.json and every table as parquet, csv and xlsx), zipped.",
    ),
}
#: The page's Content Security Policy: its own scripts only, no framing, no plugins.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
#: Seconds a client refused for a full queue is told to wait (``Retry-After``).
RETRY_AFTER_S = 10

JobId = Annotated[str, PathParam(pattern=JOB_ID_PATTERN, description="a job id: 16 hexadecimal digits")]


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries of the error answers ``codes`` (JSON ``{"detail": "..."}``)."""
    said = {
        400: "a Host that is not served, or a malformed header or body",
        403: "a cross-site request",
        404: "no such job, scenario or file",
        409: "the job is not finished (or not a run)",
        411: "a body without a Content-Length",
        413: "a body over the size limit",
        414: "a path or query string over the length limit",
        429: "the job queue is full",
    }
    return {c: {"model": ErrorDetail, "description": said[c]} for c in codes}


def _plain_error(error: Any) -> dict[str, Any]:
    """One validation error as JSON that always renders: its input echoed only when a short scalar.

    pydantic's errors echo the input, which may be nested hundreds of levels deep or hold NaN or
    infinities (JSON as Python reads it); none of that is sent back.
    """
    out = {k: error[k] for k in ("type", "loc", "msg") if k in error}
    given = error.get("input")
    if isinstance(given, str):
        out["input"] = given[:200]
    elif isinstance(given, bool | int | float):
        out["input"] = json_safe(given)
    if isinstance(error.get("ctx"), dict):
        out["ctx"] = {str(k): str(v)[:200] for k, v in error["ctx"].items()}
    return out


@lru_cache(maxsize=1)
def _page_bytes() -> bytes:
    """The page (``index.html``), read once."""
    return (STATIC / "index.html").read_bytes()


@lru_cache(maxsize=len(STATIC_FILES))
def _static_bytes(name: str) -> bytes:
    """A static file of the page (``name`` one of :data:`STATIC_FILES`), read once."""
    return (STATIC / name).read_bytes()


@lru_cache(maxsize=64)
def _json_bytes(what: str, name: str = "") -> bytes:
    """The unchanging JSON answers, rendered once: ``meta``, ``schema`` or ``scenario`` ``name``.

    Raises
    ------
    ValueError
        If ``name`` is not a built-in scenario (nothing is cached then).
    """
    value = meta() if what == "meta" else _schema() if what == "schema" else scenario_table(name)
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


def _json_response(what: str, name: str = "") -> Response:
    return Response(_json_bytes(what, name), media_type="application/json")


@lru_cache(maxsize=1)
def _plotly_js() -> bytes:
    from plotly.offline import get_plotlyjs  # type: ignore[import-untyped, unused-ignore]

    script: str = get_plotlyjs()
    return script.encode("utf-8")


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    from tradetalks.scenarios.schema_docs import scenario_json_schema

    return scenario_json_schema()


def create_app(
    results_dir: Path,
    *,
    workers: int = 1,
    max_request_bytes: int = 1_000_000,
    run_timeout_s: float = 600.0,
    max_jobs: int = 16,
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
        A job running longer is stopped and marked failed, its error naming the limit.
    max_jobs : int
        Most jobs queued or running at a time; a run or deal space asked beyond it answers 429
        (0: every job refused, a read-only dashboard).
    allowed_hosts : sequence of str, optional
        Host names the app answers (400 otherwise); None: any (when served on a network address).

    Raises
    ------
    OptionsError
        If ``workers`` is below 1, ``max_jobs`` below 0 or a limit is not positive.
    """
    if workers < 1:
        raise OptionsError(f"workers={workers}; allowed: a whole number >= 1")
    if max_jobs < 0:
        raise OptionsError(f"max_jobs={max_jobs}; allowed: a whole number >= 0")
    if max_request_bytes <= 0 or run_timeout_s <= 0:
        raise OptionsError(
            f"max_request_bytes={max_request_bytes}, run_timeout_s={run_timeout_s}; allowed: positive numbers"
        )
    jobs = JobManager(Path(results_dir), workers=workers, timeout_s=run_timeout_s, max_active=max_jobs)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        jobs.start()
        for what in ("meta", "schema"):  # rendered before the first request
            _json_bytes(what)
        yield
        jobs.close()

    app = FastAPI(
        title="tradetalks dashboard",
        description="Solve scenarios and deal spaces, see their charts, download their bundles.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        responses=_errors(400, 414),
    )
    app.state.jobs = jobs
    app.add_middleware(Guard, max_request_bytes=max_request_bytes, allowed_hosts=allowed_hosts)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": [_plain_error(e) for e in exc.errors()]}, status_code=422)

    def job_of(job_id: str) -> Job:
        job = jobs.get(job_id) if valid_id(job_id) else None
        if job is None:
            raise HTTPException(404, detail=f"no job {job_id!r}")
        return job

    def queued(job: Job | None) -> dict[str, Any]:
        if job is None:
            raise HTTPException(
                429,
                detail=f"the job queue is full: {max_jobs} jobs queued or running (max_jobs={max_jobs}); "
                "retry when one has finished",
                headers={"Retry-After": str(RETRY_AFTER_S)},
            )
        return job.to_dict()

    def file_of(job: Job, name: str) -> Path:
        """The file ``name`` of a job, resolved, when it is a file inside the results folder (else 404)."""
        path = (jobs.folder(job.id) / ARTIFACTS[name]).resolve()
        if not path.is_relative_to(jobs.root.resolve()) or not path.is_file():
            raise HTTPException(404, detail=f"job {job.id} has no {name}")
        return path

    def artifact(job_id: str, name: str) -> FileResponse:
        job = job_of(job_id)
        if job.status != "done":
            raise HTTPException(409, detail=f"job {job_id} is {job.status}, not done")
        path = file_of(job, name)
        filename = f"tradetalks-{job.id}.zip" if name == "bundle" else None
        return FileResponse(path, media_type=DOWNLOADS[name][1], filename=filename)

    # -- the page ------------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index() -> HTMLResponse:
        return HTMLResponse(_page_bytes(), headers={"Content-Security-Policy": PAGE_CSP})

    @app.get("/static/plotly.min.js", include_in_schema=False)
    async def plotly_js() -> Response:
        return Response(
            _plotly_js(),
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "max-age=86400"},
        )

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> Response:
        if name not in STATIC_FILES:
            raise HTTPException(404, detail=f"no file {name!r}")
        return Response(_static_bytes(name), media_type=STATIC_FILES[name])

    # -- the API -------------------------------------------------------------------------------

    object_200: dict[int | str, dict[str, Any]] = {
        200: {"content": {"application/json": {"schema": {"type": "object"}}}}
    }

    @app.get("/api/meta", responses=object_200)
    async def get_meta() -> Response:
        """Baselines, dates, horizons, elasticity sets, closures, scenarios and deal spaces."""
        return _json_response("meta")

    @app.get("/api/schema", responses=object_200)
    async def get_schema() -> Response:
        """The JSON Schema of a scenario file."""
        return _json_response("schema")

    @app.get("/api/scenarios/{name}", responses={**object_200, **_errors(404)})
    async def get_scenario(name: Annotated[str, PathParam(max_length=200)]) -> Response:
        """A built-in scenario as its table."""
        try:
            return _json_response("scenario", name)
        except ValueError as exc:
            raise HTTPException(404, detail=str(exc)) from None

    posted = _errors(403, 411, 413, 429)

    @app.post("/api/runs", status_code=202, response_model=JobInfo, responses=posted)
    def post_run(body: RunRequest) -> dict[str, Any]:
        """Queue a run of a scenario; answers the job at once."""
        try:
            title = body.title()
        except (TradetalksError, ValueError) as exc:
            detail = [{"type": "value_error", "loc": ["body", "scenario"], "msg": str(exc)}]
            raise HTTPException(422, detail=detail) from None
        return queued(jobs.submit("run", body.model_dump(), title=title))

    @app.post("/api/deals", status_code=202, response_model=JobInfo, responses=posted)
    def post_deals(body: DealsRequest) -> dict[str, Any]:
        """Queue the solve of a built-in deal space; answers the job at once."""
        return queued(jobs.submit("deals", body.model_dump(), title=f"deal space {body.space}"))

    @app.get("/api/jobs", response_model=list[JobInfo])
    async def list_jobs() -> list[dict[str, Any]]:
        """Every job, newest first."""
        return [j.to_dict() for j in jobs.list()]

    @app.get("/api/jobs/{job_id}", response_model=JobInfo, responses=_errors(404))
    async def get_job(job_id: JobId) -> dict[str, Any]:
        """A job's status (queued, running, done, failed), progress 0-1, message and error."""
        return job_of(job_id).to_dict()

    def download(name: str, doc: str) -> Callable[[str], FileResponse]:
        def route(job_id: JobId) -> FileResponse:
            return artifact(job_id, name)

        route.__name__ = f"get_{name}"
        route.__doc__ = doc
        return route

    for name, (url, media, doc) in DOWNLOADS.items():
        app.add_api_route(
            f"/api/runs/{{job_id}}/{url}",
            download(name, doc),
            methods=["GET"],
            response_class=Response,
            responses={200: {"content": {media.split(";")[0]: {}}, "description": doc}, **_errors(404, 409)},
        )

    @app.get("/api/compare", responses=_errors(404, 409))
    def compare(
        a: Annotated[str, Query(pattern=JOB_ID_PATTERN)], b: Annotated[str, Query(pattern=JOB_ID_PATTERN)]
    ) -> dict[str, Any]:
        """Two finished runs side by side: the main measures of every region of both."""
        side: dict[str, tuple[Job, dict[str, Any], dict[str, Any]]] = {}
        for key, job_id in (("a", a), ("b", b)):
            job = job_of(job_id)
            if job.kind != "run" or job.status != "done":
                raise HTTPException(
                    409, detail=f"{key}={job_id}: not a finished run ({job.kind}, {job.status})"
                )
            try:
                doc = json.loads(file_of(job, "result").read_text(encoding="utf-8"))
                rows = {str(r["code"]): dict(r) for r in doc["regions"]}
            except (OSError, ValueError, KeyError, TypeError):
                raise HTTPException(
                    404, detail=f"{key}={job_id}: its result is missing or unreadable"
                ) from None
            side[key] = (job, doc, rows)
        rows_a, rows_b = side["a"][2], side["b"][2]
        return {
            **{
                key: {"id": job.id, "title": job.title, "horizon": doc.get("horizon")}
                for key, (job, doc, _) in side.items()
            },
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
                for r in rows_a
                if r in rows_b
            ],
        }

    return app
