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
from typing import Any

import numpy as np
import pandas as pd
import scipy.optimize
from numpy.typing import NDArray

from tradetalks.analyses.optimal import TariffPolicy
from tradetalks.analyses.options import TALKS_SOLUTIONS, TalksOptions
from tradetalks.analyses.war import Player
from tradetalks.baseline import Baseline
from tradetalks.errors import ConvergenceError, ScenarioError
from tradetalks.model import ObjectiveOracle, Shocks, objective_values, solve_equilibrium
from tradetalks.results import Provenance, Report, Result, Section, json_safe
from tradetalks.results.common import long_tariffs, pct, readonly, region_records

FloatArray = NDArray[np.float64]
SOLUTIONS = TALKS_SOLUTIONS
SCALE = 1e4  # objectives in basis points for the optimiser


@dataclass(frozen=True, eq=False)
class Talks:
    """Outcome of :func:`bargain`: the agreed tariffs, the gains and the equilibrium.

    Attributes
    ----------
    solution : str
        ``nash`` or ``equal-gains``.
    threat : str
        What the disagreement point is (a Nash war, a scenario's name).
    parties, sectors : tuple of str
    rates : ndarray (sectors, parties)
        Agreed tariffs, ad valorem, read-only (``tariffs`` labels them).
    gain_values : ndarray (parties,)
        Each party's gain over the disagreement point (log points of its objective).
    disagreement_values : ndarray (parties,)
        Each party's objective at the disagreement point (log points against the baseline).
    result : Result
        The world at the agreed tariffs, relative to the baseline.
    """

    solution: str
    threat: str
    parties: tuple[str, ...]
    sectors: tuple[str, ...]
    rates: FloatArray
    gain_values: FloatArray
    disagreement_values: FloatArray
    result: Result
    iterations: int
    seconds: float
    provenance: Provenance

    def __post_init__(self) -> None:
        for name in ("rates", "gain_values", "disagreement_values"):
            object.__setattr__(self, name, readonly(getattr(self, name)))

    @property
    def tariffs(self) -> pd.DataFrame:
        """Agreed tariffs, sector x party, ad valorem (a new frame on every call)."""
        return pd.DataFrame(
            np.array(self.rates), index=pd.Index(self.sectors, name="sector"), columns=list(self.parties)
        )

    @property
    def gains(self) -> pd.Series:
        """Each party's gain over the disagreement point (log points)."""
        return pd.Series(np.array(self.gain_values), index=list(self.parties), name="gain")

    @property
    def disagreement(self) -> pd.Series:
        """Each party's objective at the disagreement point (log points)."""
        return pd.Series(np.array(self.disagreement_values), index=list(self.parties), name="disagreement")

    def summary(self) -> pd.DataFrame:
        """Every region at the agreed tariffs: welfare, real wage, exports, imports (percent)."""
        return self.result.regions_frame()[["welfare_pct", "real_wage_pct", "exports_pct", "imports_pct"]]

    def frames(self) -> dict[str, pd.DataFrame]:
        tariffs = long_tariffs(self.rates, self.sectors, self.parties, "party", "agreed_tariff_pct")
        gains = pd.DataFrame(
            {"gain_pct": pct(self.gain_values), "disagreement_pct": pct(self.disagreement_values)},
            index=pd.Index(self.parties, name="party"),
        )
        return {"regions": self.summary(), "tariffs": tariffs, "gains": gains}

    def to_dict(self) -> dict[str, Any]:
        t = self.tariffs
        out: dict[str, Any] = json_safe(
            {
                "parties": list(self.parties),
                "disagreement": self.threat,
                "solution": self.solution,
                "gains_pct": dict(zip(self.parties, pct(self.gain_values), strict=True)),
                "disagreement_pct": dict(zip(self.parties, pct(self.disagreement_values), strict=True)),
                "tariffs_pct": {p: dict(zip(self.sectors, 100.0 * t[p].to_numpy(), strict=True)) for p in t},
                "regions": region_records(self.summary()),
                "iterations": self.iterations,
                "seconds": self.seconds,
                "units": {
                    "gains_pct": "percent of real income, equivalent, over the disagreement point",
                    "disagreement_pct": "percent of real income, equivalent, against the baseline",
                    "*_pct": "percent",
                    "seconds": "seconds",
                },
                "provenance": self.provenance.to_dict(),
            }
        )
        return out

    def report(self) -> Report:
        gains = ", ".join(f"{k} {v:.3f} %" for k, v in zip(self.parties, pct(self.gain_values), strict=True))
        title = (
            f"{self.solution} talks between {self.parties[0]} and {self.parties[1]} from '{self.threat}': "
            f"gains over the disagreement point {gains}\n{self.provenance.describe()}\n"
            "(percent changes against the baseline)"
        )
        return Report(
            title,
            (Section("", self.summary()), Section("agreed tariffs (%)", (100.0 * self.tariffs).T)),
            (f"SLSQP: {self.iterations} iterations, {self.seconds:.1f} s",),
        )


