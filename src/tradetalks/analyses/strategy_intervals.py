"""Intervals of a tariff war or of trade talks under parameter draws (docs/deals-uncertainty.md).

Each draw of the uncertain parameters (:mod:`tradetalks.analyses.uncertainty`) is a full war or
talks solve on the draw's world (docs/model.md, section 9.6); :class:`StrategyIntervals` keeps
what each draw gives (the Nash or agreed tariffs, every region's welfare change, the parties'
mean tariff and, for talks, their gains) and reports each by its central value (the shipped
parameters), median and 5-95 % range (eq. 9.2).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from tradetalks.analyses.uncertainty import INTERVAL_COLUMNS, Priors, intervals
from tradetalks.errors import OptionsError
from tradetalks.results import Section, json_safe
from tradetalks.results.common import records

#: What :class:`StrategyIntervals` holds per draw, with its unit.
MEASURES = {
    "tariff_pct": "the Nash (war) or agreed (talks) tariff of each party by sector, percent",
    "mean_tariff_pct": "each party's mean tariff over its taxed sectors, percent",
    "welfare_pct": "each region's welfare change against the draw's baseline, percent",
    "gain_pct": "each party's gain over the disagreement point, percent of real income, equivalent",
}
#: Analyses with intervals.
ANALYSES = ("war", "talks")


@dataclass(frozen=True, eq=False)
class StrategyIntervals:
    """A war's or talks' outputs under ``draws`` parameter draws (docs/model.md, eq. 9.2).

    Attributes
    ----------
    analysis : {"war", "talks"}
    draws, seed : int
        Draws ``0 .. draws - 1`` of ``seed`` (eq. 9.1).
    priors : Priors
    samples : mapping of str to DataFrame
        One row a draw, by measure (:data:`MEASURES`): ``tariff_pct`` (columns ``(party,
        sector)``, only the rates that apply to a flow of the reference world),
        ``mean_tariff_pct`` and ``gain_pct`` (columns: parties), ``welfare_pct`` (regions).
    central : mapping of str to Series
        The same measures in the central case (the shipped parameters), indexed as the columns.
    parameters : DataFrame
        The parameters of each draw (one row a draw).
    seconds : float
        Time spent on the draws.
    notes : tuple of str
        How the draws were solved (warm starts).
    """

    analysis: str
    draws: int
    seed: int
    priors: Priors
    samples: Mapping[str, pd.DataFrame]
    central: Mapping[str, pd.Series]
    parameters: pd.DataFrame
    seconds: float
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.analysis not in ANALYSES:
            raise OptionsError(
                f"StrategyIntervals.analysis={self.analysis!r}; allowed: {', '.join(ANALYSES)}"
            )
        unknown = [k for k in self.samples if k not in MEASURES]
        if unknown or set(self.samples) != set(self.central):
            raise OptionsError(f"StrategyIntervals: measures {sorted(self.samples)} / {sorted(self.central)}")
        for name, frame in self.samples.items():
            if len(frame) != self.draws or not frame.columns.equals(self.central[name].index):
                raise OptionsError(f"StrategyIntervals.samples[{name!r}]: one row a draw, columns as central")
        object.__setattr__(self, "samples", MappingProxyType({k: v.copy() for k, v in self.samples.items()}))
        object.__setattr__(self, "central", MappingProxyType({k: v.copy() for k, v in self.central.items()}))
        object.__setattr__(self, "parameters", self.parameters.copy())

    def interval(self, measure: str) -> pd.DataFrame:
        """``central``, ``median``, ``p5``, ``p95`` and ``draws`` of ``measure`` (eq. 9.2), indexed as
        its columns (``(party, sector)`` for ``tariff_pct``)."""
        if measure not in self.samples:
            raise OptionsError(f"interval: measure={measure!r}; allowed: {', '.join(self.samples)}")
        iv = intervals(self.samples[measure])
        iv.insert(0, "central", self.central[measure].to_numpy(dtype=np.float64))
        return iv

    def wide(self, measure: str, index_name: str) -> pd.DataFrame:
        """``measure`` with one column per statistic: ``<measure>_central``, ``_median``, ``_p5``,
        ``_p95`` (to join on a result's summary)."""
        iv = self.interval(measure)
        out = iv[["central", *INTERVAL_COLUMNS]].add_prefix(f"{measure}_")
        return out.rename_axis(index_name)

    def summary(self) -> pd.DataFrame:
        """Every region's welfare change: central, median, 5-95 % (percent)."""
        return self.wide("welfare_pct", "region")

    def frames(self) -> dict[str, pd.DataFrame]:
        out = {f"{m.removesuffix('_pct')}_intervals": self.interval(m).reset_index() for m in self.samples}
        out["draw_parameters"] = self.parameters.copy()
        return out

    def describe(self) -> str:
        varied = ", ".join(self.priors.vary) or "none"
        return (
            f"intervals: median and 5-95 % range over {self.draws} parameter draws (seed {self.seed}; "
            f"parameters varied: {varied}; trade elasticities drawn {self.priors.elasticity_method}); "
            f"central: the shipped parameters; {self.seconds:.1f} s"
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = json_safe(
            {
                "draws": self.draws,
                "seed": self.seed,
                "priors": self.priors.to_dict() | {"sources": self.priors.sources()},
                "intervals": {m: records(self.interval(m)) for m in self.samples},
                "parameters": records(self.parameters),
                "notes": list(self.notes),
                "seconds": self.seconds,
                "units": {m: MEASURES[m] for m in self.samples}
                | {"central, median, p5, p95": "the shipped parameters; the draws' median and 5-95 % range"},
            }
        )
        return out

    def sections(self) -> tuple[Section, ...]:
        """The report's tables: welfare and the parties' mean tariff and gains, under the draws."""
        out = [Section(f"welfare under {self.draws} draws (%)", self.summary())]
        for measure, caption in (("mean_tariff_pct", "mean tariff"), ("gain_pct", "gains")):
            if measure in self.samples:
                out.append(Section(f"{caption} under {self.draws} draws (%)", self.wide(measure, "party")))
        return tuple(out)
