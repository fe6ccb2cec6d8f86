"""The allies' own deals, RCEP and the US-China deal as scenarios, and the allies table.

Every scenario is compiled on the common reference (the default baseline with the tariffs in force
on 2025-07-01, before the allies' deals) and checked on the pairs and sectors it names; the sector
numbers of the files are recomputed from the tariff schedule (tradetalks.analyses.deal_terms); the
table is checked for a zero shock, for signs and for the size of the interaction of the two deals.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tradetalks as tt
from tradetalks.analyses import deal_terms as dt
from tradetalks.analyses.allies import CASES, MEASURES, AlliesOptions
from tradetalks.calibration import dated_baseline
from tradetalks.cli import main
from tradetalks.data.paths import find_data_dir
from tradetalks.errors import OptionsError, ScenarioError
from tradetalks.levers import TariffChange

DEALS = ("us-japan-2025", "us-korea-2025", "us-asean-2025", "us-china-busan-2025", "rcep")
#: Each ally's own deal: the scenario, the members whose reciprocal rate it sets, and how.
OWN = {
    "JPN": ("us-japan-2025", {"JPN": 15.0}, "all-in"),
    "KOR": ("us-korea-2025", {"KOR": 15.0}, "all-in"),
    "MYS": ("us-asean-2025", {"MYS": 19.0}, "over-mfn"),
    "ASEAN": ("us-asean-2025", {"KHM": 19.0, "THA": 19.0, "VNM": 20.0}, "over-mfn"),
}


@pytest.fixture(scope="module")
def undated():
    return tt.load_baseline("default")


@pytest.fixture(scope="module")
def ref(undated):
    return dated_baseline(undated, dt.REFERENCE_DATE)


@pytest.fixture(scope="module")
def table():
    return tt.allies()


def _compiled(ref, name):
    sc = tt.load_scenario(name)
    assert sc.date == dt.REFERENCE_DATE
    return sc.compile(ref).tariffs


def _pct(ref, tariffs, importer, exporter, sector):
    n, i, j = ref.region_index(importer), ref.region_index(exporter), ref.sector_index(sector)
    return 100.0 * float(tariffs[n, i, j]), 100.0 * float(ref.tariffs[n, i, j])


# ------------------------------------------------------------------ the scenario files
@pytest.mark.parametrize("name", DEALS)
def test_scenario_files_cite_their_sources(name):
    sc = tt.load_scenario(name)
    assert sc.title and sc.article and sc.notes and sc.sources
    assert all(s.title and s.url.startswith("http") for s in sc.sources)
    facts = _facts_rows()
    if facts is not None:  # every source is a row of the facts tables (same title and URL)
        for s in sc.sources:
            assert (s.title, s.url) in facts, (name, s.title)


def _facts_rows() -> set[tuple[str, str]] | None:
    data = find_data_dir()
    if data is None:
        return None
    rows: set[tuple[str, str]] = set()
    for f in ("facts.csv", "facts-short-run.csv"):
        path = Path(data) / "facts" / f
        if path.exists():
            frame = pd.read_csv(path)
            rows |= set(zip(frame["source_title"], frame["source_url"], strict=True))
    return rows or None


def test_only_the_named_pairs_move(ref):
    named = {
        "us-japan-2025": {("USA", "JPN")},
        "us-korea-2025": {("USA", "KOR")},
        "us-asean-2025": {("USA", "MYS"), ("USA", "ASEAN"), ("MYS", "USA"), ("ASEAN", "USA")},
        "us-china-busan-2025": {("USA", "CHN"), ("CHN", "USA")},
        "rcep": {
            (a, b)
            for a in ("CHN", "JPN", "KOR", "MYS", "ASEAN")
            for b in ("CHN", "JPN", "KOR", "MYS", "ASEAN")
            if a != b
        },
    }
    for name, pairs in named.items():
        moved = np.argwhere(np.abs(_compiled(ref, name) - ref.tariffs).max(axis=2) > 1e-12)
        got = {(ref.regions[n], ref.regions[i]) for n, i in moved}
        assert got <= pairs and got, (name, got ^ pairs)


def test_us_japan(ref):
    t = _compiled(ref, "us-japan-2025")
    new, old = _pct(ref, t, "USA", "JPN", "C29")
    assert old == pytest.approx(27.43, abs=0.05) and new == pytest.approx(15.0, abs=1e-9)  # autos 27.5 -> 15
    assert _pct(ref, t, "USA", "JPN", "C10T12")[0] == pytest.approx(15.0, abs=1e-9)  # MFN 9.2 < 15: 15
    assert _pct(ref, t, "USA", "JPN", "C302T309")[0] == pytest.approx(0.255 * 15.0, abs=0.01)  # aircraft 0
    for steel in ("C24A", "C24B"):  # Section 232 steel, aluminium, copper unchanged
        new, old = _pct(ref, t, "USA", "JPN", steel)
        assert new == old
    assert _pct(ref, t, "USA", "JPN", "C24A")[0] > 45.0
    new, old = _pct(ref, t, "USA", "JPN", "C26")
    assert new - old == pytest.approx(0.29, abs=1e-9)


def test_us_korea(ref):
    t = _compiled(ref, "us-korea-2025")
    new, old = _pct(ref, t, "USA", "KOR", "C29")
    assert old == pytest.approx(25.65, abs=0.05) and new == pytest.approx(15.0, abs=1e-9)
    assert _pct(ref, t, "USA", "KOR", "C13T15")[0] == pytest.approx(15.0, abs=1e-9)
    assert _pct(ref, t, "USA", "KOR", "C24A")[0] == _pct(ref, t, "USA", "KOR", "C24A")[1]


def test_us_asean(ref, undated):
    t = _compiled(ref, "us-asean-2025")
    mfn = 100.0 * undated.tariffs
    n, m, j = ref.region_index("USA"), ref.region_index("MYS"), ref.sector_index("A01")
    assert 100.0 * t[n, m, j] == pytest.approx(mfn[n, m, j] + 19.0, abs=1e-9)  # 19 % on top of MFN
    new, old = _pct(ref, t, "USA", "ASEAN", "C13T15")
    assert new - old == pytest.approx(7.72, abs=1e-9)
    goods = [ref.sector_index(s) for s in ref.goods_sectors()]
    assert np.all(t[m, n, goods] == 0.0)  # Malaysia's cut on US goods
    a = ref.region_index("ASEAN")
    assert t[a, n, ref.sector_index("C29")] == pytest.approx(
        0.27 * ref.tariffs[a, n, ref.sector_index("C29")]
    )
    # the rest of ASEAN after the deals: about 17 % on covered lines, between its members' 10 and 20 %
    assert 15.0 < dt.member_average(undated, "ASEAN", OWN["ASEAN"][1], 10.0) < 19.0


def test_us_china_busan(ref):
    t = _compiled(ref, "us-china-busan-2025")
    new, old = _pct(ref, t, "USA", "CHN", "C13T15")
    assert new - old == pytest.approx(-10.0)  # fentanyl 20 -> 10
    assert _pct(ref, t, "USA", "CHN", "C24A")[0] == _pct(ref, t, "USA", "CHN", "C24A")[1]  # no fentanyl
    new, old = _pct(ref, t, "CHN", "USA", "A01")
    assert new - old == pytest.approx(-29.89) and new > 20.0  # farm tariffs suspended, soybeans at 13 %


def test_us_china_deal_on_the_reference_reproduces_the_schedule_after_busan(ref, undated):
    """Applied to 2025-07-01, the truce's levers give the trade-weighted US and Chinese tariffs
    that the schedule has on 2025-11-14, after the truce (percent, 2022 flows)."""
    from tradetalks.data.tariffs.dated import tariff_layers

    after = tariff_layers(undated, "2025-11-14").total
    t = _compiled(ref, "us-china-busan-2025")
    goods = [ref.sector_index(s) for s in ref.goods_sectors()]
    for imp, exp in (("USA", "CHN"), ("CHN", "USA")):
        n, i = ref.region_index(imp), ref.region_index(exp)
        w = undated.flows[n, i, goods]
        assert 100 * (t[n, i, goods] @ w) / w.sum() == pytest.approx(
            100 * (after[n, i, goods] @ w) / w.sum(), abs=0.5
        )


def test_rcep(ref):
    t = _compiled(ref, "rcep")
    for imp, exp, factor in (
        ("CHN", "JPN", 0.14),
        ("JPN", "CHN", 0.12),
        ("KOR", "ASEAN", 0.1),
        ("ASEAN", "MYS", 0.1),
    ):
        n, i = ref.region_index(imp), ref.region_index(exp)
        goods = [ref.sector_index(s) for s in ref.goods_sectors()]
        np.testing.assert_allclose(t[n, i, goods], factor * ref.tariffs[n, i, goods], atol=1e-15)


# ------------------------------------------------------------------ the files hold the derived numbers
def _levers(name, importer, exporter):
    """sector -> [(mode, value)] of a scenario's tariff levers on one pair, in order."""
    out: dict[str, list[tuple[str, float]]] = {}
    for lev in tt.load_scenario(name).levers:
        assert isinstance(lev, TariffChange)
        if lev.importer == importer and exporter in lev.exporters:
            sectors = tt.load_baseline("default").goods_sectors() if lev.sectors == "goods" else lev.sectors
            for s in sectors:
                out.setdefault(s, []).append((lev.mode, float(getattr(lev, lev.mode))))
    return out


