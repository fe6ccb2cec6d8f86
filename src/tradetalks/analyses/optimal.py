"""Optimal tariffs: one government's tariffs by sector that maximise its objective.

Given everyone else's policy, region ``n`` chooses a tariff for each goods sector on imports
from one partner or from a set of partners (the same rate for all of them). The gradient of
the objective is exact, by implicit differentiation of the equilibrium
(:mod:`tradetalks.model.sensitivity`), and the problem is solved with L-BFGS-B under bounds, in
rates scaled by each sector's Harberger curvature (:meth:`TariffPolicy.curvature_scale`).
Ossa (2014, section III) computes optimal tariffs the same way on his model.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import scipy.optimize
from numpy.typing import NDArray

from tradetalks.analyses.objectives import Government
from tradetalks.analyses.options import OptimizerOptions
from tradetalks.baseline import Baseline
from tradetalks.errors import ConvergenceError
from tradetalks.levers.common import region_indices
from tradetalks.model import Equilibrium, ObjectiveOracle, SensitivitySolver, Shocks, SolverOptions
from tradetalks.results import Provenance, Report, Result, Section, json_safe
from tradetalks.results.common import pct, readonly

FloatArray = NDArray[np.float64]
log = logging.getLogger(__name__)

#: The objective is handed to the optimiser in basis points of real income (better scaled).
SCALE = 1e4


@dataclass
class Reuse:
    """Work a sequence of optimisations on one baseline carries over (mutable, private to the
    caller): the sensitivity solver with its factors and the last equilibrium state."""

    sensitivity: SensitivitySolver = field(default_factory=SensitivitySolver)
    state: FloatArray | None = None


def projected_gradient(x: FloatArray, jac: FloatArray, lower: FloatArray, upper: FloatArray) -> FloatArray:
    """The gradient of a minimisation with the components that push against an active bound set
    to zero: what must vanish at a bounded optimum."""
    g = np.array(jac, dtype=np.float64)
    g[(np.asarray(x) <= lower + 1e-12) & (g > 0)] = 0.0
    g[(np.asarray(x) >= upper - 1e-12) & (g < 0)] = 0.0
    return g


@dataclass(frozen=True)
class TariffPolicy:
    """Which tariffs a government sets: ``importer`` on goods ``sectors`` from ``partners``."""

    importer: int
    partners: tuple[int, ...]
    sectors: tuple[int, ...]

    @classmethod
    def of(cls, baseline: Baseline, importer: str, partners: Sequence[str] | str = "others") -> TariffPolicy:
        n = baseline.region_index(importer)
        parts = tuple(
            i
            for i in region_indices(baseline, partners if isinstance(partners, str) else tuple(partners), n)
            if i != n
        )
        goods = tuple(baseline.sector_index(s) for s in baseline.goods_sectors())
        return cls(n, parts, goods)

    def apply(self, tariffs: FloatArray, x: FloatArray) -> FloatArray:
        out = np.array(tariffs, dtype=np.float64)
        for i in self.partners:
            out[self.importer, i, list(self.sectors)] = x
        return out

    def current(self, tariffs: FloatArray) -> FloatArray:
        """The policy's current rates (mean over partners, by sector)."""
        block = np.asarray(tariffs)[self.importer][np.ix_(self.partners, self.sectors)]
        out: FloatArray = block.mean(axis=0)
        return out

    def curvature_scale(self, baseline: Baseline) -> FloatArray:
        """Scale of each rate for the optimiser: ``sqrt(theta_j M_j / I_n)``, with ``M_j`` the
        importer's imports of sector ``j`` from the partners and ``I_n`` its income.

        ``-theta_j M_j / I_n`` is the second derivative of real income in the sector's tariff in the
        Harberger approximation (``dW ~ ... - 1/2 theta M t^2``); the Hessian of the objective is
        close to diagonal, and in these units its diagonal is close to one (within a factor of four
        on the sectors that carry 99 % of the imports, tested), so that L-BFGS-B sees a
        well-conditioned problem
        instead of one whose curvature spans five orders of magnitude across sectors
        (docs/model.md, section 7.2).
        """
        flows = np.asarray(baseline.flows)[self.importer][np.ix_(self.partners, self.sectors)].sum(axis=0)
        theta = np.asarray(baseline.theta)[list(self.sectors)]
        curv = theta * flows / float(np.asarray(baseline.income)[self.importer])
        floor = 1e-6 * float(curv.max()) if curv.max() > 0 else 1.0
        out: FloatArray = np.sqrt(np.maximum(curv, floor))
        return out

    def directions(self, shape: tuple[int, ...]) -> list[FloatArray]:
        dirs = []
        for j in self.sectors:
            d = np.zeros(shape)
            d[self.importer, list(self.partners), j] = 1.0
            dirs.append(d)
        return dirs


