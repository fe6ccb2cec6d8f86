"""The headline numbers: effective tariff rates, revenue, prices, cost per household, real GDP, balances.

Each output: zero shock gives no change; a simple tariff rise moves it the right way; the formulas
on hand-computed numbers. Published comparisons that need the raw data are in
``tests/data/test_etr.py``.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

import tradetalks as tt
from tradetalks.data.catalog import load
from tradetalks.data.households import Households, households_of
from tradetalks.errors import DataError, ScenarioError
from tradetalks.levers import DatedTariffs, TariffChange, compile_levers
from tradetalks.model import Shocks
from tradetalks.results import headline as hl


# ------------------------------------------------------------------ formulas on hand numbers
def test_household_cost_formula_on_hand_computed_numbers():
    h = Households("X", 100.0, 2024, "s", 1.0e7, 2024, "s")
    assert h.consumption_per_household_usd == pytest.approx(1.0e5)
    assert h.cost_usd(1.5) == pytest.approx(1500.0)  # 1.5 % of 100,000
    assert h.cost_usd(0.0) == 0.0 and h.cost_usd(-2.0) == pytest.approx(-2000.0)
    # the shipped US row: PCE 20.0 trillion over 132,737,146 households (ACS 2024)
    us = households_of("USA")
    assert us is not None and us.households == 132737146 and us.consumption_usd == 20.0e12
    assert us.consumption_per_household_usd == pytest.approx(150673.72, abs=0.01)
    assert us.cost_usd(1.0) == pytest.approx(1506.7372, abs=1e-4)
    assert "ACS" in us.households_source and "Bureau of Economic Analysis" in us.consumption_source
    assert households_of("CHN") is None


def test_effective_rate_and_revenue_kernels():
    t = np.zeros((2, 2, 2))
    x = np.zeros((2, 2, 2))
    t[0, 1] = [0.10, 0.30]
    x[0, 1] = [300.0, 100.0]
    assert hl.effective_rate(t, x)[0] == pytest.approx((30 + 30) / 400)
    assert hl.tariff_revenue(t, x)[0] == pytest.approx(60.0)
    assert np.isnan(hl.effective_rate(t, x)[1])  # no imports: no rate
    # a prohibitive rate on goods no longer imported counts nothing; on goods still imported, inf
    t[0, 1, 1] = np.inf
    x1 = x.copy()
    x1[0, 1, 1] = 0.0
    assert hl.effective_rate(t, x1)[0] == pytest.approx(0.10)
    assert np.isinf(hl.effective_rate(t, x)[0])


def test_real_value_added_is_a_volume():
    """Doubling every price and value leaves real value added unchanged (eq. 7.3)."""
    b = SimpleNamespace()
    out = np.array([[10.0, 20.0]])
    io = np.array([[[0.2, 0.1], [0.3, 0.4]]])  # [n, k, j]
    eq0 = SimpleNamespace(output=out, c_hat=np.ones((1, 2)), io_share=io, P_hat=np.ones((1, 2)))
    va0 = hl.real_value_added(b, eq0)
    assert va0 == pytest.approx(out * (1 - io.sum(axis=1)))
    eq1 = SimpleNamespace(output=2 * out, c_hat=2 * np.ones((1, 2)), io_share=io, P_hat=2 * np.ones((1, 2)))
    assert hl.real_value_added(b, eq1) == pytest.approx(va0)
    # more output at the same prices: more real value added, in proportion
    eq2 = SimpleNamespace(output=1.1 * out, c_hat=np.ones((1, 2)), io_share=io, P_hat=np.ones((1, 2)))
    assert hl.real_value_added(b, eq2) == pytest.approx(1.1 * va0)


def test_balances_are_antisymmetric_and_sum_to_the_trade_balance():
    b = load("default")
    bal = hl.trade_balances(b, b.flows)
    assert np.allclose(bal, -bal.T)
    f = np.array(b.flows).sum(axis=2)
    np.fill_diagonal(f, 0.0)
    assert bal.sum(axis=1) == pytest.approx(f.sum(axis=0) - f.sum(axis=1))


# ------------------------------------------------------------------ on a solved world
@pytest.fixture(scope="module")
def base():
    return load("default")


@pytest.fixture(scope="module")
def zero(base):
    return tt.solve(base, Shocks())


@pytest.fixture(scope="module")
def rise(base):
    shocks = compile_levers(base, [TariffChange("USA", ("CHN",), "goods", add_pp=10)])
    return tt.solve(base, shocks)


def test_zero_shock_changes_nothing(zero):
    head = zero.headline()
    assert np.allclose(head["etr_before_pct"], head["etr_base_pct"])
    assert np.allclose(head["etr_after_pct"], head["etr_base_pct"], atol=1e-9)
    assert np.allclose(head["price_level_pct"], 0.0, atol=1e-9)
    assert np.allclose(head["price_level_wage_pct"], 0.0, atol=1e-9)
    assert np.allclose(head["real_gdp_pct"], 0.0, atol=1e-9)
    assert np.allclose(head["welfare_pct"], 0.0, atol=1e-9)
    assert head.loc["USA", "cost_per_household_usd"] == pytest.approx(0.0, abs=1e-5)
    assert head.loc["USA", "real_income_per_household_usd"] == pytest.approx(0.0, abs=1e-5)
    assert np.isnan(head.loc["CHN", "cost_per_household_usd"])  # no household data for China
    for col in ("tariff_revenue_static_usd_bn", "tariff_revenue_usd_bn"):
        assert np.allclose(head[col], head["tariff_revenue_base_usd_bn"], rtol=1e-9)
    rates = zero.tariff_rates_frame()
    assert np.allclose(rates["etr_after_pct"].fillna(0), rates["etr_base_pct"].fillna(0), atol=1e-9)
    assert np.allclose(rates["imports_usd_bn"], rates["imports_base_usd_bn"], rtol=1e-9)
    bal = zero.balances_frame()
    assert np.allclose(bal["change_usd_bn"], 0.0, atol=1e-6)
    sec = zero.sectors_frame()
    for col in ("real_value_added_pct", "value_added_change", "gross_output_change"):
        assert np.allclose(sec[col].fillna(0.0), 0.0, atol=1e-6)
    # the undated baseline has no tariff date: no 2024-weights rate
    assert head["etr_before_2024w_pct"].isna().all()


def test_a_tariff_rise_moves_every_number_the_right_way(base, rise):
    head = rise.headline()
    us, cn = head.loc["USA"], head.loc["CHN"]
    # 10 points on China's goods, China's share of US goods imports in the reference world
    n, i = base.region_index("USA"), base.region_index("CHN")
    x0 = hl.goods_imports(base, base.flows)
    share = x0[n, i].sum() / x0[n].sum()
    assert us["etr_before_pct"] - us["etr_base_pct"] == pytest.approx(10.0 * share, rel=1e-9)
    # imports shift away from China: the rate after substitution is below the rate before, above the base
    assert us["etr_base_pct"] < us["etr_after_pct"] < us["etr_before_pct"]
    assert us["tariff_revenue_static_usd_bn"] > us["tariff_revenue_usd_bn"] > us["tariff_revenue_base_usd_bn"]
    assert us["price_level_pct"] > 0.0 and us["cost_per_household_usd"] > 0.0
    real_wage = rise.regions_frame().loc["USA", "real_wage_pct"]
    assert us["price_level_wage_pct"] == pytest.approx(100 * (1 / (1 + real_wage / 100) - 1), rel=1e-9)
    assert us["cost_per_household_usd"] == pytest.approx(
        us["price_level_wage_pct"] / 100 * 20.0e12 / 132737146, rel=1e-12
    )
    assert us["real_income_per_household_usd"] == pytest.approx(
        us["welfare_pct"] / 100 * 20.0e12 / 132737146, rel=1e-12
    )
    # China's tariffs do not move; the volume of value added falls in the US and China (second order)
    assert cn["etr_before_pct"] == pytest.approx(cn["etr_base_pct"])
    assert us["real_gdp_pct"] < 0.0 and cn["real_gdp_pct"] < 0.0
    va0 = np.asarray(base.sector_value_added).sum()
    assert hl.real_value_added(rise.baseline, rise.equilibrium).sum() < va0
    # the bilateral US balance with China improves; the pair rows agree with the regions' balances
    bal = rise.balances_frame().set_index(["region", "partner"])
    assert bal.loc[("USA", "CHN"), "change_usd_bn"] > 0.0
    # by partner: the rate on China rises by the 10 points before substitution
    rates = rise.tariff_rates_frame().loc["USA"]
    assert rates.loc["CHN", "etr_before_pct"] - rates.loc["CHN", "etr_base_pct"] == pytest.approx(10.0)
    assert rates.loc["JPN", "etr_before_pct"] == pytest.approx(rates.loc["JPN", "etr_base_pct"])


def test_headline_in_json_and_report(rise):
    doc = json.loads(json.dumps(rise.to_dict(["USA", "CHN"]), allow_nan=False))
    head = {r["region"]: r for r in doc["headline"]}
    assert set(head) == {"USA", "CHN"}
    assert head["CHN"]["cost_per_household_usd"] is None
    assert "etr_after_pct" in doc["units"]["headline"] and "USD billion" in doc["units"]["*_usd_bn"]
    assert {"region", "partner", "balance_usd_bn"} <= set(doc["balances"][0])
    text = rise.report(["USA", "CHN"]).to_text()
    assert "headline numbers" in text and "etr_after_pct" in text and "cost_per_household_usd" in text


# ------------------------------------------------------------------ the tariffs of another date
def test_tariffs_of_date_moves_the_layers_between_dates():
    early = tt.run("us-100", date="2024-07-01", alongside=[]).result.baseline
    late = tt.run("us-100", date="2025-11-10", alongside=[]).result.baseline
    shocks = compile_levers(early, [DatedTariffs("2025-11-10")])
    assert np.allclose(shocks.tariffs, late.tariffs, atol=1e-12)
    same = compile_levers(early, [DatedTariffs("2024-07-01")])
    assert np.allclose(same.tariffs, early.tariffs, atol=1e-15)
    only_us = compile_levers(early, [DatedTariffs("2025-11-10", importers=("USA",))])
    c = early.region_index("CHN")
    assert np.allclose(only_us.tariffs[c], early.tariffs[c])
    with pytest.raises(ScenarioError, match="'date'"):
        DatedTariffs("2031-01-01")
    with pytest.raises(ScenarioError, match="allowed"):
        DatedTariffs.from_mapping({"date": "2025-11-10", "importer": "USA"})


def test_the_2025_tariffs_against_the_budget_lab():
    """The 2025 tariffs (1 July 2024 -> 10 November 2025) on 2024 US imports: the Budget Lab's report
    of 30 October 2025 has 17.9 % before substitution (https://budgetlab.yale.edu/research/
    state-us-tariffs-october-30-2025); the collected-basis rate of the same measures is within
    0.5 points. After substitution the short run keeps more of it than the long run."""
    run = tt.run("tariffs-2025")
    us = run.headline(["USA"])
    assert us.loc["etr_before_2024w_pct", ("USA", "long")] == pytest.approx(17.9, abs=0.5)
    after_short = us.loc["etr_after_pct", ("USA", "short")]
    after_long = us.loc["etr_after_pct", ("USA", "long")]
    assert after_long < after_short < us.loc["etr_before_pct", ("USA", "short")]
    assert us.loc["price_level_pct", ("USA", "short")] > us.loc["price_level_pct", ("USA", "long")] > 0


def test_revenue_on_2022_tariffs_against_2022_customs_receipts():
    """US tariff revenue of the 2022 world (2022 flows, the layers of 2022-07-01) against the US
    customs duties of fiscal 2022, USD 108.2 bn (Treasury receipts as reported by factually.co;
    CBP's 111.9 bn includes fees): within 15 %."""
    run = tt.run("us-100", date="2022-07-01", alongside=[])
    revenue = float(run.result.headline().loc["USA", "tariff_revenue_base_usd_bn"])
    assert revenue == pytest.approx(108.2, rel=0.15)


# ------------------------------------------------------------------ effective rates from the data
def test_tariff_rates_api_cli_and_errors(capsys):
    r = tt.tariff_rates(["pre-war-2017", "2025-09-04"], basis="collected")
    overall = r.overall()
    assert overall.loc["2017-12-31", "total_pct"] == pytest.approx(
        overall.loc["2017-12-31", "collected_2024_pct"] - 3.0, abs=3.0
    )
    assert overall.loc["2025-09-04", "total_pct"] > 15.0
    doc = json.loads(json.dumps(r.to_dict(), allow_nan=False))
    assert doc["weights"]["name"] == "2024" and doc["provenance"]["analysis"] == "tariff-rates"
    one = tt.tariff_rates("2025-05-14", importer="CHN", weights="2017")
    assert "USA" in one.summary().index and "all" in one.summary().index
    with pytest.raises(DataError, match="allowed for it: 2022, 2017"):
        tt.tariff_rates("2025-05-14", importer="CHN")
    with pytest.raises(DataError, match="allowed basis is: statutory"):
        tt.tariff_rates("2025-05-14", weights="2022", basis="collected")
    with pytest.raises(DataError, match="allowed: 2024, 2022, 2017"):
        tt.tariff_rates("2025-05-14", weights="2019")
    from tradetalks.cli import main

    assert main(["tariff-rates", "2025-09-04", "--basis", "collected", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["overall"][0]["total_pct"] > 15.0
    assert main(["tariff-rates", "--weights", "2017", "--importer", "JPN"]) == 2
    assert "weights '2017'" in capsys.readouterr().err
