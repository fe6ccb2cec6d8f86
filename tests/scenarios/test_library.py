"""Every scenario of the library solves on the default and the full baseline, and behaves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tradetalks as tt
from tradetalks.scenarios import builtin_names

LIBRARY = (
    "us-100",
    "us-100-retaliation",
    "pause",
    "soybeans-12mt",
    "soybeans-25mt",
    "aircraft",
    "rare-earth-ban",
    "rare-earth-licensing",
    "chip-controls-tighten",
    "chip-controls-loosen",
    "modest-deal",
)


def _norm(text: str) -> str:
    """Straight quotes and apostrophes, so quotes match the article's typography."""
    for curly, plain in (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u2014", "-")):
        text = text.replace(curly, plain)
    return text


def test_library_is_complete_and_cites_the_article():
    assert set(LIBRARY) <= set(builtin_names())
    seed = _seed()
    article = _norm(Path(seed).read_text(encoding="utf-8")) if seed else None
    for name in LIBRARY:
        sc = tt.load_scenario(name)
        assert sc.title and sc.article and sc.date == "pre-summit-2025-10-15"
        if article is None:
            continue
        # every quoted fragment (between ellipses) stands in the article
        for part in _norm(sc.article).split("..."):
            part = part.strip(" .")
            if len(part) > 20:
                assert part[:60] in article, (name, part)


def _seed() -> str | None:
    for base in (Path.cwd(), *Path(__file__).resolve().parents):
        p = base.parent / "shared" / "seed" / "000_cfc3b10b38d180a0.txt"
        if p.exists():
            return str(p)
    return None


@pytest.fixture(scope="module", params=["default", "icio2022-full"])
def base(request):
    return tt.load_baseline(request.param)


@pytest.mark.parametrize("name", LIBRARY)
def test_scenario_solves(base, name):
    sc = tt.load_scenario(name)
    prepared = sc.prepare(base)
    res = tt.solve(prepared, sc.compile(prepared), scenario=name)
    assert res.solver.converged and res.solver.residual < 1e-9
    w = res.regions_frame()["welfare_pct"]
    assert np.all(np.isfinite(w))
    eq = res.equilibrium
    if name == "pause":
        np.testing.assert_allclose(res.welfare_hat, 1.0, atol=1e-10)
    for c, target, wedge in zip(
        eq.shocks.constraints, eq.constraint_flows, eq.constraint_wedges, strict=True
    ):
        if c.kind == "floor":
            assert target >= c.target * (1 - 1e-8)
        else:
            assert target <= c.target * (1 + 1e-8)
        assert (wedge == 0.0) or abs(target / c.target - 1) < 1e-8
    if name in ("rare-earth-ban", "chip-controls-tighten", "us-100", "us-100-retaliation"):
        assert w["CHN"] < 0
    if name == "soybeans-25mt":
        # the commitment binds on the pre-summit baseline and displaces Brazil; it is managed trade:
        # the state buyer's demand shift (> 0), not an import subsidy (< 0)
        assert eq.shocks.constraints[0].instrument == "preference" and eq.constraint_wedges[0] > 0
        chn, bra = prepared.region_index("CHN"), prepared.region_index("BRA")
        soy = prepared.sectors.index("A01_SOY")
        assert eq.flows[chn, bra, soy] < prepared.flows[chn, bra, soy]
