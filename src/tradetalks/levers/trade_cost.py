"""Trade-cost levers: proportional changes of iceberg costs on chosen flows.

Non-tariff frictions (licensing delays, compliance costs, logistics) enter as iceberg costs
``d_hat`` (Caliendo-Parro eq. 10); ``change_pct = -20`` cuts the cost of delivering the flows
by a fifth, ``+20`` raises it. The size of such a change is a scenario assumption, stated in
the scenario file that uses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from tradetalks.baseline import Baseline
from tradetalks.errors import ScenarioError
from tradetalks.levers.builder import ShockBuilder
from tradetalks.levers.common import as_tuple, check_keys, flow_mask
from tradetalks.levers.export_control import _opt_float


@dataclass(frozen=True)
class TradeCostChange:
    """Iceberg-cost change ``change_pct`` (> -100) on flows from ``exporters`` to ``importers``."""

    importers: tuple[str, ...] | str
    exporters: tuple[str, ...] | str
    sectors: tuple[str, ...] | str
    change_pct: float

    def __post_init__(self) -> None:
        if not (np.isfinite(self.change_pct) and self.change_pct > -100):
            raise ScenarioError(f"trade_cost lever: change_pct must be > -100, got {self.change_pct}")

    @classmethod
    def from_mapping(cls, spec: Mapping[str, Any]) -> TradeCostChange:
        allowed = {"importers", "exporters", "sectors", "products", "change_pct"}
        check_keys(spec, allowed, {"importers", "exporters", "change_pct"}, "trade_cost")
        change = _opt_float(spec, "change_pct")
        return cls(
            importers=as_tuple(spec["importers"], "importers", "trade_cost"),
            exporters=as_tuple(spec["exporters"], "exporters", "trade_cost"),
            sectors=as_tuple(spec.get("products", spec.get("sectors", "goods")), "sectors", "trade_cost"),
            change_pct=float(change if change is not None else 0.0),
        )

    def apply(self, baseline: Baseline, shocks: ShockBuilder) -> None:
        mask = flow_mask(baseline, self.importers, self.exporters, self.sectors)
        shocks.iceberg_hat[mask] *= 1.0 + self.change_pct / 100.0
