"""Many equilibria of one world: warm starts and one shared Newton preconditioner (eq. 9.8).

A deal space solves every package on one baseline, and under parameter draws every package again
on each drawn copy of it (docs/model.md, section 9.6). Their fixed-point maps (eqs. 3.1-3.2) are
close to one another, yet the plain iteration needs some forty passes from any start: the map
contracts slowly (the spectral radius of its Jacobian is about 0.83 on ``default``) and Anderson
acceleration learns the slow directions anew in every solve, so that even a start 1e-8 away from
the answer takes about twenty passes. The Jacobian ``J`` of the map in the price, wage and
spending coordinates, at one solved package, is therefore measured once (forward differences,
one pass a coordinate) and every later solve iterates

    z <- T(z) + K (T(z) - z),     K = (I - J)^-1 - I           (eq. 9.8)

on those coordinates (the wedges of quantity constraints move as in ``T``): Newton's step for the
package measured, a quasi-Newton step for the others, accelerated by Anderson as the plain map is.
Its fixed points are those of ``T`` (``I + K`` is invertible) and convergence is judged on ``T``'s
own residual (eq. 3.4) with the solver's tolerance, so a solve returns the equilibrium
:func:`~tradetalks.model.solve_equilibrium` finds, to that tolerance. A solve that does not
converge this way within :data:`ATTEMPT_ITER` passes is handed to ``solve_equilibrium`` itself
(which continues hard nests from Cobb-Douglas and raises ``ConvergenceError`` if it fails).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from tradetalks.baseline import Baseline
from tradetalks.model.anderson import anderson
from tradetalks.model.equilibrium import Evaluation, System, trade_flows
from tradetalks.model.fixed_point import FixedPointMap
from tradetalks.model.shocks import Shocks
from tradetalks.model.solver import SolverOptions, solve_equilibrium
from tradetalks.model.system import build_system

FloatArray = NDArray[np.float64]
log = logging.getLogger(__name__)

#: Largest number of price, wage and spending coordinates for which the Jacobian is measured
#: (``default``: 897 coordinates, 0.5 s; ``icio2022-full``: about 5,600, which would take minutes
#: and 250 MB, so its solves are warm-started only).
MAX_PRECONDITIONED = 2500
#: Forward-difference step of the Jacobian (log points and relative spending).
STEP = 1e-7
#: Passes of the preconditioned iteration before a solve is handed to ``solve_equilibrium``
#: (packages of ``busan-2025`` under draws take 8 to 17).
ATTEMPT_ITER = 100
#: Passes of the plain warm-started attempt when there is no preconditioner.
PLAIN_ITER = 400
#: Method names recorded for each solve.
PRECONDITIONED = "anderson+preconditioned"
WARM = "anderson+warm"


@dataclass(frozen=True, eq=False)
class Preconditioner:
    """``K = (I - J)^-1 - I`` on the first ``size`` coordinates of the state (eq. 9.8).

    Attributes
    ----------
    matrix : ndarray (size, size)
        Single precision (it only steers the iteration; see :func:`measure_preconditioner`).
    size : int
        The price, wage and spending coordinates (``FixedPointMap.size`` less the wedges).
    """

    matrix: NDArray[np.float32]
    size: int

    def apply(self, z: FloatArray, tz: FloatArray) -> FloatArray:
        """``T(z) + K (T(z) - z)`` on the first ``size`` coordinates (``tz`` is ``T(z)``)."""
        out = np.array(tz, dtype=np.float64)
        b = self.size
        out[:b] += self.matrix @ (out[:b] - z[:b]).astype(self.matrix.dtype)
        return out


def measure_preconditioner(
    baseline: Baseline, shocks: Shocks, state: FloatArray, max_size: int = MAX_PRECONDITIONED
) -> Preconditioner | None:
    """The preconditioner of eq. 9.8 at the solved ``state`` of ``shocks`` on ``baseline``.

    One pass of the map per price, wage and spending coordinate (forward differences of step
    :data:`STEP`), then one linear solve. ``None`` when there are more than ``max_size`` of them.
    """
    fp = FixedPointMap.build(baseline, build_system(baseline, shocks))
    z0 = np.asarray(state, dtype=np.float64)
    size = fp.size - fp.sys.n_wedges
    if size > max_size:
        return None
    jac = np.empty((size, size))
    z = z0.copy()
    with threadpool_limits(limits=1, user_api="blas"):  # small products: threads only contend
        t0 = np.asarray(fp(z0)[0])[:size]
        for k in range(size):
            z[k] = z0[k] + STEP
            jac[:, k] = (np.asarray(fp(z)[0])[:size] - t0) / STEP
            z[k] = z0[k]
    if not np.all(np.isfinite(jac)):
        log.warning("preconditioner: non-finite Jacobian on %s; solves are warm-started only", baseline.name)
        return None
    # K = (I - J)^-1 - I = (I - J)^-1 J, kept in single precision: it only steers the iteration
    # (its rounding scales with the residual and vanishes at the fixed point) and a pass reads it
    # whole, so half the bytes is half the cost
    matrix = np.linalg.solve(np.eye(size) - jac, jac)
    return Preconditioner(np.ascontiguousarray(matrix, dtype=np.float32), size)


@dataclass(frozen=True, eq=False)
class WarmSolution:
    """One solved equilibrium as the kernels give it: the system, one pass at the solution.

    Objectives (``Government.objective``) take ``(system, evaluation)``; :attr:`flows` gives the
    flows at producer prices (eq. 2.7).

    Attributes
    ----------
    system : System
    evaluation : Evaluation
        The equilibrium conditions evaluated at ``state`` (income, prices, output, ...).
    state : ndarray
        The solution (the fixed point of eq. 3.1 within the solver's tolerance).
    iterations : int
        Passes of the map (both attempts when the first was handed on).
    method : str
        :data:`PRECONDITIONED`, :data:`WARM` or the method ``solve_equilibrium`` reports.
    """

    system: System
    evaluation: Evaluation
    state: FloatArray
    iterations: int
    method: str

    @property
    def flows(self) -> FloatArray:
        """Counterfactual flows at producer prices ``[importer, exporter, sector]`` (eq. 2.7)."""
        return trade_flows(self.system, self.evaluation)


def solve_warm(
    baseline: Baseline,
    shocks: Shocks,
    options: SolverOptions,
    start: FloatArray | None = None,
    preconditioner: Preconditioner | None = None,
    alternatives: Sequence[FloatArray | None] = (),
) -> WarmSolution:
    """Solve ``shocks`` on ``baseline`` from ``start``, preconditioned by eq. 9.8 when given one.

    The solution meets the residual test of :func:`~tradetalks.model.solve_equilibrium` (eq. 3.4,
    ``options.tol``); a start of the wrong size is ignored (a package with other constraints).
    When the iteration from ``start`` does not converge within :data:`ATTEMPT_ITER` passes
    (:data:`PLAIN_ITER` without a preconditioner), it is tried from each of ``alternatives`` in
    turn (for example a solved neighbour whose critical-input nests were as hard), then
    ``solve_equilibrium`` solves from ``start``.

    Raises
    ------
    ConvergenceError
        From ``solve_equilibrium``, when no attempt converged.
    """
    fp = FixedPointMap.build(baseline, build_system(baseline, shocks))

    def fits(z: FloatArray | None) -> bool:
        return z is not None and np.shape(z) == (fp.size,)

    spent = 0
    if options.method == "anderson":
        pre = preconditioner
        if pre is not None and pre.size != fp.size - fp.sys.n_wedges:
            pre = None  # measured on another layout of the state (another horizon)

        def step(z: FloatArray) -> tuple[FloatArray, float]:
            tz, err = fp(z)
            return (np.asarray(tz) if pre is None else pre.apply(z, np.asarray(tz))), float(err)

        tries = [np.array(z, dtype=np.float64) for z in (start, *alternatives) if fits(z)]
        for z0 in tries or [fp.start()]:
            with np.errstate(over="ignore", invalid="ignore"):
                out = anderson(
                    step,
                    z0,
                    tol=options.tol,
                    max_iter=min(options.max_iter, ATTEMPT_ITER if pre is not None else PLAIN_ITER),
                    memory=options.memory,
                )
            if out.converged and np.all(np.isfinite(out.z)):
                z = np.asarray(out.z)
                method = PRECONDITIONED if pre is not None else WARM
                return WarmSolution(fp.sys, fp.evaluate(z), z, spent + out.iterations, method)
            spent += out.iterations
        log.debug("warm solve did not converge in %d passes; solving from the start", spent)
    first = np.array(start, dtype=np.float64) if fits(start) else None
    eq = solve_equilibrium(baseline, shocks, options, start=first)
    z = np.asarray(eq.state, dtype=np.float64)
    return WarmSolution(fp.sys, fp.evaluate(z), z, spent + eq.info.iterations, eq.info.method)


def is_fast(solution: WarmSolution) -> bool:
    """Whether ``solution`` came from the warm iteration (not handed to ``solve_equilibrium``)."""
    return solution.method in (PRECONDITIONED, WARM)


__all__ = [
    "MAX_PRECONDITIONED",
    "Preconditioner",
    "WarmSolution",
    "is_fast",
    "measure_preconditioner",
    "solve_warm",
]
