"""Purchase commitments: "China buys at least 25 Mt of US soybeans a year".

A target on one bilateral (product) flow, met by an endogenous wedge (MODEL.md section 3):
an import subsidy the buyer's government pays out of its budget (its tariff revenue falls by
the subsidy outlay), zero if the target is met anyway. The target is a value at producer
prices in the baseline's units (USD million); a quantity target is converted with a
documented unit price.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from tradetalks.baseline import Baseline
from tradetalks.errors import ScenarioError
from tradetalks.levers.builder import ShockBuilder
from tradetalks.levers.common import as_tuple, check_keys, sector_indices
from tradetalks.levers.export_control import _opt_float
from tradetalks.model.shocks import FlowConstraint


@dataclass(frozen=True)
class PurchaseCommitment:
    """``buyer`` buys at least a target of ``sectors`` (codes or product names) from ``seller``.

    Parameters
    ----------
    buyer, seller : str
        Importing and exporting regions.
    sectors : tuple of str or str
        Sector codes or product names (``soybeans``, ``aircraft``; must be split out).
    value_usd_mn : float, optional
        Target value in USD million (producer prices).
    quantity : float, optional
        Target quantity, with ``unit_price_usd`` (USD per unit) converting it to value.
    unit_price_usd : float, optional
        Documented unit price for ``quantity``; cite it in ``price_source``.
    price_source : str
        Where the unit price comes from.
    """

    buyer: str
    seller: str
    sectors: tuple[str, ...] | str
    value_usd_mn: float | None = None
    quantity: float | None = None
    unit_price_usd: float | None = None
    price_source: str = ""

    def __post_init__(self) -> None:
        if (self.value_usd_mn is None) == (self.quantity is None):
            raise ScenarioError("purchase lever: give exactly one of value_usd_mn or quantity")
        if self.quantity is not None and self.unit_price_usd is None:
            raise ScenarioError("purchase lever: 'quantity' needs 'unit_price_usd' (and a 'price_source')")
        for name in ("value_usd_mn", "quantity", "unit_price_usd"):
            v = getattr(self, name)
            if v is not None and not (np.isfinite(v) and v > 0):
                raise ScenarioError(f"purchase lever: {name} must be > 0, got {v}")
        if self.buyer == self.seller:
            raise ScenarioError(f"purchase lever: buyer and seller are the same region {self.buyer!r}")

    @property
    def target_usd_mn(self) -> float:
        if self.value_usd_mn is not None:
            return self.value_usd_mn
        return float(self.quantity or 0.0) * float(self.unit_price_usd or 0.0) / 1e6

    @classmethod
    def from_mapping(cls, spec: Mapping[str, Any]) -> PurchaseCommitment:
        allowed = {"buyer", "seller", "sectors", "products", "value_usd_mn", "quantity"}
        allowed |= {"unit_price_usd", "price_source"}
        check_keys(spec, allowed, {"buyer", "seller"}, "purchase")
        what = spec.get("products", spec.get("sectors"))
        if what is None:
            raise ScenarioError("purchase lever: missing key 'products' (or 'sectors')")
        return cls(
            buyer=str(spec["buyer"]),
            seller=str(spec["seller"]),
            sectors=as_tuple(what, "products", "purchase"),
            value_usd_mn=_opt_float(spec, "value_usd_mn"),
            quantity=_opt_float(spec, "quantity"),
            unit_price_usd=_opt_float(spec, "unit_price_usd"),
            price_source=str(spec.get("price_source", "")),
        )

    def apply(self, baseline: Baseline, shocks: ShockBuilder) -> None:
        n, i = baseline.region_index(self.buyer), baseline.region_index(self.seller)
        mask = np.zeros(baseline.flows.shape, dtype=bool)
        mask[n, i, sector_indices(baseline, self.sectors)] = True
        label = f"{self.buyer} buys {self.sectors} from {self.seller}"
        shocks.constraints.append(FlowConstraint(mask, self.target_usd_mn, "floor", label))
