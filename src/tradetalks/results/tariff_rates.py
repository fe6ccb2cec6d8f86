"""Effective tariff rates before substitution as a result: by partner and overall, on one or more dates.

The numbers come from :func:`tradetalks.data.tariffs.etr.effective_rates`; this module gives them
the results protocol (provenance, ``summary()``, ``frames()``, ``to_dict()``, ``report()``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd

from tradetalks.data.tariffs.etr import BASES, WEIGHTS, RateTable
from tradetalks.results.common import Provenance, Report, Section, json_safe, records


@dataclass(frozen=True, eq=False)
class TariffRates:
    """Effective tariff rates of one importer before substitution (docs/model.md, eq. 4.7).

    Parameters
    ----------
    tables : sequence of RateTable
        One table per date, same importer, weights and basis.
    provenance : Provenance
        ``analysis="tariff-rates"``; the baseline is the ICIO world whose applied rates are the base.
    top : int
        Partners shown by :meth:`summary` for a single date (largest imports first).
    """

    tables: tuple[RateTable, ...]
    provenance: Provenance
    top: int = 12

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", tuple(self.tables))
        if not self.tables:
            raise ValueError("TariffRates needs at least one table")
        kinds = {(t.importer, t.weights, t.basis) for t in self.tables}
        if len(kinds) != 1:
            raise ValueError(f"TariffRates: tables mix importers, weights or bases: {sorted(kinds)}")

    @property
    def importer(self) -> str:
        return self.tables[0].importer

    @property
    def weights(self) -> str:
        return self.tables[0].weights

    @property
    def basis(self) -> str:
        return self.tables[0].basis

    @property
    def dates(self) -> tuple[str, ...]:
        return tuple(t.date for t in self.tables)

    def at(self, date: str) -> RateTable:
        """The table of one date."""
        for t in self.tables:
            if date in (t.date, t.preset):
                return t
        raise KeyError(f"date {date!r} not computed; computed: {', '.join(self.dates)}")

    @cached_property
    def _overall(self) -> pd.DataFrame:
        frame = pd.DataFrame([t.overall for t in self.tables])
        frame.index = pd.Index(list(self.dates), name="date")
        return frame

    def overall(self) -> pd.DataFrame:
        """One row per date: imports (USD billion), the parts of the rate and the total (percent)."""
        return self._overall.copy()

    def partners(self) -> pd.DataFrame:
        """Tidy: one row per date and exporter."""
        return pd.concat(
            {t.date: t.by_partner for t in self.tables}, names=["date", "exporter"]
        ).reset_index()

    def summary(self) -> pd.DataFrame:
        """One date: the largest partners and ``all``; several dates: the overall rate by date."""
        if len(self.tables) > 1:
            return self.overall()
        t = self.tables[0]
        top = t.by_partner.sort_values("imports_usd_bn", ascending=False).head(self.top)
        return pd.concat([top, t.overall.to_frame().T.rename_axis("exporter")])

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"overall": self.overall(), "partners": self.partners()}

    def describe(self) -> str:
        """One line: importer, weights, basis."""
        return (
            f"effective tariff rates of {self.importer} before substitution; weights {self.weights} "
            f"({WEIGHTS[self.weights]}); basis {self.basis} ({BASES[self.basis]})"
        )

    def report(self) -> Report:
        dates = ", ".join(self.dates) if len(self.dates) <= 4 else f"{self.dates[0]} .. {self.dates[-1]}"
        title = (
            f"{self.describe()}\ntariffs in force on {dates} (percent; imports in USD billion)\n"
            f"sector and partner detail from {self.provenance.describe()}"
        )
        return Report(title, (Section("", self.summary()),), (f"package version {self.provenance.version}",))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = json_safe(
            {
                "importer": self.importer,
                "weights": {"name": self.weights, "description": WEIGHTS[self.weights]},
                "basis": {"name": self.basis, "description": BASES[self.basis]},
                "dates": list(self.dates),
                "overall": records(self.overall()),
                "partners": records(self.partners(), index=False),
                "units": {
                    "*_pct": "percent of the import value (customs value, before tariffs)",
                    "imports_usd_bn": "USD billion of the weights' year",
                },
                "provenance": self.provenance.to_dict(),
            }
        )
        return out


def tariff_rates(tables: Sequence[RateTable], provenance: Provenance) -> TariffRates:
    """Wrap tables of :func:`~tradetalks.data.tariffs.etr.effective_rates` as a result."""
    return TariffRates(tuple(tables), provenance)
