"""Trade talks over tariffs: Nash bargaining and Ossa's equal-gains negotiations.

Two governments bargain over the tariffs each levies on the other (by goods sector), from a
disagreement point: the outcome of a Nash tariff war or a threatened escalation. Ossa (2014,
section V) models talks as efficient negotiations in which both governments gain equally
("equal gains"); the Nash (1950) bargaining solution maximises the product of the gains.
Both are solved on exact gradients (implicit differentiation of the equilibrium,
:func:`tradetalks.model.sensitivity.objective_gradients`) with L-BFGS-B in rates scaled by each
sector's curvature (:meth:`TariffPolicy.curvature_scale`): equal gains as the frontier point of
a weighted sum of the gains whose weight equalises them (a safeguarded secant on the weight), the
Nash solution as the maximum of the log Nash product from there. The gains are in log points of
each government's objective relative to the disagreement point.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.optimize
from numpy.typing import NDArray

from tradetalks.analyses.optimal import projected_gradient
from tradetalks.analyses.options import TALKS_SOLUTIONS, TalksOptions
from tradetalks.analyses.strategy_intervals import StrategyIntervals
from tradetalks.analyses.war import Player
from tradetalks.baseline import Baseline
from tradetalks.errors import ConvergenceError, ScenarioError
from tradetalks.model import ObjectiveOracle, Shocks, objective_values, solve_equilibrium
from tradetalks.progress import ProgressFn, no_progress
from tradetalks.results import Provenance, Report, Result, Section, json_safe
from tradetalks.results.common import long_tariffs, pct, readonly, region_records

FloatArray = NDArray[np.float64]
SOLUTIONS = TALKS_SOLUTIONS
SCALE = 1e4  # objectives in basis points for the optimiser
#: L-BFGS-B's gradient tolerance (basis points per unit of scaled rate).
GTOL = 1e-4
#: L-BFGS-B also stops when an iteration improves the objective by less than this share of it:
#: on the log Nash product (about 10) 1e-8, where from us-100-retaliation the last 23 of 57
#: iterations moved the product by 4e-8 of itself and the gains by 1e-5 percentage points.
FTOL = 1e-9
#: Basis points of gain below which a line search stopped by noise counts as converged (1e-8 log points).
NOISE_GAIN = 1e-4
#: The equal-gains condition: |g0 - g1| at most this share of the larger gain.
EQUAL_TOL = 1e-8


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
    traded : ndarray of bool (sectors, parties)
        Whether each rate applies to a flow of the reference world (others are not applicable).
    start : str
        Where the optimiser started: ``current tariffs``, ``free trade`` (the feasible one with
        the larger Nash product) or ``equal gains``.
    uncertainty : StrategyIntervals, optional
        With parameter draws: the agreed tariffs, gains and welfare under each draw and their
        intervals (docs/model.md, section 9.6); :meth:`summary`, :meth:`frames`, :meth:`to_dict`
        and :meth:`report` then show them.
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
    traded: NDArray[np.bool_] | None = None
    start: str = "current tariffs"
    uncertainty: StrategyIntervals | None = None

    def __post_init__(self) -> None:
        mask = np.ones(np.shape(self.rates), dtype=bool) if self.traded is None else np.asarray(self.traded)
        object.__setattr__(self, "traded", readonly(mask, dtype=bool))
        for name in ("rates", "gain_values", "disagreement_values"):
            object.__setattr__(self, name, readonly(getattr(self, name)))

    @property
    def tariffs(self) -> pd.DataFrame:
        """Agreed tariffs, sector x party, ad valorem; missing where not applicable (no imports in
        the reference world); a new frame on every call."""
        return pd.DataFrame(
            np.where(np.asarray(self.traded), self.rates, np.nan),
            index=pd.Index(self.sectors, name="sector"),
            columns=list(self.parties),
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
        """Every region at the agreed tariffs: welfare, real wage, exports, imports (percent); under
        draws also the median and 5-95 % range of welfare (``welfare_pct_median``, ``_p5``, ``_p95``)."""
        out = self.result.regions_frame()[["welfare_pct", "real_wage_pct", "exports_pct", "imports_pct"]]
        if self.uncertainty is None:
            return out
        return out.join(self.uncertainty.wide("welfare_pct", "region").drop(columns="welfare_pct_central"))

    def frames(self) -> dict[str, pd.DataFrame]:
        tariffs = long_tariffs(
            self.tariffs.to_numpy(), self.sectors, self.parties, "party", "agreed_tariff_pct"
        )
        gains = pd.DataFrame(
            {"gain_pct": pct(self.gain_values), "disagreement_pct": pct(self.disagreement_values)},
            index=pd.Index(self.parties, name="party"),
        )
        out = {"regions": self.summary(), "tariffs": tariffs, "gains": gains}
        if self.uncertainty is not None:
            out |= self.uncertainty.frames()
        return out

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
                "sector_names": {s: self.result.sector_names.get(s, "") for s in self.sectors},
                "regions": region_records(self.summary()),
                "start": self.start,
                "uncertainty": None if self.uncertainty is None else self.uncertainty.to_dict(),
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
            f"(percent changes against the baseline; agreed tariffs are levels, not additions; the "
            f"optimiser started from {self.start}; n/a: no flow in the reference world)"
        )
        sections = (Section("", self.summary()), Section("agreed tariffs (%)", (100.0 * self.tariffs).T))
        notes = (f"L-BFGS-B: {self.iterations} iterations, {self.seconds:.1f} s",)
        if self.uncertainty is None:
            return Report(title, sections, notes)
        u = self.uncertainty
        return Report(f"{title}\n{u.describe()}", (*sections, *u.sections()), (*notes, *u.notes))


def bargain(
    baseline: Baseline,
    parties: Sequence[Player],
    disagreement: Shocks,
    shocks: Shocks | None = None,
    *,
    options: TalksOptions | None = None,
    threat: str = "custom",
    progress: ProgressFn | None = None,
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
    progress : ProgressFn, optional
        Called after every iteration of the optimiser.
    """
    opts = options or TalksOptions()
    solution, upper, max_iter = opts.solution, opts.upper, opts.max_iter
    if len(parties) != 2:
        raise ScenarioError("talks need exactly two parties")
    t0 = time.perf_counter()
    current = shocks or Shocks(tariffs=np.array(baseline.tariffs))
    policies = [p.policy(baseline) for p in parties]
    if len({pol.labels(baseline) for pol in policies}) > 1:
        raise ScenarioError(
            "talks: both parties need the same rates (instrument sector or uniform, same taxed sectors)"
        )
    sizes = [p.size for p in policies]
    objectives = [p.government.objective(baseline) for p in parties]
    d_eq = solve_equilibrium(baseline, disagreement)
    d = objective_values(d_eq, objectives)
    dirs = [d_ for pol in policies for d_ in pol.directions(baseline.flows.shape)]

    def shocks_at(x: FloatArray) -> Shocks:
        out = current
        for pol, part in zip(policies, np.split(x, np.cumsum(sizes)[:-1]), strict=True):
            out = pol.shocks_with(baseline, out, part)
        return out

    oracle = ObjectiveOracle(baseline, shocks_at, dirs, objectives)
    # the optimiser works on y = s x, where each party's objective has a curvature of about one in every
    # sector (TariffPolicy.curvature_scale; docs/model.md, section 7.2)
    s = np.concatenate([pol.curvature_scale(baseline) for pol in policies])

    def gains(y: FloatArray) -> tuple[FloatArray, FloatArray]:
        values, grads, _ = oracle(np.asarray(y) / s)
        return SCALE * (values - d), SCALE * grads / s

    bounds = [(0.0, upper * sk) for sk in s]
    lower, top = np.zeros_like(s), upper * s
    y_d = np.concatenate([pol.current(baseline, disagreement) for pol in policies]) * s

    def maximise(fun: Callable[[FloatArray], tuple[float, FloatArray]], y0: FloatArray) -> FloatArray:
        """L-BFGS-B on ``-fun`` in the scaled rates; raises if it stops short.

        A line search that fails (``ABNORMAL``) where the problem is stiff is followed by a probe
        along the projected gradient at steps 10^-1 .. 10^-9: if no step gains more than
        :data:`NOISE_GAIN` the point is the answer, otherwise L-BFGS-B restarts from the best step
        (at most three times).
        """
        y = np.clip(y0, 0.0, top)
        for _ in range(4):
            out = scipy.optimize.minimize(
                lambda v: tuple(-w for w in fun(v)),
                y,
                jac=True,
                method="L-BFGS-B",
                bounds=bounds,
                options={"gtol": GTOL, "maxiter": max_iter, "ftol": FTOL},
                callback=on_iteration,
            )
            counts[0] += int(out.nit)
            y = np.asarray(out.x)
            if out.success:
                return y
            if "ABNORMAL" not in str(out.message):
                break
            value, grad = fun(y)
            step = projected_gradient(y, -grad, lower, top)
            trials = [np.clip(y - a * step, lower, top) for a in 10.0 ** -np.arange(1, 10)]
            best = max(trials, key=lambda t: fun(t)[0])
            if fun(best)[0] - value <= NOISE_GAIN:
                return y
            y = best
        residual = float(np.max(np.abs(projected_gradient(y, out.jac, lower, top))))
        raise ConvergenceError(
            f"trade talks ({solution}) did not converge: {out.message}",
            iterations=counts[0],
            residual=residual,
        )

    counts = [0]
    steps = [0]

    def on_iteration(_: FloatArray) -> None:
        steps[0] += 1
        (progress or no_progress)(f"trade talks ({solution}): iteration {steps[0]}", steps[0], None)

    y_now = np.concatenate([pol.current(baseline, current) for pol in policies]) * s

    def equal_gains(y_start: FloatArray) -> FloatArray:
        # Equal gains (Ossa 2014): the largest gains that are equal, max (g0 + g1) / 2 s.t.
        # g0 = g1, by an augmented Lagrangian on h = g0 - g1 (eq. 7.5): each step maximises
        # (g0 + g1) / 2 + lam h - mu h^2 / 2 with L-BFGS-B, warm-started, then lam -= mu h, and
        # mu grows tenfold when |h| has not fallen fourfold. The penalty makes the problem
        # strictly concave along a flat gain frontier, where a weighted sum of the gains jumps
        # between corners.
        lam, mu, last = 0.0, 0.1, np.inf
        y_eq = y_start

        def lagrangian(y: FloatArray) -> tuple[float, FloatArray]:
            g, dg = gains(y)
            h, dh = g[0] - g[1], dg[0] - dg[1]
            value = 0.5 * (g[0] + g[1]) + lam * h - 0.5 * mu * h * h
            return float(value), 0.5 * (dg[0] + dg[1]) + (lam - mu * h) * dh

        for _ in range(40):
            y_eq = maximise(lagrangian, y_eq)
            g, _ = gains(y_eq)
            h = float(g[0] - g[1])
            if abs(h) <= EQUAL_TOL * max(float(np.abs(g).max()), 1e-12):
                break
            lam -= mu * h
            if abs(h) > 0.25 * last:
                mu *= 10.0
            last = abs(h)
        else:
            raise ConvergenceError(
                f"trade talks (equal-gains): the gains did not equalise in 40 updates (gap {h:.2e} bp)",
                iterations=counts[0],
                residual=abs(h),
            )

        return y_eq

    # Nash: start from the talks' tariffs or from free trade between the parties, whichever has
    # the larger Nash product (both must beat the disagreement point); otherwise from equal gains
    starts = [y_now, np.zeros_like(y_now)] if solution == "nash" else []
    feasible = [(float(np.log(g).sum()), k) for k, y0 in enumerate(starts) if np.all((g := gains(y0)[0]) > 0)]
    y_eq = starts[max(feasible)[1]] if feasible else equal_gains(y_d)
    start = ("current tariffs", "free trade")[max(feasible)[1]] if feasible else "equal gains"
    y = y_eq
    if solution == "nash":
        if np.any(gains(y)[0] <= 0):
            raise ScenarioError("no tariffs make both parties better off than the disagreement point")

        def log_product(y: FloatArray) -> tuple[float, FloatArray]:
            # the Nash product, in logs; infeasible points (a gain <= 0) are never better
            g, dg = gains(y)
            if np.any(g <= 0):
                return -1e6, (dg / np.maximum(np.abs(g), 1e-12)[:, None]).sum(axis=0)
            return float(np.log(g).sum()), (dg / g[:, None]).sum(axis=0)

        y = maximise(log_product, y)
    iterations = counts[0]
    g, _ = gains(y)
    x = y / s
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
        sectors=policies[0].labels(baseline),
        rates=np.column_stack(np.split(x, np.cumsum(sizes)[:-1])),
        gain_values=g / SCALE,
        disagreement_values=d,
        result=result,
        iterations=iterations,
        seconds=time.perf_counter() - t0,
        provenance=provenance,
        traded=np.column_stack([pol.traded(baseline) for pol in policies]),
        start=start,
    )
