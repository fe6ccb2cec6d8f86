"""Dated tariff layers and dated baselines.

The first part runs on the shipped baselines and the shipped schedule (no raw data needed). The
second part reads the raw files (skipped, saying so, when they are absent): the HS concordance and
the China-side rates are rebuilt and compared with what ships, and the trade-weighted averages are
compared with the PIIE figures of ``facts.csv`` (table printed; run ``pytest -s`` to see it).

Tolerances of the PIIE comparison (``docs/tariffs.md`` explains them):

* China's tariffs on US goods are averaged with PIIE's own weights (China's 2017 imports from the
  US, Bown-Jung-Zhang workbook) but at HS8, where PIIE averages HS10 lines and adds China's MFN
  changes after 2019, which are not in the data: the change since January 2018 must be within
  **3 pp** of PIIE's (PIIE's January 2018 level, 7.99 %, is read from the same workbook).
* US tariffs on China are averaged with 2024 US imports (the brief's weights); PIIE weights with 2017
  imports. By 2024 the lines hit by Section 301 had lost much of their share of US imports from
  China (trade diversion), so with 2024 weights the Section 301 era averages are lower: their change
  since January 2018 must be 55-100 % of PIIE's (it is 64-72 %), and the July 2018 change (before
  Section 301) within 1 pp. The 2025 IEEPA steps are flat rates, so the weights matter only through
  the exemptions and the stacking rules: each step since 2025-01-20 must be within **6 pp** of
  PIIE's. PIIE charges the fentanyl tariff also on Section 232 goods, which the tracker and the Yale
  rates exempt (about 1.6 pp), our Section 232 coverage is narrower than PIIE's (about 1.7 pp) and
  our reciprocal exemptions wider (about 2 pp at the 125 % peak).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import make_world
from tradetalks.baseline import Baseline
from tradetalks.calibration import dated_baseline
from tradetalks.data.catalog import load
from tradetalks.data.concordance import ICIO_SECTORS
from tradetalks.data.hs import (
    HsConcordance,
    build_hs6_table,
    check_products,
    load_concordance,
    read_hs6_table,
)
from tradetalks.data.products import PRODUCTS
from tradetalks.data.tariffs import (
    LAYERS,
    PRESETS,
    load_schedule,
    resolve_date,
    tariff_layers,
)
from tradetalks.data.tariffs.schedule import SCHEDULE_LAYERS
from tradetalks.errors import DataError

SCHEDULE_DIR = Path(__file__).resolve().parents[2] / "src" / "tradetalks" / "data" / "tariffs" / "schedule"


@pytest.fixture(scope="module")
def default() -> Baseline:
    return load("default")


@pytest.fixture(scope="module")
def full() -> Baseline:
    return load("icio2022-full")


# ---------------------------------------------------------------- dates and presets
def test_presets_and_range() -> None:
    assert resolve_date("geneva-2025") == ("2025-05-14", "geneva-2025")
    assert resolve_date("pre-war-2017") == ("2017-12-31", "pre-war-2017")
    assert resolve_date(dt.date(2025, 10, 15)) == ("2025-10-15", None)
    assert set(PRESETS) == {
        "pre-war-2017",
        "phase-one-2020",
        "2025-01-20",
        "geneva-2025",
        "pre-summit-2025-10-15",
    }
    for bad in ("2017-12-31", "2027-01-01", "1999-05-01"):
        with pytest.raises(DataError, match=r"2018-01-01 to 2026-12-31.*pre-war-2017"):
            resolve_date(bad)
    with pytest.raises(DataError, match="not a date or preset"):
        resolve_date("next tuesday")


def test_out_of_range_is_a_clear_error(default: Baseline) -> None:
    with pytest.raises(DataError, match="outside the schedule"):
        dated_baseline(default, "2030-01-01")
    with pytest.raises(DataError, match="outside the schedule"):
        tariff_layers(default, "2017-06-30")


# ---------------------------------------------------------------- layers on the shipped baselines
def test_layers_shape_sign_and_place(default: Baseline) -> None:
    layers = tariff_layers(default, "pre-summit-2025-10-15")
    assert tuple(layers.layers) == LAYERS
    assert np.array_equal(layers.layers["mfn"], default.tariffs)
    us, cn = default.region_index("USA"), default.region_index("CHN")
    serv = default.sector_index("SERV")
    idx = np.arange(default.n_regions)
    for name in SCHEDULE_LAYERS:
        arr = layers.layers[name]
        assert arr.shape == default.tariffs.shape
        assert np.all(arr >= 0), name
        assert not arr.flags.writeable
        assert np.all(arr[idx, idx, :] == 0) and np.all(arr[:, :, serv] == 0)
        others = np.ones(default.n_regions, dtype=bool)
        others[cn if name == "retaliation" else us] = False
        assert np.all(arr[others] == 0), f"{name} must apply to one importer only"
    assert np.all(layers.layers["retaliation"][cn, np.arange(default.n_regions) != us] == 0)
    assert np.all(layers.layers["section-301"][us, np.arange(default.n_regions) != cn] == 0)
    total = sum(layers.layers[k] for k in LAYERS)
    assert np.allclose(layers.total, total)
    table = layers.averages("USA", "CHN")
    assert list(table["layer"]) == [*LAYERS, "total"]
    assert table.set_index("layer").loc["total", "rate_pct"] > 35.0


def test_prewar_has_no_layers_and_is_lower(default: Baseline) -> None:
    pre = tariff_layers(default, "pre-war-2017")
    summit = tariff_layers(default, "pre-summit-2025-10-15")
    for name in SCHEDULE_LAYERS:
        assert not pre.layers[name].any(), name
    for importer, exporter in (("USA", "CHN"), ("CHN", "USA")):
        a = pre.averages(importer, exporter).set_index("layer")["rate_pct"]
        b = summit.averages(importer, exporter).set_index("layer")["rate_pct"]
        assert a["total"] + 10.0 < b["total"], (importer, exporter)


def test_aggregated_regions_are_flow_weighted(default: Baseline, full: Baseline) -> None:
    """ASEAN, EU27, ROW: the full-detail layers averaged with the ICIO 2022 flows of the members."""
    date = "2025-10-15"
    agg = tariff_layers(default, date)
    det = tariff_layers(full, date)
    members = default.meta["aggregation"]["regions"]
    us_full = full.region_index("USA")
    for region in ("ASEAN", "EU27", "ROW", "JPN"):
        rows = [full.region_index(m) for m in members[region]]
        flows = full.flows[us_full, rows, :]
        for name in ("reciprocal", "section-232"):
            expect = (flows * det.layers[name][us_full, rows, :]).sum(axis=0) / np.maximum(
                flows.sum(axis=0), 1e-300
            )
            got = agg.layers[name][default.region_index("USA"), default.region_index(region), :]
            live = flows.sum(axis=0) > 0
            assert np.allclose(got[live], expect[live], rtol=1e-12, atol=1e-15), (region, name)


def test_observed_baseline_keeps_the_data_flows(default: Baseline) -> None:
    obs = dated_baseline(default, "2022-07-01")
    assert obs.name == "default@2022-07-01"
    assert np.array_equal(obs.flows, default.flows)
    layers = tariff_layers(default, "2022-07-01")
    assert np.array_equal(obs.tariffs, layers.total)
    assert layers.layers["section-301"].any() and layers.layers["retaliation"].any()
    assert not layers.layers["reciprocal"].any() and not layers.layers["fentanyl"].any()
    assert obs.meta["dated"]["solver"] == {"solved": False}
    obs.check()


@pytest.mark.parametrize("preset", ["pre-war-2017", "geneva-2025", "pre-summit-2025-10-15"])
def test_dated_baselines_close(default: Baseline, preset: str) -> None:
    b = dated_baseline(default, preset)
    b.check()
    iso = PRESETS[preset]
    assert b.name == f"default@{iso}"
    meta = b.meta["dated"]
    assert meta["date"] == iso and meta["preset"] == preset and meta["observed_date"] == "2022-07-01"
    assert meta["solver"]["solved"] and meta["solver"]["residual"] < 1e-9
    assert set(meta["averages_pct"]) == {"USA<-CHN", "CHN<-USA"}
    assert np.array_equal(b.tariffs, tariff_layers(default, preset).total)
    assert abs(b.value_added.sum() - default.value_added.sum()) < 1e-6 * default.value_added.sum()
    with pytest.raises(DataError, match="already dated"):
        dated_baseline(b, "2025-01-20")


def test_war_moves_trade_away_from_the_pair(default: Baseline) -> None:
    pre = dated_baseline(default, "pre-war-2017")
    geneva = dated_baseline(default, "geneva-2025")
    us, cn = default.region_index("USA"), default.region_index("CHN")
    assert geneva.flows[us, cn].sum() < default.flows[us, cn].sum() < pre.flows[us, cn].sum()
    assert geneva.flows[cn, us].sum() < default.flows[cn, us].sum() < pre.flows[cn, us].sum()


def test_full_baseline_and_non_icio_axes(full: Baseline) -> None:
    b = dated_baseline(full, "2025-01-20")
    b.check()
    with pytest.raises(DataError, match="ICIO economies"):
        tariff_layers(make_world(), "2025-01-20")


def test_split_products_take_their_own_rates(default: Baseline) -> None:
    """A split product gets its HS codes' rate; product and rest recombine to the unsplit sector."""
    splits = pytest.importorskip("tradetalks.data.splits")
    split = splits.split_baseline(default, ["soybeans", "semiconductors", "rare-earth-magnets"])
    sched = load_schedule()
    date = "2026-03-01"
    whole, parts = tariff_layers(default, date), tariff_layers(split, date)
    us, cn = default.region_index("USA"), default.region_index("CHN")
    k_cn = sched.partners.index("CHN")
    for product, layer, importer, exporter in (
        ("semiconductors", "section-301", us, cn),
        ("rare-earth-magnets", "section-301", us, cn),
        ("soybeans", "retaliation", cn, us),
    ):
        spec = PRODUCTS[product]
        data = sched.layers[layer]
        weights = sched.us_weights[k_cn] if layer != "retaliation" else sched.cn_weights
        g_p, g_r = sched.groups.index(spec.code), sched.groups.index(spec.parent)
        rates = data.at(date)[0]
        p, r = split.sector_index(spec.code), split.sector_index(spec.parent)
        assert parts.layers[layer][importer, exporter, p] == pytest.approx(rates[g_p])
        assert parts.layers[layer][importer, exporter, r] == pytest.approx(rates[g_r])
        mix = (weights[g_p] * rates[g_p] + weights[g_r] * rates[g_r]) / (weights[g_p] + weights[g_r])
        assert whole.layers[layer][importer, exporter, default.sector_index(spec.parent)] == pytest.approx(
            mix
        )
    magnets = split.sector_index("C27_REM")
    assert parts.layers["section-301"][us, cn, magnets] == pytest.approx(0.25)  # note 31(g), from 2026-01-01
    dated_baseline(split, "geneva-2025").check()


