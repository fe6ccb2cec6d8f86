"""Household counts and consumption: the base of the cost-per-household figure (docs/model.md, eq. 4.10).

Read from the shipped table ``data/tables/households.toml``, one entry per economy with a source
for each number. Economies without an entry get no cost-per-household figure.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from tradetalks.errors import DataError

TABLE_FILE = "households.toml"


@dataclass(frozen=True)
class Households:
    """One economy's households and consumption (USD of ``consumption_year``), with sources."""

    region: str
    households: float
    households_year: int
    households_source: str
    consumption_usd: float
    consumption_year: int
    consumption_source: str

    @property
    def consumption_per_household_usd(self) -> float:
        """Consumption per household, USD."""
        return self.consumption_usd / self.households

    def cost_usd(self, price_level_pct: float) -> float:
        """Cost per household of a price-level change of ``price_level_pct`` percent (eq. 4.10)."""
        return price_level_pct / 100.0 * self.consumption_per_household_usd


def _parse(region: str, spec: Mapping[str, Any]) -> Households:
    fields = (
        "households", "households_year", "households_source",
        "consumption_usd", "consumption_year", "consumption_source",
    )  # fmt: skip
    missing = [f for f in fields if f not in spec]
    if missing:
        raise DataError(f"{TABLE_FILE} [{region}]: missing {', '.join(missing)}")
    out = Households(
        region=region,
        households=float(spec["households"]),
        households_year=int(spec["households_year"]),
        households_source=str(spec["households_source"]),
        consumption_usd=float(spec["consumption_usd"]),
        consumption_year=int(spec["consumption_year"]),
        consumption_source=str(spec["consumption_source"]),
    )
    if out.households <= 0 or out.consumption_usd <= 0:
        raise DataError(f"{TABLE_FILE} [{region}]: households and consumption must be positive")
    return out


@cache
def _table() -> Mapping[str, Households]:
    text = (resources.files("tradetalks.data") / "tables" / TABLE_FILE).read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    return MappingProxyType({str(k): _parse(str(k), v) for k, v in raw.items()})


def households() -> Mapping[str, Households]:
    """Every economy of the shipped table, by region code."""
    return _table()


def households_of(region: str) -> Households | None:
    """One economy's entry, or ``None`` when the table has none."""
    return _table().get(region)
