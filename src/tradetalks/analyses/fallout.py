"""Fallout on third countries: who gains, who is hurt, and how exposed they stay.

For every scenario the article's onlookers (Japan, Korea, Malaysia, the rest of ASEAN, the EU,
Brazil and the rest of the world) get: welfare and real wages; trade diverted to and from them
by product (their exports to and imports from the US and China, before and after); and their
exposure to Chinese critical inputs, direct and through the input-output chain, before and
after (:mod:`tradetalks.analyses.exposure`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tradetalks.analyses.exposure import critical_input_exposure
from tradetalks.data.products import PRODUCTS
from tradetalks.results import Result

#: The onlookers of the article, in the order tables list them.
FALLOUT_REGIONS = ("JPN", "KOR", "MYS", "ASEAN", "EU27", "BRA", "ROW")
#: Products whose Chinese supply counts as "critical inputs" when they are split out.
CRITICAL_PRODUCTS = ("rare-earth-magnets", "rare-earth-compounds")
#: Parent sectors used instead when the products are not split (documented in the frame's attrs).
CRITICAL_FALLBACK = ("C27", "C20")


@dataclass(frozen=True)
class Fallout:
    """Tables of a scenario's fallout on third countries (percent and USD million)."""

    scenario: str
    welfare: pd.DataFrame
    diversion: pd.DataFrame
    exposure: pd.DataFrame
    critical_inputs: tuple[str, ...]

    def summary(self) -> pd.DataFrame:
        """One row per onlooker: welfare, net trade diverted with the US and China, exposure."""
        div = (
            self.diversion.groupby(["region", "partner", "direction"])["change"]
            .sum()
            .unstack(["partner", "direction"])
        )
        div.columns = pd.Index([f"{col[1]}_{str(col[0]).lower()}_change" for col in div.columns.to_list()])
        out = self.welfare.join(div).join(self.exposure[["total_before", "total_after"]] * 100.0)
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
    return Fallout(result.scenario, welfare, diversion, exposure, tuple(critical_inputs))
