"""Product splits: totals kept, closure, exact reproduction of the unsplit world, the shipped
product-share table against the raw HS10 data, and bad input.

Tests that read raw files skip when the raw data directory is absent.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tradetalks as tt
from tests.conftest import make_world
from tradetalks.baseline import Baseline
from tradetalks.data import product_tables as pt
from tradetalks.data.aggregate import aggregate_regions
from tradetalks.data.build import default_mapping
from tradetalks.data.products import PRODUCTS, ProductSpec
from tradetalks.data.splits import main, split_baseline
from tradetalks.data.store import save_baseline
from tradetalks.errors import DataError

ALL = list(PRODUCTS)


@pytest.fixture(scope="module")
def default() -> Baseline:
    return tt.load_baseline("default")


@pytest.fixture(scope="module")
def full() -> Baseline:
    return tt.load_baseline("icio2022-full")


@pytest.fixture(scope="module")
def split_default(default: Baseline) -> Baseline:
    return split_baseline(default, ALL)


def _solve_welfare(b: Baseline, scenario: str = "us-100") -> np.ndarray:
    res = tt.solve(b, tt.load_scenario(scenario).compile(b), tt.SolverOptions(closure="fixed"))
    assert res.solver.converged
    return np.asarray(res.welfare_hat)


# ---------------------------------------------------------------------- totals and closure
@pytest.mark.parametrize("name", ["default", "icio2022-full"])
def test_split_keeps_every_total(name: str) -> None:
    b = tt.load_baseline(name)
    s = split_baseline(b, ALL)
    s.check(1e-9)
    assert s.name == f"{name}+" + "+".join(ALL)
    assert s.n_sectors == b.n_sectors + len(ALL)
    for spec in PRODUCTS.values():
        j = s.sector_index(spec.parent)
        assert s.sectors[j + 1] == spec.code
        k = b.sector_index(spec.parent)
        np.testing.assert_allclose(
            s.flows[:, :, j] + s.flows[:, :, j + 1], b.flows[:, :, k], rtol=1e-13, atol=0
        )
        assert np.all(s.flows[:, :, j] >= 0) and np.all(s.final_demand[:, j + 1] >= 0)
        np.testing.assert_array_equal(s.tariffs[:, :, j + 1], b.tariffs[:, :, k])
        np.testing.assert_array_equal(s.va_share[:, j + 1], b.va_share[:, k])
        assert s.theta[j + 1] == b.theta[k]
    for attr in ("value_added", "deficit", "tariff_revenue", "income"):
        np.testing.assert_allclose(getattr(s, attr), getattr(b, attr), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(s.gross_output.sum(axis=1), b.gross_output.sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(s.final_demand.sum(axis=1), b.final_demand.sum(axis=1), rtol=1e-10)
    assert s.meta["services_sectors"] == b.meta["services_sectors"]
    assert s.goods_sectors() == tuple(x for x in s.sectors if x != "SERV")
    assert [e["product"] for e in s.meta["splits"]] == ALL
    assert {e["code"]: e["parent"] for e in s.meta["splits"]} == {p.code: p.parent for p in PRODUCTS.values()}


def test_intermediate_use_splits_in_proportion(split_default: Baseline, default: Baseline) -> None:
    """io[n, product, j] = sigma[n] io[n, parent, j] with sigma = spending share; the product's
    column copies the parent's technology."""
    s, b = split_default, default
    j = s.sector_index("A01")
    sigma = s.spending[:, j + 1] / (s.spending[:, j] + s.spending[:, j + 1])
    k = b.sector_index("C10T12")
    np.testing.assert_allclose(s.io_share[:, j + 1, s.sector_index("C10T12")], sigma * b.io_share[:, 0, k])
    np.testing.assert_allclose(s.io_share[:, :, j + 1], s.io_share[:, :, j])
    np.testing.assert_allclose(s.final_demand[:, j + 1], sigma * b.final_demand[:, 0], rtol=1e-9, atol=1e-6)


def test_split_in_steps_equals_split_at_once(default: Baseline, split_default: Baseline) -> None:
    one = split_baseline(default, ALL[:2])
    two = split_baseline(one, ALL[2:])
    assert two.sectors == split_default.sectors
    np.testing.assert_allclose(two.flows, split_default.flows, rtol=1e-13, atol=0)
    np.testing.assert_allclose(two.io_share, split_default.io_share, rtol=1e-12, atol=1e-15)


