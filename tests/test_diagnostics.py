"""Flows that explode from almost nothing are found and reported beside the numbers."""

from __future__ import annotations

import numpy as np
import pytest

import tradetalks as tt
from tradetalks.results.diagnostics import describe_exploding, exploding_flows


def _world() -> tuple[np.ndarray, np.ndarray]:
    """Two regions, two sectors; exporter 1's sector-0 sales to region 0 grow 1,000-fold."""
    f0 = np.zeros((2, 2, 2))
    f0[0, 1, 0], f0[0, 1, 1], f0[1, 0, 0], f0[1, 0, 1] = 0.01, 100.0, 50.0, 50.0
    f0[0, 0], f0[1, 1] = 500.0, 500.0  # home sales are never counted
    f1 = f0.copy()
    f1[0, 1, 0] = 10.0  # 1,000-fold, 10 / 110 = 9.1 % of exporter 1's sales after
    f1[1, 0, 0] = 75.0  # 1.5-fold: not exploding
    f1[0, 0, 0] = 1e6  # a home flow, ignored however large
    return f0, f1


def test_exploding_flows_finds_the_flow_and_its_shares():
    f0, f1 = _world()
    out = exploding_flows(f0, f1, np.array([60.0, 4.0]), ["A", "B"], ["s0", "s1"])
    assert len(out) == 1
    row = out.iloc[0]
    assert (row.importer, row.exporter, row.sector) == ("A", "B", "s0")
    assert row.factor == pytest.approx(1000.0)
    assert row.theta == 60.0
    assert row.share_of_exports_pct == pytest.approx(100 * 10.0 / 110.0)
    assert row.share_of_export_change_pct == pytest.approx(100.0)  # the only change of B's exports
    # below the share threshold, or under a higher factor, nothing is reported
    assert exploding_flows(f0, f1, np.ones(2), ["A", "B"], ["s0", "s1"], min_share=0.2).empty
    assert exploding_flows(f0, f1, np.ones(2), ["A", "B"], ["s0", "s1"], factor=2000.0).empty
    # an unchanged world has none
    assert exploding_flows(f0, f0, np.ones(2), ["A", "B"], ["s0", "s1"]).empty


def test_describe_names_the_sector_and_the_elasticity():
    f0, f1 = _world()
    out = exploding_flows(f0, f1, np.array([60.0, 4.0]), ["A", "B"], ["s0", "s1"])
    lines = describe_exploding(out, "CP", {"s0": "Oil"})
    assert len(lines) == 2
    assert "B's s0 (Oil) sales to A grow 1,000-fold" in lines[0] and "60.00 (CP)" in lines[0]
    assert "--elasticities" in lines[1]
    assert describe_exploding(out.iloc[:0], "CP") == ()


def test_back_to_2017_warns_about_petroleum_under_cp():
    """Caliendo-Parro's petroleum elasticity (64.85) turns US refined-petroleum sales to China of a
    few million into the largest US export: the run says so in its notes and its JSON."""
    run = tt.run("back-to-2017", alongside=())
    frame = run.exploding_flows()
    us_oil = frame[(frame.exporter == "USA") & (frame.importer == "CHN") & (frame.sector == "C19")]
    assert len(us_oil) == 1 and us_oil.factor.iloc[0] > 1e4 and us_oil.theta.iloc[0] == pytest.approx(64.85)
    assert any("USA's C19 (Coke and refined petroleum products) sales to CHN" in w for w in run.warnings())
    assert run.to_dict()["warnings"] == list(run.warnings())
    assert any(n.startswith("warning:") for n in run.report().notes)
    # a mild scenario has no such flow
    assert tt.run("us-100", alongside=()).warnings() == ()
