"""The solver on the shipped 2022 baselines: zero shock, closures, the article's threat."""

from __future__ import annotations

import numpy as np
import pytest

import tradetalks as tt


@pytest.fixture(scope="module", params=["default", "icio2022-full"])
def base(request):
    return tt.load_baseline(request.param)


def test_zero_shock_every_hat_is_one(base):
    res = tt.solve(base)
    eq = res.equilibrium
    for hat in (eq.w_hat, eq.P_hat, eq.c_hat, res.welfare_hat, res.real_wage_hat, res.price_index_hat):
        np.testing.assert_allclose(hat, 1.0, atol=1e-10)
    np.testing.assert_allclose(eq.flows, base.flows, rtol=1e-9, atol=1e-9 * base.flows.max())


def test_balanced_world_closes_and_has_no_deficits(base):
    res = tt.solve(base, options=tt.SolverOptions(closure="balanced"))
    ref = res.baseline
    ref.check()
    assert np.abs(ref.deficit).max() < 1e-9 * ref.value_added.sum()
    np.testing.assert_allclose(res.welfare_hat, 1.0, atol=1e-10)


def test_us_100_hits_the_target_pair_and_diverts_trade(base):
    shocks = tt.load_scenario("us-100").compile(base)
    usa, chn = base.region_index("USA"), base.region_index("CHN")
    goods = [base.sector_index(s) for s in base.goods_sectors()]
    added = np.asarray(shocks.tariffs)[usa, chn, goods] - base.tariffs[usa, chn, goods]
    np.testing.assert_allclose(added, 1.0)
    res = tt.solve(base, shocks, scenario="us-100")
    bil = res.bilateral_frame()
    assert bil.loc[("USA", "CHN"), "trade_pct"] < -50.0
    # US imports from third countries rise (trade diversion)
    for other in ("JPN", "KOR", "MEX"):
        assert bil.loc[("USA", other), "trade_pct"] > 0.0
    w = res.regions_frame()["welfare_pct"]
    assert w["CHN"] < 0.0 and w["USA"] < 0.0
    # tariff revenue accounting in the counterfactual
    eq = res.equilibrium
    revenue = (eq.flows * np.asarray(shocks.tariffs)).sum(axis=(1, 2))
    np.testing.assert_allclose(eq.tariff_revenue, revenue, rtol=1e-9)


def test_results_do_not_depend_on_region_order():
    """Permuting regions permutes the answer (no hidden order dependence in the solver)."""
    base = tt.load_baseline("default")
    perm = np.random.default_rng(0).permutation(base.n_regions)
    shuffled = base.replace(
        regions=tuple(base.regions[k] for k in perm),
        flows=base.flows[np.ix_(perm, perm)],
        tariffs=base.tariffs[np.ix_(perm, perm)],
        va_share=base.va_share[perm],
        io_share=base.io_share[perm],
    )
    a = tt.solve(base, tt.load_scenario("us-100-retaliation").compile(base))
    b = tt.solve(shuffled, tt.load_scenario("us-100-retaliation").compile(shuffled))
    wa = a.regions_frame()["welfare_pct"]
    wb = b.regions_frame()["welfare_pct"].loc[wa.index]
    np.testing.assert_allclose(wa.to_numpy(), wb.to_numpy(), rtol=1e-7, atol=1e-9)


def test_aggregated_mapping_runs_from_the_cli(tmp_path, capsys):
    from tradetalks.cli import main

    full = tt.load_baseline("icio2022-full")
    keep = {"USA", "CHN", "JPN", "KOR"}
    path = tmp_path / "four.csv"
    path.write_text("source,target\n" + "".join(f"{r},{r if r in keep else 'ROW'}\n" for r in full.regions))
    code = main(["run", "--baseline", "icio2022-full", "--mapping", str(path), "--format", "csv"])
    out = capsys.readouterr().out
    assert code == 0
    printed = {line.split(",")[0] for line in out.strip().splitlines()[1:]}
    assert printed == {"USA", "CHN", "JPN", "KOR", "ROW"}
    missing = tmp_path / "missing.csv"
    missing.write_text("source,target\nUSA,USA\n")
    assert main(["run", "--baseline", "icio2022-full", "--mapping", str(missing)]) == 2
    assert "CHN" in capsys.readouterr().err
