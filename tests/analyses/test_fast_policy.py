"""The fast policy solvers against the plain ones: batched direction systems, reused factorisations,
curvature-scaled optimisation (docs/model.md, sections 6 and 7.2)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize

import tradetalks as tt
from tests.conftest import make_world
from tradetalks.analyses.objectives import Government, StrategicTerm
from tradetalks.analyses.optimal import SCALE, TariffPolicy, optimal_tariffs
from tradetalks.analyses.options import OptimizerOptions
from tradetalks.data.catalog import load
from tradetalks.model import ObjectiveOracle, Shocks, SolverOptions
from tradetalks.model.sensitivity import (
    STEP,
    SensitivitySolver,
    fixed_point_map,
    objective_gradients,
    state_sensitivity,
    tariff_system_map,
)
from tradetalks.model.solver import solve_equilibrium


def _plain_gradients(eq, directions, objectives):
    """One complex system per direction, a fresh dense sensitivity solve (the reference)."""
    base, shocks = eq.baseline, eq.shocks
    fp = fixed_point_map(base, shocks)
    z = np.asarray(eq.state)
    maps = [tariff_system_map(fp, base, shocks, d) for d in directions]
    t_p = np.stack([np.imag(m(z.astype(np.complex128))[0]) / STEP for m in maps], axis=1)
    dz = state_sensitivity(fp, z, t_p)
    out = np.zeros((len(objectives), len(directions)))
    for k, m in enumerate(maps):
        ev = m.evaluate(z + 1j * STEP * dz[:, k])
        for q, obj in enumerate(objectives):
            out[q, k] = float(np.imag(obj(m.sys, ev))) / STEP
    return out


@pytest.fixture(scope="module")
def world():
    b = load("default")
    pols = [TariffPolicy.of(b, "USA", ["CHN"]), TariffPolicy.of(b, "CHN", ["USA"])]
    tariffs = np.array(b.tariffs)
    tariffs[b.region_index("USA"), b.region_index("CHN"), :] += 0.1
    xt = np.zeros_like(tariffs)
    xt[b.region_index("CHN"), b.region_index("JPN"), 5] = 0.2  # an export tax too
    eq = solve_equilibrium(b, Shocks(tariffs=tariffs, export_taxes=xt))
    dirs = [d for p in pols for d in p.directions(b.flows.shape)]
    objs = [
        Government("USA").objective(b),
        Government("CHN", strategic=(StrategicTerm("chips", 0.5, "CHN", "USA", ("C26",)),)).objective(b),
    ]
    return b, eq, dirs, objs


def test_batched_direction_systems_equal_one_system_per_direction(world):
    _, eq, dirs, objs = world
    _, fast = objective_gradients(eq, dirs, objs)
    plain = _plain_gradients(eq, dirs, objs)
    np.testing.assert_allclose(fast, plain, rtol=1e-10, atol=1e-14 * np.abs(plain).max())


def test_reused_factorisations_give_the_fresh_gradients(world):
    b, eq, dirs, objs = world
    solver = SensitivitySolver()
    objective_gradients(eq, dirs, objs, solver)  # factorises here
    moved = np.array(eq.shocks.tariff_levels(b))
    moved[b.region_index("CHN"), b.region_index("USA"), :] += 0.05
    eq2 = solve_equilibrium(b, Shocks(tariffs=moved, export_taxes=eq.shocks.export_taxes))
    _, reused = objective_gradients(eq2, dirs, objs, solver)
    assert solver.factorisations == 1 and solver.refinements >= 1  # the old factors were refined
    np.testing.assert_allclose(reused, _plain_gradients(eq2, dirs, objs), rtol=1e-7, atol=1e-12)


def test_scaled_optimal_tariffs_equal_the_plain_optimiser():
    """On a world where every sector is traded, the curvature-scaled L-BFGS-B and plain L-BFGS-B
    on the same exact gradients, both run to a tight tolerance, agree to 1e-6 in every tariff."""
    toy = tt.model.balanced_baseline(make_world(n=4, j=3, seed=21))
    gov = Government("R0")
    tight = SolverOptions(tol=1e-14, floor_tol=1e-12)  # a lower noise floor for both optimisers
    fast = optimal_tariffs(toy, gov, ["R1"], options=OptimizerOptions(gtol=1e-6), solver=tight)
    policy = TariffPolicy.of(toy, "R0", ["R1"])
    base = Shocks(tariffs=np.array(toy.tariffs))
    oracle = ObjectiveOracle(
        toy,
        lambda x: base.with_tariffs(policy.apply(toy.tariffs, x)),
        policy.directions(toy.flows.shape),
        [gov.objective(toy)],
        tight,
    )

    def fun(x):
        v, g, _ = oracle(x)
        return -SCALE * float(v[0]), -SCALE * g[0]

    plain = scipy.optimize.minimize(
        fun, policy.current(toy, base), jac=True, method="L-BFGS-B",
        bounds=[(0.0, 5.0)] * 3, options={"gtol": 1e-9, "ftol": 1e-15, "maxiter": 500},
    )  # fmt: skip
    np.testing.assert_allclose(fast.rates, plain.x, atol=1e-6)
    assert fast.objective == pytest.approx(-plain.fun / SCALE, rel=1e-9)


def test_curvature_scale_tracks_the_hessian_diagonal():
    """The scale is the Harberger curvature theta M / I; in its units the Hessian's diagonal is
    within a factor of four of one on the sectors that carry 99 % of the imports."""
    b = load("default")
    policy = TariffPolicy.of(b, "USA", ["CHN"])
    s = policy.curvature_scale(b)
    base = Shocks(tariffs=np.array(b.tariffs))
    oracle = ObjectiveOracle(
        b,
        lambda x: base.with_tariffs(policy.apply(b.tariffs, x)),
        policy.directions(b.flows.shape),
        [Government("USA").objective(b)],
    )
    x0 = policy.current(b, base)
    g0 = oracle(x0)[1][0]
    h = 1e-4
    diag = np.array([(oracle(x0 + h * np.eye(len(x0))[j])[1][0][j] - g0[j]) / h for j in range(len(x0))])
    flows = np.asarray(b.flows)[b.region_index("USA"), b.region_index("CHN"), list(policy.sectors)]
    big = np.argsort(flows)[::-1][
        : int(np.searchsorted(np.cumsum(np.sort(flows)[::-1]) / flows.sum(), 0.99)) + 1
    ]
    ratio = -diag[big] / s[big] ** 2
    assert np.all((ratio > 0.25) & (ratio < 4.0)), ratio
