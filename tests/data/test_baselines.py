"""Shipped baselines, aggregation, the store, balancing and data-directory discovery.

Nothing here needs the raw data (see ``test_raw.py`` for the tests that do).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import make_world
from tradetalks.baseline import Baseline
from tradetalks.data import paths
from tradetalks.data.aggregate import aggregate_regions, parse_mapping_csv, read_mapping
from tradetalks.data.balance import balance_io, final_demand
from tradetalks.data.build import default_mapping
from tradetalks.data.catalog import load, shipped_baselines
from tradetalks.data.concordance import ICIO_SECTORS, load_economy_table
from tradetalks.data.store import load_baseline, npz_bytes, save_baseline
from tradetalks.errors import DataError

DEFAULT_REGIONS = (
    "USA", "CHN", "JPN", "KOR", "TWN", "MYS", "ASEAN", "EU27", "BRA", "MEX", "CAN", "IND", "ROW",
)  # fmt: skip
ASEAN9 = {"BRN", "KHM", "IDN", "LAO", "MMR", "PHL", "SGP", "THA", "VNM"}


@pytest.fixture(scope="module")
def full() -> Baseline:
    return load("icio2022-full")


@pytest.fixture(scope="module")
def default() -> Baseline:
    return load("default")


# ---------------------------------------------------------------------- shipped baselines
def test_shipped_names() -> None:
    assert set(shipped_baselines()) == {"default", "icio2022-full"}


@pytest.mark.parametrize("name", ["default", "icio2022-full"])
def test_shipped_baseline_closes(name: str) -> None:
    b = load(name)
    b.check(1e-9)
    assert b.name == name and b.year == 2022 and b.units == "USD million"
    assert b.sectors == ICIO_SECTORS
    assert list(b.meta["services_sectors"]) == ["SERV"]
    assert b.goods_sectors() == ICIO_SECTORS[:-1]
    assert b.meta["elasticity_set"] == "CP"
    assert set(b.meta["raw_files"]) == {
        "icio-cube/ICIO2022.mat",
        "adb-mrio/ModelDataRaw_23.jld2",
        "adb-mrio/summary.parquet",
        "adb-mrio/countries.xlsx",
    }
    assert all(len(h) == 64 for h in b.meta["raw_files"].values())
    assert b.meta["build_command"].startswith("python -m tradetalks.data.build --name ")
    assert np.all(b.alpha >= 0)
    idx = np.arange(b.n_regions)
    assert np.all(b.tariffs[idx, idx, :] == 0)
    assert np.all(b.tariffs[:, :, -1] == 0)  # services tariffs zeroed
    # Caliendo-Parro theta: agriculture 9.11, petroleum 64.85
    assert b.theta[0] == pytest.approx(9.11) and b.theta[ICIO_SECTORS.index("C19")] == pytest.approx(64.85)


def test_default_labels(default: Baseline) -> None:
    assert default.regions == DEFAULT_REGIONS
    groups = default.meta["aggregation"]["regions"]
    assert set(groups["ASEAN"]) == ASEAN9
    assert len(groups["EU27"]) == 27
    assert groups["MYS"] == ["MYS"]


def test_full_labels(full: Baseline) -> None:
    assert full.n_regions == 81 and full.regions[-1] == "ROW"
    assert {"USA", "CHN", "MYS", "DEU", "VNM"} <= set(full.regions)
    assert len(full.meta["zero_output_cells"]) == 41


def test_sanity_numbers(full: Baseline, default: Baseline) -> None:
    """US goods imports from China 2022: 453 bn; US goods exports to China: 128 bn (OECD ICIO)."""
    for b in (full, default):
        us, cn = b.region_index("USA"), b.region_index("CHN")
        assert b.flows[us, cn, :-1].sum() == pytest.approx(453_407, rel=1e-4)
        assert b.flows[cn, us, :-1].sum() == pytest.approx(127_829, rel=1e-4)
    assert default.deficit[default.region_index("USA")] > 0
    assert default.deficit[default.region_index("CHN")] < 0


def test_default_is_the_aggregate_of_full(full: Baseline, default: Baseline) -> None:
    agg = aggregate_regions(full, default_mapping(), name="default")
    for attr in ("flows", "tariffs", "va_share", "io_share", "theta"):
        np.testing.assert_allclose(getattr(agg, attr), getattr(default, attr), rtol=1e-12, atol=1e-12)


def test_balancing_report_in_meta(full: Baseline, default: Baseline) -> None:
    bal = full.meta["adjustments"]["balance"]
    assert bal["negative_cells_before"] > 0
    assert 0 < bal["share_of_intermediate_value_moved"] < 0.05
    rows = default.meta["adjustments"]["balance"]["by_target_region"]
    assert [r["region"] for r in rows] == list(DEFAULT_REGIONS)
    assert sum(r["value_moved"] for r in rows) == pytest.approx(bal["value_moved"], rel=1e-6)


# ---------------------------------------------------------------------- aggregation
def _intra_revenue(b: Baseline, mapping: dict[str, str]) -> float:
    same = np.array([[mapping[a] == mapping[c] for c in b.regions] for a in b.regions])
    idx = np.arange(b.n_regions)
    same[idx, idx] = False
    return float((b.flows * b.tariffs)[same].sum())


@pytest.mark.parametrize("mode", ["drop", "keep"])
def test_aggregation_preserves_totals(full: Baseline, mode: str) -> None:
    mapping = default_mapping()
    agg = aggregate_regions(full, mapping, name="agg", intra_tariffs=mode)  # type: ignore[arg-type]
    agg.check(1e-9)
    members = {t: [full.region_index(r) for r in full.regions if mapping[r] == t] for t in agg.regions}
    assert agg.flows.sum() == pytest.approx(full.flows.sum(), rel=1e-13)
    for a, t in enumerate(agg.regions):
        m = members[t]
        assert agg.value_added[a] == pytest.approx(full.value_added[m].sum(), rel=1e-12)
        assert agg.deficit[a] == pytest.approx(full.deficit[m].sum(), rel=1e-9, abs=1e-6)
        np.testing.assert_allclose(agg.gross_output[a], full.gross_output[m].sum(axis=0), rtol=1e-12)
        inter_full = np.einsum("nkj,nj->k", full.io_share[m], full.gross_output[m])
        inter_agg = agg.io_share[a] @ agg.gross_output[a]
        np.testing.assert_allclose(inter_agg, inter_full, rtol=1e-10)
    intra = _intra_revenue(full, mapping)
    assert intra > 0  # e.g. intra-ROW and intra-ASEAN trade pays tariffs
    if mode == "keep":
        assert agg.tariff_revenue.sum() == pytest.approx(full.tariff_revenue.sum(), rel=1e-12)
        np.testing.assert_allclose(agg.income.sum(), full.income.sum(), rtol=1e-12)
    else:
        dropped = agg.meta["aggregation"]["intra_region_tariff_revenue_dropped"]
        assert sum(dropped.values()) == pytest.approx(intra, rel=1e-6)
        assert agg.tariff_revenue.sum() == pytest.approx(full.tariff_revenue.sum() - intra, rel=1e-12)
        idx = np.arange(agg.n_regions)
        assert np.all(agg.tariffs[idx, idx, :] == 0)


def test_aggregation_identity_mapping(world: Baseline) -> None:
    agg = aggregate_regions(world, {r: r for r in world.regions}, name="same")
    for attr in ("flows", "tariffs", "va_share", "io_share"):
        np.testing.assert_allclose(getattr(agg, attr), getattr(world, attr), rtol=1e-14)


def test_aggregation_names_and_intra_tariffs(world: Baseline) -> None:
    mapping = {"R0": "A", "R1": "A", "R2": "B", "R3": "B", "R4": "C"}
    agg = aggregate_regions(world, mapping, name="abc")
    assert agg.regions == ("A", "B", "C") and agg.name == "abc"
    agg.check(1e-9)
    kept = aggregate_regions(world, mapping, intra_tariffs="keep")
    kept.check(1e-9)
    assert kept.tariff_revenue.sum() == pytest.approx(world.tariff_revenue.sum(), rel=1e-13)
    assert kept.tariffs[0, 0, :].max() > 0  # R0-R1 trade keeps its tariff on A's diagonal
    with pytest.raises(DataError, match="intra_tariffs"):
        aggregate_regions(world, mapping, intra_tariffs="sometimes")  # type: ignore[arg-type]


def test_mapping_missing_economy_raises(full: Baseline) -> None:
    mapping = default_mapping()
    del mapping["MYS"]
    with pytest.raises(DataError, match="MYS"):
        aggregate_regions(full, mapping)


def test_mapping_unknown_economy_raises(full: Baseline) -> None:
    mapping = default_mapping()
    mapping["XXX"] = "ROW"
    with pytest.raises(DataError, match="XXX"):
        aggregate_regions(full, mapping)


def test_default_mapping_file() -> None:
    mapping = default_mapping()
    assert len(mapping) == 81
    assert sorted(set(mapping.values())) == sorted(DEFAULT_REGIONS)
    assert {k for k, v in mapping.items() if v == "ASEAN"} == ASEAN9
    table = load_economy_table()
    assert set(mapping) == set(table["icio"])


def test_read_mapping_formats(tmp_path: Path) -> None:
    want = {"R0": "A", "R1": "A", "R2": "B"}
    (tmp_path / "m.csv").write_text("# comment\nsource,target,note\nR0,A,x\nR1,A,\nR2,B,\n")
    (tmp_path / "m.toml").write_text('[regions]\nA = ["R0", "R1"]\nR2 = "B"\n')
    (tmp_path / "m.json").write_text(json.dumps({"A": ["R0", "R1"], "B": ["R2"]}))
    for suffix in ("csv", "toml", "json"):
        assert read_mapping(tmp_path / f"m.{suffix}") == want
    (tmp_path / "bad.csv").write_text("from,to\nR0,A\n")
    with pytest.raises(DataError, match="source"):
        read_mapping(tmp_path / "bad.csv")
    (tmp_path / "m.yaml").write_text("x")
    with pytest.raises(DataError, match=r"\.csv, \.toml, \.json"):
        read_mapping(tmp_path / "m.yaml")
    with pytest.raises(DataError, match="mapped twice"):
        parse_mapping_csv("source,target\nR0,A\nR0,B\n")


# ---------------------------------------------------------------------- store
def test_save_load_round_trip(tmp_path: Path, default: Baseline) -> None:
    out = save_baseline(default, tmp_path / "b")
    back = load_baseline(out)
    for attr in ("flows", "tariffs", "va_share", "io_share", "theta"):
        np.testing.assert_array_equal(getattr(back, attr), getattr(default, attr))
    assert back.regions == default.regions and back.sectors == default.sectors
    assert json.loads(json.dumps(dict(back.meta))) == json.loads(json.dumps(dict(default.meta)))
    # deterministic bytes: saving the loaded baseline again gives the same files
    again = save_baseline(back, tmp_path / "c")
    for f in ("arrays.npz", "manifest.json"):
        assert (out / f).read_bytes() == (again / f).read_bytes()
    assert load_baseline(out).name == "default"


def test_load_detects_tampering(tmp_path: Path, world: Baseline) -> None:
    d = save_baseline(world, tmp_path / "w")
    arrays = {k: getattr(world, k) for k in ("flows", "tariffs", "va_share", "io_share", "theta")}
    arrays["theta"] = arrays["theta"] * 2
    (d / "arrays.npz").write_bytes(npz_bytes(arrays))
    with pytest.raises(DataError, match="sha256"):
        load_baseline(d)


def test_load_unknown_name_lists_allowed() -> None:
    with pytest.raises(DataError, match="default, icio2022-full"):
        load("no-such-baseline")


# ---------------------------------------------------------------------- balancing
def _toy_with_negative_final_demand() -> tuple[Baseline, np.ndarray]:
    b = make_world(n=4, j=3, seed=3)
    io = np.array(b.io_share, copy=True)
    # make every sector buy much more of sector 0 than the economy spends on it
    rest = io[:, 1:, :] / io[:, 1:, :].sum(axis=1, keepdims=True)
    io[:, 0, :] = 0.95 * (1 - b.va_share)
    io[:, 1:, :] = 0.05 * (1 - b.va_share)[:, None, :] * rest
    return b, io


def test_balance_makes_final_demand_nonnegative() -> None:
    b, io = _toy_with_negative_final_demand()
    f0 = final_demand(io, b.gross_output, b.spending)
    assert np.any(f0 < 0)
    new, report = balance_io(b.va_share, io, b.gross_output, b.spending, b.regions, b.sectors)
    f1 = final_demand(new, b.gross_output, b.spending)
    assert np.all(f1 >= 0)
    np.testing.assert_allclose(b.va_share + new.sum(axis=1), 1.0, atol=1e-14)  # VA shares kept
    assert np.all(new[io == 0] == 0)  # no new input links
    b.replace(io_share=new).check(1e-9)
    assert report.negative_cells == int((f0 < 0).sum())
    assert report.negative_final_demand == pytest.approx(float(f0[f0 < 0].sum()))
    assert report.value_moved > 0 and report.cells_touched > 0
    assert report.as_dict()["regions_adjusted"] == len(report.regions)


def test_balance_is_identity_on_consistent_data(world: Baseline) -> None:
    new, report = balance_io(
        world.va_share, world.io_share, world.gross_output, world.spending, world.regions, world.sectors
    )
    np.testing.assert_array_equal(new, world.io_share)
    assert report.regions == () and report.value_moved == 0


def test_balance_handles_zero_output() -> None:
    b, io = _toy_with_negative_final_demand()
    flows = np.array(b.flows, copy=True)
    flows[:, 1, 2] = 0.0  # region R1 produces nothing of sector S2
    b = b.replace(flows=flows, io_share=b.io_share)
    new, _ = balance_io(b.va_share, io, b.gross_output, b.spending, b.regions, b.sectors)
    assert np.all(np.isfinite(new))
    np.testing.assert_allclose(b.va_share + new.sum(axis=1), 1.0, atol=1e-14)
    assert np.all(final_demand(new, b.gross_output, b.spending) >= 0)


def test_balance_infeasible_names_region() -> None:
    b = make_world(n=2, j=2, seed=1)
    va = np.full_like(b.va_share, 0.0)
    io = np.zeros_like(b.io_share)
    io[:, 0, :] = 1.0  # all output is input from sector 0: more than anyone spends
    spending = b.spending.copy()
    spending[0] *= 0.1
    with pytest.raises(DataError, match="R0"):
        balance_io(va, io, b.gross_output, spending, b.regions, b.sectors)


# ---------------------------------------------------------------------- data directory discovery
def test_paths_env_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "icio-cube").mkdir()
    monkeypatch.setenv(paths.ENV_VAR, str(tmp_path))
    assert paths.find_data_dir() == tmp_path.resolve()


def test_paths_absent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(paths.ENV_VAR, str(tmp_path / "nowhere"))
    monkeypatch.setattr(paths, "candidate_dirs", lambda cwd=None: [tmp_path / "also-nowhere"])
    assert paths.find_data_dir() is None
    with pytest.raises(DataError, match=paths.ENV_VAR):
        paths.require_data_dir()


def test_paths_relative_to_cwd(tmp_path: Path) -> None:
    data = tmp_path / "shared" / "data"
    (data / "adb-mrio").mkdir(parents=True)
    work = tmp_path / "work"
    work.mkdir()
    assert paths.candidate_dirs(work)[0] == data.resolve()


def test_every_published_elasticity_set_ships(default: Baseline) -> None:
    from tradetalks.data.splits import split_baseline

    assert set(default.elasticity_sets()) == {"CP", "BSY", "FGO", "GYY", "IS", "LL", "Shap", "U4"}
    cp = default.with_elasticities("CP")
    np.testing.assert_array_equal(cp.theta, default.theta)
    fgo = default.with_elasticities("FGO")
    assert fgo.meta["elasticity_set"] == "FGO" and not np.allclose(fgo.theta, default.theta)
    split = split_baseline(default, ["soybeans"]).with_elasticities("FGO")
    assert split.theta[split.sectors.index("A01_SOY")] == fgo.theta[fgo.sector_index("A01")]
    with pytest.raises(DataError, match="allowed: CP, BSY"):
        default.with_elasticities("nope")
