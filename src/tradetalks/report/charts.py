"""The charts of a report: pure functions from a result's frames to plotly figures.

Every chart is a :class:`Chart`: a key (the figure's id on the page), a title, a one-line
reading aid and the figure, whose traces carry the numbers of the frames as they are (percent
where the column is ``*_pct``; shares of draws in [0, 1]). Charts whose data the result lacks are
left out (no fallout table without ``fallout=True``, no chokepoint chart without a critical-input
nest); :func:`omitted` says how to get them.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go  # type: ignore[import-untyped, unused-ignore]
from plotly.subplots import make_subplots  # type: ignore[import-untyped, unused-ignore]

from tradetalks.report.data import ReportData, report_data

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

#: The bargaining solutions marked on the payoff scatter: flag column -> label, marker symbol.
SOLUTION_MARKS = {
    "nash": ("Nash", "circle-open", 22),
    "kalai_smorodinsky": ("Kalai-Smorodinsky", "diamond-open", 18),
    "equal_gains": ("equal gains", "square-open", 14),
    "rubinstein": ("Rubinstein ({a} first)", "triangle-up-open", 12),
    "rubinstein_{b}_first": ("Rubinstein ({b} first)", "triangle-down-open", 12),
}
#: Solution colours (in the order of :data:`SOLUTION_MARKS`).
SOLUTION_COLORS = ("#d62728", "#9467bd", "#8c564b", "#17becf", "#bcbd22")


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


# --------------------------------------------------------------------------- scenario runs
def welfare_chart(data: ReportData) -> Chart | None:
    """Welfare (real income) and the real wage by region, every horizon solved side by side,
    with the 5-95 % range as error bars where intervals were computed."""
    if not data.has("regions"):
        return None
    regions = [str(r) for r in data.frame("regions").index]
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        horizontal_spacing=0.06,
        subplot_titles=("Welfare (real income), % change", "Real wage, % change"),
    )
    intervals = data.frame("intervals") if data.has("intervals") else None
    for h in data.horizons():
        table = data.region_measures(h).reindex(regions)
        for col, measure in enumerate(("welfare_pct", "real_wage_pct"), start=1):
            if measure not in table.columns:
                continue
            x = _values(table[measure])
            bar = go.Bar(
                x=x,
                y=regions,
                orientation="h",
                name=f"{h} run",
                legendgroup=h,
                showlegend=col == 1,
                marker_color=_color(h),
                hovertemplate=f"%{{y}}, {h} run: %{{x:.3f}} %<extra>{measure}</extra>",
            )
            bounds = _error_bars(intervals, h, regions, measure, x)
            if bounds is not None:
                bar.error_x, bar.customdata = bounds
                bar.hovertemplate = (
                    f"%{{y}}, {h} run: %{{x:.3f}} % (5-95 % range: %{{customdata[0]:.3f}} to "
                    f"%{{customdata[1]:.3f}})<extra>{measure}</extra>"
                )
            fig.add_trace(bar, row=1, col=col)
    fig.update_yaxes(autorange="reversed", title_text="region", row=1, col=1)
    fig.update_xaxes(title_text="percent", zeroline=True, zerolinecolor="#333", zerolinewidth=1)
    extra = " Whiskers: the 5-95 % range over the parameter draws." if intervals is not None else ""
    horizons = data.horizons()
    side = f" Horizons {', '.join(horizons)} side by side." if len(horizons) > 1 else ""
    return Chart(
        "welfare",
        "Welfare and real wage by region (percent change against the baseline)",
        "Bars left of zero: the region is worse off than in the baseline; right of zero: better off."
        + side
        + extra,
        _style(fig, 120 + 38 * len(regions) * max(1, len(horizons))),
    )


def _error_bars(
    intervals: pd.DataFrame | None, horizon: str, regions: Sequence[str], measure: str, x: list[float | None]
) -> tuple[dict[str, Any], list[list[float | None]]] | None:
    """``error_x`` of a bar trace (the 5-95 % range around ``x``) and the bounds for its hover."""
    if intervals is None or not {"p5", "p95"} <= set(intervals.columns):
        return None
    try:
        sub = intervals.xs((horizon, measure), level=("horizon", "measure"))
    except KeyError:
        return None
    sub = sub.reindex(list(regions))
    lo, hi = _values(sub["p5"]), _values(sub["p95"])
    plus = [None if v is None or h is None else max(h - v, 0.0) for v, h in zip(x, hi, strict=True)]
    minus = [None if v is None or low is None else max(v - low, 0.0) for v, low in zip(x, lo, strict=True)]
    error = {
        "type": "data",
        "symmetric": False,
        "array": plus,
        "arrayminus": minus,
        "color": "#222",
        "thickness": 1.2,
    }
    return error, [[a, b] for a, b in zip(lo, hi, strict=True)]


#: The panels of the headline chart: title, reference columns (column, label), column, unit.
HEADLINE_PANELS: tuple[tuple[str, tuple[tuple[str, str], ...], str, str], ...] = (
    (
        "Effective tariff rate, %",
        (("etr_base_pct", "baseline"), ("etr_before_pct", "scenario, before substitution")),
        "etr_after_pct",
        "percent",
    ),
    ("Price level, % change", (), "price_level_pct", "percent"),
    ("Cost per household, USD", (), "cost_per_household_usd", "USD"),
    (
        "Tariff revenue, USD bn",
        (("tariff_revenue_base_usd_bn", "baseline"),),
        "tariff_revenue_usd_bn",
        "USD billion",
    ),
    ("Real GDP, % change", (), "real_gdp_pct", "percent"),
    ("Real income per household, USD", (), "real_income_per_household_usd", "USD"),
)
#: Colours of the reference bars of the headline chart, by label.
REFERENCE_COLORS = {"baseline": BASE_COLOR, "scenario, before substitution": "#c7c7e2"}


def headline_chart(data: ReportData) -> Chart | None:
    """The numbers policy people quote, by region and horizon: effective tariff rate before and
    after substitution, the price level, the cost per household, tariff revenue, real GDP."""
    horizons = data.horizons()
    tables = {h: data.headline_at(h) for h in horizons}
    lead = tables[data.horizon]
    if lead.empty:
        return None
    panels = [p for p in HEADLINE_PANELS if p[2] in lead.columns and lead[p[2]].notna().any()]
    if not panels:
        return None
    cols = 3
    rows = math.ceil(len(panels) / cols)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[p[0] for p in panels],
        vertical_spacing=0.18,
        horizontal_spacing=0.07,
    )
    shown: set[str] = set()
    for k, (_title, refs, col, unit) in enumerate(panels):
        r, c = k // cols + 1, k % cols + 1
        keep = [str(g) for g in lead.index if pd.notna(lead.loc[g, col])]
        for ref, label in refs:
            if ref not in lead.columns:
                continue
            fig.add_trace(
                go.Bar(
                    x=keep,
                    y=_values(lead.loc[keep, ref]),
                    name=label,
                    legendgroup=label,
                    showlegend=label not in shown,
                    marker_color=REFERENCE_COLORS.get(label, BASE_COLOR),
                    hovertemplate=f"%{{x}}, {label}: %{{y:.3f}} {unit}<extra>{ref}</extra>",
                ),
                row=r,
                col=c,
            )
            shown.add(label)
        for h in horizons:
            table = tables[h]
            if col not in table.columns:
                continue
            name = f"{h} run"
            fig.add_trace(
                go.Bar(
                    x=keep,
                    y=_values(table.reindex(keep)[col]),
                    name=name,
                    legendgroup=h,
                    showlegend=name not in shown,
                    marker_color=_color(h),
                    hovertemplate=f"%{{x}}, {name}: %{{y:.3f}} {unit}<extra>{col}</extra>",
                ),
                row=r,
                col=c,
            )
            shown.add(name)
        fig.update_yaxes(title_text=unit, row=r, col=c)
    return Chart(
        "headline",
        "Headline numbers by region: tariff rate, prices, cost per household, tariff revenue, GDP",
        "Grey bars: the baseline; lilac: the scenario's tariffs on the baseline's trade (before buyers "
        "switch suppliers); coloured bars: the solved world at each horizon; a cost per household above "
        "zero is what a household pays more a year.",
        _style(fig, 320 * rows),
    )


def bilateral_chart(data: ReportData) -> Chart | None:
    """The change of trade between every pair of regions, percent (summed over sectors)."""
    if not data.has("bilateral"):
        return None
    frame = data.frame("bilateral")
    if not {"trade_base", "trade"} <= set(frame.columns):
        return None
    pairs = frame.groupby(level=["importer", "exporter"], sort=False)[["trade_base", "trade"]].sum()
    order = _order(frame.index, "importer")
    if len(order) > MAX_HEATMAP_REGIONS:
        order = [str(r) for r in data.frame("regions").index]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = pairs["trade"] / pairs["trade_base"].where(pairs["trade_base"] > 0)
    pct = 100.0 * (ratio - 1.0)
    z = [[None if imp == exp else _scalar(pct.get((imp, exp))) for exp in order] for imp in order]
    finite = [abs(v) for row in z for v in row if v is not None]
    bound = float(np.percentile(finite, 98)) if finite else 1.0
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=order,
            y=order,
            colorscale=DIVERGING,
            zmid=0.0,
            zmin=-bound,
            zmax=bound,
            colorbar={"title": {"text": "% change"}},
            hovertemplate="imports of %{y} from %{x}: %{z:.2f} %<extra></extra>",
            hoverongaps=False,
        )
    )
    fig.update_yaxes(autorange="reversed", title_text="importer")
    fig.update_xaxes(title_text="exporter", side="bottom")
    return Chart(
        "bilateral",
        "Bilateral trade: change of each exporter's sales to each importer "
        f"(percent, all sectors; {data.horizon} run)",
        "Read across a row: where the importer buys more (blue) or less (red) than in the baseline; "
        f"colours saturate at ±{bound:.1f} % (hover for the number); home sales are left blank.",
        _style(fig, 140 + 30 * len(order), legend=False),
    )


def _scalar(v: Any) -> float | None:
    if v is None:
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def sectors_chart(data: ReportData) -> Chart | None:
    """Sector output in volume by region and sector (percent), sector names in the hover text."""
    if not data.has("sectors"):
        return None
    frame = data.frame("sectors")
    measure = "quantity_pct" if "quantity_pct" in frame.columns else "gross_output_pct"
    if measure not in frame.columns:
        return None
    regions = [str(r) for r in data.frame("regions").index] or _order(frame.index, "region")
    sectors = _order(frame.index, "sector")
    names = _sector_names(frame)
    value = "gross_output_pct" if "gross_output_pct" in frame.columns else measure
    z, custom = [], []
    for r in regions:
        row_z, row_c = [], []
        for s in sectors:
            key = (r, s)
            if key in frame.index:
                row_z.append(_scalar(frame.at[key, measure]))
                row_c.append([names.get(s, s), _scalar(frame.at[key, value])])
            else:
                row_z.append(None)
                row_c.append([names.get(s, s), None])
        z.append(row_z)
        custom.append(row_c)
    finite = [abs(v) for row in z for v in row if v is not None]
    bound = float(np.percentile(finite, 98)) if finite else 1.0
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=sectors,
            y=regions,
            customdata=custom,
            colorscale=DIVERGING,
            zmid=0.0,
            zmin=-bound,
            zmax=bound,
            colorbar={"title": {"text": "% change"}},
            hovertemplate="%{y}, %{x} (%{customdata[0]}): output volume %{z:.2f} %, value "
            "%{customdata[1]:.2f} %<extra></extra>",
            hoverongaps=False,
        )
    )
    fig.update_yaxes(autorange="reversed", title_text="region")
    fig.update_xaxes(title_text="sector (hover for its name)", tickangle=-60)
    return Chart(
        "sectors",
        f"Sector output by region and sector (percent change of output in volume; {data.horizon} run)",
        "Blue cells: the sector produces more than in the baseline, red: less; colours saturate at "
        f"±{bound:.1f} %; hover for the sector's name and the change of its output value.",
        _style(fig, 220 + 32 * len(regions), legend=False),
    )


def _sector_names(frame: pd.DataFrame) -> dict[str, str]:
    if "sector_name" not in frame.columns:
        return {}
    codes = frame.index.get_level_values("sector")
    return {str(c): html.escape(str(n)) for c, n in zip(codes, frame["sector_name"], strict=True)}


#: The bars of the allies' chart: column, label.
ALLY_MEASURES = (
    ("welfare_pct", "welfare"),
    ("real_wage_pct", "real wage"),
    ("exports_pct", "exports"),
    ("imports_pct", "imports"),
)


def allies_chart(data: ReportData) -> Chart | None:
    """The onlookers (Japan, Korea, Malaysia, ASEAN, the EU, Brazil, the rest of the world):
    welfare, real wage, exports and imports, percent (the fallout frame)."""
    if not data.has("fallout"):
        return None
    frame = data.frame("fallout")
    regions = [str(r) for r in frame.index]
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        horizontal_spacing=0.06,
        subplot_titles=("Welfare and real wage, % change", "Exports and imports, % change"),
    )
    palette = ("#1f5fa8", "#6baed6", "#e07b24", "#fdae6b")
    for k, ((col, label), color) in enumerate(zip(ALLY_MEASURES, palette, strict=True)):
        if col not in frame.columns:
            continue
        fig.add_trace(
            go.Bar(
                x=_values(frame[col]),
                y=regions,
                orientation="h",
                name=label,
                marker_color=color,
                hovertemplate=f"%{{y}}, {label}: %{{x:.3f}} %<extra>{col}</extra>",
            ),
            row=1,
            col=1 if k < 2 else 2,
        )
    fig.update_yaxes(autorange="reversed", title_text="region", row=1, col=1)
    fig.update_xaxes(title_text="percent change", zeroline=True, zerolinecolor="#333")
    return Chart(
        "allies",
        f"The allies and onlookers: welfare, real wage and trade (percent change; {data.horizon} run)",
        "Bars right of zero: the onlooker gains (welfare) or trades more than in the baseline; trade "
        "diverted from the fighting pair shows as exports above zero.",
        _style(fig, 160 + 50 * len(regions)),
    )


def chokepoints_chart(data: ReportData) -> Chart | None:
    """The users of a critical input hit hardest: output change of each (region, sector)."""
    if not data.has("chokepoints"):
        return None
    frame = data.frame("chokepoints").head(CHOKEPOINT_ROWS)
    need = {"region", "sector", "input", "output_pct"}
    if not need <= set(frame.columns):
        return None
    labels = [f"{r} {s}" for r, s in zip(frame["region"], frame["sector"], strict=True)]
    names = frame["sector_name"] if "sector_name" in frame.columns else frame["sector"]
    price = (
        frame["input_price_pct"] if "input_price_pct" in frame.columns else pd.Series([np.nan] * len(frame))
    )
    custom = [
        [html.escape(str(n)), html.escape(str(i)), _scalar(p)]
        for n, i, p in zip(names, frame["input"], price, strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=_values(frame["output_pct"]),
            y=_labels(labels),
            orientation="h",
            name="output value",
            marker_color="#b2182b",
            customdata=custom,
            hovertemplate="%{y} (%{customdata[0]}): output %{x:.2f} %; input %{customdata[1]}, its price "
            "%{customdata[2]:.1f} %<extra></extra>",
        )
    )
    if "quantity_pct" in frame.columns:
        fig.add_trace(
            go.Bar(
                x=_values(frame["quantity_pct"]),
                y=_labels(labels),
                orientation="h",
                name="output volume",
                marker_color="#ef8a62",
                hovertemplate="%{y}: output volume %{x:.2f} %<extra></extra>",
            )
        )
    fig.update_yaxes(autorange="reversed", title_text="region and sector")
    fig.update_xaxes(title_text="percent change", zeroline=True, zerolinecolor="#333")
    return Chart(
        "chokepoints",
        "Chokepoints: the sectors that use the critical input, largest losses of output value first "
        f"(percent; {data.horizon} run)",
        "Bars left of zero: the sector produces less because the critical input became scarce or dear; "
        "hover for the input and how much its price rose.",
        _style(fig, 140 + 34 * len(frame)),
    )


def tariff_changes_chart(data: ReportData) -> Chart | None:
    """The tariffs the scenario changes: before and after, the largest changes first."""
    if not data.has("tariff_changes"):
        return None
    frame = data.frame("tariff_changes").reset_index()
    need = {"importer", "exporter", "sector", "tariff_before_pct", "tariff_after_pct"}
    if not need <= set(frame.columns):
        return None
    change = (frame["tariff_after_pct"] - frame["tariff_before_pct"]).abs()
    if "trade_base" in frame.columns:  # the changes that weigh most: on the largest flows
        change = change * frame["trade_base"].abs()
    frame = frame.loc[change.sort_values(ascending=False, kind="stable").index].head(TARIFF_ROWS)
    labels = _labels(
        f"{i} from {e}, {s}"
        for i, e, s in zip(frame["importer"], frame["exporter"], frame["sector"], strict=True)
    )
    names = _labels(frame["sector_name"] if "sector_name" in frame.columns else frame["sector"])
    fig = go.Figure()
    for col, label, color in (
        ("tariff_before_pct", "before", BASE_COLOR),
        ("tariff_after_pct", "after", "#b2182b"),
    ):
        fig.add_trace(
            go.Bar(
                x=_values(frame[col]),
                y=labels,
                orientation="h",
                name=label,
                marker_color=color,
                customdata=names,
                hovertemplate=f"%{{y}} (%{{customdata}}), {label}: %{{x:.2f}} %<extra></extra>",
            )
        )
    fig.update_yaxes(autorange="reversed", title_text="importer, exporter, sector")
    fig.update_xaxes(title_text="tariff, percent")
    return Chart(
        "tariff_changes",
        "The tariffs the scenario changes: before and after (percent; the changes on the most trade first)",
        "Grey: the tariff in force before the scenario; red: the tariff the scenario sets.",
        _style(fig, 140 + 40 * len(frame)),
    )


def run_charts(data: ReportData) -> list[Chart]:
    """Every chart of a scenario run that its data allow, in page order."""
    makers = (
        welfare_chart,
        headline_chart,
        tariff_changes_chart,
        bilateral_chart,
        sectors_chart,
        allies_chart,
        chokepoints_chart,
    )
    return [c for c in (m(data) for m in makers) if c is not None]


# --------------------------------------------------------------------------- deal spaces
def parties(data: ReportData) -> tuple[str, str]:
    """The two parties of a deal space (from its JSON, else its payoff columns)."""
    listed = data.doc.get("parties")
    if isinstance(listed, list | tuple) and len(listed) == 2:
        return str(listed[0]), str(listed[1])
    cols = [c for c in data.frame("packages").columns if c.startswith("payoff_") and c.endswith("_pct")]
    if len(cols) != 2:
        raise ValueError("a deal space's packages need the payoffs of two parties")
    a, b = (c.removeprefix("payoff_").removesuffix("_pct") for c in cols)
    return a, b


def issues(data: ReportData) -> list[str]:
    """The issue columns of the packages (those before the first payoff column)."""
    cols = list(data.frame("packages").columns)
    first = next((k for k, c in enumerate(cols) if c.startswith("payoff_")), len(cols))
    return cols[:first]


def disagreement(data: ReportData) -> int | None:
    """The disagreement package's number."""
    d = data.doc.get("disagreement")
    if isinstance(d, int) and not isinstance(d, bool):
        return d
    return None


