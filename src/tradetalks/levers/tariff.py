"""Tariff levers: add percentage points to, or set, bilateral sector tariffs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tradetalks.baseline import Baseline
from tradetalks.errors import ScenarioError
from tradetalks.model.shocks import Shocks

SECTOR_GROUPS = ("all", "goods")


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
        allowed = {"type", "importer", "exporter", "exporters", "sectors", "add_pp", "set_pct"}
        unknown = set(spec) - allowed
        if unknown:
            raise ScenarioError(f"tariff lever: unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}")
        if "importer" not in spec:
            raise ScenarioError("tariff lever: missing key 'importer'")
        exp = spec.get("exporters", spec.get("exporter"))
        if exp is None:
            raise ScenarioError("tariff lever: missing key 'exporter' (or 'exporters')")
        exporters = (exp,) if isinstance(exp, str) else tuple(exp)
        sectors = spec.get("sectors", "goods")
        return cls(
            importer=str(spec["importer"]),
            exporters=tuple(str(e) for e in exporters),
            sectors=sectors if isinstance(sectors, str) else tuple(str(s) for s in sectors),
            add_pp=None if spec.get("add_pp") is None else float(spec["add_pp"]),
            set_pct=None if spec.get("set_pct") is None else float(spec["set_pct"]),
        )

    def sector_indices(self, baseline: Baseline) -> list[int]:
        if self.sectors == "all":
            return list(range(baseline.n_sectors))
        if self.sectors == "goods":
            return [baseline.sector_index(s) for s in baseline.goods_sectors()]
        return [baseline.sector_index(s) for s in self.sectors]

    def apply(self, baseline: Baseline, tariffs: np.ndarray) -> None:
        """Write this change into a tariff array (in place, on a private copy)."""
        n = baseline.region_index(self.importer)
        cols = self.sector_indices(baseline)
        for e in self.exporters:
            i = baseline.region_index(e)
            if i == n:
                raise ScenarioError(f"tariff lever: importer and exporter are the same region {e!r}")
            if self.add_pp is not None:
                tariffs[n, i, cols] += self.add_pp / 100.0
            else:
                tariffs[n, i, cols] = (self.set_pct or 0.0) / 100.0
            if np.any(tariffs[n, i, cols] <= -1.0):
                raise ScenarioError(
                    f"tariff lever: rate on {e}->{self.importer} would fall to -100 % or below"
                )


def compile_levers(baseline: Baseline, levers: Sequence[TariffChange], label: str = "") -> Shocks:
    """Compile levers, in order, into :class:`Shocks` on the baseline's axes."""
    tariffs = np.array(baseline.tariffs, dtype=np.float64)
    for lever in levers:
        lever.apply(baseline, tariffs)
    return Shocks(tariffs=tariffs, label=label)
