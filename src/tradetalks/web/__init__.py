"""The local web dashboard (``tradetalks serve``; docs/dashboard.md).

:func:`create_app` builds the FastAPI application: a page whose lever forms are generated from
the scenario files' JSON Schema, and a JSON API under ``/api`` that queues runs and deal spaces
as background jobs (each in its own process) and serves their results, charts, HTML report and
result bundle.
"""

from tradetalks.web.app import create_app
from tradetalks.web.jobs import Job, JobManager

__all__ = ["Job", "JobManager", "create_app"]
