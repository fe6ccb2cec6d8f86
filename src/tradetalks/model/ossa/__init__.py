"""Ossa (2014), "Trade Wars and Trade Talks with Data", as a second model of the package.

Multi-industry Krugman competition with a fixed measure of firms, CES within industries, one
factor, tariff revenue rebated (:mod:`.equilibrium`, :mod:`.solver`), Ossa's data
(:mod:`.data`, his stored results in :mod:`.published`) and his three exercises: optimal
tariffs and the Nash tariff war (:mod:`.policy`) and efficient trade talks (:mod:`.talks`);
:mod:`.tables` lays the answers out like his Tables 3-5 and 8-10.

Typical use::

    from tradetalks.model.ossa import load_ossa2014, ossa_world, nash_war, trade_talks

    data = load_ossa2014()
    world = ossa_world(data)                 # deficit-free, as Ossa's baseline
    war = nash_war(world)                    # Table 4
    talks = trade_talks(world)               # Table 5, from the factual tariffs
"""

from __future__ import annotations

from tradetalks.model.ossa.data import OssaData, load_ossa2014
from tradetalks.model.ossa.equilibrium import World, calibrate
from tradetalks.model.ossa.policy import NashWar, OptimalTariff, nash_war, optimal_tariffs
from tradetalks.model.ossa.published import OssaResults, load_ossa2014_results
from tradetalks.model.ossa.solver import OssaEquilibrium, SolverInfo, balanced_world, solve
from tradetalks.model.ossa.talks import TradeTalks, trade_talks


def ossa_world(data: OssaData, *, balanced: bool = True) -> World:
    """The model's base world from Ossa's data; ``balanced``: with deficits removed (his baseline)."""
    world = calibrate(data.trade, data.tariffs, data.sigma)
    return balanced_world(world) if balanced else world


__all__ = [
    "NashWar",
    "OptimalTariff",
    "OssaData",
    "OssaEquilibrium",
    "OssaResults",
    "SolverInfo",
    "TradeTalks",
    "World",
    "balanced_world",
    "calibrate",
    "load_ossa2014",
    "load_ossa2014_results",
    "nash_war",
    "optimal_tariffs",
    "ossa_world",
    "solve",
    "trade_talks",
]