# ---------------------------------------------------------------- the shipped schedule
def test_schedule_is_small_and_consistent() -> None:
    size = sum(f.stat().st_size for f in SCHEDULE_DIR.iterdir())
    assert size < 2_000_000
    sched = load_schedule()
    goods = tuple(s for s in ICIO_SECTORS if s != "SERV")
    assert sched.groups == goods + tuple(p.code for p in PRODUCTS.values()), "rebuild the schedule"
    assert dict(sched.group_parent) == {p.code: p.parent for p in PRODUCTS.values()}
    assert set(sched.layers) == set(SCHEDULE_LAYERS)
    manifest = json.loads((SCHEDULE_DIR / "manifest.json").read_text())
    assert manifest["build_command"] == "python -m tradetalks.data.tariffs.build"
    assert all(len(h) == 64 for h in manifest["raw_files"].values())
    for layer in sched.layers.values():
        assert list(layer.dates) == sorted(layer.dates) and np.all(layer.rates >= 0)


def test_concordance_api() -> None:
    conc = load_concordance()
    assert conc.sector("8505.11.0070") == "C27" and conc.group("8505.11.0070") == "C27_REM"
    assert conc.sector("120190") == "A01" and conc.group("1201") == "A01_SOY"
    assert conc.sector("8901") == "C301" and conc.sector("8802") == "C302T309"
    assert conc.product("85") is None and conc.group("85") == conc.sector("85") in ICIO_SECTORS
    assert conc.sectors(["2601", "8471300000"]) == ["B07", "C26"]
    assert conc.sector("9801", default="") == ""
    with pytest.raises(DataError, match="no ICIO sector"):
        conc.sector("9801")
    assert check_products(conc) == []


