"""Policy levers. Each compiles to wedge arrays or constraints of :class:`~tradetalks.model.Shocks`.

| scenario-file ``type`` | lever | what it writes |
|---|---|---|
| ``tariff`` | :class:`TariffChange` | tariff levels |
| ``export_control`` | :class:`ExportControl` | export-tax equivalents, bans, quantity caps |
| ``purchase`` | :class:`PurchaseCommitment` | a purchase floor met by an import subsidy |
| ``critical_input`` | :class:`CriticalInputNest` | a CES nest for a chokepoint input |
"""

from collections.abc import Callable, Mapping
from typing import Any

from tradetalks.levers.builder import Lever, ShockBuilder, compile_levers
from tradetalks.levers.critical_input import CriticalInputNest
from tradetalks.levers.export_control import ExportControl
from tradetalks.levers.purchase import PurchaseCommitment
from tradetalks.levers.tariff import TariffChange

#: Scenario-file ``type`` -> the parser of that lever's table.
LEVER_TYPES: dict[str, Callable[[Mapping[str, Any]], Lever]] = {
    "tariff": TariffChange.from_mapping,
    "export_control": ExportControl.from_mapping,
    "purchase": PurchaseCommitment.from_mapping,
    "critical_input": CriticalInputNest.from_mapping,
}

__all__ = [
    "LEVER_TYPES",
    "CriticalInputNest",
    "ExportControl",
    "Lever",
    "PurchaseCommitment",
    "ShockBuilder",
    "TariffChange",
    "compile_levers",
]
