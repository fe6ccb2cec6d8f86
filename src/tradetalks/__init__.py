"""tradetalks: simulate trade wars and trade talks.

A multi-region, multi-sector general-equilibrium trade model with input-output links and
tariff revenue (Caliendo and Parro 2015), calibrated on real data, with the levers of the
October 2025 US-China talks on top.

>>> import tradetalks as tt
>>> base = tt.load_baseline("default")                     # doctest: +SKIP
>>> shocks = tt.load_scenario("us-100").compile(base)      # doctest: +SKIP
>>> tt.solve(base, shocks).summary()                       # doctest: +SKIP
"""

from tradetalks.api import solve
from tradetalks.baseline import Baseline
from tradetalks.errors import ConvergenceError, DataError, ScenarioError, ShockError, TradetalksError
from tradetalks.model import Shocks, SolverOptions
from tradetalks.results import Result, compare
from tradetalks.scenarios import Scenario, load_scenario

__version__ = "0.1.0"


def load_baseline(name_or_path: str = "default") -> Baseline:
    """Load a shipped baseline by name (``default``, ``icio2022-full``) or from a directory."""
    from tradetalks.data.catalog import load_baseline as _load

    return _load(name_or_path)


__all__ = [
    "Baseline",
    "ConvergenceError",
    "DataError",
    "Result",
    "Scenario",
    "ScenarioError",
    "ShockError",
    "Shocks",
    "SolverOptions",
    "TradetalksError",
    "compare",
    "load_baseline",
    "load_scenario",
    "solve",
]
