"""The report as one self-contained HTML page that works offline.

The page holds a header saying what the result is (scenario, baseline and year, tariff date,
horizons, elasticity set, closure, package version, draws and seed), the headline tables, every
chart with its reading aid, and notes. Plotly's JavaScript is inlined once; each figure's JSON sits
in a ``<script type="application/json">`` block that a few lines of script draw; nothing on the
page refers to the network (no ``src`` or ``href`` to another site, no CSS ``url()`` or
``@import``), and every string that comes from a scenario or deal-space file is escaped.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import pandas as pd
import plotly.io as pio  # type: ignore[import-untyped, unused-ignore]
import plotly.offline  # type: ignore[import-untyped, unused-ignore]

from tradetalks._version import __version__
from tradetalks.report.charts import Chart, deal_charts, issues, omitted, parties, run_charts
from tradetalks.report.data import ReportData, report_data

#: Options of every figure on the page (no plotly logo linking to its site; no MathJax).
PLOT_CONFIG: dict[str, Any] = {"displaylogo": False, "responsive": True, "typesetMath": False}

#: Columns of the headline table of a run (those the result has, in this order).
HEADLINE_TABLE = (
    "etr_base_pct",
    "etr_before_pct",
    "etr_after_pct",
    "price_level_pct",
    "cost_per_household_usd",
    "real_income_per_household_usd",
    "tariff_revenue_usd_bn",
    "real_gdp_pct",
    "welfare_pct",
)
#: Columns of the summary table of a run.
SUMMARY_TABLE = ("welfare_pct", "real_wage_pct", "price_index_pct", "exports_pct", "imports_pct")

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0;
  color: #1d1d1f; background: #fafafa; }
main { max-width: 1180px; margin: 0 auto; padding: 1.5rem 1.5rem 3rem; }
h1 { font-size: 1.6rem; margin: 0 0 0.4rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 0.3rem; }
.article { font-style: italic; color: #444; margin: 0.2rem 0 1rem; }
table { border-collapse: collapse; font-size: 0.85rem; background: #fff; margin: 0.5rem 0; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.5rem; }
td { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f0f0f0; text-align: left; }
table.meta td { text-align: left; }
.reading { color: #333; margin: 0.2rem 0 0.5rem; }
.reading::before { content: "How to read it: "; font-weight: 600; }
.plot { background: #fff; border: 1px solid #e2e2e2; }
.scroll { overflow-x: auto; }
nav ul { columns: 2; padding-left: 1.2rem; }
footer { color: #666; font-size: 0.8rem; margin-top: 2.5rem; }
"""

_DRAW = """
(function () {
  var config = %s;
  var blocks = document.querySelectorAll("script.figure-data");
  for (var k = 0; k < blocks.length; k++) {
    var figure = JSON.parse(blocks[k].textContent);
    var target = document.getElementById("plot-" + blocks[k].getAttribute("data-key"));
    Plotly.newPlot(target, figure.data, figure.layout, config);
  }
})();
"""


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """Plotly's JavaScript bundle, to inline (the package's own copy: nothing is downloaded)."""
    js: str = plotly.offline.get_plotlyjs()
    if "</script" in js.lower():  # cannot happen with plotly's bundle; would break the page
        raise ValueError("plotly's bundle holds '</script' and cannot be inlined")
    return js


def figure_json(chart: Chart) -> str:
    """The chart's figure as JSON safe inside a ``<script>`` block (``<``, ``>``, ``&`` escaped)."""
    text: str = pio.to_json(chart.figure, validate=False, pretty=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _table(frame: pd.DataFrame, index: bool = True) -> str:
    """A frame as an HTML table: numbers to three decimals, missing values as n/a, text escaped."""
    shown = frame.copy()
    floats = shown.select_dtypes(include="float").columns
    shown[floats] = shown[floats].round(3) + 0.0
    body = shown.to_html(float_format=lambda v: f"{v:,.3f}", na_rep="n/a", index=index, border=0, escape=True)
    return f'<div class="scroll">{body}</div>'


def _meta_rows(rows: Sequence[tuple[str, Any]]) -> str:
    cells = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows if v not in (None, "", []))
    return f'<table class="meta">{cells}</table>'


def _provenance_rows(data: ReportData) -> list[tuple[str, Any]]:
    p = data.provenance
    date = p.get("tariff_date")
    tariffs = (
        f"in force on {date}" if date else f"applied tariffs of the data year {p.get('baseline_year', '')}"
    )
    return [
        ("baseline", f"{p.get('baseline', '')} (data year {p.get('baseline_year', '')})"),
        ("baseline sha256", p.get("baseline_sha256")),
        ("tariffs", tariffs),
        ("products split out", ", ".join(p.get("products") or [])),
        ("elasticity set", p.get("elasticity_set")),
        ("closure", p.get("closure")),
    ]


