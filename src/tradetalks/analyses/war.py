"""Nash tariff wars: iterated best responses to a fixed point (Ossa 2014, section IV).

Each player is a government choosing its tariffs by goods sector on imports from its targets
(one rate per sector for all of them), taking everyone else's tariffs as given. Best
responses (:func:`tradetalks.analyses.optimal.optimal_tariffs`) are iterated in turn
(Gauss-Seidel) until no player's tariffs move by more than ``tol``; the fixed point is a
Nash equilibrium in tariffs. The result reports the tariffs and everyone's welfare.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tradetalks.analyses.nash import joint_nash
from tradetalks.analyses.objectives import Government
from tradetalks.analyses.optimal import Reuse, TariffPolicy, optimal_tariffs
from tradetalks.analyses.options import WarOptions
from tradetalks.analyses.strategy_intervals import StrategyIntervals
from tradetalks.baseline import Baseline
from tradetalks.errors import ConvergenceError, ScenarioError
from tradetalks.model import Shocks, SolverOptions, solve_equilibrium
from tradetalks.progress import ProgressFn, no_progress
from tradetalks.results import Provenance, Report, Result, Section, json_safe
from tradetalks.results.common import long_tariffs, readonly, region_records

FloatArray = NDArray[np.float64]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Player:
    """A government, the regions its tariffs target (``others``: everyone) and its instrument
    (``sector``: one rate per sector; ``uniform``: one rate; ``services``: services taxable too)."""

    government: Government
    targets: tuple[str, ...] | str = "others"
    instrument: str = "sector"
    services: bool = False

    def policy(self, baseline: Baseline) -> TariffPolicy:
        return TariffPolicy.of(baseline, self.government.region, self.targets, self.instrument, self.services)


@dataclass(frozen=True, eq=False)
class NashWar:
    """The outcome of :func:`nash_war`.

    Attributes
    ----------
    players : tuple of str
    sectors : tuple of str
        Goods sectors the players tax.
    rates : ndarray (sectors, players)
        Nash tariffs, ad valorem, read-only (``tariffs`` labels them).
    result : Result
        The world at the Nash tariffs, relative to the baseline.
    objective_values : ndarray (players,)
        Each player's ``G`` at the Nash tariffs (log points).
    rounds : int
        Rounds of best responses, or evaluations of the joint conditions (``method="joint"``).
    max_change : float
        Largest tariff move in the last round (joint: the last Newton step).
    method : str
        ``joint`` (eq. 7.3a) or ``best-response`` (eq. 7.3; also after a failed joint solve).
    uncertainty : StrategyIntervals, optional
        With parameter draws: the Nash tariffs, mean tariffs and welfare under each draw and their
        intervals (docs/model.md, section 9.6); :meth:`summary`, :meth:`frames`, :meth:`to_dict`
        and :meth:`report` then show them.
    """

    players: tuple[str, ...]
    sectors: tuple[str, ...]
    rates: FloatArray
    result: Result
    objective_values: FloatArray
    rounds: int
    max_change: float
    seconds: float
    provenance: Provenance
    traded: NDArray[np.bool_] | None = None
    method: str = "best-response"
    uncertainty: StrategyIntervals | None = None

    def __post_init__(self) -> None:
        mask = np.ones(np.shape(self.rates), dtype=bool) if self.traded is None else np.asarray(self.traded)
        object.__setattr__(self, "traded", readonly(mask, dtype=bool))
        object.__setattr__(self, "rates", readonly(self.rates))
        object.__setattr__(self, "objective_values", readonly(self.objective_values))

    @property
    def tariffs(self) -> pd.DataFrame:
        """Nash tariffs, sector x player, ad valorem; missing where not applicable (no imports in the
        reference world); a new frame on every call."""
        return pd.DataFrame(
            np.where(np.asarray(self.traded), self.rates, np.nan),
            index=pd.Index(self.sectors, name="sector"),
            columns=list(self.players),
        )

    @property
    def objectives(self) -> pd.Series:
        """Each player's objective at the Nash tariffs (log points)."""
        return pd.Series(np.array(self.objective_values), index=list(self.players), name="objective")

    def summary(self) -> pd.DataFrame:
        """Welfare of every region at the Nash tariffs, and each player's mean tariff; under draws
        also the median and 5-95 % range of both (``welfare_pct_median``, ``_p5``, ``_p95``,
        ``mean_nash_tariff_pct_median``, ...)."""
        out = self.result.regions_frame()[["welfare_pct", "real_wage_pct", "exports_pct", "imports_pct"]]
        mean = (100.0 * self.tariffs.mean()).rename("mean_nash_tariff_pct")
        out = out.join(mean)
        if self.uncertainty is None:
            return out
        u = self.uncertainty
        welfare = u.wide("welfare_pct", "region").drop(columns="welfare_pct_central")
        tariff = u.wide("mean_tariff_pct", "region").drop(columns="mean_tariff_pct_central")
        return out.join(welfare).join(tariff.rename(columns=lambda c: c.replace("mean_", "mean_nash_")))

    def frames(self) -> dict[str, pd.DataFrame]:
        tariffs = long_tariffs(
            self.tariffs.to_numpy(), self.sectors, self.players, "player", "nash_tariff_pct"
        )
        out = {"regions": self.summary(), "tariffs": tariffs}
        if self.uncertainty is not None:
            out |= self.uncertainty.frames()
        return out

    def to_dict(self) -> dict[str, Any]:
        t = self.tariffs
        out: dict[str, Any] = json_safe(
            {
                "players": list(self.players),
                "tariffs_pct": {p: dict(zip(self.sectors, 100.0 * t[p].to_numpy(), strict=True)) for p in t},
                "sector_names": {s: self.result.sector_names.get(s, "") for s in self.sectors},
                "regions": region_records(self.summary()),
                "objectives": dict(zip(self.players, self.objective_values, strict=True)),
                "method": self.method,
                "rounds": self.rounds,
                "max_change": self.max_change,
                "uncertainty": None if self.uncertainty is None else self.uncertainty.to_dict(),
                "seconds": self.seconds,
                "units": {
                    "*_pct": "percent",
                    "objectives": "log points of each government's objective against the baseline",
                    "max_change": "largest tariff move in the last round, ad valorem",
                    "seconds": "seconds",
                },
                "provenance": self.provenance.to_dict(),
            }
        )
        return out

    def report(self) -> Report:
        how = (
            f"joint solve of every player's first-order conditions, {self.rounds} evaluations"
            if self.method == "joint"
            else f"{self.method}, {self.rounds} rounds"
        )
        title = (
            f"Nash tariff war among {', '.join(self.players)} ({how})\n"
            f"{self.provenance.describe()}\n(percent changes against the baseline; Nash tariffs are "
            "levels, not additions; the solve started from the current tariffs; n/a: no flow in "
            "the reference world)"
        )
        sections = (Section("", self.summary()), Section("Nash tariffs (%)", (100.0 * self.tariffs).T))
        notes = (
            f"{self.method}: {self.rounds} {'evaluations' if self.method == 'joint' else 'rounds'}, "
            f"last change {self.max_change:.1e}, {self.seconds:.1f} s",
        )
        if self.uncertainty is None:
            return Report(title, sections, notes)
        u = self.uncertainty
        return Report(f"{title}\n{u.describe()}", (*sections, *u.sections()), (*notes, *u.notes))


