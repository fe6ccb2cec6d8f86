"""Equilibrium in changes of Ossa's (2014) model as pure array functions.

The model (Ossa 2014, Section I): ``N`` countries, ``S`` industries, labour the only factor,
mobile across industries. Consumers spend fixed Cobb-Douglas shares ``mu[n, s]`` of their
income on industries (eq. 1); within an industry varieties are CES substitutes with
elasticity ``sigma[s]``. Each country has a fixed measure of firms per industry (Krugman
1980 monopolistic competition without free entry), which price at a constant markup
``sigma / (sigma - 1)`` over the wage, so profits are ``1 / sigma`` of sales and the wage bill
``(sigma - 1) / sigma`` of sales (eqs. 2-4). National income is wages plus profits plus tariff
revenue, minus the trade surplus (eq. 5).

In changes (Ossa's eqs. 10-13, "exact hat algebra"), with ``lam[n, i, s]`` the share of ``n``'s
spending on industry ``s`` that goes to ``i`` (tariff-inclusive), ``tau = 1 + t`` and hats
for new over old values, the unknowns are ``w_hat`` (N) and ``E_hat`` (N):

- price index: ``P_hat[n, s]^(1 - sigma) = sum_i lam[n, i, s] (w_hat[i] tau_hat[n, i, s])^(1 - sigma)``;
- spending shares: ``lam'[n, i, s] = lam (w_hat tau_hat)^(1 - sigma) / P_hat^(1 - sigma)``;
- sales: ``R'[i, s] = sum_n lam'[n, i, s] mu[n, s] E'[n] / tau'[n, i, s]``;
- labour market: ``sum_s (sigma - 1) / sigma R'[i, s] = w_hat[i] w[i] L[i]``;
- budget: ``E'[n] = sum_s R'[n, s] + sum_{i,s} (1 - 1 / tau') lam' mu E'[n] + D'[n]``;
- welfare: ``W_hat[n] = E_hat[n] / prod_s P_hat[n, s]^mu[n, s]``.

The budget equations sum to ``sum_n D'[n]`` identically (Walras), so the first one is replaced
by the numeraire: the world wage bill is held at its base value, Ossa's normalisation (with it
his deficit-free data, ``DATA.mat``, is reproduced to 1e-9 of each flow).

Optionally, governments weight industry profits with political-economy weights
``lam_pol[n, s]``: ``G[n] = (w L + sum_s lam_pol Pi[n, s] + TR) / P`` (``lam_pol = 1``:
``G = W`` when trade is balanced). This form is the package's own, in the spirit of Ossa's
Section I.C; it does not reproduce his political-economy tables (3b-5b) with his calibrated
weights, so only the tables without political economy are claimed (``docs/ossa2014.md``).

Axis order ``[importer n, exporter i, industry s]``. The state vector is
``x = (ln w_hat, ln E_hat)``. The kernels give the residuals, their Jacobian in ``x`` and in
``z = ln tau'`` (for gradients by implicit differentiation) and the welfare objective.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class World:
    """Base-period arrays of the model, built by :func:`calibrate` (all read-only).

    Attributes
    ----------
    trade : (N, N, S)   sales net of tariffs, ``[importer, exporter, industry]``
    tariffs : (N, N, S) ad-valorem tariffs (fractions)
    sigma : (S,)        elasticities of substitution
    lam : (N, N, S)     tariff-inclusive spending shares, summing to one over exporters
    mu : (N, S)         industry shares of spending
    spending : (N,)     ``E``, tariff-inclusive spending
    sales : (N, S)      ``R``, industry sales (home sales included)
    wage_bill : (N,)    ``w L = sum_s (sigma - 1) / sigma R``
    deficits : (N,)     ``D = E - sum_s R - TR`` (imports minus exports)
    """

    trade: FloatArray
    tariffs: FloatArray
    sigma: FloatArray
    lam: FloatArray
    mu: FloatArray
    spending: FloatArray
    sales: FloatArray
    wage_bill: FloatArray
    deficits: FloatArray

    @property
    def shape(self) -> tuple[int, int]:
        """``(N, S)``."""
        n, _, s = self.trade.shape
        return n, s

    @property
    def profits(self) -> FloatArray:
        """``Pi[n, s] = R[n, s] / sigma[s]``."""
        out: FloatArray = self.sales / self.sigma
        return out

    @property
    def tariff_revenue(self) -> FloatArray:
        """``TR[n]``."""
        out: FloatArray = (self.trade * self.tariffs).sum(axis=(1, 2))
        return out


def _ro(arr: FloatArray) -> FloatArray:
    out = np.array(arr, dtype=np.float64)
    out.setflags(write=False)
    return out


def calibrate(trade: FloatArray, tariffs: FloatArray, sigma: FloatArray) -> World:
    """Base-period shares and incomes from flows, tariffs and elasticities (Ossa eqs. 6-9).

    Parameters
    ----------
    trade : (N, N, S)
        Sales net of tariffs, ``[importer, exporter, industry]``, home sales on the diagonal.
    tariffs : (N, N, S)
        Ad-valorem tariffs, fractions.
    sigma : (S,)
        Elasticities of substitution, all above one.
    """
    trade = np.asarray(trade, dtype=np.float64)
    tau = 1.0 + np.asarray(tariffs, dtype=np.float64)
    spend = trade * tau
    by_market = spend.sum(axis=1)  # [n, s]
    spending = by_market.sum(axis=1)
    sales = trade.sum(axis=0)  # [i, s]
    wage_bill = (sales * (sigma - 1.0) / sigma).sum(axis=1)
    revenue = (trade * (tau - 1.0)).sum(axis=(1, 2))
    return World(
        trade=_ro(trade),
        tariffs=_ro(tau - 1.0),
        sigma=_ro(np.asarray(sigma, dtype=np.float64)),
        lam=_ro(spend / by_market[:, None, :]),
        mu=_ro(by_market / spending[:, None]),
        spending=_ro(spending),
        sales=_ro(sales),
        wage_bill=_ro(wage_bill),
        deficits=_ro(spending - sales.sum(axis=1) - revenue),
    )


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Everything one pass through the equilibrium conditions computes at a state ``x``.

    Attributes
    ----------
    w_hat, e_hat : (N,)  wage and spending changes
    tau : (N, N, S)      new ``1 + t'``
    A : (N, S)           ``P_hat^(1 - sigma)``
    pi : (N, N, S)       new spending shares ``lam'``
    spend : (N, N, S)    new tariff-inclusive spending by flow
    q : (N, N, S)        new sales net of tariffs by flow (``spend / tau'``)
    sales : (N, S)       ``R'``
    tariff_revenue : (N,)
    deficits : (N,)      ``D'``
    residual : (2N,)     labour markets (relative to ``w L``), then budgets (relative to
                         ``E``) with the first replaced by the numeraire
    """

    w_hat: FloatArray
    e_hat: FloatArray
    tau: FloatArray
    A: FloatArray
    pi: FloatArray
    spend: FloatArray
    q: FloatArray
    sales: FloatArray
    tariff_revenue: FloatArray
    deficits: FloatArray
    residual: FloatArray


