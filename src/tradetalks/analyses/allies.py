"""Who does America stand with? The allies' own deals against the US-China deal, side by side.

For each ally, three solves on one common reference world (docs/allies.md): the US-China deal
alone, the ally's own deal with the US alone, and both (the US-China deal's levers, then the
ally's). For each the ally's welfare, exports to the US, total exports, real wage and price index
(docs/model.md, eqs. 4.1-4.4, section 8.3), and the interaction: what the two deals do together
beyond the sum of what each does alone,

    interaction[a, x] = x(both) - x(us-china) - x(own deal)                              (8.6)

for measure ``x`` of ally ``a``: zero to first order, so a small number (the deals touch different
flows) that is not exactly zero (they meet in the US market and in world prices).

This module only reads solved :class:`~tradetalks.results.Result` objects; the solves are made by
:func:`tradetalks.allies`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from pydantic import Field, ValidationInfo, field_validator

from tradetalks.analyses.options import Options
from tradetalks.errors import OptionsError
from tradetalks.results import Provenance, Report, Result, Section, json_safe
from tradetalks.results.common import records

#: The allies of the table, in order, and the deal each struck with the US (built-in scenarios).
ALLY_DEALS: dict[str, str] = {
    "JPN": "us-japan-2025",
    "KOR": "us-korea-2025",
    "MYS": "us-asean-2025",
    "ASEAN": "us-asean-2025",
}
#: The US-China deal of the table (built-in scenario).
US_CHINA_DEAL = "us-china-busan-2025"
#: The three cases solved for each ally, in the order the table lists them.
CASES = ("us-china", "own-deal", "both")
#: The measures of each case (percent changes; docs/model.md, eqs. 4.1-4.4).
MEASURES = ("welfare_pct", "exports_to_us_pct", "exports_pct", "real_wage_pct", "price_index_pct")
#: The importer whose market the allies' exports to are measured.
US = "USA"


class AlliesOptions(Options):
    """What the allies table compares: the allies, the US-China deal and each ally's own deal.

    Attributes
    ----------
    allies : tuple of str
        Region codes, in table order (unique, non-empty, not ``USA``).
    us_china : str
        Name of the US-China deal scenario.
    deals : mapping of str to str
        Ally -> name of its own deal scenario; every ally needs one.
    """

    allies: tuple[str, ...] = tuple(ALLY_DEALS)
    us_china: str = Field(default=US_CHINA_DEAL, min_length=1)
    deals: dict[str, str] = Field(default_factory=lambda: dict(ALLY_DEALS), validate_default=True)

    @field_validator("allies")
    @classmethod
    def _allies(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("give at least one ally")
        if len(set(value)) != len(value):
            raise ValueError("each ally at most once")
        if US in value:
            raise ValueError(f"{US} is the partner of every deal, not an ally")
        return value

    @field_validator("deals")
    @classmethod
    def _every_ally_has_a_deal(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        missing = [a for a in info.data.get("allies", ()) if a not in value]
        if missing:
            raise ValueError(f"no deal for {missing}; give a deal scenario for every ally")
        return value


def ally_measures(result: Result, ally: str) -> dict[str, float]:
    """The measures of :data:`MEASURES` for ``ally`` in one solved result (percent changes).

    ``exports_to_us_pct`` is the change of the ally's sales to the US at producer prices, summed
    over sectors (docs/model.md, eq. 4.4); the others are the columns of
    :meth:`~tradetalks.results.Result.regions_frame` (eqs. 4.1-4.4).
    """
    b, eq = result.baseline, result.equilibrium
    a, us = b.region_index(ally), b.region_index(US)
    others = [m for m in range(b.n_regions) if m != a]

    def change(before: float, after: float) -> float:
        return 100.0 * (after / before - 1.0) if before > 0 else float("nan")

    return {
        "welfare_pct": 100.0 * (float(result.welfare_hat[a]) - 1.0),
        "exports_to_us_pct": change(float(b.flows[us, a].sum()), float(eq.flows[us, a].sum())),
        "exports_pct": change(float(b.flows[others, a].sum()), float(eq.flows[others, a].sum())),
        "real_wage_pct": 100.0 * (float(result.real_wage_hat[a]) - 1.0),
        "price_index_pct": 100.0 * (float(result.price_index_hat[a]) - 1.0),
    }


@dataclass(frozen=True, eq=False)
class AlliesTable:
    """The allies table: for each ally, the three cases of :data:`CASES` and their measures.

    Attributes
    ----------
    table : DataFrame
        Indexed by ``ally`` and ``case``; column ``scenario`` and the :data:`MEASURES` (percent).
    options : AlliesOptions
        The allies and the deals compared.
    provenance : Provenance
        The common reference world (baseline, tariff date, horizon, elasticities, closure).
    sources : mapping of str to list of dict
        Scenario name -> the public sources of the numbers it uses.
    """

    table: pd.DataFrame
    options: AlliesOptions
    provenance: Provenance
    sources: Mapping[str, tuple[Mapping[str, str], ...]]

    def __post_init__(self) -> None:
        object.__setattr__(self, "table", self.table.copy())
        object.__setattr__(self, "sources", {k: tuple(dict(s) for s in v) for k, v in self.sources.items()})

    def summary(self) -> pd.DataFrame:
        """One row per ally and case (``us-china``, ``own-deal``, ``both``), the measures in
        columns (percent changes against the common reference)."""
        return self.table[list(MEASURES)].copy()

    def interaction(self) -> pd.DataFrame:
        """``both - us-china - own-deal`` per ally and measure (docs/model.md, eq. 8.6; percentage points)."""
        rows = [
            self._values(ally, "both") - self._values(ally, "us-china") - self._values(ally, "own-deal")
            for ally in self.options.allies
        ]
        return pd.DataFrame(
            np.array(rows), index=pd.Index(self.options.allies, name="ally"), columns=list(MEASURES)
        )

    def _values(self, ally: str, case: str) -> NDArray[np.float64]:
        """The measures of one ally and case, in the order of :data:`MEASURES`."""
        row = self.table.loc[(ally, case), list(MEASURES)]
        return np.asarray(row.to_numpy(dtype=np.float64), dtype=np.float64)

    def frame(self) -> pd.DataFrame:
        """Tidy: one row per ally, case and measure (columns ``ally``, ``case``, ``scenario``,
        ``measure``, ``value_pct``)."""
        long = self.table.reset_index().melt(
            id_vars=["ally", "case", "scenario"],
            value_vars=list(MEASURES),
            var_name="measure",
            value_name="value_pct",
        )
        order = {m: k for k, m in enumerate(MEASURES)}
        long["_a"] = long["ally"].map({a: k for k, a in enumerate(self.options.allies)})
        long["_c"] = long["case"].map({c: k for k, c in enumerate(CASES)})
        long["_m"] = long["measure"].map(order)
        return long.sort_values(["_a", "_c", "_m"]).drop(columns=["_a", "_c", "_m"]).reset_index(drop=True)

    def frames(self) -> dict[str, pd.DataFrame]:
        """``summary`` (the table), ``tidy`` (:meth:`frame`) and ``interaction``."""
        return {"summary": self.summary(), "tidy": self.frame(), "interaction": self.interaction()}

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: the rows of the table, the interaction, the deals compared, units, sources
        and provenance."""
        out: dict[str, Any] = json_safe(
            {
                "analysis": "allies",
                "allies": list(self.options.allies),
                "us_china": self.options.us_china,
                "deals": {a: self.options.deals[a] for a in self.options.allies},
                "cases": list(CASES),
                "rows": records(self.table),
                "interaction": records(self.interaction()),
                "units": {
                    "*_pct": "percent change against the common reference",
                    "interaction": "percentage points: both - us-china - own-deal",
                },
                "sources": {k: [dict(s) for s in v] for k, v in self.sources.items()},
                "provenance": self.provenance.to_dict(),
            }
        )
        return out

    def report(self) -> Report:
        """The table, the interaction and one line per ally on which deal matters more to it."""
        title = (
            "who does America stand with? the allies' own deals and the US-China deal "
            f"({self.options.us_china}) on {self.provenance.describe()}\n"
            "(percent changes; welfare: real income, tariff revenue included)"
        )
        notes = []
        for ally in self.options.allies:
            own = round(float(self._values(ally, "own-deal")[0]), 3) + 0.0  # + 0.0: no "-0.000"
            usc = round(float(self._values(ally, "us-china")[0]), 3) + 0.0
            notes.append(
                f"{ally}: welfare {own:+.3f} % from its own deal ({self.options.deals[ally]}), "
                f"{usc:+.3f} % from the US-China deal"
            )
        return Report(
            title,
            (
                Section("", self.summary()),
                Section("interaction: both - us-china - own-deal (percentage points)", self.interaction()),
            ),
            tuple(notes),
        )


