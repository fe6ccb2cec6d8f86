"""The fixed-point map of many members stacked along a batch axis, critical-input CES nests and
the endogenous wedges of caps and purchase floors included (docs/model.md, section 9.9).

:mod:`.batch` stacks members without nests or wedges; here members that share the cells of their
nests (eqs. 5.6-5.8) and wedges (eqs. 5.3-5.5) are stacked with their own shares, targets and
elasticities (:func:`batch_key` says which may be), and :class:`NestedBatchMap` applies the nests
and wedges as :func:`~tradetalks.model.equilibrium.evaluate` does, with a leading member axis. The
few cells they touch are added by one-hot matrix products. Solving with it is
:mod:`.batch_warm`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradetalks.baseline import Baseline
from tradetalks.model.batch import _by_sector_buffers, _shared, _stack, _stack_systems, _with_sides
from tradetalks.model.equilibrium import (
    Evaluation,
    System,
    factor_supply,
    log_unit_cost,
    per_sector_product,
)
from tradetalks.model.fixed_point import FixedPointMap, wage_step
from tradetalks.model.nests import Nests, effective_shares
from tradetalks.model.wedges import Wedges
from tradetalks.model.wedges import update as update_wedges

FloatArray = NDArray[np.float64]


def batch_key(sys: System) -> tuple[Any, ...] | None:
    """What members must share to be stacked: the cells of their nests and wedges, the state's
    layout (None: the member is solved alone; demand-shift floors and capacity limits are)."""
    w, nest = sys.wedges, sys.nests
    if sys.delta is not None or sys.buyer_side.ndim != 4:
        return None
    if w is not None and (w.preference is not None or w.capacity is not None):
        return None
    wkey = None if w is None else tuple(a.tobytes() for a in (w.group, w.n, w.i, w.j, w.on_tariff))
    nkey = None if nest is None else tuple(a.tobytes() for a in (nest.n, nest.j, nest.k))
    return (sys.mobility, sys.seller_side.shape[0] == 2, wkey, nkey)


@dataclass(frozen=True, eq=False)
class _Cells:
    """One-hot matrices that add values of a few cells into ``(N, J)`` or ``(N,)`` arrays for every
    member at once (one small matrix product where ``np.add.at`` would take a slow loop)."""

    by_group: FloatArray  # (C, G): wedge cells summed by constraint group
    by_exporter: FloatArray  # (C, N): wedge cells by exporter
    by_buyer: FloatArray  # (C, N J): wedge cells into [importer, sector]
    by_seller: FloatArray  # (C, N J): wedge cells into [exporter, sector]


@dataclass(frozen=True, eq=False)
class _NestCells:
    """One-hot matrices of the nested cells: by user region ``(C, N)``, into [user, critical input]
    ``(C, N J)``."""

    by_user: FloatArray
    by_input: FloatArray


def _one_hot(rows: NDArray[np.intp], size: int) -> FloatArray:
    out = np.zeros((rows.size, size))
    out[np.arange(rows.size), rows] = 1.0
    return out


def _nest_cells(nest: Nests, n: int, j: int) -> _NestCells:
    return _NestCells(_one_hot(nest.n, n), _one_hot(nest.n * j + nest.k, n * j))


def _stack_wedges(ws: Sequence[Wedges], n_regions: int, n_sectors: int) -> tuple[Wedges, _Cells]:
    """The members' wedges (same cells) as one :class:`Wedges` whose per-member arrays are
    ``(B, C)`` (shares, tariff and export-tax factors, elasticities) and ``(B, G)`` (targets and
    steps), shared where every member holds the same values."""
    first = ws[0]
    stacked = dataclasses.replace(
        first,
        A0=_shared([w.A0 for w in ws]),
        tau1=_shared([w.tau1 for w in ws]),
        ex1=_shared([w.ex1 for w in ws]),
        theta=_shared([w.theta for w in ws]),
        log_target=_shared([w.log_target for w in ws]),
        step=_shared([w.step for w in ws]),
    )
    j = int(n_sectors)
    cells = _Cells(
        _one_hot(first.group, first.size),
        _one_hot(first.i, n_regions),
        _one_hot(first.n * j + first.j, n_regions * j),
        _one_hot(first.i * j + first.j, n_regions * j),
    )
    return stacked, cells


def _cell_arrays(w: Wedges, log_m: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """``(A, tariff, producer, xtax)`` of the wedge cells at ``log_m`` ``(B, G)``, for every member
    (:func:`tradetalks.model.wedges.cell_arrays`, caps and subsidy floors; eq. 5.3)."""
    m = np.exp(log_m[..., w.group])
    on = w.on_tariff[w.group]
    tau = np.where(on, w.tau1 * m, w.tau1)
    ex = np.where(on, w.ex1, w.ex1 * m)
    A = w.A0 * m ** (-w.theta)
    inv_tau = np.where(np.isfinite(tau), 1.0 / tau, 0.0)
    inv_ex = np.where(np.isfinite(ex), 1.0 / ex, 0.0)
    return A, A * (1.0 - inv_tau), A * inv_tau * inv_ex, A * inv_tau * (1.0 - inv_ex)


@dataclass(frozen=True, eq=False)
class _Pass:
    """What one batched pass computes (the fields of :class:`~tradetalks.model.equilibrium.Evaluation`
    that the map and the wage step read)."""

    log_c: FloatArray
    cost_term: FloatArray
    phi: FloatArray
    spending_ratio: FloatArray
    log_P: FloatArray
    output: FloatArray
    labour_income: FloatArray
    spending: FloatArray
    group_flows: FloatArray
    tariff_revenue: FloatArray
    export_tax_revenue: FloatArray
    income: FloatArray
    nest_share: FloatArray | None  # (B, C): the critical inputs' cost shares in effect

    def member(self, b: int, sys: System, log_m: FloatArray) -> Evaluation:
        """Member ``b``'s :class:`~tradetalks.model.equilibrium.Evaluation` (its system ``sys``)."""
        va, io = sys.va_share, sys.io_share
        if sys.nests is not None and self.nest_share is not None:
            va, io = effective_shares(sys.nests, va, io, self.nest_share[b])
        return Evaluation(
            log_c=self.log_c[b],
            cost_term=self.cost_term[b],
            phi=self.phi[b],
            spending_ratio=self.spending_ratio[b],
            log_P=self.log_P[b],
            output=self.output[b],
            tariff_revenue=self.tariff_revenue[b],
            export_tax_revenue=self.export_tax_revenue[b],
            labour_income=self.labour_income[b],
            income=self.income[b],
            spending=self.spending[b],
            va_share=va,
            io_share=io,
            log_m=log_m,
            group_flows=self.group_flows[b],
        )