def _package_text(frame: pd.DataFrame, names: Sequence[str], a: str, b: str) -> list[str]:
    out = []
    for k, row in frame.iterrows():
        lines = [f"package {k}"] + [f"{html.escape(str(i))}: {html.escape(str(row[i]))}" for i in names]
        lines.append(f"{a}: {row[f'payoff_{a}_pct']:.3f} %, {b}: {row[f'payoff_{b}_pct']:.3f} %")
        out.append("<br>".join(lines))
    return out


def payoffs_chart(data: ReportData, zoom: bool = False) -> Chart | None:
    """Each package's payoff to the two parties, with the Pareto frontier, the zone of agreement,
    the disagreement point and the bargaining solutions marked; with ``zoom``, the same close up
    on the frontier and the solutions."""
    if not data.has("packages"):
        return None
    frame = data.frame("packages")
    a, b = parties(data)
    xa, yb = f"payoff_{a}_pct", f"payoff_{b}_pct"
    names = issues(data)
    text = pd.Series(_package_text(frame, names, a, b), index=frame.index)
    ratified = _flags(frame["ratified"]) if "ratified" in frame.columns else np.ones(len(frame), bool)
    zopa = _flags(frame["zopa"]) if "zopa" in frame.columns else np.zeros(len(frame), bool)
    frontier = _flags(frame["frontier"]) if "frontier" in frame.columns else np.zeros(len(frame), bool)
    fig = go.Figure()
    groups = (
        ("other packages", ratified & ~zopa, "#9a9a9a", "circle", 7),
        ("in the zone of agreement", ratified & zopa, "#2ca02c", "circle", 8),
        ("fails ratification", ~ratified, "#e377c2", "x", 7),
    )
    for label, mask, color, symbol, size in groups:
        if not mask.any():
            continue
        sub = frame.loc[mask]
        fig.add_trace(
            go.Scatter(
                x=_values(sub[xa]),
                y=_values(sub[yb]),
                mode="markers",
                name=label,
                marker={"color": color, "symbol": symbol, "size": size, "opacity": 0.75},
                text=text.loc[mask].to_list(),
                hovertemplate="%{text}<extra>" + label + "</extra>",
            )
        )
    if frontier.any():
        sub = frame.loc[frontier].sort_values([xa, yb], ascending=[True, False], kind="stable")
        fig.add_trace(
            go.Scatter(
                x=_values(sub[xa]),
                y=_values(sub[yb]),
                mode="lines+markers",
                name="Pareto frontier",
                line={"color": "#1f5fa8", "width": 2},
                marker={"color": "#1f5fa8", "size": 6},
                text=text.loc[sub.index].to_list(),
                hovertemplate="%{text}<extra>Pareto frontier</extra>",
            )
        )
    d = disagreement(data)
    if d is not None and d in frame.index:
        dx, dy = _scalar(frame.at[d, xa]) or 0.0, _scalar(frame.at[d, yb]) or 0.0
        if zopa.any():
            top_x = float(frame[xa].max())
            top_y = float(frame[yb].max())
            pad_x = 0.05 * max(top_x - dx, 1e-9)
            pad_y = 0.05 * max(top_y - dy, 1e-9)
            fig.add_shape(
                type="rect",
                x0=dx,
                y0=dy,
                x1=top_x + pad_x,
                y1=top_y + pad_y,
                fillcolor="rgba(44, 160, 44, 0.10)",
                line={"color": "rgba(44, 160, 44, 0.6)", "dash": "dot"},
                layer="below",
            )
            fig.add_annotation(
                x=top_x + pad_x,
                y=top_y + pad_y,
                text="zone of agreement",
                showarrow=False,
                xanchor="right",
                yanchor="top",
                font={"color": "#2c7a2c"},
            )
        fig.add_trace(
            go.Scatter(
                x=[dx],
                y=[dy],
                mode="markers+text",
                name="disagreement",
                marker={"color": "#000000", "symbol": "star", "size": 16},
                text=["disagreement"],
                textposition="bottom right",
                hovertext=[text.loc[d]],
                hovertemplate="%{hovertext}<extra>disagreement</extra>",
            )
        )
    _mark_solutions(fig, frame, text, a, b, xa, yb)
    fig.update_xaxes(title_text=f"payoff of {a}, % of real income against the baseline")
    fig.update_yaxes(title_text=f"payoff of {b}, % of real income against the baseline")
    if zoom:
        near = frontier | _solution_mask(frame, a, b)
        if not near.any():
            return None
        for axis, col in (("xaxis", xa), ("yaxis", yb)):
            lo, hi = float(frame.loc[near, col].min()), float(frame.loc[near, col].max())
            pad = 0.15 * max(hi - lo, 1e-6)
            fig.layout[axis].range = [lo - pad, hi + pad]
        return Chart(
            "frontier",
            f"Close up: the Pareto frontier and the bargaining solutions ({a} and {b}, % of real income)",
            "The same packages as above, zoomed on the frontier: each marker names the solution concepts "
            "that pick the package; hover for its options.",
            _style(fig, 560),
        )
    return Chart(
        "payoffs",
        f"Deal space: each package's payoff to {a} and {b} (percent of real income, equivalent)",
        f"Each dot is a package; up and to the right is better for both; packages in the shaded zone "
        f"beat the disagreement point (the star) for {a} and {b} alike, and the line is the Pareto "
        "frontier, where neither can gain without the other losing.",
        _style(fig, 620),
    )


