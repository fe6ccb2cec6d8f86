"""Compile a baseline and shocks into the arrays the equilibrium kernels take."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tradetalks.baseline import Baseline
from tradetalks.errors import ShockError
from tradetalks.model.equilibrium import System, prepare, share_cells
from tradetalks.model.nests import Nests
from tradetalks.model.shocks import FlowConstraint, Shocks
from tradetalks.model.wedges import Wedges

FloatArray = NDArray[np.float64]


def build_system(
    baseline: Baseline,
    shocks: Shocks,
    tariffs: NDArray[np.generic] | None = None,
    theta: NDArray[np.generic] | None = None,
) -> System:
    """Compile a baseline and shocks into the arrays of :class:`System`.

    ``tariffs`` overrides the shocks' tariff levels and ``theta`` the baseline's trade elasticities
    (the complex-step derivatives pass complex ones: in tariffs, docs/model.md eq. 6.2; in the
    elasticities, eq. 9.5).
    """
    shocks.validate(baseline)
    sys = _prepared(baseline, shocks, tariffs, theta)
    return _with_constraints(baseline, shocks, sys)


def build_systems(baseline: Baseline, shocks: Sequence[Shocks]) -> list[System]:
    """:func:`build_system` of every member of ``shocks`` on ``baseline``, the same systems, with
    the share arrays of eqs. 2.1-2.3 computed in full for the first member alone: each other
    member's are the first's with the cells where its tariffs, export taxes or trade costs differ
    computed again (:func:`~tradetalks.model.equilibrium.share_cells`, the same arithmetic cell by
    cell). The members of a deal space or a batch differ on a few cells; the constraints they share
    are checked and flattened once.
    """
    if not shocks:
        return []
    checked: set[int] = set()
    flat: dict[int, _ConstraintCells] = {}
    nested: dict[tuple[int, ...], Nests] = {}
    first = shocks[0]
    first.validate(baseline, checked)
    plain = _prepared(baseline, first)  # the first member's share arrays, wedge cells not cleared
    ref = _with_constraints(baseline, first, plain, flat, nested)
    t_ref, x_ref, i_ref = first.tariff_levels(baseline), first.export_tax_levels(baseline), first.iceberg_hat
    out = [ref]
    for sh in shocks[1:]:
        sh.validate(baseline, checked)
        t1, x1, ice = sh.tariff_levels(baseline), sh.export_tax_levels(baseline), sh.iceberg_hat
        diff = t1 != t_ref
        diff |= x1 != x_ref
        if ice is not None or i_ref is not None:
            diff |= (1.0 if ice is None else ice) != (1.0 if i_ref is None else i_ref)
        cells = np.nonzero(diff)
        cn, ci, cj = cells
        A, tariff, producer, xtax = share_cells(
            baseline.shares[cells],
            baseline.tariffs[cells],
            t1[cells],
            np.zeros(cells[0].size),
            x1[cells],
            None if ice is None else ice[cells],
            baseline.theta[cells[2]],
        )
        buyer = plain.buyer_side.copy()
        buyer[0, cn, ci, cj] = A
        buyer[1, cn, ci, cj] = tariff
        if plain.seller_side.shape[0] == 1 and np.any(xtax):
            # export taxes where the first member has none: its export-tax shares are all zero
            seller = np.zeros((2, *plain.seller_side.shape[1:]))
            seller[0] = plain.seller_side[0]
        else:
            seller = plain.seller_side.copy()
        seller[0, cn, ci, cj] = producer
        if seller.shape[0] == 2:
            seller[1, cn, ci, cj] = xtax
            if not np.any(seller[1]):
                seller = seller[:1]
        deficits = _deficits(baseline, sh)
        sys = dataclasses.replace(plain, buyer_side=buyer, seller_side=seller, deficits=deficits)
        out.append(_with_constraints(baseline, sh, sys, flat, nested, owned=True))
    return out


def _prepared(
    baseline: Baseline,
    shocks: Shocks,
    tariffs: NDArray[np.generic] | None = None,
    theta: NDArray[np.generic] | None = None,
) -> System:
    """The share arrays of eqs. 2.1-2.3 of ``shocks`` on ``baseline`` (no wedges or nests yet)."""
    return prepare(
        shares=baseline.shares,
        tariffs0=baseline.tariffs,
        tariffs1=shocks.tariff_levels(baseline) if tariffs is None else tariffs,  # type: ignore[arg-type]
        export_taxes0=np.zeros_like(baseline.flows),
        export_taxes1=shocks.export_tax_levels(baseline),
        iceberg_hat=shocks.iceberg_hat,
        va_share=baseline.va_share,
        io_share=baseline.io_share,
        alpha=baseline.alpha,
        theta=baseline.theta if theta is None else theta,  # type: ignore[arg-type]
        spending0=baseline.spending,
        value_added0=baseline.value_added,
        deficits=_deficits(baseline, shocks),
    )


def _deficits(baseline: Baseline, shocks: Shocks) -> FloatArray:
    """The shocks' deficits, checked to sum to zero over regions."""
    deficits = shocks.deficit_levels(baseline)
    world = float(baseline.value_added.sum())
    if abs(float(deficits.sum())) > 1e-9 * world:
        raise ShockError(
            f"shock field 'deficits' must sum to zero over regions (world), sums to {deficits.sum():.6g}"
        )
    return np.asarray(deficits, dtype=np.float64)


