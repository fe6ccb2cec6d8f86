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


def _sensitivity_system(eq, dirs, dense=True):
    """``(fp, z, T_p)`` of a solved equilibrium along policy directions, and the dense ``I - T_z``
    (with ``dense``)."""
    from tradetalks.model.sensitivity import direction_maps, state_jacobian

    base, shocks = eq.baseline, eq.shocks
    fp = fixed_point_map(base, shocks)
    z = np.asarray(eq.state)
    t_p = np.zeros((z.size, len(dirs)))
    for start, m in direction_maps(fp, base, shocks, dirs):
        k = m.sys.batch_size
        t_p[:, start : start + k] = (
            np.imag(m(np.broadcast_to(z.astype(np.complex128), (k, z.size)))[0]) / STEP
        ).T
    return fp, z, t_p, np.eye(z.size) - state_jacobian(fp, z) if dense else None


def test_block_gcr_recycles_its_spaces_and_solves_to_its_tolerance(world):
    """Block GCR against a dense solve at two nearby states (an optimiser's step apart): the
    second, preconditioned by the first's search space and started from its solution, needs
    markedly fewer products for the same accuracy."""
    from tradetalks.model.krylov import RecycledKrylov
    from tradetalks.model.sensitivity import _jvp

    b, eq, dirs, _ = world
    dirs = dirs[:10]  # the US's tariffs on China in ten sectors
    krylov = RecycledKrylov(tol=1e-9)
    moved = np.array(eq.shocks.tariff_levels(b))
    moved[b.region_index("USA"), b.region_index("CHN"), :] += 0.005
    eq2 = solve_equilibrium(b, Shocks(tariffs=moved, export_taxes=eq.shocks.export_taxes))
    products, previous = [], None
    for e in (eq, eq2):
        fp, z, t_p, dense = _sensitivity_system(e, dirs)
        before = krylov.products
        x = krylov.solve(lambda p, fp=fp, z=z: p - _jvp(fp, z, p), t_p, previous)
        products.append(krylov.products - before)
        exact = np.linalg.solve(dense, t_p)
        assert np.abs(dense @ x - t_p).max() <= 1e-9 * np.abs(t_p).max()
        np.testing.assert_allclose(x, exact, rtol=0, atol=1e-8 * np.abs(exact).max())
        previous = x
    assert krylov.kept_columns > 0
    assert products[1] < 0.65 * products[0], products  # 189 against 324 when written


def test_large_system_sensitivities_give_the_direction_solve_gradients(world, monkeypatch):
    """The path of systems above DENSE_MAX (block GCR with recycled spaces) gives the gradients of
    one dense solve per direction system to 1e-8, at a first state and a nearby second one."""
    import tradetalks.model.sensitivity as sens

    b, eq, dirs, objs = world
    monkeypatch.setattr(sens, "DENSE_MAX", 1)
    solver = SensitivitySolver()
    moved = np.array(eq.shocks.tariff_levels(b))
    moved[b.region_index("USA"), b.region_index("CHN"), :] += 0.03
    eq2 = solve_equilibrium(b, Shocks(tariffs=moved, export_taxes=eq.shocks.export_taxes))
    for e in (eq, eq2):
        _, grads = objective_gradients(e, dirs, objs, solver)
        plain = _plain_gradients(e, dirs, objs)
        np.testing.assert_allclose(grads, plain, rtol=1e-8, atol=1e-8 * np.abs(plain).max())
    assert solver.factorisations == 0 and solver._krylov.kept_columns > 0


def test_stalled_block_gcr_falls_back_to_the_anderson_iteration(world, monkeypatch):
    """With room for one block only, block GCR gives up (None) and the sensitivities still come
    right, from the Anderson iteration."""
    import tradetalks.model.sensitivity as sens
    from tradetalks.model.krylov import RecycledKrylov
    from tradetalks.model.sensitivity import _jvp

    _, eq, dirs, objs = world
    dirs = dirs[:10]
    fp, z, t_p, _ = _sensitivity_system(eq, dirs, dense=False)
    assert RecycledKrylov(max_blocks=1).solve(lambda p: p - _jvp(fp, z, p), t_p) is None
    monkeypatch.setattr(sens, "DENSE_MAX", 1)
    solver = SensitivitySolver()
    solver._krylov = RecycledKrylov(solver.tol, max_blocks=1)
    _, grads = objective_gradients(eq, dirs, objs, solver)
    plain = _plain_gradients(eq, dirs, objs)
    np.testing.assert_allclose(grads, plain, rtol=1e-7, atol=1e-8 * np.abs(plain).max())


def test_optimal_tariffs_on_the_large_system_path_equal_the_dense_path(monkeypatch):
    """The US's optimal tariffs on China (eight goods sectors) with the sensitivities of large
    systems (block GCR) are the dense path's to 1e-6, and the first-order conditions hold there."""
    import tradetalks.model.sensitivity as sens

    b = load("default")
    sectors = b.goods_sectors()[:8]
    dense = optimal_tariffs(b, Government("USA"), ["CHN"], sectors=sectors)
    monkeypatch.setattr(sens, "DENSE_MAX", 1)
    large = optimal_tariffs(b, Government("USA"), ["CHN"], sectors=sectors)
    np.testing.assert_allclose(large.rates, dense.rates, atol=1e-6)
    assert large.objective == pytest.approx(dense.objective, rel=1e-9)
    policy = TariffPolicy.of(b, "USA", ["CHN"], sectors=sectors)
    base = Shocks(tariffs=np.array(b.tariffs))
    oracle = ObjectiveOracle(
        b,
        lambda x: policy.shocks_with(b, base, x),
        policy.directions(b.flows.shape),
        [Government("USA").objective(b)],
    )
    grad = SCALE * oracle(np.asarray(large.rates))[1][0]
    interior = (np.asarray(large.rates) > 1e-9) & np.asarray(large.traded)
    assert interior.sum() >= 6
    # what optimal_tariffs accepts: gtol (1e-3), or 100 gtol at the solves' noise floor
    assert np.abs(grad[interior]).max() <= 100 * OptimizerOptions().gtol
