"""Exposure to a supplier's critical inputs, direct and through the input-output chain.

Global input-output coefficients at producer prices (Caliendo-Parro 2015, eqs. 4-5 read as a
Leontief system): a unit of output of sector ``j`` in ``n`` buys ``io[n, k, j]`` of composite
``k`` (tariff-inclusive), of which ``pi[n, m, k] / tau[n, m, k]`` reaches producer ``m``:

``a[(m, k), (n, j)] = io[n, k, j] * pi[n, m, k] / tau[n, m, k]``.

The supplier's content of a demand vector ``d`` (producer values by ``(m, j)``) is
``e_(s,k)' (I - a)^-1 d``: direct exposure keeps only the first round (``a d`` restricted to
inputs bought by the region itself), total exposure the whole Leontief inverse
(docs/model.md, eqs. 8.1-8.3).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.linalg
from numpy.typing import NDArray

from tradetalks.baseline import Baseline

FloatArray = NDArray[np.float64]


def coefficients(producer_share: FloatArray, io_share: FloatArray) -> FloatArray:
    """Global IO coefficients ``a[(m, k), (n, j)]`` as an ``(N J, N J)`` matrix (docs/model.md, eq. 8.1).

    ``producer_share[n, m, k]``: the share of ``n``'s (tariff-inclusive) spending on ``k`` that
    reaches producers in ``m``, ``flows / spending = pi / (tau (1 + e))``.
    """
    n_reg, _, n_sec = producer_share.shape
    # a[m, k, n, j] = io[n, k, j] * producer_share[n, m, k]
    a = np.einsum("nkj,nmk->mknj", io_share, producer_share)
    out: FloatArray = a.reshape(n_reg * n_sec, n_reg * n_sec)
    return out


def global_leontief_row(a: FloatArray, row: int) -> FloatArray:
    """Row ``row`` of ``(I - a)^-1``: the total content of one supplier-sector in each ``(n, j)`` unit."""
    eye = np.eye(a.shape[0])
    out: FloatArray = scipy.linalg.solve((eye - a).T, eye[row])
    return out


def producer_shares(flows: FloatArray, spending: FloatArray) -> FloatArray:
    """``flows[n, m, k] / spending[n, k]`` (zero where nothing is bought)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = np.where(spending[:, None, :] > 0, flows / spending[:, None, :], 0.0)
    return out


def critical_input_exposure(
    baseline: Baseline,
    inputs: Sequence[str],
    supplier: str = "CHN",
    *,
    flows: FloatArray | None = None,
    spending: FloatArray | None = None,
    io_share: FloatArray | None = None,
    final_demand: FloatArray | None = None,
) -> pd.DataFrame:
    """Each region's exposure to ``supplier``'s ``inputs`` (sector codes).

    ``direct``: the supplier's inputs bought by the region's own producers, as a share of the
    region's gross output. ``total``: the supplier's inputs embodied, through every round of the
    global input-output chain (Leontief inverse), in the region's final demand, as a share of
    that final demand (final purchases of the input itself included). Shares: 0.001 = 0.1 %.
    By default the baseline's; pass a counterfactual's ``flows``, ``spending``, ``io_share`` and
    ``final_demand`` (``alpha * I'`` by sector) for "after".
    """
    fl = baseline.flows if flows is None else flows
    x = baseline.spending if spending is None else spending
    io = baseline.io_share if io_share is None else io_share
    fd = baseline.final_demand if final_demand is None else final_demand
    y = fl.sum(axis=0)
    s = baseline.region_index(supplier)
    ks = [baseline.sector_index(k) for k in inputs]
    n_reg, n_sec = baseline.n_regions, baseline.n_sectors
    ps = producer_shares(fl, x)
    a = coefficients(ps, io)
    # final demand of n bought from (m, j) at producer prices
    fd_from = (fd[:, None, :] * ps).reshape(n_reg, n_reg * n_sec)
    direct = np.zeros(n_reg)
    total = np.zeros(n_reg)
    for k in ks:
        row = s * n_sec + k
        direct += (a[row].reshape(n_reg, n_sec) * y).sum(axis=1)
        total += fd_from @ global_leontief_row(a, row)
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame(
            {"direct": direct / y.sum(axis=1), "total": total / fd.sum(axis=1)},
            index=pd.Index(baseline.regions, name="region"),
        )