# ---------------------------------------------------------------- raw data
def test_hs6_table_rebuilds(data_dir: Path) -> None:
    built = build_hs6_table(data_dir)
    shipped = read_hs6_table()
    pd.testing.assert_frame_equal(built.reset_index(drop=True), shipped, check_dtype=False)
    assert check_products(HsConcordance(built)) == []


def test_raw_files_match_the_manifest(data_dir: Path) -> None:
    from tradetalks.data.store import sha256_file

    manifest = load_schedule().manifest
    for name, digest in manifest["raw_files"].items():
        assert sha256_file(data_dir / name) == digest, name


US_PIIE = (  # (facts item, date compared)
    ("US avg tariff on China, start of Jul 2018", "2018-07-01"),
    ("US avg tariff on China, after Sep 24 2018", "2018-09-24"),
    ("US avg tariff on China right before Jun 15 2019 increase", "2019-05-31"),
    ("US avg tariff on China after May 2019 increase", "2019-06-15"),
    ("US avg tariff on China after Sep 1 2019 increase", "2019-09-01"),
    ("US avg tariff on China, Dec 2019 (before phase one implementation)", "2019-12-31"),
    ("US avg tariff on China after phase one (Feb 14 2020)", "2020-02-14"),
    ("US avg tariff on China at Jan 20 2025 (start of 2nd Trump term)", "2025-01-20"),
    ("US avg tariff on China after Apr 10 2025 escalation", "2025-04-11"),
    ("US avg tariff on China, peak early May 2025", "2025-05-05"),
    ("US avg tariff on China after Geneva (PIIE)", "2025-05-14"),
)
US_BASE = ("US avg tariff on imports from China, Jan 2018 (pre trade war)", "2018-01-01")
CN_PIIE = (
    ("China avg tariff on US, start of Jul 2018", "2018-07-01"),
    ("China avg tariff on US, after Sep 2018", "2018-09-24"),
    ("China avg tariff on US, mid-Jun 2019 (before Jun-Dec 2019 escalation)", "2019-05-31"),
    ("China avg tariff on US, Dec 2019", "2019-12-31"),
    ("China avg tariff on US after phase one (Feb 14 2020) - Feb 2020 PIIE version", "2020-02-14"),
    ("China avg tariff on US after Geneva (PIIE)", "2025-05-14"),
)


