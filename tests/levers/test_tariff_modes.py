"""Tariff lever modes: all-in rates inclusive of MFN, duties on top of MFN, and scaling a rate."""

from __future__ import annotations

import numpy as np
import pytest

import tradetalks as tt
from tradetalks.calibration import dated_baseline
from tradetalks.errors import ScenarioError
from tradetalks.levers import TariffChange
from tradetalks.levers.tariff import TARIFF_MODES, mfn_rates
from tradetalks.scenarios import parse_scenario


@pytest.fixture(scope="module")
def base():
    return tt.load_baseline("default")


@pytest.fixture(scope="module")
def dated(base):
    return dated_baseline(base, "2025-07-01")


def compiled(baseline, **lever):
    spec = {"type": "tariff", "importer": "USA", "exporter": "JPN", **lever}
    return parse_scenario({"name": "t", "levers": [spec]}, "test scenario").compile(baseline).tariffs


def test_mfn_rates_are_the_undated_tariffs(base, dated):
    np.testing.assert_array_equal(mfn_rates(base), base.tariffs)
    np.testing.assert_allclose(mfn_rates(dated), base.tariffs, atol=1e-15)
    assert np.abs(dated.tariffs - base.tariffs).max() > 0.4  # the dated layers are there to remove


def test_all_in_is_the_rate_or_mfn_whichever_is_higher(base, dated):
    n, i = dated.region_index("USA"), dated.region_index("JPN")
    t = compiled(dated, sectors="goods", all_in_pct=5)
    goods = [dated.sector_index(s) for s in dated.goods_sectors()]
    np.testing.assert_allclose(t[n, i, goods], np.maximum(0.05, base.tariffs[n, i, goods]), atol=1e-15)
    c10 = dated.sector_index("C10T12")  # food: MFN 9.2 % above the all-in 5 %
    assert t[n, i, c10] == pytest.approx(base.tariffs[n, i, c10]) and base.tariffs[n, i, c10] > 0.05
    c29 = dated.sector_index("C29")  # autos: 2.9 % MFN + 25 % Section 232 -> 15 % all-in
    assert compiled(dated, sectors=["C29"], all_in_pct=15)[n, i, c29] == pytest.approx(0.15)
    assert dated.tariffs[n, i, c29] > 0.27


def test_over_mfn_replaces_the_added_duties(base, dated):
    n, i, j = dated.region_index("USA"), dated.region_index("JPN"), dated.sector_index("C24A")
    t = compiled(dated, sectors=["C24A"], over_mfn_pct=19)
    assert t[n, i, j] == pytest.approx(base.tariffs[n, i, j] + 0.19)  # the 50 % Section 232 is gone
    assert dated.tariffs[n, i, j] > 0.45


def test_scale_multiplies_the_rate_in_force(dated):
    n, i = dated.region_index("USA"), dated.region_index("JPN")
    np.testing.assert_allclose(compiled(dated, sectors="all", scale=0.1)[n, i], 0.1 * dated.tariffs[n, i])
    np.testing.assert_array_equal(compiled(dated, scale=1.0), dated.tariffs)
    zero = compiled(dated, sectors="goods", scale=0)
    assert not zero[n, i].any()
    other = dated.region_index("KOR")
    np.testing.assert_array_equal(zero[n, other], dated.tariffs[n, other])


