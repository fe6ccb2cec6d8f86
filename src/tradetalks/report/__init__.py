"""Reports: the charts of a result and one self-contained HTML page that works offline.

>>> import tradetalks as tt
>>> from tradetalks.report import figures, write_report
>>> run = tt.run("us-100", fallout=True)                    # doctest: +SKIP
>>> [c.key for c in figures(run)]                           # doctest: +SKIP
['welfare', 'headline', 'bilateral', 'sectors', 'allies']
>>> write_report(run, "us-100-report.html")                 # doctest: +SKIP

:func:`figures` gives the charts (each with a title, a one-line reading aid and a plotly
figure) of a scenario run (:func:`tradetalks.run`), a deal space (:func:`tradetalks.deals`) or a
bundle of either (:func:`tradetalks.api.bundle.load_bundle`); :func:`to_html` the page, plotly's
script inlined once; :func:`write_report` writes it atomically (a temporary file in the same
folder, fsynced, renamed over the target: a write killed midway leaves the old page or none).
docs/report.md has every chart.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tradetalks._atomic import atomic_write
from tradetalks.report.charts import Chart, figures, omitted
from tradetalks.report.data import ReportData, report_data
from tradetalks.report.html import to_html


def write_report(obj: Any, path: str | os.PathLike[str], title: str | None = None) -> Path:
    """Write :func:`to_html` of ``obj`` to ``path`` atomically (:func:`tradetalks._atomic.atomic_write`).

    Parameters
    ----------
    obj : ScenarioRun, DealTable, Bundle or ReportData
        What to draw (as :func:`to_html` takes it).
    path : path
        The page to write; its folder is created if missing. A page already there is replaced
        only once the new one is complete.
    title : str, optional
        The page's title (default: the result's own).

    Returns
    -------
    Path
        The file written.
    """
    return atomic_write(Path(path), to_html(obj, title=title))


__all__ = ["Chart", "ReportData", "figures", "omitted", "report_data", "to_html", "write_report"]