def _with_constraints(
    baseline: Baseline,
    shocks: Shocks,
    sys: System,
    flat: dict[int, _ConstraintCells] | None = None,
    nested: dict[tuple[int, ...], Nests] | None = None,
    owned: bool = False,
) -> System:
    """``sys`` (shares prepared) with the shocks' wedges, nests and factor mobility; ``owned``:
    its share arrays are this call's to change in place. ``flat`` and ``nested``: constraints and
    nests already flattened on ``baseline`` (:func:`build_systems`)."""
    wedges = compile_wedges(baseline, shocks, sys, flat) if shocks.constraints else None
    nests = None
    if shocks.critical_inputs:
        key = tuple(id(ci) for ci in shocks.critical_inputs)
        nests = None if nested is None else nested.get(key)
        if nests is None:
            nests = compile_nests(baseline, shocks)
            if nested is not None:
                nested[key] = nests
    if wedges is None and nests is None and baseline.mobility is None:
        return sys
    sector_va = baseline.sector_value_added if baseline.mobility is not None else None
    buyer, seller = sys.buyer_side, sys.seller_side
    if wedges is not None:  # the constrained cells enter through the wedge kernel alone
        if not owned:
            buyer, seller = buyer.copy(), seller.copy()
        buyer[:, wedges.n, wedges.i, wedges.j] = 0.0
        seller[:, wedges.n, wedges.i, wedges.j] = 0.0
    return dataclasses.replace(
        sys,
        buyer_side=buyer,
        seller_side=seller,
        wedges=wedges,
        nests=nests,
        mobility=baseline.mobility,
        sector_value_added0=sector_va,
    )


@dataclass(frozen=True, eq=False)
class _ConstraintCells:
    """What :func:`compile_wedges` reads of one constraint that does not depend on the shocks
    around it: its cells and the constants of its wedge update (eq. 5.5)."""

    n: NDArray[np.intp]
    i: NDArray[np.intp]
    j: NDArray[np.intp]
    on_tariff: bool
    log_target: float
    step: float
    capacity: bool
    preference: bool
    supplier: tuple[int, int]
    elasticity: float


