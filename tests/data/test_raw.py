"""Tests that read the raw files (OECD ICIO cube, ADB MRIO): sanity numbers, every year, and a
bit-for-bit rebuild of the shipped baselines. Skipped when the raw data directory is absent."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tradetalks.data import adb, concordance, icio
from tradetalks.data.build import build, build_shipped
from tradetalks.data.catalog import baselines_dir
from tradetalks.data.store import save_baseline
from tradetalks.errors import DataError


@pytest.fixture(scope="module")
def cube2022(data_dir: Path) -> icio.IcioCube:
    return icio.read_cube(data_dir, 2022)


def test_icio_orientation(cube2022: icio.IcioCube) -> None:
    """US goods imports from China 2022 are 453 bn and US goods exports to China 128 bn (ICIO):
    h5py's [sector, importer, exporter] is read correctly as [importer, exporter, sector]."""
    c = cube2022
    us, cn = c.countries.index("USA"), c.countries.index("CHN")
    goods = [j for j in range(len(c.sectors)) if j != c.services_index]
    assert c.flows[us, cn, goods].sum() == pytest.approx(453_407.18, rel=1e-6)
    assert c.flows[cn, us, goods].sum() == pytest.approx(127_829.12, rel=1e-6)
    assert c.sectors == concordance.ICIO_SECTORS
    assert c.sector_labels[-1] == "Services (aggregate)"
    assert len(c.countries) == 81 and c.countries[-1] == "ROW"
    assert int((c.flows.sum(axis=0) <= 0).sum()) == 41  # zero-output cells


def test_icio_tariffs_are_fractions(cube2022: icio.IcioCube) -> None:
    c = cube2022
    us, cn = c.countries.index("USA"), c.countries.index("CHN")
    assert c.tariffs.min() >= 0 and c.tariffs.max() < 1.0
    w = c.flows[us, cn, :]
    assert 0.01 < float((w * c.tariffs[us, cn, :]).sum() / w.sum()) < 0.1  # no Section 301 in the cube


def test_clean_tariffs(cube2022: icio.IcioCube) -> None:
    c = cube2022
    t, report = icio.clean_tariffs(c.flows, c.tariffs, c.sectors, c.countries)
    assert np.all(t[:, :, c.services_index] == 0)
    changed = np.any(t != c.tariffs, axis=(0, 1))
    allowed = {c.services_index, c.sectors.index("C10T12")}
    assert set(np.flatnonzero(changed)) <= allowed
    assert t.max() < 0.31
    assert report.caps["USA"] < 0.1 and report.capped_cells > 0 and report.services_cells_zeroed > 0


def test_every_year_reads(data_dir: Path, cube2022: icio.IcioCube) -> None:
    for year in icio.YEARS:
        c = icio.read_cube(data_dir, year)
        assert c.year == year
        assert c.countries == cube2022.countries and c.sectors == cube2022.sectors
        assert c.flows.shape == (81, 81, 28) and c.flows.sum() > 1e8
    with pytest.raises(DataError, match="2011-2022"):
        icio.read_cube(data_dir, 2010)


def test_elasticities(data_dir: Path) -> None:
    for name in icio.ELASTICITY_SETS:
        theta = icio.read_elasticities(data_dir, name)
        assert theta.shape == (28,) and np.all(theta > 0)
    cp = icio.read_elasticities(data_dir, "CP")
    assert cp[0] == pytest.approx(9.11) and cp[12] == pytest.approx(64.85)
    with pytest.raises(DataError, match="CP"):
        icio.read_elasticities(data_dir, "XX")


def test_adb_model(data_dir: Path) -> None:
    m = adb.read_model(data_dir)
    assert m.deficit[m.index("USA")] == pytest.approx(639_473, rel=1e-3)
    total = m.va_share + m.io_share.sum(axis=1) + m.fossil_share.sum(axis=2)
    np.testing.assert_allclose(total, 1.0, atol=1e-12)
    with pytest.raises(DataError, match="USA"):
        m.index("MYS")


def test_adb_summary(data_dir: Path) -> None:
    s = adb.read_summary(data_dir, 2022)
    mys = s[s["adb"] == "MAL"]
    assert mys["gross_output"].sum() == pytest.approx(958_838, rel=1e-5)
    assert mys["value_added"].sum() == pytest.approx(400_300, rel=1e-5)


def test_economy_table_matches_adb_codes(data_dir: Path, cube2022: icio.IcioCube) -> None:
    table = concordance.load_economy_table().set_index("icio")
    assert set(table.index) == set(cube2022.countries)
    codes = adb.read_summary_codes(data_dir)
    iso_to_adb = dict(zip(codes["iso3"], codes["adb"], strict=True))
    for iso, row in table.iterrows():
        expected = iso_to_adb.get(str(iso), "ROW")
        assert row["adb"] == expected, iso
        assert row["block"] in adb.MODEL_ECONOMIES
        if row["va_source"] == "model" and row["adb"] != "ROW":
            assert row["block"] == row["adb"]


def test_rebuild_is_bit_for_bit_on_one_machine_and_equal_to_the_shipped_files(
    data_dir: Path, tmp_path: Path
) -> None:
    """The build is deterministic: two rebuilds give the same bytes. Against the shipped files
    (built on another CPU, whose vector kernels round sums differently), every array is equal to
    within 8 units in the last place (seen: 1), and the manifest is identical apart from the
    archive's sha256."""
    first = build_shipped(data_dir)
    second = build_shipped(data_dir)
    for name, b in first.items():
        out = save_baseline(b, tmp_path / "a" / name)
        again = save_baseline(second[name], tmp_path / "b" / name)
        for f in ("arrays.npz", "manifest.json"):
            assert (out / f).read_bytes() == (again / f).read_bytes(), f"{name}/{f}"
        shipped = baselines_dir() / name
        with np.load(out / "arrays.npz") as new, np.load(shipped / "arrays.npz") as old:
            assert sorted(new.files) == sorted(old.files)
            for key in old.files:
                if np.issubdtype(old[key].dtype, np.floating):
                    np.testing.assert_array_max_ulp(new[key], old[key], maxulp=8)
                else:
                    np.testing.assert_array_equal(new[key], old[key])
        m_new = json.loads((out / "manifest.json").read_text())
        m_old = json.loads((shipped / "manifest.json").read_text())
        assert _without_archive_sha(m_new) == _without_archive_sha(m_old), name


def _without_archive_sha(manifest: dict) -> dict:
    out = json.loads(json.dumps(manifest))
    del out["arrays"]["sha256"]
    return out


def test_every_year_builds(data_dir: Path) -> None:
    for year in icio.YEARS:
        b = build("default", data_dir, year)
        b.check(1e-9)
        assert b.year == year and b.n_regions == 13
    full = build("icio2011-full", data_dir)
    full.check(1e-9)
    with pytest.raises(DataError, match="2015"):
        build("icio2011-full", data_dir, 2015)