def _solution_mask(frame: pd.DataFrame, a: str, b: str) -> np.ndarray:
    mask = np.zeros(len(frame), dtype=bool)
    for pattern in SOLUTION_MARKS:
        col = pattern.format(a=a, b=b)
        if col in frame.columns:
            mask |= _flags(frame[col])
    return mask


def _mark_solutions(
    fig: go.Figure, frame: pd.DataFrame, text: pd.Series, a: str, b: str, xa: str, yb: str
) -> None:
    """A marker per solution concept and, at each package chosen, one label naming them all."""
    chosen: dict[Any, list[str]] = {}
    for (pattern, (label_pattern, symbol, size)), color in zip(
        SOLUTION_MARKS.items(), SOLUTION_COLORS, strict=True
    ):
        col = pattern.format(a=a, b=b)
        if col not in frame.columns:
            continue
        hit = frame.index[_flags(frame[col])]
        if hit.empty:
            continue
        label = label_pattern.format(a=a, b=b)
        k = hit[0]
        chosen.setdefault(k, []).append(label)
        fig.add_trace(
            go.Scatter(
                x=[_scalar(frame.at[k, xa])],
                y=[_scalar(frame.at[k, yb])],
                mode="markers",
                name=f"{label} (package {k})",
                marker={
                    "color": color,
                    "symbol": symbol,
                    "size": size,
                    "line": {"width": 2.5, "color": color},
                },
                hovertext=[text.loc[k]],
                hovertemplate="%{hovertext}<extra>" + label + "</extra>",
            )
        )
    if not chosen:
        return
    xs = [_scalar(frame.at[k, xa]) or 0.0 for k in chosen]
    ys = [_scalar(frame.at[k, yb]) or 0.0 for k in chosen]
    mid_x, mid_y = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    for n, ((k, labels), x, y) in enumerate(zip(chosen.items(), xs, ys, strict=True)):
        # labels point inwards and fan out, so that near ones stay legible
        right = x >= mid_x and len(chosen) > 1
        fig.add_annotation(
            x=x,
            y=y,
            text=f"{', '.join(labels)} (package {k})",
            showarrow=True,
            arrowhead=0,
            arrowcolor="#555",
            ax=(-1 if right else 1) * (40 + 12 * n),
            ay=(1 if y >= mid_y else -1) * (30 + 16 * n),
            xanchor="right" if right else "left",
            font={"size": 11},
            bgcolor="rgba(255, 255, 255, 0.8)",
        )


