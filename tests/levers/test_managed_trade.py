"""Purchase commitments as managed trade: a demand shift of the state buyer, met exactly, that costs it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import tradetalks as tt
from tests.conftest import make_world
from tradetalks.model import FlowConstraint, Shocks, solve_equilibrium


@pytest.fixture(scope="module")
def free_trade():
    return make_world(n=4, j=3, tariffs=False, seed=5)


def _floor(base, ratio: float, instrument: str) -> Shocks:
    cells = np.zeros(base.flows.shape, dtype=bool)
    cells[0, 1, 0] = True  # R0 buys sector S0 from R1
    target = ratio * float(base.flows[0, 1, 0])
    return Shocks(constraints=(FlowConstraint(cells, target, "floor", "R0 buys S0", instrument=instrument),))


def test_the_demand_shift_meets_the_target_and_costs_the_buyer(free_trade):
    base = free_trade
    eq = solve_equilibrium(base, _floor(base, 1.5, "preference"))
    assert eq.constraint_flows[0] == pytest.approx(1.5 * base.flows[0, 1, 0], rel=1e-9)
    assert eq.constraint_wedges[0] > 0  # the seller's weight in the buyer's choices rises
    w = tt.Result("x", eq, base, "fixed").welfare_hat
    assert w[0] < 1.0  # without tariffs, buying away from the cheapest mix is a pure cost
    assert w[1] > 1.0  # and the seller gains
    # no money changes hands: the buyer's (zero) tariff revenue is untouched
    assert eq.tariff_revenue[0] == pytest.approx(0.0, abs=1e-12)


def test_the_buyers_price_index_is_measured_at_base_preferences(free_trade):
    """docs/model.md, eq. 5.12, recomputed from the solved shares: with shift ``b`` on one cell of
    share ``s`` in the buyer's spending,
    ``P_eff = P_shifted (1 - s (1 - b^(-1/(theta+1))))^(-(theta+1)/theta)``."""
    base = free_trade
    eq = solve_equilibrium(base, _floor(base, 1.5, "preference"))
    b = 1.0 + float(eq.constraint_wedges[0])
    theta = float(base.theta[0])
    c = eq.c_hat[:, 0] ** -theta
    weights = np.array(base.shares[0, :, 0])
    weights[1] *= b
    p_shifted = float(weights @ c) ** (-1.0 / theta)
    s = float(eq.shares[0, 1, 0])
    p_eff = p_shifted * (1.0 - s * (1.0 - b ** (-1.0 / (theta + 1.0)))) ** (-(theta + 1.0) / theta)
    assert float(eq.P_hat[0, 0]) == pytest.approx(p_eff, rel=1e-10)
    assert float(eq.P_hat[0, 0]) > p_shifted  # the shift looks like a price cut; it is not


def test_a_slack_commitment_changes_nothing(free_trade):
    eq = solve_equilibrium(free_trade, _floor(free_trade, 0.5, "preference"))
    assert eq.constraint_wedges[0] == 0.0
    np.testing.assert_allclose(eq.P_hat, 1.0, atol=1e-12)


def test_compliance_scales_the_commitment_and_the_subsidy_stays_an_option():
    base = tt.load_baseline("default")
    sc = tt.load_scenario("modest-deal")
    (soy,) = [lv for lv in sc.levers if getattr(lv, "sectors", None) == ("soybeans",)]
    assert soy.compliance == pytest.approx(0.57) and "Phase One" in soy.compliance_source
    run = tt.run(sc, baseline=base, alongside=())
    cons = run.result.constraints_frame().set_index("constraint")
    row = cons.loc["CHN buys soybeans from USA (57 % of the commitment)"]
    assert row["kind"] == "purchase floor (demand shift)" and row["paid_by"] == "CHN"
    assert row["target"] == pytest.approx(0.57 * 25e6 * 471.5 / 1e6)
    subsidy = tt.load_scenario("soybeans-25mt")
    (lever,) = subsidy.levers
    as_subsidy = dataclasses.replace(subsidy, levers=(dataclasses.replace(lever, instrument="subsidy"),))
    res = tt.run(as_subsidy, alongside=()).result
    (c,) = res.constraints_frame().to_dict(orient="records")
    assert c["kind"] == "purchase floor (import subsidy)" and c["wedge_pct"] > 0
    with pytest.raises(tt.ScenarioError, match="instrument='gift'; allowed: preference, subsidy"):
        dataclasses.replace(lever, instrument="gift")
