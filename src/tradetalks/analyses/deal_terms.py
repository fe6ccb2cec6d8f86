"""The sector rates of the allies' 2025 deals and of the US-China truce, derived from the tariff schedule.

The deals name rates for a country's goods ("15 % all-in", "19 % on top of MFN"); a scenario works
on the sectors of a baseline, whose lines are partly under the reciprocal tariff, partly exempt
(energy, pharmaceuticals, most electronics) and partly under Section 232. The functions here turn
the deal terms into the sector changes the scenario files of the library hold (``us-japan-2025``,
``us-korea-2025``, ``us-asean-2025``, ``us-china-busan-2025``); the tests check that the files
hold exactly these numbers, so a rebuilt schedule that moves them is noticed. docs/allies.md
explains every rule; docs/model.md, section 8.3, has the equations.

Coverage. On a reference date on which the reciprocal tariff charges one flat rate (2025-07-01:
the 10 % of the 90-day pause, as the schedule fits it to the tariff tracker), the share of a
partner ``m``'s US imports of sector ``j`` that it covers is

    c[m,j] = L[m,j] / rho[m],     rho[m] = max_g L[m,g]                                  (8.4)

with ``L[m,g]`` the reciprocal layer on schedule group ``g`` (:mod:`tradetalks.data.tariffs.schedule`)
and ``L[m,j]`` its 2024-import-weighted average over the groups of ``j``: covered lines pay
``rho[m]``, exempt and Section 232 lines nothing.

Deal change. A deal that gives member ``m`` the reciprocal rate ``r[m]`` moves the covered lines
from ``mfn + rho[m]`` to ``mfn + r[m]`` (``stacking="over-mfn"``) or to ``max(r[m], mfn)``
(``stacking="all-in"``); exempt and Section 232 lines keep their rate. For a baseline region ``a``
made of members ``m`` (one for a single economy), only the members in ``rates`` move:

    change[a,j] = sum_{m in rates} W[m,j] c[m,j] (new[m,j] - mfn[m,j] - rho[m])
                  / sum_{m in a} W[m,j]                                                    (8.5)

with ``W[m,j]`` the 2024 US imports from ``m`` of sector ``j`` (the schedule's ``us_weights``) and
``mfn[m,j]`` the ICIO applied rate (``icio2022-full``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tradetalks.baseline import Baseline
from tradetalks.data.catalog import load as load_shipped
from tradetalks.data.products import PRODUCTS
from tradetalks.data.tariffs.dated import layers_on_axes, resolve_date
from tradetalks.data.tariffs.schedule import TariffSchedule, load_schedule
from tradetalks.errors import DataError, OptionsError

FloatArray = NDArray[np.float64]
#: The common reference of the allies' deals: the tariffs in force before any of them (docs/allies.md).
REFERENCE_DATE = "2025-07-01"
#: How a deal's rate combines with MFN: the deal rate inclusive of MFN, or added on top of it.
STACKING = ("all-in", "over-mfn")
#: A sector at least this much covered by the reciprocal tariff takes the deal rate outright.
FULL_COVERAGE = 0.95

Stacking = Literal["all-in", "over-mfn"]


def members_of(baseline: Baseline, region: str) -> tuple[str, ...]:
    """The ICIO economies making up ``region`` of ``baseline`` (itself for an ICIO economy)."""
    baseline.region_index(region)
    groups = baseline.meta.get("aggregation", {}).get("regions")
    if isinstance(groups, Mapping) and region in groups:
        return tuple(str(m) for m in groups[region])
    return (region,)


def _groups(baseline: Baseline, schedule: TariffSchedule) -> list[list[int]]:
    """Schedule groups of each sector of ``baseline`` (a split product: its own group)."""
    split = {p.code for p in PRODUCTS.values()} & set(baseline.sectors)
    out = []
    for s in baseline.sectors:
        if s in split:
            names = [s]
        elif s in schedule.groups:
            names = [
                s,
                *(g for g in schedule.groups if schedule.parent(g) == s and g != s and g not in split),
            ]
        else:
            names = []
        out.append([schedule.groups.index(g) for g in names])
    return out


def _by_sector(values: FloatArray, weights: FloatArray, groups: list[list[int]]) -> FloatArray:
    """Import-weighted sector averages of group values (0 where a sector has no weight)."""
    out = np.zeros(len(groups))
    for j, idx in enumerate(groups):
        w = weights[idx].sum() if idx else 0.0
        if w > 0:
            out[j] = float((values[idx] * weights[idx]).sum() / w)
    return out


def reciprocal_coverage(
    baseline: Baseline, region: str, date: str = REFERENCE_DATE, *, schedule: TariffSchedule | None = None
) -> pd.DataFrame:
    """Coverage of each member's US imports by the reciprocal tariff on ``date`` (docs/model.md, eq. 8.4).

    Returns
    -------
    DataFrame
        Indexed by ``member`` and ``sector`` (``baseline``'s sectors): ``weight`` (2024 US imports,
        USD), ``coverage`` (share, 0-1), ``rho_pct`` (the rate on fully covered lines, percent).
    """
    iso, _ = resolve_date(date)
    sched = schedule or load_schedule()
    layer = sched.layers["reciprocal"]
    groups = _groups(baseline, sched)
    rows = []
    for m in members_of(baseline, region):
        if m not in sched.partners:
            raise DataError(f"{m!r} (of {region!r}) is not a partner of the tariff schedule")
        w = np.asarray(sched.us_weights[sched.partners.index(m)], dtype=np.float64)
        rates = 100.0 * layer.at(iso)[layer.exporters.index(m)] if m in layer.exporters else np.zeros(len(w))
        rho = float(rates.max())
        cov = _by_sector(rates, w, groups) / rho if rho > 0 else np.zeros(len(groups))
        weight = np.array([w[idx].sum() if idx else 0.0 for idx in groups])
        for j, s in enumerate(baseline.sectors):
            rows.append((m, s, float(weight[j]), float(cov[j]), rho))
    frame = pd.DataFrame(rows, columns=["member", "sector", "weight", "coverage", "rho_pct"])
    return frame.set_index(["member", "sector"])


def _icio_mfn(importer: str, members: Iterable[str], sectors: Sequence[str]) -> pd.DataFrame:
    """ICIO applied tariffs of ``importer`` on each member, by sector (percent; products: parent's)."""
    icio = load_shipped("icio2022-full")
    parent = {p.code: p.parent for p in PRODUCTS.values()}
    n = icio.region_index(importer)
    cols = [icio.sector_index(parent.get(s, s)) for s in sectors]
    data = {m: 100.0 * icio.tariffs[n, icio.region_index(m), cols] for m in members}
    return pd.DataFrame(data, index=pd.Index(list(sectors), name="sector"))


def deal_change(
    baseline: Baseline,
    region: str,
    rates: Mapping[str, float],
    stacking: Stacking,
    date: str = REFERENCE_DATE,
) -> pd.DataFrame:
    """The change of the US tariff on ``region``'s goods by sector when ``rates`` replace the
    reciprocal rates of the members they name (docs/model.md, eq. 8.5).

    Parameters
    ----------
    baseline : Baseline
        An undated baseline (its regions and sectors; aggregates carry their ICIO members).
    region : str
        The exporting region (``JPN``; ``ASEAN`` for the rest of ASEAN).
    rates : mapping of str to float
        Member -> the deal's reciprocal rate, percent (members not named keep theirs).
    stacking : {"all-in", "over-mfn"}
        Whether the rate includes MFN (``max(r, mfn)``) or is added to it (``mfn + r``).
    date : str
        The reference date whose reciprocal tariff the deal replaces.

    Returns
    -------
    DataFrame
        By sector: ``weight`` (the region's 2024 US imports, USD), ``coverage`` (import-weighted
        over members), ``change_pp`` (percentage points, docs/model.md, eq. 8.5).
    """
    if stacking not in STACKING:
        raise OptionsError(f"stacking={stacking!r}; allowed: {', '.join(STACKING)}")
    members = members_of(baseline, region)
    unknown = sorted(set(rates) - set(members))
    if unknown:
        raise OptionsError(f"rates: {unknown} are not members of {region!r} ({', '.join(members)})")
    cov = reciprocal_coverage(baseline, region, date)
    mfn = _icio_mfn("USA", members, baseline.sectors)
    sectors = list(baseline.sectors)
    total_w = np.zeros(len(sectors))
    covered_w = np.zeros(len(sectors))
    change = np.zeros(len(sectors))
    for m in members:
        part = cov.loc[m].reindex(sectors)
        w, c, rho = (part[k].to_numpy(dtype=np.float64) for k in ("weight", "coverage", "rho_pct"))
        total_w += w
        covered_w += w * c
        if m in rates:
            r = float(rates[m])
            base = mfn[m].to_numpy(dtype=np.float64)
            added = np.maximum(r - base, 0.0) if stacking == "all-in" else np.full(len(sectors), r)
            change += w * c * (added - rho)
    safe = np.where(total_w > 0, total_w, 1.0)
    return pd.DataFrame(
        {
            "weight": total_w,
            "coverage": covered_w / safe,
            "change_pp": np.where(total_w > 0, change / safe, 0.0),
        },
        index=pd.Index(sectors, name="sector"),
    )


def member_average(
    baseline: Baseline,
    region: str,
    rates: Mapping[str, float],
    default_pct: float,
    date: str = REFERENCE_DATE,
) -> float:
    """The reciprocal rate of an aggregate after a deal: members' rates (``default_pct`` for those
    without a deal) averaged with their 2024 US imports on covered lines, ``sum W c`` (percent)."""
    cov = reciprocal_coverage(baseline, region, date)
    covered = (cov["weight"] * cov["coverage"]).groupby(level="member").sum()
    r = pd.Series({m: float(rates.get(m, default_pct)) for m in covered.index})
    return float((covered * r).sum() / covered.sum())


def elimination_scale(
    baseline: Baseline, region: str, eliminating: Iterable[str], exporter: str = "USA"
) -> pd.Series:
    """The factor on an aggregate's tariff on ``exporter`` when some members remove theirs: the
    share of the aggregate's tariff revenue on those goods that the other members collect (ICIO
    2022 flows and applied tariffs of ``icio2022-full``, the weights of the aggregation), by sector."""
    members = members_of(baseline, region)
    gone = set(eliminating)
    if not gone <= set(members):
        raise OptionsError(f"eliminating: {sorted(gone - set(members))} are not members of {region!r}")
    icio = load_shipped("icio2022-full")
    parent = {p.code: p.parent for p in PRODUCTS.values()}
    cols = [icio.sector_index(parent.get(s, s)) for s in baseline.sectors]
    i = icio.region_index(exporter)
    rev = {
        m: (icio.flows[icio.region_index(m), i, cols] * icio.tariffs[icio.region_index(m), i, cols])
        for m in members
    }
    total = sum(rev.values(), np.zeros(len(cols)))
    kept = sum((v for m, v in rev.items() if m not in gone), np.zeros(len(cols)))
    scale = np.where(total > 0, kept / np.where(total > 0, total, 1.0), 1.0)
    return pd.Series(scale, index=pd.Index(baseline.sectors, name="sector"), name="scale")


def layer_change(
    baseline: Baseline, importer: str, exporter: str, layer: str, before: str, after: str
) -> pd.Series:
    """The change of one dated layer on ``importer<-exporter`` from ``before`` to ``after``, by
    sector (percentage points; ``baseline`` undated, its axes)."""
    b0, _ = resolve_date(before)
    b1, _ = resolve_date(after)
    old, new = layers_on_axes(baseline, b0), layers_on_axes(baseline, b1)
    if layer not in new:
        raise OptionsError(f"layer={layer!r}; allowed: {', '.join(new)}")
    n, i = baseline.region_index(importer), baseline.region_index(exporter)
    return pd.Series(
        100.0 * (new[layer][n, i] - old[layer][n, i]),
        index=pd.Index(baseline.sectors, name="sector"),
        name=layer,
    )


def layer_rates(
    baseline: Baseline, importer: str, exporter: str, layer: str, date: str = REFERENCE_DATE
) -> pd.Series:
    """One dated layer on ``importer<-exporter`` on ``date``, by sector (percent)."""
    iso, _ = resolve_date(date)
    arr = layers_on_axes(baseline, iso)
    if layer not in arr:
        raise OptionsError(f"layer={layer!r}; allowed: {', '.join(arr)}")
    n, i = baseline.region_index(importer), baseline.region_index(exporter)
    return pd.Series(100.0 * arr[layer][n, i], index=pd.Index(baseline.sectors, name="sector"), name=layer)
