"""The joint solve of every player's first-order conditions (docs/model.md, eq. 7.3a) against best
responses (eq. 7.3), deviations on a grid, and the fallback when it fails."""

from __future__ import annotations

import numpy as np
import pytest

import tradetalks as tt
import tradetalks.analyses.nash as nash
from tests.conftest import make_world
from tradetalks.analyses.objectives import Government
from tradetalks.analyses.options import OptimizerOptions, WarOptions
from tradetalks.analyses.war import Player, nash_war
from tradetalks.model import SolverOptions

TIGHT = SolverOptions(tol=1e-14, floor_tol=1e-12)


@pytest.fixture(scope="module")
def toy():
    return tt.model.balanced_baseline(make_world(n=4, j=3, seed=21))


def _tight(method: str) -> WarOptions:
    """Tight tolerances: the joint solve to a step of 1e-10 and gradients of 1e-9; best responses
    until no rate moves by 1e-8 (each to a gradient of 1e-5: L-BFGS-B stops at the solves' noise
    floor below that)."""
    if method == "joint":
        return WarOptions(method="joint", tol=1e-10, optimizer=OptimizerOptions(gtol=1e-9))
    return WarOptions(method=method, tol=1e-8, max_rounds=200, optimizer=OptimizerOptions(gtol=1e-5))


@pytest.mark.parametrize("instrument", ["sector", "uniform"])
def test_joint_solve_equals_best_responses(toy, instrument):
    players = [Player(Government(r), "others", instrument) for r in ("R0", "R1", "R2")]
    joint = nash_war(toy, players, options=_tight("joint"), solver=TIGHT)
    br = nash_war(toy, players, options=_tight("best-response"), solver=TIGHT)
    assert joint.method == "joint" and br.method == "best-response"
    np.testing.assert_allclose(joint.rates, br.rates, atol=1e-6)
    assert np.all(np.asarray(joint.rates) > 0.0)


def test_no_player_gains_by_deviating_from_the_joint_solution(toy):
    players = [Player(Government(r), "others") for r in ("R0", "R1")]
    war = nash_war(toy, players, options=_tight("joint"), solver=TIGHT)
    nash_shocks = war.result.equilibrium.shocks
    for k, p in enumerate(players):
        pol = p.policy(toy)
        best = p.government.value(tt.solve(toy, nash_shocks, TIGHT))
        for j in range(pol.size):
            for dx in (-0.02, -0.005, 0.005, 0.02):
                x = np.array(war.rates[:, k])
                x[j] = max(0.0, x[j] + dx)
                dev = pol.shocks_with(toy, nash_shocks, x)
                assert p.government.value(tt.solve(toy, dev, TIGHT)) <= best + 1e-10


def test_bilateral_joint_war_on_default_matches_best_responses():
    """On the shipped baseline, at the default tolerances, the two methods agree as far as those
    tolerances determine the rates: each rate's difference times its curvature (eq. 7.2a) is at
    most twice the gradient tolerance, both being within it of the first-order conditions (rates
    on small flows, where the objective is flat, are loosely determined by either)."""
    b = tt.load_baseline("default")
    players = [Player(Government("USA"), ("CHN",)), Player(Government("CHN"), ("USA",))]
    joint = nash_war(b, players)
    br = nash_war(b, players, options=WarOptions(method="best-response"))
    curvature = np.column_stack([p.policy(b).curvature_scale(b) ** 2 for p in players])
    gap = np.abs(np.asarray(joint.rates) - np.asarray(br.rates)) * curvature
    assert np.max(gap) <= 2 * OptimizerOptions().gtol
    assert joint.objective_values == pytest.approx(br.objective_values, abs=1e-6)


def test_failed_joint_solve_falls_back_to_best_responses(toy, monkeypatch, caplog):
    monkeypatch.setattr(nash, "MAX_EVALUATIONS", 1)
    players = [Player(Government(r), "others") for r in ("R0", "R1")]
    war = nash_war(toy, players)
    assert war.method.startswith("best-response") and "joint solve did not converge" in war.method
    assert "falling back to best responses" in caplog.text
    assert war.to_dict()["method"] == war.method


def test_joint_solve_with_players_probed_at_once(toy, monkeypatch):
    """Many players are probed at once with random signs: the preconditioner changes, the
    equilibrium does not."""
    players = [Player(Government(r), "others", "uniform") for r in ("R0", "R1", "R2", "R3")]
    one_by_one = nash_war(toy, players, options=_tight("joint"), solver=TIGHT)
    monkeypatch.setattr(nash, "PROBED_PLAYERS", 1)
    at_once = nash_war(toy, players, options=_tight("joint"), solver=TIGHT)
    assert at_once.method == "joint"
    np.testing.assert_allclose(at_once.rates, one_by_one.rates, atol=1e-8)