def evaluate(world: World, x: FloatArray, tau: FloatArray, deficits: FloatArray) -> Evaluation:
    """Evaluate the equilibrium conditions (Ossa eqs. 10-13) at ``x = (ln w_hat, ln E_hat)``.

    Parameters
    ----------
    world : World
    x : (2N,)
    tau : (N, N, S)
        Counterfactual ``1 + t'`` (levels, not changes).
    deficits : (N,)
        Counterfactual deficits ``D'`` in base units; must sum to zero.
    """
    n = world.wage_bill.size
    w_hat = np.exp(x[:n])
    e_hat = np.exp(x[n:])
    g = 1.0 - world.sigma
    a = world.lam * (w_hat[None, :, None] * tau / (1.0 + world.tariffs)) ** g
    A = a.sum(axis=1)
    pi = a / A[:, None, :]
    spend = pi * (world.mu * (e_hat * world.spending)[:, None])[:, None, :]
    q = spend / tau
    sales = q.sum(axis=0)
    revenue = (spend - q).sum(axis=(1, 2))
    c = (world.sigma - 1.0) / world.sigma
    labour = ((sales * c).sum(axis=1) - w_hat * world.wage_bill) / world.wage_bill
    budget = (sales.sum(axis=1) + revenue + deficits - e_hat * world.spending) / world.spending
    budget[0] = (w_hat * world.wage_bill).sum() / world.wage_bill.sum() - 1.0
    return Evaluation(
        w_hat=w_hat,
        e_hat=e_hat,
        tau=tau,
        A=A,
        pi=pi,
        spend=spend,
        q=q,
        sales=sales,
        tariff_revenue=revenue,
        deficits=deficits,
        residual=np.concatenate([labour, budget]),
    )


