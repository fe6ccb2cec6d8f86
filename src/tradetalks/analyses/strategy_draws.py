"""Tariff wars and trade talks under parameter draws (docs/model.md, section 9.6).

Each draw ``k`` of a seed (:func:`~tradetalks.analyses.uncertainty.parameter_draw`) makes the
world again with the draw's trade elasticities (then its zero-deficit world for the ``balanced``
closure, then the horizon with the draw's parameters: :class:`StrategyWorld`), scales the
governments' political weights (``drawn_government``) and solves the whole war or talks on it:
:func:`war_draws`, :func:`talks_draws`. The solves start from the central solution: a war from the
central Nash tariffs (the joint solve, eq. 7.3a, converges to the draw's equilibrium from there),
talks from the central agreement (the optimiser's start when both parties prefer it to the draw's
disagreement point, eq. 7.5), the war threat of talks from the central war. Draws are spread over
worker processes; each is computed the same way wherever it runs.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tradetalks.analyses.deals_uncertainty import check_draws, parameter_row
from tradetalks.analyses.options import TalksOptions, WarOptions
from tradetalks.analyses.strategy_intervals import StrategyIntervals
from tradetalks.analyses.talks import Talks, bargain
from tradetalks.analyses.uncertainty import (
    ParameterDraw,
    Priors,
    drawn_baseline,
    drawn_government,
    drawn_scenario,
    horizon_spec_of,
    parameter_draw,
)
from tradetalks.analyses.war import NashWar, Player, nash_war
from tradetalks.baseline import Baseline
from tradetalks.data.horizons import LONG, at_horizon
from tradetalks.errors import ConvergenceError, OptionsError
from tradetalks.model import CLOSURES, Shocks, SolverOptions, balanced_baseline
from tradetalks.progress import ProgressFn, no_progress
from tradetalks.scenarios import Scenario


@dataclass(frozen=True, eq=False)
class StrategyWorld:
    """How the reference world of a war or of talks is made, so that a draw can make it again.

    Attributes
    ----------
    source : Baseline
        The long-run world before the closure: loaded, its elasticities chosen, products split,
        dated.
    closure : {"fixed", "balanced"}
    horizon : str
    threat : Scenario, optional
        A scenario threat of talks, which prepares the world after the closure (its products and
        date), as :func:`tradetalks.talks` does.
    """

    source: Baseline
    closure: str
    horizon: str
    threat: Scenario | None = None

    def __post_init__(self) -> None:
        if self.closure not in CLOSURES:
            raise OptionsError(f"closure={self.closure!r}; allowed: {', '.join(CLOSURES)}")

    def at(self, draw: ParameterDraw | None) -> Baseline:
        """The world under ``draw`` (``None``: the central world): the draw's elasticities, the
        closure's reference world, the threat's preparation, the horizon with the draw's
        parameters (eq. 9.3)."""
        world = drawn_baseline(self.source, draw, LONG)
        if self.closure == "balanced":
            world = balanced_baseline(world)
        if self.threat is not None:
            world = self.threat.prepare(world)
        return at_horizon(world, self.horizon, horizon_spec_of(self.horizon, draw))


def drawn_players(players: Sequence[Player], draw: ParameterDraw | None) -> list[Player]:
    """``players`` with their governments' political weights under ``draw``."""
    return [dataclasses.replace(p, government=drawn_government(p.government, draw)) for p in players]


def _party_rates(
    rates: np.ndarray, traded: np.ndarray, sectors: Sequence[str], parties: Sequence[str]
) -> pd.Series:
    """The rates that apply to a flow (percent), indexed ``(party, sector)``, and each party's mean."""
    keys = [(p, s) for k, p in enumerate(parties) for m, s in enumerate(sectors) if traded[m, k]]
    values = [
        100.0 * rates[m, k] for k, _ in enumerate(parties) for m, _ in enumerate(sectors) if traded[m, k]
    ]
    return pd.Series(values, index=pd.MultiIndex.from_tuples(keys, names=["party", "sector"]), dtype=float)


def _measures(
    rates: np.ndarray, traded: np.ndarray, sectors: Sequence[str], parties: Sequence[str], welfare: pd.Series
) -> dict[str, pd.Series]:
    tariffs = _party_rates(rates, traded, sectors, parties)
    mean = pd.Series(
        [float(np.nanmean(np.where(traded[:, k], 100.0 * rates[:, k], np.nan))) for k in range(len(parties))],
        index=pd.Index(list(parties), name="party"),
    )
    return {"tariff_pct": tariffs, "mean_tariff_pct": mean, "welfare_pct": welfare}


def war_measures(war: NashWar) -> dict[str, pd.Series]:
    """What a war contributes to :class:`StrategyIntervals` (the rates that apply to a flow)."""
    welfare = war.result.regions_frame()["welfare_pct"]
    return _measures(np.asarray(war.rates), np.asarray(war.traded), war.sectors, war.players, welfare)


def talks_measures(talks: Talks) -> dict[str, pd.Series]:
    """What talks contribute to :class:`StrategyIntervals`: the agreed rates, welfare, gains."""
    welfare = talks.result.regions_frame()["welfare_pct"]
    out = _measures(np.asarray(talks.rates), np.asarray(talks.traded), talks.sectors, talks.parties, welfare)
    out["gain_pct"] = pd.Series(
        100.0 * np.expm1(np.asarray(talks.gain_values)), index=pd.Index(talks.parties, name="party")
    )
    return out


@dataclass(frozen=True, eq=False)
class _Job:
    """Everything a draw needs (sent once to each worker)."""

    analysis: str
    world: StrategyWorld
    players: tuple[Player, ...]
    seed: int
    priors: Priors
    war_options: WarOptions
    war_start: Shocks | None
    talks_options: TalksOptions | None
    talks_start: Shocks | None
    threat: str
    solver: SolverOptions | None


