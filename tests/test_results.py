"""Result objects: immutability, labelled frames, summary, JSON shape, compare()."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tradetalks import Shocks, compare, solve


@pytest.fixture
def shocked(world):
    tar = np.array(world.tariffs)
    tar[0, 1, :] += 1.0
    return solve(world, Shocks(tariffs=tar), scenario="r0-on-r1")


def test_result_is_immutable(shocked):
    with pytest.raises(AttributeError):
        shocked.scenario = "other"  # type: ignore[misc]
    with pytest.raises(ValueError):
        shocked.equilibrium.w_hat[0] = 2.0


def test_frames_are_labelled_and_consistent(shocked, world):
    reg = shocked.regions_frame()
    assert list(reg.index) == list(world.regions)
    np.testing.assert_allclose(reg["welfare_pct"], 100 * (shocked.welfare_hat - 1))
    sec = shocked.sectors_frame()
    assert sec.index.names == ["region", "sector"]
    assert len(sec) == world.n_regions * world.n_sectors
    bil = shocked.bilateral_frame()
    assert ("R0", "R1") in bil.index and ("R0", "R0") not in bil.index
    assert bil.loc[("R0", "R1"), "trade_pct"] < 0
    by_sector = shocked.bilateral_frame(by_sector=True)
    assert by_sector["trade"].sum() == pytest.approx(bil["trade"].sum(), rel=1e-12)


def test_summary_and_unknown_region(shocked):
    table = shocked.summary(["R0", "R1"])
    assert list(table.columns) == [
        "welfare_pct",
        "real_wage_pct",
        "price_index_pct",
        "exports_pct",
        "imports_pct",
    ]
    with pytest.raises(Exception, match="unknown region 'XXX'"):
        shocked.summary(["XXX"])


def test_json_shape(shocked):
    d = json.loads(json.dumps(shocked.to_dict()))
    assert d["scenario"] == "r0-on-r1"
    assert set(d["baseline"]) >= {"name", "year"}
    assert {"code", "welfare_pct", "real_wage_pct", "price_index_pct", "exports_pct", "imports_pct"} <= set(
        d["regions"][0]
    )
    assert {"importer", "exporter", "trade_pct"} == set(d["bilateral"][0])
    assert d["solver"]["converged"] is True and d["solver"]["iterations"] >= 1


def test_compare(world, shocked):
    base = solve(world, scenario="status-quo")
    table = compare([base, shocked])
    assert list(table.columns) == ["status-quo", "r0-on-r1"]
    np.testing.assert_allclose(table["status-quo"], 0.0, atol=1e-8)
    with pytest.raises(ValueError, match="allowed"):
        compare([base], column="nope")