def test_default_split_is_the_aggregated_full_split(full: Baseline, split_default: Baseline) -> None:
    """Shares are aggregated with ICIO 2022 flow weights, so splitting then aggregating the full
    baseline gives the same product flows as splitting the aggregated one."""
    mapping = {e: t for t, members in split_default.meta["aggregation"]["regions"].items() for e in members}
    agg = aggregate_regions(split_baseline(full, ALL), mapping)
    np.testing.assert_allclose(agg.flows, split_default.flows, rtol=1e-9, atol=1e-9)


def test_any_aggregation_and_saved_split(full: Baseline, tmp_path: Path) -> None:
    mapping = {r: (r if r in ("USA", "CHN", "BRA") else "OTH") for r in full.regions}
    small = aggregate_regions(full, mapping, name="three")
    s = split_baseline(small, ["soybeans"])
    s.check(1e-9)
    back = tt.load_baseline(str(save_baseline(s, tmp_path / "s")))
    assert back.sectors == s.sectors and back.meta["splits"][0]["code"] == "A01_SOY"
    with pytest.raises(DataError, match="soybeans"):
        split_baseline(back, ["soybeans"])


def test_aggregation_of_default(default: Baseline, full: Baseline) -> None:
    """Regions of an aggregated ``default`` resolve through the shipped mapping to ICIO economies."""
    asia = {r: ("ASIA" if r in ("JPN", "KOR", "TWN", "MYS", "ASEAN") else r) for r in default.regions}
    s = split_baseline(aggregate_regions(default, asia), ["semiconductors"])
    members = [e for e, t in default_mapping().items() if t in ("JPN", "KOR", "TWN", "MYS", "ASEAN")]
    coarse = aggregate_regions(full, {e: "ASIA" if e in members else "X" for e in full.regions})
    via_full = split_baseline(coarse, ["semiconductors"])
    j = s.sector_index("C26_SEMI")
    a, b = s.region_index("ASIA"), via_full.region_index("ASIA")
    assert s.flows[a, a, j] == pytest.approx(via_full.flows[b, b, j], rel=1e-9)


# ---------------------------------------------------------------------- same world, same answers
def test_uniform_split_reproduces_the_unsplit_world(default: Baseline) -> None:
    s = split_baseline(default, ALL, shares={p: 0.3 for p in ALL}, use="proportional")
    np.testing.assert_allclose(_solve_welfare(s), _solve_welfare(default), rtol=0, atol=1e-9)


def test_zero_shock_on_the_real_split(split_default: Baseline) -> None:
    res = tt.solve(split_default)
    for hat in (res.equilibrium.w_hat, res.equilibrium.P_hat, res.welfare_hat, res.price_index_hat):
        np.testing.assert_allclose(hat, 1.0, atol=1e-10)


def test_real_split_solves_the_threat(split_default: Baseline) -> None:
    w = _solve_welfare(split_default)
    assert w[split_default.region_index("USA")] < 1.0 and w[split_default.region_index("CHN")] < 1.0


# ---------------------------------------------------------------------- the shipped shares
def test_table_shares_of_key_pairs(full: Baseline) -> None:
    rows, manifest = pt.load_table()
    assert manifest["build_command"] == "python -m tradetalks.data.splits --build"
    pair = {(r.product, r.importer, r.exporter): r for r in rows if r.level == "pair"}
    magnets = pair[("rare-earth-magnets", "USA", "CHN")]
    assert magnets.rule == "us-hs10" and magnets.value_usd_mn == pytest.approx(344.660767)
    assert magnets.value_usd_mn >= 203.87 + 101.58  # the two NdFeB / other-metal lines of facts.csv
    soy = pair[("soybeans", "CHN", "USA")]
    assert soy.value_usd_mn == pytest.approx(12640.0) and soy.rule == "pair-fact"
    assert pair[("soybeans", "CHN", "BRA")].share == pt.SHARE_CAP
    s = split_baseline(full, ["rare-earth-magnets"])
    usa, chn = s.region_index("USA"), s.region_index("CHN")
    j = s.sector_index("C27_REM")
    assert s.flows[usa, chn, j] == pytest.approx(344.660767, rel=1e-9)
    assert s.flows[usa, chn, j] / (s.flows[usa, chn, j] + s.flows[usa, chn, j - 1]) == pytest.approx(
        344.660767 / 57397.0291, rel=1e-6
    )
    assert max(r.share for r in rows) <= pt.SHARE_CAP


def test_meta_records_rules_and_figures(split_default: Baseline) -> None:
    soy = split_default.meta["splits"][0]
    assert soy["product"] == "soybeans" and soy["hs"] == ["1201"]
    assert set(soy["rules"]) >= {"pair-fact", "exporter-residual", "us-hs10", "home", "world-us"}
    assert sum(soy["value_by_rule"].values()) == pytest.approx(1.0)
    assert soy["pairs"]["CHN<-USA"]["value"] == pytest.approx(12640.0)
    assert any("facts.csv:L72" in f["source"] for f in soy["figures"])
    assert "proportional" in soy["io_rule"]


