"""Quantity caps, purchase floors, bans and CES chokepoint nests: their limiting cases."""

from __future__ import annotations

import numpy as np
import pytest

import tradetalks as tt
from tests.conftest import make_world
from tradetalks import ShockError, Shocks, solve
from tradetalks.model.shocks import CriticalInput, FlowConstraint


@pytest.fixture(scope="module")
def base():
    return tt.load_baseline("default")


def _cells(b, importer, exporter, sector):
    mask = np.zeros(b.flows.shape, dtype=bool)
    mask[b.region_index(importer), b.region_index(exporter), b.sector_index(sector)] = True
    return mask


def test_binding_cap_is_met_exactly_and_equals_its_tax_equivalent(base):
    cells = _cells(base, "USA", "CHN", "C27")
    target = 0.3 * float(base.flows[cells].sum())
    capped = solve(base, Shocks(constraints=(FlowConstraint(cells, target, "cap", "cap"),)))
    eq = capped.equilibrium
    assert float(eq.flows[cells].sum()) == pytest.approx(target, rel=1e-9)
    assert eq.constraint_flows[0] == pytest.approx(target, rel=1e-9)
    tax = eq.constraint_wedges[0]
    assert tax > 0
    # the same export tax, imposed exogenously, gives the same equilibrium
    x = np.zeros(base.flows.shape)
    x[cells] = tax
    taxed = solve(base, Shocks(export_taxes=x))
    np.testing.assert_allclose(taxed.welfare_hat, capped.welfare_hat, rtol=1e-9)
    # licence rents accrue to the exporter
    chn = base.region_index("CHN")
    assert eq.export_tax_revenue[chn] == pytest.approx(float((eq.flows * x)[cells].sum()), rel=1e-8)


def test_slack_cap_has_zero_wedge_and_changes_nothing(base):
    cells = _cells(base, "USA", "CHN", "C27")
    res = solve(base, Shocks(constraints=(FlowConstraint(cells, 2.0 * base.flows[cells].sum(), "cap"),)))
    assert res.equilibrium.constraint_wedges[0] == 0.0
    np.testing.assert_allclose(res.welfare_hat, 1.0, atol=1e-10)


def test_ban_equals_a_very_large_tax(base):
    x = np.zeros(base.flows.shape)
    cells = _cells(base, "JPN", "CHN", "C27") | _cells(base, "USA", "CHN", "C27")
    x[cells] = np.inf
    ban = solve(base, Shocks(export_taxes=x))
    assert np.all(ban.equilibrium.flows[cells] == 0.0)
    x[cells] = 1e6
    big = solve(base, Shocks(export_taxes=x))
    np.testing.assert_allclose(ban.welfare_hat, big.welfare_hat, rtol=1e-9)
    # and a tight cap approaches the ban
    target = 1e-6 * float(base.flows[cells].sum())
    tight = solve(base, Shocks(constraints=(FlowConstraint(cells, target, "cap"),)))
    np.testing.assert_allclose(tight.welfare_hat, ban.welfare_hat, rtol=1e-6)


def test_purchase_floor_is_met_and_the_buyer_pays(base):
    cells = _cells(base, "CHN", "USA", "A01")
    target = 1.8 * float(base.flows[cells].sum())
    res = solve(base, Shocks(constraints=(FlowConstraint(cells, target, "floor", "buy"),)))
    eq = res.equilibrium
    assert float(eq.flows[cells].sum()) == pytest.approx(target, rel=1e-8)
    assert eq.constraint_wedges[0] < 0  # a subsidy on the tariff factor
    chn = base.region_index("CHN")
    # the subsidy outlay is a negative tariff revenue on that flow
    tau = (1.0 + base.tariffs) * np.where(cells, 1.0 + eq.constraint_wedges[0], 1.0)
    np.testing.assert_allclose(eq.tariff_revenue[chn], (eq.flows[chn] * (tau[chn] - 1.0)).sum(), rtol=1e-8)
    # displaced suppliers: Brazil sells less agriculture to China
    bra = base.region_index("BRA")
    a01 = base.sector_index("A01")
    assert eq.flows[chn, bra, a01] < base.flows[chn, bra, a01]


