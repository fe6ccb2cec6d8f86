"""Non-cooperative trade policy in Ossa's (2014) model: optimal tariffs and the Nash tariff war.

Optimal tariffs (Ossa 2014, Section V): country ``j`` chooses its import tariffs, by industry
and partner (``mfn=False``, the paper's Table 3) or by industry only (``mfn=True``, Table 8),
to maximise its government welfare given everyone else's tariffs. The objective's gradient
comes from implicit differentiation of the equilibrium
(:func:`tradetalks.replication.ossa2014.equilibrium.total_gradient`), so each L-BFGS-B iteration costs
one warm Newton solve and one ``2N x 2N`` adjoint solve.

Nash tariff war (Section VI): every country plays its optimal tariffs against the others' at
the same time; the tariffs are found by iterated best responses (Gauss-Seidel: each country
answers the latest tariffs of the others) until no tariff moves by more than ``tol``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from tradetalks.errors import ConvergenceError, ShockError
from tradetalks.replication.ossa2014.equilibrium import World, log_objective, total_gradient
from tradetalks.replication.ossa2014.solver import OssaEquilibrium, solve_ossa

FloatArray = NDArray[np.float64]
log = logging.getLogger(__name__)

#: Ossa's bounds on tariffs in his optimisations (0 to 1000 %).
BOUNDS = (0.0, 10.0)
#: Objectives are ``100 ln G_hat`` (percent), so optimiser tolerances read in percentage points.
SCALE = 100.0
#: Equilibrium tolerance inside optimisations: objective differences of 1e-9 must be resolved.
SOLVE_TOL = 1e-14


@dataclass(frozen=True, eq=False)
class OssaOptimalTariff:
    """The best response of one country.

    Attributes
    ----------
    country : int
    tariffs : (N, N, S)     everyone's tariffs, the country's own row at its optimum
    equilibrium : OssaEquilibrium
    objective : float       ``ln G_hat`` of the country at the optimum (relative to the world)
    iterations, evaluations : int
    projected_gradient : float  largest projected gradient of ``100 ln G_hat`` in the
                                preconditioned variables (what L-BFGS-B's ``gtol`` bounds)
    seconds : float
    """

    country: int
    tariffs: FloatArray
    equilibrium: OssaEquilibrium
    objective: float
    iterations: int
    evaluations: int
    projected_gradient: float
    seconds: float


class _Problem:
    """Objective and gradient of a set of own tariffs, with a warm-started equilibrium."""

    def __init__(
        self, world: World, tariffs: FloatArray, country: int, mfn: bool, weights: FloatArray | None
    ) -> None:
        n = world.shape[0]
        self.world = world
        self.base = np.array(tariffs, dtype=np.float64)
        self.country = country
        self.mfn = mfn
        self.weights = weights
        self.partners = np.array([i for i in range(n) if i != country])
        self.coef = np.zeros(n)
        self.coef[country] = 1.0
        self.x: FloatArray | None = None
        self.last: OssaEquilibrium | None = None
        self.evaluations = 0

    def full(self, v: FloatArray) -> FloatArray:
        t = self.base.copy()
        s = t.shape[2]
        t[self.country, self.partners, :] = v[None, :] if self.mfn else v.reshape(self.partners.size, s)
        return t

    def own(self, t: FloatArray) -> FloatArray:
        rows = t[self.country, self.partners, :]
        out: FloatArray = rows.mean(axis=0) if self.mfn else rows.ravel()
        return out

    def scales(self) -> FloatArray:
        """Diagonal preconditioner: ``sqrt`` of a proxy of the objective's curvature per tariff.

        The curvature of ``ln G`` in a tariff is about proportional to the flow's share of
        spending times ``sigma`` (checked against a finite-difference Hessian: the proxy takes
        the condition number of the bilateral problem from about 1e8 to about 300). Floored at
        1e-6 of the largest, so that tariffs on negligible flows (shares of 1e-11), which the
        objective barely sees, are not blown up by the scaling.
        """
        share = (self.world.trade * (1.0 + self.world.tariffs))[self.country, self.partners, :]
        proxy = share * np.asarray(self.world.sigma) / self.world.spending[self.country]
        proxy = proxy.sum(axis=0) if self.mfn else proxy.ravel()
        proxy = np.maximum(proxy, 1e-6 * proxy.max())
        out: FloatArray = np.sqrt(proxy / proxy.max())
        return out

    def __call__(self, v: FloatArray) -> tuple[float, FloatArray]:
        self.evaluations += 1
        eq = solve_ossa(self.world, self.full(v), x0=self.x, tol=SOLVE_TOL)
        self.x, self.last = eq.x, eq
        val = float(log_objective(self.world, eq.evaluation, self.weights)[self.country])
        grad = total_gradient(self.world, eq.evaluation, self.weights, self.coef)
        rows = grad[self.country, self.partners, :]
        g = rows.sum(axis=0) if self.mfn else rows.ravel()
        return -SCALE * val, -SCALE * g


def _projected(g: FloatArray, v: FloatArray, lo: float, hi: float) -> float:
    pg = np.where((v <= lo) & (g > 0), 0.0, g)
    pg = np.where((v >= hi) & (pg < 0), 0.0, pg)
    return float(np.max(np.abs(pg))) if pg.size else 0.0


def ossa_optimal_tariffs(
    world: World,
    country: int,
    tariffs: FloatArray | None = None,
    *,
    mfn: bool = False,
    weights: FloatArray | None = None,
    start: FloatArray | None = None,
    bounds: tuple[float, float] = BOUNDS,
    gtol: float = 1e-7,
    max_iter: int = 2000,
) -> OssaOptimalTariff:
    """Country ``country``'s optimal import tariffs given everyone else's (Ossa 2014, Section V).

    Parameters
    ----------
    world : World
        The base, e.g. the deficit-free world of :func:`.solver.balanced_world`.
    country : int
        The importer choosing its tariffs (index into the world's regions).
    tariffs : (N, N, S), optional
        Everyone's tariffs ``[importer, exporter, industry]``; the country's own row is the
        starting point unless ``start`` is given. Default: the world's tariffs.
    mfn : bool
        One tariff per industry for all partners (Table 8) instead of one per partner (Table 3).
    weights : (N, S), optional
        Political-economy weights on profits; ``None`` maximises welfare.
    start : (N, N, S), optional
        Tariffs whose own row starts the search. Default as in Ossa's code: ``1 / (sigma - 1)``
        (the optimal tariff of a small two-country model) for the MFN problem; the MFN
        optimum for the bilateral one.
    bounds : (float, float)
        Lower and upper bound on every tariff (Ossa: 0 and 10).
    gtol : float
        L-BFGS-B tolerance on the projected gradient of ``100 ln G_hat``.
    max_iter : int

    Raises
    ------
    ShockError
        An unknown country or tariffs of the wrong shape.
    ConvergenceError
        When L-BFGS-B stops without meeting its tolerances.
    """
    clock = time.perf_counter()
    n = world.shape[0]
    if not 0 <= country < n:
        raise ShockError(f"country={country!r}; allowed: 0..{n - 1} (an index into the regions)")
    t = np.array(world.tariffs if tariffs is None else tariffs, dtype=np.float64)
    prob = _Problem(world, t, country, mfn, weights)
    if start is not None:
        v0 = prob.own(np.asarray(start, dtype=np.float64))
    elif mfn:
        v0 = 1.0 / (np.asarray(world.sigma) - 1.0)
    else:
        # Ossa's sequence: the MFN optimum (from 1 / (sigma - 1)) starts the bilateral search.
        first = ossa_optimal_tariffs(world, country, t, mfn=True, weights=weights, bounds=bounds, gtol=gtol)
        v0 = prob.own(first.tariffs)
    v0 = np.clip(v0, *bounds)
    d = prob.scales()

    def scaled(y: FloatArray) -> tuple[float, FloatArray]:
        f, g = prob(y / d)
        return f, g / d

    with threadpool_limits(limits=1, user_api="blas"):
        res = minimize(
            scaled,
            v0 * d,
            jac=True,
            method="L-BFGS-B",
            bounds=list(zip(bounds[0] * d, bounds[1] * d, strict=True)),
            options={"maxiter": max_iter, "gtol": gtol, "ftol": 1e-15, "maxcor": 30},
        )
    v = np.clip(res.x / d, *bounds)
    f, g = prob(v)
    pgrad = _projected(g * d, v, *bounds)
    if not res.success and pgrad > 1e3 * gtol:
        raise ConvergenceError(
            f"optimal tariff of country {country}: L-BFGS-B stopped ({res.message}); "
            f"projected gradient {pgrad:.3g}",
            iterations=int(res.nit),
            residual=pgrad,
        )
    assert prob.last is not None
    out = OssaOptimalTariff(
        country=country,
        tariffs=prob.full(v),
        equilibrium=prob.last,
        objective=-f / SCALE,
        iterations=int(res.nit),
        evaluations=prob.evaluations,
        projected_gradient=pgrad,
        seconds=time.perf_counter() - clock,
    )
    log.debug(
        "optimal tariff of %d: %d iterations, %d evaluations, %.2f s",
        country,
        out.iterations,
        out.evaluations,
        out.seconds,
    )
    return out


@dataclass(frozen=True, eq=False)
class OssaNashWar:
    """The Nash equilibrium of the tariff game (Ossa 2014, Section VI).

    Attributes
    ----------
    tariffs : (N, N, S)   Nash tariffs ``[importer, exporter, industry]``
    equilibrium : OssaEquilibrium   the economy at the Nash tariffs
    rounds : int          rounds of best responses (one round: every country once)
    changes : tuple of float   largest tariff change of each round
    mfn : bool
    seconds : float
    """

    tariffs: FloatArray
    equilibrium: OssaEquilibrium
    rounds: int
    changes: tuple[float, ...]
    mfn: bool
    seconds: float


def ossa_nash_war(
    world: World,
    *,
    mfn: bool = False,
    weights: FloatArray | None = None,
    start: FloatArray | None = None,
    tol: float = 1e-4,
    max_rounds: int = 50,
    bounds: tuple[float, float] = BOUNDS,
) -> OssaNashWar:
    """Nash tariffs by iterated best responses (Gauss-Seidel), as in Ossa (2014, Section VI).

    Parameters
    ----------
    world : World
    mfn : bool
        MFN tariffs (Table 9) instead of bilateral ones (Table 4).
    weights : (N, S), optional
        Political-economy weights; ``None``: every government maximises welfare.
    start : (N, N, S), optional
        Starting tariffs. Default as in Ossa's code: each country's optimal MFN tariffs
        against the factual ones for the MFN war, the MFN Nash tariffs for the bilateral war.
    tol : float
        Stop when a full round moves no tariff by more than ``tol`` (1e-4 = 0.01 points).
    max_rounds : int
    bounds : (float, float)

    Raises
    ------
    ConvergenceError
        When the best responses have not settled after ``max_rounds`` rounds.
    """
    clock = time.perf_counter()
    n, _ = world.shape
    if start is not None:
        t = np.array(start, dtype=np.float64)
    elif mfn:
        t = np.array(world.tariffs, dtype=np.float64)
        for j in range(n):
            best = ossa_optimal_tariffs(world, j, mfn=True, weights=weights, bounds=bounds)
            t[j] = best.tariffs[j]
    else:
        t = ossa_nash_war(
            world, mfn=True, weights=weights, tol=tol, max_rounds=max_rounds, bounds=bounds
        ).tariffs
    changes: list[float] = []
    eq: OssaEquilibrium | None = None
    for _ in range(max_rounds):
        change = 0.0
        for j in range(n):
            best = ossa_optimal_tariffs(world, j, t, mfn=mfn, weights=weights, start=t, bounds=bounds)
            change = max(change, float(np.max(np.abs(best.tariffs[j] - t[j]))))
            t = best.tariffs
            eq = best.equilibrium
        changes.append(change)
        log.info("Nash war (mfn=%s): round %d, largest tariff change %.2e", mfn, len(changes), change)
        if change <= tol:
            break
    else:
        raise ConvergenceError(
            f"Nash war: tariffs still moved by {changes[-1]:.3g} after {max_rounds} rounds",
            iterations=max_rounds,
            residual=changes[-1],
        )
    assert eq is not None
    return OssaNashWar(
        tariffs=t,
        equilibrium=solve_ossa(world, t, x0=eq.x, tol=SOLVE_TOL),
        rounds=len(changes),
        changes=tuple(changes),
        mfn=mfn,
        seconds=time.perf_counter() - clock,
    )
