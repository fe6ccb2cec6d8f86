"""The equilibrium as a fixed point ``z = T(z)`` of one pass through the equations.

State ``z = (ln w_hat [N], ln P_hat [N J], X'/X [N J], ln m [G])``: wages, sector prices,
spending relative to the baseline and the log multipliers of constraint wedges. ``T`` maps a
state to the prices and spending it implies (Caliendo-Parro 2015, eqs. 11-15), moves wages
toward labour-market clearing by a Newton-scaled step and the wedges toward their targets.
The map accepts a batch of states (leading axes) and complex states, so that complex-step
derivatives of the whole equilibrium come from the same code (:mod:`.sensitivity`).
See docs/model.md, section 3.1 (eqs. 3.1-3.4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradetalks.baseline import Baseline
from tradetalks.model.equilibrium import Evaluation, System, evaluate, factor_supply
from tradetalks.model.wedges import update as update_wedges

FloatArray = NDArray[np.float64]
Array = NDArray[Any]


def wage_step(sys: System, ev: Evaluation) -> FloatArray:
    """Newton step size of the wage update, ``1 / (1 + eps_n)``, at the state of ``ev``.

    ``eps_n`` is the elasticity of region ``n``'s labour demand ``L_n = sum_j gamma_nj Y_nj`` to
    its own wage, holding prices of others and spending fixed: a 1 % wage rise raises unit cost
    ``c_nj`` by ``gamma_nj`` %, and each buyer ``m``'s share ``pi_mnj`` falls by
    ``theta_j gamma_nj (1 - pi_mnj)`` % (CP eq. 13). So
    ``eps_n = sum_j (L_nj / L_n) theta_j gamma_nj (1 - sum_m s_mnj pi_mnj)``, with ``s_mnj`` the
    share of ``n``'s sales of ``j`` going to ``m``. The step is the diagonal of the Newton step
    (docs/model.md, eq. 3.3). A system whose arrays carry a leading batch axis (:mod:`.batch`)
    gives the steps of all its members.
    """
    m = ev.spending_ratio
    sales = sys.producer * ev.cost_term[..., None, :, :] * m[..., :, None, :]  # [(b,) m, n, j]
    pi = sys.A * ev.cost_term[..., None, :, :] / ev.phi[..., :, None, :]
    out = ev.output
    with np.errstate(invalid="ignore", divide="ignore"):
        kept = np.where(out > 0, (sales * pi).sum(axis=-3) / np.where(out > 0, out, 1.0), 1.0)
    own = sys.theta * sys.va_share * (1.0 - kept)
    if sys.sector_factors:
        # sector by sector: supply F[n, j] rises with elasticity 1 + eta (1 - v[n, j]) (eq. 2.19)
        supply = 1.0 + float(sys.mobility or 0.0) * (1.0 - sys.value_added_weights)
        sector_step: FloatArray = 1.0 / (supply + np.nan_to_num(own, nan=0.0, posinf=0.0))
        return sector_step
    labour_nj = sys.va_share * out
    weight = labour_nj / np.maximum(labour_nj.sum(axis=-1, keepdims=True), 1e-300)
    eps = (weight * own).sum(axis=-1)
    step: FloatArray = 1.0 / (1.0 + np.nan_to_num(eps, nan=0.0, posinf=0.0))
    return step


@dataclass(frozen=True, eq=False)
class FixedPointMap:
    """``T`` for one system on one baseline; call it on a state (or a batch of states).

    State and map of docs/model.md, eqs. 3.1-3.2.
    """

    sys: System
    spending0: FloatArray
    has_x: NDArray[np.bool_]
    x_scale: FloatArray
    value_added0: FloatArray
    nu: FloatArray
    n: int
    j: int
    has_va: NDArray[np.bool_] | None = None

    @classmethod
    def build(cls, baseline: Baseline, sys: System, nu: FloatArray | None = None) -> FixedPointMap:
        """The map of ``sys`` on ``baseline``; ``nu``: its wage steps when already known (a batch's,
        computed for all members at once by :mod:`.batch`), else computed here."""
        x0 = baseline.spending
        n, j = baseline.n_regions, baseline.n_sectors
        # Wage step sizes at the starting point (with the shock in place), fixed during the solve
        # so that the accelerated map stays one map.
        if nu is None:
            w0 = np.zeros((n, j)) if sys.sector_factors else np.zeros(n)
            nu = wage_step(sys, evaluate(sys, w0, np.zeros((n, j)), x0))
        has_va = baseline.sector_value_added > 0 if sys.sector_factors else None
        return cls(sys, x0, x0 > 0, np.where(x0 > 0, x0, 1.0), baseline.value_added, nu, n, j, has_va)

    @property
    def n_wages(self) -> int:
        """Factor prices in the state: one per region, or one per region and sector."""
        return self.n * self.j if self.sys.sector_factors else self.n

    @property
    def size(self) -> int:
        return self.n_wages + 2 * self.n * self.j + self.sys.n_wedges

    def start(self) -> FloatArray:
        nj = self.n * self.j
        return np.concatenate(
            [np.zeros(self.n_wages), np.zeros(nj), np.ones(nj), np.zeros(self.sys.n_wedges)]
        )

    def unpack(self, z: Array) -> tuple[Array, Array, Array, Array]:
        """``(ln w, ln P, X'/X, ln m)`` views of a state (leading batch axes kept); ``ln w`` is
        ``(..., N)`` or, with sector-specific factor prices, ``(..., N, J)``."""
        nw, nj, batch = self.n_wages, self.n * self.j, z.shape[:-1]
        log_w = z[..., :nw]
        if self.sys.sector_factors:
            log_w = log_w.reshape(*batch, self.n, self.j)
        return (
            log_w,
            z[..., nw : nw + nj].reshape(*batch, self.n, self.j),
            z[..., nw + nj : nw + 2 * nj].reshape(*batch, self.n, self.j),
            z[..., nw + 2 * nj :],
        )

    def evaluate(self, z: Array) -> Evaluation:
        log_w, log_P, x_rel, log_m = self.unpack(z)
        lm = None if log_m.shape[-1] == 0 else log_m
        return evaluate(self.sys, log_w, log_P, x_rel * self.spending0, lm)

    def __call__(self, z: Array, ev: Evaluation | None = None) -> tuple[Array, FloatArray]:
        """``(T(z), err)``; ``err`` is the largest absolute residual (per batch member).

        The update of docs/model.md, eq. 3.2 (factor market eq. 2.13, numeraire eq. 2.14, wedges
        eq. 5.5) and the convergence measure of eq. 3.4.
        """
        log_w, log_P, x_rel, log_m = self.unpack(z)
        ev = self.evaluate(z) if ev is None else ev
        batch = z.shape[:-1]
        if self.sys.sector_factors:
            new_w, w_gap = self._sector_wages(log_w, ev)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                w_gap = np.log(ev.labour_income / self.value_added0) - log_w
            new_w = log_w + self.nu * w_gap
            va0 = self.value_added0
            # one baseline (N,) or one per batch member (B, N) (:mod:`.batch`); a row-wise sum, not
            # a matrix product, whose blocking gives a member bits that depend on its batch
            world = (np.exp(new_w) * va0).sum(axis=-1)
            new_w = new_w - np.log(world / va0.sum(axis=-1))[..., None]
        new_x = np.where(self.has_x, ev.spending / self.x_scale, 1.0)
        parts = [new_w.reshape(*batch, -1), ev.log_P.reshape(*batch, -1), new_x.reshape(*batch, -1)]
        errs = [
            np.abs(w_gap).reshape(*batch, -1),
            np.abs(ev.log_P - log_P).reshape(*batch, -1),
            np.abs(new_x - x_rel).reshape(*batch, -1),
        ]
        if self.sys.wedges is not None:
            new_m, m_resid = update_wedges(
                self.sys.wedges, np.asarray(log_m, dtype=np.float64), ev.group_flows, np.real(ev.log_c)
            )
            parts.append(new_m)
            errs.append(m_resid)
        else:
            parts.append(log_m)
        err = np.max(np.concatenate([np.real(e) for e in errs], axis=-1), axis=-1)
        return np.concatenate(parts, axis=-1), np.where(np.isfinite(err), err, np.inf)

    def sector_gap(self, log_w: Array, ev: Evaluation) -> Array:
        """``ln(gamma Y' / F[n, j])`` of each sector factor market at the state of ``ev`` (eq. 2.20;
        zero where a sector has no value added)."""
        assert self.has_va is not None
        supply = factor_supply(self.sys, log_w)
        with np.errstate(divide="ignore", invalid="ignore"):
            gap: Array = np.where(
                self.has_va, np.log(ev.labour_income / np.where(self.has_va, supply, 1.0)), 0.0
            )
        return gap

    def _sector_wages(self, log_w: Array, ev: Evaluation) -> tuple[Array, Array]:
        """Update of sector factor prices toward ``F[n, j] = gamma Y'`` (docs/model.md, eq. 2.20),
        with the world's factor income held at its baseline value (the numeraire, eq. 2.14)."""
        assert self.has_va is not None
        gap = self.sector_gap(log_w, ev)
        new_w = np.where(self.has_va, log_w + self.nu * gap, 0.0)
        total = factor_supply(self.sys, new_w).sum(axis=(-2, -1))
        world = self.value_added0.sum(axis=-1)  # (B,) for a batch of baselines (:mod:`.batch`)
        new_w = np.where(self.has_va, new_w - np.log(total / world)[..., None, None], 0.0)
        return new_w, gap
