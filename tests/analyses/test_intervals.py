"""Intervals on every output of a scenario: Monte Carlo and the delta method (docs/model.md,
eqs. 9.2 and 9.4-9.5)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import truncnorm

import tradetalks as tt
from tradetalks.analyses.intervals import (
    Z95,
    IntervalOptions,
    delta_intervals,
    delta_parameters,
    sample_intervals,
    solve_draws,
    truncated_normal_moments,
)
from tradetalks.analyses.uncertainty import ParameterDraw, Priors, parameter_draws, solve_drawn
from tradetalks.api.inputs import baseline_of
from tradetalks.errors import OptionsError
from tradetalks.levers.tariff import TariffChange
from tradetalks.model import SolverOptions
from tradetalks.results.intervals import output_frame
from tradetalks.scenarios import Scenario

DATE = "pre-summit-2025-10-15"
SUMMARY = ["welfare_pct", "real_wage_pct", "price_index_pct", "exports_pct", "imports_pct"]
ONLY_L = Priors(vary=("long_run_response",))
ONLY_THETA = Priors(vary=("trade_elasticity",))


def _us_10() -> Scenario:
    """A small shock: 10 more points of US tariff on Chinese goods, on the pre-summit tariffs."""
    lever = TariffChange(importer="USA", exporters=("CHN",), add_pp=10.0)
    return Scenario("us-10", "US +10 points on Chinese goods", "test shock", (lever,), date=DATE)


@pytest.fixture(scope="module")
def us10() -> Scenario:
    return _us_10()


@pytest.fixture(scope="module")
def prepared(us10):
    return us10.prepare(baseline_of("default"))


# ------------------------------------------------------------------------------ statistics
def test_delta_intervals_closed_form() -> None:
    central = np.array([1.0, -2.0])
    grad = np.array([[2.0, 0.0], [1.0, -1.0]])
    sd, shift = np.array([0.5, 2.0]), np.array([0.1, 0.0])
    out = delta_intervals(central, grad, sd, shift)
    np.testing.assert_allclose(out["sd"], [1.0, np.sqrt(0.25 + 4.0)])
    np.testing.assert_allclose(out["median"], [1.2, -1.9])
    np.testing.assert_allclose(out["p95"] - out["median"], Z95 * out["sd"])
    np.testing.assert_allclose(out["median"] - out["p5"], Z95 * out["sd"])
    assert abs(Z95 - 1.6448536) < 1e-7
    with pytest.raises(OptionsError, match="gradient has shape"):
        delta_intervals(central, grad[:, :1], sd)


def test_truncated_normal_moments_match_scipy() -> None:
    c, s, lo, hi = 4.17, 1.27, 0.0, 4.575  # C19 of the shipped sets: CP is their maximum
    mean, sd = truncated_normal_moments(c, s, lo, hi)
    dist = truncnorm((lo - c) / s, (hi - c) / s, loc=c, scale=s)
    assert float(mean) == pytest.approx(dist.mean(), rel=1e-12)
    assert float(sd) == pytest.approx(dist.std(), rel=1e-12)
    wide = truncated_normal_moments(0.3, 0.2, -50.0, 50.0)  # no truncation: the normal's moments
    assert float(wide[0]) == pytest.approx(0.3, abs=1e-14) and float(wide[1]) == pytest.approx(0.2, rel=1e-12)


def test_sample_intervals_quantiles_and_not_applicable_outputs() -> None:
    rng = np.random.default_rng(0)
    samples = rng.standard_normal((101, 3))
    samples[:, 1] = np.nan  # never applicable: no interval, 0 draws
    samples[:50, 2] = np.nan  # applicable in 51 draws: summarised over those
    out = sample_intervals(samples, np.array([0.0, np.nan, 1.0]))
    np.testing.assert_array_equal(out["draws"], [101, 0, 51])
    assert out["p5"][0] == np.sort(samples[:, 0])[5] and out["p95"][0] == np.sort(samples[:, 0])[95]
    assert out["median"][0] == np.median(samples[:, 0])
    assert np.isnan(out["p5"][1]) and out["median"][2] == np.median(samples[50:, 2])


# ------------------------------------------------------------------------------ Monte Carlo
def test_same_seed_same_numbers_other_seed_other_numbers(us10) -> None:
    a = tt.run(us10, alongside=(), draws=12, seed=5).uncertainty
    b = tt.run(us10, alongside=(), draws=12, seed=5).uncertainty
    c = tt.run(us10, alongside=(), draws=12, seed=6).uncertainty
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.parameters, b.parameters)
    usa = ("long", "USA", "welfare_pct")
    assert a.table.loc[usa, "p5"] != c.table.loc[usa, "p5"]
    assert not np.allclose(a.details["draws_long"].to_numpy(), c.details["draws_long"].to_numpy())


def test_draw_k_is_the_same_among_10_or_100(us10, prepared) -> None:
    """The parameters of draw k are the same bit for bit; its solution the same to the solver's
    tolerance (residual 1e-11 in the state: 1e-8 relative or 1e-6 absolute, a millionth of a
    percentage point or one dollar of USD million, on the outputs)."""
    few = tt.run(us10, alongside=(), draws=10, seed=2).uncertainty
    many = tt.run(us10, alongside=(), draws=100, seed=2).uncertainty
    pd.testing.assert_frame_equal(many.parameters.iloc[:10], few.parameters)
    a, b = many.details["draws_long"], few.details["draws_long"]
    np.testing.assert_allclose(a.iloc[:10].to_numpy(), b.to_numpy(), rtol=1e-8, atol=1e-6)
    # and each equals the draw solved on its own
    draw = parameter_draws(prepared, 1, seed=2, start=7)[0]
    alone = output_frame(solve_drawn(prepared, us10, draw)).stack()
    np.testing.assert_allclose(a.loc[7].to_numpy(), alone.loc[a.columns].to_numpy(), rtol=1e-8, atol=1e-6)


def test_batched_and_serial_draws_agree(us10, prepared) -> None:
    draws = parameter_draws(prepared, 6, seed=9)
    start = tt.run(us10, alongside=(), horizon="short").result.equilibrium.state
    one = solve_draws(prepared, us10, draws, "short", None, start, batched=False)
    many = solve_draws(prepared, us10, draws, "short", None, start, batched=True)
    for a, b in zip(one, many, strict=True):
        for key in ("welfare_pct", "imports_pct", "tariff_revenue"):
            np.testing.assert_allclose(b.region_arrays()[key], a.region_arrays()[key], rtol=1e-8, atol=1e-6)


def test_monotone_output_quantiles_are_the_output_at_the_parameter_quantiles(us10, prepared) -> None:
    """Known answer: only L varies (uniform) and the short-run US import change is monotone in it,
    so each sample quantile of the output is the output solved at that quantile of L. With 21
    draws numpy's 5, 50 and 95 % quantiles are order statistics 2, 11 and 20 exactly."""
    run = tt.run(us10, horizon="short", alongside=(), draws=21, seed=4, priors=ONLY_L)
    unc = run.uncertainty
    big_l = unc.parameters["long_run_response"].to_numpy()
    y = unc.details["draws_short"][("USA", "imports_pct")].to_numpy()
    order = np.argsort(big_l)
    assert np.all(np.diff(y[order]) > 0)  # a larger L: smaller short-run elasticity, smaller fall
    row = unc.table.loc[("short", "USA", "imports_pct")]
    for stat, rank in (("p5", 1), ("median", 10), ("p95", 19)):
        at = ParameterDraw(index=0, seed=0, long_run_response=float(big_l[order[rank]]))
        solved = solve_drawn(prepared, us10, at, "short").regions_frame().loc["USA", "imports_pct"]
        assert row[stat] == pytest.approx(solved, abs=1e-9)