def _constraint_cells(baseline: Baseline, c: FlowConstraint) -> _ConstraintCells:
    n, i, j = np.nonzero(c.cells)
    weights = baseline.flows[n, i, j]
    theta = baseline.theta[j]
    mean_theta = float(weights @ theta / weights.sum()) if weights.sum() > 0 else float(theta.mean())
    is_capacity = c.kind == "capacity"
    is_preference = c.kind == "floor" and c.instrument == "preference"
    # a demand shift: d ln flow / d ln b = 1 - (the cells' share), at most one
    step = 1.0 if is_preference else 1.0 / (1.0 + mean_theta + (c.elasticity if is_capacity else 0.0))
    return _ConstraintCells(
        n=n,
        i=i,
        j=j,
        on_tariff=c.kind == "floor",
        log_target=float(np.log(c.target)) if c.target > 0 else -np.inf,
        step=step,
        capacity=is_capacity,
        preference=is_preference,
        supplier=(int(i[0]), int(j[0])) if is_capacity else (0, 0),
        elasticity=c.elasticity if is_capacity else 0.0,
    )


def compile_wedges(
    baseline: Baseline, shocks: Shocks, sys: System, flat: dict[int, _ConstraintCells] | None = None
) -> Wedges:
    """Flatten the constraints of ``shocks`` into :class:`Wedges` (cells of all groups).

    ``flat``: the constraints already flattened on ``baseline``, by object id (:func:`build_systems`
    shares them across members); those flattened here are added to it.
    """
    parts = []
    for c in shocks.constraints:
        part = None if flat is None else flat.get(id(c))
        if part is None:
            part = _constraint_cells(baseline, c)
            if flat is not None:
                flat[id(c)] = part
        parts.append(part)
    n_all, i_all, j_all = (np.concatenate([getattr(p, a) for p in parts]).astype(np.intp) for a in "nij")
    with np.errstate(invalid="ignore"):
        a0 = sys.A[n_all, i_all, j_all]
    # A cap of zero is a ban: put an infinite export tax on its cells instead of iterating.
    targets = np.array([p.log_target for p in parts])
    if np.any(~np.isfinite(targets)):
        raise ShockError(
            "a constraint with target 0 is a ban: use an infinite export tax (a ban lever) instead"
        )
    preference = [p.preference for p in parts]
    capacity = [p.capacity for p in parts]
    return Wedges(
        group=np.concatenate([np.full(p.n.size, g) for g, p in enumerate(parts)]).astype(np.intp),
        n=n_all,
        i=i_all,
        j=j_all,
        A0=a0,
        tau1=1.0 + shocks.tariff_levels(baseline)[n_all, i_all, j_all],
        ex1=1.0 + shocks.export_tax_levels(baseline)[n_all, i_all, j_all],
        theta=baseline.theta[j_all],
        on_tariff=np.array([p.on_tariff for p in parts], dtype=bool),
        log_target=targets,
        step=np.array([p.step for p in parts]),
        preference=np.array(preference, dtype=bool) if any(preference) else None,
        capacity=np.array(capacity, dtype=bool) if any(capacity) else None,
        supplier_i=np.array([p.supplier[0] for p in parts], dtype=np.intp),
        supplier_j=np.array([p.supplier[1] for p in parts], dtype=np.intp),
        elasticity=np.array([p.elasticity for p in parts]),
    )


def compile_nests(baseline: Baseline, shocks: Shocks) -> Nests:
    """Flatten the critical-input nests of ``shocks`` into :class:`Nests`."""
    ns, js, ks, ss, sig = [], [], [], [], []
    for ci in shocks.critical_inputs:
        n, j = np.nonzero(ci.users)
        s = baseline.io_share[n, ci.input_sector, j]
        keep = (s > 0) & (s < 1)
        ns.append(n[keep])
        js.append(j[keep])
        ks.append(np.full(int(keep.sum()), ci.input_sector))
        ss.append(s[keep])
        sig.append(np.full(int(keep.sum()), ci.sigma))
    return Nests(
        n=np.concatenate(ns).astype(np.intp),
        j=np.concatenate(js).astype(np.intp),
        k=np.concatenate(ks).astype(np.intp),
        s=np.concatenate(ss),
        sigma=np.concatenate(sig),
    )
