"""tradetalks: simulate trade wars and trade talks.

A multi-region, multi-sector general-equilibrium trade model with input-output links and
tariff revenue (Caliendo and Parro 2015), calibrated on real data, with the levers of the
October 2025 US-China talks on top. One call per job:

>>> import tradetalks as tt
>>> run = tt.run("us-100-retaliation", baseline="default", date="pre-summit-2025-10-15")  # doctest: +SKIP
>>> run.summary()                                                  # doctest: +SKIP
>>> tt.optimal_tariff("USA", against="CHN").summary()              # doctest: +SKIP
>>> tt.war("USA,CHN", bilateral=True).report().to_text()           # doctest: +SKIP
>>> tt.talks("USA,CHN", threat="us-100-retaliation").to_dict()     # doctest: +SKIP
>>> tt.deals("busan-2025").summary()                               # doctest: +SKIP
>>> tt.allies("JPN,KOR,MYS,ASEAN").summary()                       # doctest: +SKIP
>>> tt.tariff_rates("2025-09-04", basis="collected").summary()     # doctest: +SKIP
>>> tt.peer_war("WIOD", 2014).summary()   # Lashkaripour (2021), raw cubes  # doctest: +SKIP
>>> tt.sweep("us-100-draws", out="sweeps/us-100").summary()         # doctest: +SKIP
>>> tt.write_bundle(tt.run("us-100"), "runs/us-100")                 # doctest: +SKIP
>>> tt.rerun("runs/us-100").summary()       # 'reproduced: 9 tables identical'  # doctest: +SKIP

Every result has ``summary()``, ``frames()``, ``to_dict()``, ``report()`` and ``provenance``.
"""

from tradetalks._version import __version__
from tradetalks.analyses.options import DealOptions, OptimizerOptions, TalksOptions, WarOptions
from tradetalks.api import (
    Bundle,
    RerunReport,
    ScenarioRun,
    SweepOptions,
    SweepResult,
    allies,
    deals,
    load_bundle,
    optimal_tariff,
    peer_war,
    peer_war_years,
    rerun,
    run,
    solve,
    sweep,
    talks,
    tariff_rates,
    war,
    write_bundle,
)
from tradetalks.baseline import Baseline
from tradetalks.data.catalog import load_baseline
from tradetalks.errors import (
    ConvergenceError,
    DataError,
    InfeasibleError,
    OptionsError,
    ResultCheckError,
    ScenarioError,
    ShockError,
    TradetalksError,
)
from tradetalks.model import Shocks, SolverOptions
from tradetalks.results import Provenance, Result, compare
from tradetalks.scenarios import Scenario, load_scenario

__all__ = [
    "Baseline",
    "Bundle",
    "ConvergenceError",
    "DataError",
    "DealOptions",
    "InfeasibleError",
    "OptimizerOptions",
    "OptionsError",
    "Provenance",
    "RerunReport",
    "Result",
    "ResultCheckError",
    "Scenario",
    "ScenarioError",
    "ScenarioRun",
    "ShockError",
    "Shocks",
    "SolverOptions",
    "SweepOptions",
    "SweepResult",
    "TalksOptions",
    "TradetalksError",
    "WarOptions",
    "__version__",
    "allies",
    "compare",
    "deals",
    "load_baseline",
    "load_bundle",
    "load_scenario",
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
