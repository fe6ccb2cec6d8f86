"""Fallout on third countries: who gains, who is hurt, and how exposed they stay.

For every scenario the article's onlookers (Japan, Korea, Malaysia, the rest of ASEAN, the EU,
Brazil and the rest of the world) get: welfare and real wages; trade diverted to and from them
by product (their exports to and imports from the US and China, before and after); and their
exposure to Chinese critical inputs, direct and through the input-output chain, before and
after (:mod:`tradetalks.analyses.exposure`); docs/model.md, section 8.2.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tradetalks.analyses.exposure import critical_input_exposure
from tradetalks.data.products import PRODUCTS
from tradetalks.results import Provenance, Report, Result, Section, json_safe
from tradetalks.results.common import region_records

#: The onlookers of the article, in the order tables list them.
FALLOUT_REGIONS = ("JPN", "KOR", "MYS", "ASEAN", "EU27", "BRA", "ROW")
#: Products whose Chinese supply counts as "critical inputs" when they are split out.
CRITICAL_PRODUCTS = ("rare-earth-magnets", "rare-earth-compounds")
#: Parent sectors used instead when the products are not split (documented in the frame's attrs).
CRITICAL_FALLBACK = ("C27", "C20")


@dataclass(frozen=True, eq=False)
class Fallout:
    """Tables of a scenario's fallout on third countries (percent and the baseline's units).

    The tables are handed out as copies: ``welfare`` (percent changes), ``diversion`` (trade with
    the partners by sector, before and after), ``exposure`` (shares of final demand, fractions).
    """

    scenario: str
    welfare_table: pd.DataFrame
    diversion_table: pd.DataFrame
    exposure_table: pd.DataFrame
    critical_inputs: tuple[str, ...]
    provenance: Provenance

    def __post_init__(self) -> None:
        for name in ("welfare_table", "diversion_table", "exposure_table"):
            object.__setattr__(self, name, getattr(self, name).copy())

    @property
    def welfare(self) -> pd.DataFrame:
        """Welfare, real wage, exports and imports of each onlooker, percent changes."""
        return self.welfare_table.copy()

    @property
    def diversion(self) -> pd.DataFrame:
        """Trade of each onlooker with the partners by direction and sector, before and after."""
        return self.diversion_table.copy()

    @property
    def exposure(self) -> pd.DataFrame:
        """Exposure to the critical inputs, direct and total, before and after (fractions)."""
        return self.exposure_table.copy()

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"summary": self.summary(), "diversion": self.diversion, "exposure": self.exposure}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = json_safe(
            {
                "scenario": self.scenario,
                "critical_inputs": list(self.critical_inputs),
                "regions": region_records(self.summary()),
                "units": {
                    "*_pct": "percent",
                    "*_change": "change of trade at producer prices, the baseline's units",
                },
                "provenance": self.provenance.to_dict(),
            }
        )
        return out

    def report(self) -> Report:
        return Report(
            "",
            (
                Section(
                    "fallout (welfare %, trade changes with the US and China in USD million, exposure to "
                    "Chinese critical inputs in % of final demand)",
                    self.summary(),
                ),
            ),
        )

    def summary(self) -> pd.DataFrame:
        """One row per onlooker: welfare, net trade diverted with the US and China, exposure."""
        div = (
            self.diversion_table.groupby(["region", "partner", "direction"])["change"]
            .sum()
            .unstack(["partner", "direction"])
        )
        div.columns = pd.Index([f"{col[1]}_{str(col[0]).lower()}_change" for col in div.columns.to_list()])
        out = self.welfare_table.join(div).join(self.exposure_table[["total_before", "total_after"]] * 100.0)
        return out.rename(
            columns={"total_before": "exposure_before_pct", "total_after": "exposure_after_pct"}
        )


def fallout(
    result: Result,
    regions: Sequence[str] | None = None,
    partners: Sequence[str] = ("USA", "CHN"),
    critical_inputs: Sequence[str] | None = None,
) -> Fallout:
    """The fallout tables of ``result`` for ``regions`` (default: the article's onlookers present)."""
    b, eq = result.baseline, result.equilibrium
    chosen = list(regions) if regions is not None else [r for r in FALLOUT_REGIONS if r in b.regions]
    for r in chosen:
        b.region_index(r)
    welfare = result.regions_frame().loc[
        chosen, ["welfare_pct", "real_wage_pct", "exports_pct", "imports_pct"]
    ]

    rows = []
    for r in chosen:
        n = b.region_index(r)
        for p in partners:
            m = b.region_index(p)
            for direction, before, after in (
                ("exports", b.flows[m, n], eq.flows[m, n]),
                ("imports", b.flows[n, m], eq.flows[n, m]),
            ):
                for j, sector in enumerate(b.sectors):
                    if before[j] == 0 and after[j] == 0:
                        continue
                    rows.append((r, p, direction, sector, before[j], after[j]))
    diversion = pd.DataFrame(rows, columns=["region", "partner", "direction", "sector", "base", "new"])
    diversion["change"] = diversion["new"] - diversion["base"]
    with np.errstate(invalid="ignore", divide="ignore"):
        diversion["change_pct"] = 100.0 * (diversion["new"] / diversion["base"] - 1.0)

    if critical_inputs is None:
        split = [PRODUCTS[p].code for p in CRITICAL_PRODUCTS if PRODUCTS[p].code in b.sectors]
        critical_inputs = split or list(CRITICAL_FALLBACK)
    before = critical_input_exposure(b, critical_inputs)
    final_after = b.alpha * eq.income[:, None]
    after = critical_input_exposure(
        b,
        critical_inputs,
        flows=np.asarray(eq.flows),
        spending=np.asarray(eq.spending),
        io_share=np.asarray(eq.io_share),
        final_demand=final_after,
    )
    exposure = before.add_suffix("_before").join(after.add_suffix("_after")).loc[chosen]
    provenance = Provenance.of(
        result.source,
        "fallout",
        closure=result.closure,
        options={"regions": chosen, "partners": list(partners), "critical_inputs": list(critical_inputs)},
    )
    return Fallout(result.scenario, welfare, diversion, exposure, tuple(critical_inputs), provenance)
