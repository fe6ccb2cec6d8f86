"""The tariffs of another date: move the dated layers of the schedule from the baseline's date to another.

``t'[n, i, j] = t[n, i, j] - L(d0)[n, i, j] + L(d1)[n, i, j]`` for the chosen importers, where
``L(d)`` is the sum of the schedule's dated layers in force on ``d``
(:mod:`tradetalks.data.tariffs.dated`), ``d0`` the baseline's tariff date (no layers for an undated
baseline, whose tariffs are the data year's applied rates) and ``d1`` the lever's date. On a
baseline dated 2024-07-01, ``date = "2025-11-10"`` is what the 2025 tariffs did; on the pre-summit
baseline, ``date = "2025-11-10"`` is what the Kuala Lumpur and Busan outcome changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from tradetalks.baseline import Baseline
from tradetalks.data.tariffs.dated import PRESETS, layers_on_axes, resolve_date
from tradetalks.errors import DataError, ScenarioError
from tradetalks.levers.builder import ShockBuilder
from tradetalks.levers.common import as_tuple, check_keys, region_indices


@dataclass(frozen=True)
class DatedTariffs:
    """The schedule's tariffs of ``date`` in place of the baseline's date's.

    Parameters
    ----------
    date : str
        ``YYYY-MM-DD`` from 2018-01-01 to 2026-12-31 or a preset (``geneva-2025``, ...).
    importers : tuple of str, optional
        Importers whose tariffs move (default: every importer; only the US and China have dated
        layers).
    exporters : tuple of str, optional
        Only the tariffs on goods from these exporters move (default: every exporter); with
        ``importers = ("USA", "CHN")`` and ``exporters = ("CHN", "USA")`` the two return to the
        tariffs of ``date`` on each other only.
    """

    date: str
    importers: tuple[str, ...] | None = None
    exporters: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.date in PRESETS.values():  # a preset's own date (pre-war-2017 is 2017-12-31)
            return
        try:
            iso, _ = resolve_date(self.date)
        except DataError as exc:
            raise ScenarioError(f"tariffs_of_date lever: 'date': {exc}") from None
        object.__setattr__(self, "date", iso)

    @classmethod
    def from_mapping(cls, spec: Mapping[str, Any]) -> DatedTariffs:
        """Build from a scenario-file table (keys ``date``, optional ``importers`` and ``exporters``)."""
        check_keys(spec, {"date", "importers", "exporters"}, {"date"}, "tariffs_of_date")
        out: dict[str, tuple[str, ...] | None] = {}
        for key in ("importers", "exporters"):
            raw = spec.get(key)
            value = None if raw is None else as_tuple(raw, key, "tariffs_of_date")
            out[key] = (value,) if isinstance(value, str) else value
        return cls(date=str(spec["date"]), **out)

    def apply(self, baseline: Baseline, shocks: ShockBuilder) -> None:
        """Replace the layers of the baseline's date with those of :attr:`date` (module docstring)."""
        dated = baseline.meta.get("dated")
        d0 = dated.get("date") if isinstance(dated, Mapping) else None
        try:
            new = layers_on_axes(baseline, self.date)
            old = layers_on_axes(baseline, str(d0)) if d0 else None
        except DataError as exc:
            raise ScenarioError(f"tariffs_of_date lever: {exc}") from None
        change = sum(new.values(), np.zeros(baseline.flows.shape))
        if old is not None:
            change = change - sum(old.values(), np.zeros(baseline.flows.shape))
        try:
            rows = (
                list(range(baseline.n_regions))
                if self.importers is None
                else [baseline.region_index(r) for r in self.importers]
            )
        except DataError as exc:
            raise ScenarioError(f"tariffs_of_date lever: 'importers': {exc}") from None
        try:
            cols = (
                list(range(baseline.n_regions))
                if self.exporters is None
                else region_indices(baseline, self.exporters)
            )
        except DataError as exc:
            raise ScenarioError(f"tariffs_of_date lever: 'exporters': {exc}") from None
        for n in rows:
            shocks.tariffs[n, cols] += change[n, cols]
        if np.any(shocks.tariffs <= -1.0):
            raise ScenarioError(
                f"tariffs_of_date lever: a tariff would fall to -100 % or below on {self.date}"
            )
