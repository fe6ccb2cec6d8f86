"""The numbers policy people quote, from a solved world (docs/model.md, section 4.2).

Pure functions of the reference baseline and the solved :class:`~tradetalks.model.Equilibrium`:

* effective tariff rates before and after substitution (eq. 4.7), by exporter and overall;
* tariff revenue: in the reference world, static (the new tariffs on the reference imports) and
  after substitution (eq. 4.8);
* real GDP: value added at the reference world's prices, double-deflated (eq. 4.9);
* the cost per household of the consumer price-level change (eq. 4.10);
* bilateral trade balances (eq. 4.11).

Money is in the baseline's units (``USD million`` of the data year for the shipped baselines);
frames convert to USD billion where the baseline's units are USD million.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tradetalks.baseline import Baseline
from tradetalks.data.households import households_of
from tradetalks.model import Equilibrium

if TYPE_CHECKING:
    from tradetalks.data.tariffs.schedule import TariffSchedule

FloatArray = NDArray[np.float64]
#: Baseline units whose money converts to USD billion (divide by 1,000).
USD_MILLION = "USD million"


def usd_bn_factor(baseline: Baseline) -> float | None:
    """Factor from the baseline's money units to USD billion (``None`` when they are not USD)."""
    return 1e-3 if baseline.units == USD_MILLION else None


def new_tariffs(eq: Equilibrium) -> FloatArray:
    """The tariffs of the solved world ``t'[n, i, j]`` (the baseline's where the shocks set none)."""
    t = eq.shocks.tariffs if eq.shocks.tariffs is not None else eq.baseline.tariffs
    return np.asarray(t, dtype=np.float64)


def goods_imports(baseline: Baseline, flows: FloatArray) -> FloatArray:
    """Imports ``[n, i, j]`` of goods: home sales and services set to 0."""
    out = np.array(flows, dtype=np.float64)
    idx = np.arange(baseline.n_regions)
    out[idx, idx, :] = 0.0
    goods = set(baseline.goods_sectors())
    services = [j for j, s in enumerate(baseline.sectors) if s not in goods]
    out[:, :, services] = 0.0
    return out


def _rate(tariffs: FloatArray, imports: FloatArray, axis: tuple[int, ...]) -> FloatArray:
    """``sum t x / sum x`` over ``axis``; a prohibitive rate on zero imports counts 0, on positive
    imports makes the rate infinite."""
    with np.errstate(invalid="ignore"):
        tx = np.where(imports > 0, tariffs * imports, 0.0)
    num = tx.sum(axis=axis)
    den = imports.sum(axis=axis)
    out: FloatArray = np.divide(num, den, out=np.full_like(num, np.nan), where=den > 0)
    return out


def effective_rate(tariffs: FloatArray, imports: FloatArray) -> FloatArray:
    """Effective tariff rate of each importer ``[n]``, fraction (eq. 4.7)."""
    return _rate(tariffs, imports, (1, 2))


def effective_rate_by_exporter(tariffs: FloatArray, imports: FloatArray) -> FloatArray:
    """Effective tariff rate of each importer on each exporter ``[n, i]``, fraction (eq. 4.7)."""
    return _rate(tariffs, imports, (2,))


def tariff_revenue(tariffs: FloatArray, imports: FloatArray) -> FloatArray:
    """Tariff revenue ``R[n] = sum_i,j t x`` in the units of ``imports`` (eq. 4.8)."""
    with np.errstate(invalid="ignore"):
        tx = np.where(imports > 0, tariffs * imports, 0.0)
    out: FloatArray = tx.sum(axis=(1, 2))
    return out


def real_value_added(baseline: Baseline, eq: Equilibrium) -> FloatArray:
    """Value added ``[n, j]`` at the reference world's prices, double-deflated (eq. 4.9).

    Gross output in volume is ``Y' / c_hat`` (output deflated by the sector's unit-cost change);
    intermediate use of input ``k`` in volume is ``gamma'[n, k, j] Y'[n, j] / P_hat[n, k]``
    (deflated by the price index of the input where it is bought). Real value added is their
    difference; in the reference world it is the sector's value added.
    """
    out_vol = np.asarray(eq.output) / np.asarray(eq.c_hat)
    spend = np.asarray(eq.io_share) * np.asarray(eq.output)[:, None, :]  # [n, k, j]
    inter_vol = (spend / np.asarray(eq.P_hat)[:, :, None]).sum(axis=1)
    result: FloatArray = out_vol - inter_vol
    return result


def real_gdp_hat(baseline: Baseline, eq: Equilibrium) -> FloatArray:
    """Real GDP change ``[n]``: real value added over the reference value added (eq. 4.9)."""
    va0 = np.asarray(baseline.sector_value_added).sum(axis=1)
    va1 = real_value_added(baseline, eq).sum(axis=1)
    out: FloatArray = np.divide(va1, va0, out=np.full_like(va0, np.nan), where=va0 > 0)
    return out


