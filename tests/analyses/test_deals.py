"""The deal space: every package solved, flags consistent, workers do not change results."""

from __future__ import annotations

import numpy as np
import pytest

import tradetalks as tt
from tradetalks.analyses import bargaining as bg
from tradetalks.analyses.deals import load_deal_space, parse_deal_space, solve_deal_space
from tradetalks.analyses.options import DealOptions
from tradetalks.errors import OptionsError, ScenarioError

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


# ------------------------------------------------------------------ equal outcomes, both proposers

#: Tariff cuts only, and a purchase floor at half of China's baseline purchases of US farm goods:
#: slack in every package (the cuts raise the flow), so ``floor 0.5`` repeats ``none``.
SLACK = {
    "name": "slack",
    "parties": ["USA", "CHN"],
    "disagreement": {"us": "hold", "cn": "hold", "soy": "none"},
    "issues": [
        {
            "name": "us",
            "options": [
                {"name": "hold", "levers": []},
                {
                    "name": "-2",
                    "levers": [{"type": "tariff", "importer": "USA", "exporter": "CHN", "add_pp": -2}],
                },
            ],
        },
        {
            "name": "cn",
            "options": [
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
                    "name": "floor 0.5",
                    "levers": [
                        {
                            "type": "purchase",
                            "buyer": "CHN",
                            "seller": "USA",
                            "sectors": ["A01"],
                            "value_ratio": 0.5,
                        }
                    ],
                },
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
}


@pytest.fixture(scope="module")
def slack_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("slack")


@pytest.fixture(scope="module")
def slack(base, slack_cache):
    return solve_deal_space(base, parse_deal_space(SLACK, "test"), options=DealOptions(cache_dir=slack_cache))


def test_a_slack_purchase_floor_is_merged_with_its_twin(slack):
    t = slack.table
    assert len(t) == 12 == slack.space.size
    floor, none = t[t["soy"] == "floor 0.5"], t[t["soy"] == "none"]
    # each slack-floor package stands for the same package without the floor (fewer departures)
    assert (floor["same_as"].to_numpy() == none.index.to_numpy()).all()
    assert (none["equivalent"] == "soy=floor 0.5").all()
    # the twins differ only by the solver's noise, far below the tolerance
    cols = [c for c in t.columns if c.startswith(("payoff_", "welfare_", "exports_"))]
    noise = np.abs(floor[cols].to_numpy() - none[cols].to_numpy()).max()
    assert noise < 1e-9 * 100 and noise < slack.to_dict()["provenance"]["options"]["deals"]["tie_tol"] * 100
    # one row per outcome: no two rows of the output agree within the tolerance
    packages = slack.packages()
    assert len(packages) == 8 and "floor 0.5" not in set(packages["soy"])
    x = packages[[c for c in packages.columns if c.endswith("_pct") and not c.startswith("gain_")]].to_numpy()
    gaps = np.abs(x[:, None, :] - x[None, :, :]).max(axis=2) + np.diag(np.full(len(x), np.inf))
    assert gaps.min() > 1e-9 * 100
    doc = slack.to_dict()
    assert doc["packages_solved"] == 12 and doc["packages_distinct"] == 8 == len(doc["packages"])
    assert doc["equivalent_packages"] == {
        str(k): [int(m)] for k, m in zip(none.index, floor.index, strict=True)
    }
    assert "8 distinct outcomes (4 merged" in slack.report().to_text()
    # the flags are the group's; a solution flags the representative only
    for col in ("ratified", "frontier", "zopa"):
        assert (floor[col].to_numpy() == none[col].to_numpy()).all()
    assert not floor[["nash", "kalai_smorodinsky", "equal_gains", "rubinstein", "concession"]].any().any()


def test_without_a_tolerance_float_noise_keeps_the_twins_apart(base, slack, slack_cache):
    """``tie_tol = 0`` compares exactly: the twins stay separate rows (their payoffs differ in the
    last digits), which is what the tolerance is for."""
    exact = solve_deal_space(
        base, parse_deal_space(SLACK, "test"), options=DealOptions(tie_tol=0.0, cache_dir=slack_cache)
    )
    assert len(exact.packages()) > len(slack.packages())
    # the solutions themselves do not move: the twins of a solution are merged, not preferred
    assert {k: v for k, v in exact.solutions().items() if k != "concession"} == {
        k: v for k, v in slack.solutions().items() if k != "concession"
    }


def test_alternating_offers_are_reported_for_both_first_proposers(deals):
    t = deals.table
    ok = t["ratified"].to_numpy()
    u, d = deals.payoffs, deals.payoffs[deals.disagreement]
    idx = np.flatnonzero(ok)
    offers = deals.alternating_offers()
    assert offers == {
        "USA": int(idx[bg.rubinstein(u[ok], d, first=0).package]),
        "CHN": int(idx[bg.rubinstein(u[ok], d, first=1).package]),
    }
    assert offers["USA"] == deals.solutions()["rubinstein"]
    assert deals.rounds["rubinstein"] == 0 and deals.rounds["rubinstein_CHN_first"] == 0
    assert deals.equilibria >= 1
    summary = deals.summary()
    assert {"rubinstein_USA_first", "rubinstein_CHN_first"} <= set(summary.index)
    doc = deals.to_dict()
    assert doc["alternating_offers"]["USA_first"] == {"package": offers["USA"], "round": 0}
    assert doc["alternating_offers"]["CHN_first"] == {"package": offers["CHN"], "round": 0}
    text = deals.report().to_text()
    assert "USA proposing first: round 0" in text and "CHN proposing first: round 0" in text
    # other discount factors reach the game: the same outcomes as the pure function with them
    patient = solve_deal_space(
        tt.load_baseline("default"),
        parse_deal_space(SPACE, "test"),
        options=DealOptions(discount=(0.5, 0.99)),
    )
    game = bg.alternating_offers(u[ok], d, discount=(0.5, 0.99))
    assert patient.alternating_offers() == {"USA": int(idx[game.offers[0]]), "CHN": int(idx[game.offers[1]])}
    assert patient.equilibria == game.equilibria
    assert patient.to_dict()["provenance"]["options"]["deals"]["discount"] == [0.5, 0.99]


def test_deal_options_are_validated_and_named():
    with pytest.raises(OptionsError, match=r"DealOptions\.tie_tol = -1\.0"):
        DealOptions(tie_tol=-1.0)
    with pytest.raises(OptionsError, match=r"DealOptions\.tie_tol"):
        DealOptions(tie_tol=1.0)
    with pytest.raises(OptionsError, match=r"DealOptions\.discount"):
        DealOptions(discount=(1.0, 0.5))
    with pytest.raises(OptionsError, match="closure='open'; allowed: fixed, balanced"):
        tt.deals(parse_deal_space(SPACE, "test"), closure="open")
    with pytest.raises(OptionsError, match="horizon='soon'; allowed: short, medium, long"):
        tt.deals(parse_deal_space(SPACE, "test"), horizon="soon")


def test_deals_take_the_closure_and_mapping_of_run(deals):
    space = parse_deal_space(SPACE, "test")
    balanced = tt.deals(space, closure="balanced")
    assert balanced.provenance.closure == "balanced" and "closure balanced" in balanced.report().to_text()
    assert balanced.to_dict()["provenance"]["options"]["solver"]["closure"] == "balanced"
    # measured from the zero-deficit world: other numbers, the same packages
    assert len(balanced.table) == len(deals.table)
    assert not np.allclose(balanced.payoffs, deals.payoffs, rtol=1e-6, atol=0)
    # the balanced run agrees with `run` on the same shocks
    k = deals.disagreement
    hold = balanced.table.loc[k]
    run = tt.run(
        tt.Scenario("d", "", "", space.levers(tuple(str(hold[i.name]) for i in space.issues))),
        closure="balanced",
        alongside=(),
    )
    welfare = run.result.regions_frame()["welfare_pct"]
    assert hold["welfare_JPN"] == pytest.approx(welfare["JPN"], rel=1e-6, abs=1e-9)
    # a mapping aggregates the baseline first: Malaysia folded into ASEAN is no onlooker any more
    regions = tt.load_baseline("default").regions
    mapping = {r: ("ASEAN" if r == "MYS" else r) for r in regions}
    merged = tt.deals(space, mapping=mapping)
    assert "welfare_MYS" not in merged.table.columns and "welfare_ASEAN" in merged.table.columns
    assert "mapping" in merged.provenance.baseline


def test_blocks_in_batches_give_the_same_bits_whatever_the_workers(base, deals, monkeypatch):
    """Cut into blocks of 5 (two workers then solve them in parallel), the table is bit for bit
    the one of one worker, and within the solver's tolerance of the single-block table."""
    import tradetalks.analyses.deal_solve as deal_solve

    monkeypatch.setattr(deal_solve, "BLOCK", 5)
    space = parse_deal_space(SPACE, "test")
    one = solve_deal_space(base, space, options=DealOptions(workers=1)).table
    two = solve_deal_space(base, space, options=DealOptions(workers=2)).table
    assert len(one) == space.size > 2 * deal_solve.BLOCK
    cols = [c for c in one.columns if c.startswith(("payoff_", "welfare_", "exports_", "winset_"))]
    assert np.array_equal(one[cols].to_numpy(), two[cols].to_numpy())
    assert (one["iterations"] == two["iterations"]).all()
    np.testing.assert_allclose(one[cols].to_numpy(), deals.table[cols].to_numpy(), rtol=1e-8, atol=1e-10)
