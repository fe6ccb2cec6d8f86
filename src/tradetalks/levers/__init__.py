"""Policy levers. Each compiles to wedge arrays or constraints of :class:`~tradetalks.model.Shocks`.

| scenario-file ``type`` | lever | what it writes |
|---|---|---|
| ``tariff`` | :class:`TariffChange` | tariff levels |
| ``export_control`` | :class:`ExportControl` | export-tax equivalents, bans, caps; reach to third countries |
| ``purchase`` | :class:`PurchaseCommitment` | a purchase floor met by a demand shift (or an import subsidy) |
| ``critical_input`` | :class:`CriticalInputNest` | a CES nest for a chokepoint input |
| ``trade_cost`` | :class:`TradeCostChange` | iceberg-cost changes (non-tariff frictions) |
| ``tariffs_of_date`` | :class:`DatedTariffs` | the schedule's tariffs of another date |
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tradetalks.errors import ScenarioError
from tradetalks.levers.builder import Lever, ShockBuilder, compile_levers
from tradetalks.levers.critical_input import CriticalInputNest
from tradetalks.levers.dated_tariffs import DatedTariffs
from tradetalks.levers.export_control import ExportControl
from tradetalks.levers.purchase import PurchaseCommitment
from tradetalks.levers.tariff import TariffChange
from tradetalks.levers.trade_cost import TradeCostChange

#: Scenario-file ``type`` -> the parser of that lever's table.
LEVER_TYPES: dict[str, Callable[[Mapping[str, Any]], Lever]] = {
    "tariff": TariffChange.from_mapping,
    "export_control": ExportControl.from_mapping,
    "purchase": PurchaseCommitment.from_mapping,
    "critical_input": CriticalInputNest.from_mapping,
    "trade_cost": TradeCostChange.from_mapping,
    "tariffs_of_date": DatedTariffs.from_mapping,
}


def parse_levers(specs: Sequence[Mapping[str, Any]], origin: str) -> tuple[Lever, ...]:
    """Parse a list of lever tables (scenario or deal-space files); errors name ``origin[k]``."""
    out = []
    for k, spec in enumerate(specs):
        kind = spec.get("type")
        if kind not in LEVER_TYPES:
            raise ScenarioError(f"{origin}[{k}].type={kind!r}; allowed: {list(LEVER_TYPES)}")
        try:
            out.append(LEVER_TYPES[kind](spec))
        except ScenarioError as exc:
            raise ScenarioError(f"{origin}[{k}]: {exc}") from None
    return tuple(out)


__all__ = [
    "LEVER_TYPES",
    "CriticalInputNest",
    "DatedTariffs",
    "ExportControl",
    "Lever",
    "PurchaseCommitment",
    "ShockBuilder",
    "TariffChange",
    "TradeCostChange",
    "compile_levers",
    "parse_levers",
]
