"""Caliendo and Parro (2015): terms-of-trade and volume-of-trade effects of a tariff change.

Caliendo and Parro (2015, "Estimates of the Trade and Welfare Effects of NAFTA", *Review of
Economic Studies* 82(1), section 4, with the results in its Table 2) split the change
in a country's welfare ``W_n = I_n / P_n`` caused by tariff changes into two sums over
sectors ``j`` and partners ``i``::

    d ln W_n = 1/I_n sum_j sum_i ( E_ni^j d ln c_n^j - M_ni^j d ln c_i^j )          terms of trade
             + 1/I_n sum_j sum_i t_ni^j M_ni^j ( d ln M_ni^j - d ln c_i^j )         volume of trade

``E_ni^j`` are ``n``'s exports to ``i`` and ``M_ni^j`` its imports from ``i``, both at producer
prices (net of tariffs), ``t_ni^j`` the ad-valorem tariff ``n`` levies on them, ``c^j`` unit
costs and ``I_n`` income (value added + tariff revenue + deficit). The first sum is the
change in the price of what ``n`` sells relative to what it buys; the second is the tariff
revenue gained on the change in the quantity imported (``d ln M - d ln c_i`` is the quantity
change). Home sales enter both parts of the first sum with the same weight and cancel.

With balanced trade the decomposition is the exact differential of ``ln W_n``. The paper
evaluates it *once*, at the reference world (its flows, 1993 tariffs and income) with the
exact counterfactual changes in unit costs and flows, and replaces ``d ln x`` by the
proportional change ``x_hat - 1`` (the published Table 2: Mexico 1.31 %, Canada -0.06 %,
US 0.08 %); ``change="log"`` uses ``ln x_hat`` instead. Both are first-order measures: for
large changes they differ from each other (Mexico's volume-of-trade effect is about 1.7 %
with proportional and 1.0 % with log changes) and from the model's exact welfare change
``I_hat / P_hat`` (which counts the fall in tariff revenue in full). Report them labelled.

The formulas are docs/model.md, eqs. 4.5-4.6. Routes with no trade in the reference world
contribute nothing (both sums are weighted by reference flows). With proportional changes the
terms are not invariant to the numeraire at second order; the package's numeraire (world value
added fixed) is the paper's.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal, Protocol

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from tradetalks.baseline import Baseline
from tradetalks.errors import OptionsError

FloatArray = NDArray[np.float64]

#: How a counterfactual change enters the first-order formula.
CHANGES = ("proportional", "log")


@dataclass(frozen=True, eq=False)
class WelfareDecomposition:
    """Terms-of-trade and volume-of-trade effects, as fractions of the reference income.

    Attributes
    ----------
    regions, sectors : tuple of str
        Axis labels (from the reference baseline).
    terms_of_trade_detail : ndarray (N, N, J)
        ``[n, i, j]``: contribution of trade between ``n`` and partner ``i`` in sector ``j``
        to ``n``'s terms-of-trade effect (zero on the diagonal).
    volume_of_trade_detail : ndarray (N, N, J)
        ``[n, i, j]``: contribution of ``n``'s imports from ``i`` in sector ``j`` to ``n``'s
        volume-of-trade effect.
    change : {"proportional", "log"}
        How the changes were measured.
    """

    regions: tuple[str, ...]
    sectors: tuple[str, ...]
    terms_of_trade_detail: FloatArray
    volume_of_trade_detail: FloatArray
    change: str

    @cached_property
    def terms_of_trade(self) -> FloatArray:
        """``(N,)`` terms-of-trade effect by country."""
        return _ro(self.terms_of_trade_detail.sum(axis=(1, 2)))

    @cached_property
    def volume_of_trade(self) -> FloatArray:
        """``(N,)`` volume-of-trade effect by country."""
        return _ro(self.volume_of_trade_detail.sum(axis=(1, 2)))

    @cached_property
    def total(self) -> FloatArray:
        """``(N,)`` their sum: the paper's first-order welfare change (Table 2, "Total")."""
        return _ro(self.terms_of_trade + self.volume_of_trade)

    @cached_property
    def terms_of_trade_by_sector(self) -> FloatArray:
        """``(N, J)``."""
        return _ro(self.terms_of_trade_detail.sum(axis=1))

    @cached_property
    def volume_of_trade_by_sector(self) -> FloatArray:
        """``(N, J)``."""
        return _ro(self.volume_of_trade_detail.sum(axis=1))

    @cached_property
    def terms_of_trade_by_partner(self) -> FloatArray:
        """``(N, N)``: ``[n, i]``."""
        return _ro(self.terms_of_trade_detail.sum(axis=2))

    @cached_property
    def volume_of_trade_by_partner(self) -> FloatArray:
        """``(N, N)``: ``[n, i]``."""
        return _ro(self.volume_of_trade_detail.sum(axis=2))

    def frame(self) -> pd.DataFrame:
        """One row per region: the three effects in percent of income."""
        return pd.DataFrame(
            {
                "welfare_first_order_pct": 100.0 * self.total,
                "terms_of_trade_pct": 100.0 * self.terms_of_trade,
                "volume_of_trade_pct": 100.0 * self.volume_of_trade,
            },
            index=pd.Index(self.regions, name="region"),
        )

    def sector_frame(self) -> pd.DataFrame:
        """Tidy frame by region and sector, percent of the region's income."""
        idx = pd.MultiIndex.from_product([self.regions, self.sectors], names=["region", "sector"])
        return pd.DataFrame(
            {
                "terms_of_trade_pct": 100.0 * self.terms_of_trade_by_sector.ravel(),
                "volume_of_trade_pct": 100.0 * self.volume_of_trade_by_sector.ravel(),
            },
            index=idx,
        )