@dataclass(frozen=True, eq=False)
class OptimalTariffs:
    """Result of :func:`optimal_tariffs`: the optimal rates and the world they make.

    Attributes
    ----------
    region : str
        The government setting the tariffs.
    partners : tuple of str
        The partners they apply to (one rate per sector for all of them).
    sectors : tuple of str
        Goods sectors taxed.
    rates : ndarray
        Optimal tariffs by sector, ad valorem (0.5 = 50 %), read-only.
    objective, objective_start : float
        The government's objective ``G`` (log points, docs/model.md eq. 7.1) at the optimum and at the
        starting tariffs, relative to the reference baseline.
    equilibrium : Equilibrium
        The world at the optimal tariffs.
    """

    region: str
    partners: tuple[str, ...]
    sectors: tuple[str, ...]
    rates: FloatArray
    objective: float
    objective_start: float
    equilibrium: Equilibrium
    iterations: int
    seconds: float
    provenance: Provenance

    def __post_init__(self) -> None:
        object.__setattr__(self, "rates", readonly(self.rates))

    @property
    def tariffs(self) -> pd.Series:
        """Optimal tariffs by sector, ad valorem (a new Series on every call)."""
        return pd.Series(np.array(self.rates), index=pd.Index(self.sectors, name="sector"), name="tariff")

    @property
    def region_position(self) -> int:
        """Position of :attr:`region` among the baseline's regions."""
        return self.equilibrium.baseline.region_index(self.region)

    @property
    def objective_gain(self) -> float:
        """``G`` at the optimum minus ``G`` at the start (log points)."""
        return self.objective - self.objective_start

    @cached_property
    def result(self) -> Result:
        """The world at the optimal tariffs as a scenario result (changes against the baseline)."""
        return Result("optimal-tariff", self.equilibrium, self.equilibrium.baseline, "fixed")

    def summary(self) -> pd.DataFrame:
        """Optimal tariff by sector, percent."""
        return (100.0 * self.tariffs).rename("optimal_tariff_pct").to_frame()

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"tariffs": self.summary(), "regions": self.result.regions_frame()}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = json_safe(
            {
                "region": self.region,
                "against": list(self.partners),
                "tariffs_pct": dict(zip(self.sectors, 100.0 * self.rates, strict=True)),
                "objective_gain": self.objective_gain,
                "objective_gain_pct": pct(self.objective_gain),
                "welfare_pct": float(
                    self.result.regions_frame()["welfare_pct"].to_numpy()[self.region_position]
                ),
                "iterations": self.iterations,
                "seconds": self.seconds,
                "units": {
                    "objective_gain": "log points of the government's objective",
                    "objective_gain_pct": "percent of real income, equivalent",
                    "welfare_pct": "percent change of real income against the baseline",
                    "seconds": "seconds",
                },
                "provenance": self.provenance.to_dict(),
            }
        )
        return out

    def report(self) -> Report:
        title = (
            f"optimal tariffs of {self.region} on {', '.join(self.partners)}; objective gain "
            f"{pct(self.objective_gain):.3f} % (real-income equivalent)\n{self.provenance.describe()}"
        )
        notes = (f"optimiser: {self.iterations} iterations, {self.seconds:.1f} s",)
        return Report(title, (Section("", self.summary()),), notes)


