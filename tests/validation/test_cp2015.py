"""Caliendo and Parro (2015) on their own data: the loader, and the NAFTA numbers of the paper.

Published figures (Caliendo and Parro 2015, Review of Economic Studies 82(1): Table 2 and the
abstract):

- welfare, Table 2 (terms of trade + volume of trade, first order): Mexico 1.31 %, Canada
  -0.06 %, US 0.08 %;
- real wages: 1.72 / 0.32 / 0.11 %;
- growth of each member's imports from the other two (all sectors, net of tariffs): +118 %,
  +11 %, +41 %;

all with trade deficits set to zero in the baseline and the counterfactual (the ``balanced``
closure). Each is matched to the published digits: within half a unit of the last digit shown.
The whole module is skipped when the raw data directory is absent.
"""

from __future__ import annotations

import numpy as np
import pytest

from tradetalks import Shocks, SolverOptions, solve
from tradetalks.baseline import CLOSE_RTOL, Baseline
from tradetalks.calibration import load_cp2015
from tradetalks.data.aggregate import aggregate_regions
from tradetalks.data.cp2015 import (
    N_TRADABLE,
    NAFTA,
    REGIONS,
    SECTORS,
    SERVICES_THETA,
    CP2015Raw,
    cp2015_dir,
    cp2015_tariffs,
    nafta_tariffs,
    read_cp2015,
)
from tradetalks.errors import DataError
from tradetalks.model.decomposition import decompose
from tradetalks.results import Result

WELFARE_TABLE2 = {"MEX": 1.31, "CAN": -0.06, "USA": 0.08}
REAL_WAGE = {"MEX": 1.72, "CAN": 0.32, "USA": 0.11}
INTRA_BLOC_IMPORTS = {"MEX": 118.0, "CAN": 11.0, "USA": 41.0}


def _data_dir_or_skip() -> None:
    try:
        cp2015_dir()
    except DataError as exc:
        pytest.skip(f"Caliendo-Parro raw data absent ({exc})")


@pytest.fixture(scope="module")
def raw() -> CP2015Raw:
    _data_dir_or_skip()
    return read_cp2015()


@pytest.fixture(scope="module")
def base() -> Baseline:
    _data_dir_or_skip()
    return load_cp2015()


@pytest.fixture(scope="module")
def nafta(base: Baseline) -> Result:
    return solve(
        base, Shocks(tariffs=nafta_tariffs(), label="NAFTA 1993-2005"), SolverOptions(closure="balanced")
    )


def _idx(code: str) -> int:
    return REGIONS.index(code)


def _within_published_digits(value: float, published: float, decimals: int) -> bool:
    return abs(value - published) <= 0.5 * 10.0**-decimals


# ----------------------------------------------------------------------------- raw files
def test_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="Caliendo-Parro data not found"):
        cp2015_dir(tmp_path)


def test_raw_shapes_and_units(raw):
    assert raw.trade.shape == (31, 31, N_TRADABLE)
    assert set(raw.tariffs) == {1993, 2005}
    assert raw.gross_output.shape == (31, 40) and raw.va_share.shape == (31, 40)
    assert raw.io_coef.shape == (31, 40, 40) and raw.theta_tradable.shape == (N_TRADABLE,)
    # tariffs were percent in the files: as fractions the largest is a few times one, most are small
    assert 0.5 < raw.tariffs[1993].max() < 5.0
    assert np.median(raw.tariffs[1993][raw.trade > 0]) < 0.2
    # trade (thousand USD) and output (USD) brought to the same unit: exports exceed output only
    # in the handful of cells the paper's code raises, not across the board
    exports = raw.trade.sum(axis=0)
    assert np.sum(exports > raw.gross_output[:, :N_TRADABLE]) == 26
    assert len(raw.sha256) == 7


def test_rows_are_importers_and_country_order_matches_trade_patterns(raw):
    foreign = raw.trade.sum(axis=2)  # [importer, exporter]
    imports, exports = foreign.sum(axis=1), foreign.sum(axis=0)
    # 1993: the US ran a trade deficit, Japan a surplus
    assert imports[_idx("USA")] > exports[_idx("USA")]
    assert exports[_idx("JPN")] > imports[_idx("JPN")]
    largest_supplier = {
        "MEX": "USA",
        "CAN": "USA",
        "AUT": "DEU",
        "HUN": "DEU",
        "IRL": "GBR",
        "PRT": "ESP",
        "NZL": "AUS",
        "NOR": "SWE",
        "KOR": "JPN",
        "IDN": "JPN",
    }
    for importer, supplier in largest_supplier.items():
        assert REGIONS[int(np.argmax(foreign[_idx(importer)]))] == supplier, importer
    # the US's two largest country suppliers (ROW aside) are Japan and Canada
    us = foreign[_idx("USA")].copy()
    us[_idx("ROW")] = 0.0
    assert {REGIONS[k] for k in np.argsort(-us)[:2]} == {"JPN", "CAN"}


# ----------------------------------------------------------------------------- baseline
def test_baseline_labels_and_shapes(base):
    assert base.regions == REGIONS and len(REGIONS) == 31
    assert base.regions[:3] == ("ARG", "AUS", "AUT") and base.regions[-2:] == ("USA", "ROW")
    assert base.sectors == SECTORS and len(SECTORS) == 40
    assert base.flows.shape == (31, 31, 40)
    assert base.year == 1993 and base.units == "USD million"
    assert base.goods_sectors() == SECTORS[:N_TRADABLE]


