"""CES nests for critical (chokepoint) inputs inside the Cobb-Douglas production function.

For a nested user cell ``(n, j)`` with critical input ``k``, baseline cost share ``s`` and
elasticity ``sigma`` (docs/model.md, section 5.4, eqs. 5.6-5.8):

``c_hat = ((1 - s) c_cd_hat^(1 - sigma) + s P_hat[n, k]^(1 - sigma))^(1 / (1 - sigma))``,

where ``ln c_cd_hat = (gamma ln w_hat + sum_{k' != k} gamma_k' ln P_hat[n, k']) / (1 - s)`` is the
Cobb-Douglas composite of everything else. Cost shares move with relative prices:
``s' = s (P_hat[n, k] / c_hat)^(1 - sigma)``, and value added and the other inputs scale by
``(1 - s') / (1 - s)``. With ``sigma = 1`` the nest is the Cobb-Douglas technology exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


@dataclass(frozen=True, eq=False)
class Nests:
    """Nested cells: user region ``n``, user sector ``j``, critical input ``k``, share ``s``, ``sigma``."""

    n: IntArray
    j: IntArray
    k: IntArray
    s: FloatArray
    sigma: FloatArray


def nested_log_cost(nests: Nests, log_c_cd: FloatArray, log_P: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Log unit cost and the critical input's new cost share at the nested cells (docs/model.md,
    eqs. 5.6-5.8).

    Parameters
    ----------
    log_c_cd : (N, J)  Cobb-Douglas log unit cost with the baseline shares (all inputs)
    log_P : (N, J)     log price changes
    """
    s = nests.s
    lpk = log_P[nests.n, nests.k]
    lrest = (log_c_cd[nests.n, nests.j] - s * lpk) / (1.0 - s)
    rho = 1.0 - nests.sigma
    cd = np.abs(rho) < 1e-12
    safe = np.where(cd, 1.0, rho)
    # log-sum-exp for ((1 - s) e^(rho lrest) + s e^(rho lpk))^(1/rho)
    a, b = rho * lrest, rho * lpk
    top = np.maximum(a, b)
    with np.errstate(divide="ignore"):
        lse = top + np.log((1.0 - s) * np.exp(a - top) + s * np.exp(b - top))
    log_c = np.where(cd, log_c_cd[nests.n, nests.j], lse / safe)
    share = np.where(cd, s, s * np.exp(rho * (lpk - log_c)))
    return log_c, share


def effective_shares(
    nests: Nests, va_share: FloatArray, io_share: FloatArray, share: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Value-added and input-output shares with the nested cells' shares moved to ``share``.

    The shares in effect of docs/model.md, eq. 5.8.
    """
    scale = (1.0 - share) / (1.0 - nests.s)
    va = va_share.copy()
    va[nests.n, nests.j] *= scale
    io = io_share.copy()
    io[nests.n, :, nests.j] *= scale[:, None]
    io[nests.n, nests.k, nests.j] = share
    return va, io
