"""Chokepoint inputs: a CES nest with elasticity sigma < 1 for a named critical input.

Cobb-Douglas inputs understate what a ban on a low-cost-share input does (docs/model.md, section 5.4);
with ``sigma < 1`` the users' cost rises steeply as the input's price climbs, and its cost
share moves. ``sigma = 1`` reproduces the Cobb-Douglas results exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from tradetalks.baseline import Baseline
from tradetalks.errors import ScenarioError
from tradetalks.levers.builder import ShockBuilder
from tradetalks.levers.common import as_tuple, check_keys, region_indices, sector_indices
from tradetalks.model.shocks import CriticalInput

#: Users of rare-earth magnets: electronics, electrical equipment, machinery, motor vehicles and
#: other transport (the sectors of the sourced use shares in tradetalks.data.products).
MAGNET_USERS = ("C26", "C27", "C28", "C29", "C302T309")


@dataclass(frozen=True)
class CriticalInputNest:
    """Nest ``input`` (a sector code or product) with elasticity ``sigma`` in ``users`` of ``regions``."""

    input: str
    users: tuple[str, ...] | str
    sigma: float
    regions: tuple[str, ...] | str = "all"

    def __post_init__(self) -> None:
        if not (np.isfinite(self.sigma) and self.sigma > 0):
            raise ScenarioError(f"critical_input lever: sigma must be > 0, got {self.sigma}")

    @classmethod
    def from_mapping(cls, spec: Mapping[str, Any]) -> CriticalInputNest:
        check_keys(spec, {"input", "users", "sigma", "regions"}, {"input", "sigma"}, "critical_input")
        try:
            sigma = float(spec["sigma"])
        except (TypeError, ValueError):
            raise ScenarioError(
                f"critical_input lever: sigma must be a number, got {spec['sigma']!r}"
            ) from None
        return cls(
            input=str(spec["input"]),
            users=as_tuple(spec.get("users", list(MAGNET_USERS)), "users", "critical_input"),
            sigma=sigma,
            regions=as_tuple(spec.get("regions", "all"), "regions", "critical_input"),
        )

    def apply(self, baseline: Baseline, shocks: ShockBuilder) -> None:
        (k,) = sector_indices(baseline, (self.input,))
        users = np.zeros((baseline.n_regions, baseline.n_sectors), dtype=bool)
        cols = [c for c in sector_indices(baseline, self.users) if c != k]
        for n in region_indices(baseline, self.regions):
            users[n, cols] = True
        shocks.critical_inputs.append(
            CriticalInput(k, users, self.sigma, f"{self.input} (sigma={self.sigma})")
        )