def test_baseline_closes(base):
    """Every identity at the package's default tolerance; the IO rows are renormalised, so
    ``va + io`` sums to one within 1e-12 (the raw IO.txt columns only within 1.6e-6)."""
    base.check(rtol=CLOSE_RTOL)
    assert np.max(np.abs(base.va_share + base.io_share.sum(axis=1) - 1.0)) < 1e-12
    assert np.all(base.alpha >= -1e-12)
    assert np.all(base.io_share >= 0.0)


def test_services_are_non_traded(base):
    services = slice(N_TRADABLE, None)
    idx = np.arange(31)
    foreign = base.flows[:, :, services].copy()
    foreign[idx, idx, :] = 0.0
    assert np.all(foreign == 0.0)
    assert np.all(base.tariffs[:, :, services] == 0.0)
    assert np.all(base.theta[services] == SERVICES_THETA)
    np.testing.assert_array_equal(base.shares[idx, idx, services], 1.0)


def test_adjustments_are_recorded_with_their_size(base):
    steps = base.meta["adjustments"]
    assert steps[0]["cells"] == 26 and steps[0]["added_output_usd_million"] > 0
    assert steps[2]["cells"] == 1  # one negative IO coefficient (Canada)
    assert steps[3]["max_raw_deviation"] < 2e-6 and steps[3]["max_deviation_after"] < 1e-12
    assert steps[4]["cells"] == 185 and steps[4]["clipped_final_demand_usd_million"] < 0
    assert steps[-2]["step"].startswith("5a") and steps[-1]["step"].startswith("5b")
    # the calibration solve moves wages only a little from the data (the paper's code: same)
    assert 0.95 < steps[-1]["wage_vs_data_min"] <= 1.0 <= steps[-1]["wage_vs_data_max"] < 1.05
    assert len(base.meta["files"]) == 7


def test_data_price_variant_keeps_the_data_trade_shares(raw):
    b = load_cp2015(equilibrate=False)
    b.check()
    trade = np.zeros((31, 31, 40))
    trade[:, :, :N_TRADABLE] = raw.trade
    exports = trade.sum(axis=0)
    data = trade.copy()
    idx = np.arange(31)
    data[idx, idx, :] = np.maximum(raw.gross_output, exports) - exports
    spend = data * (1.0 + b.tariffs)
    np.testing.assert_allclose(b.shares, spend / spend.sum(axis=1, keepdims=True), rtol=1e-12, atol=1e-15)


def test_2005_tariff_baseline_closes(base):
    b = load_cp2015(tariff_year=2005)
    b.check()
    np.testing.assert_array_equal(b.tariffs, cp2015_tariffs(2005))
    with pytest.raises(DataError, match="allowed"):
        load_cp2015(tariff_year=2000)


def test_nafta_tariffs_move_only_intra_nafta_cells(base):
    t93, t05, tn = cp2015_tariffs(1993), cp2015_tariffs(2005), nafta_tariffs()
    assert tn.shape == (31, 31, 40)
    members = [_idx(c) for c in NAFTA]
    mask = np.zeros((31, 31), dtype=bool)
    for n in members:
        for i in members:
            mask[n, i] = n != i
    np.testing.assert_array_equal(tn[mask], t05[mask])
    np.testing.assert_array_equal(tn[~mask], t93[~mask])
    np.testing.assert_array_equal(base.tariffs, t93)
    assert np.all(tn[:, :, N_TRADABLE:] == 0.0)
    assert tn[mask].mean() < t93[mask].mean()
    np.testing.assert_array_equal(nafta_tariffs(base), tn)
    with pytest.raises(DataError, match="lacks the Caliendo-Parro regions"):
        nafta_tariffs(aggregate_regions(base, {r: ("NAFTA" if r in NAFTA else r) for r in REGIONS}))


# ----------------------------------------------------------------------------- NAFTA (Table 2)
def test_nafta_welfare_table2(nafta):
    """Terms of trade + volume of trade, evaluated once with the reference flows and 1993 tariffs."""
    assert nafta.closure == "balanced"
    assert np.max(np.abs(nafta.baseline.deficit)) < 1e-9 * nafta.baseline.value_added.sum()
    dec = decompose(nafta.equilibrium)
    for code, published in WELFARE_TABLE2.items():
        got = 100.0 * dec.total[_idx(code)]
        assert _within_published_digits(got, published, 2), f"{code}: {got:.4f} % vs published {published} %"


def test_nafta_real_wages(nafta):
    for code, published in REAL_WAGE.items():
        got = 100.0 * (nafta.real_wage_hat[_idx(code)] - 1.0)
        assert _within_published_digits(got, published, 2), f"{code}: {got:.4f} % vs published {published} %"


def test_nafta_intra_bloc_import_growth(nafta):
    f0, f1 = nafta.baseline.flows, nafta.equilibrium.flows
    members = [_idx(c) for c in NAFTA]
    for code, published in INTRA_BLOC_IMPORTS.items():
        n = _idx(code)
        partners = [i for i in members if i != n]
        got = 100.0 * (f1[n, partners].sum() / f0[n, partners].sum() - 1.0)
        assert _within_published_digits(got, published, 0), f"{code}: {got:.2f} % vs published {published} %"


def test_nafta_exact_welfare_is_reported_separately(nafta):
    """The model's exact real-income change counts Mexico's lost tariff revenue in full
    (about 2 % of income before, 0.4 % after), so it is far below Table 2's."""
    mex = _idx("MEX")
    dec = decompose(nafta.equilibrium)
    exact = nafta.welfare_hat[mex] - 1.0
    assert exact < 0.5 * dec.total[mex]
    before = nafta.baseline.tariff_revenue[mex] / nafta.baseline.income[mex]
    after = nafta.equilibrium.tariff_revenue[mex] / nafta.equilibrium.income[mex]
    assert round(100 * before) == 2 and round(100 * after, 1) == 0.4
