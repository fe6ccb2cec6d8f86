"""Levers from scenario tables: compilation onto the baseline's axes and clear errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import tradetalks as tt
from tradetalks.errors import ScenarioError
from tradetalks.scenarios import parse_scenario


@pytest.fixture(scope="module")
def base():
    return tt.load_baseline("default")


def scenario(*levers, **extra):
    return parse_scenario({"name": "t", "levers": list(levers), **extra}, "test scenario")


def test_export_control_modes(base):
    chn, usa, jpn = (base.region_index(r) for r in ("CHN", "USA", "JPN"))
    c27 = base.sector_index("C27")
    spec = {"type": "export_control", "exporter": "CHN", "sectors": ["C27"], "destinations": ["USA", "JPN"]}
    ban = scenario({**spec, "mode": "ban"}).compile(base)
    assert ban.export_taxes is not None
    assert np.isinf(ban.export_taxes[usa, chn, c27]) and np.isinf(ban.export_taxes[jpn, chn, c27])
    assert ban.export_taxes[base.region_index("KOR"), chn, c27] == 0.0
    tax = scenario({**spec, "mode": "tax", "tax_pct": 25}).compile(base)
    assert tax.export_taxes is not None and tax.export_taxes[usa, chn, c27] == pytest.approx(0.25)
    cap = scenario({**spec, "mode": "cap", "cap_share": 0.5}).compile(base)
    (con,) = cap.constraints
    assert con.kind == "cap" and con.cells.sum() == 2
    assert con.target == pytest.approx(0.5 * (base.flows[usa, chn, c27] + base.flows[jpn, chn, c27]))
    res = tt.solve(base, cap)
    assert res.equilibrium.constraint_flows[0] == pytest.approx(con.target, rel=1e-9)


def test_allied_chip_controls_are_expressible(base):
    spec = {
        "type": "export_control",
        "exporters": ["USA", "JPN", "KOR", "TWN", "EU27"],
        "sectors": ["C26", "C28"],
        "destinations": ["CHN"],
        "mode": "tax",
        "tax_pct": 40,
    }
    shocks = scenario(spec).compile(base)
    chn = base.region_index("CHN")
    assert shocks.export_taxes is not None
    assert np.count_nonzero(shocks.export_taxes) == 5 * 2
    assert np.all(shocks.export_taxes[chn][np.nonzero(shocks.export_taxes[chn])] == pytest.approx(0.4))


def test_purchase_commitment_in_tonnes(base):
    spec = {
        "type": "purchase",
        "buyer": "CHN",
        "seller": "USA",
        "sectors": ["A01"],
        "quantity": 25e6,
        "unit_price_usd": 471.5,
        "price_source": "test",
    }
    shocks = scenario(spec).compile(base)
    (con,) = shocks.constraints
    assert con.kind == "floor" and con.target == pytest.approx(25e6 * 471.5 / 1e6)
    # In the 2022 data China already buys more US agriculture than that: the floor is slack.
    assert con.target < base.flows[con.cells].sum()
    res = tt.solve(base, shocks)
    assert res.equilibrium.constraint_wedges[0] == 0.0
    np.testing.assert_allclose(res.welfare_hat, 1.0, atol=1e-10)


def test_critical_input_lever(base):
    spec = {"type": "critical_input", "input": "C27", "users": ["C28", "C29"], "sigma": 0.3}
    shocks = scenario(spec).compile(base)
    (ci,) = shocks.critical_inputs
    assert ci.sigma == 0.3 and ci.users[:, base.sector_index("C28")].all()
    assert not ci.users[:, base.sector_index("C27")].any()


@pytest.mark.parametrize(
    ("lever", "needle"),
    [
        (
            {"type": "export_control", "exporter": "CHN", "products": ["unobtainium"], "mode": "ban"},
            "unobtainium",
        ),
        (
            {"type": "export_control", "exporter": "CHN", "sectors": ["C27"], "mode": "cap", "cap_share": -1},
            "> 0",
        ),
        ({"type": "export_control", "exporter": "CHN", "sectors": ["C27"], "mode": "embargo"}, "allowed"),
        ({"type": "export_control", "exporter": "CHN", "sectors": ["C27"], "mode": "tax"}, "tax_pct"),
        ({"type": "purchase", "buyer": "CHN", "seller": "USA", "sectors": ["A01"]}, "exactly one of"),
        (
            {
                "type": "purchase",
                "buyer": "CHN",
                "seller": "USA",
                "products": ["soybeans"],
                "value_usd_mn": 1,
            },
            "not split out",
        ),
        ({"type": "critical_input", "input": "C27", "sigma": 0}, "sigma must be > 0"),
        ({"type": "tariff", "importer": "USA", "exporter": "CHN", "add_pp": 10, "bogus": 1}, "unknown keys"),
        ({"type": "quota"}, "allowed"),
    ],
)
def test_bad_levers_are_named(base, lever, needle):
    with pytest.raises(ScenarioError, match=needle):
        scenario(lever).compile(base)


def test_purchase_target_above_spending_is_an_error(base):
    spend = float(base.spending[base.region_index("CHN"), base.sector_index("A01")])
    lever = {
        "type": "purchase",
        "buyer": "CHN",
        "seller": "USA",
        "sectors": ["A01"],
        "value_usd_mn": 2 * spend,
    }
    with pytest.raises(tt.ShockError, match="whole spending"):
        tt.solve(base, scenario(lever).compile(base))


# ------------------------------------------------------------------ reach of export controls
def test_reach_is_a_share_of_the_third_countries_varieties(base):
    """phi of another exporter's sales pay the control: A becomes A ((1 - phi) + phi (1 + e)^-theta)."""
    chn, usa, mys, kor = (base.region_index(r) for r in ("CHN", "USA", "MYS", "KOR"))
    c26 = base.sector_index("C26")
    spec = {"type": "export_control", "exporter": "USA", "sectors": ["C26"], "destinations": ["CHN"]}
    tax = scenario({**spec, "mode": "tax", "tax_pct": 100, "reach": {"MYS": 0.6}}).compile(base)
    assert tax.iceberg_hat is not None
    theta = base.theta[c26]
    want = (0.4 + 0.6 * 2.0**-theta) ** (-1.0 / theta)
    assert tax.iceberg_hat[chn, mys, c26] == pytest.approx(want, rel=1e-14)
    assert tax.iceberg_hat[chn, kor, c26] == 1.0 and tax.iceberg_hat[usa, mys, c26] == 1.0  # others untouched
    # full reach of a ban is a ban by everyone
    reach = scenario({**spec, "mode": "ban", "reach": 1.0}).compile(base)
    everyone = scenario({**spec, "exporter": "all", "mode": "ban"}).compile(base)
    np.testing.assert_allclose(
        tt.solve(base, reach).welfare_hat, tt.solve(base, everyone).welfare_hat, rtol=0, atol=1e-12
    )
    none = scenario({**spec, "mode": "ban", "reach": 0.0}).compile(base)
    assert none.iceberg_hat is None
    with pytest.raises(ScenarioError, match="reach must be in \\[0, 1\\]"):
        scenario({**spec, "mode": "ban", "reach": 1.5})
    with pytest.raises(ScenarioError, match="not 'cap'"):
        scenario({**spec, "mode": "cap", "cap_share": 0.5, "reach": 0.5})


def test_with_full_reach_chip_controls_give_malaysia_no_windfall():
    with_reach = tt.run("chip-controls-tighten")
    sc = tt.load_scenario("chip-controls-tighten")
    without = tt.run(
        dataclasses.replace(sc, levers=tuple(dataclasses.replace(lv, reach=0.0) for lv in sc.levers))
    )
    for h in ("long", "short"):
        mys = with_reach.at(h).regions_frame().loc["MYS"]
        assert mys["welfare_pct"] < 0 and mys["exports_pct"] < 0, h
        assert without.at(h).regions_frame().loc["MYS", "welfare_pct"] > 0.3, h
    # and China is hurt more when the rules reach third countries
    chn = [r.at("long").regions_frame().loc["CHN", "welfare_pct"] for r in (with_reach, without)]
    assert chn[0] < chn[1] < 0