def test_levers_apply_in_order(dated):
    spec = {"type": "tariff", "importer": "USA", "exporter": "JPN", "sectors": ["C29"]}
    sc = parse_scenario(
        {"name": "t", "levers": [{**spec, "all_in_pct": 15}, {**spec, "add_pp": 10}, {**spec, "scale": 0.5}]},
        "test scenario",
    )
    n, i, j = dated.region_index("USA"), dated.region_index("JPN"), dated.sector_index("C29")
    assert sc.compile(dated).tariffs[n, i, j] == pytest.approx(0.5 * (0.15 + 0.10))


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ({"all_in_pct": 15, "add_pp": 1}, "exactly one of"),
        ({}, "exactly one of"),
        ({"all_in_pct": -1}, r"levers\[0\]\.all_in_pct: must be >= 0 \(got -1\)"),
        ({"over_mfn_pct": -5}, r"levers\[0\]\.over_mfn_pct: must be >= 0 \(got -5\)"),
        ({"scale": -0.1}, "'scale' must be >= 0"),
        ({"scale": float("inf")}, "finite"),
        ({"scale": "half"}, "must be a number"),
        ({"all_in_pct": True}, "must be a number"),
        ({"all_in": 15}, "unknown keys"),
    ],
)
def test_bad_modes_are_named(extra, needle):
    spec = {"type": "tariff", "importer": "USA", "exporter": "JPN", **extra}
    with pytest.raises(ScenarioError, match=needle):
        parse_scenario({"name": "t", "levers": [spec]}, "test scenario")


def test_modes_are_all_accepted_by_from_mapping():
    for mode in TARIFF_MODES:
        lever = TariffChange.from_mapping({"importer": "USA", "exporter": "JPN", mode: 1})
        assert lever.mode == mode and getattr(lever, mode) == 1.0


def test_scenario_sources_are_checked():
    ok = {"name": "t", "sources": [{"title": "A source", "url": "https://example.org", "value": 15}]}
    (src,) = parse_scenario(ok, "test scenario").sources
    assert src.value == "15" and src.to_dict() == {
        "value": "15",
        "title": "A source",
        "url": "https://example.org",
    }
    with pytest.raises(ScenarioError, match="missing"):
        parse_scenario({"name": "t", "sources": [{"title": "no url"}]}, "test scenario")
    with pytest.raises(ScenarioError, match="unknown keys"):
        parse_scenario({"name": "t", "sources": [{"title": "a", "url": "b", "page": 3}]}, "test scenario")
    with pytest.raises(ScenarioError, match="list of tables"):
        parse_scenario({"name": "t", "sources": "a"}, "test scenario")


def test_one_sector_code_as_a_string_is_that_sector(base):
    """``sectors = "C22"`` (as the schema and the dashboard's form allow) is ``["C22"]``."""
    one = compiled(base, sectors="C22", add_pp=10)
    listed = compiled(base, sectors=["C22"], add_pp=10)
    np.testing.assert_array_equal(one, listed)
    n, i, j = base.region_index("USA"), base.region_index("JPN"), base.sector_index("C22")
    assert one[n, i, j] == pytest.approx(base.tariffs[n, i, j] + 0.10)
    changed = np.argwhere(one != base.tariffs)
    assert changed.tolist() == [[n, i, j]]
    assert TariffChange("USA", ("JPN",), "C22", add_pp=10).sectors == ("C22",)
    with pytest.raises(ScenarioError, match="XYZ"):
        compiled(base, sectors="XYZ", add_pp=10)


def test_a_cut_stops_at_zero_in_the_lever_itself(base):
    """The rule holds however the lever is compiled (a scenario, a deal space, Python)."""
    from tradetalks.levers import compile_levers

    n, i = base.region_index("USA"), base.region_index("JPN")
    cut = TariffChange("USA", ("JPN",), "goods", add_pp=-50)
    t = compile_levers(base, [cut]).tariffs
    goods = [base.sector_index(s) for s in base.goods_sectors()]
    before = base.tariffs[n, i, goods]
    assert before.max() < 0.5  # every rate is below the cut: all go to zero, none below
    np.testing.assert_array_equal(t[n, i, goods], np.zeros(len(goods)))
    # a cut smaller than the rate takes exactly its points off
    small = compile_levers(base, [TariffChange("USA", ("JPN",), "goods", add_pp=-0.1)]).tariffs
    np.testing.assert_allclose(small[n, i, goods], np.maximum(before - 0.001, 0.0), rtol=0, atol=1e-15)
    with pytest.raises(ScenarioError, match=r"'set_pct' must be >= 0, got -20\.0; an import subsidy"):
        TariffChange("USA", ("JPN",), "goods", set_pct=-20)