def onlookers_chart(data: ReportData) -> Chart | None:
    """The onlookers' welfare under the disagreement package and each solution (percent)."""
    if not data.has("summary"):
        return None
    frame = data.frame("summary")
    cols = [c for c in frame.columns if c.startswith("welfare_") and c.endswith("_pct")]
    if not cols:
        return None
    regions = [c.removeprefix("welfare_").removesuffix("_pct") for c in cols]
    merged: dict[tuple[float | None, ...], list[str]] = {}
    for label, row in frame[cols].iterrows():
        merged.setdefault(tuple(_values(row)), []).append(str(label).replace("_", " "))
    fig = go.Figure()
    palette = ("#000000", *SOLUTION_COLORS, "#7f7f7f", "#aec7e8")
    for (values, labels), color in zip(merged.items(), palette * 3, strict=False):
        name = ", ".join(labels)
        fig.add_trace(
            go.Bar(
                x=list(values),
                y=regions,
                orientation="h",
                name=html.escape(name),
                marker_color=color,
                hovertemplate="%{y}, " + html.escape(name) + ": %{x:.4f} %<extra></extra>",
            )
        )
    fig.update_yaxes(autorange="reversed", title_text="onlooker")
    fig.update_xaxes(
        title_text="welfare, percent change against the baseline", zeroline=True, zerolinecolor="#333"
    )
    return Chart(
        "onlookers",
        "The onlookers' welfare under the disagreement package and each bargaining solution (percent)",
        "Bars right of zero: the onlooker is better off than in the baseline under that package; "
        "solutions that pick the same package share a bar.",
        _style(fig, 160 + 28 * len(regions) * len(merged)),
    )