def _piie_table(data_dir: Path) -> pd.DataFrame:
    from tradetalks.data.tariffs.readers import LISTS, fact_value, read_facts

    facts = read_facts(data_dir)
    fig1 = pd.read_excel(data_dir / LISTS / "bown-jung-zhang-2019-06-12.xlsx", sheet_name="Figure 1")
    cn_base = float(fig1.loc[fig1.iloc[:, 0] == "United States"].iloc[0, 1])
    ours = load_schedule().averages.query("layer == 'total'").set_index(["importer", "date"])["rate_pct"]
    rows = []
    us_base = fact_value(facts, US_BASE[0])
    for pair, items, base, base_date in (
        ("USA<-CHN", US_PIIE, us_base, US_BASE[1]),
        ("CHN<-USA", CN_PIIE, cn_base, "2018-01-01"),
    ):
        importer = pair[:3]
        for item, date in items:
            piie = fact_value(facts, item)
            rows.append(
                {
                    "pair": pair,
                    "date": date,
                    "piie": piie,
                    "ours": ours[(importer, date)],
                    "piie_change": piie - base,
                    "ours_change": ours[(importer, date)] - ours[(importer, base_date)],
                    "item": item,
                }
            )
    df = pd.DataFrame(rows)
    df["gap_change"] = df["ours_change"] - df["piie_change"]
    return df


def test_averages_against_piie(data_dir: Path) -> None:
    df = _piie_table(data_dir)
    with pd.option_context("display.width", 200, "display.max_colwidth", 60):
        print("\nTrade-weighted average tariffs, percent: ours (shipped schedule) vs PIIE (facts.csv)")
        print(df.drop(columns="item").round(2).to_string(index=False))
    cn = df[df["pair"] == "CHN<-USA"]
    assert (cn["gap_change"].abs() <= 3.0).all(), cn
    us = df[df["pair"] == "USA<-CHN"].set_index("date")
    assert abs(us.loc["2018-07-01", "gap_change"]) <= 1.0
    war = us.loc[["2018-09-24", "2019-06-15", "2019-09-01", "2019-12-31", "2020-02-14", "2025-01-20"]]
    ratio = war["ours_change"] / war["piie_change"]
    assert ((ratio >= 0.55) & (ratio <= 1.0)).all(), ratio
    jan25 = us.loc["2025-01-20"]
    for date in ("2025-04-11", "2025-05-05", "2025-05-14"):
        ours_step = us.loc[date, "ours"] - jan25["ours"]
        piie_step = us.loc[date, "piie"] - jan25["piie"]
        assert abs(ours_step - piie_step) <= 6.0, (date, ours_step, piie_step)


def test_china_side_rebuilds(data_dir: Path) -> None:
    from tradetalks.data.tariffs.china_side import check_facts, load_china_lines
    from tradetalks.data.tariffs.readers import read_facts, weighted_mean

    lines = load_china_lines(data_dir, load_concordance())
    check_facts(lines, read_facts(data_dir))
    shipped = load_schedule().averages.query("importer == 'CHN' and layer == 'retaliation'")
    for row in shipped.itertuples():
        assert weighted_mean(lines.retaliation(row.date), lines.imports) == pytest.approx(
            row.rate_pct, abs=1e-3
        )