def test_band_covers_ninety_percent_of_draws(us10, prepared) -> None:
    """The true 5-95 % band of a monotone output of L ~ U[1.75, 2.25] is its value at L = 1.775 and
    2.225: 200 draws fall in it 90 % of the time (binomial sd 2.1 points; tolerance 3 sd), and the
    Monte Carlo band estimates it (its ends within 3 sampling sds of the quantiles' ranks)."""
    ends = [
        solve_drawn(prepared, us10, ParameterDraw(index=0, seed=0, long_run_response=v), "short")
        .regions_frame()
        .loc["USA", "imports_pct"]
        for v in (1.775, 2.225)
    ]
    unc = tt.run(us10, horizon="short", alongside=(), draws=200, seed=8, priors=ONLY_L).uncertainty
    y = unc.details["draws_short"][("USA", "imports_pct")].to_numpy()
    inside = np.mean((y >= ends[0]) & (y <= ends[1]))
    assert abs(inside - 0.9) <= 3 * np.sqrt(0.09 / 200)
    row = unc.table.loc[("short", "USA", "imports_pct")]
    rank_sd = np.sqrt(0.05 * 0.95 / 200)  # sd of the empirical cdf at the true p5
    assert np.mean(y <= row["p5"]) == pytest.approx(0.05, abs=0.01)
    assert abs(np.mean(y <= ends[0]) - 0.05) <= 3 * rank_sd + 1e-12
    assert abs(np.mean(y <= ends[1]) - 0.95) <= 3 * rank_sd + 1e-12


