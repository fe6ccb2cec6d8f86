"""Cooperative trade policy in Ossa's (2014) model: efficient trade talks with equal gains.

Ossa (2014, Section VII) describes multilateral trade talks by the efficient tariffs at which
all governments gain equally from a starting point: the Nash tariffs (the "breakdown" of
cooperation), the factual tariffs (the scope for further talks) or free trade. Formally

    max_t  g   subject to   ln G_hat[n](t) = g  for every country n,   lb <= t <= ub,

with ``G_hat`` relative to the starting point. Table 5 reports it with bilateral tariffs
restricted to be non-negative (``bounds=(0, 10)``; the gains there are 3.4, 0.5 and 0.03 %).

The problem is solved by an augmented Lagrangian: the inner problem maximises the mean gain
minus multiplier and quadratic penalties on the deviations from it, with L-BFGS-B on the
bounded tariffs and the gradient by implicit differentiation (one adjoint solve per
iteration, whatever the number of countries); the outer loop updates the multipliers until
the gains are equal within ``tol``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from tradetalks.errors import ConvergenceError
from tradetalks.replication.ossa2014.equilibrium import World, log_objective, total_gradient
from tradetalks.replication.ossa2014.policy import BOUNDS, SOLVE_TOL
from tradetalks.replication.ossa2014.solver import OssaEquilibrium, solve_ossa

FloatArray = NDArray[np.float64]
log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class OssaTradeTalks:
    """The outcome of efficient, equal-gains trade talks.

    Attributes
    ----------
    start : OssaEquilibrium   the economy at the starting tariffs
    equilibrium : OssaEquilibrium   the economy at the cooperative tariffs
    tariffs : (N, N, S)       cooperative tariffs ``[importer, exporter, industry]``
    log_gains : (N,)          ``ln G_hat`` of every government relative to the start
    multipliers : (N,)        Lagrange multipliers of the equal-gains constraints (percent units)
    outer_iterations, inner_iterations, evaluations : int
    violation : float         largest deviation of a gain from the mean (percentage points)
    mfn : bool
    seconds : float
    """

    start: OssaEquilibrium
    equilibrium: OssaEquilibrium
    tariffs: FloatArray
    log_gains: FloatArray
    multipliers: FloatArray
    outer_iterations: int
    inner_iterations: int
    evaluations: int
    violation: float
    mfn: bool
    seconds: float

    @property
    def gains_pct(self) -> FloatArray:
        """``100 (G_hat - 1)`` relative to the start (Table 5, columns 1-3)."""
        out: FloatArray = 100.0 * np.expm1(self.log_gains)
        return out

    @property
    def welfare_pct(self) -> FloatArray:
        """``100 (W_hat - 1)`` relative to the start (Table 5, columns 4-6)."""
        out: FloatArray = 100.0 * (self.equilibrium.welfare_hat / self.start.welfare_hat - 1.0)
        return out

    @property
    def relative_wage_pct(self) -> FloatArray:
        """Wage change from the start against the world average, ``100 (w - mean w)`` (columns 7-9)."""
        w = self.equilibrium.w_hat / self.start.w_hat
        out: FloatArray = 100.0 * (w - w.mean())
        return out

    @property
    def profit_wage_pct(self) -> FloatArray:
        """Change of profits relative to wages from the start, percent (columns 10-12)."""
        a = 1.0 + self.equilibrium.profit_wage_pct / 100.0
        b = 1.0 + self.start.profit_wage_pct / 100.0
        out: FloatArray = 100.0 * (a / b - 1.0)
        return out


class _Talks:
    """Tariff vector <-> cube, gains and their gradients, with a warm-started equilibrium."""

    def __init__(self, world: World, start: OssaEquilibrium, mfn: bool, weights: FloatArray | None) -> None:
        n = world.shape[0]
        self.world = world
        self.mfn = mfn
        self.weights = weights
        self.off = ~np.eye(n, dtype=bool)
        self.base_log = log_objective(world, start.evaluation, weights)
        self.x = start.x
        self.last = start
        self.evaluations = 0

    def full(self, v: FloatArray) -> FloatArray:
        n, s = self.world.shape
        t = np.zeros((n, n, s))
        if self.mfn:
            t[:] = v.reshape(n, 1, s)
            t[~self.off] = 0.0
        else:
            t[self.off] = v.reshape(-1, s)
        return t

    def pack(self, t: FloatArray) -> FloatArray:
        n = self.world.shape[0]
        if self.mfn:
            out: FloatArray = np.where(self.off[:, :, None], t, 0.0).sum(axis=1).ravel() / (n - 1)
            return out
        out = t[self.off].ravel()
        return out

    def reduce(self, dt: FloatArray) -> FloatArray:
        if self.mfn:
            out: FloatArray = np.where(self.off[:, :, None], dt, 0.0).sum(axis=1).ravel()
            return out
        out = dt[self.off].ravel()
        return out

    def scales(self) -> FloatArray:
        """Diagonal preconditioner, as in :meth:`tradetalks.replication.ossa2014.policy._Problem.scales`."""
        w = self.world
        proxy = self.reduce(w.trade * (1.0 + w.tariffs) * np.asarray(w.sigma) / w.spending[:, None, None])
        proxy = np.maximum(proxy, 1e-6 * proxy.max())
        out: FloatArray = np.sqrt(proxy / proxy.max())
        return out

    def gains(self, v: FloatArray) -> FloatArray:
        """Percentage log gains ``100 ln G_hat`` relative to the start."""
        self.evaluations += 1
        eq = solve_ossa(self.world, self.full(v), x0=self.x, tol=SOLVE_TOL)
        self.x, self.last = eq.x, eq
        out: FloatArray = 100.0 * (log_objective(self.world, eq.evaluation, self.weights) - self.base_log)
        return out

    def gradient(self, coef: FloatArray) -> FloatArray:
        """Gradient of ``sum_n coef[n] 100 ln G_hat[n]`` at the last evaluated tariffs."""
        grad = total_gradient(self.world, self.last.evaluation, self.weights, coef)
        out: FloatArray = 100.0 * self.reduce(grad)
        return out


def ossa_trade_talks(
    world: World,
    start: FloatArray | None = None,
    *,
    mfn: bool = False,
    weights: FloatArray | None = None,
    guess: FloatArray | None = None,
    bounds: tuple[float, float] = BOUNDS,
    tol: float = 1e-6,
    rho: float = 10.0,
    max_outer: int = 30,
    gtol: float = 1e-8,
) -> OssaTradeTalks:
    """Efficient tariffs with equal gains for all governments from a starting point.

    Parameters
    ----------
    world : World
        The base (e.g. the deficit-free factual world).
    start : (N, N, S), optional
        Starting tariffs, which are also the first guess: the Nash tariffs, the factual ones
        (default) or zeros (free trade).
    mfn : bool
        One tariff per importer and industry (Table 10) instead of bilateral ones (Table 5).
    weights : (N, S), optional
        Political-economy weights; ``None``: governments value welfare.
    guess : (N, N, S), optional
        First guess of the cooperative tariffs (default: the starting tariffs). The efficient
        tariffs from different starting points are close, so the answer from another start
        is a good guess.
    bounds : (float, float)
        Bounds on every tariff: ``(0, 10)`` is Table 5 (no import subsidies); a negative
        lower bound allows import subsidies.
    tol : float
        Largest accepted deviation of a gain from the mean, percentage points.
    rho : float
        Initial penalty of the augmented Lagrangian (raised tenfold when the deviations do
        not fall fourfold in an outer iteration).
    max_outer : int
    gtol : float
        Tolerance of the inner L-BFGS-B solves on the projected (preconditioned) gradient.

    Raises
    ------
    ConvergenceError
        When the gains are not equal within ``tol`` after ``max_outer`` outer iterations.
    """
    clock = time.perf_counter()
    n, _ = world.shape
    t0 = np.array(world.tariffs if start is None else start, dtype=np.float64)
    start_eq = solve_ossa(world, t0, tol=SOLVE_TOL)
    prob = _Talks(world, start_eq, mfn, weights)
    d = prob.scales()
    lo, hi = bounds
    v = np.clip(prob.pack(t0 if guess is None else np.asarray(guess, dtype=np.float64)), lo, hi)
    y = np.zeros(n)
    inner = 0
    previous = np.inf

    def lagrangian(z: FloatArray) -> tuple[float, FloatArray]:
        g = prob.gains(z / d)
        c = g - g.mean()
        lam = y + rho * c
        value = -g.mean() + float(y @ c) + 0.5 * rho * float(c @ c)
        coef = -np.full(n, 1.0 / n) + lam - lam.mean()
        return value, prob.gradient(coef) / d

    inner_gtol = max(gtol, 1e-5)
    for outer in range(1, max_outer + 1):
        with threadpool_limits(limits=1, user_api="blas"):
            res = minimize(
                lagrangian,
                v * d,
                jac=True,
                method="L-BFGS-B",
                bounds=list(zip(lo * d, hi * d, strict=True)),
                options={"maxiter": 20000, "gtol": inner_gtol, "ftol": 1e-15, "maxcor": 30},
            )
        inner += int(res.nit)
        v = np.clip(res.x / d, lo, hi)
        g = prob.gains(v)
        c = g - g.mean()
        y = y + rho * c
        violation = float(np.max(np.abs(c)))
        log.info(
            "trade talks: outer %d, %d inner iterations, mean gain %.6f %%, deviation %.1e",
            outer,
            res.nit,
            g.mean(),
            violation,
        )
        if violation <= tol and inner_gtol <= gtol:
            break
        inner_gtol = max(gtol, 0.1 * inner_gtol)
        if violation > 0.25 * previous:
            rho *= 10.0
        previous = violation
    else:
        raise ConvergenceError(
            f"trade talks: gains still differ by {violation:.3g} pp after {max_outer} outer iterations",
            iterations=max_outer,
            residual=violation,
        )
    tariffs = prob.full(v)
    eq = solve_ossa(world, tariffs, x0=prob.x, tol=SOLVE_TOL)
    return OssaTradeTalks(
        start=start_eq,
        equilibrium=eq,
        tariffs=tariffs,
        log_gains=g / 100.0,
        multipliers=y,
        outer_iterations=outer,
        inner_iterations=inner,
        evaluations=prob.evaluations,
        violation=violation,
        mfn=mfn,
        seconds=time.perf_counter() - clock,
    )
