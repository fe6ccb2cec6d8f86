"""Intervals on every output of a solved scenario (docs/uncertainty.md; docs/model.md, section 9).

:func:`output_frame` lists the numbers a :class:`~tradetalks.results.Result` reports per region
(every column of :meth:`Result.regions_frame` and of :meth:`Result.headline`); :class:`Intervals`
holds, for each of them at each horizon solved, the central value (the shipped parameters), the
median and the 5-95 % range, by Monte Carlo over parameter draws (eq. 9.2) or by the delta method
(eqs. 9.4-9.5). It follows the results protocol of :mod:`tradetalks.results.common`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tradetalks.errors import OptionsError
from tradetalks.results.common import Provenance, Report, Section, json_safe, records
from tradetalks.results.scenario import Result

#: Interval methods: Monte Carlo over parameter draws, or the delta method.
METHODS = ("mc", "delta")
METHOD_NAMES = {"mc": "Monte Carlo over parameter draws", "delta": "delta method (normal approximation)"}
#: Coverage of the reported range, percent (from p5 to p95).
LEVEL_PCT = 90.0
#: Columns of :attr:`Intervals.table`.
COLUMNS = ("central", "median", "p5", "p95", "sd", "draws")
#: Index levels of :attr:`Intervals.table`.
INDEX = ("horizon", "region", "measure")


def output_columns(result: Result) -> dict[str, NDArray[np.float64]]:
    """Every number ``result`` reports per region, by measure: the columns of
    :meth:`Result.regions_frame`, then those of :meth:`Result.headline` it does not already have."""
    out = result.region_arrays()
    return out | {k: v for k, v in result.headline_arrays().items() if k not in out}


def output_array(result: Result) -> NDArray[np.float64]:
    """:func:`output_columns` as one array ``(regions, measures)`` (per draw, without frames)."""
    return np.column_stack([np.asarray(v, dtype=np.float64) for v in output_columns(result).values()])


def output_frame(result: Result) -> pd.DataFrame:
    """:func:`output_columns` as a frame, one row per region."""
    return pd.DataFrame(output_columns(result), index=pd.Index(result.regions, name="region"))


@dataclass(frozen=True, eq=False)
class Intervals:
    """Central values, medians and 90 % intervals of every output of a scenario, by horizon.

    Attributes
    ----------
    method : {"mc", "delta"}
        Monte Carlo over parameter draws (eq. 9.2) or the delta method (eqs. 9.4-9.5).
    table : DataFrame
        Index ``(horizon, region, measure)`` (:data:`INDEX`); columns :data:`COLUMNS`: ``central``
        (the shipped parameters: the scenario's result), ``median``, ``p5``, ``p95``, ``sd`` and
        ``draws`` (finite draws; 0 for the delta method, whose median is its first-order mean, eq.
        9.4).
    draws : int
        Number of parameter draws (0 for the delta method).
    seed : int or None
        Seed of the draws (``None`` for the delta method).
    priors : mapping
        ``vary`` (the parameters varied), ``enter`` (those of them that move this scenario's
        equilibrium), ``elasticity_method`` and ``sources`` (each varied parameter's source, from
        ``data/tables/priors.toml``).
    parameters : DataFrame
        Monte Carlo: the draws of the parameters (one row a draw). Delta method: one row per
        continuous parameter with its ``centre``, prior ``sd`` and ``unit``.
    details : mapping of str to DataFrame
        Monte Carlo: ``draws_<horizon>`` (one row a draw, columns ``(region, measure)``); delta
        method: ``gradients_<horizon>`` (index ``(region, measure)``, one column a parameter).
    provenance : Provenance
        The central result's, with ``analysis="intervals"`` and the method in the options.
    seconds : float
        Time spent on the intervals (draws or derivatives).
    notes : tuple of str
        What the method assumes (printed under the report).
    """

    method: str
    table: pd.DataFrame
    draws: int
    seed: int | None
    priors: Mapping[str, Any]
    parameters: pd.DataFrame
    details: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    provenance: Provenance | None = None
    seconds: float = 0.0
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise OptionsError(f"Intervals.method={self.method!r}; allowed: {', '.join(METHODS)}")
        missing = [c for c in COLUMNS if c not in self.table.columns]
        if missing or tuple(self.table.index.names) != INDEX:
            raise OptionsError(f"Intervals.table: needs index {INDEX} and columns {COLUMNS}")
        object.__setattr__(self, "table", self.table[list(COLUMNS)].copy())
        object.__setattr__(self, "parameters", self.parameters.copy())
        object.__setattr__(self, "details", MappingProxyType({k: v.copy() for k, v in self.details.items()}))
        object.__setattr__(self, "priors", MappingProxyType(dict(self.priors)))

    # ----------------------------------------------------------------- labels
    @property
    def horizons(self) -> tuple[str, ...]:
        """The horizons with intervals, in the order solved."""
        return tuple(dict.fromkeys(self.table.index.get_level_values("horizon")))

    @property
    def measures(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.table.index.get_level_values("measure")))

    def describe(self) -> str:
        """One line: the method, draws and seed, the level, the parameters varied."""
        how = METHOD_NAMES[self.method]
        if self.method == "mc":
            how += f", {self.draws} draws, seed {self.seed}"
        vary = list(self.priors.get("vary", ()))
        enter = list(self.priors.get("enter", vary))
        others = [p for p in vary if p not in enter]
        idle = f" (varied, not entering this scenario: {', '.join(others)})" if others else ""
        return (
            f"intervals: median and {LEVEL_PCT:.0f} % range (p5-p95), {how}; elasticities drawn "
            f"{self.priors.get('elasticity_method')}; parameters: {', '.join(enter) or 'none'}{idle}"
        )

    # ----------------------------------------------------------------- frames
    def frame(
        self,
        regions: Sequence[str] | None = None,
        horizon: str | None = None,
        measures: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """The tidy table, optionally for some regions, one horizon and some measures."""
        out = self.table
        if horizon is not None:
            if horizon not in self.horizons:
                raise KeyError(f"horizon {horizon!r} has no intervals; have: {', '.join(self.horizons)}")
            out = out[out.index.get_level_values("horizon") == horizon]
        if regions is not None:
            out = out[out.index.get_level_values("region").isin(list(regions))]
        if measures is not None:
            unknown = [m for m in measures if m not in self.measures]
            if unknown:
                raise OptionsError(
                    f"intervals: unknown measures {unknown}; allowed: {', '.join(self.measures)}"
                )
            out = out[out.index.get_level_values("measure").isin(list(measures))]
        return out.copy()

    def wide(self, horizon: str, regions: Sequence[str], measures: Sequence[str]) -> pd.DataFrame:
        """One row per region; for each measure ``m`` the columns ``m_median``, ``m_p5`` and ``m_p95``
        at ``horizon``."""
        t = self.frame(regions, horizon, measures).droplevel("horizon")
        stats = ("median", "p5", "p95")
        cols = {}
        for m in measures:
            part = t.xs(m, level="measure")
            for s in stats:
                cols[f"{m}_{s}"] = part[s]
        out = pd.DataFrame(cols).reindex(list(regions))
        out.index.name = "region"
        return out

    def summary(self, regions: Sequence[str] | None = None) -> pd.DataFrame:
        """Central value, median, p5 and p95 of the welfare, real wage, price index, exports and
        imports changes (percent) at every horizon."""
        keep = ["welfare_pct", "real_wage_pct", "price_index_pct", "exports_pct", "imports_pct"]
        return self.frame(regions, measures=[m for m in keep if m in self.measures])[
            ["central", "median", "p5", "p95"]
        ]

    def frames(self) -> dict[str, pd.DataFrame]:
        """``intervals`` (the tidy table), ``parameters`` and the details (:attr:`details`)."""
        return {"intervals": self.table.copy(), "parameters": self.parameters.copy()} | {
            k: v.copy() for k, v in self.details.items()
        }

    def to_dict(self, regions: Sequence[str] | None = None) -> dict[str, Any]:
        """JSON-safe: method, level, draws, seed, priors with sources, the parameters (delta
        method) and the intervals of ``regions`` (all by default), one record per output."""
        out: dict[str, Any] = {
            "method": self.method,
            "method_name": METHOD_NAMES[self.method],
            "level_pct": LEVEL_PCT,
            "draws": self.draws,
            "seed": self.seed,
            "horizons": list(self.horizons),
            "priors": dict(self.priors),
            "seconds": self.seconds,
            "notes": list(self.notes),
            "intervals": records(self.frame(regions)),
        }
        if self.method == "delta":
            out["parameters"] = records(self.parameters)
        if self.provenance is not None:
            out["provenance"] = self.provenance.to_dict()
        safe: dict[str, Any] = json_safe(out)
        return safe

    def sections(self, regions: Sequence[str], headline_regions: Sequence[str]) -> tuple[Section, ...]:
        """The report's tables: the summary measures with their range at each horizon, then every
        output of ``headline_regions`` at the first horizon."""
        keep = ["welfare_pct", "real_wage_pct", "price_index_pct", "exports_pct", "imports_pct"]
        stats = ["central", "median", "p5", "p95"]
        out = []
        for h in self.horizons:
            table = self.frame(regions, h, keep).droplevel("horizon")
            wide = pd.concat({m: table.xs(m, level="measure")[stats] for m in keep}, axis=1).reindex(
                list(regions)
            )
            wide.columns.names = ["measure", ""]
            out.append(Section(f"{LEVEL_PCT:.0f} % intervals at horizon {h} (percent changes)", wide))
        first = self.horizons[0]
        every = self.frame(headline_regions, first).droplevel("horizon")[["central", "median", "p5", "p95"]]
        every = every[every["central"].notna()]
        out.append(
            Section(
                f"every output of {', '.join(headline_regions)} at horizon {first}: central value, "
                f"median and {LEVEL_PCT:.0f} % range (units as in the headline caption)",
                every,
            )
        )
        return tuple(out)

    def report(self, regions: Sequence[str] | None = None) -> Report:
        chosen = (
            list(regions)
            if regions is not None
            else list(dict.fromkeys(self.table.index.get_level_values(1)))
        )
        return Report(self.describe(), self.sections(chosen, chosen[:2]), self.notes)


def interval_table(
    horizon: str, regions: Sequence[str], measures: Sequence[str], values: Mapping[str, np.ndarray]
) -> pd.DataFrame:
    """The tidy table of one horizon from arrays ``(regions, measures)`` of each of :data:`COLUMNS`."""
    idx = pd.MultiIndex.from_product([[horizon], list(regions), list(measures)], names=list(INDEX))
    return pd.DataFrame({c: np.asarray(values[c], dtype=np.float64).ravel() for c in COLUMNS}, index=idx)
