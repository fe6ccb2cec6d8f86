"""Lashkaripour (2021), "The cost of a global tariff war": the peer model and its Nash tariff war.

Independent of the package's main (Caliendo-Parro) model: its own data reader, equilibrium and
solvers. A multi-sector Armington / Eaton-Kortum model with sector trade elasticities, labour
the only factor, **no input-output links**, Cobb-Douglas shares across sectors, tariff revenue
rebated, trade balanced (:mod:`.model`); the trade cubes of the author's public ``tariffwar``
package, WIOD 2000-2014 and ICIO 2011-2022, with eight elasticity sets (:mod:`.data`); and the
global tariff war in which every country sets one uniform tariff on all its imports, solved
as one system of first-order and equilibrium conditions by Newton's method with an exact
Jacobian (:mod:`.nash`), checked against iterated best responses and unilateral deviations
(:mod:`.checks`). Equations are numbered as in ``docs/lashkaripour2021.md``.

Typical use::

    from tradetalks.replication.lashkaripour2021 import peer_nash_war, peer_world, read_peer_cube

    cube = read_peer_cube(dataset="WIOD", year=2014, elasticities="IS")
    world = peer_world(cube)            # deficits removed, as the paper and tariffwar
    war = peer_nash_war(world)          # mean welfare change -2.43 % (tariffwar: -2.41 %)
    print(war.report())

Public names the main package also uses carry ``peer`` (:func:`peer_nash_war`,
:class:`PeerNashWar`, ...).
"""

from __future__ import annotations

from tradetalks.replication.lashkaripour2021.checks import (
    BestResponseNash,
    deviation_gains,
    peer_best_response,
    peer_best_response_nash,
    welfare_at,
)
from tradetalks.replication.lashkaripour2021.data import (
    ELASTICITY_SETS,
    YEARS,
    PeerCube,
    available_years,
    read_peer_cube,
)
from tradetalks.replication.lashkaripour2021.model import (
    PeerEquilibrium,
    PeerProvenance,
    PeerSolverInfo,
    PeerWorld,
    balanced_world,
    calibrate,
    peer_world,
    solve_peer,
)
from tradetalks.replication.lashkaripour2021.nash import (
    FOCS,
    formula_tariffs,
    peer_nash_war,
    peer_war_years,
    uniform_tariffs,
)
from tradetalks.replication.lashkaripour2021.result import NashSolverInfo, PeerNashWar

__all__ = [
    "ELASTICITY_SETS",
    "FOCS",
    "YEARS",
    "BestResponseNash",
    "NashSolverInfo",
    "PeerCube",
    "PeerEquilibrium",
    "PeerNashWar",
    "PeerProvenance",
    "PeerSolverInfo",
    "PeerWorld",
    "available_years",
    "balanced_world",
    "calibrate",
    "deviation_gains",
    "formula_tariffs",
    "peer_best_response",
    "peer_best_response_nash",
    "peer_nash_war",
    "peer_war_years",
    "peer_world",
    "read_peer_cube",
    "solve_peer",
    "uniform_tariffs",
    "welfare_at",
]