@dataclass(frozen=True, eq=False)
class NestedBatchMap:
    """The fixed-point map of eqs. 3.1-3.2 on states ``(B, D)`` of members with nests and wedges.

    ``base`` is the members' stacked map without them (:func:`tradetalks.model.batch._stack`); the
    nests (eqs. 5.6-5.8) and wedges (eqs. 5.3-5.5) are applied here as
    :func:`~tradetalks.model.equilibrium.evaluate` applies them, with a leading member axis.
    """

    base: FixedPointMap
    nests: Nests | None
    wedges: Wedges | None
    cells: _Cells | None
    nest_cells: _NestCells | None = None

    @property
    def sys(self) -> System:
        return self.base.sys

    def evaluate(self, z: FloatArray) -> _Pass:
        log_w, log_P, x_rel, log_m = self.base.unpack(z)
        return self._evaluate(log_w, log_P, x_rel * self.base.spending0, log_m)

    def _evaluate(self, log_w: Any, log_P: Any, spending: Any, log_m: Any) -> _Pass:
        sys, nest, w = self.base.sys, self.nests, self.wedges
        theta = sys.theta
        b = log_P.shape[0]
        log_c = log_unit_cost(sys, log_w, log_P)
        va_share: FloatArray = sys.va_share
        scale = share = None
        if nest is not None:
            s = nest.s
            lpk = log_P[:, nest.n, nest.k]
            cd_cells = log_c[:, nest.n, nest.j]
            lrest = (cd_cells - s * lpk) / (1.0 - s)
            rho = 1.0 - nest.sigma
            cd = np.abs(rho) < 1e-12
            safe = np.where(cd, 1.0, rho)
            lo, hi = rho * lrest, rho * lpk
            top = np.maximum(lo, hi)
            with np.errstate(divide="ignore"):
                lse = top + np.log((1.0 - s) * np.exp(lo - top) + s * np.exp(hi - top))
            nested = np.where(cd, cd_cells, lse / safe)
            share = np.where(cd, s, s * np.exp(rho * (lpk - nested)))
            log_c = log_c.copy()
            log_c[:, nest.n, nest.j] = nested
            scale = (1.0 - share) / (1.0 - s)
            va_share = np.array(np.broadcast_to(sys.va_share, log_c.shape))
            va_share[:, nest.n, nest.j] *= scale
        cost_term = np.exp(-theta * log_c)
        buyer = per_sector_product(sys.buyer_by_sector, cost_term).reshape(b, 2, *cost_term.shape[-2:])
        groups = np.zeros((b, 0))
        if w is not None:
            assert self.cells is not None
            dA, dT, dP, dX = _cell_arrays(w, log_m)
            cells_cost = cost_term[:, w.i, w.j]
            added = (
                np.stack(np.broadcast_arrays(dA * cells_cost, dT * cells_cost), axis=1) @ self.cells.by_buyer
            )
            buyer = buyer + added.reshape(buyer.shape)
        phi = buyer[:, 0]
        with np.errstate(divide="ignore"):
            new_log_P = -np.log(phi) / theta
            m = spending / phi
        n_s = sys.seller_side.shape[-4]
        seller = cost_term[:, None] * per_sector_product(sys.seller_by_sector, m).reshape(
            b, n_s, *m.shape[-2:]
        )
        output = seller[:, 0]
        xtax_rev = seller[:, 1].sum(axis=-1) if n_s == 2 else np.zeros_like(m[..., 0])
        if w is not None:
            assert self.cells is not None
            cells_m = m[:, w.n, w.j] * cost_term[:, w.i, w.j]
            output = output + ((dP * cells_m) @ self.cells.by_seller).reshape(output.shape)
            xtax_rev = xtax_rev + (dX * cells_m) @ self.cells.by_exporter
            groups = (dP * cells_m) @ self.cells.by_group
        tariff_rev = (m * buyer[:, 1]).sum(axis=-1)
        if sys.sector_factors:
            labour = va_share * output
            factor_income = factor_supply(sys, log_w).sum(axis=-1)
        else:
            labour = (va_share * output).sum(axis=-1)
            factor_income = np.exp(log_w) * sys.value_added0
        income = factor_income + tariff_rev + xtax_rev + sys.deficits
        io = sys.io_share
        if io.ndim == 3:  # shared: one product per region over all members (not one per member)
            inputs = np.matmul(output.transpose(1, 0, 2), io.transpose(0, 2, 1)).transpose(1, 0, 2)
        else:
            inputs = np.matmul(io, output[..., None])[..., 0]
        new_spending = inputs + sys.alpha * income[..., None]
        if nest is not None:
            assert scale is not None and share is not None and self.nest_cells is not None
            # the nested cells' input shares in effect (eq. 5.8): every input of user (n, j) scaled
            # by ``scale``, the critical one at ``share``; added as corrections of the base product
            out_nj = output[:, nest.n, nest.j]
            # (C, J), or (B, C, J) for members' own shares
            rows = io[nest.n, :, nest.j] if io.ndim == 3 else io[:, nest.n, :, nest.j].transpose(1, 0, 2)
            by = self.nest_cells
            new_spending = new_spending + np.matmul(by.by_user.T, rows * ((scale - 1.0) * out_nj)[..., None])
            critical = io[..., nest.n, nest.k, nest.j]
            added = ((share - critical * scale) * out_nj) @ by.by_input
            new_spending = new_spending + added.reshape(new_spending.shape)
        return _Pass(
            log_c,
            cost_term,
            phi,
            m,
            new_log_P,
            output,
            labour,
            new_spending,
            groups,
            tariff_rev,
            xtax_rev,
            income,
            share,
        )

    def __call__(self, z: FloatArray) -> tuple[FloatArray, FloatArray]:
        """``(T(z), err)`` for every member (:meth:`tradetalks.model.fixed_point.FixedPointMap.__call__`)."""
        fp = self.base
        log_w, log_P, x_rel, log_m = fp.unpack(z)
        ev = self._evaluate(log_w, log_P, x_rel * fp.spending0, log_m)
        batch = z.shape[:-1]
        if fp.sys.sector_factors:
            new_w, w_gap = fp._sector_wages(log_w, ev)  # type: ignore[arg-type]
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                w_gap = np.log(ev.labour_income / fp.value_added0) - log_w
            new_w = log_w + fp.nu * w_gap
            va0 = fp.value_added0
            world = np.exp(new_w) @ va0 if va0.ndim == 1 else (np.exp(new_w) * va0).sum(axis=-1)
            new_w = new_w - np.log(world / va0.sum(axis=-1))[..., None]
        new_x = np.where(fp.has_x, ev.spending / fp.x_scale, 1.0)
        parts = [new_w.reshape(*batch, -1), ev.log_P.reshape(*batch, -1), new_x.reshape(*batch, -1)]
        errs = [
            np.abs(w_gap).reshape(*batch, -1),
            np.abs(ev.log_P - log_P).reshape(*batch, -1),
            np.abs(new_x - x_rel).reshape(*batch, -1),
        ]
        if self.wedges is not None:
            new_m, m_resid = update_wedges(self.wedges, log_m, ev.group_flows, ev.log_c)
            parts.append(new_m)
            errs.append(m_resid)
        else:
            parts.append(log_m)
        err = np.max(np.concatenate(errs, axis=-1), axis=-1)
        return np.concatenate(parts, axis=-1), np.where(np.isfinite(err), err, np.inf)

    def take(self, rows: NDArray[np.intp]) -> NestedBatchMap:
        """The map of the members at positions ``rows`` (new arrays; this map is left as it is)."""
        fp = self.base
        sys = fp.sys
        size = sys.buyer_by_sector.shape[0]

        def pick(arr: Any) -> Any:
            return (
                arr[rows] if isinstance(arr, np.ndarray) and arr.ndim >= 2 and arr.shape[0] == size else arr
            )

        batch_ndim = {"theta": 3, "va_share": 3, "io_share": 4, "alpha": 3, "spending0": 3, "value_added0": 2}
        batch_ndim |= {"deficits": 2, "sector_value_added0": 3}
        changes = {
            k: (getattr(sys, k)[rows] if _is_batched(getattr(sys, k), nd, size) else getattr(sys, k))
            for k, nd in batch_ndim.items()
        }
        buyer = np.asarray(sys.buyer_by_sector, dtype=np.float64)[rows]
        seller = np.asarray(sys.seller_by_sector, dtype=np.float64)[rows]
        sub = _with_sides(dataclasses.replace(sys, **changes), buyer, seller)
        nw = 3 if sys.sector_factors else 2
        base = dataclasses.replace(
            fp,
            sys=sub,
            spending0=fp.spending0[rows] if _is_batched(fp.spending0, 3, size) else fp.spending0,
            has_x=fp.has_x[rows] if _is_batched(fp.has_x, 3, size) else fp.has_x,
            x_scale=fp.x_scale[rows] if _is_batched(fp.x_scale, 3, size) else fp.x_scale,
            value_added0=fp.value_added0[rows] if _is_batched(fp.value_added0, 2, size) else fp.value_added0,
            nu=fp.nu[rows] if _is_batched(fp.nu, nw, size) else fp.nu,
            has_va=fp.has_va[rows]
            if fp.has_va is not None and _is_batched(fp.has_va, 3, size)
            else fp.has_va,
        )
        nest = self.nests
        if nest is not None:
            nest = dataclasses.replace(nest, s=pick(nest.s), sigma=pick(nest.sigma))
        w = self.wedges
        if w is not None:
            w = dataclasses.replace(
                w,
                A0=pick(w.A0),
                tau1=pick(w.tau1),
                ex1=pick(w.ex1),
                theta=pick(w.theta),
                log_target=pick(w.log_target),
                step=pick(w.step),
            )
        return NestedBatchMap(base, nest, w, self.cells, self.nest_cells)