def bargain(
    baseline: Baseline,
    parties: Sequence[Player],
    disagreement: Shocks,
    shocks: Shocks | None = None,
    *,
    options: TalksOptions | None = None,
    threat: str = "custom",
) -> Talks:
    """Bargain over the two parties' tariffs on their targets, from ``disagreement`` (docs/model.md,
    eqs. 7.4-7.5).

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
    options : TalksOptions, optional
        The solution concept (``nash`` or ``equal-gains``), bounds and iterations.
    threat : str
        A label of the disagreement point (recorded in the result).
    """
    opts = options or TalksOptions()
    solution, upper, max_iter = opts.solution, opts.upper, opts.max_iter
    if len(parties) != 2:
        raise ScenarioError("talks need exactly two parties")
    t0 = time.perf_counter()
    current = shocks or Shocks(tariffs=np.array(baseline.tariffs))
    policies = [TariffPolicy.of(baseline, p.government.region, p.targets) for p in parties]
    sizes = [len(p.sectors) for p in policies]
    objectives = [p.government.objective(baseline) for p in parties]
    d_eq = solve_equilibrium(baseline, disagreement)
    d = objective_values(d_eq, objectives)
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
    slsqp = {"maxiter": max_iter, "ftol": 1e-8}
    # Start at the disagreement tariffs and find the equal-gains agreement (Ossa 2014); the Nash
    # solution starts from there, where both gains are positive.
    x_d = np.concatenate([pol.current(disagreement.tariff_levels(baseline)) for pol in policies])
    out = scipy.optimize.minimize(
        equal_gains, x_d, jac=True, method="SLSQP", bounds=bounds, constraints=[equal], options=slsqp
    )
    iterations = int(out.nit)
    if out.success and solution == "nash":
        if np.any(gains(np.asarray(out.x))[0] <= 0):
            raise ScenarioError("no tariffs make both parties better off than the disagreement point")
        out = scipy.optimize.minimize(
            nash, out.x, jac=True, method="SLSQP", bounds=bounds, constraints=positive, options=slsqp
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
    names = tuple(p.government.region for p in parties)
    provenance = Provenance.of(
        baseline,
        "talks",
        options={
            "talks": opts.to_dict(),
            "threat": threat,
            "parties": [{"government": p.government.describe(), "targets": p.targets} for p in parties],
        },
    )
    return Talks(
        solution=solution,
        threat=threat,
        parties=names,
        sectors=tuple(baseline.sectors[j] for j in policies[0].sectors),
        rates=np.column_stack(np.split(x, np.cumsum(sizes)[:-1])),
        gain_values=g / SCALE,
        disagreement_values=d,
        result=result,
        iterations=iterations,
        seconds=time.perf_counter() - t0,
        provenance=provenance,
    )