def _one(job: _Job, index: int) -> tuple[dict[str, pd.Series], dict[str, Any]]:
    draw = parameter_draw(job.world.source, index, job.seed, job.priors)
    world = job.world.at(draw)
    players = drawn_players(job.players, draw)
    try:
        if job.analysis == "war":
            war = nash_war(world, players, job.war_start, options=job.war_options, solver=job.solver)
            return war_measures(war), parameter_row(draw)
        if job.world.threat is None:
            war = nash_war(world, players, job.war_start, options=job.war_options, solver=job.solver)
            disagreement = war.result.equilibrium.shocks
        else:
            disagreement = drawn_scenario(job.world.threat, draw).compile(world)
        talks = bargain(
            world, players, disagreement, job.talks_start, options=job.talks_options, threat=job.threat
        )
    except ConvergenceError as err:
        raise ConvergenceError(
            f"{job.analysis} under draw {index} of seed {job.seed}: {err}",
            iterations=err.iterations,
            residual=err.residual,
        ) from err
    return talks_measures(talks), parameter_row(draw)


_WORKER: dict[str, _Job] = {}


def _init_worker(job: _Job) -> None:
    _WORKER["job"] = job


def _worker(index: int) -> tuple[dict[str, pd.Series], dict[str, Any]]:
    return _one(_WORKER["job"], index)


def _run(
    job: _Job, central: Mapping[str, pd.Series], draws: int, workers: int, progress: ProgressFn | None
) -> StrategyIntervals:
    t0 = time.perf_counter()
    report = progress or no_progress
    task = f"{job.analysis} under draws: draws solved"
    outcomes = []
    if workers > 1 and draws > 1:
        with ProcessPoolExecutor(
            max_workers=min(workers, draws), initializer=_init_worker, initargs=(job,)
        ) as pool:
            for k, out in enumerate(pool.map(_worker, range(draws)), start=1):
                outcomes.append(out)
                report(task, k, draws)
    else:
        for k in range(draws):
            outcomes.append(_one(job, k))
            report(task, k + 1, draws)
    samples = {
        name: pd.DataFrame(
            [o[0][name].reindex(series.index).to_numpy() for o in outcomes],
            index=pd.RangeIndex(draws, name="draw"),
            columns=series.index,
        )
        for name, series in central.items()
    }
    notes = (
        "each draw solved in full on its own world, started from the central solution "
        f"({'Nash tariffs' if job.analysis == 'war' else 'agreement and war threat'})",
    )
    return StrategyIntervals(
        analysis=job.analysis,
        draws=draws,
        seed=job.seed,
        priors=job.priors,
        samples=samples,
        central=central,
        parameters=pd.DataFrame([o[1] for o in outcomes]).set_index("index").rename_axis("draw"),
        seconds=time.perf_counter() - t0,
        notes=notes,
    )


def war_draws(
    world: StrategyWorld,
    players: Sequence[Player],
    central: NashWar,
    *,
    draws: int,
    seed: int = 0,
    priors: Priors | None = None,
    options: WarOptions | None = None,
    solver: SolverOptions | None = None,
    workers: int = 1,
    progress: ProgressFn | None = None,
) -> StrategyIntervals:
    """The war among ``players`` under draws ``0 .. draws - 1`` of ``seed`` (docs/model.md, 9.6).

    Each draw is :func:`~tradetalks.analyses.war.nash_war` on ``world.at(draw)`` with the drawn
    governments, started from the ``central`` Nash tariffs; intervals (eq. 9.2) on the Nash
    tariffs, the players' mean tariff and every region's welfare.

    Raises
    ------
    ConvergenceError
        A draw's war did not settle (the message names the draw).
    """
    check_draws(draws, seed)
    _check_workers(workers)
    job = _Job(
        "war",
        world,
        tuple(players),
        seed,
        priors or Priors(),
        options or WarOptions(),
        central.result.equilibrium.shocks,
        None,
        None,
        "war",
        solver,
    )
    return _run(job, war_measures(central), draws, workers, progress)


def talks_draws(
    world: StrategyWorld,
    parties: Sequence[Player],
    central: Talks,
    *,
    draws: int,
    seed: int = 0,
    priors: Priors | None = None,
    options: TalksOptions | None = None,
    war_options: WarOptions | None = None,
    war_start: Shocks | None = None,
    workers: int = 1,
    progress: ProgressFn | None = None,
) -> StrategyIntervals:
    """Talks between ``parties`` under draws ``0 .. draws - 1`` of ``seed`` (docs/model.md, 9.6).

    Each draw makes the disagreement point again (the parties' Nash war on the draw's world,
    started from ``war_start``, the central war's tariffs; or ``world.threat`` with the draw's
    levers) and bargains from the ``central`` agreement; intervals (eq. 9.2) on the agreed
    tariffs, the parties' gains and every region's welfare.

    Raises
    ------
    ConvergenceError
        A draw's war or talks did not converge (the message names the draw).
    """
    check_draws(draws, seed)
    _check_workers(workers)
    job = _Job(
        "talks",
        world,
        tuple(parties),
        seed,
        priors or Priors(),
        war_options or WarOptions(),
        war_start,
        options,
        central.result.equilibrium.shocks,
        central.threat,
        None,
    )
    return _run(job, talks_measures(central), draws, workers, progress)


def _check_workers(workers: object) -> None:
    if not isinstance(workers, int) or isinstance(workers, bool) or not 1 <= workers <= 256:
        raise OptionsError(f"workers must be a whole number in 1..256, got {workers!r}")


__all__ = ["StrategyWorld", "drawn_players", "talks_draws", "talks_measures", "war_draws", "war_measures"]
