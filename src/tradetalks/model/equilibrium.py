"""Equilibrium in changes of the Caliendo-Parro (2015) model as pure array functions.

Notation follows docs/model.md (sections 1-2, eqs. 2.1-2.14) and Caliendo and Parro (2015,
"Estimates of the Trade and Welfare Effects of NAFTA", Review of Economic Studies 82(1), eqs.
10-15, "equilibrium in relative changes"). Axis order ``[importer n, exporter i, sector j]``.

The counterfactual trade cost enters only through ``A[n, i, j] = pi[n, i, j] *
kappa_hat[n, i, j] ** -theta[j]``, so the unit-cost term factorises as
``(kappa_hat c_hat)^-theta = A / pi * c_hat^-theta``: each evaluation of the system costs a
handful of ``N^2 J`` multiply-adds and only ``N J`` exponentials. A prohibitive wedge
(``kappa_hat = inf``) gives ``A = 0`` exactly, so bans and autarky are exact limits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradetalks.model import nests as nest_kernel
from tradetalks.model import wedges as wedge_kernel
from tradetalks.model.nests import Nests
from tradetalks.model.wedges import Wedges

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Delta:
    """A batch of perturbations of a system's shares on a few cells.

    ``cells`` are index arrays ``(n, i, j)`` of ``C`` cells; ``buyer`` ``(B, 2, C)`` and ``seller``
    ``(B, S, C)`` are added to ``buyer_side[:, n, i, j]`` and ``seller_side[:, n, i, j]`` of batch
    member ``b`` (``S`` rows of the system's ``seller_side``).
    """

    cells: tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.intp]]
    buyer: NDArray[Any]
    seller: NDArray[Any]


@dataclass(frozen=True, eq=False)
class System:
    """Arrays of one counterfactual, fixed during the solve (built by :func:`prepare`; docs/model.md,
    eqs. 2.2-2.3).

    Attributes
    ----------
    buyer_side : (2, N, N, J)
        ``A = pi * kappa_hat^-theta`` and ``tariff = A * t' / tau'`` (the share of spending that
        is tariff revenue of the importer).
    seller_side : (1 or 2, N, N, J)
        ``producer = A / (tau' (1 + e'))`` (the share that reaches producers) and, when any
        export tax is set, ``xtax = A * e' / (tau' (1 + e'))`` (export-tax revenue of the exporter).
    va_share, io_share, alpha, theta : baseline parameters
    spending0 : (N, J)     baseline spending ``X``
    value_added0 : (N,)    baseline ``VA = w L``
    deficits : (N,)        counterfactual deficits ``D'``
    wedges : Wedges, optional   endogenous wedges of quantity constraints (:mod:`.wedges`)
    nests : Nests, optional     CES nests of critical inputs (:mod:`.nests`)
    mobility : float, optional  factor mobility ``eta`` across sectors (docs/model.md, section 2.6);
        ``None``: perfect mobility, one factor price per region (section 2); otherwise the factor
        prices are sector-specific, ``w_hat[n, j]``
    sector_value_added0 : (N, J), optional   baseline value added by sector (with ``mobility``)
    delta : Delta, optional     a batch of perturbations of ``buyer_side`` and ``seller_side`` on a
        few cells (the complex-step systems of the derivatives along many policy directions at
        once: one base system, not one dense system per direction)
    """

    buyer_side: FloatArray  # (2, N, N, J): A and tariff, stacked for one contraction
    seller_side: FloatArray  # (1 or 2, N, N, J): producer and, if any export tax, xtax
    va_share: FloatArray
    io_share: FloatArray
    alpha: FloatArray
    theta: FloatArray
    spending0: FloatArray
    value_added0: FloatArray
    deficits: FloatArray
    wedges: Wedges | None = field(default=None)
    nests: Nests | None = field(default=None)
    mobility: float | None = field(default=None)
    sector_value_added0: FloatArray | None = field(default=None)
    delta: Delta | None = field(default=None)

    @property
    def sector_factors(self) -> bool:
        """Whether factor prices are sector-specific (finite ``mobility``)."""
        return self.mobility is not None

    @cached_property
    def value_added_weights(self) -> FloatArray:
        """``v[n, j] = VA[n, j] / VA[n]``: baseline shares of each sector in a region's factors."""
        va = self.sector_value_added0
        assert va is not None
        tot = va.sum(axis=-1, keepdims=True)
        out: FloatArray = np.where(tot > 0, va / np.where(tot > 0, tot, 1.0), 0.0)
        return out

    @property
    def batched(self) -> bool:
        """Whether the shock-dependent arrays carry a leading batch axis (one system per member of
        a batch of states: the complex-step derivatives along many tariff directions at once)."""
        return bool(self.buyer_side.ndim == 5 or self.delta is not None)

    @property
    def batch_size(self) -> int:
        """Members of the batch (1 for a system that is not batched)."""
        if self.delta is not None:
            return int(self.delta.buyer.shape[0])
        return int(self.buyer_side.shape[0]) if self.buyer_side.ndim == 5 else 1

    @cached_property
    def buyer_by_sector(self) -> NDArray[np.generic]:
        """``buyer_side`` laid out ``[(b,) j, (s, n), i]`` for one matrix product per sector."""
        *b, s, n, i, j = self.buyer_side.shape
        lead = tuple(range(len(b)))
        arr = self.buyer_side.transpose(*lead, len(b) + 3, len(b), len(b) + 1, len(b) + 2)
        return np.ascontiguousarray(arr.reshape(*b, j, s * n, i))

    @cached_property
    def seller_by_sector(self) -> NDArray[np.generic]:
        """``seller_side`` laid out ``[(b,) j, (s, i), n]``."""
        *b, s, n, i, j = self.seller_side.shape
        lead = tuple(range(len(b)))
        arr = self.seller_side.transpose(*lead, len(b) + 3, len(b), len(b) + 2, len(b) + 1)
        return np.ascontiguousarray(arr.reshape(*b, j, s * i, n))

    @property
    def n_wedges(self) -> int:
        return 0 if self.wedges is None else self.wedges.size

    def _dense(self, side: str, row: int) -> FloatArray:
        """Row ``row`` of ``buyer_side`` or ``seller_side``, with the batch of ``delta`` applied."""
        base: FloatArray = (self.buyer_side if side == "buyer" else self.seller_side)[..., row, :, :, :]
        if self.delta is None:
            return base
        d = self.delta
        vals = (d.buyer if side == "buyer" else d.seller)[:, row, :]
        out: FloatArray = np.empty((vals.shape[0], *base.shape), dtype=np.result_type(base, vals))
        out[...] = base
        out[(slice(None), *d.cells)] += vals
        return out

    @property
    def A(self) -> FloatArray:  # noqa: N802  (the paper's notation)
        return self._dense("buyer", 0)

    @property
    def tariff(self) -> FloatArray:
        return self._dense("buyer", 1)

    @property
    def producer(self) -> FloatArray:
        return self._dense("seller", 0)

    @property
    def has_export_taxes(self) -> bool:
        return bool(self.seller_side.shape[-4] == 2)

    def producer_at(self, log_m: FloatArray) -> FloatArray:
        """The producer shares of every cell with the constraint wedges at ``log_m`` applied."""
        return effective_arrays(self, log_m)[1]


def share_cells(
    shares: FloatArray,
    tariffs0: FloatArray,
    tariffs1: FloatArray,
    export_taxes0: FloatArray,
    export_taxes1: FloatArray,
    iceberg_hat: FloatArray | None,
    theta: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """``(A, tariff, producer, xtax)`` of a set of cells (docs/model.md, eqs. 2.1-2.3): the
    buyer's weights ``A = pi kappa_hat^-theta`` and their shares paid as tariff, received by the
    producer and paid as export tax, cell by cell (any shapes that broadcast; ``theta`` already
    laid out against the cells). The arithmetic of :func:`prepare`, which calls it on every cell."""
    tau1 = 1.0 + tariffs1
    ex1 = 1.0 + export_taxes1
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        kappa = (tau1 / (1.0 + tariffs0)) * (ex1 / (1.0 + export_taxes0))
        if iceberg_hat is not None:
            kappa = kappa * iceberg_hat
        A = shares * np.power(kappa, -theta)
        A = np.where(np.isfinite(kappa), A, 0.0)
        inv_tau = np.where(np.isfinite(tau1), 1.0 / tau1, 0.0)
        inv_ex = np.where(np.isfinite(ex1), 1.0 / ex1, 0.0)
        producer = A * inv_tau * inv_ex
        tariff = A * (1.0 - inv_tau)
        xtax = A * inv_tau * (1.0 - inv_ex)
    return A, tariff, producer, xtax


def prepare(
    shares: FloatArray,
    tariffs0: FloatArray,
    tariffs1: FloatArray,
    export_taxes0: FloatArray,
    export_taxes1: FloatArray,
    iceberg_hat: FloatArray | None,
    va_share: FloatArray,
    io_share: FloatArray,
    alpha: FloatArray,
    theta: FloatArray,
    spending0: FloatArray,
    value_added0: FloatArray,
    deficits: FloatArray,
) -> System:
    """Precompute the shock-dependent arrays (docs/model.md, eqs. 2.1-2.3).

    ``kappa_hat = (tau'/tau) * ((1+e')/(1+e)) * d_hat`` (Caliendo-Parro eq. 10 with export taxes).
    Infinite wedges give zero weight; their revenue shares are zero.
    """
    A, tariff, producer, xtax = share_cells(
        shares, tariffs0, tariffs1, export_taxes0, export_taxes1, iceberg_hat, theta[None, None, :]
    )
    seller = np.stack([producer, xtax], axis=-4) if np.any(xtax) else producer[..., None, :, :, :]
    return System(
        buyer_side=np.stack([A, tariff], axis=-4),
        seller_side=seller,
        va_share=va_share,
        io_share=io_share,
        alpha=alpha,
        theta=theta,
        spending0=spending0,
        value_added0=value_added0,
        deficits=deficits,
    )


def log_unit_cost(sys: System, log_w: FloatArray, log_P: FloatArray) -> FloatArray:
    """``ln c_hat[n, j] = gamma[n, j] ln w_hat[n] + sum_k gamma[n, k, j] ln P_hat[n, k]``.

    Unit-cost changes (docs/model.md, eq. 2.4; CP eq. 11). With sector-specific factor prices
    (``sys.sector_factors``) ``log_w`` is ``(..., N, J)`` and ``w_hat[n]`` becomes ``w_hat[n, j]``
    (section 2.6).
    """
    inputs = np.matmul(log_P[..., :, None, :], sys.io_share)[..., 0, :]
    wage = log_w if sys.sector_factors else log_w[..., :, None]
    out: FloatArray = sys.va_share * wage + inputs
    return out


def factor_supply(sys: System, log_w: NDArray[Any]) -> NDArray[Any]:
    """Factor income by sector supplied at sector factor prices ``w_hat[n, j]`` (docs/model.md,
    eqs. 2.19-2.20): ``VA[n, j] w_hat^(1 + eta) / S[n]`` with ``S[n] = sum_k v[n, k] w_hat[n, k]^eta``.

    The CET allocation ``L_hat[n, j] = w_hat[n, j]^eta / S[n]`` keeps each region's factor
    endowment fixed (``sum_j v L_hat = 1``); ``eta = 0`` fixes the factors by sector.
    """
    eta = float(sys.mobility or 0.0)
    va0 = sys.sector_value_added0
    assert va0 is not None
    if eta == 0.0:
        out: NDArray[Any] = va0 * np.exp(log_w)
        return out
    powered = np.exp(eta * log_w)
    total = (sys.value_added_weights * powered).sum(axis=-1)
    out = va0 * np.exp(log_w) * powered / total[..., None]
    return out


def _log(x: NDArray[Any]) -> NDArray[Any]:
    """``log x``; for the complex states of the complex-step derivatives as ``log |x| + i arg x``,
    which is the same number (numpy's complex ``log`` takes a slow path on strided views, ten
    times the cost of the whole rest of an evaluation)."""
    if np.iscomplexobj(x):
        out: NDArray[Any] = np.log(np.abs(x)) + 1j * np.angle(x)
        return out
    real: NDArray[Any] = np.log(x)
    return real


def per_sector_product(stack: NDArray[Any], vec: NDArray[Any]) -> NDArray[Any]:
    """``out[..., r, j] = sum_k stack[j, r, k] vec[..., k, j]``: one matrix product per sector.

    A batched ``stack`` ``(B, J, R, K)`` (one system per batch member) takes ``vec`` ``(B, K, J)``.
    """
    if stack.ndim == 4:
        if np.iscomplexobj(stack) or np.iscomplexobj(vec):
            # einsum: numpy's batched complex matmul of (R, K) @ (K, 1) takes a slow generic loop
            batched: NDArray[Any] = np.einsum("bjrk,bkj->brj", stack, vec)
            return batched
        # real: the batched matmul is about three times einsum's speed (the batches of model.batch)
        real: NDArray[Any] = np.matmul(stack, vec.transpose(0, 2, 1)[..., None])[..., 0].transpose(0, 2, 1)
        return real
    *batch, k, j = vec.shape
    v = vec.reshape(-1, k, j).transpose(2, 1, 0)  # (J, K, B)
    if np.iscomplexobj(v) and not np.iscomplexobj(stack):
        # a real stack times complex vectors: one real product on [Re v, Im v] (a complex product
        # would cast the stack and do four times the real work)
        b = v.shape[-1]
        both = np.matmul(stack, np.concatenate([v.real, v.imag], axis=-1))
        prod: NDArray[Any] = both[..., :b] + 1j * both[..., b:]
    else:
        prod = np.matmul(stack, v)
    out: NDArray[Any] = prod.transpose(2, 1, 0).reshape(*batch, stack.shape[1], j)
    return out


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Everything one pass through the equilibrium conditions computes.

    ``log_P``, ``spending`` and ``labour_income`` are the *updated* values implied by the input
    state; at a fixed point they equal the input state.
    """

    log_c: FloatArray  # (N, J)
    cost_term: FloatArray  # (N, J)  c_hat^-theta
    phi: FloatArray  # (N, J)  P_hat^-theta = sum_i A c_hat^-theta  (CP eq. 12)
    spending_ratio: FloatArray  # (N, J)  X' / P_hat^-theta
    log_P: FloatArray  # (N, J)
    output: FloatArray  # (N, J)  Y' at producer prices (CP eq. 14, first part)
    tariff_revenue: FloatArray  # (N,)
    export_tax_revenue: FloatArray  # (N,)
    labour_income: FloatArray  # (N,) demand for labour, sum_j gamma Y' (CP eq. 15); (N, J) by sector
    income: FloatArray  # (N,)  I' = w_hat VA + R' + E' + D'
    spending: FloatArray  # (N, J) X' implied (CP eq. 14)
    va_share: FloatArray  # (N, J) value-added shares in effect (move only in CES nests)
    io_share: FloatArray  # (N, J, J) input shares in effect
    log_m: FloatArray  # (G,) log wedge multipliers of the constraints at this state
    group_flows: FloatArray  # (G,) value of each constrained group's flows


def evaluate(
    sys: System,
    log_w: FloatArray,
    log_P: FloatArray,
    spending: FloatArray,
    log_m: FloatArray | None = None,
) -> Evaluation:
    """One pass through CP (2015) eqs. 11-15 at the state ``(w_hat, P_hat, X', m)``.

    Computes docs/model.md eqs. 2.4-2.5 and 2.8-2.12 and the labour demand of eq. 2.13, with the
    critical-input nests of eqs. 5.6-5.8 and the endogenous wedges of eqs. 5.3-5.4.

    Parameters
    ----------
    log_w : (..., N)  log wage changes; ``(..., N, J)`` with sector-specific factor prices
    log_P : (..., N, J)  log sector price changes
    spending : (..., N, J)  counterfactual spending ``X'`` (levels)
    log_m : (G,), optional  log multipliers of the endogenous wedges (zeros if omitted)

    Leading axes (``...``) evaluate a batch of states at once (also complex ones, for
    complex-step derivatives); a batch is only supported without wedges and nests.
    """
    theta = sys.theta
    if log_P.ndim > 2 and (sys.wedges is not None or sys.nests is not None):
        raise NotImplementedError("batched evaluation is not supported with constraints or CES nests")
    log_c = log_unit_cost(sys, log_w, log_P)
    va_share, io_share = sys.va_share, sys.io_share
    if sys.nests is not None:
        nest = sys.nests
        nested, share = nest_kernel.nested_log_cost(nest, log_c, log_P)
        log_c = log_c.copy()
        log_c[nest.n, nest.j] = nested
        va_share, io_share = nest_kernel.effective_shares(nest, va_share, io_share, share)
    cost_term = np.exp(-theta * log_c)
    buyer = per_sector_product(sys.buyer_by_sector, cost_term).reshape(
        *cost_term.shape[:-2], 2, cost_term.shape[-2], cost_term.shape[-1]
    )
    delta = sys.delta
    if delta is not None:  # buyer[b, s, n, j] += delta.buyer[b, s, c] c_hat[b, i, j]^-theta on its cells
        n_c, i_c, j_c = delta.cells
        buyer = buyer.astype(np.result_type(buyer, delta.buyer))
        np.add.at(buyer, (slice(None), slice(None), n_c, j_c), delta.buyer * cost_term[:, None, i_c, j_c])  # type: ignore[arg-type]
    lm = np.zeros(sys.n_wedges) if log_m is None else log_m
    w = sys.wedges
    if w is not None:
        # the System holds the constrained cells at zero; their whole shares are added here, so
        # that no large base term is cancelled by its correction (docs/model.md, eq. 5.3)
        dA, dT, dP, dX = wedge_kernel.cell_arrays(w, lm)
        cells_cost = cost_term[w.i, w.j]
        np.add.at(buyer[0], (w.n, w.j), dA * cells_cost)
        np.add.at(buyer[1], (w.n, w.j), dT * cells_cost)
    phi = buyer[..., 0, :, :]
    with np.errstate(divide="ignore"):
        new_log_P = -_log(phi) / theta
        m = spending / phi  # X'[n, j] / P_hat^-theta
    if w is not None and w.preference is not None:  # the buyers' prices at base preferences (eq. 5.12)
        new_log_P = new_log_P + wedge_kernel.preference_log_price(w, lm, cost_term, phi)
    n_s = sys.seller_side.shape[-4]
    seller = cost_term[..., None, :, :] * per_sector_product(sys.seller_by_sector, m).reshape(
        *m.shape[:-2], n_s, m.shape[-2], m.shape[-1]
    )
    if delta is not None:  # seller[b, s, i, j] += c_hat[b, i, j]^-theta delta.seller[b, s, c] m[b, n, j]
        n_c, i_c, j_c = delta.cells
        seller = seller.astype(np.result_type(seller, delta.seller))
        add = delta.seller * (cost_term[:, None, i_c, j_c] * m[:, None, n_c, j_c])
        np.add.at(seller, (slice(None), slice(None), i_c, j_c), add)  # type: ignore[arg-type]
    output = seller[..., 0, :, :]
    xtax_rev = seller[..., 1, :, :].sum(axis=-1) if sys.has_export_taxes else np.zeros_like(m[..., 0])
    groups = np.zeros(0)
    if w is not None:
        cells_m = m[w.n, w.j] * cost_term[w.i, w.j]
        output = output.copy()
        np.add.at(output, (w.i, w.j), dP * cells_m)
        xtax_rev = xtax_rev + np.bincount(w.i, weights=dX * cells_m, minlength=xtax_rev.size)
        producer_now = wedge_kernel.cell_arrays(w, lm)[2]
        groups = wedge_kernel.group_flows(w, producer_now, cost_term, m)
    tariff_rev = (m * buyer[..., 1, :, :]).sum(axis=-1)
    if sys.sector_factors:
        labour = va_share * output  # factor demand by sector (eq. 2.20)
        factor_income = factor_supply(sys, log_w).sum(axis=-1)
    else:
        labour = (va_share * output).sum(axis=-1)
        factor_income = np.exp(log_w) * sys.value_added0
    income = factor_income + tariff_rev + xtax_rev + sys.deficits
    new_spending = np.matmul(io_share, output[..., None])[..., 0] + sys.alpha * income[..., None]
    return Evaluation(
        log_c=log_c,
        cost_term=cost_term,
        phi=phi,
        spending_ratio=m,
        log_P=new_log_P,
        output=output,
        tariff_revenue=tariff_rev,
        export_tax_revenue=xtax_rev,
        labour_income=labour,
        income=income,
        spending=new_spending,
        va_share=va_share,
        io_share=io_share,
        log_m=lm,
        group_flows=groups,
    )


def effective_arrays(sys: System, log_m: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Full ``A`` and ``producer`` arrays with the wedges at ``log_m`` applied (for outputs; docs/model.md,
    eq. 5.3)."""
    A = sys.A.copy()
    producer = sys.producer.copy()
    w = sys.wedges
    if w is not None:
        a, _, p, _ = wedge_kernel.cell_arrays(w, log_m)
        A[w.n, w.i, w.j] = a
        producer[w.n, w.i, w.j] = p
    return A, producer


def trade_shares(sys: System, ev: Evaluation) -> FloatArray:
    """Counterfactual expenditure shares ``pi'[n, i, j]`` (docs/model.md, eq. 2.6; CP eq. 13)."""
    A, _ = effective_arrays(sys, ev.log_m)
    out: FloatArray = A * ev.cost_term[None, :, :] / ev.phi[:, None, :]
    return out


def trade_flows(sys: System, ev: Evaluation) -> FloatArray:
    """Counterfactual flows at producer prices ``pi' X' / (tau' (1 + e'))`` (docs/model.md, eq. 2.7)."""
    _, producer = effective_arrays(sys, ev.log_m)
    out: FloatArray = producer * ev.cost_term[None, :, :] * ev.spending_ratio[:, None, :]
    return out
