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


@dataclass(frozen=True)
class AndersonBatchOutcome:
    """Outcome of :func:`anderson_batch`, one entry per member (rows of ``z``)."""

    z: FloatArray
    iterations: NDArray[np.int64]
    residual: FloatArray
    converged: NDArray[np.bool_]


def anderson_batch(
    step: Callable[[FloatArray, NDArray[np.intp]], tuple[FloatArray, FloatArray]],
    z0: FloatArray,
    *,
    tol: float,
    max_iter: int,
    memory: int = 8,
    restart_ratio: float = 1e3,
    floor_tol: float | None = None,
    stall: int = 200,
    compact: float = 0.75,
) -> AndersonBatchOutcome:
    """Solve ``B`` fixed points ``z_b = T_b(z_b)`` at once, member by member as :func:`anderson` would.

    Every member keeps its own secant memory, best point, restarts and stopping test (the rules of
    :func:`anderson`, docs/model.md eqs. 3.5, 9.9b and 9.9c); all of them are carried as arrays with a
    leading member axis, so one pass is one call of ``step`` on the states of a batch of members.
    A member that meets its test is frozen: its state no longer moves and its further residuals
    are ignored. Frozen members stay in the arrays (and in ``step``'s batch) until the members
    still iterating are at most ``compact`` of them; then every array is cut down to those.

    Parameters
    ----------
    step : callable
        ``step(z, ids) -> (T(z), err)`` for the members in the arrays: ``z`` ``(A, D)`` are their
        states and ``ids`` ``(A,)`` their rows of ``z0`` (a new array whenever the arrays are cut
        down); ``err`` ``(A,)`` is each member's convergence measure.
    z0 : ndarray (B, D)
        Starting points.
    tol, max_iter, memory, restart_ratio, floor_tol, stall
        As in :func:`anderson`, the same for every member.
    compact : float
        Share of live members in the arrays at or below which the arrays are cut down to them.
    """
    n_members, dim = z0.shape
    out_z = np.array(z0, dtype=np.float64)
    out_it = np.full(n_members, max_iter, dtype=np.int64)
    out_err = np.full(n_members, np.inf)
    out_ok = np.zeros(n_members, dtype=bool)
    ids = np.arange(n_members, dtype=np.intp)
    live = np.ones(n_members, dtype=bool)
    z = out_z.copy()
    # the last ``memory`` differences, (A, memory, D), and their Gram matrices dF dF' (A, m, m),
    # updated one row and column at a time; slots beyond a member's count are zero, so they add
    # nothing to its normal equations and get a zero coefficient
    dG = np.zeros((n_members, memory, dim))
    dF = np.zeros((n_members, memory, dim))
    gram = np.zeros((n_members, memory, memory))
    count = np.zeros(n_members, dtype=np.int64)
    has_prev = np.zeros(n_members, dtype=bool)
    g_prev = np.zeros((n_members, dim))
    f_prev = np.zeros((n_members, dim))
    best = np.full(n_members, np.inf)
    best_z = z.copy()
    best_it = np.zeros(n_members, dtype=np.int64)
    diag = np.arange(memory)
    for it in range(1, max_iter + 1):
        g, err = step(z, ids)
        finite = np.isfinite(err)
        bad = live & ~finite
        done = live & finite & (err <= tol)
        improved = live & finite & ~done & (err < best)
        stalled = np.zeros_like(done)
        if floor_tol is not None:
            stalled = live & finite & ~done & ~improved & (best <= floor_tol) & (it - best_it >= stall)
        restart = bad | (live & finite & ~done & ~improved & ~stalled & (err > restart_ratio * best))
        out_err[ids[live]] = err[live]
        fin = done | stalled
        if np.any(fin):
            rows = ids[fin]
            out_z[rows] = np.where(stalled[fin, None], best_z[fin], z[fin])
            out_err[rows] = np.where(stalled[fin], best[fin], err[fin])
            out_it[rows] = it
            out_ok[rows] = True
            live = live & ~fin
        if np.any(improved):
            best[improved] = err[improved]
            best_z[improved] = z[improved]
            best_it[improved] = it
        if np.any(restart):
            count[restart] = 0
            has_prev[restart] = False
            dG[restart] = 0.0
            dF[restart] = 0.0
            gram[restart] = 0.0
        f = g - z
        store = live & has_prev & finite
        if np.any(store):
            rows = np.nonzero(store)[0]
            slot = count[rows] % memory
            dG[rows, slot] = g[rows] - g_prev[rows]
            dF[rows, slot] = f[rows] - f_prev[rows]
            count[rows] += 1
            mine = dF if rows.size == dF.shape[0] else dF[rows]
            new = (mine @ dF[rows, slot][:, :, None])[:, :, 0]  # (R, m)
            gram[rows, slot, :] = new
            gram[rows, :, slot] = new
        g_prev = g
        f_prev = f
        has_prev = live & finite
        ridged = gram.copy()
        ridged[:, diag, diag] += (1e-14 * np.trace(gram, axis1=1, axis2=2) + 1e-300)[:, None]
        gamma = np.linalg.solve(ridged, dF @ f[:, :, None])
        z_new = g - (gamma.transpose(0, 2, 1) @ dG)[:, 0, :]
        # a member whose residual was not finite restarts from its best point with plain iteration;
        # a frozen member keeps its state
        z = np.where((bad | ~live)[:, None], np.where(bad[:, None], best_z, z), z_new)
        n_live = int(live.sum())
        if n_live == 0:
            break
        if n_live <= compact * ids.size:
            keep = np.nonzero(live)[0]
            ids, live = ids[keep], live[keep]
            z, dG, dF, gram = z[keep], dG[keep], dF[keep], gram[keep]
            count, has_prev, g_prev, f_prev = count[keep], has_prev[keep], g_prev[keep], f_prev[keep]
            best, best_z, best_it = best[keep], best_z[keep], best_it[keep]
    rest = ids[live]
    out_z[rest] = z[live]
    return AndersonBatchOutcome(out_z, out_it, out_err, out_ok)
