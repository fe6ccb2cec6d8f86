"""What a dashboard job does in its own process: solve, then write its files into the job's folder.

A job's folder (``<results>/<id>/``) receives, in this order, ``result.json`` (the result's
``to_dict()``), ``figures.json`` (the report's charts as plotly JSON), ``report.html`` (the
self-contained report), ``bundle/`` (the result bundle: ``manifest.json`` and every table as
parquet, csv and xlsx) and ``bundle.zip`` (the same folder zipped). Every file is written under a
temporary name and renamed into place, so that the server never serves half a file.

The process reports ``[job id, event, payload]`` on a queue the server reads, as JSON text (so
the server never unpickles anything a job could shape): ``progress`` with ``[fraction, message]``,
then ``done`` with a small summary or ``failed`` with the error text.
"""

from __future__ import annotations

import json
import logging
import os
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from tradetalks.errors import TradetalksError

log = logging.getLogger(__name__)

#: Files of a finished job, by the name the API serves them under.
ARTIFACTS = {
    "result": "result.json",
    "figures": "figures.json",
    "report": "report.html",
    "bundle": "bundle.zip",
}
#: Folder of the result bundle inside a job's folder.
BUNDLE_DIR = "bundle"


class Channel(Protocol):
    """The part of a multiprocessing queue a job writes to."""

    def put(self, obj: Any) -> None: ...


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _zip_folder(folder: Path, target: Path) -> None:
    tmp = target.with_name(target.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                zf.write(f, f.relative_to(folder).as_posix())
    os.replace(tmp, target)


def figures_json(result: Any) -> str:
    """The report's charts of ``result`` as one JSON list of ``{key, title, reading, figure}``."""
    import plotly.io as pio  # type: ignore[import-untyped, unused-ignore]

    from tradetalks.report import figures

    parts = [
        "{"
        + f'"key": {json.dumps(c.key)}, "title": {json.dumps(c.title)}, '
        + f'"reading": {json.dumps(c.reading)}, "figure": {pio.to_json(c.figure, validate=False)}'
        + "}"
        for c in figures(result)
    ]
    return "[" + ", ".join(parts) + "]"


def _scenario(value: str | Mapping[str, Any]) -> Any:
    """A built-in scenario's name as is; a scenario table parsed into a Scenario."""
    if isinstance(value, str):
        return value
    from tradetalks.scenarios import parse_scenario

    return parse_scenario(value, "scenario from the dashboard")


def job_call(kind: str, request: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of the workflow call a job makes (``tradetalks.run`` or ``deals``)."""
    call: dict[str, Any] = {
        "baseline": request.get("baseline", "default"),
        "date": request.get("date"),
        "elasticities": request.get("elasticities"),
        "closure": request.get("closure", "fixed"),
        "horizon": request.get("horizon", "long"),
        "draws": int(request.get("draws", 0)),
        "seed": int(request.get("seed", 0)),
    }
    if kind == "run":
        alongside = request.get("alongside")
        return {
            "scenario": _scenario(request.get("scenario", "us-100")),
            "fallout": bool(request.get("fallout", False)),
            "alongside": None if alongside is None else list(alongside),
            **call,
        }
    if kind == "deals":
        return {"space": str(request.get("space", "busan-2025")), **call}
    raise ValueError(f"unknown job kind {kind!r}; allowed: run, deals")


def solve_job(kind: str, call: Mapping[str, Any], report: Callable[[float, str], None]) -> Any:
    """Solve one job: ``kind`` ``run`` (``tradetalks.run``) or ``deals`` (``tradetalks.deals``)."""
    import tradetalks.api as api

    def progress(task: str, done: int, total: int | None) -> None:
        share = done / total if total else 0.0
        report(0.05 + 0.65 * share, f"{task}: {done}" + (f" of {total}" if total else ""))

    if kind == "run":
        report(0.02, "preparing the baseline and solving")
        return api.run(**call, progress=progress)
    report(0.02, "solving every package of the deal space")
    return api.deals(**call, progress=progress)


def write_artifacts(
    kind: str, result: Any, call: Mapping[str, Any], folder: Path, report: Callable[[float, str], None]
) -> None:
    """Write the result's files into ``folder`` (see the module's docstring)."""
    from tradetalks.api.bundle import write_bundle
    from tradetalks.report import to_html
    from tradetalks.results import json_safe

    report(0.72, "writing the result")
    doc = result.to_dict(list(result.result.regions)) if kind == "run" else result.to_dict()
    _write_text(folder / ARTIFACTS["result"], json.dumps(json_safe(doc), allow_nan=False))
    report(0.76, "drawing the charts")
    _write_text(folder / ARTIFACTS["figures"], figures_json(result))
    report(0.84, "writing the report")
    _write_text(folder / ARTIFACTS["report"], to_html(result))
    report(0.9, "writing the bundle")
    bundle = folder / BUNDLE_DIR
    write_bundle(result, bundle, call=call, regions="all" if kind == "run" else None)
    _zip_folder(bundle, folder / ARTIFACTS["bundle"])


def _summary(kind: str, result: Any) -> dict[str, Any]:
    if kind == "run":
        return {"title": result.scenario.title or result.scenario.name, "scenario": result.scenario.name}
    return {"title": f"deal space {result.space.name}", "space": result.space.name}


def child_main(job_id: str, folder: str, kind: str, request: dict[str, Any], channel: Channel) -> None:
    """Entry point of a job's process: solve, write the files, report ``done`` or ``failed``."""
    here = Path(folder)

    def tell(event: str, payload: Any) -> None:
        channel.put(json.dumps([job_id, event, payload]))

    def report(fraction: float, message: str) -> None:
        tell("progress", [min(max(fraction, 0.0), 1.0), message])

    try:
        call = job_call(kind, request)
        result = solve_job(kind, call, report)
        write_artifacts(kind, result, call, here, report)
    except TradetalksError as exc:
        tell("failed", " ".join(str(exc).split()))
        return
    except Exception as exc:  # a job's failure is reported, never raised into the server
        log.exception("job %s failed", job_id)
        tell("failed", f"{type(exc).__name__}: {exc}")
        return
    tell("done", _summary(kind, result))
