"""The deal space: every package solved, flags consistent, workers do not change results."""

from __future__ import annotations

import numpy as np
import pytest

import tradetalks as tt
from tradetalks.analyses import bargaining as bg
from tradetalks.analyses.deals import load_deal_space, parse_deal_space, solve_deal_space
from tradetalks.analyses.options import DealOptions
from tradetalks.errors import ScenarioError

SPACE = {
    "name": "mini",
    "parties": ["USA", "CHN"],
    "disagreement": {"us": "+50", "cn": "+50", "soy": "none"},
    "issues": [
        {
            "name": "us",
            "options": [
                {
                    "name": "+50",
                    "levers": [{"type": "tariff", "importer": "USA", "exporter": "CHN", "add_pp": 50}],
                },
                {"name": "hold", "levers": []},
            ],
        },
        {
            "name": "cn",
            "options": [
                {
                    "name": "+50",
                    "levers": [{"type": "tariff", "importer": "CHN", "exporter": "USA", "add_pp": 50}],
                },
                {"name": "hold", "levers": []},
                {
                    "name": "-2",
                    "levers": [{"type": "tariff", "importer": "CHN", "exporter": "USA", "add_pp": -2}],
                },
            ],
        },
        {
            "name": "soy",
            "options": [
                {"name": "none", "levers": []},
                {
                    "name": "buy",
                    "levers": [
                        {
                            "type": "purchase",
                            "buyer": "CHN",
                            "seller": "USA",
                            "sectors": ["A01"],
                            "value_ratio": 1.3,
                        }
                    ],
                },
            ],
        },
    ],
    "win_sets": [{"party": "USA", "region": "USA", "sector": "A01", "min_output_pct": 0.0}],
}


@pytest.fixture(scope="module")
def base():
    return tt.load_baseline("default")


@pytest.fixture(scope="module")
def deals(base):
    return solve_deal_space(base, parse_deal_space(SPACE, "test"))


def test_every_package_is_solved_and_flagged(deals):
    t = deals.table
    assert len(t) == 2 * 3 * 2 == deals.space.size
    d = deals.disagreement
    assert (t.loc[d, "us"], t.loc[d, "cn"], t.loc[d, "soy"]) == ("+50", "+50", "none")
    assert t.loc[d, "gain_USA"] == 0.0 and t.loc[d, "gain_CHN"] == 0.0
    u = deals.payoffs
    # flags agree with the pure functions on the ratified packages
    ok = t["ratified"].to_numpy()
    assert (t["zopa"].to_numpy() == (bg.zopa(u, u[d]) & ok)).all()
    nash = int(np.flatnonzero(t["nash"].to_numpy())[0])
    assert nash == np.flatnonzero(ok)[bg.nash_solution(u[ok], u[d])]
    assert set(deals.solutions()) == {"nash", "kalai_smorodinsky", "equal_gains", "rubinstein", "concession"}
    assert deals.rounds["rubinstein"] == 0 and deals.rounds["concession"] >= 0
    # the escalation is worse for both than holding everything
    hold = t[(t["us"] == "hold") & (t["cn"] == "hold") & (t["soy"] == "none")].index[0]
    assert t.loc[hold, "gain_USA"] > 0 and t.loc[hold, "gain_CHN"] > 0
    # onlookers are reported
    assert {"welfare_JPN", "exports_KOR", "welfare_EU27"} <= set(t.columns)


def test_purchase_packages_meet_their_target_and_win_sets_filter(deals):
    t = deals.table
    buy = t[t["soy"] == "buy"]
    assert (buy["winset_USA_USA_A01"] > t.loc[buy.index - 1, "winset_USA_USA_A01"].to_numpy()).all()
    assert (~t["ratified"] == (t["winset_USA_USA_A01"] < 0)).all()


def test_results_do_not_depend_on_the_number_of_workers(base, deals, tmp_path):
    two = solve_deal_space(
        base, parse_deal_space(SPACE, "test"), options=DealOptions(workers=2, cache_dir=tmp_path)
    )
    cols = ["payoff_USA", "payoff_CHN", "welfare_JPN"]
    np.testing.assert_allclose(
        two.table[cols].to_numpy(), deals.table[cols].to_numpy(), rtol=1e-8, atol=1e-12
    )
    assert (two.table["nash"] == deals.table["nash"]).all()
    # cached: the second call reads the table instead of solving
    again = solve_deal_space(base, parse_deal_space(SPACE, "test"), options=DealOptions(cache_dir=tmp_path))
    np.testing.assert_allclose(again.table[cols].to_numpy(), two.table[cols].to_numpy(), rtol=1e-12)
    assert again.seconds < two.seconds


def test_bad_deal_spaces_are_named():
    bad = dict(SPACE, disagreement={"us": "+50", "cn": "+50"})
    with pytest.raises(ScenarioError, match="lacks issues"):
        parse_deal_space(bad, "test")
    bad = dict(SPACE, disagreement={"us": "+99", "cn": "+50", "soy": "none"})
    with pytest.raises(ScenarioError, match="no option '\\+99'"):
        parse_deal_space(bad, "test")
    with pytest.raises(ScenarioError, match="unknown deal space"):
        load_deal_space("nope")


def test_builtin_busan_space_parses():
    space = load_deal_space("busan-2025")
    assert space.size == 3 * 3 * 3 * 2 * 3 * 2
    assert "soybeans" in space.base.products