def _sales_derivs(
    ev: Evaluation, g: FloatArray, omega: FloatArray, tariffs: bool = True
) -> tuple[FloatArray, FloatArray, FloatArray | None]:
    """Derivatives of ``sum_s omega[m, s] R'[m, s]`` in ``ln w_hat``, ``ln E_hat`` and ``ln tau'``.

    Returns ``(du[m, k], dv[m, n], dz[m, n, k, s])`` (``dz`` only if ``tariffs``).
    """
    n = ev.w_hat.size
    wgq = ev.q * (g * omega)[None, :, :]  # [n, m, s]
    du = np.diag(wgq.sum(axis=(0, 2))) - np.einsum("nms,nks->mk", wgq, ev.pi)
    dv = np.einsum("nms,ms->mn", ev.q, omega)
    if not tariffs:
        return du, dv, None
    dz = -np.einsum("nms,nks->mnks", wgq, ev.pi)
    own = ev.q * (omega * (g - 1.0))[None, :, :]  # [n, m, s]
    idx = np.arange(n)
    dz[idx, :, idx, :] += own.transpose(1, 0, 2)
    return du, dv, dz


def _revenue_derivs(
    ev: Evaluation, g: FloatArray, tariffs: bool = True
) -> tuple[FloatArray, FloatArray, FloatArray | None]:
    """Derivatives of tariff revenue ``TR'[n]``: ``(du[n, k], dv[n, m], dz[n, n', k, s])``."""
    n = ev.w_hat.size
    h = ev.spend - ev.q
    du = (h * g).sum(axis=2) - np.einsum("nks,ns->nk", ev.pi, g * h.sum(axis=1))
    dv = np.diag(ev.tariff_revenue)
    if not tariffs:
        return du, dv, None
    dz = np.zeros((n, n, n, g.size))
    idx = np.arange(n)
    Q = ev.q.sum(axis=1)
    dz[idx, idx] = ev.q - g * (ev.q - ev.pi * Q[:, None, :])
    return du, dv, dz


def jacobian_x(world: World, ev: Evaluation) -> FloatArray:
    """Jacobian of :attr:`Evaluation.residual` in ``x`` (2N, 2N), for Newton steps."""
    return _jacobians(world, ev, tariffs=False)[0]


def jacobians(world: World, ev: Evaluation) -> tuple[FloatArray, FloatArray]:
    """Jacobians of :attr:`Evaluation.residual` in ``x`` (2N, 2N) and in ``ln tau'`` (2N, N, N, S)."""
    jx, jz = _jacobians(world, ev, tariffs=True)
    assert jz is not None
    return jx, jz


def _jacobians(world: World, ev: Evaluation, tariffs: bool) -> tuple[FloatArray, FloatArray | None]:
    n, s = world.shape
    g = 1.0 - world.sigma
    c = np.broadcast_to((world.sigma - 1.0) / world.sigma, (n, s))
    lu, lv, lz = _sales_derivs(ev, g, c, tariffs)
    su, sv, sz = _sales_derivs(ev, g, np.ones((n, s)), tariffs)
    tu, tv, tz = _revenue_derivs(ev, g, tariffs)
    jx = np.empty((2 * n, 2 * n))
    jx[:n, :n] = (lu - np.diag(ev.w_hat * world.wage_bill)) / world.wage_bill[:, None]
    jx[:n, n:] = lv / world.wage_bill[:, None]
    jx[n:, :n] = (su + tu) / world.spending[:, None]
    jx[n:, n:] = (sv + tv - np.diag(ev.e_hat * world.spending)) / world.spending[:, None]
    jx[n, :n] = ev.w_hat * world.wage_bill / world.wage_bill.sum()
    jx[n, n:] = 0.0
    if lz is None or sz is None or tz is None:
        return jx, None
    jz = np.empty((2 * n, n, n, s))
    jz[:n] = lz / world.wage_bill[:, None, None, None]
    jz[n:] = (sz + tz) / world.spending[:, None, None, None]
    jz[n] = 0.0
    return jx, jz


