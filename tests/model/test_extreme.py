"""Impossible and extreme shocks on the shipped default baseline: an equilibrium or an error that says why.

- bans that leave a region unable to earn its surplus, pay for its imports or buy a good have no
  equilibrium: :class:`InfeasibleError` names the region, says why and what has one;
- autarky (of one region or of all) under the balanced closure matches the closed form of
  Costinot and Rodriguez-Clare (2014) with tariff revenue lost;
- a 10,000 % tariff on every flow has no equilibrium with deficits held fixed (a surplus region's
  income would turn negative) and solves under the balanced closure at every horizon, with import
  shares as the gravity identity of eq. 2.6 says;
- tiny and huge trade elasticities, zero flows in the data, a sector banned on every flow;
- a property test: whatever the size of the shock, nothing non-finite or negative reaches a result.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tradetalks as tt
from tests.conftest import make_world
from tradetalks.baseline import Baseline
from tradetalks.data.horizons import at_horizon
from tradetalks.errors import ConvergenceError, InfeasibleError
from tradetalks.model import Shocks, SolverOptions
from tradetalks.model.solver import balanced_baseline

BALANCED = SolverOptions(closure="balanced")
#: For the hardest solves: the direct attempt stops after 1000 passes and the shock is applied in
#: steps (docs/model.md, section 3.3); a tolerance of 1e-9 keeps the file fast.
HARD = SolverOptions(closure="balanced", max_iter=1000, tol=1e-9)


@pytest.fixture(scope="module")
def base() -> Baseline:
    return tt.load_baseline("default")


def _home(base: Baseline) -> np.ndarray:
    idx = np.arange(base.n_regions)
    mask = np.zeros(base.flows.shape, dtype=bool)
    mask[idx, idx, :] = True
    return mask


def _all_tariffs(base: Baseline, add: float) -> Shocks:
    tar = np.array(base.tariffs) + add
    tar[_home(base)] = 0.0
    return Shocks(tariffs=tar)


def _autarky(base: Baseline, regions: list[int] | None = None) -> Shocks:
    ice = np.ones_like(base.flows)
    for n in range(base.n_regions) if regions is None else regions:
        ice[n, :, :] = np.inf
        ice[:, n, :] = np.inf
    ice[_home(base)] = 1.0
    return Shocks(iceberg_hat=ice)


def _autarky_welfare(ref: Baseline, n: int) -> float:
    """Autarky of ``n`` from a deficit-free world: ``W_hat = VA / I * exp(alpha' (I - M)^-1 ln pi_nn /
    theta)`` (CRC 2014 for the real wage; income loses the tariff revenue)."""
    M = ref.io_share[n].T
    rhs = np.log(ref.shares[n, n, :]) / ref.theta
    real_wage = np.exp(ref.alpha[n] @ np.linalg.solve(np.eye(ref.n_sectors) - M, rhs))
    return float(ref.value_added[n] / ref.income[n] * real_wage)


def _assert_sane(res: tt.Result) -> None:
    eq = res.equilibrium
    for name in ("flows", "shares", "output", "spending", "P_hat", "c_hat", "w_hat", "income"):
        arr = np.asarray(getattr(eq, name))
        assert np.isfinite(arr).all() and arr.min() >= 0.0, name
    assert np.all(np.isfinite(res.welfare_hat)) and np.all(res.welfare_hat > 0)
    np.testing.assert_allclose(eq.shares.sum(axis=1), 1.0, rtol=1e-9)


# ------------------------------------------------------------------ impossible: bans
def test_a_ban_on_all_chinese_exports_has_no_equilibrium_and_says_why(base):
    chn = base.region_index("CHN")
    ex = np.zeros_like(base.flows)
    ex[:, chn, :] = np.inf
    ex[chn, chn, :] = 0.0
    with pytest.raises(InfeasibleError) as info:
        tt.solve(base, Shocks(export_taxes=ex))
    err = info.value
    assert isinstance(err, ConvergenceError)
    surplus = -base.deficit[chn]
    assert surplus > 0
    assert str(err).startswith("infeasible under fixed deficits: CHN: its exports are all banned")
    assert f"surplus of {surplus:.6g} USD million cannot be earned" in str(err)
    assert err.regions == ("CHN",) and "close its imports too" in err.suggestion
    again = pickle.loads(pickle.dumps(err))
    assert isinstance(again, InfeasibleError) and again.regions == ("CHN",) and str(again) == str(err)
    # with trade balanced it still cannot pay for its imports
    with pytest.raises(
        InfeasibleError, match=r"CHN: its exports are all banned .* imports cannot be paid for"
    ):
        tt.solve(base, Shocks(export_taxes=ex), BALANCED)


def test_a_ban_on_all_us_imports_cannot_finance_the_us_deficit(base):
    usa = base.region_index("USA")
    ex = np.zeros_like(base.flows)
    ex[usa, :, :] = np.inf
    ex[usa, usa, :] = 0.0
    with pytest.raises(
        InfeasibleError, match=r"USA: its imports are all banned .* deficit of 962008 USD million"
    ):
        tt.solve(base, Shocks(export_taxes=ex))


def test_autarky_of_china_needs_the_balanced_closure_and_matches_the_closed_form(base):
    chn = base.region_index("CHN")
    with pytest.raises(InfeasibleError) as info:
        tt.solve(base, _autarky(base, [chn]))
    assert "CHN: every route in and out is closed" in str(info.value)
    assert "try closure='balanced'" in info.value.suggestion
    res = tt.solve(base, _autarky(base, [chn]), BALANCED)
    _assert_sane(res)
    assert res.welfare_hat[chn] == pytest.approx(_autarky_welfare(res.baseline, chn), rel=1e-9)
    others = np.arange(base.n_regions) != chn
    assert np.all(res.equilibrium.flows[others][:, chn, :] == 0.0)


def test_world_autarky_balanced_matches_the_closed_form_for_every_region(base):
    with pytest.raises(InfeasibleError, match="infeasible under fixed deficits"):
        tt.solve(base, _autarky(base))
    res = tt.solve(base, _autarky(base), BALANCED)
    _assert_sane(res)
    expected = [_autarky_welfare(res.baseline, n) for n in range(base.n_regions)]
    np.testing.assert_allclose(res.welfare_hat, expected, rtol=1e-9)


def test_a_sector_banned_on_every_flow_solves_with_its_trade_exactly_zero(base):
    j = base.sector_index("C26")
    ex = np.zeros_like(base.flows)
    ex[:, :, j] = np.inf
    ex[_home(base)] = 0.0
    res = tt.solve(base, Shocks(export_taxes=ex))
    _assert_sane(res)
    foreign = ~_home(base)[:, :, j]
    assert np.all(res.equilibrium.flows[:, :, j][foreign] == 0.0)
    np.testing.assert_allclose(res.equilibrium.shares[:, :, j][~foreign], 1.0, rtol=1e-12)
    assert np.all(res.welfare_hat < 1.0)


def test_zero_flows_in_the_data_solve_and_a_good_with_no_source_left_is_named():
    world = make_world(n=4, j=3, seed=8)
    flows = np.array(world.flows)
    flows[1, 1, 2] = 0.0  # region R1 makes no S2: it imports all of it
    flows[1, 2, 2] = 0.0  # and not from R2
    flows[0, 3, 0] = 0.0
    world = balanced_baseline(world.replace(flows=flows))
    assert world.shares[1, 1, 2] == 0.0 and world.shares[1, 2, 2] == 0.0
    tar = np.array(world.tariffs) + 1.0
    tar[_home(world)] = 0.0
    res = tt.solve(world, Shocks(tariffs=tar))
    _assert_sane(res)
    assert res.equilibrium.flows[1, 1, 2] == 0.0 and res.equilibrium.flows[0, 3, 0] == 0.0
    ex = np.zeros_like(world.flows)
    ex[1, [0, 3], 2] = np.inf  # close R1's last sources of S2
    with pytest.raises(InfeasibleError, match="every source of R1 S2 is closed") as info:
        tt.solve(world, Shocks(export_taxes=ex))
    assert info.value.regions == ("R1",)
    ex[1, 3, 2] = 0.0  # one source left: it solves
    _assert_sane(tt.solve(world, Shocks(export_taxes=ex)))


# ------------------------------------------------------------------ extreme: 10,000 % on every flow
def test_tariffs_of_10000_pct_on_every_flow_fixed_deficits_say_why(base):
    with pytest.raises(InfeasibleError) as info:
        tt.solve(base, _all_tariffs(base, 100.0), SolverOptions(max_iter=1000))
    err = info.value
    code = err.regions[0]
    assert base.deficit[base.region_index(code)] < 0  # a surplus region
    assert f"{code} must keep its surplus" in str(err) and "turns negative" in str(err)
    assert err.suggestion == "try closure='balanced' (deficits set to zero)"


@pytest.mark.parametrize("horizon", ["short", "medium", "long"])
def test_tariffs_of_10000_pct_on_every_flow_solve_balanced_at_every_horizon(base, horizon):
    world = at_horizon(base, horizon)
    shocks = _all_tariffs(world, 100.0)
    res = tt.solve(world, shocks, BALANCED if horizon == "long" else HARD)
    _assert_sane(res)
    eq, ref = res.equilibrium, res.baseline
    assert res.solver.residual <= 1e-9
    # every trade balance is zero (the balanced closure), to the tolerance
    foreign = np.where(_home(ref), 0.0, eq.flows)
    balance = foreign.sum(axis=(1, 2)) - foreign.sum(axis=(0, 2))
    assert np.abs(balance).max() < 1e-7 * ref.value_added.sum()
    # gravity (eq. 2.6): pi'_ni / pi'_nn = pi_ni / pi_nn * (kappa_hat c_hat_i / c_hat_n)^-theta
    n, i = np.nonzero(~np.eye(ref.n_regions, dtype=bool))
    kappa = (1.0 + np.asarray(shocks.tariffs)) / (1.0 + ref.tariffs)
    theta = ref.theta
    traded = (ref.shares[n, i] > 0) & (ref.shares[n, n] > 0)
    rel = eq.shares[n, i] / eq.shares[n, n]
    expected = ref.shares[n, i] / ref.shares[n, n] * (kappa[n, i] * eq.c_hat[i] / eq.c_hat[n]) ** -theta
    np.testing.assert_allclose(rel[traded], expected[traded], rtol=1e-7)
    # close to the autarky limit: the foreign share of spending falls to a few percent at most
    spend = ref.spending
    foreign0 = (
        1.0 - (ref.shares[np.arange(ref.n_regions), np.arange(ref.n_regions)] * spend).sum() / spend.sum()
    )
    home = eq.shares[np.arange(ref.n_regions), np.arange(ref.n_regions)]
    foreign1 = 1.0 - (home * eq.spending).sum() / eq.spending.sum()
    assert foreign1 < 0.05 * foreign0


def test_a_huge_elasticity_makes_10000_pct_the_autarky_limit(base):
    """With theta = 50, 101^-50 ~ 1e-100: the tariffs close every route to machine precision."""
    world = base.replace(theta=np.full(base.n_sectors, 50.0), name="theta-50")
    res = tt.solve(world, _all_tariffs(world, 100.0), BALANCED)
    _assert_sane(res)
    expected = [_autarky_welfare(res.baseline, n) for n in range(base.n_regions)]
    np.testing.assert_allclose(res.welfare_hat, expected, rtol=1e-9)


@pytest.mark.parametrize("theta", [0.1, 50.0])
def test_tiny_and_huge_elasticities_solve_a_large_bilateral_tariff(base, theta):
    world = base.replace(theta=np.full(base.n_sectors, theta), name=f"theta-{theta}")
    usa, chn = base.region_index("USA"), base.region_index("CHN")
    tar = np.array(world.tariffs)
    tar[usa, chn, :] += 1.0
    res = tt.solve(world, Shocks(tariffs=tar))
    _assert_sane(res)
    drop = res.equilibrium.flows[usa, chn].sum() / world.flows[usa, chn].sum()
    # theta = 0.1: demand hardly substitutes (the flow at producer prices halves at most);
    # theta = 50: the route all but closes
    assert (0.4 < drop < 1.0) if theta < 1 else drop < 1e-10


def test_non_convergence_for_other_reasons_says_iterations_residual_and_what_to_try(base):
    with pytest.raises(ConvergenceError) as info:
        tt.solve(base, _all_tariffs(base, 1.0), SolverOptions(max_iter=5))
    err = info.value
    assert not isinstance(err, InfeasibleError)
    assert err.iterations == 5 and err.residual > 0
    assert "after 5 iterations" in str(err) and "try a larger max_iter" in str(err)


# ------------------------------------------------------------------ property: nothing non-finite
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    size=st.floats(min_value=0.0, max_value=4.0),
    importer=st.integers(min_value=0, max_value=12),
    sectors=st.lists(st.integers(min_value=0, max_value=27), min_size=1, max_size=6, unique=True),
    ban_exporter=st.integers(min_value=-1, max_value=12),
)
def test_no_shock_size_puts_a_nan_or_a_negative_in_a_result(base, size, importer, sectors, ban_exporter):
    """Tariffs of 0 to 9,999 % (``10^size - 1``) by one importer on some sectors, optionally with
    a ban of one exporter's sales of them: a result with finite, non-negative numbers or an error
    that says why."""
    tar = np.array(base.tariffs)
    tar[importer, :, sectors] += 10.0**size - 1.0
    ex = np.zeros_like(base.flows)
    if ban_exporter >= 0:
        ex[:, ban_exporter, sectors] = np.inf
    home = _home(base)
    tar[home] = 0.0
    ex[home] = 0.0
    try:
        res = tt.solve(base, Shocks(tariffs=tar, export_taxes=ex))
    except InfeasibleError as err:
        assert err.reason and err.regions
        return
    _assert_sane(res)


def test_two_blocs_with_no_trade_between_them_need_balanced_bloc_deficits(base):
    bloc = [base.region_index(c) for c in ("USA", "CAN", "MEX")]
    inside = np.zeros(base.n_regions, dtype=bool)
    inside[bloc] = True
    ex = np.zeros_like(base.flows)
    ex[np.ix_(inside, ~inside)] = np.inf
    ex[np.ix_(~inside, inside)] = np.inf
    deficit = float(base.deficit[inside].sum())
    with pytest.raises(InfeasibleError) as info:
        tt.solve(base, Shocks(export_taxes=ex))
    assert "the regions USA, MEX, CAN together: every route in and out is closed" in str(info.value)
    assert f"deficit of {deficit:.6g} USD million held fixed" in str(info.value)
    assert info.value.regions == ("USA", "MEX", "CAN")
    res = tt.solve(base, Shocks(export_taxes=ex), BALANCED)
    _assert_sane(res)
    assert np.all(res.equilibrium.flows[np.ix_(inside, ~inside)] == 0.0)


@pytest.mark.parametrize("factor", [1e2, 1e4, 1e6, 1e8, 1e12])
def test_near_autarky_by_trade_costs_solves_balanced(base, factor):
    """Every foreign route's iceberg cost up a hundred to a million million times: the balanced
    closure solves, each region's trade balances (its exports plus its deficit equal its imports
    to 1e-6 of themselves, however thin: the wages are pinned by trade balance, docs/model.md eq. 3.6) and the
    foreign share of spending collapses toward the autarky limit."""
    ice = np.full_like(base.flows, factor)
    ice[_home(base)] = 1.0
    res = tt.solve(base, Shocks(iceberg_hat=ice), BALANCED)
    _assert_sane(res)
    eq, ref = res.equilibrium, res.baseline
    foreign = np.where(_home(ref), 0.0, eq.flows)
    exports, imports = foreign.sum(axis=(0, 2)), foreign.sum(axis=(1, 2))
    assert np.abs(imports - exports).max() < 1e-7 * ref.value_added.sum()
    # imports minus exports is the deficit held fixed: the balanced world's own, zero to rounding
    # the balanced world's deficits are zero to rounding (about 1e-12 of world value added each):
    # however thin, trade balances to 1e-6 of itself (eq. 3.6 balances zero, not the rounding)
    assert np.abs(ref.deficit).max() < 1e-9 * ref.value_added.sum()
    np.testing.assert_allclose(np.log(exports / imports), 0.0, atol=1e-6)
    share = foreign.sum() / np.where(_home(ref), 0.0, ref.flows).sum()
    assert share < (1e-3 if factor < 1e3 else 1e-5)
    # the autarky limit (closed form), approached from above: what trade is left still gains
    autarky = np.array([_autarky_welfare(ref, n) for n in range(ref.n_regions)])
    # (beyond 1e8 the gains left are below the solver's tolerance, 1e-11: the bound is ten times it)
    assert np.all(res.welfare_hat >= autarky * (1 - (1e-12 if factor <= 1e8 else 1e-10)))
    np.testing.assert_allclose(res.welfare_hat, autarky, rtol=1e-3 if factor < 1e3 else 1e-5)


def test_trade_balance_form_of_the_labour_market_holds_at_an_ordinary_equilibrium(base):
    """Eq. 3.6 is eq. 2.13 rewritten: at a solved equilibrium with tariffs, an export tax and fixed
    deficits, each region's exports (at the exporter's receipts) plus its deficit equal its imports
    to rounding, so the gaps of eq. 3.6 are zero."""
    from tradetalks.model.fixed_point import FixedPointMap
    from tradetalks.model.system import build_system
    from tradetalks.model.trade_balance import trade_gaps

    tar = np.array(base.tariffs)
    tar[base.region_index("USA"), base.region_index("CHN"), :] += 0.5
    ex = np.zeros_like(base.flows)
    ex[base.region_index("USA"), base.region_index("CHN"), base.sector_index("C26")] = 0.3
    shocks = Shocks(tariffs=tar, export_taxes=ex)
    eq = tt.solve(base, shocks).equilibrium
    sys = build_system(base, shocks)
    fp = FixedPointMap.build(base, sys)
    gaps = trade_gaps(sys, fp.evaluate(eq.state))
    np.testing.assert_allclose(gaps, 0.0, atol=1e-9)
    # and away from the equilibrium they are not: a 1 % higher wage in the US opens a gap
    z = np.array(eq.state)
    z[base.region_index("USA")] += 0.01
    assert np.abs(trade_gaps(sys, fp.evaluate(z))).max() > 1e-3


def test_near_autarky_wages_approach_their_autarky_limit(base):
    """As every foreign route's trade cost goes to infinity the wages that balance the trade left
    converge (the trade of the lowest-elasticity sectors is what remains): the same to 1e-3 at
    1e12 and 1e20, though trade falls by some ten orders of magnitude between them."""
    wages = []
    for factor in (1e12, 1e20):
        ice = np.full_like(base.flows, factor)
        ice[_home(base)] = 1.0
        res = tt.solve(base, Shocks(iceberg_hat=ice), BALANCED)
        _assert_sane(res)
        wages.append(np.log(res.equilibrium.w_hat))
    np.testing.assert_allclose(wages[0], wages[1], atol=1e-3)
    assert np.ptp(wages[0]) > 0.5  # relative wages move far from the baseline's: not the start


def test_near_autarky_under_fixed_deficits_says_which_deficit_the_trade_left_cannot_carry(base):
    """A millionfold trade cost on every foreign route with deficits held fixed: no solve, and the
    error names the region whose fixed surplus or deficit exceeds all the trade left, and the
    closure to try."""
    ice = np.full_like(base.flows, 1e6)
    ice[_home(base)] = 1.0
    with pytest.raises(ConvergenceError) as info:
        tt.solve(base, Shocks(iceberg_hat=ice), SolverOptions(max_iter=1000))
    msg = str(info.value)
    assert "With deficits held fixed" in msg and "try closure='balanced'" in msg
    code = msg.split("With deficits held fixed, ")[1].split(" ")[0]
    assert code in base.regions
    assert abs(base.deficit[base.region_index(code)]) > 1e-9 * base.value_added.sum()


@pytest.mark.parametrize("horizon", ["short", "medium"])
def test_near_autarky_at_the_short_and_medium_horizons_balances_trade(base, horizon):
    """With sector-specific factor prices too, a millionfold-million trade cost on every foreign
    route solves under the balanced closure with each region's trade balanced to 1e-6 of itself
    (the regional wage level is solved from eq. 3.6, the factor prices within a region with prices
    and spending)."""
    world = at_horizon(base, horizon)
    ice = np.full_like(world.flows, 1e12)
    ice[_home(world)] = 1.0
    res = tt.solve(world, Shocks(iceberg_hat=ice), BALANCED)
    _assert_sane(res)
    foreign = np.where(_home(world), 0.0, res.equilibrium.flows)
    np.testing.assert_allclose(np.log(foreign.sum(axis=(0, 2)) / foreign.sum(axis=(1, 2))), 0.0, atol=1e-6)
