"""Tariff levers: add percentage points to, or set, bilateral sector tariffs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from tradetalks.baseline import Baseline
from tradetalks.errors import ScenarioError
from tradetalks.levers.builder import ShockBuilder
from tradetalks.levers.common import SECTOR_GROUPS, as_tuple, check_keys, region_indices, sector_indices


@dataclass(frozen=True)
class TariffChange:
    """A tariff imposed by ``importer`` on goods from ``exporters``.

    Parameters
    ----------
    importer : str
        Region that levies the tariff.
    exporters : tuple of str
        Regions whose goods are taxed.
    sectors : tuple of str or "goods" / "all"
        Sector codes, or a group: ``goods`` (every sector but services) or ``all``.
    add_pp : float, optional
        Percentage points added to the applied rate (100 = +100 pp).
    set_pct : float, optional
        New rate in percent, replacing the applied one. Exactly one of ``add_pp``/``set_pct``.
    """

    importer: str
    exporters: tuple[str, ...]
    sectors: tuple[str, ...] | str = "goods"
    add_pp: float | None = None
    set_pct: float | None = None

    def __post_init__(self) -> None:
        if (self.add_pp is None) == (self.set_pct is None):
            raise ScenarioError("tariff lever: give exactly one of 'add_pp' or 'set_pct'")
        for name in ("add_pp", "set_pct"):
            v = getattr(self, name)
            if v is not None and not np.isfinite(v):
                raise ScenarioError(f"tariff lever: {name!r} must be a finite number, got {v!r}")
        if self.set_pct is not None and self.set_pct <= -100:
            raise ScenarioError(f"tariff lever: 'set_pct' must be > -100, got {self.set_pct}")
        if isinstance(self.sectors, str) and self.sectors not in SECTOR_GROUPS:
            raise ScenarioError(
                f"tariff lever: 'sectors' must be a list of sector codes or one of {SECTOR_GROUPS}"
            )

    @classmethod
    def from_mapping(cls, spec: Mapping[str, Any]) -> TariffChange:
        """Build from a scenario-file table (keys ``importer``, ``exporter(s)``, ``sectors``, ...)."""
        allowed = {"importer", "exporter", "exporters", "sectors", "add_pp", "set_pct"}
        check_keys(spec, allowed, {"importer"}, "tariff")
        exp = spec.get("exporters", spec.get("exporter"))
        if exp is None:
            raise ScenarioError("tariff lever: missing key 'exporter' (or 'exporters')")
        exporters = as_tuple(exp, "exporters", "tariff")
        return cls(
            importer=str(spec["importer"]),
            exporters=(exporters,) if isinstance(exporters, str) else exporters,
            sectors=as_tuple(spec.get("sectors", "goods"), "sectors", "tariff"),
            add_pp=None if spec.get("add_pp") is None else float(spec["add_pp"]),
            set_pct=None if spec.get("set_pct") is None else float(spec["set_pct"]),
        )

    def apply(self, baseline: Baseline, shocks: ShockBuilder) -> None:
        """Write this change into the tariff array of ``shocks``."""
        tariffs = shocks.tariffs
        n = baseline.region_index(self.importer)
        cols = sector_indices(baseline, self.sectors)
        for i in region_indices(baseline, self.exporters, n):
            if i == n:
                raise ScenarioError(
                    f"tariff lever: importer and exporter are the same region {self.importer!r}"
                )
            if self.add_pp is not None:
                tariffs[n, i, cols] += self.add_pp / 100.0
            else:
                tariffs[n, i, cols] = (self.set_pct or 0.0) / 100.0
            if np.any(tariffs[n, i, cols] <= -1.0):
                exp = baseline.regions[i]
                raise ScenarioError(
                    f"tariff lever: rate on {exp}->{self.importer} would fall to -100 % or below"
                )
