"""Tariff levers: add percentage points to, set, cap at an all-in rate, or scale bilateral sector tariffs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradetalks.baseline import Baseline
from tradetalks.errors import DataError, ScenarioError
from tradetalks.levers.builder import ShockBuilder
from tradetalks.levers.common import SECTOR_GROUPS, as_tuple, check_keys, region_indices, sector_indices

#: The ways a tariff lever sets the new rate; a lever gives exactly one (docs/model.md, eq. 5.1).
TARIFF_MODES = ("add_pp", "set_pct", "all_in_pct", "over_mfn_pct", "scale")


#: Where a negative rate is asked for: what an import subsidy is instead.
SUBSIDY_HINT = "; an import subsidy is a purchase lever with instrument = 'subsidy'"


@dataclass(frozen=True)
class TariffChange:
    """A tariff imposed by ``importer`` on goods from ``exporters`` (docs/model.md, eq. 5.1).

    Parameters
    ----------
    importer : str
        Region that levies the tariff.
    exporters : tuple of str
        Regions whose goods are taxed.
    sectors : tuple of str, one code, or "goods" / "all"
        Sector codes, or a group: ``goods`` (every sector but services) or ``all``.
    add_pp : float, optional
        Percentage points added to the rate in force (100 = +100 pp); a cut (negative) stops at a
        zero rate, cell by cell (where less than the cut is in force the duty is removed).
    set_pct : float, optional
        New rate in percent (>= 0), replacing the rate in force.
    all_in_pct : float, optional
        An all-in rate in percent, inclusive of MFN, that replaces every added duty (a deal that
        ends stacking, as the US-Japan deal of 2025): the rate becomes ``max(all_in_pct, mfn)``,
        where ``mfn`` is the baseline's own applied rate before the dated layers
        (:func:`mfn_rates`); lines already at or above ``all_in_pct`` pay their MFN rate only.
    over_mfn_pct : float, optional
        An additional duty in percent on top of MFN that replaces every other added duty: the rate
        becomes ``mfn + over_mfn_pct`` (a reciprocal rate "plus MFN", as in the 2025 agreements
        with Malaysia and Cambodia).
    scale : float, optional
        Factor multiplying the rate in force (``0.1``: nine tenths of the tariff removed, as for a
        free-trade agreement at its end point); ``>= 0``.

    Exactly one of ``add_pp``, ``set_pct``, ``all_in_pct``, ``over_mfn_pct`` and ``scale``.
    """

    importer: str
    exporters: tuple[str, ...]
    sectors: tuple[str, ...] | str = "goods"
    add_pp: float | None = None
    set_pct: float | None = None
    all_in_pct: float | None = None
    over_mfn_pct: float | None = None
    scale: float | None = None

    def __post_init__(self) -> None:
        given = [m for m in TARIFF_MODES if getattr(self, m) is not None]
        if len(given) != 1:
            raise ScenarioError(
                f"tariff lever: give exactly one of {', '.join(repr(m) for m in TARIFF_MODES)}; got "
                f"{given or 'none'}"
            )
        (mode,) = given
        v = float(getattr(self, mode))
        if not np.isfinite(v):
            raise ScenarioError(f"tariff lever: {mode!r} must be a finite number, got {v!r}")
        if mode in ("set_pct", "all_in_pct", "over_mfn_pct", "scale") and v < 0:
            raise ScenarioError(
                f"tariff lever: {mode!r} must be >= 0, got {v}"
                + (
                    ""
                    if mode == "scale"
                    else "; an import subsidy is a purchase lever with instrument = 'subsidy'"
                )
            )
        if isinstance(self.sectors, str) and self.sectors not in SECTOR_GROUPS:
            # one sector code or product name, as the schema allows (``sectors = "C26"``)
            object.__setattr__(self, "sectors", (self.sectors,))

    @property
    def mode(self) -> str:
        """The one of :data:`TARIFF_MODES` this lever gives."""
        return next(m for m in TARIFF_MODES if getattr(self, m) is not None)

    @classmethod
    def from_mapping(cls, spec: Mapping[str, Any]) -> TariffChange:
        """Build from a scenario-file table (keys ``importer``, ``exporter(s)``, ``sectors`` and one
        of :data:`TARIFF_MODES`)."""
        allowed = {"importer", "exporter", "exporters", "sectors", *TARIFF_MODES}
        check_keys(spec, allowed, {"importer"}, "tariff")
        exp = spec.get("exporters", spec.get("exporter"))
        if exp is None:
            raise ScenarioError("tariff lever: missing key 'exporter' (or 'exporters')")
        exporters = as_tuple(exp, "exporters", "tariff")
        values: dict[str, float | None] = {}
        for mode in TARIFF_MODES:
            raw = spec.get(mode)
            if raw is not None and (isinstance(raw, bool) or not isinstance(raw, int | float)):
                raise ScenarioError(f"tariff lever: {mode!r} must be a number, got {raw!r}")
            values[mode] = None if raw is None else float(raw)
        return cls(
            importer=str(spec["importer"]),
            exporters=(exporters,) if isinstance(exporters, str) else exporters,
            sectors=as_tuple(spec.get("sectors", "goods"), "sectors", "tariff"),
            **values,
        )

    def apply(self, baseline: Baseline, shocks: ShockBuilder) -> None:
        """Write this change into the tariff array of ``shocks`` (docs/model.md, eq. 5.1)."""
        tariffs = shocks.tariffs
        n = baseline.region_index(self.importer)
        cols = sector_indices(baseline, self.sectors)
        mode = self.mode
        value = float(getattr(self, mode))
        mfn = mfn_rates(baseline) if mode in ("all_in_pct", "over_mfn_pct") else None
        for i in region_indices(baseline, self.exporters, n):
            if i == n:
                raise ScenarioError(
                    f"tariff lever: importer and exporter are the same region {self.importer!r}"
                )
            if mode == "add_pp" and value < 0:
                # a cut stops at a zero rate, cell by cell: it never turns a duty into a subsidy
                now = tariffs[n, i, cols]
                tariffs[n, i, cols] = np.maximum(now + value / 100.0, np.minimum(now, 0.0))
            elif mode == "add_pp":
                tariffs[n, i, cols] += value / 100.0
            elif mode == "set_pct":
                tariffs[n, i, cols] = value / 100.0
            elif mode == "scale":
                tariffs[n, i, cols] *= value
            elif mode == "all_in_pct":
                assert mfn is not None
                tariffs[n, i, cols] = np.maximum(value / 100.0, mfn[n, i, cols])
            else:
                assert mfn is not None
                tariffs[n, i, cols] = mfn[n, i, cols] + value / 100.0
            if np.any(tariffs[n, i, cols] <= -1.0):
                exp = baseline.regions[i]
                raise ScenarioError(
                    f"tariff lever: rate on {exp}->{self.importer} would fall to -100 % or below"
                )


def mfn_rates(baseline: Baseline) -> NDArray[np.float64]:
    """The baseline's own applied tariffs before the dated layers (``[importer, exporter, sector]``).

    An undated baseline's tariffs are the data year's applied (MFN and preferential) rates and are
    returned as they are. A dated baseline (:func:`tradetalks.calibration.dated_baseline`) holds
    those rates plus the layers in force on its date (Section 301, Section 232, IEEPA,
    retaliation: :mod:`tradetalks.data.tariffs.dated`); the layers of that date are recomputed on
    the baseline's axes and subtracted, which gives the ``mfn`` layer back exactly.
    """
    dated = baseline.meta.get("dated")
    date = dated.get("date") if isinstance(dated, Mapping) else None
    if not date:
        return np.array(baseline.tariffs, dtype=np.float64)
    from tradetalks.data.tariffs.dated import layers_on_axes

    try:
        added = layers_on_axes(baseline, str(date))
    except DataError as exc:
        raise ScenarioError(f"tariff lever: the MFN rates of {baseline.name!r}: {exc}") from None
    out = np.array(baseline.tariffs, dtype=np.float64)
    for layer in added.values():
        out -= layer
    # what remains is the ICIO applied tariff; rounding of the subtraction is below 1e-15
    return np.maximum(out, 0.0)
