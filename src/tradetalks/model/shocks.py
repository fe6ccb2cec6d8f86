"""Counterfactual shocks: the wedge arrays every lever compiles to.

A :class:`Shocks` holds *new levels* of policy wedges on a baseline's axes
(``[importer n, exporter i, sector j]``): tariffs ``t'`` (so ``tau' = 1 + t'``), export taxes
``e'`` (set by the exporter; the tax equivalent of a licence regime or quota; ``inf`` is a ban),
iceberg-cost changes ``d_hat`` and, optionally, new trade deficits ``D'``. Anything left ``None``
stays at its baseline value. The solver sees only these arrays (Caliendo and Parro 2015, eq. 5:
``kappa_hat = tau_hat * (1 + e)_hat * d_hat``; docs/model.md, section 2.1 and eq. 2.1).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from tradetalks.baseline import Baseline
from tradetalks.errors import ShockError

FloatArray = NDArray[np.float64]


CONSTRAINT_KINDS = ("cap", "floor", "capacity")


@dataclass(frozen=True, eq=False)
class FlowConstraint:
    """A quantity constraint on a group of bilateral flows, met by an endogenous wedge.

    ``cap``: the flows' total value (producer prices) may not exceed ``target``; the wedge is an
    export tax equivalent ``e >= 0`` set by the exporter (licence rents accrue to it), zero when
    the cap does not bind (docs/model.md, section 5.3: a quantity cap is solved for its endogenous
    tax equivalent). ``floor``: the total must reach at least ``target`` (a purchase commitment);
    the wedge is an import subsidy ``s >= 0`` paid out of the buyer's tariff revenue (its
    budget), zero when the commitment is met anyway; or, with ``instrument="preference"``
    (managed trade), a shift ``b >= 1`` of the buyer's demand toward the seller's variety: no
    money changes hands, but the buyer buys dearer than its cheapest mix and its price index,
    measured at its base preferences, rises (docs/model.md, eq. 5.12). ``capacity``: one
    supplier's sales of one sector to all buyers (home sales included) may not exceed its
    baseline quantity times ``m^elasticity``, where ``m >= 1`` is the markup of its price over
    unit cost; the markup is a rent to the supplier (docs/model.md, eq. 5.10): an upward-sloping
    supply curve above the baseline quantity, constant cost below it.

    Parameters
    ----------
    cells : ndarray of bool (N, N, J)
        ``[importer, exporter, sector]`` cells the constraint covers (no home sales).
    target : float
        Value at producer prices, in the baseline's units (for ``capacity``: the baseline value of
        the cells, the capacity at baseline cost).
    kind : {"cap", "floor", "capacity"}
    label : str
    elasticity : float
        Supply elasticity above capacity (``capacity`` only; 0 is a hard capacity limit).
    instrument : {"subsidy", "preference"}
        How a floor is met (``floor`` only).
    """

    cells: NDArray[np.bool_]
    target: float
    kind: Literal["cap", "floor", "capacity"]
    label: str = ""
    elasticity: float = 0.0
    instrument: Literal["subsidy", "preference"] = "subsidy"

    def __post_init__(self) -> None:
        mask = np.array(self.cells, dtype=bool)
        mask.setflags(write=False)
        object.__setattr__(self, "cells", mask)
        if self.kind not in CONSTRAINT_KINDS:
            raise ShockError(f"constraint {self.label!r}: kind={self.kind!r}; allowed: {CONSTRAINT_KINDS}")
        if not np.isfinite(self.target) or self.target < 0:
            raise ShockError(
                f"constraint {self.label!r}: target must be a finite value >= 0, got {self.target}"
            )
        if not (np.isfinite(self.elasticity) and self.elasticity >= 0):
            raise ShockError(f"constraint {self.label!r}: elasticity must be >= 0, got {self.elasticity}")
        if self.instrument not in ("subsidy", "preference"):
            raise ShockError(
                f"constraint {self.label!r}: instrument={self.instrument!r}; allowed: subsidy, preference"
            )
        if self.instrument == "preference" and self.kind != "floor":
            raise ShockError(f"constraint {self.label!r}: instrument 'preference' is for floors only")
        if self.kind == "capacity":
            _, exporters, sectors = np.nonzero(mask)
            if exporters.size and (np.unique(exporters).size > 1 or np.unique(sectors).size > 1):
                raise ShockError(
                    f"capacity constraint {self.label!r} must cover one supplier's sales of one sector"
                )


@dataclass(frozen=True, eq=False)
class CriticalInput:
    """A CES nest for a critical input (a chokepoint) in some region-sectors.

    Unit cost of a user sector becomes (docs/model.md, eqs. 5.6-5.8)
    ``c_hat = ((1 - s) c_cd_hat^(1 - sigma) + s P_hat[k]^(1 - sigma))^(1 / (1 - sigma))``, with ``s``
    the baseline cost share of input ``k`` and ``c_cd`` the Cobb-Douglas composite of value
    added and the other inputs; the share of ``k`` moves as ``s' = s (P_hat[k] / c_hat)^(1 - sigma)``
    and the other shares scale by ``(1 - s') / (1 - s)``. ``sigma = 1`` is Cobb-Douglas.

    Parameters
    ----------
    input_sector : int
        Index of the critical input sector ``k``.
    users : ndarray of bool (N, J)
        Region-sectors that use the nest.
    sigma : float
        Elasticity of substitution between the critical input and the rest, > 0.
    label : str
    """

    input_sector: int
    users: NDArray[np.bool_]
    sigma: float
    label: str = ""

    def __post_init__(self) -> None:
        mask = np.array(self.users, dtype=bool)
        mask.setflags(write=False)
        object.__setattr__(self, "users", mask)
        if not np.isfinite(self.sigma) or self.sigma <= 0:
            raise ShockError(f"critical input {self.label!r}: sigma must be > 0, got {self.sigma}")


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
        New trade deficits ``D'`` in the units of the baseline flows (numeraire: world value added;
        docs/model.md, eq. 2.15).
    constraints : tuple of FlowConstraint
        Quantity caps and purchase floors met by endogenous wedges.
    critical_inputs : tuple of CriticalInput
        CES nests for chokepoint inputs.
    label : str
        Free-text description carried into results.
    """

    tariffs: FloatArray | None = None
    export_taxes: FloatArray | None = None
    iceberg_hat: FloatArray | None = None
    deficits: FloatArray | None = None
    constraints: tuple[FlowConstraint, ...] = ()
    critical_inputs: tuple[CriticalInput, ...] = ()
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
        arrays = ("tariffs", "export_taxes", "iceberg_hat", "deficits")
        return (
            all(getattr(self, a) is None for a in arrays)
            and not self.constraints
            and not self.critical_inputs
        )

    def validate(self, baseline: Baseline, checked: set[int] | None = None) -> None:
        """Raise :class:`ShockError` naming the field if the shocks do not fit ``baseline``.

        ``checked``: the ids of constraint objects already found valid on ``baseline`` (by a call
        over many shocks sharing them); their own checks are skipped, their overlaps are not, and
        the ids of the constraints checked here are added to it.
        """
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
        self._validate_constraints(baseline, checked)
        for ci in self.critical_inputs:
            if not 0 <= ci.input_sector < j:
                raise ShockError(f"critical input {ci.label!r}: input_sector must be in 0..{j - 1}")
            _check_shape(f"critical input {ci.label!r} users", ci.users, (n, j))
        for k, ci in enumerate(self.critical_inputs):
            for other in self.critical_inputs[k + 1 :]:
                if np.any(ci.users & other.users):
                    raise ShockError(
                        f"critical inputs {ci.label!r} and {other.label!r} nest the same user sector; "
                        "one nest per user region-sector"
                    )

    def _validate_constraints(self, baseline: Baseline, checked: set[int] | None = None) -> None:
        n, j = baseline.n_regions, baseline.n_sectors
        idx = np.arange(n)
        taken = np.zeros((n, n, j), dtype=bool)
        spending = baseline.spending
        for c in self.constraints:
            known = checked is not None and id(c) in checked
            if not known:
                _check_shape(f"constraint {c.label!r} cells", c.cells, (n, n, j))
                if not c.cells.any():
                    raise ShockError(f"constraint {c.label!r} covers no flow")
                if c.kind != "capacity" and c.cells[idx, idx, :].any():
                    raise ShockError(
                        f"constraint {c.label!r} covers home sales; only trade flows are allowed"
                    )
            if np.any(taken & c.cells):
                raise ShockError(f"constraint {c.label!r} overlaps another constraint")
            taken |= c.cells
            if known:
                continue
            if c.kind == "floor":
                buyers = c.cells.any(axis=1)  # (importer, sector)
                budget = float(spending[buyers].sum())
                if c.target >= budget:
                    raise ShockError(
                        f"purchase target of {c.label!r} ({c.target:.6g} {baseline.units}) is not below the "
                        f"buyer's whole spending on those sectors ({budget:.6g})"
                    )
                base = float((baseline.flows * c.cells).sum())
                if base <= 0:
                    raise ShockError(
                        f"purchase target of {c.label!r} is on flows that are zero in the baseline"
                    )
            if checked is not None:
                checked.add(id(c))

    def with_tariffs(self, tariffs: FloatArray) -> Shocks:
        """The same shocks with other tariff levels (every other wedge and constraint kept)."""
        return dataclasses.replace(self, tariffs=tariffs)

    def tariff_levels(self, baseline: Baseline) -> FloatArray:
        return baseline.tariffs if self.tariffs is None else self.tariffs

    def export_tax_levels(self, baseline: Baseline) -> FloatArray:
        return np.zeros_like(baseline.flows) if self.export_taxes is None else self.export_taxes

    def deficit_levels(self, baseline: Baseline) -> FloatArray:
        return baseline.deficit if self.deficits is None else self.deficits


def _check_shape(attr: str, arr: NDArray[np.generic], shape: tuple[int, ...]) -> None:
    if arr.shape != shape:
        raise ShockError(f"shock field {attr!r} has shape {arr.shape}, expected {shape}")


def _first(baseline: Baseline, mask: NDArray[np.bool_]) -> str:
    n, i, j = (int(x) for x in np.argwhere(mask)[0])
    return f"importer={baseline.regions[n]}, exporter={baseline.regions[i]}, sector={baseline.sectors[j]}"
