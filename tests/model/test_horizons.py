"""Horizons: sector-specific factor prices and horizon elasticities, against limits and closed forms.

- the long horizon is today's model exactly; zero shocks change nothing at every horizon;
- with one sector the factor mobility is irrelevant; as the mobility grows the single-wage model
  is the limit;
- Hulten (1978): a small productivity shock's first-order welfare effect is its Domar weight, at
  any factor mobility and substitution elasticity;
- Baqaee and Farhi (2019): the second-order effect in a vertical CES economy is
  ``(sigma - 1) s (1 - s)``;
- a vertical economy with a near-Leontief critical input in fixed supply loses final output as
  the CES closed form says, which tends to one for one with the supply cut;
- exact gradients at every horizon against finite differences.
"""

from __future__ import annotations

import numpy as np
import pytest

import tradetalks as tt
from tests.conftest import make_world
from tradetalks.baseline import Baseline
from tradetalks.data.horizons import HORIZONS, at_horizon, horizon_of, horizon_spec
from tradetalks.errors import DataError
from tradetalks.model import CriticalInput, Shocks, objective_gradient, solve_equilibrium


def _welfare(base: Baseline, shocks: Shocks) -> np.ndarray:
    return tt.Result("x", solve_equilibrium(base, shocks), base, "fixed").welfare_hat


def _tariff_shock(base: Baseline, add: float = 0.5) -> Shocks:
    tar = np.array(base.tariffs)
    tar[0, 1, :] += add
    return Shocks(tariffs=tar)


def vertical(s: float = 0.3, mobility: float | None = None) -> Baseline:
    """One region; final good F made of the factor and intermediate M (cost share ``s``); M made
    of the factor only. All final spending is on F."""
    flows = np.zeros((1, 1, 2))
    flows[0, 0] = (100.0, 100.0 * s)
    io = np.zeros((1, 2, 2))
    io[0, 1, 0] = s
    va = np.array([[1.0 - s, 1.0]])
    return Baseline(
        "vertical", 2022, ("H",), ("F", "M"), flows, np.zeros((1, 1, 2)), va, io, np.array([4.0, 4.0]),
        mobility=mobility,
    )  # fmt: skip


def _log_welfare_after_productivity(base: Baseline, log_a: float, sigma: float | None) -> float:
    ice = np.ones((1, 1, 2))
    ice[0, 0, 1] = np.exp(-log_a)  # productivity of M up by log_a
    nests = () if sigma is None else (CriticalInput(1, np.array([[True, False]]), sigma),)
    return float(np.log(_welfare(base, Shocks(iceberg_hat=ice, critical_inputs=nests))[0]))


# ------------------------------------------------------------------ the table and the transform
def test_horizon_table_is_sourced_and_long_is_the_model_itself():
    for name in HORIZONS:
        spec = horizon_spec(name)
        assert all(len(text) > 20 for _, text in spec.sources), name
    assert horizon_spec("short").mobility == 0.0 and horizon_spec("long").mobility is None
    assert horizon_spec("short").theta_ratio == pytest.approx(0.76 / 2.0)
    base = tt.load_baseline("default")
    assert at_horizon(base, "long") is base
    short = at_horizon(base, "short")
    assert horizon_of(short) == "short" and short.mobility == 0.0
    np.testing.assert_allclose(short.theta, 0.38 * base.theta, rtol=1e-15)
    np.testing.assert_array_equal(short.flows, base.flows)
    with pytest.raises(DataError, match="already at the short horizon"):
        at_horizon(short, "medium")
    with pytest.raises(DataError, match="unknown horizon 'soon'; allowed: short, medium, long"):
        at_horizon(base, "soon")
    # another elasticity set keeps the horizon's scaling
    np.testing.assert_allclose(
        short.with_elasticities("FGO").theta, 0.38 * base.with_elasticities("FGO").theta, rtol=1e-15
    )


def test_the_long_run_of_the_workflow_is_the_engine_exactly():
    run = tt.run("us-100-retaliation", alongside=())
    prepared = tt.load_scenario("us-100-retaliation").prepare(tt.load_baseline("default"))
    direct = tt.solve(prepared, tt.load_scenario("us-100-retaliation").compile(prepared))
    np.testing.assert_array_equal(run.result.welfare_hat, direct.welfare_hat)
    np.testing.assert_array_equal(run.result.equilibrium.flows, direct.equilibrium.flows)


@pytest.mark.parametrize("mobility", [0.0, 1.0, 7.5])
def test_zero_shock_changes_nothing_at_every_mobility(world, mobility):
    eq = solve_equilibrium(world.replace(mobility=mobility), Shocks())
    for arr in (eq.factor_price_hat, eq.P_hat, eq.c_hat, eq.w_hat):
        np.testing.assert_allclose(arr, 1.0, atol=1e-12)
    np.testing.assert_allclose(eq.flows, world.flows, rtol=1e-12)


def test_zero_shock_on_shipped_baselines_at_the_short_horizon():
    for name in ("default", "icio2022-full"):
        base = at_horizon(tt.load_baseline(name), "short")
        eq = solve_equilibrium(base, Shocks())
        np.testing.assert_allclose(eq.factor_price_hat, 1.0, atol=1e-10)
        np.testing.assert_allclose(eq.flows, base.flows, rtol=1e-9, atol=1e-9)


