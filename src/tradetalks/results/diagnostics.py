"""Diagnostics of a solved world: flows that explode from almost nothing.

A constant-elasticity gravity model lets a bilateral flow grow by ``(tau_hat * c_hat)^(-theta)``
(docs/model.md, eqs. 2.2 and 2.6). With a large sectoral trade elasticity a tariff cut of a few tens of
points turns a flow of a few million dollars into the importer's whole market: Caliendo and Parro
(2015)'s petroleum elasticity of 64.85, for example, makes US refined-petroleum sales to China grow
over 100,000-fold when China's tariff on them falls from 44 % to 8 %. Such a flow is what the model
says, but a headline figure that rests on it rests on one imprecisely estimated elasticity. The
functions here find those flows so that a result can say so beside its numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tradetalks.baseline import FloatArray

#: A flow counts as exploding when it grows more than this factor ...
EXPLOSION_FACTOR = 20.0
#: ... and ends at least this share of its exporter's total foreign sales (after the shock).
EXPLOSION_MIN_SHARE = 0.02


@dataclass(frozen=True)
class _Row:
    importer: str
    exporter: str
    sector: str
    theta: float
    trade_base: float
    trade: float
    factor: float
    share_of_exports_pct: float
    share_of_export_change_pct: float


COLUMNS = [
    "importer",
    "exporter",
    "sector",
    "theta",
    "trade_base",
    "trade",
    "factor",
    "share_of_exports_pct",
    "share_of_export_change_pct",
]


def exploding_flows(
    flows0: FloatArray,
    flows1: FloatArray,
    theta: FloatArray,
    regions: Sequence[str],
    sectors: Sequence[str],
    *,
    factor: float = EXPLOSION_FACTOR,
    min_share: float = EXPLOSION_MIN_SHARE,
) -> pd.DataFrame:
    """Foreign flows that grow more than ``factor``-fold and end above ``min_share`` of their
    exporter's foreign sales.

    Parameters
    ----------
    flows0, flows1 : ndarray, shape (N, N, J)
        Bilateral flows ``X[n, i, j]`` (importer ``n``, exporter ``i``, sector ``j``) before and after.
    theta : ndarray, shape (J,)
        The trade elasticities the world was solved with.
    regions, sectors : sequence of str
        Labels of the axes.
    factor : float
        Growth factor above which a flow counts as exploding.
    min_share : float
        Smallest share of the exporter's foreign sales (after the shock) that makes it matter.

    Returns
    -------
    DataFrame
        One row per exploding flow, largest first: ``importer``, ``exporter``, ``sector``, ``theta``,
        ``trade_base``, ``trade`` (the baseline's units), ``factor`` (after over before),
        ``share_of_exports_pct`` (of the exporter's foreign sales after the shock) and
        ``share_of_export_change_pct`` (of the change in the exporter's foreign sales).
    """
    f0 = np.array(flows0, dtype=np.float64)
    f1 = np.array(flows1, dtype=np.float64)
    n = f0.shape[0]
    idx = np.arange(n)
    f0[idx, idx, :] = 0.0
    f1[idx, idx, :] = 0.0
    exports1 = f1.sum(axis=(0, 2))
    change = exports1 - f0.sum(axis=(0, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.where(f0 > 0.0, f1 / f0, np.where(f1 > 0.0, np.inf, 1.0))
        share = np.where(exports1[None, :, None] > 0.0, f1 / exports1[None, :, None], 0.0)
    hit = np.argwhere((growth > factor) & (share >= min_share))
    rows = []
    for m, i, j in hit:
        rows.append(
            {
                "importer": regions[m],
                "exporter": regions[i],
                "sector": sectors[j],
                "theta": float(theta[j]),
                "trade_base": float(f0[m, i, j]),
                "trade": float(f1[m, i, j]),
                "factor": float(growth[m, i, j]),
                "share_of_exports_pct": 100.0 * float(share[m, i, j]),
                "share_of_export_change_pct": (
                    100.0 * float((f1[m, i, j] - f0[m, i, j]) / change[i]) if change[i] > 0.0 else np.nan
                ),
            }
        )
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.sort_values("trade", ascending=False, ignore_index=True)


def describe_exploding(
    frame: pd.DataFrame, elasticity_set: str, names: Mapping[str, str] | None = None, limit: int = 3
) -> tuple[str, ...]:
    """One warning line per exploding flow of :func:`exploding_flows` (the ``limit`` largest, sectors
    named by ``names`` where given), and a last line saying what to compare the result with."""
    if frame.empty:
        return ()
    names = names or {}
    lines = []
    for rec in frame.head(limit).to_dict("records"):
        row = _Row(**{str(k): v for k, v in rec.items()})
        sector = f"{row.sector} ({names[row.sector]})" if names.get(row.sector) else row.sector
        part = (
            f", {row.share_of_export_change_pct:.0f} % of {row.exporter}'s export gain"
            if np.isfinite(row.share_of_export_change_pct)
            else ""
        )
        lines.append(
            f"warning: {row.exporter}'s {sector} sales to {row.importer} grow {row.factor:,.0f}-fold "
            f"({row.trade_base:,.1f} to {row.trade:,.0f} in the baseline's units; "
            f"{row.share_of_exports_pct:.0f} % of {row.exporter}'s exports after{part}) under a trade "
            f"elasticity of {row.theta:.2f} ({elasticity_set})"
        )
    count = f"{len(frame)} flows ({limit} shown)" if len(frame) > limit else f"{len(frame)} flow(s)"
    lines.append(
        f"warning: {count} grow over {EXPLOSION_FACTOR:.0f}-fold to {100 * EXPLOSION_MIN_SHARE:.0f} % or "
        "more of their exporter's sales; figures that rest on them rest on one sector's trade "
        "elasticity: compare --elasticities GYY (or another set) and --horizon short "
        "(all of them: exploding_flows())"
    )
    return tuple(lines)
