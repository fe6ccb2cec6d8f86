"""Policy instruments: uniform and per-partner rates, services, export taxes, rates not applicable,
and the progress the long calls report."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import scipy.optimize

import tradetalks as tt
from tests.conftest import make_world
from tradetalks.analyses.objectives import Government
from tradetalks.analyses.optimal import SCALE, TariffPolicy, optimal_tariffs
from tradetalks.analyses.options import OptimizerOptions, WarOptions
from tradetalks.analyses.war import Player, nash_war
from tradetalks.baseline import Baseline
from tradetalks.errors import OptionsError, ScenarioError
from tradetalks.model import ObjectiveOracle, Shocks, SolverOptions

TIGHT = SolverOptions(tol=1e-14, floor_tol=1e-12)


@pytest.fixture(scope="module")
def toy() -> Baseline:
    return tt.model.balanced_baseline(make_world(n=4, j=3, seed=21))


def _untraded(cell: tuple[int, int, int]) -> Baseline:
    """The toy world with no flow at all in ``cell`` (importer, exporter, sector)."""
    w = make_world(n=4, j=3, seed=21)
    flows = np.array(w.flows)
    flows[cell] = 0.0
    spend = (flows * (1 + w.tariffs)).sum(axis=1)
    weights = spend / spend.sum(axis=1, keepdims=True)
    io_share = (1.0 - w.va_share)[:, None, :] * weights[:, :, None]
    return tt.model.balanced_baseline(dataclasses.replace(w, flows=flows, io_share=io_share))


def _value(base: Baseline, gov: Government, shocks: Shocks) -> float:
    return gov.value(tt.solve(base, shocks, TIGHT))


def test_export_tax_gradient_matches_finite_differences(toy):
    """The closed-form derivatives of the shares in the export tax (docs/model.md, section 6) equal
    central differences of full re-solves."""
    gov = Government("R0")
    pol = TariffPolicy.of(toy, "R0", ["R1", "R2"], tax="export")
    base = Shocks(tariffs=np.array(toy.tariffs))
    oracle = ObjectiveOracle(
        toy,
        lambda x: pol.shocks_with(toy, base, x),
        pol.directions(toy.flows.shape),
        [gov.objective(toy)],
        TIGHT,
    )
    x = np.array([0.05, 0.2, 0.1])
    _, grad, _ = oracle(x)
    h = 1e-6
    fd = [
        (
            _value(toy, gov, pol.shocks_with(toy, base, x + h * e))
            - _value(toy, gov, pol.shocks_with(toy, base, x - h * e))
        )
        / (2 * h)
        for e in np.eye(3)
    ]
    np.testing.assert_allclose(grad[0], fd, rtol=1e-5, atol=1e-9)


def test_mixed_tariff_and_export_tax_direction(toy):
    """A direction that moves a tariff and an export tax at once is the sum of the two."""
    from tradetalks.model import PolicyDirection
    from tradetalks.model.sensitivity import objective_gradient

    gov = Government("R0")
    imp = TariffPolicy.of(toy, "R0", ["R1"]).directions(toy.flows.shape)
    exp = TariffPolicy.of(toy, "R0", ["R1"], tax="export").directions(toy.flows.shape)
    eq = tt.solve(toy, Shocks(tariffs=np.array(toy.tariffs)), TIGHT).equilibrium
    both = [PolicyDirection(tariffs=imp[0], export_taxes=exp[0].export_taxes)]  # type: ignore[union-attr]
    g = gov.objective(toy)
    _, g_both = objective_gradient(eq, both, g)
    _, g_imp = objective_gradient(eq, imp[:1], g)
    _, g_exp = objective_gradient(eq, exp[:1], g)
    assert g_both[0] == pytest.approx(g_imp[0] + g_exp[0], rel=1e-10, abs=1e-14)


def test_optimal_export_tax_is_a_maximum(toy):
    """The optimal export taxes beat every grid deviation, and a scalar search finds the same
    uniform export tax."""
    gov = Government("R0")
    opt = OptimizerOptions(gtol=1e-7)
    res = optimal_tariffs(toy, gov, "others", options=opt, solver=TIGHT, tax="export", instrument="uniform")
    pol = TariffPolicy.of(toy, "R0", "others", instrument="uniform", tax="export")
    base = Shocks(tariffs=np.array(toy.tariffs))
    scalar = scipy.optimize.minimize_scalar(
        lambda t: -SCALE * _value(toy, gov, pol.shocks_with(toy, base, np.array([t]))),
        bounds=(0.0, 2.0),
        method="bounded",
        options={"xatol": 1e-9},
    )
    assert res.rates[0] == pytest.approx(scalar.x, abs=1e-5)
    assert 0.0 < res.rates[0] < 2.0
    best = _value(toy, gov, pol.shocks_with(toy, base, res.rates))
    for dx in (-0.02, -0.005, 0.005, 0.02):
        assert _value(toy, gov, pol.shocks_with(toy, base, res.rates + dx)) <= best + 1e-12
    d = res.to_dict()
    assert d["tax"] == "export" and "export_taxes_pct" in d and "tariffs_pct" not in d


def test_uniform_tariff_is_the_best_single_rate(toy):
    gov = Government("R0")
    res = optimal_tariffs(
        toy, gov, "others", options=OptimizerOptions(gtol=1e-7), solver=TIGHT, instrument="uniform"
    )
    pol = TariffPolicy.of(toy, "R0", "others", instrument="uniform")
    assert res.sectors == ("uniform",) and pol.size == 1
    base = Shocks(tariffs=np.array(toy.tariffs))
    scalar = scipy.optimize.minimize_scalar(
        lambda t: -SCALE * _value(toy, gov, pol.shocks_with(toy, base, np.array([t]))),
        bounds=(0.0, 2.0),
        method="bounded",
        options={"xatol": 1e-9},
    )
    assert res.rates[0] == pytest.approx(scalar.x, abs=1e-5)
    cells = pol.apply(toy.tariffs, res.rates)[0, 1:, :]
    np.testing.assert_allclose(cells, res.rates[0])  # one rate on every partner and sector
    sector = optimal_tariffs(toy, gov, "others", solver=TIGHT)
    assert sector.objective >= res.objective - 1e-10  # more instruments never do worse


def test_partner_instrument(toy):
    """One rate per partner; with a single partner it is the uniform rate."""
    gov = Government("R0")
    one_p = optimal_tariffs(
        toy, gov, ["R1"], solver=TIGHT, instrument="partner", options=OptimizerOptions(gtol=1e-7)
    )
    one_u = optimal_tariffs(
        toy, gov, ["R1"], solver=TIGHT, instrument="uniform", options=OptimizerOptions(gtol=1e-7)
    )
    assert one_p.sectors == ("R1",)
    np.testing.assert_allclose(one_p.rates, one_u.rates, atol=1e-6)
    many = optimal_tariffs(toy, gov, "others", solver=TIGHT, instrument="partner")
    assert many.sectors == ("R1", "R2", "R3") and many.tariffs.index.name == "partner"
    t = TariffPolicy.of(toy, "R0", "others", instrument="partner").apply(toy.tariffs, many.rates)
    for k, i in enumerate((1, 2, 3)):
        np.testing.assert_allclose(t[0, i, :], many.rates[k])


def test_services_are_taxable_only_when_asked(toy):
    b = dataclasses.replace(toy, meta={**toy.meta, "services_sectors": ("S2",)})
    goods = TariffPolicy.of(b, "R0", "others")
    every = TariffPolicy.of(b, "R0", "others", services=True)
    assert [b.sectors[j] for j in goods.sectors] == ["S0", "S1"]
    assert [b.sectors[j] for j in every.sectors] == ["S0", "S1", "S2"]
    res = optimal_tariffs(b, Government("R0"), "others", services=True)
    assert res.to_dict()["services_taxable"] is True and "S2" in res.sectors


def test_untraded_rates_are_not_applicable():
    """A tariff on a flow nobody trades is reported as n/a (null in JSON), never as a number, and
    no reported column is empty."""
    b = _untraded((0, 1, 2))
    res = optimal_tariffs(b, Government("R0"), ["R1"])
    assert list(np.asarray(res.traded)) == [True, True, False]
    assert np.isnan(res.tariffs["S2"]) and np.isfinite(res.tariffs[["S0", "S1"]]).all()
    d = json.loads(json.dumps(res.to_dict()))
    assert d["tariffs_pct"]["S2"] is None and d["not_applicable"] == ["S2"]
    text = res.report().to_text()
    assert "n/a" in text and "nan" not in text.lower()
    for frame in res.frames().values():
        assert not frame.isna().all().any()


def test_uniform_war_has_no_profitable_deviation(toy):
    players = [Player(Government(r), "others", "uniform") for r in ("R0", "R1")]
    war = nash_war(toy, players)
    assert war.tariffs.shape == (1, 2)
    nash = war.result.equilibrium.shocks
    for k, p in enumerate(players):
        pol = p.policy(toy)
        best = _value(toy, p.government, nash)
        for dx in (-0.01, 0.01):
            dev = pol.shocks_with(toy, nash, np.array([war.rates[0, k] + dx]))
            assert _value(toy, p.government, dev) <= best + 1e-9


def test_bad_instruments_are_named(toy):
    with pytest.raises(OptionsError, match="instrument='flat'; allowed: sector, uniform, partner"):
        TariffPolicy.of(toy, "R0", "others", instrument="flat")
    with pytest.raises(OptionsError, match="tax='both'; allowed: import, export"):
        TariffPolicy.of(toy, "R0", "others", tax="both")
    with pytest.raises(OptionsError, match="sectors: unknown S9"):
        TariffPolicy.of(toy, "R0", "others", sectors=["S9"])
    mixed = [Player(Government("R0"), "others", "uniform"), Player(Government("R1"), "others", "sector")]
    with pytest.raises(ScenarioError, match="same rates"):
        nash_war(toy, mixed)


def test_progress_is_reported(toy):
    calls: list[tuple[str, int, int | None]] = []
    optimal_tariffs(toy, Government("R0"), "others", progress=lambda *a: calls.append(a))
    assert calls and calls[-1][1] == len(calls) and "optimal tariffs of R0" in calls[0][0]
    players = [Player(Government(r), "others") for r in ("R0", "R1")]
    for method, words in (("joint", "Nash war (joint): evaluation"), ("best-response", "best response")):
        calls.clear()
        nash_war(toy, players, options=WarOptions(method=method), progress=lambda *a: calls.append(a))
        assert [c[1] for c in calls] == list(range(1, len(calls) + 1)) and words in calls[0][0]


def test_progress_bar_renders_on_stderr_and_json_is_silent(capsys):
    from tradetalks.cli import main
    from tradetalks.cli.progress import stderr_progress
    from tradetalks.progress import no_progress

    with stderr_progress(False) as report:
        assert report is no_progress
    with stderr_progress(True, delay=0.0) as report:
        for k in range(1, 4):
            report("task", k, 3)  # draws and clears without error
    capsys.readouterr()
    code = main(["optimal-tariff", "USA", "--against", "CHN", "--instrument", "uniform", "--format", "json"])
    out = capsys.readouterr()
    assert code == 0 and out.err == ""
    assert json.loads(out.out)["instrument"] == "uniform"
