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
from tradetalks.model.equilibrium import Evaluation, System, evaluate
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
    (docs/model.md, eq. 3.3).
    """
    m = ev.spending_ratio
    sales = sys.producer * ev.cost_term[None, :, :] * m[:, None, :]  # [m, n, j]
    pi = sys.A * ev.cost_term[None, :, :] / ev.phi[:, None, :]
    out = ev.output
    with np.errstate(invalid="ignore", divide="ignore"):
        kept = np.where(out > 0, (sales * pi).sum(axis=0) / np.where(out > 0, out, 1.0), 1.0)
    labour_nj = sys.va_share * out
    weight = labour_nj / np.maximum(labour_nj.sum(axis=1, keepdims=True), 1e-300)
    eps = (weight * sys.theta[None, :] * sys.va_share * (1.0 - kept)).sum(axis=1)
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

    @classmethod
    def build(cls, baseline: Baseline, sys: System) -> FixedPointMap:
        x0 = baseline.spending
        n, j = baseline.n_regions, baseline.n_sectors
        # Wage step sizes at the starting point (with the shock in place), fixed during the solve
        # so that the accelerated map stays one map.
        nu = wage_step(sys, evaluate(sys, np.zeros(n), np.zeros((n, j)), x0))
        return cls(sys, x0, x0 > 0, np.where(x0 > 0, x0, 1.0), baseline.value_added, nu, n, j)

    @property
    def size(self) -> int:
        return self.n + 2 * self.n * self.j + self.sys.n_wedges

    def start(self) -> FloatArray:
        nj = self.n * self.j
        return np.concatenate([np.zeros(self.n), np.zeros(nj), np.ones(nj), np.zeros(self.sys.n_wedges)])

    def unpack(self, z: Array) -> tuple[Array, Array, Array, Array]:
        """``(ln w, ln P, X'/X, ln m)`` views of a state (leading batch axes kept)."""
        n, nj, batch = self.n, self.n * self.j, z.shape[:-1]
        return (
            z[..., :n],
            z[..., n : n + nj].reshape(*batch, self.n, self.j),
            z[..., n + nj : n + 2 * nj].reshape(*batch, self.n, self.j),
            z[..., n + 2 * nj :],
        )

    def evaluate(self, z: Array) -> Evaluation:
        log_w, log_P, x_rel, log_m = self.unpack(z)
        lm = None if log_m.shape[-1] == 0 else log_m
        return evaluate(self.sys, log_w, log_P, x_rel * self.spending0, lm)

    def __call__(self, z: Array) -> tuple[Array, FloatArray]:
        """``(T(z), err)``; ``err`` is the largest absolute residual (per batch member).

        The update of docs/model.md, eq. 3.2 (factor market eq. 2.13, numeraire eq. 2.14, wedges
        eq. 5.5) and the convergence measure of eq. 3.4.
        """
        log_w, log_P, x_rel, log_m = self.unpack(z)
        ev = self.evaluate(z)
        with np.errstate(divide="ignore", invalid="ignore"):
            w_gap = np.log(ev.labour_income / self.value_added0) - log_w
        new_w = log_w + self.nu * w_gap
        va0 = self.value_added0
        new_w = new_w - np.log((np.exp(new_w) @ va0) / va0.sum())[..., None]
        new_x = np.where(self.has_x, ev.spending / self.x_scale, 1.0)
        batch = z.shape[:-1]
        parts = [new_w, ev.log_P.reshape(*batch, -1), new_x.reshape(*batch, -1)]
        errs = [
            np.abs(w_gap),
            np.abs(ev.log_P - log_P).reshape(*batch, -1),
            np.abs(new_x - x_rel).reshape(*batch, -1),
        ]
        if self.sys.wedges is not None:
            new_m, m_resid = update_wedges(
                self.sys.wedges, np.asarray(log_m, dtype=np.float64), ev.group_flows
            )
            parts.append(new_m)
            errs.append(m_resid)
        else:
            parts.append(log_m)
        err = np.max(np.concatenate([np.real(e) for e in errs], axis=-1), axis=-1)
        return np.concatenate(parts, axis=-1), np.where(np.isfinite(err), err, np.inf)
