"""Ossa (2014), "Trade Wars and Trade Talks with Data": his model on his data, replicated.

Independent of the package's main (Caliendo-Parro) model: its own equilibrium, data and
solvers. Multi-industry Krugman competition with a fixed measure of firms, CES within
industries, one factor, tariff revenue rebated (:mod:`.equilibrium`, :mod:`.solver`), Ossa's
data (:mod:`.data`, his stored results in :mod:`.published`) and his three exercises: optimal
tariffs and the Nash tariff war (:mod:`.policy`) and efficient trade talks (:mod:`.talks`);
:mod:`.tables` lays the answers out like his Tables 3-5 and 8-10. Public names that the main
package also uses carry ``ossa`` (:func:`solve_ossa`, :func:`ossa_nash_war`, ...).

Typical use::

    from tradetalks.replication.ossa2014 import (
        load_ossa2014,
        ossa_nash_war,
        ossa_trade_talks,
        ossa_world,
    )

    data = load_ossa2014()
    world = ossa_world(data)                 # deficit-free, as Ossa's baseline
    war = ossa_nash_war(world)               # Table 4
    talks = ossa_trade_talks(world)          # Table 5, from the factual tariffs
"""

from __future__ import annotations

from tradetalks.replication.ossa2014.data import OssaData, load_ossa2014
from tradetalks.replication.ossa2014.equilibrium import World, calibrate
from tradetalks.replication.ossa2014.policy import (
    OssaNashWar,
    OssaOptimalTariff,
    ossa_nash_war,
    ossa_optimal_tariffs,
)
from tradetalks.replication.ossa2014.published import OssaResults, load_ossa2014_results
from tradetalks.replication.ossa2014.solver import (
    OssaEquilibrium,
    OssaSolverInfo,
    balanced_world,
    solve_ossa,
)
from tradetalks.replication.ossa2014.talks import OssaTradeTalks, ossa_trade_talks


def ossa_world(data: OssaData, *, balanced: bool = True) -> World:
    """The model's base world from Ossa's data; ``balanced``: with deficits removed (his baseline)."""
    world = calibrate(data.trade, data.tariffs, data.sigma)
    return balanced_world(world) if balanced else world


__all__ = [
    "OssaData",
    "OssaEquilibrium",
    "OssaNashWar",
    "OssaOptimalTariff",
    "OssaResults",
    "OssaSolverInfo",
    "OssaTradeTalks",
    "World",
    "balanced_world",
    "calibrate",
    "load_ossa2014",
    "load_ossa2014_results",
    "ossa_nash_war",
    "ossa_optimal_tariffs",
    "ossa_trade_talks",
    "ossa_world",
    "solve_ossa",
]
