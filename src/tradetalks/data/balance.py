"""Make final demand non-negative by a capped RAS adjustment of the input-output shares.

Putting input-output shares from one source (ADB MRIO) onto trade flows from another (OECD
ICIO) leaves some cells where intermediate demand for a sector exceeds the economy's total
spending on it, i.e. final demand ``F[n, j] = X[n, j] - sum_k io[n, j, k] Y[n, k]`` is negative.

For each economy ``n`` independently, let ``A[k, j] = io[n, k, j] Y[n, j]`` be the value of
input ``k`` used by sector ``j``. The adjustment finds ``A' = diag(u) A diag(v)`` that

* keeps every column total ``sum_k A'[k, j] = (1 - va[n, j]) Y[n, j]`` (so value-added shares,
  value added and each sector's total input cost are unchanged),
* caps every row total: ``sum_j A'[k, j] <= (1 - floor) X[n, k]`` (so ``F >= floor * X``),
* and among such matrices is closest to ``A`` in the Kullback-Leibler sense (the RAS
  criterion: it moves as little input value as the constraints allow, proportionally, and
  never creates an input link that the source does not have).

It is solved by dual coordinate ascent: row factors ``u = min(1, cap / row total)`` (only rows
over their cap are scaled down; rows that are not binding keep ``u = 1``) alternate with column
factors ``v`` that restore the column totals (Bregman 1967; the inequality-constrained RAS of
e.g. Lahr and de Mesnard 2004, Economic Systems Research 16(2)). Economies that already satisfy
every cap are left untouched, so the step is the identity on consistent data.

Cells with zero gross output carry no input value; their shares get the same row factors and
are rescaled to the unchanged column total, so that their technology stays consistent with the
rest of the economy (they do not enter any identity).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradetalks.errors import DataError

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]

#: Final demand kept in every adjusted cell, as a share of the economy's spending on the sector.
DEFAULT_FLOOR = 1e-6


@dataclass(frozen=True)
class RegionAdjustment:
    """How much one economy's input-output shares moved."""

    region: str
    negative_cells: int
    negative_final_demand: float
    rows_capped: tuple[str, ...]
    cells_touched: int
    value_moved: float
    intermediate_value: float
    max_relative_change: float
    iterations: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "negative_cells_before": self.negative_cells,
            "negative_final_demand_before": round(self.negative_final_demand, 3),
            "rows_capped": list(self.rows_capped),
            "cells_touched": self.cells_touched,
            "value_moved": round(self.value_moved, 3),
            "share_of_intermediate_value_moved": round(self.value_moved / self.intermediate_value, 6)
            if self.intermediate_value > 0
            else 0.0,
            "max_relative_change": round(self.max_relative_change, 6),
            "iterations": self.iterations,
        }


@dataclass(frozen=True)
class BalanceReport:
    """Adjustment sizes of :func:`balance_io`, by economy and in total (USD million)."""

    floor: float
    regions: tuple[RegionAdjustment, ...] = field(default_factory=tuple)
    intermediate_value: float = 0.0
    world_final_demand: float = 0.0

    @property
    def negative_cells(self) -> int:
        return sum(r.negative_cells for r in self.regions)

    @property
    def negative_final_demand(self) -> float:
        return sum(r.negative_final_demand for r in self.regions)

    @property
    def cells_touched(self) -> int:
        return sum(r.cells_touched for r in self.regions)

    @property
    def value_moved(self) -> float:
        return sum(r.value_moved for r in self.regions)

    @property
    def max_relative_change(self) -> float:
        return max((r.max_relative_change for r in self.regions), default=0.0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": "capped RAS on input-output shares (value-added shares kept)",
            "floor": self.floor,
            "regions_adjusted": len(self.regions),
            "negative_cells_before": self.negative_cells,
            "negative_final_demand_before": round(self.negative_final_demand, 3),
            "negative_share_of_world_final_demand": round(
                -self.negative_final_demand / self.world_final_demand, 6
            )
            if self.world_final_demand > 0
            else 0.0,
            "cells_touched": self.cells_touched,
            "value_moved": round(self.value_moved, 3),
            "share_of_intermediate_value_moved": round(self.value_moved / self.intermediate_value, 6)
            if self.intermediate_value > 0
            else 0.0,
            "max_relative_change": round(self.max_relative_change, 6),
            "by_region": [r.as_dict() for r in self.regions],
        }


def final_demand(io_share: FloatArray, gross_output: FloatArray, spending: FloatArray) -> FloatArray:
    """``F[n, j] = X[n, j] - sum_k io[n, j, k] Y[n, k]`` (the identity of ``Baseline.final_demand``)."""
    out: FloatArray = spending - np.einsum("njk,nk->nj", io_share, gross_output)
    return out