def test_slack_floor_has_zero_wedge(base):
    cells = _cells(base, "CHN", "USA", "A01")
    res = solve(base, Shocks(constraints=(FlowConstraint(cells, 0.5 * base.flows[cells].sum(), "floor"),)))
    assert res.equilibrium.constraint_wedges[0] == 0.0


def test_bad_constraints_are_named(base):
    cells = _cells(base, "CHN", "USA", "A01")
    with pytest.raises(ShockError, match="target must be"):
        FlowConstraint(cells, -1.0, "cap", "neg")
    with pytest.raises(ShockError, match="kind"):
        FlowConstraint(cells, 1.0, "ceiling", "x")  # type: ignore[arg-type]
    too_big = 10.0 * float(base.spending[base.region_index("CHN"), base.sector_index("A01")])
    with pytest.raises(ShockError, match="whole spending"):
        solve(base, Shocks(constraints=(FlowConstraint(cells, too_big, "floor", "soy"),)))
    home = np.zeros(base.flows.shape, dtype=bool)
    home[0, 0, 0] = True
    with pytest.raises(ShockError, match="home sales"):
        solve(base, Shocks(constraints=(FlowConstraint(home, 1.0, "cap", "home"),)))


def _ban_of_a_nested_input():
    """A toy world where region 0 stops selling sector 1, an input nested in every other sector."""
    b = make_world(n=4, j=3, seed=4)
    users = np.ones((4, 3), dtype=bool)
    users[:, 1] = False
    x = np.zeros(b.flows.shape)
    x[:, 0, 1] = np.inf
    x[0, 0, 1] = 0.0
    return b, users, x


def test_sigma_one_nest_is_cobb_douglas_exactly():
    b, users, x = _ban_of_a_nested_input()
    cd = solve(b, Shocks(export_taxes=x))
    nest = solve(b, Shocks(export_taxes=x, critical_inputs=(CriticalInput(1, users, 1.0, "cd"),)))
    np.testing.assert_allclose(nest.welfare_hat, cd.welfare_hat, rtol=1e-12)
    near = solve(b, Shocks(export_taxes=x, critical_inputs=(CriticalInput(1, users, 1.0 + 1e-7, "near"),)))
    np.testing.assert_allclose(near.welfare_hat, cd.welfare_hat, rtol=1e-6)


def test_lower_sigma_makes_a_critical_input_ban_costlier():
    b, users, x = _ban_of_a_nested_input()
    losses = []
    for sigma in (1.0, 0.5, 0.2):
        res = solve(b, Shocks(export_taxes=x, critical_inputs=(CriticalInput(1, users, sigma, "k"),)))
        losses.append(1.0 - res.welfare_hat[1])
        # shares in effect still add up to one
        eq = res.equilibrium
        np.testing.assert_allclose(eq.va_share + eq.io_share.sum(axis=1), 1.0, rtol=1e-12)
    assert losses[0] < losses[1] < losses[2]


def test_zero_shock_with_nest_and_slack_constraint_is_identity():
    b = make_world(seed=9)
    users = np.ones((b.n_regions, b.n_sectors), dtype=bool)
    users[:, 0] = False
    cells = np.zeros(b.flows.shape, dtype=bool)
    cells[0, 1, 2] = True
    res = solve(
        b,
        Shocks(
            critical_inputs=(CriticalInput(0, users, 0.3, "k"),),
            constraints=(FlowConstraint(cells, 10 * b.flows[0, 1, 2], "cap"),),
        ),
    )
    np.testing.assert_allclose(res.welfare_hat, 1.0, atol=1e-10)