# ---------------------------------------------------------------------- bad input
def test_bad_input_names_the_problem(default: Baseline, split_default: Baseline) -> None:
    with pytest.raises(DataError, match="unknown product 'tofu'; allowed: soybeans"):
        split_baseline(default, ["tofu"])
    with pytest.raises(DataError, match="'soybeans' is split twice"):
        split_baseline(default, ["soybeans", "soybeans"])
    with pytest.raises(DataError, match=r"'aircraft' is split twice.*allowed: $"):
        split_baseline(split_default, ["aircraft"])
    toy = make_world()
    with pytest.raises(DataError, match="parent sector 'A01' not in baseline 'toy'; allowed sectors: S0"):
        split_baseline(toy, ["soybeans"])
    renamed = toy.replace(sectors=("A01", "S1", "S2", "S3"))
    with pytest.raises(DataError, match=r"no product shares for regions \['R0'"):
        split_baseline(renamed, ["soybeans"])
    s = split_baseline(
        renamed, ["soybeans"], mapping={"USA": "R0", "CHN": "R1", "BRA": "R2", "JPN": "R3", "KOR": "R4"}
    )
    s.check(1e-9)
    with pytest.raises(DataError, match=r"shares\['soybeans'\] must be"):
        split_baseline(default, ["soybeans"], shares={"soybeans": 1.0})
    with pytest.raises(DataError, match="not split here"):
        split_baseline(default, ["soybeans"], shares={"aircraft": 0.1})


def test_two_products_of_one_parent(default: Baseline, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        PRODUCTS, "computers", ProductSpec("computers", "C26_PC", "C26", ("8471",), "computers")
    )
    s = split_baseline(
        default, ["semiconductors", "computers"], shares={"semiconductors": 0.5, "computers": 0.4}
    )
    j = default.sector_index("C26")
    np.testing.assert_allclose(s.flows[:, :, s.sector_index("C26_PC")], 0.4 * default.flows[:, :, j])
    np.testing.assert_allclose(s.flows[:, :, s.sector_index("C26")], 0.1 * default.flows[:, :, j], atol=1e-9)
    with pytest.raises(DataError, match="add up to 1 or more"):
        split_baseline(
            default, ["semiconductors", "computers"], shares={"semiconductors": 0.6, "computers": 0.5}
        )


def test_command_line(tmp_path: Path) -> None:
    assert (
        main(["--baseline", "default", "--products", "soybeans,aircraft", "--out", str(tmp_path / "b")]) == 0
    )
    assert tt.load_baseline(str(tmp_path / "b")).name == "default+soybeans+aircraft"
    assert main(["--baseline", "default", "--products", "tofu", "--out", str(tmp_path / "c")]) == 2


# ---------------------------------------------------------------------- raw data
def test_hs10_lines_match_facts(data_dir: Path) -> None:
    import pandas as pd

    from tradetalks.data.product_facts import find_fact, read_facts

    df = pd.read_parquet(data_dir / "us-tariff-tracker-2026/hs10-imports-2024/2024-hs10-imports5700.parquet")
    line = df.set_index("HS10")["imports"] / 1e6
    facts = read_facts(data_dir)
    ndfeb = find_fact(
        facts, "US imports from China: sintered NdFeB permanent magnets (HTS 8505.11.0070)", 2024, "USD mn"
    )
    other = find_fact(
        facts, "US imports from China: other permanent magnets of metal (8505.11.0090)", 2024, "USD mn"
    )
    nesoi = find_fact(facts, "US imports from China: RE compounds nesoi (2846.90.8090)", 2024, "USD mn")
    assert round(line["8505110070"], 2) == ndfeb.number and round(line["8505110090"], 2) == other.number
    assert round(line["2846908090"], 2) == nesoi.number
    hs6 = line[line.index.str.startswith("850511")].sum()
    rows, _ = pt.load_table()
    shipped = next(
        r for r in rows if (r.product, r.importer, r.exporter) == ("rare-earth-magnets", "USA", "CHN")
    )
    assert shipped.value_usd_mn == pytest.approx(hs6, rel=1e-9)


def test_table_rebuilds_bit_for_bit(data_dir: Path, tmp_path: Path) -> None:
    assert main(["--build", "--data-dir", str(data_dir), "--out", str(tmp_path)]) == 0
    shipped = Path(pt.__file__).parent / "tables"
    for f in (pt.TABLE_FILE, pt.MANIFEST_FILE):
        assert (tmp_path / f).read_bytes() == (shipped / f).read_bytes(), f