def _is_batched(arr: Any, ndim: int, size: int) -> bool:
    return arr is not None and arr.ndim == ndim and arr.shape[0] == size


def stack_members(
    baseline: Baseline, systems: Sequence[System]
) -> tuple[NestedBatchMap, list[FixedPointMap]]:
    """The batched map of ``systems`` (one :func:`batch_key`) on ``baseline`` and each member's own
    map (its wage step from one batched evaluation at the start; eq. 3.3)."""
    first = systems[0]
    n, j = baseline.n_regions, baseline.n_sectors
    plain = [dataclasses.replace(s, wedges=None, nests=None) for s in systems]
    buyer, seller = _by_sector_buffers(plain)
    for own, bare in zip(systems, plain, strict=True):  # the members' own systems share the layout
        own.__dict__["buyer_by_sector"] = bare.__dict__["buyer_by_sector"]
        own.__dict__["seller_by_sector"] = bare.__dict__["seller_by_sector"]
    stacked = _stack_systems(plain, buyer, seller)
    nest, nest_cells = first.nests, None
    if nest is not None:
        nests = [s.nests for s in systems if s.nests is not None]
        nest = dataclasses.replace(
            nest, s=_shared([x.s for x in nests]), sigma=_shared([x.sigma for x in nests])
        )
        nest_cells = _nest_cells(nest, n, j)
    wedges, cells = None, None
    if first.wedges is not None:
        wedges, cells = _stack_wedges([s.wedges for s in systems], n, j)  # type: ignore[misc]
    size = len(systems)
    x0 = baseline.spending
    probe = FixedPointMap(stacked, x0, x0 > 0, x0, baseline.value_added, np.ones(1), n, j)
    w0 = np.zeros((size, n, j) if stacked.sector_factors else (size, n))
    at_start = NestedBatchMap(probe, nest, wedges, cells, nest_cells)._evaluate(
        w0,
        np.zeros((size, n, j)),
        np.broadcast_to(x0, (size, n, j)),
        np.zeros((size, 0 if wedges is None else wedges.size)),
    )
    nu = wage_step(stacked, at_start)  # type: ignore[arg-type]
    maps = [FixedPointMap.build(baseline, sys, nu[b]) for b, sys in enumerate(systems)]
    return NestedBatchMap(_stack(maps, stacked, nu), nest, wedges, cells, nest_cells), maps


def single_map(baseline: Baseline, sys: System) -> tuple[NestedBatchMap, FixedPointMap]:
    """The map of one member on a batch of states ``(S, D)`` (its arrays not stacked: one matrix
    product per sector for all the states) and its own map."""
    fp = FixedPointMap.build(baseline, sys)
    n, j = baseline.n_regions, baseline.n_sectors
    plain = dataclasses.replace(fp, sys=dataclasses.replace(sys, wedges=None, nests=None))
    nest_cells = None if sys.nests is None else _nest_cells(sys.nests, n, j)
    wedges, cells = None, None
    if sys.wedges is not None:
        wedges, cells = _stack_wedges([sys.wedges], n, j)
    return NestedBatchMap(plain, sys.nests, wedges, cells, nest_cells), fp


__all__ = ["NestedBatchMap", "batch_key", "single_map", "stack_members"]
