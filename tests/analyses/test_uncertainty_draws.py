"""Draws of the uncertain parameters (docs/model.md, eqs. 9.1-9.3)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import tradetalks as tt
from tradetalks.analyses.objectives import Government
from tradetalks.analyses.uncertainty import (
    PARAMETERS,
    ParameterDraw,
    Priors,
    drawn_baseline,
    drawn_government,
    drawn_levers,
    horizon_spec_of,
    intervals,
    parameter_draw,
    parameter_draws,
    solve_drawn,
)
from tradetalks.api.inputs import baseline_of, scenario_of
from tradetalks.data.horizons import at_horizon, horizon_spec
from tradetalks.errors import OptionsError
from tradetalks.levers.critical_input import CriticalInputNest
from tradetalks.levers.purchase import PurchaseCommitment


@pytest.fixture(scope="module")
def base():
    return baseline_of("default")


def _published(base) -> np.ndarray:
    info = base.meta["theta"]
    return np.array([info["sets"][k]["values"] for k in info["sets"]])


def test_draw_k_does_not_depend_on_how_many_or_where_they_start(base) -> None:
    many = parameter_draws(base, 12, seed=3)
    few = parameter_draws(base, 4, seed=3, start=8)
    assert [d.to_dict() for d in many[8:]] == [d.to_dict() for d in few]
    assert parameter_draw(base, 5, 3).to_dict() == many[5].to_dict()


def test_seeds_and_indices_give_different_draws(base) -> None:
    a, b, c = parameter_draw(base, 0, 1), parameter_draw(base, 0, 2), parameter_draw(base, 1, 1)
    assert a.theta != b.theta and a.theta != c.theta
    assert a.long_run_response != b.long_run_response


def test_parameter_groups_have_their_own_streams(base) -> None:
    full = parameter_draw(base, 4, 11)
    only = parameter_draw(base, 4, 11, Priors(vary=("purchase_compliance", "long_run_response")))
    assert only.purchase_compliance == full.purchase_compliance
    assert only.long_run_response == full.long_run_response
    assert only.theta is None and only.critical_input_sigma is None


def test_priors_ranges_hold_over_many_draws(base) -> None:
    draws = parameter_draws(base, 400, seed=0)
    sets = _published(base)
    theta = np.array([list(d.theta.values()) for d in draws])
    assert np.all(theta >= sets.min(axis=0) / 1.5 - 1e-12)
    assert np.all(theta <= sets.max(axis=0) * 1.5 + 1e-12)
    # sectors that every published set gives one value stay equal in every draw
    same = np.all(sets[:, 0:1] == sets[:, 1:2])
    assert same and np.array_equal(theta[:, 0], theta[:, 1])
    # the log-normal is centred on the chosen set (CP): its log is inside the 5-95 % range
    lo, hi = np.percentile(np.log(theta), [5, 95], axis=0)
    logc = np.log(base.theta)
    assert np.all((lo <= logc + 1e-12) & (logc <= hi + 1e-12))
    big_l = np.array([d.long_run_response for d in draws])
    assert big_l.min() >= 1.75 and big_l.max() <= 2.25
    assert abs(big_l.mean() - 2.0) < 0.03  # uniform on [1.75, 2.25]: sd of the mean 0.007
    comp = np.array([d.purchase_compliance for d in draws])
    assert comp.min() >= 0.57 and comp.max() <= 0.83
    sig = np.array([d.critical_input_sigma for d in draws])
    assert sig.min() >= 0.01 and sig.max() <= 0.2
    assert abs(np.median(np.log(sig)) - np.log(np.sqrt(0.01 * 0.2))) < 0.2  # log-uniform


def test_sets_method_draws_whole_published_sets(base) -> None:
    sets = _published(base)
    for d in parameter_draws(base, 20, seed=5, priors=Priors(elasticity_method="sets")):
        row = np.array(list(d.theta.values()))
        assert d.theta_set in base.meta["theta"]["sets"]
        assert np.any(np.all(sets == row, axis=1))


def test_horizon_ratios_follow_the_long_run_response() -> None:
    mid = ParameterDraw(index=0, seed=0, long_run_response=2.0, critical_supply={"short": 0.7, "medium": 3.0})
    short, medium = horizon_spec_of("short", mid), horizon_spec_of("medium", mid)
    assert short.theta_ratio == pytest.approx(horizon_spec("short").theta_ratio, rel=1e-12)  # 0.76 / 2
    assert medium.theta_ratio == pytest.approx(horizon_spec("medium").theta_ratio, abs=5e-4)  # 0.525
    assert short.critical_supply_elasticity == 0.7 and medium.critical_supply_elasticity == 3.0
    assert horizon_spec_of("long", mid) == horizon_spec("long")
    low = ParameterDraw(index=0, seed=0, long_run_response=1.75)
    assert horizon_spec_of("short", low).theta_ratio == pytest.approx(0.76 / 1.75)


def test_drawn_baseline_central_case_is_the_shipped_horizon(base) -> None:
    for h in ("short", "medium", "long"):
        world = drawn_baseline(base, None, h)
        np.testing.assert_array_equal(world.theta, at_horizon(base, h).theta)
    d = parameter_draw(base, 2, 9)
    short = drawn_baseline(base, d, "short")
    expected = np.array([d.theta[c] for c in base.sectors]) * 0.76 / d.long_run_response
    np.testing.assert_allclose(short.theta, expected, rtol=1e-14)
    assert short.meta["horizon"]["critical_supply_elasticity"] == d.critical_supply["short"]
    with pytest.raises(OptionsError, match="long-run baseline"):
        drawn_baseline(short, d, "short")


def test_drawn_levers_and_government() -> None:
    nest = CriticalInputNest(input="magnets", users=("C29",), sigma=0.05)
    met = PurchaseCommitment(buyer="CHN", seller="USA", sectors=("soybeans",), value_ratio=2.0)
    partial = dataclasses.replace(met, compliance=0.57)
    d = ParameterDraw(index=0, seed=0, critical_input_sigma=0.1, purchase_compliance=0.7)
    out = drawn_levers((nest, met, partial), d)
    assert out[0].sigma == 0.1 and out[1].compliance == 1.0 and out[2].compliance == 0.7
    assert drawn_levers((nest,), None) == (nest,)
    gov = Government("USA", political_weights={"C10T12": 0.2})
    scaled = drawn_government(gov, ParameterDraw(index=0, seed=0, political_weight_scale=1.5))
    assert scaled.political_weights == {"C10T12": pytest.approx(0.3)}
    assert drawn_government(
        Government("CHN"), ParameterDraw(index=0, seed=0, political_weight_scale=1.5)
    ) == (Government("CHN"))


def test_solve_drawn_central_case_equals_run_and_warm_starts_do_not_matter(base) -> None:
    sc = scenario_of("us-100", None)
    prep = sc.prepare(base)
    central = solve_drawn(prep, sc, None)
    run = tt.run("us-100", alongside=()).result
    np.testing.assert_array_equal(central.welfare_hat, run.welfare_hat)
    d = parameter_draw(prep, 0, 1)
    cold = solve_drawn(prep, sc, d, "short")
    central_short = solve_drawn(prep, sc, None, "short")
    warm = solve_drawn(prep, sc, d, "short", start=np.asarray(central_short.equilibrium.state))
    np.testing.assert_allclose(warm.welfare_hat, cold.welfare_hat, rtol=0, atol=1e-9)
    assert not np.allclose(cold.welfare_hat, central_short.welfare_hat, rtol=0, atol=1e-6)


def test_intervals_are_sample_quantiles() -> None:
    samples = pd.DataFrame({"a": np.arange(101.0), "b": -np.arange(101.0)})
    out = intervals(samples)
    assert list(out.columns) == ["median", "p5", "p95", "draws"]
    assert out.loc["a", "median"] == 50 and out.loc["a", "p5"] == 5 and out.loc["a", "p95"] == 95
    assert out.loc["b", "p5"] == -95 and out.loc["b", "draws"] == 101


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda b: Priors(vary=("theta",)), "Priors.vary: unknown"),
        (lambda b: Priors(elasticity_method="normal"), "allowed: lognormal, sets"),
        (lambda b: parameter_draws(b, 0, 1), "draws must be a whole number >= 1"),
        (lambda b: parameter_draws(b, 3, -1), "seed must be a whole number >= 0"),
        (lambda b: parameter_draw(b, -1, 0), "draw index must be >= 0"),
        (lambda b: intervals(pd.DataFrame({"x": [1.0, np.nan]})), "non-finite values in \\['x'\\]"),
    ],
)
def test_bad_input_is_refused_by_name(base, call, message) -> None:
    with pytest.raises(OptionsError, match=message):
        call(base)


def test_every_parameter_has_a_source() -> None:
    sources = Priors().sources()
    assert set(sources) == set(PARAMETERS)
    assert all(len(s) > 60 for s in sources.values())
