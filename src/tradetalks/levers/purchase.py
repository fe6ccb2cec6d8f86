"""Purchase commitments: "China buys at least 25 Mt of US soybeans a year".

A target on one bilateral (product) flow, met by an endogenous wedge (docs/model.md, section 5.3),
zero if the target is met anyway. Two instruments:

* ``preference`` (the default: managed trade): the state buyer shifts its demand toward the
  seller's variety until the target is met (eq. 5.12). No money changes hands; the buyer pays by
  buying dearer than its cheapest mix (its price index at base preferences rises), and the
  seller's rivals lose the sales;
* ``subsidy``: an import subsidy the buyer's government pays out of its budget (its tariff
  revenue falls by the outlay).

``compliance`` scales the commitment to what is expected to be bought: Phase One (2020-21)
reached about 57 % of its goal (PIIE, Bown). The target is a value at producer prices in the
baseline's units (USD million); a quantity target is converted with a documented unit price.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from tradetalks.baseline import Baseline
from tradetalks.errors import ScenarioError
from tradetalks.levers.builder import ShockBuilder
from tradetalks.levers.common import as_tuple, check_keys, sector_indices
from tradetalks.levers.common import label as names
from tradetalks.levers.export_control import _opt_float
from tradetalks.model.shocks import FlowConstraint

#: How a purchase target is met.
INSTRUMENTS = ("preference", "subsidy")


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
    value_ratio : float, optional
        Target as a multiple of the baseline flow (2.0: "doubles its purchases").
    quantity : float, optional
        Target quantity, with ``unit_price_usd`` (USD per unit) converting it to value.
    unit_price_usd : float, optional
        Documented unit price for ``quantity``; cite it in ``price_source``.
    price_source : str
        Where the unit price comes from.
    instrument : {"preference", "subsidy"}
        How the target is met (module docstring).
    compliance : float
        Share in (0, 1] of the commitment actually bought (the target becomes ``compliance``
        times the committed value); cite it in ``compliance_source``.
    compliance_source : str
    """

    buyer: str
    seller: str
    sectors: tuple[str, ...] | str
    value_usd_mn: float | None = None
    value_ratio: float | None = None
    quantity: float | None = None
    unit_price_usd: float | None = None
    price_source: str = ""
    instrument: str = "preference"
    compliance: float = 1.0
    compliance_source: str = ""

    def __post_init__(self) -> None:
        given = [k for k in ("value_usd_mn", "value_ratio", "quantity") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ScenarioError("purchase lever: give exactly one of value_usd_mn, value_ratio or quantity")
        if self.quantity is not None and self.unit_price_usd is None:
            raise ScenarioError("purchase lever: 'quantity' needs 'unit_price_usd' (and a 'price_source')")
        for name in ("value_usd_mn", "value_ratio", "quantity", "unit_price_usd"):
            v = getattr(self, name)
            if v is not None and not (np.isfinite(v) and v > 0):
                raise ScenarioError(f"purchase lever: {name} must be > 0, got {v}")
        if self.instrument not in INSTRUMENTS:
            raise ScenarioError(
                f"purchase lever: instrument={self.instrument!r}; allowed: {', '.join(INSTRUMENTS)}"
            )
        if not (np.isfinite(self.compliance) and 0.0 < self.compliance <= 1.0):
            raise ScenarioError(f"purchase lever: compliance must be in (0, 1], got {self.compliance}")
        if self.buyer == self.seller:
            raise ScenarioError(f"purchase lever: buyer and seller are the same region {self.buyer!r}")

    def target_usd_mn(self, baseline_flow: float) -> float:
        """The target in USD million, given the baseline value of the covered flows."""
        if self.value_usd_mn is not None:
            return self.value_usd_mn
        if self.value_ratio is not None:
            return self.value_ratio * baseline_flow
        return float(self.quantity or 0.0) * float(self.unit_price_usd or 0.0) / 1e6

    @classmethod
    def from_mapping(cls, spec: Mapping[str, Any]) -> PurchaseCommitment:
        allowed = {"buyer", "seller", "sectors", "products", "value_usd_mn", "value_ratio", "quantity"}
        allowed |= {"unit_price_usd", "price_source", "instrument", "compliance", "compliance_source"}
        check_keys(spec, allowed, {"buyer", "seller"}, "purchase")
        what = spec.get("products", spec.get("sectors"))
        if what is None:
            raise ScenarioError("purchase lever: missing key 'products' (or 'sectors')")
        return cls(
            buyer=str(spec["buyer"]),
            seller=str(spec["seller"]),
            sectors=as_tuple(what, "products", "purchase"),
            value_usd_mn=_opt_float(spec, "value_usd_mn"),
            value_ratio=_opt_float(spec, "value_ratio"),
            quantity=_opt_float(spec, "quantity"),
            unit_price_usd=_opt_float(spec, "unit_price_usd"),
            price_source=str(spec.get("price_source", "")),
            instrument=str(spec.get("instrument", "preference")),
            compliance=_opt_float(spec, "compliance") or 1.0,
            compliance_source=str(spec.get("compliance_source", "")),
        )

    def apply(self, baseline: Baseline, shocks: ShockBuilder) -> None:
        n, i = baseline.region_index(self.buyer), baseline.region_index(self.seller)
        mask = np.zeros(baseline.flows.shape, dtype=bool)
        mask[n, i, sector_indices(baseline, self.sectors)] = True
        label = f"{self.buyer} buys {names(self.sectors)} from {self.seller}"
        if self.compliance < 1.0:
            label += f" ({100 * self.compliance:g} % of the commitment)"
        target = self.compliance * self.target_usd_mn(float(baseline.flows[mask].sum()))
        instrument: Literal["preference", "subsidy"] = (
            "preference" if self.instrument == "preference" else "subsidy"
        )
        shocks.constraints.append(FlowConstraint(mask, target, "floor", label, instrument=instrument))
