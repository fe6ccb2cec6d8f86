"""The Nash equilibrium of a tariff war as one system: every player's first-order conditions at once.

At a Nash equilibrium each player's rates are optimal given the others' (docs/model.md, eq. 7.3):
the projected gradient of its objective in its own rates vanishes. Stacking every player's
conditions gives one fixed point (eq. 7.3a)

    x = P[ x - D^-1 g(x) ],    g(x) = (dG_1/dx_1, ..., dG_P/dx_P),

with ``P`` the projection on ``0 <= x <= upper`` and ``D`` the diagonal of each player's own
Hessian (measured once, by one probe per player; the own Hessians are close to diagonal). One
evaluation of ``g`` is one equilibrium solve and one sensitivity solve for all the players'
directions (eq. 6.3), the cost of one step of one best response; Anderson acceleration
(Walker and Ni 2011) makes the iteration a multisecant quasi-Newton method on the stacked
conditions. The best-response iteration (:func:`tradetalks.analyses.war.nash_war` with
``method="best-response"``) stays as the fallback and the check.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tradetalks.analyses.optimal import TariffPolicy, projected_gradient
from tradetalks.analyses.options import WarOptions
from tradetalks.baseline import Baseline
from tradetalks.errors import ConvergenceError
from tradetalks.model import ObjectiveOracle, Shocks, SolverOptions
from tradetalks.model.anderson import anderson
from tradetalks.progress import ProgressFn, no_progress

FloatArray = NDArray[np.float64]
log = logging.getLogger(__name__)

#: Step of the probes that measure each player's own curvature (ad valorem).
PROBE = 1e-2
#: Most evaluations of the stacked conditions.
MAX_EVALUATIONS = 300
#: Above this many players, every player's curvature is probed at once (twice) instead of one
#: probe a player.
PROBED_PLAYERS = 8
#: Secant pairs Anderson keeps.
MEMORY = 20


@dataclass(frozen=True)
class JointSolution:
    """The stacked rates at the Nash equilibrium and how they were found."""

    rates: tuple[FloatArray, ...]
    shocks: Shocks
    evaluations: int
    step: float
    gradient: float


def joint_nash(
    baseline: Baseline,
    policies: Sequence[TariffPolicy],
    objectives: Sequence[object],
    current: Shocks,
    options: WarOptions,
    progress: ProgressFn | None = None,
    solver: SolverOptions | None = None,
) -> JointSolution:
    """Solve the stacked first-order conditions (eq. 7.3a) of every player at once.

    Parameters
    ----------
    baseline : Baseline
    policies : sequence of TariffPolicy
        Each player's rates.
    objectives : sequence
        Each player's objective (``Government.objective(baseline)``), in the same order.
    current : Shocks
        Everyone's policy at the start (the players' rates are replaced).
    options : WarOptions
        ``tol``: the largest Newton step (ad valorem) at the answer is at most ``tol`` (what a
        round of best responses may move); ``optimizer.gtol``: every player's projected gradient
        is at most this (what each best response meets); ``optimizer.upper``.
    progress : ProgressFn, optional
    solver : SolverOptions, optional
        Options of the equilibrium solves.

    Raises
    ------
    ConvergenceError
        The stacked conditions were not met in :data:`MAX_EVALUATIONS` evaluations.
    """
    report = progress or no_progress
    upper, gtol = options.optimizer.upper, options.optimizer.gtol
    sizes = [pol.size for pol in policies]
    cuts = np.cumsum(sizes)[:-1]
    dirs = [d for pol in policies for d in pol.directions(baseline.flows.shape)]

    def shocks_at(x: FloatArray) -> Shocks:
        out = current
        for pol, part in zip(policies, np.split(np.asarray(x), cuts), strict=True):
            out = pol.shocks_with(baseline, out, part)
        return out

    oracle = ObjectiveOracle(baseline, shocks_at, dirs, list(objectives), solver)  # type: ignore[arg-type]

    def own_gradient(x: FloatArray) -> FloatArray:
        grads = oracle(x)[1]
        return np.concatenate([g[k] for k, g in enumerate(np.split(grads, cuts, axis=1))])

    harberger = -np.concatenate([pol.curvature_scale(baseline) ** 2 for pol in policies])
    parts = np.split(np.arange(harberger.size), cuts)

    def own_curvature(x: FloatArray) -> FloatArray:
        """Each player's own curvature, one probe per player (its own Hessian is close to
        diagonal: within 10 % of the probe on the sectors that matter); the Harberger curvature
        (eq. 7.2a) where the probe is not clearly negative (rates on little or no flow).

        With more than :data:`PROBED_PLAYERS` players every player is probed at once, twice,
        with random signs by player (the others' moves then add to a player's own curvature with
        either sign and cancel on average), so that probing does not cost one solve a player.
        """
        g = own_gradient(x)
        if len(parts) <= PROBED_PLAYERS:
            patterns = [np.isin(np.arange(x.size), part).astype(float) for part in parts]
        else:
            rng = np.random.default_rng(0)
            patterns = [
                np.concatenate(
                    [
                        np.full(p.size, s)
                        for p, s in zip(parts, rng.choice([-1.0, 1.0], len(parts)), strict=True)
                    ]
                )
                for _ in range(2)
            ]
        h = np.zeros_like(x)
        weight = np.zeros_like(x)
        for sign in patterns:
            moved = sign != 0
            h[moved] += (own_gradient(x + PROBE * sign)[moved] - g[moved]) / (PROBE * sign[moved])
            weight[moved] += 1.0
        h = h / weight
        out: FloatArray = np.where(h < 0.25 * harberger, h, harberger)
        return out

    count = [0]

    def solve_stage(x: FloatArray, loose: float) -> tuple[FloatArray, FloatArray]:
        curvature = own_curvature(x)

        def step(z: FloatArray) -> tuple[FloatArray, float]:
            x = np.clip(z, 0.0, upper)
            g = own_gradient(x)
            new = np.clip(x - g / curvature, 0.0, upper)
            move = float(np.max(np.abs(new - x)))
            lo, hi = np.zeros_like(x), np.full_like(x, upper)
            grad = float(np.max(np.abs(projected_gradient(x, -g, lo, hi))))
            count[0] += 1
            report(f"Nash war (joint): evaluation {count[0]}, largest step {move:.1e}", count[0], None)
            # converged when both the step and every player's projected gradient are small
            return new, max(move / options.tol, grad / gtol)

        out = anderson(step, x, tol=loose, max_iter=MAX_EVALUATIONS, memory=MEMORY)
        if not out.converged:
            raise ConvergenceError(
                f"joint Nash solve: the stacked first-order conditions were not met in "
                f"{out.iterations} evaluations (last error {out.residual:.2e} of tolerance)",
                iterations=out.iterations,
                residual=out.residual,
            )
        return np.clip(out.z, 0.0, upper), curvature

    # from the current rates (measuring the curvature again halfway, where the tariffs are
    # higher, saved nothing on default: 18 evaluations against 17)
    x = np.clip(np.concatenate([pol.current(baseline, current) for pol in policies]), 0.0, upper)
    x, curvature = solve_stage(x, 1.0)
    g = own_gradient(x)
    grad = float(np.max(np.abs(projected_gradient(x, -g, np.zeros_like(x), np.full_like(x, upper)))))
    move = float(np.max(np.abs(np.clip(x - g / curvature, 0.0, upper) - x)))
    log.info("joint Nash: %d evaluations, step %.1e, gradient %.1e", count[0], move, grad)
    probes = len(policies) if len(policies) <= PROBED_PLAYERS else 2
    evaluations = count[0] + probes + 2  # the stacked conditions, the probes, the answer
    return JointSolution(tuple(np.split(x, cuts)), shocks_at(x), evaluations, move, grad)
