"""The outcome of a global Nash tariff war: tariffs, welfare, diagnostics and provenance.

Built by :func:`.nash.peer_nash_war`; read-only; ``summary()`` (a table by country),
``to_dict()`` (JSON-ready, with units) and ``report()`` (plain text) are what a command-line or
programmatic front end needs. Welfare is eq. (6) of ``docs/lashkaripour2021.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tradetalks.replication.lashkaripour2021.model import PeerEquilibrium, PeerWorld

FloatArray = NDArray[np.float64]
Array = NDArray[Any]


@dataclass(frozen=True)
class NashSolverInfo:
    """Diagnostics of the joint Nash solve.

    Attributes
    ----------
    converged : bool
    iterations : int          Newton steps on the joint system
    residual : float          largest absolute residual at the answer
    seconds : float           wall time of the Nash solve (the base world excluded)
    jacobian : str            how the Jacobian was computed
    start : str               where the Newton iterations started
    """

    converged: bool
    iterations: int
    residual: float
    seconds: float
    jacobian: str
    start: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "converged": self.converged,
            "iterations": self.iterations,
            "residual": self.residual,
            "seconds": self.seconds,
            "jacobian": self.jacobian,
            "start": self.start,
        }


@dataclass(frozen=True, eq=False)
class PeerNashWar:
    """The Nash tariff war: uniform Nash tariffs and everyone's welfare, relative to the base world.

    Attributes
    ----------
    world : PeerWorld                 the base (factual tariffs; deficits as prepared)
    foc : str                         first-order condition used (:data:`.nash.FOCS`)
    capped : bool                     whether ``tariffwar``'s 100 % cap applied to (7)
    tariff_pct : (N,)                 Nash tariffs, percent (read-only)
    welfare_pct : (N,)                welfare change ``100 (W_hat - 1)``, percent (read-only)
    wage_pct : (N,)                   wage change, percent (numeraire: the world wage bill)
    applied_tariff_pct : (N,)         each importer's import-weighted applied tariff in the base
    mean_welfare_pct : float          simple mean over the countries (the paper's "average")
    mean_tariff_pct : float           simple mean of the Nash tariffs
    floor_binding : tuple of str      countries at ``tariffwar``'s 100 % cap (only for (7))
    equilibrium : PeerEquilibrium     the economy at the Nash tariffs
    state : (3N,)                     ``(ln w_hat, ln E_hat, t)``, a warm start for another solve
    info : NashSolverInfo
    """

    world: PeerWorld
    foc: str
    capped: bool
    tariff_pct: FloatArray
    welfare_pct: FloatArray
    wage_pct: FloatArray
    applied_tariff_pct: FloatArray
    mean_welfare_pct: float
    mean_tariff_pct: float
    floor_binding: tuple[str, ...]
    equilibrium: PeerEquilibrium
    state: FloatArray
    info: NashSolverInfo

    @property
    def countries(self) -> tuple[str, ...]:
        return self.world.countries

    @property
    def rates(self) -> FloatArray:
        """Nash tariffs as fractions (a copy)."""
        return np.array(self.tariff_pct) / 100.0

    @property
    def tariffs(self) -> pd.Series:
        """Nash tariffs by country, percent (a new series on every call)."""
        return pd.Series(
            np.array(self.tariff_pct), index=pd.Index(self.countries, name="country"), name="nash_tariff_pct"
        )

    @property
    def provenance(self) -> dict[str, Any]:
        """Cube, year, elasticity set and preparation of the base world."""
        p = self.world.provenance
        return {} if p is None else p.to_dict()

    def summary(self) -> pd.DataFrame:
        """One row per country: Nash tariff, applied tariff, welfare and wage changes (percent)."""
        return pd.DataFrame(
            {
                "nash_tariff_pct": np.array(self.tariff_pct),
                "applied_tariff_pct": np.array(self.applied_tariff_pct),
                "welfare_pct": np.array(self.welfare_pct),
                "wage_pct": np.array(self.wage_pct),
            },
            index=pd.Index(self.countries, name="country"),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: per-country numbers, means, diagnostics, provenance, units."""
        table = self.summary()
        return {
            "foc": self.foc,
            "capped": self.capped,
            "countries": list(self.countries),
            "nash_tariff_pct": dict(zip(self.countries, map(float, self.tariff_pct), strict=True)),
            "welfare_pct": dict(zip(self.countries, map(float, self.welfare_pct), strict=True)),
            "regions": {c: {k: float(v) for k, v in row.items()} for c, row in table.iterrows()},
            "mean_welfare_pct": self.mean_welfare_pct,
            "mean_tariff_pct": self.mean_tariff_pct,
            "floor_binding": list(self.floor_binding),
            "solver": self.info.to_dict(),
            "provenance": self.provenance,
            "units": {
                "*_pct": "percent",
                "welfare_pct": "real income change against the base world, 100 (W_hat - 1)",
                "means": "simple means over the countries",
                "solver.seconds": "seconds",
            },
        }

    def report(self) -> str:
        """Plain text: title, the per-country table and the solver's line."""
        p = self.world.provenance
        where = p.describe() if p is not None else "user world"
        title = (
            f"Global Nash tariff war, uniform tariffs (Lashkaripour 2021; first-order condition {self.foc}"
            f"{', 100 % cap' if self.capped else ''})\n"
            f"{where}\n"
            f"mean welfare change {self.mean_welfare_pct:.3f} %, "
            f"mean Nash tariff {self.mean_tariff_pct:.2f} %"
        )
        body = self.summary().round(3).to_string()
        notes = (
            f"Newton on the joint system: {self.info.iterations} steps, residual {self.info.residual:.1e}, "
            f"{self.info.seconds:.2f} s, Jacobian {self.info.jacobian}"
        )
        if self.floor_binding:
            notes += f"\ntariffwar's 100 % cap binds for: {', '.join(self.floor_binding)}"
        return f"{title}\n\n{body}\n\n{notes}"