@pytest.mark.parametrize("ally", list(OWN))
def test_deal_numbers_match_the_schedule(ref, undated, ally):
    """Sectors wholly under the reciprocal tariff take the deal rate; the others move by the change
    on their covered lines times the coverage (deal_terms.deal_change, docs/model.md eq. 8.5)."""
    name, rates, stacking = OWN[ally]
    change = dt.deal_change(undated, ally, rates, stacking)
    levers = _levers(name, "USA", ally)
    rate = next(iter(rates.values()))
    mode = "all_in_pct" if stacking == "all-in" else "over_mfn_pct"
    special = {"C29", "C302T309"} if ally in ("JPN", "KOR") else set()
    for s in undated.goods_sectors():
        c = float(change.loc[s, "coverage"])
        if s in special:
            continue
        if ally != "ASEAN" and c >= dt.FULL_COVERAGE:
            assert levers[s] == [(mode, rate)], (s, levers.get(s))
        elif abs(change.loc[s, "change_pp"]) >= 0.005:
            assert levers[s] == [("add_pp", pytest.approx(change.loc[s, "change_pp"], abs=0.006))], s
        else:
            assert s not in levers, s
    # compiled on the reference, every sector moves as eq. 8.5 says (sectors at >= 95 % coverage
    # also reset their small Section 232 share: at most 50 points on the rest)
    tariffs = _compiled(ref, name)
    n, i = ref.region_index("USA"), ref.region_index(ally)
    got = 100.0 * (tariffs[n, i] - ref.tariffs[n, i])
    for j, s in enumerate(ref.sectors):
        if s not in special:
            c = float(change.loc[s, "coverage"])
            extra = 50.0 * (1.0 - c) if ally != "ASEAN" and dt.FULL_COVERAGE <= c < 1.0 else 0.0
            assert got[j] == pytest.approx(change.loc[s, "change_pp"], abs=0.006 + extra), s


