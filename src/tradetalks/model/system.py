"""Compile a baseline and shocks into the arrays the equilibrium kernels take."""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.typing import NDArray

from tradetalks.baseline import Baseline
from tradetalks.errors import ShockError
from tradetalks.model.equilibrium import System, prepare
from tradetalks.model.nests import Nests
from tradetalks.model.shocks import Shocks
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
    deficits = shocks.deficit_levels(baseline)
    world = float(baseline.value_added.sum())
    if abs(float(deficits.sum())) > 1e-9 * world:
        raise ShockError(
            f"shock field 'deficits' must sum to zero over regions (world), sums to {deficits.sum():.6g}"
        )
    zeros = np.zeros_like(baseline.flows)
    sys = prepare(
        shares=baseline.shares,
        tariffs0=baseline.tariffs,
        tariffs1=shocks.tariff_levels(baseline) if tariffs is None else tariffs,  # type: ignore[arg-type]
        export_taxes0=zeros,
        export_taxes1=shocks.export_tax_levels(baseline),
        iceberg_hat=shocks.iceberg_hat,
        va_share=baseline.va_share,
        io_share=baseline.io_share,
        alpha=baseline.alpha,
        theta=baseline.theta if theta is None else theta,  # type: ignore[arg-type]
        spending0=baseline.spending,
        value_added0=baseline.value_added,
        deficits=np.asarray(deficits, dtype=np.float64),
    )
    wedges = compile_wedges(baseline, shocks, sys) if shocks.constraints else None
    nests = compile_nests(baseline, shocks) if shocks.critical_inputs else None
    if wedges is None and nests is None and baseline.mobility is None:
        return sys
    sector_va = baseline.sector_value_added if baseline.mobility is not None else None
    buyer, seller = sys.buyer_side, sys.seller_side
    if wedges is not None:  # the constrained cells enter through the wedge kernel alone
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


def compile_wedges(baseline: Baseline, shocks: Shocks, sys: System) -> Wedges:
    """Flatten the constraints of ``shocks`` into :class:`Wedges` (cells of all groups)."""
    tau1 = 1.0 + shocks.tariff_levels(baseline)
    ex1 = 1.0 + shocks.export_tax_levels(baseline)
    groups, ns, is_, js = [], [], [], []
    on_tariff, log_target, step = [], [], []
    capacity, sup_i, sup_j, elasticity, preference = [], [], [], [], []
    for g, c in enumerate(shocks.constraints):
        n, i, j = np.nonzero(c.cells)
        groups.append(np.full(n.size, g))
        ns.append(n)
        is_.append(i)
        js.append(j)
        on_tariff.append(c.kind == "floor")
        log_target.append(np.log(c.target) if c.target > 0 else -np.inf)
        weights = baseline.flows[n, i, j]
        theta = baseline.theta[j]
        mean_theta = float(weights @ theta / weights.sum()) if weights.sum() > 0 else float(theta.mean())
        is_capacity = c.kind == "capacity"
        is_preference = c.kind == "floor" and c.instrument == "preference"
        preference.append(is_preference)
        if is_preference:  # d ln flow / d ln b = 1 - (the cells' share), at most one
            step.append(1.0)
        else:
            step.append(1.0 / (1.0 + mean_theta + (c.elasticity if is_capacity else 0.0)))
        capacity.append(is_capacity)
        sup_i.append(int(i[0]) if is_capacity else 0)
        sup_j.append(int(j[0]) if is_capacity else 0)
        elasticity.append(c.elasticity if is_capacity else 0.0)
    n_all, i_all, j_all = (np.concatenate(x).astype(np.intp) for x in (ns, is_, js))
    with np.errstate(invalid="ignore"):
        a0 = sys.A[n_all, i_all, j_all]
    # A cap of zero is a ban: put an infinite export tax on its cells instead of iterating.
    targets = np.array(log_target)
    if np.any(~np.isfinite(targets)):
        raise ShockError(
            "a constraint with target 0 is a ban: use an infinite export tax (a ban lever) instead"
        )
    return Wedges(
        group=np.concatenate(groups).astype(np.intp),
        n=n_all,
        i=i_all,
        j=j_all,
        A0=a0,
        tau1=tau1[n_all, i_all, j_all],
        ex1=ex1[n_all, i_all, j_all],
        theta=baseline.theta[j_all],
        on_tariff=np.array(on_tariff, dtype=bool),
        log_target=targets,
        step=np.array(step),
        preference=np.array(preference, dtype=bool) if any(preference) else None,
        capacity=np.array(capacity, dtype=bool) if any(capacity) else None,
        supplier_i=np.array(sup_i, dtype=np.intp),
        supplier_j=np.array(sup_j, dtype=np.intp),
        elasticity=np.array(elasticity),
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