def _balance_region(
    a: FloatArray, col_target: FloatArray, cap: FloatArray, scale: FloatArray, tol: float, max_iter: int
) -> tuple[FloatArray, FloatArray, int]:
    """Row factors ``u`` and column factors ``v`` of one economy; see the module docstring."""
    j = a.shape[0]
    u = np.ones(j)
    v = np.ones(j)
    for it in range(1, max_iter + 1):
        r = a @ v
        u = np.where(r > cap, cap / np.where(r > 0, r, 1.0), 1.0)
        colsum = u @ a
        v = np.where(colsum > 0, col_target / np.where(colsum > 0, colsum, 1.0), 1.0)
        rows = u * (a @ v)
        excess = np.max((rows - cap) / scale)
        if excess <= tol:
            return u, v, it
    raise DataError(f"capped RAS did not converge in {max_iter} iterations (row excess {excess:.3e})")


def balance_io(
    va_share: FloatArray,
    io_share: FloatArray,
    gross_output: FloatArray,
    spending: FloatArray,
    regions: tuple[str, ...],
    sectors: tuple[str, ...],
    floor: float = DEFAULT_FLOOR,
    tol: float = 1e-13,
    max_iter: int = 100_000,
) -> tuple[FloatArray, BalanceReport]:
    """Adjust input-output shares so that final demand is non-negative everywhere.

    Parameters
    ----------
    va_share : ndarray (N, J)
        Value-added shares (kept).
    io_share : ndarray (N, J, J)
        ``[region, input k, output j]``; ``va_share + io_share.sum(1) == 1``.
    gross_output : ndarray (N, J)
        ``Y[n, j]`` at producer prices.
    spending : ndarray (N, J)
        ``X[n, j]``, tariff-inclusive spending on each sector.
    regions, sectors : tuple of str
        Labels (for the report and error messages).
    floor : float
        Final demand left in every adjusted cell, as a share of spending (``F >= floor X``).
    tol : float
        Largest row excess over its cap accepted, relative to the economy's total spending.

    Returns
    -------
    io_share : ndarray (N, J, J)
        Adjusted shares (a new array; unchanged economies are copied as they are).
    report : BalanceReport
        Per-economy adjustment sizes.

    Raises
    ------
    DataError
        If total intermediate use exceeds total spending in an economy (no solution), or the
        iteration does not converge; the message names the economy.
    """
    if not 0.0 <= floor < 1.0:
        raise DataError(f"balance floor must be in [0, 1), got {floor}")
    out = np.array(io_share, dtype=np.float64, copy=True)
    f_before = final_demand(io_share, gross_output, spending)
    adjustments: list[RegionAdjustment] = []
    inter_total = 0.0
    for n, region in enumerate(regions):
        y = gross_output[n]
        x = spending[n]
        a = io_share[n] * y[None, :]
        inter_total += float(a.sum())
        cap = x * (1.0 - floor)
        if np.all(a.sum(axis=1) <= cap):
            continue
        col_target = (1.0 - va_share[n]) * y
        if col_target.sum() > cap.sum():
            raise DataError(
                f"region {region!r}: intermediate use {col_target.sum():.1f} exceeds spending "
                f"{cap.sum():.1f}; no non-negative final demand exists"
            )
        scale = np.full_like(x, max(float(x.sum()), 1e-300))
        try:
            u, v, iters = _balance_region(a, col_target, cap, scale, tol, max_iter)
        except DataError as exc:
            raise DataError(f"region {region!r}: {exc}") from None
        a_new = u[:, None] * a * v[None, :]
        pos = y > 0
        new = out[n]
        new[:, pos] = a_new[:, pos] / y[pos]
        for j in np.flatnonzero(~pos):
            col = io_share[n, :, j] * u
            total = 1.0 - va_share[n, j]
            new[:, j] = col * (total / col.sum()) if col.sum() > 0 else io_share[n, :, j]
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.where(a > 0, np.abs(a_new / np.where(a > 0, a, 1.0) - 1.0), 0.0)
        neg = f_before[n] < 0
        adj = RegionAdjustment(
            region=region,
            negative_cells=int(neg.sum()),
            negative_final_demand=float(f_before[n][neg].sum()),
            rows_capped=tuple(sectors[k] for k in np.flatnonzero(u < 1.0)),
            cells_touched=int((rel > 1e-9).sum()),
            value_moved=float(np.maximum(a - a_new, 0.0).sum()),
            intermediate_value=float(a.sum()),
            max_relative_change=float(rel.max()),
            iterations=iters,
        )
        log.info(
            "balanced %s: %d negative cells (%.1f), moved %.1f (%.3f%% of inputs) in %d iterations",
            region, adj.negative_cells, adj.negative_final_demand, adj.value_moved,
            100 * adj.value_moved / max(adj.intermediate_value, 1e-300), iters,
        )  # fmt: skip
        adjustments.append(adj)
    world_f = float(f_before.sum())
    report = BalanceReport(floor, tuple(adjustments), inter_total, world_f)
    return out, report