def _best_responses(
    baseline: Baseline,
    players: Sequence[Player],
    policies: Sequence[TariffPolicy],
    current: Shocks,
    opts: WarOptions,
    progress: ProgressFn | None,
    solver: SolverOptions | None,
) -> tuple[list[FloatArray], Shocks, int, float]:
    """Gauss-Seidel best responses (eq. 7.3): the rates, the shocks, the rounds and the last change."""
    tol, max_rounds = opts.tol, opts.max_rounds
    rates = [pol.current(baseline, current) for pol in policies]
    change = np.inf
    rounds = 0
    reuse = Reuse()  # sensitivity factors and the last state, shared by every best response
    for rounds in range(1, max_rounds + 1):
        change = 0.0
        for k, (player, pol) in enumerate(zip(players, policies, strict=True)):
            br = optimal_tariffs(
                baseline,
                player.government,
                player.targets,
                current,
                options=opts.optimizer,
                start=rates[k],
                reuse=reuse,
                solver=solver,
                instrument=player.instrument,
                services=player.services,
            )
            new = np.array(br.rates)
            change = max(change, float(np.max(np.abs(new - rates[k]))))
            rates[k] = new
            current = pol.shocks_with(baseline, current, new)
            (progress or no_progress)(
                f"Nash war, round {rounds}: best response of {player.government.region} "
                f"(largest change {change:.1e})",
                (rounds - 1) * len(players) + k + 1,
                max_rounds * len(players),
            )
        log.info("Nash war round %d: largest tariff change %.2e", rounds, change)
        if change <= tol:
            return rates, current, rounds, change
    raise ConvergenceError(
        f"Nash war did not settle in {max_rounds} rounds (last change {change:.2e} > tol {tol:.1e})",
        iterations=rounds,
        residual=change,
    )


