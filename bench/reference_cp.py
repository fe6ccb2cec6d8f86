"""A plain implementation of Caliendo and Parro's (2015) own solution algorithm, as a reference.

The paper's appendix algorithm, written plainly (no acceleration, no factorisation tricks):

1. guess wages ``w_hat``;
2. iterate prices to their fixed point given wages (CP eqs. 11-12), computing
   ``(kappa_hat c_hat)^-theta`` directly;
3. trade shares (eq. 13);
4. iterate spending to its fixed point given shares and wages (eq. 14);
5. update wages by the excess demand for labour, ``w_hat <- w_hat (1 + nu ZW / VA)``, and
   repeat until the labour market clears.

It is used by the benchmarks to time the package solver against, in the same process, and to
check that both give the same answer. It is deliberately not used by the package.
"""

from __future__ import annotations

import time

import numpy as np

from tradetalks.baseline import Baseline
from tradetalks.model.shocks import Shocks


def solve_reference(
    base: Baseline, shocks: Shocks, *, nu: float = 0.1, tol: float = 1e-9, max_outer: int = 100_000
) -> tuple[np.ndarray, int, float]:
    """Return ``(w_hat, outer iterations, seconds)``; deficits held fixed."""
    t0 = time.perf_counter()
    n, j = base.n_regions, base.n_sectors
    theta = base.theta
    pi = base.shares
    tau0 = 1.0 + base.tariffs
    tau1 = 1.0 + shocks.tariff_levels(base)
    kappa = tau1 / tau0
    gva, gio, alpha = base.va_share, base.io_share, base.alpha
    va, deficit = base.value_added, shocks.deficit_levels(base)
    w = np.ones(n)
    X = np.array(base.spending)
    P = np.ones((n, j))
    for outer in range(1, max_outer + 1):
        # 2. prices given wages
        for _ in range(10_000):
            c = w[:, None] ** gva * np.exp(np.einsum("nkj,nk->nj", gio, np.log(P)))
            P_new = (pi * (kappa * c[None, :, :]) ** (-theta)).sum(axis=1) ** (-1.0 / theta)
            done = np.max(np.abs(P_new - P)) < tol
            P = P_new
            if done:
                break
        # 3. shares
        pi1 = pi * (kappa * c[None, :, :] / P[:, None, :]) ** (-theta)
        # 4. spending given shares
        for _ in range(10_000):
            Y = (pi1 * X[:, None, :] / tau1).sum(axis=0)
            R = (pi1 * X[:, None, :] * (1.0 - 1.0 / tau1)).sum(axis=(1, 2))
            X_new = np.einsum("njk,nk->nj", gio, Y) + alpha * (w * va + R + deficit)[:, None]
            done = np.max(np.abs(X_new - X)) < tol * X.max()
            X = X_new
            if done:
                break
        # 5. wages
        Y = (pi1 * X[:, None, :] / tau1).sum(axis=0)
        excess = (gva * Y).sum(axis=1) - w * va
        if np.max(np.abs(excess / va)) < tol:
            return w, outer, time.perf_counter() - t0
        w = w * (1.0 + nu * excess / va)
        w = w * va.sum() / (w @ va)
    raise RuntimeError("reference algorithm did not converge")
