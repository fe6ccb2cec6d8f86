"""Fallout tables and critical-input exposure (direct and through the Leontief inverse)."""

from __future__ import annotations

import numpy as np
import pytest

import tradetalks as tt
from tests.conftest import make_world
from tradetalks.analyses import critical_input_exposure, fallout, global_leontief_row
from tradetalks.analyses.exposure import coefficients, producer_shares


@pytest.fixture(scope="module")
def base():
    return tt.load_baseline("default")


def test_leontief_row_matches_the_explicit_inverse():
    b = make_world(n=4, j=3, seed=1)
    a = coefficients(producer_shares(b.flows, b.spending), b.io_share)
    inv = np.linalg.inv(np.eye(a.shape[0]) - a)
    for row in (0, 5, 11):
        np.testing.assert_allclose(global_leontief_row(a, row), inv[row], rtol=1e-12, atol=1e-14)
    # columns of a sum to the input share net of tariffs: below one
    assert np.all(a.sum(axis=0) < 1.0)


def test_total_exposure_accounts_for_all_supplier_output():
    """Every unit of the supplier's sector output ends up in some region's final demand."""
    b = make_world(n=4, j=3, seed=2, tariffs=False)
    per_region = critical_input_exposure(b, ["S1"], supplier="R0")["total"]
    embodied = (per_region * b.final_demand.sum(axis=1)).sum()
    assert embodied == pytest.approx(b.gross_output[0, 1], rel=1e-10)


def test_exposure_before_equals_after_for_zero_shock(base):
    f = fallout(tt.solve(base, scenario="none"))
    np.testing.assert_allclose(f.exposure["direct_before"], f.exposure["direct_after"], rtol=1e-9)
    np.testing.assert_allclose(f.exposure["total_before"], f.exposure["total_after"], rtol=1e-9)
    assert np.allclose(f.diversion["change"], 0.0, atol=1e-6)


def test_a_ban_removes_direct_exposure_but_not_all_indirect(base):
    chn, jpn = base.region_index("CHN"), base.region_index("JPN")
    c27 = base.sector_index("C27")
    x = np.zeros(base.flows.shape)
    x[jpn, chn, c27] = np.inf
    res = tt.solve(base, tt.Shocks(export_taxes=x), scenario="ban")
    f = fallout(res, critical_inputs=["C27"])
    e = f.exposure.loc["JPN"]
    assert e["direct_before"] > 0 and e["direct_after"] == pytest.approx(0.0, abs=1e-15)
    assert 0 < e["total_after"] < e["total_before"]
    assert set(f.welfare.index) == {"JPN", "KOR", "MYS", "ASEAN", "EU27", "BRA", "ROW"}


def test_diversion_table_of_the_us_threat(base):
    res = tt.solve(base, tt.load_scenario("us-100").compile(base), scenario="us-100")
    f = fallout(res)
    d = f.diversion.set_index(["region", "partner", "direction", "sector"])
    # third countries sell more to the US when China is taxed out
    assert d.loc[("MYS", "USA", "exports", "C26"), "change"] > 0
    summary = f.summary()
    assert "exports_usa_change" in summary.columns and summary.loc["ASEAN", "exports_usa_change"] > 0
    assert f.critical_inputs == ("C27", "C20")
