"""What every chart of a report shares: the :class:`Chart` record, colours, layout and the
conversion of frame values into a figure's JSON (pure functions, no I/O)."""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go  # type: ignore[import-untyped, unused-ignore]

#: Colour of each horizon's bars.
HORIZON_COLORS = {"long": "#1f5fa8", "short": "#e07b24", "medium": "#3a9a4a"}
#: Colour of the reference (before, baseline) bars.
BASE_COLOR = "#a0a0a0"
#: Diverging colour scale of the heat maps: red where trade or output falls, blue where it rises.
DIVERGING = "RdBu"
#: Largest number of regions a bilateral heat map shows (beyond it, the regions shown elsewhere).
MAX_HEATMAP_REGIONS = 40
#: Chokepoint users shown (the largest losses of output value first).
CHOKEPOINT_ROWS = 15
#: Tariff changes shown (the largest changes first).
TARIFF_ROWS = 20
#: Packages of the probability chart (the most often a solution first).
PROBABILITY_ROWS = 12


@dataclass(frozen=True, eq=False)
class Chart:
    """One chart of a report.

    Attributes
    ----------
    key : str
        Identifier (``welfare``, ``headline``, ``bilateral``, ``sectors``, ``allies``,
        ``chokepoints``, ``tariff_changes``; ``payoffs``, ``onlookers``, ``probabilities``).
    title : str
        What the chart shows, with its units.
    reading : str
        One line on how to read it.
    figure : plotly.graph_objects.Figure
        The figure (no title of its own: pages show :attr:`title` above it).
    """

    key: str
    title: str
    reading: str
    figure: go.Figure


# --------------------------------------------------------------------------- helpers
def _values(values: Iterable[Any]) -> list[float | None]:
    """Plain floats for a figure's JSON, ``None`` where missing (plotly leaves a gap)."""
    out: list[float | None] = []
    for v in values:
        try:
            f = float(v)
        except (TypeError, ValueError):
            out.append(None)
            continue
        out.append(f if math.isfinite(f) else None)
    return out


def _labels(values: Iterable[Any]) -> list[str]:
    """Labels from the data, escaped: plotly reads a subset of HTML in its text."""
    return [html.escape(str(v)) for v in values]


def _flags(series: pd.Series) -> np.ndarray:
    """A flag column as booleans (``True``/``False`` strings too, as a CSV gives them)."""
    if series.dtype == bool:
        out: np.ndarray = series.to_numpy(dtype=bool)
        return out
    return series.astype(str).str.strip().str.lower().isin(("true", "1", "1.0")).to_numpy()


def _color(horizon: str) -> str:
    return HORIZON_COLORS.get(horizon, "#555555")


def _style(fig: go.Figure, height: int, legend: bool = True) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        height=height,
        margin={"l": 70, "r": 30, "t": 70, "b": 60},
        barmode="group",
        showlegend=legend,
        legend={
            "orientation": "h",
            "yanchor": "top",
            "y": 0.995,
            "yref": "container",
            "xanchor": "left",
            "x": 0.0,
        },
        font={"family": "system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif", "size": 12},
        hoverlabel={"namelength": -1},
    )
    return fig


def _order(index: pd.Index, level: str) -> list[str]:
    """The values of an index level in order of first appearance."""
    return [str(v) for v in dict.fromkeys(index.get_level_values(level))]


def _scalar(v: Any) -> float | None:
    if v is None:
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def diverging_heatmap(
    z: list[list[float | None]],
    x: list[str],
    y: list[str],
    hovertemplate: str,
    customdata: list[list[list[Any]]] | None = None,
) -> tuple[go.Figure, float]:
    """A heat map of percent changes on :data:`DIVERGING` colours centred on zero, saturating at
    the 98th percentile of the absolute values (so that one outlier does not wash out the rest).

    Returns
    -------
    (Figure, float)
        The figure and the saturation bound (percent), which the chart's reading line quotes.
    """
    finite = [abs(v) for row in z for v in row if v is not None]
    bound = float(np.percentile(finite, 98)) if finite else 1.0
    trace: dict[str, Any] = {
        "z": z,
        "x": x,
        "y": y,
        "colorscale": DIVERGING,
        "zmid": 0.0,
        "zmin": -bound,
        "zmax": bound,
        "colorbar": {"title": {"text": "% change"}},
        "hovertemplate": hovertemplate,
        "hoverongaps": False,
    }
    if customdata is not None:
        trace["customdata"] = customdata
    return go.Figure(go.Heatmap(**trace)), bound
