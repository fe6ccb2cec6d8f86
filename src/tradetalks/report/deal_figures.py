"""The charts of a deal space: the payoff scatter with its frontier and solutions (whole and
zoomed), the onlookers and the solution probabilities under draws (pure functions)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go  # type: ignore[import-untyped, unused-ignore]

from tradetalks.report.data import ReportData
from tradetalks.report.figure_style import (
    PROBABILITY_ROWS,
    Chart,
    _flags,
    _scalar,
    _style,
    _values,
)

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
