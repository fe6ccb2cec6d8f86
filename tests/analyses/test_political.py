"""Political-economy presets: Ossa (2014)'s lambdas translated to weights on log sector output."""

from __future__ import annotations

import numpy as np
import pytest

import tradetalks as tt
from tradetalks.analyses.objectives import government
from tradetalks.data.political import OSSA_TO_ICIO, build_table, ossa2014_weights, ossa_region
from tradetalks.errors import ScenarioError


@pytest.fixture(scope="module")
def base():
    return tt.load_baseline("default")


def test_weights_cover_goods_and_add_up_per_industry(base):
    w = ossa2014_weights(base, "USA")
    covered = {s for v in OSSA_TO_ICIO.values() for s in v}
    assert set(w) == covered and "SERV" not in w and "B06" not in w
    assert any(v > 0 for v in w.values()) and any(v < 0 for v in w.values())
    assert max(abs(v) for v in w.values()) < 0.05  # small: a profit share times (lambda - 1)
    # regions Ossa does not have take his ROW; EU members his EU
    assert ossa_region("KOR") == "ROW" and ossa_region("DEU") == "EU27" and ossa_region("USA") == "USA"


def test_preset_government_is_zero_at_zero_shock_and_differs_from_welfare(base):
    gov = government(base, "USA", "ossa2014")
    assert gov.political_weights and "Ossa" in gov.source
    assert gov.value(tt.solve(base)) == pytest.approx(0.0, abs=1e-12)
    shocks = tt.load_scenario("us-100").compile(base)
    res = tt.solve(base, shocks)
    assert gov.value(res) != pytest.approx(government(base, "USA").value(res), abs=1e-9)
    with pytest.raises(ScenarioError, match="allowed: welfare, ossa2014"):
        government(base, "USA", "mercantilist")


def test_shipped_table_matches_the_raw_data(data_dir):
    from tradetalks.data.political import _table

    rows, _ = build_table(data_dir)
    table = _table()
    for region, industry, lam, omega in rows:
        assert table[(region, industry)] == pytest.approx(omega, rel=1e-10, abs=1e-15)
        assert (omega > 0) == (lam > 1) or omega == 0
    assert np.isfinite([r[3] for r in rows]).all()
