"""The scenario library at the short and the long horizon: the chokepoints the article is about."""

from __future__ import annotations

import numpy as np
import pytest

import tradetalks as tt


@pytest.fixture(scope="module")
def ban():
    return tt.run("rare-earth-ban")  # long, with the short run alongside


def test_a_rare_earth_ban_costs_little_in_the_long_run_and_much_this_year(ban):
    long = ban.at("long").regions_frame()["welfare_pct"]
    short = ban.at("short").regions_frame()["welfare_pct"]
    for region in ("USA", "JPN", "KOR"):
        assert short[region] < -0.1, region  # material: a tenth of a percent of real income or more
        assert short[region] < 20 * min(long[region], -1e-4), region  # and far above the long-run cost
    assert abs(long["USA"]) < 0.01


def test_the_ban_names_its_downstream_sectors(ban):
    hit = ban.at("short").chokepoints_frame()
    assert set(hit["input"]) == {"C27_REM"}
    worst = hit.head(12)
    assert {"USA", "JPN", "EU27"} <= set(worst["region"])
    assert "C29" in set(worst["sector"])  # motor vehicles: the largest user of magnets
    us_cars = hit[(hit["region"] == "USA") & (hit["sector"] == "C29")].iloc[0]
    assert us_cars["quantity_pct"] < -2.0 and us_cars["input_price_pct"] > 1000.0
    # the long run prices the same ban at a few percent of the magnet price and no loss of cars
    long_cars = ban.at("long").chokepoints_frame().set_index(["region", "sector"]).loc[("USA", "C29")]
    assert long_cars["input_price_pct"] < us_cars["input_price_pct"] / 100
    assert abs(long_cars["quantity_pct"]) < 0.05


def test_capacity_outside_china_binds_and_earns_rents(ban):
    cons = ban.at("short").constraints_frame()
    cap = cons[cons["kind"] == "capacity"]
    assert len(cap) >= 10 and cap["binding"].all()
    japan = cap[cap["constraint"].str.startswith("capacity of JPN in rare-earth-magnets")].iloc[0]
    assert japan["wedge_pct"] > 100.0 and japan["rents_to"] == "JPN"
    # no capacity limit in the long run: costs are constant
    assert not (ban.at("long").constraints_frame()["kind"] == "capacity").any()


def test_the_short_run_raises_prices_more():
    run = tt.run("us-100")
    short, long = (run.at(h).regions_frame().loc["USA", "price_index_pct"] for h in ("short", "long"))
    assert short > 1.5 * long > 0


def test_a_pause_is_a_pause_at_every_horizon():
    run = tt.run("pause", alongside=("short", "medium"))
    for h in ("long", "short", "medium"):
        np.testing.assert_allclose(run.at(h).welfare_hat, 1.0, atol=1e-10)