def _run_header(data: ReportData) -> tuple[str, str]:
    doc = data.doc
    name = doc.get("scenario", "")
    title = str(doc.get("title") or name or "scenario")
    rows: list[tuple[str, Any]] = [("scenario", name)]
    rows += _provenance_rows(data)
    rows.append(("horizons", ", ".join(data.horizons()) + f" (leading: {data.horizon})"))
    unc = doc.get("uncertainty")
    if isinstance(unc, Mapping):
        how = str(unc.get("method_name") or unc.get("method") or "")
        if unc.get("method") == "mc":
            how += f", {unc.get('draws')} draws, seed {unc.get('seed')}"
        rows.append(("intervals", f"5-95 % range; {how}"))
    solver = doc.get("solver")
    if isinstance(solver, Mapping):
        rows.append(
            (
                "solver",
                f"converged={solver.get('converged')}, {solver.get('iterations')} iterations, "
                f"residual {float(solver.get('residual') or 0.0):.1e}",
            )
        )
    rows.append(("package version", data.provenance.get("version", __version__)))
    rows += _bundle_rows(data)
    article = doc.get("article") or data.spec.get("article")
    lead = f'<p class="article">&ldquo;{_e(article)}&rdquo;</p>' if article else ""
    notes = data.spec.get("notes")
    lead += f'<p class="notes">{_e(notes)}</p>' if notes else ""
    return title, lead + _meta_rows(rows) + _levers(data.spec.get("levers"))


def _bundle_rows(data: ReportData) -> list[tuple[str, Any]]:
    if data.source == "live":
        return []
    when = f", written {data.created}" if data.created else ""
    return [("bundle", f"{data.source}{when}")]


def _levers(levers: Any) -> str:
    """The scenario's levers, one line each (``type``, then every field), escaped."""
    if not isinstance(levers, list | tuple) or not levers:
        return ""
    items = []
    for lever in levers:
        if not isinstance(lever, Mapping):
            continue
        fields = "; ".join(f"{k} = {_value(v)}" for k, v in lever.items() if k != "type")
        items.append(f"<li><strong>{_e(lever.get('type', 'lever'))}</strong>: {_e(fields)}</li>")
    return f'<h2>What the scenario does</h2><ol class="levers">{"".join(items)}</ol>'


def _value(v: Any) -> str:
    if isinstance(v, list | tuple):
        return ", ".join(_value(x) for x in v)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _deals_header(data: ReportData) -> tuple[str, str]:
    doc = data.doc
    name = str(doc.get("deal_space") or data.provenance.get("options", {}).get("space") or "deal space")
    a, b = parties(data)
    rows: list[tuple[str, Any]] = [
        ("deal space", name),
        ("parties", f"{a} and {b}"),
        ("issues", ", ".join(issues(data))),
        (
            "packages",
            f"{doc.get('packages_solved', '')} solved, {doc.get('packages_distinct', '')} distinct outcomes",
        ),
    ]
    rows += _provenance_rows(data)
    rows.append(("horizon", data.provenance.get("horizon")))
    unc = doc.get("uncertainty")
    if isinstance(unc, Mapping):
        rows.append(("draws", f"{unc.get('draws')} parameter draws, seed {unc.get('seed')}"))
        zopa = unc.get("prob_zopa_exists")
        if isinstance(zopa, int | float):
            rows.append(("zone of agreement", f"exists in {100 * zopa:.0f} % of draws"))
    rows.append(("package version", data.provenance.get("version", __version__)))
    rows += _bundle_rows(data)
    description = data.spec.get("description")
    lead = f'<p class="notes">{_e(description)}</p>' if description else ""
    return f"Deal space {name}: {a} and {b}", lead + _meta_rows(rows)


def _run_tables(data: ReportData) -> str:
    horizons = data.horizons()
    parts = []
    summary = {h: data.region_measures(h) for h in horizons}
    cols = [c for c in SUMMARY_TABLE if c in summary[data.horizon].columns]
    if cols:
        table = pd.concat(
            {h: t.reindex(columns=cols) for h, t in summary.items()}, axis=1, names=["horizon", "measure"]
        )
        table = table.swaplevel(axis=1).reindex(columns=[(c, h) for c in cols for h in horizons])
        parts.append(
            "<h2>Summary by region</h2><p>Percent changes against the baseline; welfare is real income, "
            "tariff revenue included.</p>" + _table(table)
        )
    head = {h: data.headline_at(h) for h in horizons}
    cols = [
        c for c in HEADLINE_TABLE if c in head[data.horizon].columns and head[data.horizon][c].notna().any()
    ]
    if cols:
        table = pd.concat(
            {h: t.reindex(columns=cols) for h, t in head.items()}, axis=1, names=["horizon", "measure"]
        )
        table = table.swaplevel(axis=1).reindex(columns=[(c, h) for c in cols for h in horizons])
        table = table.loc[:, table.notna().any(axis=0)]
        caption = data.doc.get("headline_caption") or ""
        parts.append(
            "<h2>Headline numbers</h2>"
            + "".join(f"<p>{_e(line)}</p>" for line in str(caption).splitlines())
            + _table(table)
        )
    if data.has("constraints"):
        parts.append(
            "<h2>Quantity constraints</h2><p>Caps, purchase commitments and capacity limits: the target, the "
            "flow reached (the baseline's units) and the wedge that meets it (percent: an import subsidy or "
            "demand shift for a purchase floor, the export-tax equivalent of a cap, a markup over cost for a "
            f"capacity limit); {_e(data.horizon)} run.</p>" + _table(data.frame("constraints"), index=False)
        )
    return "\n".join(parts)


