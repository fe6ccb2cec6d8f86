"""Derivatives of the equilibrium by implicit differentiation (complex step inside).

At a solution ``z* = T(z*; p)`` of the fixed-point map (:mod:`.fixed_point`), the implicit
function theorem gives ``dz*/dp = (I - T_z)^-1 T_p``. Both Jacobians come from complex-step
differentiation of the same map (Squire and Trapp 1998; Martins, Sturdza and Alonso 2003):
``T_z v = Im T(z + i h v) / h`` with ``h = 1e-30`` is exact to machine precision (no
subtractive cancellation). The state Jacobian is built by batches of directions; parameter
directions are tariff and export-tax changes (:class:`PolicyDirection`), compiled into complex
systems in batches.

This is used for gradients of government objectives with respect to tariffs
(:mod:`tradetalks.analyses.objectives`), and is checked against finite differences of full
re-solves in the tests. See docs/model.md, section 6 (eqs. 6.1-6.3).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence

import numpy as np
import scipy.linalg
import scipy.sparse.linalg
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from tradetalks.baseline import Baseline
from tradetalks.errors import ConvergenceError
from tradetalks.model.equilibrium import Delta, Evaluation, System
from tradetalks.model.fixed_point import FixedPointMap
from tradetalks.model.krylov import RecycledKrylov
from tradetalks.model.shocks import Shocks
from tradetalks.model.solver import Equilibrium, SolverOptions
from tradetalks.model.system import build_system

FloatArray = NDArray[np.float64]
ComplexArray = NDArray[np.complex128]
STEP = 1e-30
log = logging.getLogger(__name__)


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
    fp: FixedPointMap,
    z: FloatArray,
    rhs: FloatArray,
    tol: float,
    max_iter: int = 400,
    memory: int = 10,
    x0: FloatArray | None = None,
) -> FloatArray | None:
    """Solve ``X = T_z X + rhs`` for all columns at once by Anderson-accelerated iteration.

    Each pass is one batched complex-step evaluation of the map (all columns together, so the
    per-sector matrix products see many right-hand sides); each column keeps its own Anderson
    coefficients. Returns None if it does not converge (the caller falls back to GMRES).
    """
    zc = z.astype(np.complex128)
    r = rhs.T.copy()  # (B, dim)
    scale = float(np.abs(r).max()) or 1.0
    x = r.copy() if x0 is None else np.array(x0.T, dtype=np.float64)
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
            # batched matrix products (einsum took a slow loop here on the full baseline)
            df = np.stack(d_f, axis=1)  # (B, m, dim)
            gram = df @ df.transpose(0, 2, 1)
            gram += (1e-14 * np.trace(gram, axis1=1, axis2=2) + 1e-300)[:, None, None] * np.eye(len(d_f))
            gamma = np.linalg.solve(gram, (df @ f[..., None]))[..., 0]  # (B, m)
            x = g - (gamma[:, None, :] @ np.stack(d_g, axis=1))[:, 0, :]
        else:
            x = g
    return None


def _jvp(fp: FixedPointMap, z: FloatArray, x: FloatArray) -> FloatArray:
    """``T_z x`` for the columns of ``x`` ``(dim, K)``: one batched complex-step evaluation."""
    tz, _ = fp(z.astype(np.complex128)[None, :] + 1j * STEP * x.T)
    out: FloatArray = (np.imag(tz) / STEP).T
    return out


def _anderson_step(xs: list[FloatArray], gs: list[FloatArray]) -> FloatArray:
    """Anderson mixing of fixed-point iterates ``g_k = G(x_k)`` (columns mixed separately)."""
    if len(xs) == 1:
        return gs[0]
    f = np.stack([g - x for x, g in zip(xs, gs, strict=True)])  # (m, dim, K)
    df = f[1:] - f[:-1]  # (m-1, dim, K)
    dg = np.stack(gs[1:]) - np.stack(gs[:-1])
    gram = np.einsum("mdk,ndk->kmn", df, df)
    gram += (1e-14 * np.trace(gram, axis1=1, axis2=2) + 1e-300)[:, None, None] * np.eye(df.shape[0])
    gamma = np.linalg.solve(gram, np.einsum("mdk,dk->km", df, f[-1])[..., None])[..., 0]  # (K, m-1)
    out: FloatArray = gs[-1] - np.einsum("mdk,km->dk", dg, gamma)
    return out


class SensitivitySolver:
    """Solves ``(I - T_z) X = rhs`` (eq. 6.1) at a sequence of nearby states, reusing work.

    An optimiser or a war asks for sensitivities at states that move little from one call to the
    next. Small systems keep the LU factors of ``I - T_z`` from the last state where they were
    built and refine each new solve against the current Jacobian, ``X += LU^-1 (rhs - (I - T_z) X)``
    with ``T_z X`` by one batched complex step: exact to ``tol`` at the current state, whatever
    the state of the factors. When refinement does not contract fast enough the factors are
    rebuilt. Large systems (above :data:`DENSE_MAX`) run a block GCR iteration preconditioned by
    the search spaces of the earlier solves (:class:`~tradetalks.model.krylov.RecycledKrylov`),
    from the previous solution; if it stalls, the batched Anderson iteration of
    :func:`state_sensitivity`.
    """

    def __init__(self, tol: float = 1e-8, max_refine: int = 8) -> None:
        self.tol = tol
        self.max_refine = max_refine
        self._lu: tuple[FloatArray, NDArray[np.int32]] | None = None
        self._x: FloatArray | None = None
        self._krylov = RecycledKrylov(tol)
        self.factorisations = 0
        self.refinements = 0

    def solve(self, fp: FixedPointMap, z: FloatArray, rhs: FloatArray) -> FloatArray:
        """``X`` with ``(I - T_z) X = rhs`` to a relative residual of :attr:`tol`.

        Dense algebra runs on one BLAS thread: at these sizes (a few hundred to 1,500) threads
        gain little and lose ten times over when the other cores are busy.
        """
        with threadpool_limits(limits=1, user_api="blas"):
            return self._solve(fp, z, rhs)

    def _solve(self, fp: FixedPointMap, z: FloatArray, rhs: FloatArray) -> FloatArray:
        dim = z.size
        if dim > DENSE_MAX:
            # block GCR preconditioned by the search spaces of the earlier solves, with the last
            # solution as its first directions (the sensitivities move little between nearby states)
            x0 = self._x if self._x is not None and self._x.shape == rhs.shape else None
            warm = self._krylov.solve(lambda p: p - _jvp(fp, z, p), rhs, x0)
            if warm is None:
                # what the block iteration replaced: batched Anderson from the last solution, GMRES
                log.debug("sensitivity: block GCR stalled, solving by Anderson iteration instead")
                warm = _anderson_linear(fp, z, rhs, self.tol, memory=20, x0=x0)
            solved = state_sensitivity(fp, z, rhs) if warm is None else warm
            self._x = solved
            return solved
        scale = np.abs(rhs).max(axis=0)  # per column: each column's own accuracy
        scale = np.where(scale > 0, scale, 1.0)
        if self._lu is not None:
            lu = self._lu
            # preconditioned fixed point x <- x + LU^-1 (rhs - (I - T_z) x), Anderson-mixed per
            # column (memory 3): the factors of a nearby state make it contract fast
            x: FloatArray = scipy.linalg.lu_solve(lu, rhs)
            xs: list[FloatArray] = []
            gs: list[FloatArray] = []
            for _ in range(self.max_refine):
                resid = rhs - (x - _jvp(fp, z, x))
                self.refinements += 1
                err = float((np.abs(resid).max(axis=0) / scale).max())
                if err <= self.tol:
                    return x
                g = x + scipy.linalg.lu_solve(lu, resid)
                xs.append(x)
                gs.append(g)
                if len(xs) > 3:
                    xs.pop(0)
                    gs.pop(0)
                x = _anderson_step(xs, gs)
        self._lu = scipy.linalg.lu_factor(np.eye(dim) - state_jacobian(fp, z))
        self.factorisations += 1
        out: FloatArray = scipy.linalg.lu_solve(self._lu, rhs)
        return out


def elasticity_sensitivity(
    baseline: Baseline, shocks: Shocks, state: FloatArray, directions: FloatArray
) -> FloatArray:
    """``dz*/dp`` ``(dim, P)`` of a solved state along trade-elasticity directions ``(P, J)``.

    The implicit function theorem at ``z* = T(z*; theta)`` (docs/model.md, eqs. 6.1 and 9.5):
    ``dz*/dp = (I - T_z)^-1 T_p`` with ``T_p[:, k] = Im T(z*; theta + i h d_k) / h``, a complex
    step in the elasticities (they enter the shares ``A = pi kappa_hat^-theta``, the unit-cost
    terms ``c_hat^-theta`` and the price indices, all complex-safe), and ``T_z`` by complex steps in
    the state (:func:`state_sensitivity`). The wage step is the real system's: the fixed point does
    not depend on it. Tariff and export-tax shocks only (no constraints or nests).
    """
    fp = fixed_point_map(baseline, shocks)
    z = np.asarray(state, dtype=np.float64)
    zc = z.astype(np.complex128)
    theta = np.asarray(baseline.theta, dtype=np.float64)
    t_p = np.empty((z.size, len(directions)))
    for k, d in enumerate(directions):
        sys_k = build_system(baseline, shocks, theta=theta + 1j * STEP * np.asarray(d, dtype=np.float64))
        t_p[:, k] = np.imag(dataclasses.replace(fp, sys=sys_k)(zc)[0]) / STEP
    return state_sensitivity(fp, z, t_p)


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
    directions: Sequence[Direction],
    objective: Callable[[System, Evaluation], NDArray[np.generic]],
) -> tuple[float, FloatArray]:
    """Value and gradient of ``objective(evaluation at the solution)`` along tariff directions.

    The total derivative of docs/model.md, eq. 6.3.

    Parameters
    ----------
    eq : Equilibrium
    directions : sequence of (N, N, J) arrays or PolicyDirection
        ``d t' / d p_k`` for each parameter ``p_k`` (an array), or tariff and export-tax parts.
    objective : callable
        A scalar function ``objective(system, evaluation)``, written with numpy operations that
        accept complex numbers (``log``, ``exp``, sums, products).

    Returns
    -------
    value, gradient : float, (K,)
    """
    values, grads = objective_gradients(eq, directions, [objective])
    return float(values[0]), grads[0]


#: Most complex numbers one batch of direction evaluations holds (about 64 MB).
BATCH_CELLS = 4_000_000


@dataclasses.dataclass(frozen=True)
class PolicyDirection:
    """A direction of policy: ``d t' / d p`` (tariffs) and ``d e' / d p`` (export taxes), each
    ``(N, N, J)`` or ``None`` (no change). A plain array as a direction means tariffs."""

    tariffs: FloatArray | None = None
    export_taxes: FloatArray | None = None


Direction = FloatArray | PolicyDirection


def _split(direction: Direction, shape: tuple[int, ...]) -> tuple[FloatArray, FloatArray]:
    if not isinstance(direction, PolicyDirection):
        return np.asarray(direction, dtype=np.float64), np.zeros(shape)
    zero = np.zeros(shape)
    d = zero if direction.tariffs is None else np.asarray(direction.tariffs, dtype=np.float64)
    x = zero if direction.export_taxes is None else np.asarray(direction.export_taxes, dtype=np.float64)
    return d, x


def direction_maps(
    fp: FixedPointMap, baseline: Baseline, shocks: Shocks, directions: Sequence[Direction]
) -> list[tuple[int, FixedPointMap]]:
    """The map with policy ``(t', e') + i h (d_k, x_k)`` for every direction, a batch of systems at
    a time: ``(first direction, map)`` per batch; each map's system carries a leading batch axis.

    The systems' arrays are ``X + i h (dX/dt' d_k + dX/de' x_k)`` from the closed-form derivatives
    of eq. 2.2: with ``g = d_k / tau' + x_k / (1 + e')`` (the change of ``ln kappa``),
    ``dA = -theta A g``; the tariff share ``A (1 - 1/tau')`` moves by ``dA (1 - 1/tau') + A d_k /
    tau'^2``, the producer share ``A / (tau' (1 + e'))`` by ``(dA - A g) / (tau' (1 + e'))`` and
    the export-tax share ``A / tau' - producer`` by the difference. That is what a complex step of
    the policy gives, without complex powers.
    """
    if fp.sys.wedges is not None or fp.sys.nests is not None:
        raise NotImplementedError("derivatives are available for tariff and export-tax shocks only")
    tau = 1.0 + shocks.tariff_levels(baseline)
    ex = 1.0 + shocks.export_tax_levels(baseline)
    finite = np.isfinite(tau) & np.isfinite(ex)
    with np.errstate(invalid="ignore", divide="ignore"):
        inv_tau = np.where(finite, 1.0 / tau, 0.0)
        inv_ex = np.where(finite, 1.0 / ex, 0.0)
    A = np.real(fp.sys.A)
    per = 16 * A.shape[0] * A.shape[2]  # complex numbers an evaluation holds per direction, about
    size = max(1, BATCH_CELLS // per)
    pairs = [_split(dk, A.shape) for dk in directions]
    exports = any(np.any(x) for _, x in pairs)
    # the derivatives are zero off the cells some direction moves: computed on those cells only
    moved = np.zeros(A.shape, dtype=bool)
    for d_k, x_k in pairs:
        moved |= (d_k != 0) | (x_k != 0)
    cells = np.nonzero(moved & finite)
    A_c, it_c, ie_c = A[cells], inv_tau[cells], inv_ex[cells]
    theta_c = np.asarray(baseline.theta)[cells[2]]
    seller_side = fp.sys.seller_side
    if exports and seller_side.shape[0] == 1:  # the export-tax share starts at zero
        seller_side = np.concatenate([seller_side, np.zeros_like(seller_side)], axis=0)
    out = []
    for start in range(0, len(pairs), size):
        d = np.stack([p[0][cells] for p in pairs[start : start + size]])  # (k, cells)
        x = np.stack([p[1][cells] for p in pairs[start : start + size]])
        g = d * it_c + x * ie_c
        dA = -theta_c * A_c * g
        d_tariff = dA * (1.0 - it_c) + A_c * d * it_c * it_c
        d_prod = (dA - A_c * g) * it_c * ie_c
        buyer = 1j * STEP * np.stack([dA, d_tariff], axis=1)  # (k, 2, cells)
        sides = [d_prod]
        if seller_side.shape[0] == 2:
            sides.append((dA - A_c * d * it_c) * it_c - d_prod)
        delta = Delta(cells, buyer, 1j * STEP * np.stack(sides, axis=1))  # type: ignore[arg-type]
        sys = dataclasses.replace(fp.sys, seller_side=seller_side, delta=delta)
        out.append((start, dataclasses.replace(fp, sys=sys)))
    return out


def objective_gradients(
    eq: Equilibrium,
    directions: Sequence[Direction],
    objectives: Sequence[Callable[[System, Evaluation], NDArray[np.generic]]],
    solver: SensitivitySolver | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Values ``(M,)`` and gradients ``(M, K)`` of several objectives from one sensitivity solve.

    docs/model.md, eqs. 6.1-6.3. ``solver`` reuses factorisations across calls at nearby states.
    """
    base, shocks = eq.baseline, eq.shocks
    fp = fixed_point_map(base, shocks)
    z = np.asarray(eq.state, dtype=np.float64)
    zc = z.astype(np.complex128)
    batches = direction_maps(fp, base, shocks, directions)
    t_p = np.zeros((z.size, len(directions)))
    for start, m in batches:
        k = m.sys.batch_size
        t_p[:, start : start + k] = (np.imag(m(np.broadcast_to(zc, (k, z.size)))[0]) / STEP).T
    dz = solver.solve(fp, z, t_p) if solver is not None else state_sensitivity(fp, z, t_p)
    ev = fp.evaluate(z)
    values = np.array([float(np.real(obj(fp.sys, ev))) for obj in objectives])
    grads = np.zeros((len(objectives), len(directions)))
    for start, m in batches:
        k = m.sys.batch_size
        ev_k = m.evaluate(zc[None, :] + 1j * STEP * dz[:, start : start + k].T)
        for q, obj in enumerate(objectives):
            grads[q, start : start + k] = np.imag(obj(m.sys, ev_k)) / STEP
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
        directions: Sequence[Direction],
        objectives: Sequence[Callable[[System, Evaluation], NDArray[np.generic]]],
        solver_options: SolverOptions | None = None,
        sensitivity: SensitivitySolver | None = None,
        start: FloatArray | None = None,
    ) -> None:
        self.baseline = baseline
        self.solver_options = solver_options
        self.shocks_at = shocks_at
        self.directions = list(directions)
        self.objectives = list(objectives)
        self._cache: dict[bytes, tuple[FloatArray, FloatArray, Equilibrium]] = {}
        self._state: FloatArray | None = start
        # shared across oracles on the same baseline (the factors depend on the state only)
        self.sensitivity = sensitivity if sensitivity is not None else SensitivitySolver()

    def __call__(self, x: FloatArray) -> tuple[FloatArray, FloatArray, Equilibrium]:
        """``(values (M,), gradients (M, K), equilibrium)`` at ``x``."""
        key = np.asarray(x, dtype=np.float64).tobytes()
        if key not in self._cache:
            from tradetalks.model.solver import solve_equilibrium

            # one BLAS thread: the products here are small (sector blocks of N x N), and threads
            # lose several times over when the other cores are busy (as in SensitivitySolver.solve)
            with threadpool_limits(limits=1, user_api="blas"):
                eq = solve_equilibrium(
                    self.baseline, self.shocks_at(x), self.solver_options, start=self._state
                )
                self._state = np.asarray(eq.state)
                values, grads = objective_gradients(eq, self.directions, self.objectives, self.sensitivity)
            self._cache[key] = (values, grads, eq)
        return self._cache[key]