def test_partner_cuts_and_china_numbers_match_the_schedule(undated):
    scale = dt.elimination_scale(undated, "ASEAN", ["THA", "KHM"])
    levers = _levers("us-asean-2025", "ASEAN", "USA")
    for s in undated.goods_sectors():
        if round(float(scale[s]), 2) < 1.0:
            assert levers[s] == [("scale", pytest.approx(scale[s], abs=0.006))], s
    fentanyl = dt.layer_rates(undated, "USA", "CHN", "fentanyl")
    us = _levers("us-china-busan-2025", "USA", "CHN")
    for s in undated.goods_sectors():
        if fentanyl[s] > 0:
            assert us[s] == [("add_pp", pytest.approx(-fentanyl[s] / 2, abs=0.006))], s
        else:
            assert s not in us
    cuts = dt.layer_change(undated, "CHN", "USA", "retaliation", "2025-11-09", "2025-11-10")
    cn = _levers("us-china-busan-2025", "CHN", "USA")
    assert set(cn) == {s for s in undated.sectors if abs(cuts[s]) > 0.005}
    for s, values in cn.items():
        assert values == [("add_pp", pytest.approx(cuts[s], abs=0.006))]


def test_aircraft_shares_from_the_hs10_files():
    data = find_data_dir()
    folder = None if data is None else Path(data) / "us-tariff-tracker-2026" / "hs10-imports-2024"
    if folder is None or not folder.exists():
        pytest.skip("raw HS10 files not available")
    pytest.importorskip("pyarrow")
    from tradetalks.data.hs import load_concordance

    hs = load_concordance()
    aircraft6 = {"841111", "841112", "841121", "841122", "841191"}
    for code, name, value in (("5880", "us-japan-2025", 3.83), ("5800", "us-korea-2025", 2.43)):
        df = pd.read_parquet(folder / f"2024-hs10-imports{code}.parquet", columns=["HS6", "imports"])
        sectors = {}
        for h in df["HS6"].unique():
            try:
                sectors[h] = hs.sector(h)
            except tt.DataError:
                sectors[h] = None
        df = df[df["HS6"].map(sectors) == "C302T309"]
        air = df["HS6"].str[:4].isin([f"880{k}" for k in range(1, 8)]) | df["HS6"].isin(aircraft6)
        share = df.loc[air, "imports"].sum() / df["imports"].sum()
        exporter = "JPN" if code == "5880" else "KOR"
        assert (1 - share) * 15 == pytest.approx(value, abs=0.006)  # aircraft at 0, the rest at 15 %
        assert _levers(name, "USA", exporter)["C302T309"] == [("set_pct", value)]


# ------------------------------------------------------------------ the table
def test_zero_shock_gives_zero_change():
    none = tt.Scenario(name="nothing", title="no change", article="", levers=())
    also = tt.Scenario(name="nothing-either", title="no change", article="", levers=())
    res = tt.allies("JPN,ASEAN", us_china=none, deals={"JPN": also, "ASEAN": also})
    np.testing.assert_allclose(res.summary().to_numpy(), 0.0, atol=1e-9)
    np.testing.assert_allclose(res.interaction().to_numpy(), 0.0, atol=1e-9)


