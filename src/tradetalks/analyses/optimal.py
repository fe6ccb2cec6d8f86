"""Optimal tariffs: one government's trade taxes that maximise its objective.

Given everyone else's policy, region ``n`` chooses its instrument's rates (:mod:`.policy`): a
tariff for each goods sector on imports from one partner or a set of partners (the same rate for
all of them), one uniform rate, one rate per partner, services taxable or not, or taxes on its
exports instead (an export tax on a critical product: what the leverage is worth). The gradient of
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
from tradetalks.analyses.policy import INSTRUMENTS, TAXES, TariffPolicy
from tradetalks.baseline import Baseline
from tradetalks.errors import ConvergenceError
from tradetalks.model import Equilibrium, ObjectiveOracle, SensitivitySolver, Shocks, SolverOptions
from tradetalks.progress import ProgressFn, no_progress
from tradetalks.results import Provenance, Report, Result, Section, json_safe
from tradetalks.results.common import pct, readonly, with_sector_names

__all__ = ["INSTRUMENTS", "TAXES", "OptimalTariffs", "Reuse", "TariffPolicy", "optimal_tariffs"]

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


@dataclass(frozen=True, eq=False)
class OptimalTariffs:
    """Result of :func:`optimal_tariffs`: the optimal rates and the world they make.

    Attributes
    ----------
    region : str
        The government setting the tariffs.
    partners : tuple of str
        The partners they apply to.
    sectors : tuple of str
        Labels of the rates: the sectors taxed (instrument ``sector``), ``("uniform",)`` (one
        rate on everything) or the partners (instrument ``partner``).
    rates : ndarray
        Optimal rates, ad-valorem levels (0.5 = 50 %; not additions to current rates), read-only.
    traded : ndarray of bool
        Whether each rate applies to a flow of the reference world; the others are not
        applicable (the objective does not depend on them) and are reported as missing.
    instrument : str
        ``sector``, ``uniform`` or ``partner``; ``services``: whether services were taxable;
        ``tax``: ``import`` (tariffs) or ``export`` (export taxes).
    start : str
        Where the optimiser started (``current rates`` or ``given rates``).
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
    traded: NDArray[np.bool_] | None = None
    instrument: str = "sector"
    services: bool = False
    tax: str = "import"
    start: str = "current rates"

    def __post_init__(self) -> None:
        object.__setattr__(self, "rates", readonly(self.rates))
        mask = np.ones(len(self.rates), dtype=bool) if self.traded is None else np.asarray(self.traded)
        object.__setattr__(self, "traded", readonly(mask, dtype=bool))

    @property
    def tariffs(self) -> pd.Series:
        """Optimal rates (tariffs, or export taxes), ad valorem, missing where not applicable (no
        flow in the reference world); a new Series on every call."""
        rates = np.where(np.asarray(self.traded), self.rates, np.nan)
        index = pd.Index(self.sectors, name="partner" if self.instrument == "partner" else "sector")
        return pd.Series(rates, index=index, name="tariff" if self.tax == "import" else "export_tax")

    @property
    def _traded(self) -> list[bool]:
        return [bool(t) for t in np.asarray(self.traded)]

    @property
    def _key(self) -> str:
        return "tariffs_pct" if self.tax == "import" else "export_taxes_pct"

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
        """Optimal rate by sector (or partner), percent; ``NaN`` where not applicable."""
        name = "optimal_tariff_pct" if self.tax == "import" else "optimal_export_tax_pct"
        return (100.0 * self.tariffs).rename(name).to_frame()

    def frames(self) -> dict[str, pd.DataFrame]:
        tariffs = with_sector_names(self.summary(), self.result.sector_names)
        return {"tariffs": tariffs, "regions": self.result.regions_frame()}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = json_safe(
            {
                "region": self.region,
                "against": list(self.partners),
                self._key: dict(zip(self.sectors, 100.0 * self.tariffs.to_numpy(), strict=True)),
                "not_applicable": [
                    k for k, t in zip(self.sectors, np.asarray(self.traded), strict=True) if not t
                ],
                "instrument": self.instrument,
                "tax": self.tax,
                "services_taxable": self.services,
                "start": self.start,
                "objective_gain": self.objective_gain,
                "objective_gain_pct": pct(self.objective_gain),
                "welfare_pct": float(
                    self.result.regions_frame()["welfare_pct"].to_numpy()[self.region_position]
                ),
                "iterations": self.iterations,
                "seconds": self.seconds,
                "units": {
                    self._key: "levels in percent (not additions); null: not applicable, "
                    "no flow in the reference world",
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
        what = "tariffs" if self.tax == "import" else "export taxes"
        title = (
            f"optimal {what} of {self.region} on {', '.join(self.partners)} ({self.instrument} "
            f"instrument{', services taxable' if self.services else ''}); objective gain "
            f"{pct(self.objective_gain):.3f} % (real-income equivalent)\n{self.provenance.describe()}\n"
            f"rates are levels in percent, not additions; the optimiser started from {self.start}"
        )
        notes: tuple[str, ...] = (f"optimiser: {self.iterations} iterations, {self.seconds:.1f} s",)
        if not np.all(self.traded):
            notes += ("n/a: no flow in the reference world, the rate does not matter",)
        return Report(title, (Section("", self.frames()["tariffs"]),), notes)


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
    instrument: str = "sector",
    services: bool = False,
    tax: str = "import",
    sectors: Sequence[str] | None = None,
    progress: ProgressFn | None = None,
) -> OptimalTariffs:
    """Tariffs (or export taxes) that maximise ``government``'s objective, others' policy given
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
    instrument : {"sector", "uniform", "partner"}
        One rate per sector, one rate on everything, or one per partner (:data:`INSTRUMENTS`).
    services : bool
        Whether services are taxable too (default: goods only).
    tax : {"import", "export"}
        Tariffs on imports from ``partners``, or taxes on exports to them (:data:`TAXES`).
    sectors : sequence of str, optional
        The taxed sectors (default: goods, or every sector with ``services``).
    progress : ProgressFn, optional
        Called after every iteration of the optimiser.

    Raises
    ------
    ConvergenceError
        The optimiser stopped without meeting its gradient tolerance.
    """
    opts = options or OptimizerOptions()
    upper, gtol = opts.upper, opts.gtol
    t0 = time.perf_counter()
    policy = TariffPolicy.of(baseline, government.region, partners, instrument, services, tax, sectors)
    base_shocks = shocks or Shocks(tariffs=np.array(baseline.tariffs))
    g = government.objective(baseline)
    dirs = policy.directions(baseline.flows.shape)

    def shocks_at(x: FloatArray) -> Shocks:
        return policy.shocks_with(baseline, base_shocks, x)

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

    x0 = policy.current(baseline, base_shocks) if start is None else np.asarray(start, dtype=np.float64)
    y0 = np.clip(x0, 0.0, upper) * s
    # at the optimiser's own first point when the start is within the bounds (one solve, not two)
    v0 = -value_and_grad(y0 if np.array_equal(np.clip(x0, 0.0, upper), x0) else x0 * s)[0] / SCALE
    report = progress or no_progress
    done = [0]
    task = f"optimal {'tariffs' if tax == 'import' else 'export taxes'} of {government.region}"

    def step(_: FloatArray) -> None:
        done[0] += 1
        report(f"{task}: iteration {done[0]}", done[0], opts.max_iter)

    out = scipy.optimize.minimize(
        value_and_grad,
        y0,
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, upper * sk) for sk in s],
        # |d/dx| <= gtol in every sector when |d/dy| <= gtol / max(s)
        options={"gtol": gtol / float(s.max()), "maxiter": opts.max_iter, "ftol": 1e-15},
        callback=step,
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
    sectors = policy.labels(baseline)
    log.debug(
        "optimal tariffs of %s: %d iterations, %s; largest projected gradient %.2e (tolerance %.0e)",
        government.region,
        out.nit,
        out.message,
        float(np.max(grad_x)),
        gtol,
    )
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
                "instrument": instrument,
                "tax": tax,
                "services_taxable": services,
                "sectors": list(policy.labels(baseline)) if instrument == "sector" else None,
            },
        ),
        traded=policy.traded(baseline),
        instrument=instrument,
        services=services,
        tax=tax,
        start="current rates" if start is None else "given rates",
    )
