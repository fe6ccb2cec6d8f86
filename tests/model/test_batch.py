"""Batched solves (``tradetalks.model.batch``) against one-by-one solves of the same members.

- every member of a batch equals its own ``solve_equilibrium`` to 1e-8 relative in wages, prices
  and welfare (Monte Carlo: one scenario, many elasticity draws; deal space: one baseline, many
  tariff packages), at the long horizon and with the short horizon's sector-specific factors;
- a batch of one equals the one-by-one solve; zero shocks give every hat = 1 for every member;
- members differing in elasticities, tariffs, export taxes, trade costs and deficits mix in one
  batch, and members the kernel does not batch (quantity constraints) are solved alone in it;
- results do not depend on the order of the members or on how they are cut into batches;
- a member that does not converge raises a ConvergenceError naming it and why;
- batched warm solves with critical-input nests and quantity constraints (``model.batch_warm``)
  equal cold one-by-one solves, and, preconditioned, follow ``solve_warm`` member by member.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import tradetalks as tt
from tests.conftest import make_world
from tradetalks.analyses.deal_solve import package_shocks
from tradetalks.analyses.deals import load_deal_space
from tradetalks.baseline import Baseline
from tradetalks.data.horizons import at_horizon
from tradetalks.errors import ConvergenceError, OptionsError
from tradetalks.model import (
    Equilibrium,
    FlowConstraint,
    Shocks,
    SolverOptions,
    balanced_baseline,
    solve_batch,
    solve_equilibrium,
)
from tradetalks.model.anderson import anderson, anderson_batch
from tradetalks.model.batch import (
    BATCHED,
    BatchConvergenceError,
    balanced_baselines,
    default_batch_size,
    unbatched_reason,
)
from tradetalks.model.batch_nests import batch_key
from tradetalks.model.batch_warm import measure_preconditioner_batched, solve_batched, solve_warm_batch
from tradetalks.model.fixed_point import FixedPointMap
from tradetalks.model.system import build_system
from tradetalks.model.warm import measure_preconditioner, solve_warm

RTOL = 1e-8


def _welfare(eq: Equilibrium) -> np.ndarray:
    return np.asarray(tt.Result("x", eq, eq.baseline, "fixed").welfare_hat)


def _assert_same(batched: Equilibrium, alone: Equilibrium, rtol: float = RTOL) -> None:
    for name in ("w_hat", "P_hat", "c_hat", "income", "tariff_revenue"):
        np.testing.assert_allclose(
            getattr(batched, name), getattr(alone, name), rtol=rtol, atol=1e-12, err_msg=name
        )
    np.testing.assert_allclose(batched.flows, alone.flows, rtol=rtol, atol=1e-12 * float(alone.flows.max()))
    np.testing.assert_allclose(_welfare(batched), _welfare(alone), rtol=rtol)


def _draws(base: Baseline, k: int, seed: int = 3) -> list[Baseline]:
    """``k`` copies of ``base`` with trade elasticities scaled by log-normal factors by sector."""
    rng = np.random.default_rng(seed)
    return [base.with_theta(base.theta * np.exp(0.3 * rng.standard_normal(base.n_sectors))) for _ in range(k)]


@pytest.fixture(scope="module")
def default() -> Baseline:
    return tt.load_baseline("default")


@pytest.fixture(scope="module")
def us100(default):
    return tt.load_scenario("us-100").compile(default)


def test_monte_carlo_batch_equals_one_by_one(default, us100):
    worlds = _draws(default, 6)
    batch = solve_batch(worlds, us100)
    for world, eq in zip(worlds, batch, strict=True):
        assert eq.baseline is world and eq.info.method == BATCHED and eq.info.converged
        _assert_same(eq, solve_equilibrium(world, us100))
    # the draws matter: welfare differs across members by far more than the tolerance
    usa = [float(_welfare(eq)[default.region_index("USA")]) for eq in batch]
    assert max(usa) - min(usa) > 1e-4


def test_deal_space_batch_equals_one_by_one(default, us100):
    """One baseline, several tariff packages: the US tariff scaled from 0 to 1.5 times us-100."""
    base_t = np.asarray(default.tariffs)
    packages = [
        Shocks(tariffs=base_t + s * (np.asarray(us100.tariffs) - base_t)) for s in (0.0, 0.5, 1.0, 1.5)
    ]
    batch = solve_batch(default, packages)
    for sh, eq in zip(packages, batch, strict=True):
        assert eq.shocks is sh
        _assert_same(eq, solve_equilibrium(default, sh))


def test_short_horizon_sector_factors_batched(default, us100):
    worlds = [at_horizon(w, "short") for w in _draws(default, 3, seed=5)]
    assert all(w.mobility is not None for w in worlds)
    batch = solve_batch(worlds, us100)
    for world, eq in zip(worlds, batch, strict=True):
        assert eq.info.method == BATCHED
        alone = solve_equilibrium(world, us100)
        _assert_same(eq, alone)
        np.testing.assert_allclose(eq.factor_price_hat, alone.factor_price_hat, rtol=RTOL)


def test_batch_of_one_equals_solve(default, us100):
    (eq,) = solve_batch([default], [us100])
    alone = solve_equilibrium(default, us100)
    assert eq.info.method == BATCHED and eq.info.iterations == alone.info.iterations
    _assert_same(eq, alone, rtol=1e-10)


def test_zero_shock_every_hat_is_one_for_every_member(default):
    worlds = [*_draws(default, 3), at_horizon(default, "short")]
    for world, eq in zip(worlds, solve_batch(worlds, Shocks()), strict=True):
        for hat in (eq.w_hat, eq.P_hat, eq.c_hat, eq.factor_price_hat, _welfare(eq)):
            np.testing.assert_allclose(hat, 1.0, atol=1e-10)
        np.testing.assert_allclose(eq.flows, world.flows, rtol=1e-10)


def _mixed_members() -> tuple[list[Baseline], list[Shocks]]:
    """Toy members that differ in elasticities, flows and in every kind of shock."""
    a, b = make_world(seed=1), make_world(seed=2)  # different flows, shares and elasticities
    n, j = a.n_regions, a.n_sectors
    tar = np.array(a.tariffs)
    tar[0, 1:, :] += 0.4
    ex = np.zeros((n, n, j))
    ex[2, 3, :] = 0.3  # exporter 3 taxes its sales to 2
    ice = np.ones((n, n, j))
    ice[1, 4, :2] = 1.25
    deficits = np.array(b.deficit) * 0.5
    deficits -= deficits.mean()
    cells = np.zeros((n, n, j), dtype=bool)
    cells[0, 1, :] = True
    cap = FlowConstraint(cells, 0.8 * float(a.flows[0, 1, :].sum()), "cap", label="cap")
    bases = [a, a.with_theta(2.0 * a.theta), b, b, a, b]
    shocks = [
        Shocks(tariffs=tar, label="tariffs"),
        Shocks(tariffs=tar, export_taxes=ex, label="tariffs and export taxes"),
        Shocks(iceberg_hat=ice, label="trade costs"),
        Shocks(deficits=deficits, label="deficits"),
        Shocks(constraints=(cap,), label="a cap (solved alone)"),
        Shocks(export_taxes=ex, iceberg_hat=ice, label="export taxes and trade costs"),
    ]
    return bases, shocks


def test_mixed_members_in_one_batch():
    bases, shocks = _mixed_members()
    batch = solve_batch(bases, shocks)
    for base, sh, eq in zip(bases, shocks, batch, strict=True):
        alone = solve_equilibrium(base, sh)
        _assert_same(eq, alone)
        np.testing.assert_allclose(eq.export_tax_revenue, alone.export_tax_revenue, rtol=RTOL, atol=1e-12)
        assert eq.info.method == ("anderson" if sh.constraints else BATCHED)
    np.testing.assert_allclose(batch[4].constraint_flows, [shocks[4].constraints[0].target], rtol=1e-8)


def test_order_and_batch_composition_do_not_matter():
    bases, shocks = _mixed_members()
    ref = solve_batch(bases, shocks)
    order = [5, 2, 0, 4, 3, 1]
    permuted = solve_batch([bases[k] for k in order], [shocks[k] for k in order])
    for pos, k in enumerate(order):
        _assert_same(permuted[pos], ref[k], rtol=1e-10)
    for size in (1, 2):
        for eq, r in zip(solve_batch(bases, shocks, batch_size=size), ref, strict=True):
            _assert_same(eq, r, rtol=1e-10)


def test_non_convergence_names_the_member(default, us100):
    """With 10 passes the zero shock converges (its start is the solution) and us-100 does not."""
    opts = SolverOptions(max_iter=10)
    with pytest.raises(ConvergenceError) as info:
        solve_batch(default, [Shocks(), us100, Shocks()], opts)
    err = info.value
    assert isinstance(err, BatchConvergenceError) and err.members == (1,)
    assert "member 1 " in str(err) and "after 10 iterations" in str(err) and "residual" in str(err)
    assert err.iterations == 10 and err.residual > opts.tol
    again = pickle.loads(pickle.dumps(err))
    assert again.members == (1,) and str(again) == str(err)


def test_non_convergence_of_a_member_solved_alone_names_it():
    bases, shocks = _mixed_members()
    with pytest.raises(BatchConvergenceError, match=r"member 1 .*solved alone: quantity constraints") as info:
        solve_batch(bases[4:5] * 2, [Shocks(), shocks[4]], SolverOptions(max_iter=3))
    assert info.value.members == (1,)


def test_starts_and_progress(default, us100):
    alone = solve_equilibrium(default, us100)
    calls = []
    batch = solve_batch(
        default, [us100, us100], starts=[alone.state, None], batch_size=1, progress=lambda *a: calls.append(a)
    )
    assert batch[0].info.iterations < batch[1].info.iterations
    for eq in batch:
        _assert_same(eq, alone)
    assert [c[1:] for c in calls] == [(1, 2), (2, 2)]


def test_bad_input_is_named(default, us100):
    with pytest.raises(OptionsError, match="2 baselines for 3 shocks"):
        solve_batch([default, default], [us100] * 3)
    with pytest.raises(OptionsError, match="batch_size"):
        solve_batch(default, [us100], batch_size=0)
    with pytest.raises(OptionsError, match="start of member 0 has shape"):
        solve_batch(default, [us100], starts=[np.zeros(3)])
    with pytest.raises(OptionsError, match="expected \\(Baseline, Shocks\\)"):
        solve_batch(default, [us100, "us-100"])  # type: ignore[list-item]
    assert solve_batch([], []) == []


def test_balanced_baselines_equal_one_by_one():
    worlds = _draws(make_world(seed=4), 3, seed=9)
    batched = balanced_baselines(worlds)
    for world, bal in zip(worlds, batched, strict=True):
        assert balanced_baseline(world) is bal  # cached for the one-by-one path
        ref = solve_equilibrium(world, Shocks(deficits=np.zeros(world.n_regions)))
        np.testing.assert_allclose(bal.flows, ref.flows, rtol=1e-9, atol=1e-12)
        assert np.max(np.abs(bal.deficit)) < 1e-9 * float(world.value_added.sum())


def test_anderson_batch_follows_anderson_member_by_member():
    """Synthetic maps through every rule of the iteration: linear contractions of different rates,
    one whose residual has a rounding floor above ``tol`` (it stops by stalling) and one whose
    residual is never finite (it restarts every pass and fails)."""
    rng = np.random.default_rng(0)
    members, dim = 5, 12
    mats = []
    for rate in (0.3, 0.6, 0.9, 0.7, 0.5):
        q, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
        mats.append(q @ np.diag(rate * rng.uniform(0.2, 1.0, dim)) @ q.T)
    A, c = np.stack(mats), rng.standard_normal((members, dim))
    floor = np.array([0.0, 0.0, 0.0, 5e-10, 0.0])
    broken = np.array([False, False, False, False, True])

    def one(b):
        def step(z):
            g = A[b] @ z + c[b]
            err = max(float(np.abs(g - z).max()), floor[b])
            return g, (np.inf if broken[b] else err)

        return step

    def batch_step(z, ids):
        g = (A[ids] @ z[:, :, None])[:, :, 0] + c[ids]
        err = np.maximum(np.abs(g - z).max(axis=1), floor[ids])
        return g, np.where(broken[ids], np.inf, err)

    z0 = rng.standard_normal((members, dim))
    kw = {"tol": 1e-11, "max_iter": 400, "memory": 4, "floor_tol": 1e-9, "stall": 30}
    out = anderson_batch(batch_step, z0, **kw)
    for b in range(members):
        ref = anderson(one(b), z0[b], **kw)
        assert (out.converged[b], out.iterations[b]) == (ref.converged, ref.iterations)
        assert out.residual[b] == pytest.approx(ref.residual, rel=1e-6)
        np.testing.assert_allclose(out.z[b], ref.z, rtol=1e-9, atol=1e-12)
    assert out.converged.tolist() == [True, True, True, True, False]
    assert out.residual[3] == pytest.approx(5e-10) and not np.isfinite(out.residual[4])


def test_large_baselines_are_solved_one_by_one_unless_asked():
    """On a world the size of icio2022-full (81 x 28) batching gains nothing (bench/bench_batch.py):
    by default its members are solved one by one; an explicit batch size batches them."""
    assert default_batch_size(81, 28) == 1 and default_batch_size(13, 28) >= 25
    big = make_world(n=81, j=28, seed=5)
    members = [Shocks(), Shocks(label="again")]
    assert "large" in (unbatched_reason(big, members[0], SolverOptions()) or "")
    assert [eq.info.method for eq in solve_batch(big, members)] == ["anderson", "anderson"]
    assert [eq.info.method for eq in solve_batch(big, members, batch_size=2)] == [BATCHED, BATCHED]


# --- batched warm solves with critical-input nests and quantity constraints (model.batch_warm) ---


@pytest.fixture(scope="module")
def busan():
    """The busan-2025 world (products split, dated) and 12 of its packages: every one with the
    magnet nest, some with purchase floors and the licensing cap, some with chip export taxes."""
    space = load_deal_space("busan-2025")
    world = space.base.prepare(tt.load_baseline("default"))
    packages = space.packages()[::27]
    shocks = [package_shocks(world, space, p, space.levers(p), "fixed") for p in packages]
    return world, shocks


def test_nested_batch_equals_one_by_one_cold_solves(busan):
    world, shocks = busan
    systems = [build_system(world, s) for s in shocks]
    keys = {batch_key(s) for s in systems}
    assert None not in keys and len(keys) >= 4  # nests everywhere, wedges of several kinds: all batched
    assert any(s.wedges is not None for s in systems) and all(s.nests is not None for s in systems)
    opts = SolverOptions()
    batched = solve_warm_batch(world, shocks, opts, [None] * len(shocks))
    for sol, sh in zip(batched, shocks, strict=True):
        assert sol.method == "anderson+warm"
        alone = solve_equilibrium(world, sh, opts)
        np.testing.assert_allclose(sol.state, alone.state, rtol=0, atol=1e-9)
        np.testing.assert_allclose(sol.evaluation.income, alone.income, rtol=RTOL)
        np.testing.assert_allclose(sol.flows, alone.flows, rtol=RTOL, atol=1e-12 * float(alone.flows.max()))
        # the residual test of the solver holds at the batched solution, on the member's own map
        fp = FixedPointMap.build(world, build_system(world, sh))
        assert fp(sol.state)[1] <= opts.tol


def test_nested_batch_preconditioned_follows_solve_warm(busan):
    world, shocks = busan
    opts = SolverOptions()
    first = solve_equilibrium(world, shocks[0], opts).state
    pre = measure_preconditioner(world, shocks[0], first)
    again = measure_preconditioner_batched(world, shocks[0], first)
    assert pre is not None and again is not None and again.size == pre.size
    assert np.abs(again.matrix - pre.matrix).max() <= 1e-4 * np.abs(pre.matrix).max()
    # every member from the first's prices, zero wedges: as solve_warm solves it alone
    starts = []
    for sh in shocks:
        z = np.zeros(first.size - len(shocks[0].constraints) + len(sh.constraints))
        z[: pre.size] = first[: pre.size]
        starts.append(z)
    batched = solve_warm_batch(world, shocks, opts, starts, pre)
    for sol, sh, z in zip(batched, shocks, starts, strict=True):
        alone = solve_warm(world, sh, opts, z, pre)
        assert sol.method == alone.method == "anderson+preconditioned"
        np.testing.assert_allclose(sol.state, alone.state, rtol=0, atol=1e-9)
        assert abs(sol.iterations - alone.iterations) <= 1
    assert np.mean([s.iterations for s in batched]) < 25  # preconditioned: far fewer than cold


def test_nested_batch_hands_on_what_it_cannot_stack(default):
    n, i = default.region_index("CHN"), default.region_index("USA")
    cells = np.zeros(default.flows.shape, dtype=bool)
    cells[n, i, :3] = True
    target = 1.3 * float(default.flows[cells].sum())
    shift = Shocks(constraints=(FlowConstraint(cells, target, "floor", "shift", instrument="preference"),))
    assert batch_key(build_system(default, shift)) is None
    opts = SolverOptions()
    alone, spent = solve_batched(default, [shift], opts, [None])
    assert alone == [None] and spent == [0]
    (sol,) = solve_warm_batch(default, [shift], opts, [None])
    np.testing.assert_allclose(sol.state, solve_equilibrium(default, shift, opts).state, rtol=0, atol=1e-9)
    with pytest.raises(OptionsError, match="batch_size"):
        solve_batched(default, [shift], opts, [None], batch_size=0)
