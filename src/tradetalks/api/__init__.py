"""The workflow API: the product. Interfaces (the command line, reports, the dashboard) call it.

:mod:`.workflow` has one call per job (:func:`run`, :func:`optimal_tariff`, :func:`war`,
:func:`talks`, :func:`deals`; :func:`allies` in :mod:`.allies`); :func:`solve` is the low-level
call on given shocks;
:mod:`.inputs` resolves names, paths and objects; :mod:`.bundle` writes a result to a folder
(:func:`write_bundle`), reads it back (:func:`load_bundle`) and replays it (:func:`rerun`).
"""

from tradetalks.api.allies import allies
from tradetalks.api.bundle import Bundle, RerunReport, load_bundle, rerun, write_bundle
from tradetalks.api.peer import peer_war, peer_war_years
from tradetalks.api.run import FOCUS_REGIONS, ScenarioRun
from tradetalks.api.solve import solve
from tradetalks.api.sweep import SweepOptions, SweepResult, SweepSpec, sweep
from tradetalks.api.tariff_rates import tariff_rates
from tradetalks.api.workflow import DATA_YEAR, WAR, deals, optimal_tariff, run, talks, war

__all__ = [
    "DATA_YEAR",
    "FOCUS_REGIONS",
    "WAR",
    "Bundle",
    "RerunReport",
    "ScenarioRun",
    "SweepOptions",
    "SweepResult",
    "SweepSpec",
    "allies",
    "deals",
    "load_bundle",
    "optimal_tariff",
    "peer_war",
    "peer_war_years",
    "rerun",
    "run",
    "solve",
    "sweep",
    "talks",
    "tariff_rates",
    "war",
    "write_bundle",
]
