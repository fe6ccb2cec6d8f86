"""Counterfactual shocks: the wedge arrays every lever compiles to.

A :class:`Shocks` holds *new levels* of policy wedges on a baseline's axes
(``[importer n, exporter i, sector j]``): tariffs ``t'`` (so ``tau' = 1 + t'``), export taxes
``e'`` (set by the exporter; the tax equivalent of a licence regime or quota; ``inf`` is a ban),
iceberg-cost changes ``d_hat`` and, optionally, new trade deficits ``D'``. Anything left ``None``
stays at its baseline value. The solver sees only these arrays (Caliendo and Parro 2015, eq. 5:
``kappa_hat = tau_hat * (1 + e)_hat * d_hat``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tradetalks.baseline import Baseline
from tradetalks.errors import ShockError

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Shocks:
    """New policy levels for a counterfactual.

    Parameters
    ----------
    tariffs : ndarray (N, N, J), optional
        New ad-valorem tariffs ``t'[n, i, j] > -1`` (``inf`` = prohibitive); diagonal must be 0.
    export_taxes : ndarray (N, N, J), optional
        New export-tax equivalents ``e'[n, i, j] >= 0`` levied by exporter ``i`` on sales to ``n``;
        revenue (or licence rents) accrue to ``i``. ``inf`` is an outright ban. Diagonal must be 0.
    iceberg_hat : ndarray (N, N, J), optional
        Proportional change in iceberg trade costs ``d_hat > 0`` (``inf`` closes the route).
    deficits : ndarray (N,), optional
        New trade deficits ``D'`` in the units of the baseline flows (numeraire: world value added).
    label : str
        Free-text description carried into results.
    """

    tariffs: FloatArray | None = None
    export_taxes: FloatArray | None = None
    iceberg_hat: FloatArray | None = None
    deficits: FloatArray | None = None
    label: str = ""

    def __post_init__(self) -> None:
        for attr in ("tariffs", "export_taxes", "iceberg_hat", "deficits"):
            val = getattr(self, attr)
            if val is not None:
                arr = np.array(val, dtype=np.float64)
                arr.setflags(write=False)
                object.__setattr__(self, attr, arr)

    @property
    def is_empty(self) -> bool:
        return all(getattr(self, a) is None for a in ("tariffs", "export_taxes", "iceberg_hat", "deficits"))

    def validate(self, baseline: Baseline) -> None:
        """Raise :class:`ShockError` naming the field if the shocks do not fit ``baseline``."""
        n, j = baseline.n_regions, baseline.n_sectors
        idx = np.arange(n)
        for attr, lower, lower_ok in (("tariffs", -1.0, False), ("export_taxes", 0.0, True)):
            arr = getattr(self, attr)
            if arr is None:
                continue
            _check_shape(attr, arr, (n, n, j))
            if np.isnan(arr).any():
                raise ShockError(f"shock field {attr!r} contains NaN")
            bad = arr < lower if lower_ok else arr <= lower
            if bad.any():
                where = _first(baseline, bad)
                rule = f">= {lower}" if lower_ok else f"> {lower} (tariff factor 1 + t must be positive)"
                raise ShockError(f"shock field {attr!r} must be {rule}; offending entry at {where}")
            if np.any(arr[idx, idx, :] != 0):
                raise ShockError(f"shock field {attr!r} must be 0 on the diagonal (a region's home sales)")
        if self.iceberg_hat is not None:
            _check_shape("iceberg_hat", self.iceberg_hat, (n, n, j))
            if np.isnan(self.iceberg_hat).any() or (self.iceberg_hat <= 0).any():
                raise ShockError("shock field 'iceberg_hat' must be positive (inf closes a route), no NaN")
            if np.any(~np.isfinite(self.iceberg_hat[idx, idx, :])):
                raise ShockError("shock field 'iceberg_hat' must be finite on the diagonal (home sales)")
        if self.deficits is not None:
            _check_shape("deficits", self.deficits, (n,))
            if not np.all(np.isfinite(self.deficits)):
                raise ShockError("shock field 'deficits' must be finite")

    def tariff_levels(self, baseline: Baseline) -> FloatArray:
        return baseline.tariffs if self.tariffs is None else self.tariffs

    def export_tax_levels(self, baseline: Baseline) -> FloatArray:
        return np.zeros_like(baseline.flows) if self.export_taxes is None else self.export_taxes

    def deficit_levels(self, baseline: Baseline) -> FloatArray:
        return baseline.deficit if self.deficits is None else self.deficits


def _check_shape(attr: str, arr: FloatArray, shape: tuple[int, ...]) -> None:
    if arr.shape != shape:
        raise ShockError(f"shock field {attr!r} has shape {arr.shape}, expected {shape}")


def _first(baseline: Baseline, mask: NDArray[np.bool_]) -> str:
    n, i, j = (int(x) for x in np.argwhere(mask)[0])
    return f"importer={baseline.regions[n]}, exporter={baseline.regions[i]}, sector={baseline.sectors[j]}"
