"""Export controls: an export-tax equivalent, an outright ban, or a quantity cap.

The exporter levies the wedge (docs/model.md, section 5.2): revenue or licence rents accrue to it.
A ban is the limit of an infinite tax (the flows vanish exactly); a cap is a quantity
constraint on the total of the controlled flows, met by an endogenous export-tax equivalent
that is zero when the cap does not bind (:class:`~tradetalks.model.shocks.FlowConstraint`;
docs/model.md, section 5.3).
China's 2025 rare-earth controls and the US (and allied) chip controls are both expressed
with this lever: ``exporter = "CHN", products = ["rare-earth-magnets"]``; ``exporters =
["USA", "JPN", "KOR", "TWN", "EU27"], products = ["semiconductors", "chip-tools"],
destinations = ["CHN"]``.

Reach (docs/model.md, eq. 5.11; the US foreign direct product rule): ``reach`` extends a tax or a
ban to the same products sold to the same destinations by every other exporter, for the share
``phi`` of their sales that embodies the controlling countries' technology. In the Eaton-Kortum
model that is a share ``phi`` of the exporter's varieties: they pay the control (a ban removes
them), the rest trade freely, so the cell's trade share ``A`` becomes
``A ((1 - phi) + phi (1 + e)^-theta)``, an iceberg change
``d_hat = ((1 - phi) + phi (1 + e)^-theta)^(-1/theta)`` (``(1 - phi)^(-1/theta)`` for a ban). The
third country's exporters are not the ones levying the control, so no revenue or rent accrues.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from tradetalks.baseline import Baseline
from tradetalks.errors import ScenarioError
from tradetalks.levers.builder import ShockBuilder
from tradetalks.levers.common import as_tuple, check_keys, flow_mask, region_indices
from tradetalks.levers.common import label as names
from tradetalks.model.shocks import FlowConstraint

MODES = ("tax", "ban", "cap")


@dataclass(frozen=True)
class ExportControl:
    """Controls by ``exporters`` on ``sectors`` (codes or product names) sold to ``destinations``.

    Parameters
    ----------
    exporters : tuple of str
        Regions imposing the control.
    sectors : tuple of str or str
        Sector codes or product names (a product must be split out in the baseline).
    destinations : tuple of str or "others"
        Importing regions affected (``others``: everyone but the exporter).
    mode : {"tax", "ban", "cap"}
    tax_pct : float, optional
        Export-tax equivalent in percent (``mode="tax"``), added to any existing one.
    cap_share : float, optional
        ``mode="cap"``: the controlled flows' total may not exceed this share (0 < share) of
        their baseline value.
    cap_value : float, optional
        ``mode="cap"``: the cap in the baseline's units (USD million), > 0.
    reach : float or mapping of region to float
        Share ``phi`` in [0, 1] of other exporters' sales of the products to the destinations that
        the control also binds (a number for every other exporter, or one per exporter; absent
        exporters: 0). Taxes and bans only.
    reach_source : str
        Where the reach comes from (reported with the result).
    """

    exporters: tuple[str, ...]
    sectors: tuple[str, ...] | str
    destinations: tuple[str, ...] | str = "others"
    mode: str = "tax"
    tax_pct: float | None = None
    cap_share: float | None = None
    cap_value: float | None = None
    reach: float | Mapping[str, float] = 0.0
    reach_source: str = ""

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ScenarioError(f"export_control lever: mode={self.mode!r}; allowed: {', '.join(MODES)}")
        given = {k for k in ("tax_pct", "cap_share", "cap_value") if getattr(self, k) is not None}
        needed = {"tax": {"tax_pct"}, "ban": set(), "cap": {"cap_share", "cap_value"}}[self.mode]
        if self.mode == "cap" and len(given) != 1:
            raise ScenarioError("export_control lever: mode 'cap' needs exactly one of cap_share, cap_value")
        if not given <= needed or (self.mode == "tax" and not given):
            takes = sorted(needed) or "no amount"
            raise ScenarioError(
                f"export_control lever: mode {self.mode!r} takes {takes}, got {sorted(given)}"
            )
        if self.tax_pct is not None and not (np.isfinite(self.tax_pct) and self.tax_pct >= 0):
            raise ScenarioError(f"export_control lever: tax_pct must be >= 0, got {self.tax_pct}")
        values = self.reach.values() if isinstance(self.reach, Mapping) else [self.reach]
        if not all(isinstance(v, int | float) and 0.0 <= float(v) <= 1.0 for v in values):
            raise ScenarioError(f"export_control lever: reach must be in [0, 1], got {self.reach!r}")
        if self.mode == "cap" and any(float(v) > 0 for v in values):
            raise ScenarioError("export_control lever: reach applies to modes 'tax' and 'ban', not 'cap'")
        for name in ("cap_share", "cap_value"):
            v = getattr(self, name)
            if v is not None and not (np.isfinite(v) and v > 0):
                raise ScenarioError(
                    f"export_control lever: {name} must be > 0 (a cap of zero is mode 'ban'), got {v}"
                )

    @classmethod
    def from_mapping(cls, spec: Mapping[str, Any]) -> ExportControl:
        allowed = {"exporter", "exporters", "sectors", "products", "destinations", "mode"}
        allowed |= {"tax_pct", "cap_share", "cap_value", "reach", "reach_source"}
        check_keys(spec, allowed, {"mode"}, "export_control")
        exp = spec.get("exporters", spec.get("exporter"))
        if exp is None:
            raise ScenarioError("export_control lever: missing key 'exporter' (or 'exporters')")
        what = spec.get("products", spec.get("sectors"))
        if what is None:
            raise ScenarioError("export_control lever: missing key 'products' (or 'sectors')")
        exporters = as_tuple(exp, "exporters", "export_control")
        return cls(
            exporters=(exporters,) if isinstance(exporters, str) else exporters,
            sectors=as_tuple(what, "products", "export_control"),
            destinations=as_tuple(spec.get("destinations", "others"), "destinations", "export_control"),
            mode=str(spec["mode"]),
            tax_pct=_opt_float(spec, "tax_pct"),
            cap_share=_opt_float(spec, "cap_share"),
            cap_value=_opt_float(spec, "cap_value"),
            reach=_reach(spec.get("reach", 0.0)),
            reach_source=str(spec.get("reach_source", "")),
        )

    def cells(self, baseline: Baseline) -> np.ndarray:
        """Boolean ``[importer, exporter, sector]`` mask of the controlled flows."""
        return flow_mask(baseline, self.destinations, self.exporters, self.sectors)

    def reach_of(self, baseline: Baseline) -> np.ndarray:
        """``phi[i]`` of every exporter ``i`` of the baseline (0 for the controlling ones)."""
        if isinstance(self.reach, Mapping):
            phi = np.zeros(baseline.n_regions)
            for code, v in self.reach.items():
                phi[region_indices(baseline, (code,))] = float(v)
        else:
            phi = np.full(baseline.n_regions, float(self.reach))
        phi[region_indices(baseline, self.exporters)] = 0.0
        return phi

    def apply(self, baseline: Baseline, shocks: ShockBuilder) -> None:
        mask = self.cells(baseline)
        if self.mode == "cap":
            base = float(baseline.flows[mask].sum())
            target = self.cap_value if self.cap_value is not None else (self.cap_share or 0.0) * base
            label = f"cap on {names(self.exporters)} exports of {names(self.sectors)}"
            shocks.constraints.append(FlowConstraint(mask, float(target), "cap", label))
            return
        tax = np.inf if self.mode == "ban" else (self.tax_pct or 0.0) / 100.0
        if self.mode == "ban":
            shocks.export_taxes[mask] = np.inf
        else:
            shocks.export_taxes[mask] += tax
        phi = self.reach_of(baseline)
        if not phi.any():
            return
        # the same products to the same destinations from everyone else, for the share phi (eq. 5.11)
        others = flow_mask(baseline, self.destinations, "all", self.sectors) & ~mask
        n_idx, i_idx, j_idx = np.nonzero(others)
        theta = baseline.theta[j_idx]
        kept = 1.0 - phi[i_idx] + phi[i_idx] * (1.0 + tax) ** (-theta)
        with np.errstate(divide="ignore"):
            d_hat = np.where(kept > 0, kept ** (-1.0 / theta), np.inf)
        shocks.iceberg_hat[n_idx, i_idx, j_idx] *= d_hat


def _reach(value: Any) -> float | dict[str, float]:
    if isinstance(value, Mapping):
        try:
            return {str(k): float(v) for k, v in value.items()}
        except (TypeError, ValueError):
            raise ScenarioError(
                f"export_control lever: reach values must be numbers, got {value!r}"
            ) from None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ScenarioError(
            f"export_control lever: reach must be a number or a table of region = share, got {value!r}"
        ) from None


def _opt_float(spec: Mapping[str, Any], key: str) -> float | None:
    v = spec.get(key)
    if v is None:
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        raise ScenarioError(f"lever key {key!r} must be a number, got {v!r}") from None
