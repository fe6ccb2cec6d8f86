"""The charts of a report: pure functions from a result's frames to plotly figures.

Every chart is a :class:`Chart`: a key (the figure's id on the page), a title, a one-line
reading aid and the figure, whose traces carry the numbers of the frames as they are (percent
where the column is ``*_pct``; shares of draws in [0, 1]). Charts whose data the result lacks are
left out (no fallout table without ``fallout=True``, no chokepoint chart without a critical-input
nest); :func:`omitted` says how to get them.
"""

from __future__ import annotations

from typing import Any

from tradetalks.report.data import ReportData, report_data
from tradetalks.report.deal_figures import deal_charts, disagreement, issues, parties
from tradetalks.report.figure_style import Chart
from tradetalks.report.run_figures import run_charts

__all__ = [
    "Chart",
    "deal_charts",
    "disagreement",
    "figures",
    "issues",
    "omitted",
    "parties",
    "run_charts",
]


def figures(obj: Any) -> list[Chart]:
    """The charts of a scenario run, a deal space or a bundle of either (:func:`report_data`).

    Parameters
    ----------
    obj : ScenarioRun, DealTable, Bundle or ReportData
        What :func:`tradetalks.run` or :func:`tradetalks.deals` returned, or a bundle.

    Returns
    -------
    list of Chart
        In page order; charts whose data the result lacks are left out (:func:`omitted`).
    """
    data = report_data(obj)
    return run_charts(data) if data.kind == "run" else deal_charts(data)


def omitted(data: ReportData) -> list[str]:
    """What a page says about the charts it lacks, and how to get them."""
    out = []
    if data.kind == "run":
        if not data.has("fallout"):
            out.append(
                "The allies' table (welfare and trade of Japan, Korea, Malaysia, ASEAN, the EU, Brazil "
                "and the rest of the world) is not in this result: run with --fallout "
                "(tradetalks.run(..., fallout=True)) to add it."
            )
        if not data.has("intervals"):
            out.append(
                "No intervals: run with --draws N (Monte Carlo) or --intervals delta for the 5-95 % range "
                "of every output."
            )
        if not data.has("chokepoints"):
            out.append("No chokepoint chart: the scenario has no critical-input nest (critical_input lever).")
    elif not data.has("draw_packages"):
        out.append(
            "No solution probabilities: run the deal space with --draws N to see how robust each solution is."
        )
    return out