def base_income(world: World, weights: FloatArray) -> FloatArray:
    """Political-economy-weighted income ``w L + sum_s lam_pol Pi + TR`` in the base period."""
    out: FloatArray = world.wage_bill + (weights * world.profits).sum(axis=1) + world.tariff_revenue
    return out


def log_objective(world: World, ev: Evaluation, weights: FloatArray | None) -> FloatArray:
    """``ln G_hat[n]`` for every country (``weights=None``: welfare ``ln W_hat = ln E_hat - ln P_hat``)."""
    log_p = (world.mu * np.log(ev.A) / (1.0 - world.sigma)).sum(axis=1)
    if weights is None:
        out: FloatArray = np.log(ev.e_hat) - log_p
        return out
    income = ev.w_hat * world.wage_bill + (weights * ev.sales / world.sigma).sum(axis=1) + ev.tariff_revenue
    out = np.log(income / base_income(world, weights)) - log_p
    return out


def objective_partials(
    world: World, ev: Evaluation, weights: FloatArray | None
) -> tuple[FloatArray, FloatArray]:
    """Partial derivatives of :func:`log_objective` (holding the other unknowns fixed).

    Returns
    -------
    dx : (N, 2N)
        In ``x = (ln w_hat, ln E_hat)``.
    dz : (N, N, N, S)
        In ``ln tau'``: ``dz[c, n, i, s]`` for country ``c``'s objective.
    """
    n, s = world.shape
    g = 1.0 - world.sigma
    dx = np.zeros((n, 2 * n))
    dz = np.zeros((n, n, n, s))
    idx = np.arange(n)
    # ln P_hat[c] = sum_s mu ln A / g; d ln A[c, s] / d ln w_hat[k] = g pi[c, k, s].
    dx[:, :n] = -np.einsum("cs,cks->ck", world.mu, ev.pi)
    dz[idx, idx] = -world.mu[:, None, :] * ev.pi
    if weights is None:
        dx[idx, n + idx] += 1.0
        return dx, dz
    income = ev.w_hat * world.wage_bill + (weights * ev.sales / world.sigma).sum(axis=1) + ev.tariff_revenue
    pu, pv, pz = _sales_derivs(ev, g, weights / world.sigma)
    tu, tv, tz = _revenue_derivs(ev, g)
    assert pz is not None and tz is not None
    dx[:, :n] += (pu + tu + np.diag(ev.w_hat * world.wage_bill)) / income[:, None]
    dx[:, n:] += (pv + tv) / income[:, None]
    dz += (pz + tz) / income[:, None, None, None]
    return dx, dz


def total_gradient(world: World, ev: Evaluation, weights: FloatArray | None, coef: FloatArray) -> FloatArray:
    """Gradient of ``sum_c coef[c] ln G_hat[c]`` in the tariff levels ``t'`` (N, N, S).

    Implicit differentiation of the equilibrium: with ``F(x, z) = 0``,
    ``df/dz = f_z - lambda' F_z`` where ``F_x' lambda = f_x``; ``dt' = tau' dz``.
    """
    jx, jz = jacobians(world, ev)
    fx, fz = objective_partials(world, ev, weights)
    fx_c = coef @ fx
    fz_c = np.einsum("c,cnis->nis", coef, fz)
    adj = np.linalg.solve(jx.T, fx_c)
    dz = fz_c - np.einsum("k,knis->nis", adj, jz)
    out: FloatArray = dz / ev.tau
    return out
