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

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tradetalks.analyses.objectives import Government
from tradetalks.analyses.optimal import TariffPolicy, optimal_tariffs
from tradetalks.api import solve
from tradetalks.baseline import Baseline
from tradetalks.errors import ConvergenceError
from tradetalks.model.shocks import Shocks
from tradetalks.results import Result

FloatArray = NDArray[np.float64]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Player:
    """A government and the regions its tariffs target (``others``: everyone)."""

    government: Government
    targets: tuple[str, ...] | str = "others"


@dataclass(frozen=True)
class NashWar:
    """The outcome of :func:`nash_war`."""

    tariffs: pd.DataFrame  # sector x player, ad valorem
    result: Result  # the equilibrium at the Nash tariffs, relative to the baseline
    objectives: pd.Series  # each player's G at the Nash tariffs
    rounds: int
    max_change: float  # largest tariff move in the last round
    seconds: float

    def summary(self) -> pd.DataFrame:
        """Welfare of every region at the Nash tariffs, and each player's mean tariff."""
        out = self.result.regions_frame()[["welfare_pct", "real_wage_pct", "exports_pct", "imports_pct"]]
        mean = (100.0 * self.tariffs.mean()).rename("mean_nash_tariff_pct")
        return out.join(mean)


def nash_war(
    baseline: Baseline,
    players: Sequence[Player],
    shocks: Shocks | None = None,
    *,
    tol: float = 1e-4,
    max_rounds: int = 25,
    upper: float = 5.0,
) -> NashWar:
    """Iterate best responses of ``players`` to a fixed point.

    Parameters
    ----------
    baseline : Baseline
        The reference world (welfare changes are measured against it).
    players : sequence of Player
    shocks : Shocks, optional
        Policy of everyone else (default: the baseline's).
    tol : float
        Stop when no tariff moves by more than ``tol`` (ad valorem) in a round.

    Raises
    ------
    ConvergenceError
        If the best responses do not settle within ``max_rounds``.
    """
    t0 = time.perf_counter()
    current = shocks or Shocks(tariffs=np.array(baseline.tariffs))
    policies = [TariffPolicy.of(baseline, p.government.region, p.targets) for p in players]
    rates = [pol.current(current.tariff_levels(baseline)) for pol in policies]
    change = np.inf
    rounds = 0
    for rounds in range(1, max_rounds + 1):
        change = 0.0
        for k, (player, pol) in enumerate(zip(players, policies, strict=True)):
            br = optimal_tariffs(
                baseline, player.government, player.targets, current, upper=upper, start=rates[k]
            )
            new = br.tariffs.to_numpy()
            change = max(change, float(np.max(np.abs(new - rates[k]))))
            rates[k] = new
            current = current.with_tariffs(pol.apply(current.tariff_levels(baseline), new))
        log.info("Nash war round %d: largest tariff change %.2e", rounds, change)
        if change <= tol:
            break
    else:
        raise ConvergenceError(
            f"Nash war did not settle in {max_rounds} rounds (last change {change:.2e} > tol {tol:.1e})",
            iterations=rounds,
            residual=change,
        )
    result = solve(baseline, current, scenario="nash-war")
    sectors = [baseline.sectors[j] for j in policies[0].sectors]
    names = [p.government.region for p in players]
    tariffs = pd.DataFrame(np.column_stack(rates), index=pd.Index(sectors, name="sector"), columns=names)
    objectives = pd.Series([p.government.value(result) for p in players], index=names, name="objective")
    return NashWar(tariffs, result, objectives, rounds, change, time.perf_counter() - t0)
