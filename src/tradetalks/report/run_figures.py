"""The charts of a scenario run: welfare by horizon, headline numbers, tariff changes, bilateral
trade, sector output, the allies and the chokepoints (pure functions from frames to figures)."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go  # type: ignore[import-untyped, unused-ignore]
from plotly.subplots import make_subplots  # type: ignore[import-untyped, unused-ignore]

from tradetalks.report.data import ReportData
from tradetalks.report.figure_style import (
    BASE_COLOR,
    CHOKEPOINT_ROWS,
    MAX_HEATMAP_REGIONS,
    TARIFF_ROWS,
    Chart,
    _color,
    _labels,
    _order,
    _scalar,
    _style,
    _values,
    diverging_heatmap,
)


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
    fig, bound = diverging_heatmap(z, order, order, "imports of %{y} from %{x}: %{z:.2f} %<extra></extra>")
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
    fig, bound = diverging_heatmap(
        z,
        sectors,
        regions,
        "%{y}, %{x} (%{customdata[0]}): output volume %{z:.2f} %, value "
        "%{customdata[1]:.2f} %<extra></extra>",
        customdata=custom,
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
