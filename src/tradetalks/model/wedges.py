"""Endogenous wedges that make quantity constraints hold (caps and purchase floors).

Each constraint ``g`` covers a set of cells ``c = (n, i, j)`` and carries one multiplier
``m_g`` on a wedge factor of those cells: on the export-tax factor ``1 + e`` for a cap
(``m_g >= 1``: an export-tax equivalent, rents to the exporter) and on the tariff factor ``tau``
for a floor (``m_g <= 1``: an import subsidy paid from the buyer's tariff revenue). The
multipliers are extra unknowns of the equilibrium; their update moves the group's flow
toward the target with the flow's own elasticity, ``d ln flow / d ln m = -(theta + 1)``
(Caliendo-Parro eq. 13 and the producer-price valuation), and projects onto the bound, which
makes a non-binding constraint's wedge exactly zero.

Rather than rebuilding the ``N^2 J`` arrays of :class:`~tradetalks.model.equilibrium.System`
at every pass, the System holds the constrained cells at zero and their shares at the current
multipliers are added on the cells alone (adding a correction to the base share instead would
cancel two large numbers when a wedge is big, and its rounding error would set the solver's
precision).
See docs/model.md, section 5.3 (eqs. 5.3-5.5).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


@dataclass(frozen=True, eq=False)
class Wedges:
    """Constrained cells, flattened over groups.

    Attributes
    ----------
    group : (C,) int   group of each cell
    n, i, j : (C,) int importer, exporter, sector of each cell
    A0, tau1, ex1 : (C,) the cell's ``A``, tariff factor and export-tax factor without the wedge
    theta : (C,)       the cell's trade elasticity
    on_tariff : (G,) bool  True for floors (wedge on the tariff factor), False for caps
    log_target : (G,)  log of the targets
    step : (G,)        update step ``1 / (1 + theta)`` (flow-weighted theta of the group)
    preference : (G,) bool  True for floors met by a shift of demand (the multiplier scales the
                       cell's weight ``A``; no tax or subsidy)
    capacity : (G,) bool   True for capacity limits (quantity measured at the supplier's unit cost)
    supplier_i, supplier_j : (G,) int  the supplier of a capacity group (0 elsewhere)
    elasticity : (G,)  supply elasticity above capacity (0 elsewhere)
    """

    group: IntArray
    n: IntArray
    i: IntArray
    j: IntArray
    A0: FloatArray
    tau1: FloatArray
    ex1: FloatArray
    theta: FloatArray
    on_tariff: NDArray[np.bool_]
    log_target: FloatArray
    step: FloatArray
    preference: NDArray[np.bool_] | None = None
    capacity: NDArray[np.bool_] | None = None
    supplier_i: IntArray | None = None
    supplier_j: IntArray | None = None
    elasticity: FloatArray | None = None

    @property
    def size(self) -> int:
        return int(self.on_tariff.size)


def cell_arrays(w: Wedges, log_m: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """``(A, tariff, producer, xtax)`` shares of the constrained cells at multipliers ``exp(log_m)``.

    docs/model.md, eq. 5.3 (the shares of eq. 2.3 with the wedge applied).
    """
    m = np.exp(log_m[w.group])
    if w.preference is not None:  # a demand shift scales the weight; tau and 1 + e stay (eq. 5.12)
        pref = w.preference[w.group]
        tau = np.where(w.on_tariff[w.group] & ~pref, w.tau1 * m, w.tau1)
        ex = np.where(w.on_tariff[w.group], w.ex1, w.ex1 * m)
        A = w.A0 * np.where(pref, m, m ** (-w.theta))
        inv_tau = np.where(np.isfinite(tau), 1.0 / tau, 0.0)
        inv_ex = np.where(np.isfinite(ex), 1.0 / ex, 0.0)
        return A, A * (1.0 - inv_tau), A * inv_tau * inv_ex, A * inv_tau * (1.0 - inv_ex)
    tau = np.where(w.on_tariff[w.group], w.tau1 * m, w.tau1)
    ex = np.where(w.on_tariff[w.group], w.ex1, w.ex1 * m)
    A = w.A0 * m ** (-w.theta)
    inv_tau = np.where(np.isfinite(tau), 1.0 / tau, 0.0)
    inv_ex = np.where(np.isfinite(ex), 1.0 / ex, 0.0)
    return A, A * (1.0 - inv_tau), A * inv_tau * inv_ex, A * inv_tau * (1.0 - inv_ex)


def preference_log_price(w: Wedges, log_m: FloatArray, cost_term: FloatArray, phi: FloatArray) -> FloatArray:
    """The rise of each buyer's log price index, at its base preferences, from demand shifts.

    docs/model.md, eq. 5.12: with shares ``s_k`` of the shifted cells in the buyer's spending and
    shifts ``b_k``,
    ``ln P_eff - ln P_shifted = -((theta + 1) / theta) ln(1 - sum_k s_k (1 - b_k^(-1/(theta + 1))))``
    (the Armington reading of the model, ``sigma = theta + 1``). Returns ``(N, J)``.
    """
    out = np.zeros_like(phi)
    assert w.preference is not None
    cells = np.flatnonzero(w.preference[w.group])
    if cells.size == 0:
        return out
    g = w.group[cells]
    n, i, j, theta = w.n[cells], w.i[cells], w.j[cells], w.theta[cells]
    b = np.exp(log_m[g])
    share = w.A0[cells] * b * cost_term[i, j] / phi[n, j]
    loss = np.zeros_like(phi)
    np.add.at(loss, (n, j), share * (1.0 - b ** (-1.0 / (theta + 1.0))))
    th = np.zeros_like(phi)
    th[n, j] = theta
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(loss > 0, -((th + 1.0) / np.where(th > 0, th, 1.0)) * np.log1p(-loss), 0.0)
    return out


def group_flows(w: Wedges, producer: FloatArray, cost_term: FloatArray, ratio: FloatArray) -> FloatArray:
    """Value of each group's flows at producer prices, ``sum_c producer_c c_hat^-theta X'/Phi``.

    docs/model.md, eq. 5.4.
    """
    cell = producer * cost_term[w.i, w.j] * ratio[w.n, w.j]
    out: FloatArray = np.bincount(w.group, weights=cell, minlength=w.size).astype(np.float64)
    return out


def update(
    w: Wedges, log_m: FloatArray, flows: FloatArray, log_c: FloatArray | None = None
) -> tuple[FloatArray, FloatArray]:
    """Projected update of the multipliers and its size in log-flow units (the residual).

    docs/model.md, eq. 5.5; a capacity group compares its quantity, ``flows / c_hat`` of the
    supplier, with ``target * m^elasticity`` (eq. 5.10).
    """
    with np.errstate(divide="ignore"):
        gap = np.log(flows) - w.log_target
    if w.capacity is not None and log_c is not None:
        assert w.supplier_i is not None and w.supplier_j is not None and w.elasticity is not None
        quantity = log_c[w.supplier_i, w.supplier_j] + w.elasticity * log_m
        gap = gap - np.where(w.capacity, np.real(quantity), 0.0)
    gap = np.where(np.isfinite(gap), gap, np.where(flows > 0, 0.0, -50.0))
    if w.preference is not None:  # a demand shift rises while the flow is short of its target
        gap = np.where(w.preference, -gap, gap)
    proposed = log_m + w.step * gap
    # caps, capacities and demand shifts: m >= 1 (log_m >= 0); subsidies: m <= 1 (log_m <= 0)
    subsidy = w.on_tariff if w.preference is None else w.on_tariff & ~w.preference
    proposed = np.where(subsidy, np.minimum(proposed, 0.0), np.maximum(proposed, 0.0))
    resid = np.abs(proposed - log_m) / w.step
    return proposed, resid