def test_zero_shock_gives_zero_width_intervals_at_zero() -> None:
    still = Scenario("no-change", "nothing changes", "test", (), date=DATE)
    for kwargs in ({"intervals": "delta"}, {"draws": 4, "seed": 1}):
        unc = tt.run(still, alongside=(), **kwargs).uncertainty
        t = unc.table.dropna(subset=["central"])
        np.testing.assert_allclose(t["p95"] - t["p5"], 0.0, atol=1e-6)
        changes = t[t.index.get_level_values("measure").str.endswith("_pct")]
        changes = changes[~changes.index.get_level_values("measure").str.startswith("etr_")]
        assert len(changes) > 50
        np.testing.assert_allclose(changes[["central", "median", "p5", "p95"]].to_numpy(), 0.0, atol=1e-8)


# ------------------------------------------------------------------------------ delta method
def _fd_outputs(world, shocks, direction, h, opts) -> np.ndarray:
    """Four-point central difference of full re-solves along an elasticity direction."""
    ys = {}
    for k in (-2, -1, 1, 2):
        w = world.replace(theta=world.theta + k * h * direction)
        ys[k] = output_frame(tt.solve(w, shocks, opts)).to_numpy()
    return (8.0 * (ys[1] - ys[-1]) - (ys[2] - ys[-2])) / (12.0 * h)


@pytest.mark.parametrize("horizon", ["long", "short"])
def test_delta_gradients_match_finite_differences_of_re_solves(us10, prepared, horizon) -> None:
    run = tt.run(us10, horizon=horizon, alongside=(), intervals="delta")
    grads = run.uncertainty.details[f"gradients_{horizon}"]
    params = delta_parameters(prepared, horizon, Priors())
    names = [p.name for p in params]
    assert list(grads.columns) == names and ("long_run_response" in names) == (horizon != "long")
    picks = [names.index("log_theta[C10T12]"), names.index("log_theta[SERV]"), len(names) - 1]
    opts = SolverOptions(tol=1e-13, floor_tol=1e-12)
    frame = output_frame(run.result)
    for k in picks:
        fd = _fd_outputs(run.result.baseline, run.result.equilibrium.shocks, params[k].direction, 3e-3, opts)
        exact = grads[names[k]].to_numpy().reshape(frame.shape)
        ok = np.isfinite(fd)
        assert np.array_equal(ok, np.isfinite(exact))
        # 1e-5 of each measure's largest derivative, plus the re-solves' noise (tol 1e-13 / step)
        scale = np.broadcast_to(np.nanmax(np.abs(fd), axis=0, keepdims=True), fd.shape)
        bad = np.abs(exact - fd) > 1e-5 * scale + 1e-9
        assert not bad[ok].any(), (names[k], frame.columns[np.nonzero(bad & ok)[1]].tolist())
        assert np.nanmax(np.abs(exact)) > 1e-3  # the comparison is not between zeros


