"""Anderson acceleration of a fixed-point map (a multisecant quasi-Newton method).

Walker and Ni (2011), "Anderson Acceleration for Fixed-Point Iterations", SIAM J. Numer.
Anal. 49(4); Fang and Saad (2009) show it is a multisecant (Broyden type-II) quasi-Newton
method on ``g(z) = T(z) - z``. A safeguard restarts the memory when the residual jumps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class AndersonOutcome:
    z: FloatArray
    iterations: int
    residual: float
    converged: bool
    history: tuple[float, ...]


def anderson(
    step: Callable[[FloatArray], tuple[FloatArray, float]],
    z0: FloatArray,
    *,
    tol: float,
    max_iter: int,
    memory: int = 8,
    restart_ratio: float = 1e3,
    floor_tol: float | None = None,
    stall: int = 200,
) -> AndersonOutcome:
    """Solve ``z = T(z)`` by Anderson(m) acceleration.

    Parameters
    ----------
    step : callable
        ``step(z) -> (T(z), err)`` where ``err`` is the convergence measure at ``z`` (for example
        the largest absolute residual of the equilibrium conditions).
    z0 : ndarray
        Starting point.
    tol : float
        Stop when ``err <= tol``.
    max_iter : int
        Maximum number of evaluations of ``T``.
    memory : int
        Number of secant pairs kept (``m``).
    restart_ratio : float
        Clear the memory when ``err`` exceeds ``restart_ratio`` times the best error so far.
    floor_tol : float, optional
        In ill-conditioned problems the map's own rounding noise can exceed ``tol``: when the best
        error has not improved for ``stall`` evaluations and is at most ``floor_tol``, the best
        point is returned as converged (its error is reported, not ``tol``).
    stall : int
        Evaluations without improvement that count as stalling.
    """
    z = z0.copy()
    dim = z.size
    # Ring buffers of the last ``memory`` differences of T(z) and of the residual f = T(z) - z.
    dG = np.empty((dim, memory))
    dF = np.empty((dim, memory))
    count = 0
    g_prev: FloatArray | None = None
    f_prev: FloatArray | None = None
    best = np.inf
    best_z = z
    best_it = 0
    history: list[float] = []
    for it in range(1, max_iter + 1):
        g, err = step(z)
        history.append(err)
        if not np.isfinite(err):
            # restart from the best point with plain iteration
            count = 0
            g_prev = f_prev = None
            z = best_z
            continue
        if err <= tol:
            return AndersonOutcome(z, it, err, True, tuple(history))
        if err < best:
            best, best_z, best_it = err, z, it
        elif floor_tol is not None and best <= floor_tol and it - best_it >= stall:
            return AndersonOutcome(best_z, it, best, True, tuple(history))
        elif err > restart_ratio * best:
            count = 0
            g_prev = f_prev = None
        f = g - z
        if g_prev is not None and f_prev is not None:
            slot = count % memory
            dG[:, slot] = g - g_prev
            dF[:, slot] = f - f_prev
            count += 1
        g_prev, f_prev = g, f
        k = min(count, memory)
        if k:
            Fm = dF[:, :k]
            # least squares min ||f - Fm gamma|| by regularised normal equations (k <= memory is small)
            gram = Fm.T @ Fm
            diag = gram.flat[:: k + 1]
            gram.flat[:: k + 1] = diag + (1e-14 * diag.sum() + 1e-300)
            gamma = np.linalg.solve(gram, Fm.T @ f)
            z = g - dG[:, :k] @ gamma
        else:
            z = g
    return AndersonOutcome(z, max_iter, history[-1] if history else np.inf, False, tuple(history))
