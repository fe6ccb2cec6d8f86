"""Near autarky: wages from the trade balance (docs/model.md, section 3.4).

When trade is thin, say under prohibitive trade costs on every foreign route, a region's labour
market clears whatever its wage relative to others' to within rounding: labour demand
``sum_j gamma_nj Y_nj`` is home sales, proportional to the wage, plus trade a millionth of it. The
labour-market residual of eq. 2.13 then pins relative wages only at ``tol / (theta * trade share)``
and the map of eq. 3.2 contracts in that direction at ``1 - theta * trade share`` a pass, which
no acceleration recovers. Yet the same condition, written as trade balance, is well scaled:
given prices and spending, ``sum_j gamma Y - w L = X - M - D`` (exports and imports at the prices
paid to the exporter, eq. 2.7 with export taxes), so the equilibrium's wages solve

    g_n(w) = ln(X_n + D_n^+) - ln(M_n + D_n^-) = 0        (eq. 3.6)

with ``D^+ = max(D, 0)`` and ``D^- = max(-D, 0)``: every term is a sum of off-diagonal flows, with
no cancellation however thin, and ``g`` is nearly linear in ``ln w`` (slope about ``-(1 + theta)``).

:func:`solve_by_trade_balance` solves it by Newton's method on the ``N`` regional wage levels (the
numeraire of eq. 2.14 fixes the world's) with a forward-difference Jacobian; each evaluation solves prices
and spending at the given wages (the map of eq. 3.2 with the wage step set to zero, a contraction
through the input-output links). The answer is accepted only when the full map's residual at it
is within ``tol`` (eq. 3.4) and no income or spending is negative, so it is the same equilibrium
the ordinary solve defines, with the wages the trade balance pins. With sector-specific factor
prices (the short and medium horizons) the regional level is the unknown and the prices within a
region are solved with prices and spending (:class:`_Fixed`). Systems with constraint wedges or
critical-input nests are left to the ordinary solver.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tradetalks.baseline import Baseline
from tradetalks.model.anderson import anderson
from tradetalks.model.equilibrium import Evaluation, System, factor_supply
from tradetalks.model.feasibility import ZERO_DEFICIT
from tradetalks.model.fixed_point import FixedPointMap

FloatArray = NDArray[np.float64]
log = logging.getLogger(__name__)

#: A region whose exports or imports are below this share of its value added has thin trade:
#: its wage is polished by eq. 3.6 after an ordinary solve.
THIN_TRADE = 1e-4
#: Newton stops when every ``|g_n|`` of eq. 3.6 is at most this (log points of exports/imports).
BALANCE_TOL = 1e-10
#: Newton iterations, the forward-difference step (log wage) and the largest move of a log wage
#: in one iteration.
MAX_NEWTON = 20
FD_STEP = 1e-4
MAX_MOVE = 1.0
#: Passes of one solve of prices and spending at given wages (a contraction through the
#: input-output links: some tens of passes).
INNER_ITER = 300
#: Halvings of a Newton step before the search gives up.
MAX_HALVINGS = 12


@dataclass(frozen=True)
class BalanceOutcome:
    """A solve by eq. 3.6: the full map, the state, the passes spent, the full map's residual at the
    state (eq. 3.4), the largest trade-balance gap ``|g_n|`` and whether it is a solution."""

    fp: FixedPointMap
    z: FloatArray
    passes: int
    residual: float
    gap: float
    converged: bool


def applies(sys: System) -> bool:
    """Whether eq. 3.6 covers ``sys``: no constraint wedges or nests, one system."""
    return sys.wedges is None and sys.nests is None and not sys.batched


def foreign_receipts(sys: System, ev: Evaluation) -> FloatArray:
    """``[n, i, j]``: what buyer ``n`` pays exporter ``i`` for ``j`` at the state of ``ev``, at the
    price the exporter receives (producer price and export tax, eq. 2.7); zero at home."""
    receipts = sys.seller_side.sum(axis=0) if sys.has_export_taxes else sys.seller_side[0]
    flows: FloatArray = np.real(receipts * ev.cost_term[None, :, :] * ev.spending_ratio[:, None, :])
    n = flows.shape[0]
    flows[np.arange(n), np.arange(n), :] = 0.0
    return flows


def balance_deficits(sys: System) -> FloatArray:
    """The deficits eq. 3.6 balances: ``sys.deficits`` with those within
    :data:`~tradetalks.model.feasibility.ZERO_DEFICIT` of world value added set to zero.

    A balanced world's own deficits are zero only to its solver's rounding (about 1e-12 of world
    value added each, not summing to zero); near autarky that is more than the trade left, and
    balancing it would let rounding set relative wages. The difference to the labour market of
    eq. 2.13 is within that rounding."""
    d = np.asarray(np.real(sys.deficits), dtype=np.float64)
    tol = ZERO_DEFICIT * float(np.sum(np.real(sys.value_added0)))
    out: FloatArray = np.where(np.abs(d) <= tol, 0.0, d)
    return out


def trade_gaps(sys: System, ev: Evaluation, deficits: FloatArray | None = None) -> FloatArray:
    """``g_n`` of eq. 3.6 at the state of ``ev``: ``ln(X + D+) - ln(M + D-)``, with exports and
    imports at the prices the exporter receives (flows at producer prices with export taxes) and
    ``D = deficits`` (default ``sys.deficits``).

    ``nan`` where a region neither exports nor imports (no trade to balance)."""
    flows = foreign_receipts(sys, ev)
    exports = flows.sum(axis=(0, 2))
    imports = flows.sum(axis=(1, 2))
    d = np.asarray(np.real(sys.deficits) if deficits is None else deficits, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = np.log(exports + np.maximum(d, 0.0)) - np.log(imports + np.maximum(-d, 0.0))
    return out


def thin_trade(sys: System, ev: Evaluation, log_w: FloatArray) -> bool:
    """Whether some region's exports or imports are below :data:`THIN_TRADE` of its factor income
    at wages ``log_w`` (``(N,)``, or ``(N, J)`` with sector factor prices), so that eq. 2.13 pins
    its wage level only loosely."""
    flows = foreign_receipts(sys, ev)
    w = np.real(log_w)
    if sys.sector_factors:
        va = np.asarray(factor_supply(sys, w).sum(axis=-1), dtype=np.float64)
    else:
        va = np.exp(w) * np.asarray(sys.value_added0, dtype=np.float64)
    least = np.minimum(flows.sum(axis=(0, 2)), flows.sum(axis=(1, 2)))
    return bool(np.any((va > 0) & (least < THIN_TRADE * va)))


class _Fixed:
    """Prices, spending and (with sector-specific factors) the factor prices within each region at
    given regional wage levels ``u`` (log of each region's factor income against its baseline).

    With one wage per region the wages are ``u`` and the map of eq. 3.2 runs with the wage step at
    zero. With sector factor prices (eqs. 2.19-2.20) each pass moves them toward clearing the
    sector markets relative to the region's average gap (the step of eq. 3.2 less its
    value-added-weighted mean over sectors) and then shifts them uniformly to level ``u``: a
    uniform shift leaves the CET allocation of factors unchanged and scales the region's factor
    income, so the region's level is set exactly and the sector markets clear up to the regional
    gap that eq. 3.6 closes.
    """

    def __init__(self, baseline: Baseline, sys: System, tol: float, max_iter: int, floor_tol: float) -> None:
        nu = None if sys.sector_factors else np.zeros(baseline.n_regions)
        self.fp = FixedPointMap.build(baseline, sys, nu)
        self.sys = sys
        self.nw = self.fp.n_wages
        self.va0 = np.asarray(self.fp.value_added0, dtype=np.float64)
        self.tol, self.max_iter, self.floor_tol = tol, max_iter, max(floor_tol, tol)
        self.deficits = balance_deficits(sys)
        self.passes = 0
        self.at_floor = False  # whether the last solve stopped at the rounding floor (section 3.3)

    def numeraire(self, u: FloatArray) -> FloatArray:
        """``u`` shifted to the numeraire of eq. 2.14 (world factor income at its baseline)."""
        out: FloatArray = u - np.log((np.exp(u) * self.va0).sum() / self.va0.sum())
        return out

    def levels(self, z: FloatArray) -> FloatArray:
        """The regional wage levels ``u`` of state ``z``."""
        log_w = np.asarray(self.fp.unpack(z)[0], dtype=np.float64)
        if not self.sys.sector_factors:
            return log_w
        out: FloatArray = np.log(factor_supply(self.sys, log_w).sum(axis=-1) / self.va0)
        return out

    def _at_levels(self, log_w: FloatArray, u: FloatArray) -> FloatArray:
        """Sector factor prices ``log_w`` shifted region by region to levels ``u``."""
        income = factor_supply(self.sys, log_w).sum(axis=-1)
        shifted = log_w + (u + np.log(self.va0) - np.log(income))[:, None]
        has_va = self.fp.has_va
        assert has_va is not None
        out: FloatArray = np.where(has_va, shifted, 0.0)
        return out

    def _wages(self, state: FloatArray, ev: Evaluation, u: FloatArray) -> FloatArray:
        if not self.sys.sector_factors:
            return u
        fp, has_va = self.fp, self.fp.has_va
        assert has_va is not None
        log_w = np.asarray(fp.unpack(state)[0], dtype=np.float64)
        gap = np.asarray(fp.sector_gap(log_w, ev), dtype=np.float64)
        mean = (self.sys.value_added_weights * gap).sum(axis=-1, keepdims=True)
        moved = np.where(has_va, log_w + fp.nu * (gap - mean), 0.0)
        return self._at_levels(moved, u).reshape(-1)

    def solve(self, u: FloatArray, z: FloatArray) -> tuple[FloatArray, bool]:
        """The state at wage levels ``u`` whose other coordinates solve eq. 3.2, from ``z``."""
        z0 = np.array(z, dtype=np.float64)
        nw = self.nw
        if self.sys.sector_factors:
            z0[:nw] = self._at_levels(np.asarray(self.fp.unpack(z0)[0]), u).reshape(-1)
        else:
            z0[:nw] = u

        def step(state: FloatArray) -> tuple[FloatArray, float]:
            ev = self.fp.evaluate(state)  # one evaluation a pass, for the map and the wages
            tz = np.asarray(self.fp(state, ev)[0], dtype=np.float64)
            tz[:nw] = self._wages(state, ev, u)
            return tz, float(np.max(np.abs(tz - state)))

        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            out = anderson(
                step, z0, tol=self.tol, max_iter=self.max_iter, memory=10, floor_tol=self.floor_tol
            )
        self.passes += out.iterations
        self.at_floor = bool(out.converged and out.residual > self.tol)
        return out.z, bool(out.converged and np.all(np.isfinite(out.z)))

    def gaps(self, z: FloatArray) -> FloatArray:
        with np.errstate(all="ignore"):
            return trade_gaps(self.fp.sys, self.fp.evaluate(z), self.deficits)


def solve_by_trade_balance(
    baseline: Baseline,
    sys: System,
    tol: float,
    max_iter: int,
    start: FloatArray | None = None,
    floor_tol: float | None = None,
) -> BalanceOutcome | None:
    """The equilibrium of ``sys`` with wages from eq. 3.6 (see the module docstring), from ``start``
    (else the baseline state); None where eq. 3.6 does not cover ``sys`` (:func:`applies`).

    The deficits within rounding of zero are set to zero (:func:`balance_deficits`) in the system
    solved, whose map is the outcome's ``fp``: the answer is that system's equilibrium.

    Parameters
    ----------
    tol : float
        The tolerance of the full map's residual (eq. 3.4) the answer must meet.
    max_iter : int
        Passes of one solve of prices and spending at given wages (at most :data:`INNER_ITER`).
    floor_tol : float, optional
        The rounding floor of section 3.3: where the solves at given wages stall at their floor, an
        answer whose full residual is within ``floor_tol`` is accepted (its residual reported), as
        the ordinary solver accepts one. Default: ``tol`` (no floor).
    """
    if not applies(sys):
        return None
    # deficits at the rounding of a balanced world are zero here (balance_deficits), in the full map too
    sys = dataclasses.replace(sys, deficits=balance_deficits(sys))
    full = FixedPointMap.build(baseline, sys)
    floor = tol if floor_tol is None else floor_tol
    inner = _Fixed(baseline, sys, 0.1 * tol, min(max_iter, INNER_ITER), floor)
    z = full.start() if start is None else np.array(start, dtype=np.float64)
    u = inner.numeraire(inner.levels(z))
    z, ok = inner.solve(u, z)
    g, floor_hit = inner.gaps(z), inner.at_floor  # whether the solve of ``z`` stopped at its floor

    def outcome(state: FloatArray, gaps: FloatArray, good: bool) -> BalanceOutcome:
        with np.errstate(all="ignore"):
            resid = float(full(state)[1])
            ev = full.evaluate(state)
        # as along the shock's path (section 3.3): a negative income or spending is no equilibrium
        sane = bool(np.all(np.real(ev.income) >= 0) and np.all(np.real(ev.spending) >= 0))
        gap = float(np.max(np.abs(gaps))) if np.all(np.isfinite(gaps)) else float("inf")
        within = resid <= tol or (floor_hit and resid <= floor)
        return BalanceOutcome(full, state, inner.passes, resid, gap, good and sane and within)

    if not ok or not np.all(np.isfinite(g)):
        return outcome(z, g, False)
    n = u.size
    for _ in range(MAX_NEWTON):
        if np.max(np.abs(g)) <= BALANCE_TOL:
            break
        jac = np.empty((n, n))
        for k in range(n):
            u_k = u.copy()
            u_k[k] += FD_STEP
            z_k, ok_k = inner.solve(inner.numeraire(u_k), z)
            if not ok_k:
                return outcome(z, g, False)
            jac[:, k] = (inner.gaps(z_k) - g) / FD_STEP
        # the world's wage level is the numeraire's: drop the uniform direction (J's null space)
        d = np.linalg.lstsq(jac, -g, rcond=1e-6)[0]
        d -= d.mean()
        d *= min(1.0, MAX_MOVE / max(float(np.max(np.abs(d))), 1e-300))
        lam, norm0 = 1.0, float(np.linalg.norm(g))
        for _ in range(MAX_HALVINGS):
            u_new = inner.numeraire(u + lam * d)
            z_new, ok_new = inner.solve(u_new, z)
            g_new, floor_new = inner.gaps(z_new), inner.at_floor
            if ok_new and np.all(np.isfinite(g_new)) and np.linalg.norm(g_new) < norm0:
                break
            lam /= 2.0
        else:
            log.debug("trade balance: no Newton step reduces the gaps (largest %.3e)", np.max(np.abs(g)))
            return outcome(z, g, True)
        u, z, g, floor_hit = u_new, z_new, g_new, floor_new
    return outcome(z, g, True)


def unfinanced_deficit(outcome: BalanceOutcome) -> tuple[int, float] | None:
    """The region whose deficit or surplus held fixed (:func:`balance_deficits`) most exceeds all
    its trade (exports plus imports) at the outcome's state, and by how many times; None where no
    fixed deficit exceeds its region's trade (or the state is not finite)."""
    held = balance_deficits(outcome.fp.sys)
    if not np.any(held) or not np.all(np.isfinite(outcome.z)):
        return None
    with np.errstate(all="ignore"):
        flows = foreign_receipts(outcome.fp.sys, outcome.fp.evaluate(outcome.z))
        trade = flows.sum(axis=(0, 2)) + flows.sum(axis=(1, 2))
        ratio = np.where(held != 0, np.abs(held) / trade, 0.0)
    ratio = np.where(np.isnan(ratio), np.inf, ratio)
    k = int(np.argmax(ratio))
    return (k, float(ratio[k])) if ratio[k] > 1.0 else None


__all__ = [
    "BALANCE_TOL",
    "THIN_TRADE",
    "BalanceOutcome",
    "applies",
    "balance_deficits",
    "foreign_receipts",
    "solve_by_trade_balance",
    "thin_trade",
    "trade_gaps",
    "unfinanced_deficit",
]
