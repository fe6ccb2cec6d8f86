"""Derivatives of the equilibrium by implicit differentiation (complex step inside).

At a solution ``z* = T(z*; p)`` of the fixed-point map (:mod:`.fixed_point`), the implicit
function theorem gives ``dz*/dp = (I - T_z)^-1 T_p``. Both Jacobians come from complex-step
differentiation of the same map (Squire and Trapp 1998; Martins, Sturdza and Alonso 2003):
``T_z v = Im T(z + i h v) / h`` with ``h = 1e-30`` is exact to machine precision (no
subtractive cancellation). The state Jacobian is built by batches of directions; parameter
directions are tariff changes, compiled into a complex :class:`System` each.

This is used for gradients of government objectives with respect to tariffs
(:mod:`tradetalks.analyses.objectives`), and is checked against finite differences of full
re-solves in the tests. See docs/model.md, section 6 (eqs. 6.1-6.3).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np
import scipy.linalg
import scipy.sparse.linalg
from numpy.typing import NDArray

from tradetalks.baseline import Baseline
from tradetalks.errors import ConvergenceError
from tradetalks.model.equilibrium import Evaluation, System
from tradetalks.model.fixed_point import FixedPointMap
from tradetalks.model.shocks import Shocks
from tradetalks.model.solver import Equilibrium
from tradetalks.model.system import build_system

FloatArray = NDArray[np.float64]
ComplexArray = NDArray[np.complex128]
STEP = 1e-30


def fixed_point_map(baseline: Baseline, shocks: Shocks) -> FixedPointMap:
    """The map whose fixed point :func:`~tradetalks.model.solver.solve_equilibrium` finds."""
    if shocks.constraints or shocks.critical_inputs:
        raise NotImplementedError("derivatives are available for tariff and export-tax shocks only")
    return FixedPointMap.build(baseline, build_system(baseline, shocks))


def state_jacobian(fp: FixedPointMap, z: FloatArray, chunk: int = 96) -> FloatArray:
    """``T_z`` at ``z`` as a dense ``(dim, dim)`` matrix, by batched complex steps.

    docs/model.md, eq. 6.2.
    """
    dim = z.size
    out = np.empty((dim, dim))
    for start in range(0, dim, chunk):
        cols = np.arange(start, min(start + chunk, dim))
        batch = np.tile(z.astype(np.complex128), (cols.size, 1))
        batch[np.arange(cols.size), cols] += 1j * STEP
        tz, _ = fp(batch)
        out[:, cols] = np.imag(tz).T / STEP
    return out


#: Above this state size the sensitivities are solved by GMRES on Jacobian-vector products
#: instead of a dense Jacobian (the dense one costs ``dim`` evaluations and an ``O(dim^3)`` solve).
DENSE_MAX = 1500


def state_sensitivity(fp: FixedPointMap, z: FloatArray, rhs: FloatArray, tol: float = 1e-9) -> FloatArray:
    """Solve ``(I - T_z) X = rhs`` for ``X`` (``rhs``: one column per parameter; docs/model.md, eq. 6.1).

    Small systems build ``T_z`` densely (batched complex steps) and factorise it; large ones run
    GMRES per column with ``T_z v = Im T(z + i h v) / h`` as the operator.
    """
    dim = z.size
    if dim <= DENSE_MAX:
        out: FloatArray = scipy.linalg.solve(np.eye(dim) - state_jacobian(fp, z), rhs)
        return out
    batched = _anderson_linear(fp, z, rhs, tol)
    if batched is not None:
        return batched
    zc = z.astype(np.complex128)

    def matvec(v: FloatArray) -> FloatArray:
        tz, _ = fp(zc + 1j * STEP * np.asarray(v, dtype=np.float64).ravel())
        res: FloatArray = np.asarray(v).ravel() - np.imag(tz) / STEP
        return res

    op = scipy.sparse.linalg.LinearOperator((dim, dim), matvec=matvec, dtype=np.float64)
    cols = []
    for k in range(rhs.shape[1]):
        b = rhs[:, k]
        x, info = scipy.sparse.linalg.gmres(
            op, b, rtol=tol, atol=tol * float(np.abs(b).max() + 1e-300), restart=60, maxiter=20
        )
        if info != 0:
            raise ConvergenceError(
                f"sensitivity: GMRES did not converge for parameter {k} (info {info})",
                iterations=int(max(info, 0)),
                residual=float(np.abs(b - op.matvec(x)).max()),
            )
        cols.append(x)
    return np.stack(cols, axis=1)


def _anderson_linear(
    fp: FixedPointMap, z: FloatArray, rhs: FloatArray, tol: float, max_iter: int = 400, memory: int = 10
) -> FloatArray | None:
    """Solve ``X = T_z X + rhs`` for all columns at once by Anderson-accelerated iteration.

    Each pass is one batched complex-step evaluation of the map (all columns together, so the
    per-sector matrix products see many right-hand sides); each column keeps its own Anderson
    coefficients. Returns None if it does not converge (the caller falls back to GMRES).
    """
    zc = z.astype(np.complex128)
    r = rhs.T.copy()  # (B, dim)
    scale = float(np.abs(r).max()) or 1.0
    x = r.copy()
    d_g: list[FloatArray] = []
    d_f: list[FloatArray] = []
    g_prev: FloatArray | None = None
    f_prev: FloatArray | None = None
    for _ in range(max_iter):
        tz, _ = fp(zc[None, :] + 1j * STEP * x)
        g = np.imag(tz) / STEP + r
        f = g - x
        if float(np.abs(f).max()) <= tol * scale:
            out: FloatArray = x.T.copy()
            return out
        if g_prev is not None and f_prev is not None:
            d_g.append(g - g_prev)
            d_f.append(f - f_prev)
            if len(d_g) > memory:
                d_g.pop(0)
                d_f.pop(0)
        g_prev, f_prev = g, f
        if d_f:
            df = np.stack(d_f)  # (m, B, dim)
            gram = np.einsum("mbd,nbd->bmn", df, df)
            gram += (1e-14 * np.trace(gram, axis1=1, axis2=2) + 1e-300)[:, None, None] * np.eye(len(d_f))
            gamma = np.linalg.solve(gram, np.einsum("mbd,bd->bm", df, f)[..., None])[..., 0]
            x = g - np.einsum("mbd,bm->bd", np.stack(d_g), gamma)
        else:
            x = g
    return None


def tariff_system_map(
    fp: FixedPointMap, baseline: Baseline, shocks: Shocks, direction: FloatArray
) -> FixedPointMap:
    """The same map with tariffs ``t' + i h direction`` (a complex system; same wage step).

    Its imaginary part gives a column of ``T_p`` (docs/model.md, eq. 6.2).
    """
    tariffs = shocks.tariff_levels(baseline).astype(np.complex128) + 1j * STEP * direction
    return dataclasses.replace(fp, sys=build_system(baseline, shocks, tariffs))


def objective_gradient(
    eq: Equilibrium,
    directions: Sequence[FloatArray],
    objective: Callable[[System, Evaluation], NDArray[np.generic]],
) -> tuple[float, FloatArray]:
    """Value and gradient of ``objective(evaluation at the solution)`` along tariff directions.

    The total derivative of docs/model.md, eq. 6.3.

    Parameters
    ----------
    eq : Equilibrium
        A solved equilibrium (its ``state`` is ``z*``).
    directions : sequence of (N, N, J) arrays
        ``d t' / d p_k`` for each parameter ``p_k``.
    objective : callable
        A scalar function ``objective(system, evaluation)``, written with numpy operations that
        accept complex numbers (``log``, ``exp``, sums, products).

    Returns
    -------
    value, gradient : float, (K,)
    """
    values, grads = objective_gradients(eq, directions, [objective])
    return float(values[0]), grads[0]


def objective_gradients(
    eq: Equilibrium,
    directions: Sequence[FloatArray],
    objectives: Sequence[Callable[[System, Evaluation], NDArray[np.generic]]],
) -> tuple[FloatArray, FloatArray]:
    """Values ``(M,)`` and gradients ``(M, K)`` of several objectives from one sensitivity solve.

    docs/model.md, eqs. 6.1-6.3.
    """
    base, shocks = eq.baseline, eq.shocks
    fp = fixed_point_map(base, shocks)
    z = np.asarray(eq.state, dtype=np.float64)
    maps = [tariff_system_map(fp, base, shocks, d) for d in directions]
    t_p = np.stack([np.imag(m(z.astype(np.complex128))[0]) / STEP for m in maps], axis=1)
    dz = state_sensitivity(fp, z, t_p)
    ev = fp.evaluate(z)
    values = np.array([float(np.real(obj(fp.sys, ev))) for obj in objectives])
    grads = np.zeros((len(objectives), len(maps)))
    for k, m in enumerate(maps):
        ev_k = m.evaluate(z + 1j * STEP * dz[:, k])
        for q, obj in enumerate(objectives):
            grads[q, k] = float(np.imag(obj(m.sys, ev_k))) / STEP
    return values, grads


def objective_values(
    eq: Equilibrium, objectives: Sequence[Callable[[System, Evaluation], NDArray[np.generic]]]
) -> FloatArray:
    """Values of objectives ``objective(system, evaluation)`` at a solved equilibrium ``eq``
    (for a government: docs/model.md, eq. 7.1).

    Any shocks are allowed (constraints and nests included): the objectives are evaluated once
    at the solution state, with no derivative.
    """
    fp = FixedPointMap.build(eq.baseline, build_system(eq.baseline, eq.shocks))
    ev = fp.evaluate(np.asarray(eq.state))
    return np.array([float(np.real(obj(fp.sys, ev))) for obj in objectives])


class ObjectiveOracle:
    """Objectives and their gradients at parameter vectors ``x``, for an optimiser.

    ``shocks_at(x)`` maps parameters to shocks; each new ``x`` is solved once (warm-started from
    the previous solution) and its values and gradients along ``directions`` are memoised, so
    an optimiser may ask for the objective, the gradient and the constraints separately.
    """

    def __init__(
        self,
        baseline: Baseline,
        shocks_at: Callable[[FloatArray], Shocks],
        directions: Sequence[FloatArray],
        objectives: Sequence[Callable[[System, Evaluation], NDArray[np.generic]]],
    ) -> None:
        self.baseline = baseline
        self.shocks_at = shocks_at
        self.directions = list(directions)
        self.objectives = list(objectives)
        self._cache: dict[bytes, tuple[FloatArray, FloatArray, Equilibrium]] = {}
        self._state: FloatArray | None = None

    def __call__(self, x: FloatArray) -> tuple[FloatArray, FloatArray, Equilibrium]:
        """``(values (M,), gradients (M, K), equilibrium)`` at ``x``."""
        key = np.asarray(x, dtype=np.float64).tobytes()
        if key not in self._cache:
            from tradetalks.model.solver import solve_equilibrium

            eq = solve_equilibrium(self.baseline, self.shocks_at(x), start=self._state)
            self._state = np.asarray(eq.state)
            values, grads = objective_gradients(eq, self.directions, self.objectives)
            self._cache[key] = (values, grads, eq)
        return self._cache[key]