#: Probability columns of the draws' chart: column pattern, label.
PROBABILITY_COLUMNS = (
    ("prob_nash", "Nash"),
    ("prob_kalai_smorodinsky", "Kalai-Smorodinsky"),
    ("prob_equal_gains", "equal gains"),
    ("prob_rubinstein_{a}_first", "Rubinstein ({a} first)"),
    ("prob_rubinstein_{b}_first", "Rubinstein ({b} first)"),
)


def probabilities_chart(data: ReportData) -> Chart | None:
    """Under parameter draws: how often each package is each bargaining solution."""
    if not data.has("draw_packages"):
        return None
    frame = data.frame("draw_packages")
    a, b = parties(data)
    cols = [(p.format(a=a, b=b), label.format(a=a, b=b)) for p, label in PROBABILITY_COLUMNS]
    cols = [(c, label) for c, label in cols if c in frame.columns]
    if not cols:
        return None
    probs = frame[[c for c, _ in cols]].apply(pd.to_numeric, errors="coerce").fillna(0.0)
    best = probs.max(axis=1)
    keep = best[best > 0].sort_values(ascending=False, kind="stable").index[:PROBABILITY_ROWS]
    if len(keep) == 0:
        return None
    names = [c for c in issues(data) if c in frame.columns]
    hover = [
        "<br>".join(
            [f"package {k}", *(f"{html.escape(str(i))}: {html.escape(str(frame.at[k, i]))}" for i in names)]
        )
        for k in keep
    ]
    x = [f"package {k}" for k in keep]
    fig = go.Figure()
    for (col, label), color in zip(cols, SOLUTION_COLORS, strict=False):
        fig.add_trace(
            go.Bar(
                x=x,
                y=_values(probs.loc[keep, col]),
                name=label,
                marker_color=color,
                text=hover,
                hovertemplate="%{text}<br>" + label + ": %{y:.0%} of draws<extra></extra>",
                textposition="none",
            )
        )
    fig.update_yaxes(title_text="share of draws", tickformat=".0%", range=[0, 1])
    fig.update_xaxes(title_text="package (hover for its options)")
    return Chart(
        "probabilities",
        "Under parameter draws: how often each package is each bargaining solution (share of draws)",
        "A tall bar: the package is that solution under most plausible parameter values, a robust "
        "prediction; several short bars: the prediction depends on the parameters.",
        _style(fig, 440),
    )


def deal_charts(data: ReportData) -> list[Chart]:
    """Every chart of a deal space that its data allow, in page order."""
    charts = (
        payoffs_chart(data),
        payoffs_chart(data, zoom=True),
        onlookers_chart(data),
        probabilities_chart(data),
    )
    return [c for c in charts if c is not None]


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