def _deal_tables(data: ReportData) -> str:
    if not data.has("summary"):
        return ""
    return (
        "<h2>Bargaining solutions</h2><p>The disagreement package and each solution: the option of each "
        "issue, each party's gain against the disagreement package (percent of real income, "
        "equivalent) and the onlookers' welfare (percent).</p>" + _table(data.frame("summary"))
    )


def _chart_section(chart: Chart, extra: str = "") -> str:
    key = _e(chart.key)
    return (
        f'<section class="chart" id="chart-{key}">'
        f"<h2>{_e(chart.title)}</h2>"
        f'<p class="reading">{_e(chart.reading)}</p>'
        f'<div class="plot" id="plot-{key}"></div>'
        f'<script type="application/json" class="figure-data" data-key="{key}">{figure_json(chart)}</script>'
        f"{extra}</section>"
    )


def _extra_table(data: ReportData, chart: Chart) -> str:
    """The table that comes with a chart (the allies' table under the allies' chart)."""
    if chart.key == "allies" and data.has("fallout"):
        units = data.doc.get("units", {})
        unit = (
            next((v for k, v in units.items() if "baseline_flow" in k), "the baseline's units")
            if isinstance(units, Mapping)
            else "the baseline's units"
        )
        return (
            f"<p>The allies' table (*_pct: percent changes; *_change: trade diverted to or from China and "
            f"the US, {_e(unit)}; exposure_*_pct: exposure to Chinese critical inputs, percent of final "
            "demand):</p>" + _table(data.frame("fallout"))
        )
    return ""


def to_html(obj: Any, title: str | None = None) -> str:
    """The report of a scenario run, a deal space or a bundle of either, as one HTML page.

    Parameters
    ----------
    obj : ScenarioRun, DealTable, Bundle or ReportData
        What :func:`tradetalks.run` or :func:`tradetalks.deals` returned, or a bundle.
    title : str, optional
        The page's title (default: the scenario's title, or the deal space and its parties).

    Returns
    -------
    str
        A self-contained page: plotly's script inlined once, no reference to the network.
    """
    data = report_data(obj)
    if data.kind == "run":
        default, header = _run_header(data)
        charts = run_charts(data)
        tables = _run_tables(data)
    else:
        default, header = _deals_header(data)
        charts = deal_charts(data)
        tables = _deal_tables(data)
    heading = title if title is not None else default
    nav = "".join(f'<li><a href="#chart-{_e(c.key)}">{_e(c.title)}</a></li>' for c in charts)
    sections = "\n".join(_chart_section(c, _extra_table(data, c)) for c in charts)
    notes = omitted(data)
    source = "this session's result" if data.source == "live" else f"the bundle {data.source}"
    notes.append(
        f"Drawn from {source} by tradetalks {__version__} on "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}; charts are interactive (hover for "
        "the numbers, drag to zoom, double-click to reset) and need no network."
    )
    note_list = "".join(f"<li>{_e(n)}</li>" for n in notes)
    config = json.dumps(PLOT_CONFIG)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="tradetalks {_e(__version__)}">\n'
        f"<title>{_e(heading)}</title>\n<style>{_STYLE}</style>\n"
        f'<script type="text/javascript">{plotly_js()}</script>\n'
        "</head>\n<body>\n<main>\n"
        f"<header><h1>{_e(heading)}</h1>{header}</header>\n"
        f"{tables}\n"
        f"<nav><h2>Charts</h2><ul>{nav}</ul></nav>\n"
        f"{sections}\n"
        f'<section id="notes"><h2>Notes</h2><ul>{note_list}</ul></section>\n'
        "<footer>Percent changes are 100 (x&prime; / x &minus; 1) against the baseline; *_pct is always a "
        "percent.</footer>\n"
        "</main>\n"
        f'<script type="text/javascript">{_DRAW % config}</script>\n'
        "</body>\n</html>\n"
    )