def allies_table(
    us_china: Result,
    own: Mapping[str, Result],
    both: Mapping[str, Result],
    options: AlliesOptions,
    *,
    provenance: Provenance,
    sources: Mapping[str, tuple[Mapping[str, str], ...]] | None = None,
) -> AlliesTable:
    """The allies table from solved results (section 8.3).

    Parameters
    ----------
    us_china : Result
        The US-China deal alone.
    own, both : mapping of str to Result
        Per ally: its own deal alone, and both deals.
    options : AlliesOptions
    provenance : Provenance
        Of the common reference world.
    sources : mapping, optional
        Scenario name -> its sources (carried into :meth:`AlliesTable.to_dict`).

    Raises
    ------
    OptionsError
        If a result is missing for an ally or the results are not on one reference world.
    """
    allies = options.allies
    missing = [a for a in allies if a not in own or a not in both]
    if missing:
        raise OptionsError(f"allies_table: no result for {missing} (own deal and both needed)")
    results = [us_china, *(own[a] for a in allies), *(both[a] for a in allies)]
    shas = {r.provenance.baseline_sha256 for r in results}
    if len(shas) != 1:
        raise OptionsError("allies_table: the results are not solved on one common reference world")
    for a in allies:
        us_china.baseline.region_index(a)
    rows = []
    for a in allies:
        for case, res in zip(CASES, (us_china, own[a], both[a]), strict=True):
            rows.append({"ally": a, "case": case, "scenario": res.scenario, **ally_measures(res, a)})
    table = pd.DataFrame(rows).set_index(["ally", "case"])
    if not np.all(np.isfinite(table[list(MEASURES)].to_numpy(dtype=float))):
        raise OptionsError("allies_table: a measure is not finite (an ally without exports to the US?)")
    return AlliesTable(table, options, provenance, dict(sources or {}))
