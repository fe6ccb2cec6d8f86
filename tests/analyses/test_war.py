"""Optimal tariffs and Nash wars: gradients against finite differences, optimality, fixed points."""

from __future__ import annotations

import numpy as np
import pytest

import tradetalks as tt
from tests.conftest import make_world
from tradetalks.analyses.objectives import Government, StrategicTerm
from tradetalks.analyses.optimal import TariffPolicy, optimal_tariffs
from tradetalks.analyses.options import TalksOptions, WarOptions
from tradetalks.analyses.war import Player, nash_war
from tradetalks.model.sensitivity import objective_gradient
from tradetalks.model.solver import solve_equilibrium


@pytest.fixture(scope="module")
def toy():
    return tt.model.balanced_baseline(make_world(n=4, j=3, seed=21))


def _value(base, gov, tariffs):
    return gov.value(tt.solve(base, tt.Shocks(tariffs=tariffs)))


@pytest.mark.parametrize(
    "gov",
    [
        Government("R0"),
        Government("R0", political_weights={"S1": 0.3}),
        Government("R0", strategic=(StrategicTerm("less from R1", -0.2, "R0", "R1", ("S2",)),)),
    ],
)
def test_gradient_matches_finite_differences(toy, gov):
    policy = TariffPolicy.of(toy, "R0", "others")
    x = np.array([0.1, 0.25, 0.05])
    tariffs = policy.apply(toy.tariffs, x)
    eq = solve_equilibrium(toy, tt.Shocks(tariffs=tariffs))
    value, grad = objective_gradient(eq, policy.directions(toy.flows.shape), gov.objective(toy))
    assert value == pytest.approx(_value(toy, gov, tariffs), abs=1e-12)
    h = 1e-6
    for k in range(3):
        up, dn = x.copy(), x.copy()
        up[k] += h
        dn[k] -= h
        fd = (
            _value(toy, gov, policy.apply(toy.tariffs, up)) - _value(toy, gov, policy.apply(toy.tariffs, dn))
        ) / (2 * h)
        assert grad[k] == pytest.approx(fd, rel=1e-5, abs=1e-10)


def test_optimal_tariff_is_a_local_maximum(toy):
    gov = Government("R0")
    opt = optimal_tariffs(toy, gov, "others")
    x = opt.tariffs.to_numpy()
    assert np.all(x > 0)  # the terms-of-trade motive
    assert opt.objective > opt.objective_start
    policy = TariffPolicy.of(toy, "R0", "others")
    best = _value(toy, gov, policy.apply(toy.tariffs, x))
    assert best == pytest.approx(opt.objective, abs=1e-10)  # solver tolerance 1e-11
    for k in range(x.size):
        for step in (-0.02, 0.02):
            y = x.copy()
            y[k] = max(0.0, y[k] + step)
            assert _value(toy, gov, policy.apply(toy.tariffs, y)) <= best + 1e-10


def test_political_weight_raises_the_protected_sectors_tariff(toy):
    plain = optimal_tariffs(toy, Government("R0"), "others").tariffs
    lobby = optimal_tariffs(toy, Government("R0", political_weights={"S1": 0.2}), "others").tariffs
    assert lobby["S1"] > plain["S1"] + 0.01


def test_nash_war_is_a_fixed_point_no_player_gains_by_deviating(toy):
    players = [Player(Government("R0"), ("R1",)), Player(Government("R1"), ("R0",))]
    war = nash_war(toy, players, options=WarOptions(tol=1e-6))
    assert war.rounds >= 2 and war.max_change <= 1e-6
    nash = war.result.equilibrium.shocks.tariff_levels(toy)
    for player in players:
        gov = player.government
        policy = TariffPolicy.of(toy, gov.region, player.targets)
        x = war.tariffs[gov.region].to_numpy()
        best = _value(toy, gov, nash)
        for k in range(x.size):
            for step in (-0.05, -0.01, 0.01, 0.05):
                y = x.copy()
                y[k] = max(0.0, y[k] + step)
                assert _value(toy, gov, policy.apply(nash, y)) <= best + 1e-10
    # a tariff war hurts both belligerents in this world
    w = war.result.regions_frame()["welfare_pct"]
    assert war.objectives["R0"] == pytest.approx(np.log(1 + w["R0"] / 100), abs=1e-12)


def test_dense_and_krylov_sensitivities_agree(toy, monkeypatch):
    import tradetalks.model.sensitivity as sens

    policy = TariffPolicy.of(toy, "R0", "others")
    eq = solve_equilibrium(toy, tt.Shocks(tariffs=policy.apply(toy.tariffs, np.array([0.1, 0.2, 0.3]))))
    args = (eq, policy.directions(toy.flows.shape), Government("R0").objective(toy))
    dense = objective_gradient(*args)[1]
    monkeypatch.setattr(sens, "DENSE_MAX", 1)
    krylov = objective_gradient(*args)[1]
    np.testing.assert_allclose(krylov, dense, rtol=1e-8, atol=1e-14)


def test_talks_from_a_nash_war(toy):
    from tradetalks.analyses.talks import bargain

    players = [Player(Government("R0"), ("R1",)), Player(Government("R1"), ("R0",))]
    war = nash_war(toy, players, options=WarOptions(tol=1e-7))
    d = war.result.equilibrium.shocks
    nash = bargain(toy, players, d, options=TalksOptions(solution="nash"))
    equal = bargain(toy, players, d, options=TalksOptions(solution="equal-gains"))
    assert (nash.gains > 0).all() and (equal.gains > 0).all()
    assert equal.gains["R0"] == pytest.approx(equal.gains["R1"], rel=1e-6)
    # each solution is best by its own criterion
    assert np.prod(nash.gains) >= np.prod(equal.gains) - 1e-12
    assert equal.gains.min() >= nash.gains.min() - 1e-9
    # the Nash product does not rise on a grid of feasible deviations
    pol = [TariffPolicy.of(toy, p.government.region, p.targets) for p in players]
    base_t = toy.tariffs
    best = float(np.prod(nash.gains))
    for k, p in enumerate(pol):
        x = nash.tariffs[players[k].government.region].to_numpy()
        for j in range(x.size):
            for step in (-0.01, 0.01):
                y = x.copy()
                y[j] = max(0.0, y[j] + step)
                tariffs = p.apply(
                    pol[1 - k].apply(base_t, nash.tariffs[players[1 - k].government.region].to_numpy()), y
                )
                g = [
                    _value(toy, pl.government, tariffs) - nash.disagreement[pl.government.region]
                    for pl in players
                ]
                if min(g) > 0:
                    assert g[0] * g[1] <= best + 1e-12