def optimal_tariffs(
    baseline: Baseline,
    government: Government,
    partners: Sequence[str] | str = "others",
    shocks: Shocks | None = None,
    *,
    options: OptimizerOptions | None = None,
    start: FloatArray | None = None,
    solver: SolverOptions | None = None,
    reuse: Reuse | None = None,
) -> OptimalTariffs:
    """Tariffs by goods sector that maximise ``government``'s objective, others' policy given
    (docs/model.md, eq. 7.2; the gradient is eq. 6.3).

    Parameters
    ----------
    baseline : Baseline
        Reference world (changes are measured against it).
    government : Government
    partners : "others" or list of str
        One partner or several (the same rate for each, by sector).
    shocks : Shocks, optional
        Everyone's policy apart from the chosen tariffs (default: the baseline's).
    options : OptimizerOptions, optional
        Bounds and stopping rules of L-BFGS-B.
    start : array, optional
        Starting rates by goods sector (default: the current ones).
    solver : SolverOptions, optional
        Options of the equilibrium solves (a tighter ``tol`` lowers the noise floor of the
        objective, for very tight ``gtol``).
    reuse : Reuse, optional
        Work carried over from earlier solves on the same baseline (a war's best responses):
        the sensitivity factors and the last equilibrium state; updated in place.

    Raises
    ------
    ConvergenceError
        The optimiser stopped without meeting its gradient tolerance.
    """
    opts = options or OptimizerOptions()
    upper, gtol = opts.upper, opts.gtol
    t0 = time.perf_counter()
    policy = TariffPolicy.of(baseline, government.region, partners)
    base_shocks = shocks or Shocks(tariffs=np.array(baseline.tariffs))
    base_tariffs = base_shocks.tariff_levels(baseline)
    g = government.objective(baseline)
    dirs = policy.directions(baseline.flows.shape)

    def shocks_at(x: FloatArray) -> Shocks:
        return base_shocks.with_tariffs(policy.apply(base_tariffs, x))

    oracle = ObjectiveOracle(
        baseline,
        shocks_at,
        dirs,
        [g],
        solver,
        sensitivity=None if reuse is None else reuse.sensitivity,
        start=None if reuse is None else reuse.state,
    )
    # the optimiser works on y = s x, in which the objective's curvature is about one per sector
    s = policy.curvature_scale(baseline)

    def value_and_grad(y: FloatArray) -> tuple[float, FloatArray]:
        val, grad, _ = oracle(y / s)
        return -SCALE * float(val[0]), -SCALE * grad[0] / s

    x0 = policy.current(base_tariffs) if start is None else np.asarray(start, dtype=np.float64)
    v0 = -value_and_grad(x0 * s)[0] / SCALE
    out = scipy.optimize.minimize(
        value_and_grad,
        np.clip(x0, 0.0, upper) * s,
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, upper * sk) for sk in s],
        # |d/dx| <= gtol in every sector when |d/dy| <= gtol / max(s)
        options={"gtol": gtol / float(s.max()), "maxiter": opts.max_iter, "ftol": 1e-15},
    )
    # L-BFGS-B reports an "abnormal" line search when it reaches the noise floor of the
    # equilibrium solves (tolerance 1e-11); that is a converged answer if the gradient is small.
    # the projected gradient in the tariffs' own units
    grad_x = np.abs(projected_gradient(out.x, out.jac, np.zeros_like(s), upper * s) * s)
    abnormal_ok = "ABNORMAL" in str(out.message) and float(np.max(grad_x)) <= 100 * gtol
    if not out.success and not abnormal_ok:
        raise ConvergenceError(
            f"optimal tariffs of {government.region}: optimiser stopped: {out.message}",
            iterations=int(out.nit),
            residual=float(np.max(grad_x)),
        )
    x = np.asarray(out.x) / s
    _, _, eq = oracle(x)
    if reuse is not None:
        reuse.state = np.asarray(eq.state)
    sectors = [baseline.sectors[j] for j in policy.sectors]
    log.debug("optimal tariffs of %s: %d iterations, %s", government.region, out.nit, out.message)
    partner_names = tuple(baseline.regions[i] for i in policy.partners)
    return OptimalTariffs(
        region=government.region,
        partners=partner_names,
        sectors=tuple(sectors),
        rates=x,
        objective=float(-out.fun / SCALE),
        objective_start=v0,
        equilibrium=eq,
        iterations=int(out.nit),
        seconds=time.perf_counter() - t0,
        provenance=Provenance.of(
            baseline,
            "optimal-tariff",
            options={
                "optimizer": opts.to_dict(),
                "government": government.describe(),
                "partners": list(partner_names),
            },
        ),
    )