def trade_balances(baseline: Baseline, flows: FloatArray) -> FloatArray:
    """Bilateral goods and services balance ``B[a, b]`` = exports of ``a`` to ``b`` minus its imports
    from ``b``, at producer prices (eq. 4.11); antisymmetric."""
    f = np.array(flows, dtype=np.float64).sum(axis=2)  # [importer, exporter]
    np.fill_diagonal(f, 0.0)
    out: FloatArray = f.T - f
    return out


def _group_sector(baseline: Baseline, groups: tuple[str, ...], parent: dict[str, str]) -> list[int]:
    """Baseline sector of each schedule group: the product's own sector where the baseline splits
    it out, else its parent ICIO sector."""
    out = []
    for g in groups:
        code = g if g in baseline.sectors else parent.get(g, g)
        out.append(baseline.sector_index(code))
    return out


def us_rate_2024(baseline: Baseline, eq: Equilibrium) -> float | None:
    """The US effective tariff rate of the solved world's tariffs on 2024 US imports, collected
    basis, percent (eq. 4.7; the Budget Lab's convention, :mod:`tradetalks.data.tariffs.etr`).

    The rate of the baseline's tariff date on the 2024 weights, plus the scenario's change of the
    US tariffs ``t' - t`` on each partner's baseline region and each group's baseline sector,
    weighted with the 2024 imports. ``None`` when the baseline has no ``USA``, no tariff date, or
    regions that are not ICIO economies or an aggregation of them.
    """
    dated = baseline.meta.get("dated")
    # the preset where there is one: pre-war-2017 (2017-12-31) lies before the schedule's dates
    date = (dated.get("preset") or dated.get("date")) if isinstance(dated, dict) else None
    if "USA" not in baseline.regions or not date:
        return None
    sched = _schedule()
    groups = baseline.meta.get("aggregation", {}).get("regions")
    member = (
        {str(m): str(r) for r, ms in groups.items() for m in ms}
        if isinstance(groups, dict)
        else {r: r for r in baseline.regions}
    )
    if any(p not in member for p in sched.partners):
        return None
    n = baseline.region_index("USA")
    change = new_tariffs(eq)[n] - np.asarray(baseline.tariffs, dtype=np.float64)[n]  # [i, j]
    rows = [baseline.region_index(member[p]) for p in sched.partners]
    cols = _group_sector(baseline, sched.groups, dict(sched.group_parent))
    delta = change[np.ix_(rows, cols)]
    w = np.asarray(sched.us_weights, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        shift = float(np.where(w > 0, delta * w, 0.0).sum() / w.sum())
    return _us_collected_2024_pct(str(date)) + 100.0 * shift


@cache
def _schedule() -> TariffSchedule:
    """The shipped tariff schedule, read once (every solved world with a date asks for it)."""
    from tradetalks.data.tariffs.schedule import load_schedule

    return load_schedule()


@lru_cache(maxsize=64)
def _us_collected_2024_pct(date: str) -> float:
    """The US effective rate of ``date`` on 2024 imports, collected basis (eq. 4.7), once a date."""
    from tradetalks.data.tariffs.etr import effective_rates

    return float(effective_rates(date, weights="2024", basis="collected", schedule=_schedule()).total_pct)


# ---------------------------------------------------------------------------------- frames
#: Columns of :func:`headline_frame`, in order, with their meaning (the ``units`` of to_dict()).
HEADLINE_COLUMNS: dict[str, str] = {
    "etr_base_pct": "effective tariff rate of the reference world: its tariffs on its goods imports "
    "(eq. 4.7)",
    "etr_before_pct": "the new tariffs on the reference world's goods imports (before substitution)",
    "etr_after_pct": "the new tariffs on the solved world's goods imports (after substitution)",
    "etr_before_2024w_pct": "US only: the new tariffs on 2024 US imports, collected basis (the Budget "
    "Lab's convention)",
    "price_level_pct": "consumer price level (final-demand weighted; eq. 4.1), in the model's units",
    "price_level_wage_pct": "consumer price level in units of the region's wage: what a household with "
    "a fixed wage income pays more (eq. 4.10)",
    "cost_per_household_usd": "price_level_wage_pct times consumption per household, USD of the "
    "household table's year (eq. 4.10)",
    "real_income_per_household_usd": "welfare change times consumption per household: the money-metric gain "
    "(negative: loss) per household, USD of the table's year (eq. 4.10)",
    "tariff_revenue_base_usd_bn": "tariff revenue of the reference world, USD billion (eq. 4.8)",
    "tariff_revenue_static_usd_bn": "the new tariffs on the reference imports, USD billion",
    "tariff_revenue_usd_bn": "tariff revenue of the solved world, USD billion",
    "real_gdp_pct": "real GDP: value added at reference prices, double-deflated (eq. 4.9)",
    "gdp_base_usd_bn": "value added of the reference world, USD billion",
    "welfare_pct": "real income, tariff revenue included (eq. 4.2)",
}


def headline_frame(
    baseline: Baseline, eq: Equilibrium, price_level_hat: FloatArray, welfare_hat: FloatArray
) -> pd.DataFrame:
    """One row per region with the columns of :data:`HEADLINE_COLUMNS`."""
    return pd.DataFrame(
        headline_arrays(baseline, eq, price_level_hat, welfare_hat),
        index=pd.Index(baseline.regions, name="region"),
    )


def headline_arrays(
    baseline: Baseline, eq: Equilibrium, price_level_hat: FloatArray, welfare_hat: FloatArray
) -> dict[str, FloatArray]:
    """The columns of :func:`headline_frame` as arrays ``(N,)``, in the order of
    :data:`HEADLINE_COLUMNS`."""
    t1 = new_tariffs(eq)
    x0 = goods_imports(baseline, baseline.flows)
    x1 = goods_imports(baseline, eq.flows)
    usd = usd_bn_factor(baseline)
    money = np.nan if usd is None else usd
    price_pct = 100.0 * (np.asarray(price_level_hat) - 1.0)
    wage_price_pct = 100.0 * (np.asarray(price_level_hat) / np.asarray(eq.w_hat) - 1.0)
    welfare_pct = 100.0 * (np.asarray(welfare_hat) - 1.0)
    cost = np.full(baseline.n_regions, np.nan)
    gain = np.full(baseline.n_regions, np.nan)
    for n, r in enumerate(baseline.regions):
        h = households_of(r)
        if h is not None:
            cost[n] = h.cost_usd(float(wage_price_pct[n]))
            gain[n] = h.cost_usd(float(welfare_pct[n]))
    us2024 = np.full(baseline.n_regions, np.nan)
    if "USA" in baseline.regions:
        v = us_rate_2024(baseline, eq)
        us2024[baseline.region_index("USA")] = np.nan if v is None else v
    return {
        "etr_base_pct": 100.0 * effective_rate(np.asarray(baseline.tariffs), x0),
        "etr_before_pct": 100.0 * effective_rate(t1, x0),
        "etr_after_pct": 100.0 * effective_rate(t1, x1),
        "etr_before_2024w_pct": us2024,
        "price_level_pct": price_pct,
        "price_level_wage_pct": wage_price_pct,
        "cost_per_household_usd": cost,
        "real_income_per_household_usd": gain,
        "tariff_revenue_base_usd_bn": np.asarray(baseline.tariff_revenue) * money,
        "tariff_revenue_static_usd_bn": tariff_revenue(t1, x0) * money,
        "tariff_revenue_usd_bn": np.asarray(eq.tariff_revenue) * money,
        "real_gdp_pct": 100.0 * (real_gdp_hat(baseline, eq) - 1.0),
        "gdp_base_usd_bn": np.asarray(baseline.sector_value_added).sum(axis=1) * money,
        "welfare_pct": welfare_pct,
    }


def rates_frame(baseline: Baseline, eq: Equilibrium) -> pd.DataFrame:
    """Effective tariff rates by importer and exporter (goods): the reference world's, the new
    tariffs before and after substitution (eq. 4.7), and the imports they weight (USD billion)."""
    t1 = new_tariffs(eq)
    x0 = goods_imports(baseline, baseline.flows)
    x1 = goods_imports(baseline, eq.flows)
    usd = usd_bn_factor(baseline)
    money = np.nan if usd is None else usd
    idx = pd.MultiIndex.from_product([baseline.regions, baseline.regions], names=["importer", "exporter"])
    frame = pd.DataFrame(
        {
            "imports_base_usd_bn": x0.sum(axis=2).ravel() * money,
            "imports_usd_bn": x1.sum(axis=2).ravel() * money,
            "etr_base_pct": 100.0 * effective_rate_by_exporter(np.asarray(baseline.tariffs), x0).ravel(),
            "etr_before_pct": 100.0 * effective_rate_by_exporter(t1, x0).ravel(),
            "etr_after_pct": 100.0 * effective_rate_by_exporter(t1, x1).ravel(),
        },
        index=idx,
    )
    n = baseline.n_regions
    off = np.repeat(np.arange(n), n) != np.tile(np.arange(n), n)
    out: pd.DataFrame = frame.loc[off]
    return out


def balances_frame(baseline: Baseline, eq: Equilibrium) -> pd.DataFrame:
    """Bilateral trade balances (goods and services, producer prices; eq. 4.11), USD billion: one
    row per pair ``a < b`` in region order, the balance of ``a`` with ``b``."""
    usd = usd_bn_factor(baseline)
    money = np.nan if usd is None else usd
    b0 = trade_balances(baseline, baseline.flows) * money
    b1 = trade_balances(baseline, eq.flows) * money
    rows = []
    for a in range(baseline.n_regions):
        for b in range(a + 1, baseline.n_regions):
            rows.append(
                {
                    "region": baseline.regions[a],
                    "partner": baseline.regions[b],
                    "balance_base_usd_bn": b0[a, b],
                    "balance_usd_bn": b1[a, b],
                    "change_usd_bn": b1[a, b] - b0[a, b],
                }
            )
    return pd.DataFrame(rows)