def nash_war(
    baseline: Baseline,
    players: Sequence[Player],
    shocks: Shocks | None = None,
    *,
    options: WarOptions | None = None,
    progress: ProgressFn | None = None,
    solver: SolverOptions | None = None,
) -> NashWar:
    """The Nash equilibrium of a tariff war among ``players`` (docs/model.md, eqs. 7.3, 7.3a).

    Parameters
    ----------
    baseline : Baseline
        The reference world (welfare changes are measured against it).
    players : sequence of Player
    shocks : Shocks, optional
        Policy of everyone else (default: the baseline's); non-players keep their tariffs.
    options : WarOptions, optional
        The method (``joint``: every player's first-order conditions at once, falling back to
        best responses if that fails; ``best-response``), tolerance, most rounds and the
        optimiser's options.
    progress : ProgressFn, optional
        Called after every evaluation of the joint conditions or every best response.
    solver : SolverOptions, optional
        Options of the equilibrium solves (a tighter ``tol`` for very tight tolerances).

    Raises
    ------
    ConvergenceError
        If neither method settles (best responses within ``options.max_rounds``).
    """
    opts = options or WarOptions()
    t0 = time.perf_counter()
    current = shocks or Shocks(tariffs=np.array(baseline.tariffs))
    policies = [p.policy(baseline) for p in players]
    if len({pol.labels(baseline) for pol in policies}) > 1:
        raise ScenarioError(
            "war: every player needs the same rates (instrument sector or uniform, same taxed sectors)"
        )
    method: str = opts.method
    if method == "joint":
        try:
            joint = joint_nash(
                baseline,
                policies,
                [p.government.objective(baseline) for p in players],
                current,
                opts,
                progress,
                solver,
            )
            rates, current, rounds, change = list(joint.rates), joint.shocks, joint.evaluations, joint.step
        except ConvergenceError as err:
            log.warning("joint Nash solve failed (%s); falling back to best responses", err)
            method = "best-response (joint solve did not converge)"
    if method != "joint":
        rates, current, rounds, change = _best_responses(
            baseline, players, policies, current, opts, progress, solver
        )
    result = Result("nash-war", solve_equilibrium(baseline, current, solver), baseline, "fixed")
    sectors = policies[0].labels(baseline)
    names = tuple(p.government.region for p in players)
    values = np.array([p.government.value(result) for p in players])
    provenance = Provenance.of(
        baseline,
        "war",
        options={
            "war": opts.to_dict(),
            "players": [
                {
                    "government": p.government.describe(),
                    "targets": p.targets,
                    "instrument": p.instrument,
                    "services_taxable": p.services,
                }
                for p in players
            ],
        },
    )
    return NashWar(
        names,
        sectors,
        np.column_stack(rates),
        result,
        values,
        rounds,
        change,
        time.perf_counter() - t0,
        provenance,
        traded=np.column_stack([pol.traded(baseline) for pol in policies]),
        method=method,
    )