def welfare_decomposition(
    baseline: Baseline,
    c_hat: ArrayLike,
    flows: ArrayLike,
    *,
    change: Literal["proportional", "log"] = "proportional",
) -> WelfareDecomposition:
    """Caliendo-Parro (2015) terms-of-trade and volume-of-trade effects of a counterfactual.

    docs/model.md, eqs. 4.5-4.6.

    Parameters
    ----------
    baseline : Baseline
        The reference world the changes are relative to (for the ``balanced`` closure the
        zero-deficit world, ``result.baseline``): it supplies ``E``, ``M`` (its flows at
        producer prices), the tariffs ``t`` and income ``I``.
    c_hat : array (N, J)
        Unit-cost changes ``c'/c``.
    flows : array (N, N, J)
        Counterfactual flows ``[importer, exporter, sector]`` at producer prices, in the units
        of ``baseline.flows`` (same numeraire).
    change : {"proportional", "log"}
        ``d ln x`` evaluated as ``x_hat - 1`` (the paper's Table 2) or as ``ln x_hat``.

    Returns
    -------
    WelfareDecomposition
        Fractions of income (0.0131 is 1.31 %). Sector price changes ``P_hat`` and wages do
        not enter: they act through ``c_hat`` and the flows.

    Raises
    ------
    OptionsError
        Wrong shapes, non-positive or non-finite ``c_hat``, negative or non-finite flows, an
        unknown ``change``, or (``change="log"``) a traded route that shuts down.
    """
    if change not in CHANGES:
        raise OptionsError(f"change={change!r}; allowed: {', '.join(CHANGES)}")
    n, j = baseline.n_regions, baseline.n_sectors
    c = np.asarray(c_hat, dtype=np.float64)
    f1 = np.asarray(flows, dtype=np.float64)
    if c.shape != (n, j):
        raise OptionsError(f"c_hat has shape {c.shape}, expected {(n, j)}")
    if f1.shape != (n, n, j):
        raise OptionsError(f"flows has shape {f1.shape}, expected {(n, n, j)}")
    if not np.all(np.isfinite(c)) or np.any(c <= 0):
        raise OptionsError("c_hat must be positive and finite")
    if not np.all(np.isfinite(f1)) or np.any(f1 < 0):
        raise OptionsError("flows must be non-negative and finite")
    f0 = baseline.flows
    traded = f0 > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        m_hat = np.where(traded, f1 / np.where(traded, f0, 1.0), 1.0)
    if change == "proportional":
        dc = c - 1.0
        dm = m_hat - 1.0
    else:
        taxed = traded & (baseline.tariffs > 0)
        if np.any(taxed & (m_hat <= 0)):
            raise OptionsError("change='log': a route traded in the reference world shuts down (log of zero)")
        dc = np.log(c)
        with np.errstate(divide="ignore"):
            dm = np.where(m_hat > 0, np.log(np.where(m_hat > 0, m_hat, 1.0)), 0.0)
    income = baseline.income[:, None, None]
    exports_term = np.transpose(f0, (1, 0, 2)) * dc[:, None, :]  # E_ni^j dc_n^j = f0[i, n, j] dc[n, j]
    imports_term = f0 * dc[None, :, :]  # M_ni^j dc_i^j
    tot = (exports_term - imports_term) / income
    vot = np.where(traded, baseline.tariffs * f0 * (dm - dc[None, :, :]), 0.0) / income
    return WelfareDecomposition(
        regions=baseline.regions,
        sectors=baseline.sectors,
        terms_of_trade_detail=_ro(tot),
        volume_of_trade_detail=_ro(vot),
        change=change,
    )


class _Solved(Protocol):
    @property
    def baseline(self) -> Baseline: ...

    @property
    def c_hat(self) -> FloatArray: ...

    @property
    def flows(self) -> FloatArray: ...


def decompose(
    equilibrium: _Solved, *, change: Literal["proportional", "log"] = "proportional"
) -> WelfareDecomposition:
    """:func:`welfare_decomposition` of a solved equilibrium (``result.equilibrium``)."""
    return welfare_decomposition(equilibrium.baseline, equilibrium.c_hat, equilibrium.flows, change=change)


def _ro(arr: FloatArray) -> FloatArray:
    out = np.asarray(arr, dtype=np.float64)
    out.setflags(write=False)
    return out
