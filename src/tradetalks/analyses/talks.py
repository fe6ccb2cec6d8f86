"""Trade talks over tariffs: Nash bargaining and Ossa's equal-gains negotiations.

Two governments bargain over the tariffs each levies on the other (by goods sector), from a
disagreement point: the outcome of a Nash tariff war or a threatened escalation. Ossa (2014,
section V) models talks as efficient negotiations in which both governments gain equally
("equal gains"); the Nash (1950) bargaining solution maximises the product of the gains.
Both are solved with SLSQP on exact gradients (implicit differentiation of the equilibrium,
:func:`tradetalks.model.sensitivity.objective_gradients`); the gains are in log points of each
government's objective relative to the disagreement point.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.optimize
from numpy.typing import NDArray

from tradetalks.analyses.optimal import TariffPolicy
from tradetalks.analyses.war import Player
from tradetalks.baseline import Baseline
from tradetalks.errors import ConvergenceError, ScenarioError
from tradetalks.model.sensitivity import ObjectiveOracle
from tradetalks.model.shocks import Shocks
from tradetalks.model.solver import Equilibrium, solve_equilibrium
from tradetalks.results import Result

FloatArray = NDArray[np.float64]
SOLUTIONS = ("nash", "equal-gains")
SCALE = 1e4  # objectives in basis points for the optimiser


@dataclass(frozen=True)
class Talks:
    """Outcome of :func:`bargain`: the agreed tariffs, the gains and the equilibrium."""

    solution: str
    tariffs: pd.DataFrame  # sector x party, ad valorem
    gains: pd.Series  # each party's gain over the disagreement point (log points)
    disagreement: pd.Series  # each party's objective at the disagreement point
    result: Result  # the world at the agreed tariffs, relative to the baseline
    iterations: int
    seconds: float


def bargain(
    baseline: Baseline,
    parties: Sequence[Player],
    disagreement: Shocks,
    shocks: Shocks | None = None,
    *,
    solution: str = "nash",
    upper: float = 5.0,
    max_iter: int = 200,
) -> Talks:
    """Bargain over the two parties' tariffs on their targets, from ``disagreement``.

    Parameters
    ----------
    baseline : Baseline
        Reference world.
    parties : two Players
        Governments and the regions their tariffs target.
    disagreement : Shocks
        Policy if talks fail (a Nash war's tariffs, a threatened escalation).
    shocks : Shocks, optional
        Everyone else's policy during the talks (default: the baseline's). The talks start from
        these tariffs, which both parties must prefer to the disagreement point.
    solution : {"nash", "equal-gains"}
    """
    if solution not in SOLUTIONS:
        raise ScenarioError(f"talks solution {solution!r}; allowed: {', '.join(SOLUTIONS)}")
    if len(parties) != 2:
        raise ScenarioError("talks need exactly two parties")
    t0 = time.perf_counter()
    current = shocks or Shocks(tariffs=np.array(baseline.tariffs))
    policies = [TariffPolicy.of(baseline, p.government.region, p.targets) for p in parties]
    sizes = [len(p.sectors) for p in policies]
    objectives = [p.government.objective(baseline) for p in parties]
    d_eq = solve_equilibrium(baseline, disagreement)
    d = objectives_at(d_eq, objectives)
    dirs = [d_ for pol in policies for d_ in pol.directions(baseline.flows.shape)]

    def shocks_at(x: FloatArray) -> Shocks:
        tariffs = current.tariff_levels(baseline)
        for pol, part in zip(policies, np.split(x, np.cumsum(sizes)[:-1]), strict=True):
            tariffs = pol.apply(tariffs, part)
        return current.with_tariffs(tariffs)

    oracle = ObjectiveOracle(baseline, shocks_at, dirs, objectives)

    def gains(x: FloatArray) -> tuple[FloatArray, FloatArray]:
        values, grads, _ = oracle(x)
        return SCALE * (values - d), SCALE * grads

    def equal_gains(x: FloatArray) -> tuple[float, FloatArray]:
        g, dg = gains(x)
        return float(-g[0]), -dg[0]

    def nash(x: FloatArray) -> tuple[float, FloatArray]:
        # the Nash product, in logs; infeasible points (a gain <= 0) are rejected by the constraints
        g, dg = gains(x)
        if np.any(g <= 0):
            return 1e6, -(dg.sum(axis=0))
        return float(-np.log(g).sum()), -(dg / g[:, None]).sum(axis=0)

    equal = {
        "type": "eq",
        "fun": lambda x: gains(x)[0][0] - gains(x)[0][1],
        "jac": lambda x: gains(x)[1][0] - gains(x)[1][1],
    }
    positive = [
        {"type": "ineq", "fun": lambda x, k=k: gains(x)[0][k], "jac": lambda x, k=k: gains(x)[1][k]}
        for k in (0, 1)
    ]
    bounds = [(0.0, upper)] * sum(sizes)
    options = {"maxiter": max_iter, "ftol": 1e-8}
    # Start at the disagreement tariffs and find the equal-gains agreement (Ossa 2014); the Nash
    # solution starts from there, where both gains are positive.
    x_d = np.concatenate([pol.current(disagreement.tariff_levels(baseline)) for pol in policies])
    out = scipy.optimize.minimize(
        equal_gains, x_d, jac=True, method="SLSQP", bounds=bounds, constraints=[equal], options=options
    )
    iterations = int(out.nit)
    if out.success and solution == "nash":
        if np.any(gains(np.asarray(out.x))[0] <= 0):
            raise ScenarioError("no tariffs make both parties better off than the disagreement point")
        out = scipy.optimize.minimize(
            nash, out.x, jac=True, method="SLSQP", bounds=bounds, constraints=positive, options=options
        )
        iterations += int(out.nit)
    if not out.success:
        raise ConvergenceError(
            f"trade talks ({solution}) did not converge: {out.message}",
            iterations=iterations,
            residual=float(out.fun),
        )
    x = np.asarray(out.x)
    g, _ = gains(x)
    result = Result(scenario=f"talks-{solution}", equilibrium=oracle(x)[2], source=baseline, closure="fixed")
    names = [p.government.region for p in parties]
    sectors = [baseline.sectors[j] for j in policies[0].sectors]
    tariffs = pd.DataFrame(
        np.column_stack(np.split(x, np.cumsum(sizes)[:-1])),
        index=pd.Index(sectors, name="sector"),
        columns=names,
    )
    return Talks(
        solution=solution,
        tariffs=tariffs,
        gains=pd.Series(g / SCALE, index=names, name="gain"),
        disagreement=pd.Series(d, index=names, name="disagreement"),
        result=result,
        iterations=iterations,
        seconds=time.perf_counter() - t0,
    )


def objectives_at(eq: Equilibrium, objectives: Sequence[object]) -> FloatArray:
    """Values of objectives (``objective(system, evaluation)``) at a solved equilibrium."""
    from tradetalks.model.fixed_point import FixedPointMap
    from tradetalks.model.system import build_system

    fp = FixedPointMap.build(eq.baseline, build_system(eq.baseline, eq.shocks))
    ev = fp.evaluate(np.asarray(eq.state))
    return np.array([float(np.real(obj(fp.sys, ev))) for obj in objectives])  # type: ignore[operator]