def test_table_shape_provenance_and_json(table):
    s = table.summary()
    assert list(s.columns) == list(MEASURES)
    assert list(s.index) == [(a, c) for a in ("JPN", "KOR", "MYS", "ASEAN") for c in CASES]
    p = table.provenance
    assert p.analysis == "allies" and p.tariff_date == "2025-07-01" and p.horizon == "long"
    assert p.closure == "fixed" and p.elasticity_set == "CP"
    doc = json.loads(json.dumps(table.to_dict(), allow_nan=False))
    assert doc["deals"]["MYS"] == "us-asean-2025" and len(doc["rows"]) == 12
    assert doc["sources"]["us-japan-2025"][0]["url"].startswith("https://")
    tidy = table.frame()
    assert len(tidy) == 12 * len(MEASURES) and set(tidy.columns) == {
        "ally",
        "case",
        "scenario",
        "measure",
        "value_pct",
    }
    s.iloc[0, 0] = 99.0  # frames are copies
    assert table.summary().iloc[0, 0] != 99.0
    assert "who does America stand with?" in table.report().to_text()


def _us_tariff_change(ally: str) -> float:
    """Change of the trade-weighted US tariff on the ally's goods under its own deal (percentage points)."""
    ref = dated_baseline(tt.load_baseline("default"), dt.REFERENCE_DATE)
    t = _compiled(ref, OWN[ally][0])
    n, a = ref.region_index("USA"), ref.region_index(ally)
    w = ref.flows[n, a]
    return 100.0 * float(((t[n, a] - ref.tariffs[n, a]) * w).sum() / w.sum())


@pytest.mark.parametrize("ally", list(OWN))
def test_an_ally_gains_from_its_own_deal_where_its_us_tariff_falls(table, ally):
    """Japan's and Korea's deals cut their average US tariff (autos 27.5 / 25 -> 15 % outweigh the
    higher reciprocal rate); the Kuala Lumpur agreements keep 19-20 % where the reference had 10 %.
    A lower US tariff raises the ally's sales to the US and its welfare (terms of trade); a higher
    one lowers both."""
    own = table.summary().loc[(ally, "own-deal")]
    change = _us_tariff_change(ally)
    if ally in ("JPN", "KOR"):
        assert change < -1.0
    else:
        assert change > 3.0
    assert np.sign(own["exports_to_us_pct"]) == -np.sign(change)
    assert np.sign(own["welfare_pct"]) == -np.sign(change)


def test_the_us_china_deal_diverts_us_purchases_away_from_the_allies(table):
    """The US cut on China makes Chinese goods cheaper in the US: US buyers switch back from the
    allies (the 2025 diversion toward them partly reverses), so every ally sells less to the US; the
    effect on their welfare is small (sales to the US are a small share of their income, and
    China's farm cuts compete with Brazil and the US, not with them)."""
    s = table.summary()
    for ally in OWN:
        row = s.loc[(ally, "us-china")]
        assert row["exports_to_us_pct"] < 0.0
        assert abs(row["welfare_pct"]) < 0.05
        assert abs(row["welfare_pct"]) < abs(s.loc[(ally, "own-deal"), "welfare_pct"]) + 0.01


def test_both_is_close_to_but_not_exactly_the_sum(table):
    s, inter = table.summary(), table.interaction()
    for ally in OWN:
        alone = s.loc[(ally, "us-china")].abs() + s.loc[(ally, "own-deal")].abs()
        assert np.all(inter.loc[ally].abs() <= 0.1 * alone + 1e-6), ally
        assert inter.loc[ally].abs().max() > 1e-6, ally  # the deals meet in the US market


def test_bad_inputs_are_named():
    with pytest.raises(ScenarioError, match="no deal for"):
        tt.allies("JPN,TWN")
    with pytest.raises(OptionsError, match="allies"):
        AlliesOptions(allies=("USA",), deals={"USA": "x"})
    with pytest.raises(OptionsError, match="horizon"):
        tt.allies("JPN", horizon="forever")
    with pytest.raises(tt.DataError):
        tt.allies("XXX", deals={"XXX": "us-japan-2025"})


def test_cli_json(capsys):
    assert main(["allies", "JPN,KOR", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["allies"] == ["JPN", "KOR"] and doc["provenance"]["tariff_date"] == "2025-07-01"
    rows = {(r["ally"], r["case"]): r for r in doc["rows"]}
    assert rows[("JPN", "own-deal")]["welfare_pct"] > 0
    assert main(["allies", "JPN", "--deal", "JPN"]) == 2
    assert "ALLY=SCENARIO" in capsys.readouterr().err
    assert main(["allies", "JPN", "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("ally,case,welfare_pct")
