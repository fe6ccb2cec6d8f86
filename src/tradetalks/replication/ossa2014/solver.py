"""Solve Ossa's (2014) equilibrium in changes: Newton's method with the analytic Jacobian.

The system has ``2N`` unknowns (``ln w_hat``, ``ln E_hat``; 14 for Ossa's seven regions), so
each Newton step is one dense ``2N x 2N`` solve; from a warm start a counterfactual converges
in three to six steps. The solver never returns an unconverged answer: it raises
:class:`~tradetalks.errors.ConvergenceError`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tradetalks.errors import ConvergenceError, ShockError
from tradetalks.replication.ossa2014.equilibrium import (
    Evaluation,
    World,
    calibrate,
    evaluate,
    jacobian_x,
    log_objective,
)

FloatArray = NDArray[np.float64]
log = logging.getLogger(__name__)

#: Largest absolute residual accepted (relative units: share of the wage bill or spending).
TOL = 1e-11
MAX_ITER = 60


@dataclass(frozen=True)
class OssaSolverInfo:
    """Convergence diagnostics of one solve.

    Attributes
    ----------
    converged : bool
    iterations : int      Newton steps taken
    residual : float      largest absolute residual at the answer
    seconds : float       wall time
    """

    converged: bool
    iterations: int
    residual: float
    seconds: float


@dataclass(frozen=True, eq=False)
class OssaEquilibrium:
    """A solved counterfactual, relative to the world it was solved from.

    Attributes
    ----------
    world : World
    x : (2N,)           ``(ln w_hat, ln E_hat)``, usable as a warm start
    tariffs : (N, N, S) the counterfactual tariffs ``t'``
    evaluation : Evaluation
    info : OssaSolverInfo
    """

    world: World
    x: FloatArray
    tariffs: FloatArray
    evaluation: Evaluation
    info: OssaSolverInfo

    @property
    def w_hat(self) -> FloatArray:
        """Wage changes (numeraire: the world wage bill)."""
        return self.evaluation.w_hat

    @property
    def spending_hat(self) -> FloatArray:
        """``E_hat``."""
        return self.evaluation.e_hat

    @property
    def price_hat(self) -> FloatArray:
        """Industry price indices ``P_hat[n, s]``."""
        out: FloatArray = self.evaluation.A ** (1.0 / (1.0 - self.world.sigma))
        return out

    @property
    def welfare_hat(self) -> FloatArray:
        """``W_hat = E_hat / P_hat`` (real income, Ossa's welfare)."""
        out: FloatArray = np.exp(log_objective(self.world, self.evaluation, None))
        return out

    def government_welfare_hat(self, weights: FloatArray | None = None) -> FloatArray:
        """``G_hat`` with political-economy weights ``weights[n, s]`` (``None``: ``W_hat``)."""
        out: FloatArray = np.exp(log_objective(self.world, self.evaluation, weights))
        return out

    @property
    def trade(self) -> FloatArray:
        """New sales net of tariffs, ``[importer, exporter, industry]``, base units."""
        return self.evaluation.q

    @property
    def relative_wage_pct(self) -> FloatArray:
        """``100 (w_hat[n] - mean(w_hat))``: wage change against the world average (Tables 3-5)."""
        w = self.evaluation.w_hat
        out: FloatArray = 100.0 * (w - w.mean())
        return out

    @property
    def profit_wage_pct(self) -> FloatArray:
        """``100 (Pi_hat / w_hat - 1)``: change of profits relative to wages (Tables 3-5)."""
        ev = self.evaluation
        pi_hat = (ev.sales / self.world.sigma).sum(axis=1) / self.world.profits.sum(axis=1)
        out: FloatArray = 100.0 * (pi_hat / ev.w_hat - 1.0)
        return out

    def rebased(self) -> World:
        """The counterfactual world as a new base (flows, tariffs), e.g. to start talks from it."""
        return calibrate(self.evaluation.q, self.tariffs, np.asarray(self.world.sigma))


def _check(world: World, tariffs: FloatArray, deficits: FloatArray) -> None:
    n, s = world.shape
    if tariffs.shape != (n, n, s):
        raise ShockError(
            f"tariffs: shape {tariffs.shape}, expected {(n, n, s)} [importer, exporter, industry]"
        )
    if not np.all(np.isfinite(tariffs)) or np.any(tariffs <= -1.0):
        raise ShockError("tariffs: must be finite and above -1 (-100 %)")
    if deficits.shape != (n,):
        raise ShockError(f"deficits: shape {deficits.shape}, expected {(n,)}")
    if abs(deficits.sum()) > 1e-9 * world.spending.sum():
        raise ShockError(f"deficits: must sum to zero across countries (sum {deficits.sum():.6g})")


def solve_ossa(
    world: World,
    tariffs: FloatArray | None = None,
    *,
    deficits: FloatArray | None = None,
    x0: FloatArray | None = None,
    tol: float = TOL,
    max_iter: int = MAX_ITER,
) -> OssaEquilibrium:
    """Solve the equilibrium in changes for new tariffs and deficits.

    Parameters
    ----------
    world : World
        The base (e.g. :func:`balanced_world`).
    tariffs : (N, N, S), optional
        New tariff levels ``t'`` ``[importer, exporter, industry]``; default: the base tariffs.
    deficits : (N,), optional
        New deficits in base units; default: the base deficits.
    x0 : (2N,), optional
        Warm start ``(ln w_hat, ln E_hat)``; default zeros.
    tol : float
        Largest absolute residual accepted.
    max_iter : int
        Newton steps allowed.

    Raises
    ------
    ShockError
        Inputs of the wrong shape or sign.
    ConvergenceError
        When the tolerance is not met within ``max_iter`` steps.
    """
    start = time.perf_counter()
    t_new = np.asarray(world.tariffs if tariffs is None else tariffs, dtype=np.float64)
    d_new = np.asarray(world.deficits if deficits is None else deficits, dtype=np.float64)
    _check(world, t_new, d_new)
    tau = 1.0 + t_new
    x = np.zeros(2 * world.wage_bill.size) if x0 is None else np.array(x0, dtype=np.float64)
    ev = evaluate(world, x, tau, d_new)
    norm = float(np.max(np.abs(ev.residual)))
    it = 0
    while norm > tol and it < max_iter:
        it += 1
        jx = jacobian_x(world, ev)
        try:
            step = np.linalg.solve(jx, -ev.residual)
        except np.linalg.LinAlgError:
            break
        step_len = 1.0
        while True:
            trial = evaluate(world, x + step_len * step, tau, d_new)
            trial_norm = float(np.max(np.abs(trial.residual)))
            if np.isfinite(trial_norm) and (trial_norm < norm or step_len < 1e-4):
                break
            step_len *= 0.5
        x = x + step_len * step
        ev, norm = trial, trial_norm
    seconds = time.perf_counter() - start
    if not norm <= tol:
        raise ConvergenceError(
            f"Ossa equilibrium: residual {norm:.3g} > tol {tol:.3g} after {it} Newton steps",
            iterations=it,
            residual=norm,
        )
    info = OssaSolverInfo(converged=True, iterations=it, residual=norm, seconds=seconds)
    return OssaEquilibrium(world=world, x=x, tariffs=t_new, evaluation=ev, info=info)


def balanced_world(world: World) -> World:
    """Ossa's baseline: the world with trade deficits removed at the base tariffs (Section III).

    Solves the counterfactual ``D' = 0`` and returns its flows as the new base (for Ossa's
    data this reproduces his ``DATA.mat`` trade to 1e-9 of each flow).
    """
    eq = solve_ossa(world, deficits=np.zeros_like(world.deficits))
    log.info("deficits removed in %d Newton steps (residual %.1e)", eq.info.iterations, eq.info.residual)
    return eq.rebased()
