"""Optimal tariffs: one government's tariffs by sector that maximise its objective.

Given everyone else's policy, region ``n`` chooses a tariff for each goods sector on imports
from one partner or from a set of partners (the same rate for all of them). The gradient of
the objective is exact, by implicit differentiation of the equilibrium
(:mod:`tradetalks.model.sensitivity`), and the problem is solved with L-BFGS-B under bounds.
Ossa (2014, section III) computes optimal tariffs the same way on his model.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.optimize
from numpy.typing import NDArray

from tradetalks.analyses.objectives import Government
from tradetalks.baseline import Baseline
from tradetalks.errors import ConvergenceError
from tradetalks.levers.common import region_indices
from tradetalks.model.sensitivity import ObjectiveOracle
from tradetalks.model.shocks import Shocks
from tradetalks.model.solver import Equilibrium

FloatArray = NDArray[np.float64]
log = logging.getLogger(__name__)

#: The objective is handed to the optimiser in basis points of real income (better scaled).
SCALE = 1e4


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

    def directions(self, shape: tuple[int, ...]) -> list[FloatArray]:
        dirs = []
        for j in self.sectors:
            d = np.zeros(shape)
            d[self.importer, list(self.partners), j] = 1.0
            dirs.append(d)
        return dirs


@dataclass(frozen=True)
class OptimalTariffs:
    """Result of :func:`optimal_tariffs`."""

    region: str
    partners: tuple[str, ...]
    tariffs: pd.Series  # by sector, ad valorem (0.5 = 50 %)
    objective: float  # G at the optimum, relative to the reference baseline
    objective_start: float
    equilibrium: Equilibrium
    iterations: int
    seconds: float


def optimal_tariffs(
    baseline: Baseline,
    government: Government,
    partners: Sequence[str] | str = "others",
    shocks: Shocks | None = None,
    *,
    upper: float = 5.0,
    start: FloatArray | None = None,
    gtol: float = 1e-3,
    max_iter: int = 200,
) -> OptimalTariffs:
    """Tariffs by goods sector that maximise ``government``'s objective, others' policy given.

    Parameters
    ----------
    baseline : Baseline
        Reference world (changes are measured against it).
    government : Government
    partners : "others" or list of str
        One partner or several (the same rate for each, by sector).
    shocks : Shocks, optional
        Everyone's policy apart from the chosen tariffs (default: the baseline's).
    upper : float
        Upper bound on each rate (5.0 = 500 %).
    start : array, optional
        Starting rates by goods sector (default: the current ones).
    """
    t0 = time.perf_counter()
    policy = TariffPolicy.of(baseline, government.region, partners)
    base_shocks = shocks or Shocks(tariffs=np.array(baseline.tariffs))
    base_tariffs = base_shocks.tariff_levels(baseline)
    g = government.objective(baseline)
    dirs = policy.directions(baseline.flows.shape)

    def shocks_at(x: FloatArray) -> Shocks:
        return base_shocks.with_tariffs(policy.apply(base_tariffs, x))

    oracle = ObjectiveOracle(baseline, shocks_at, dirs, [g])

    def value_and_grad(x: FloatArray) -> tuple[float, FloatArray]:
        val, grad, _ = oracle(x)
        return -SCALE * float(val[0]), -SCALE * grad[0]

    x0 = policy.current(base_tariffs) if start is None else np.asarray(start, dtype=np.float64)
    v0 = -value_and_grad(x0)[0] / SCALE
    out = scipy.optimize.minimize(
        value_and_grad,
        np.clip(x0, 0.0, upper),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, upper)] * len(policy.sectors),
        options={"gtol": gtol, "maxiter": max_iter, "ftol": 1e-13},
    )
    # L-BFGS-B reports an "abnormal" line search when it reaches the noise floor of the
    # equilibrium solves (tolerance 1e-11); that is a converged answer if the gradient is small.
    abnormal_ok = "ABNORMAL" in str(out.message) and float(np.max(np.abs(out.jac))) <= 100 * gtol
    if not out.success and not abnormal_ok:
        raise ConvergenceError(
            f"optimal tariffs of {government.region}: optimiser stopped: {out.message}",
            iterations=int(out.nit),
            residual=float(np.max(np.abs(out.jac))),
        )
    x = np.asarray(out.x)
    _, _, eq = oracle(x)
    sectors = [baseline.sectors[j] for j in policy.sectors]
    log.debug("optimal tariffs of %s: %d iterations, %s", government.region, out.nit, out.message)
    return OptimalTariffs(
        region=government.region,
        partners=tuple(baseline.regions[i] for i in policy.partners),
        tariffs=pd.Series(x, index=pd.Index(sectors, name="sector"), name="tariff"),
        objective=float(-out.fun / SCALE),
        objective_start=v0,
        equilibrium=eq,
        iterations=int(out.nit),
        seconds=time.perf_counter() - t0,
    )