def test_with_one_sector_factor_mobility_is_irrelevant():
    w1 = make_world(n=4, j=1, seed=4)
    w1.check(1e-9)
    shock = _tariff_shock(w1)
    long = _welfare(w1, shock)
    for mobility in (0.0, 2.0):
        np.testing.assert_allclose(_welfare(w1.replace(mobility=mobility), shock), long, rtol=1e-12)


def test_perfect_mobility_is_the_limit_of_high_mobility(world):
    shock = _tariff_shock(world)
    long = _welfare(world, shock)
    gaps = [np.max(np.abs(_welfare(world.replace(mobility=eta), shock) - long)) for eta in (10.0, 100.0, 1e4)]
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < 1e-6
    assert gaps[0] > 1e-5  # and mobility matters when it is finite


def test_fixed_factors_change_who_gains(world):
    """With factors fixed by sector a tariff's terms-of-trade effect works through sector factor
    prices: the result differs from the single-wage model and factor prices differ by sector."""
    eq = solve_equilibrium(world.replace(mobility=0.0), _tariff_shock(world))
    spread = np.ptp(np.log(eq.factor_price_hat), axis=1)
    assert spread.max() > 1e-3
    # factor income by sector is factor demand gamma Y' (eq. 2.20), and it adds up to income
    np.testing.assert_allclose(eq.factor_income, eq.va_share * eq.output, rtol=1e-12)


# ------------------------------------------------------------------ closed forms
@pytest.mark.parametrize("mobility", [None, 0.0, 1.0])
@pytest.mark.parametrize("sigma", [None, 0.3, 1.0, 3.0])
def test_hulten_first_order_effect_is_the_domar_weight(mobility, sigma):
    s = 0.3
    base = vertical(s, mobility)
    h = 1e-5
    slope = (
        _log_welfare_after_productivity(base, h, sigma) - _log_welfare_after_productivity(base, -h, sigma)
    ) / (2 * h)
    domar = base.gross_output[0, 1] / base.income[0]  # sales of M over GDP
    assert domar == pytest.approx(s)
    assert slope == pytest.approx(domar, rel=1e-7)


@pytest.mark.parametrize("sigma", [0.2, 0.5, 2.0, 4.0])
def test_second_order_effect_matches_baqaee_farhi(sigma):
    """``d2 ln Y / d ln A_M^2 = (sigma - 1) s (1 - s)`` (Baqaee and Farhi 2019, one factor)."""
    s, h = 0.3, 1e-3
    base = vertical(s)
    up, dn, zero = (_log_welfare_after_productivity(base, x, sigma) for x in (h, -h, 0.0))
    assert zero == pytest.approx(0.0, abs=1e-13)
    assert (up + dn - 2 * zero) / h**2 == pytest.approx((sigma - 1) * s * (1 - s), rel=1e-5)


@pytest.mark.parametrize("cut", [0.05, 0.2])
def test_leontief_input_in_fixed_supply_cuts_output_one_for_one(cut):
    """Factors fixed by sector; M is made of its factor only, so its supply falls with its
    productivity. Final output follows the CES closed form ``((1 - s) + s (1 - x)^rho)^(1/rho)``,
    ``rho = (sigma - 1) / sigma``, which tends to ``1 - x`` as sigma goes to zero."""
    s = 0.3
    base = vertical(s, mobility=0.0)
    for sigma in (0.05, 0.01, 0.001):
        rho = (sigma - 1) / sigma
        closed = ((1 - s) + s * (1 - cut) ** rho) ** (1 / rho)
        w = np.exp(_log_welfare_after_productivity(base, np.log(1 - cut), sigma))
        assert w == pytest.approx(closed, rel=1e-9)
    assert w == pytest.approx(1 - cut, rel=2e-3)  # sigma = 0.001: one for one


# ------------------------------------------------------------------ gradients
@pytest.mark.parametrize("horizon", ["short", "medium"])
def test_gradients_are_exact_at_every_horizon(horizon):
    from tradetalks.analyses.objectives import Government
    from tradetalks.analyses.optimal import TariffPolicy

    toy = at_horizon(
        tt.model.balanced_baseline(make_world(n=4, j=3, seed=21)).replace(meta={"theta": {}}), horizon
    )
    gov = Government("R0")
    policy = TariffPolicy.of(toy, "R0", "others")
    x = np.array([0.1, 0.25, 0.05])
    eq = solve_equilibrium(toy, Shocks(tariffs=policy.apply(toy.tariffs, x)))
    value, grad = objective_gradient(eq, policy.directions(toy.flows.shape), gov.objective(toy))

    def g(y: np.ndarray) -> float:
        return gov.value(tt.solve(toy, Shocks(tariffs=policy.apply(toy.tariffs, y))))

    assert value == pytest.approx(g(x), abs=1e-10)  # the solver's tolerance: 1e-11 on every residual
    h = 1e-6
    for k in range(3):
        up, dn = x.copy(), x.copy()
        up[k] += h
        dn[k] -= h
        assert grad[k] == pytest.approx((g(up) - g(dn)) / (2 * h), rel=1e-5, abs=1e-10)