def test_delta_matches_monte_carlo_on_a_small_shock(us10) -> None:
    """A 10-point US tariff on China. Varying only L (uniform, narrow: the outputs are near linear
    in it) the delta method's p5 and p95 are within 12 % of the Monte Carlo band's width of a
    400-draw Monte Carlo (a normal's 1.645 sd is 0.475 of a uniform's range, its 5-95 % points
    0.45: 3 % of the width apart). Varying the trade elasticities, whose prior is wide (sd 0.26 to
    1.27 in logs, truncated) and in which the outputs curve, the method is rougher: p5 and p95
    within half the band's width and the sd within a factor 1.5."""
    regions = ["USA", "CHN"]
    for horizon, priors, tol, sd_factor in (("short", ONLY_L, 0.12, 1.1), ("long", ONLY_THETA, 0.5, 1.5)):
        kw = {"horizon": horizon, "alongside": (), "priors": priors}
        d = tt.run(us10, intervals="delta", **kw).uncertainty.frame(regions, measures=SUMMARY)
        m = tt.run(us10, draws=400, seed=11, **kw).uncertainty.frame(regions, measures=SUMMARY)
        width = m["p95"] - m["p5"]
        assert (width > 0).all()
        assert ((d["p5"] - m["p5"]).abs() <= tol * width).all(), horizon
        assert ((d["p95"] - m["p95"]).abs() <= tol * width).all(), horizon
        ratio = d["sd"] / m["sd"]
        assert ((ratio < sd_factor) & (ratio > 1 / sd_factor)).all(), (horizon, ratio.to_dict())


# ------------------------------------------------------------------------------ errors
def test_errors_name_the_option_and_the_allowed_values(us10) -> None:
    with pytest.raises(OptionsError, match="needs draws >= 1"):
        IntervalOptions(method="mc", draws=0)
    with pytest.raises(OptionsError, match="draws apply to method 'mc'"):
        IntervalOptions(method="delta", draws=10)
    with pytest.raises(OptionsError, match=r"IntervalOptions\.draws"):
        IntervalOptions(method="mc", draws=-1)
    with pytest.raises(OptionsError, match="unknown option"):
        IntervalOptions(method="mc", draws=3, level=80)
    with pytest.raises(OptionsError, match="'sets' draws whole published sets"):
        IntervalOptions(method="delta", elasticity_method="sets")
    with pytest.raises(OptionsError, match="allowed: mc, delta"):
        tt.run(us10, intervals="bootstrap")
    with pytest.raises(OptionsError, match="priors apply to intervals"):
        tt.run(us10, priors=ONLY_L)
    with pytest.raises(OptionsError, match="closure='fixed'"):
        tt.run(us10, intervals="delta", closure="balanced", alongside=())
    with pytest.raises(OptionsError, match=r"critical-input nests.*intervals='mc'"):
        tt.run("rare-earth-ban", intervals="delta", alongside=())


def test_monte_carlo_takes_the_balanced_closure_and_nests() -> None:
    """What the delta method refuses, Monte Carlo solves (here: a scenario with a CES nest)."""
    unc = tt.run("rare-earth-ban", alongside=(), draws=3, seed=0).uncertainty
    assert "critical_input_sigma" in unc.priors["enter"]
    row = unc.table.loc[("long", "USA", "welfare_pct")]
    assert row["draws"] == 3 and row["p5"] <= row["median"] <= row["p95"]
    assert unc.provenance is not None and unc.provenance.analysis == "intervals"
    assert unc.provenance.options["intervals"]["draws"] == 3
