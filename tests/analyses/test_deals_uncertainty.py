"""Deal spaces, wars and talks under parameter draws (docs/model.md, section 9.6)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import tradetalks as tt
from tradetalks.analyses.deal_solve import compile_packages
from tradetalks.analyses.deals import load_deal_space, parse_deal_space, solve_deal_space
from tradetalks.analyses.objectives import Government
from tradetalks.analyses.options import DealOptions, OptimizerOptions, WarOptions
from tradetalks.analyses.strategy_draws import StrategyWorld
from tradetalks.analyses.uncertainty import (
    Priors,
    drawn_baseline,
    drawn_levers,
    parameter_draw,
)
from tradetalks.cli import main
from tradetalks.errors import OptionsError
from tradetalks.levers import compile_levers
from tradetalks.model import solve_equilibrium
from tradetalks.results import Result

#: A reduced busan-2025: its tariff and rare-earth issues, its magnet nest, two options each
#: (12 packages, some with a quantity cap).
MINI = {
    "name": "busan-mini",
    "parties": ["USA", "CHN"],
    "date": "pre-summit-2025-10-15",
    "products": ["rare-earth-magnets"],
    "levers": [
        {
            "type": "critical_input",
            "input": "rare-earth-magnets",
            "users": ["C26", "C27", "C28", "C29", "C302T309"],
            "sigma": 0.05,
        }
    ],
    "disagreement": {"us": "+50", "cn": "+50", "re": "ban"},
    "issues": [
        {
            "name": "us",
            "options": [
                {
                    "name": "+50",
                    "levers": [{"type": "tariff", "importer": "USA", "exporter": "CHN", "add_pp": 50}],
                },
                {
                    "name": "cut 10",
                    "levers": [{"type": "tariff", "importer": "USA", "exporter": "CHN", "add_pp": -10}],
                },
            ],
        },
        {
            "name": "cn",
            "options": [
                {
                    "name": "+50",
                    "levers": [{"type": "tariff", "importer": "CHN", "exporter": "USA", "add_pp": 50}],
                },
                {
                    "name": "cut 10",
                    "levers": [{"type": "tariff", "importer": "CHN", "exporter": "USA", "add_pp": -10}],
                },
            ],
        },
        {
            "name": "re",
            "options": [
                {
                    "name": "ban",
                    "levers": [
                        {
                            "type": "export_control",
                            "exporter": "CHN",
                            "products": ["rare-earth-magnets"],
                            "destinations": ["USA"],
                            "mode": "ban",
                        }
                    ],
                },
                {
                    "name": "licensing",
                    "levers": [
                        {
                            "type": "export_control",
                            "exporter": "CHN",
                            "products": ["rare-earth-magnets"],
                            "destinations": ["USA"],
                            "mode": "cap",
                            "cap_share": 0.5,
                        }
                    ],
                },
                {"name": "loosen", "levers": []},
            ],
        },
    ],
}
SOLUTIONS = ("nash", "kalai_smorodinsky", "equal_gains", "rubinstein_USA_first", "rubinstein_CHN_first")


@pytest.fixture(scope="module")
def base():
    return tt.load_baseline("default")


@pytest.fixture(scope="module")
def space():
    return parse_deal_space(MINI, "test")


@pytest.fixture(scope="module")
def drawn(base, space):
    return solve_deal_space(base, space, draws=3, seed=5)


def test_draws_are_reproducible_and_do_not_depend_on_workers_or_their_number(base, space, drawn):
    u = drawn.uncertainty
    assert u is not None and u.draws == 3 and u.seed == 5
    two = solve_deal_space(base, space, draws=3, seed=5, options=DealOptions(workers=2)).uncertainty
    assert np.array_equal(two.payoffs, u.payoffs) and np.array_equal(two.flags, u.flags)
    # draw k is the same whatever the number of draws
    first = solve_deal_space(base, space, draws=2, seed=5).uncertainty
    assert np.array_equal(first.payoffs, u.payoffs[:2]) and np.array_equal(first.flags, u.flags[:2])
    other = solve_deal_space(base, space, draws=1, seed=6).uncertainty
    assert np.abs(other.payoffs[0] - u.payoffs[0]).max() > 1e-6
    # the draws move the payoffs: the elasticities differ from the central ones
    assert np.abs(u.payoffs - drawn.payoffs[None]).max() > 1e-5


def test_each_draw_solves_every_package_as_the_one_by_one_path(base, space, drawn):
    """Draw 1 rebuilt by hand: the drawn world, the drawn levers, a cold plain solve per package,
    the payoffs as ``Government.value`` of the ``Result``."""
    u = drawn.uncertainty
    prepared = space.base.prepare(base)
    draw = parameter_draw(prepared, 1, 5)
    world = drawn_baseline(prepared, draw)
    for k, package in enumerate(space.packages()):
        shocks = compile_levers(world, drawn_levers(space.levers(package), draw))
        result = Result("p", solve_equilibrium(world, shocks), world, "fixed")
        expected = [Government(p).value(result) for p in ("USA", "CHN")]
        np.testing.assert_allclose(u.payoffs[1, k], expected, rtol=1e-8, atol=1e-10)
    # the central table is the one-by-one path too, and so are its onlookers' outcomes
    package = space.packages()[7]
    shocks = compile_levers(prepared, space.levers(package))
    result = Result("p", solve_equilibrium(prepared, shocks), prepared, "fixed")
    row = drawn.table.loc[7]
    np.testing.assert_allclose(row["payoff_USA"], Government("USA").value(result), rtol=1e-8, atol=1e-10)
    jpn = prepared.region_index("JPN")
    np.testing.assert_allclose(row["welfare_JPN"], 100 * (result.welfare_hat[jpn] - 1), atol=1e-8)


def test_solution_probabilities_sum_to_the_chance_of_a_zone_of_agreement(drawn):
    u = drawn.uncertainty
    probs = u.probabilities()
    assert ((probs >= 0) & (probs <= 1)).all().all()
    labels = u.flag_labels
    # each draw credits each solution to one package at most (the representative of its outcome)
    for name in (*SOLUTIONS, "concession"):
        assert (u.flags[:, :, labels.index(name)].sum(axis=1) <= 1).all()
    # the Nash, Kalai-Smorodinsky and equal-gains packages exist exactly when the zone of
    # agreement does (eq. 9.7); alternating offers agree whenever a package is feasible, the
    # disagreement package included, so theirs sum to the share of draws with an outcome
    for name in SOLUTIONS[:3]:
        assert probs[f"prob_{name}"].sum() == pytest.approx(u.prob_zopa_exists, abs=1e-12)
    # a solution of a draw is in that draw's zone of agreement and on its frontier
    for name in SOLUTIONS[:3]:
        picked = u.flags[:, :, labels.index(name)]
        assert (u.flags[:, :, labels.index("zopa")][picked]).all()
        assert (u.flags[:, :, labels.index("frontier")][picked]).all()
    robust, prob = u.most_robust()
    assert prob == probs["prob_nash"].max() and probs.loc[robust, "prob_nash"] == prob


def test_draws_of_the_central_case_give_the_central_flags(base, space, drawn):
    """No parameter varied: every draw is the central case, so each probability is 0 or 1 and
    equals the central table's flag, and every payoff interval collapses on the central payoff."""
    fixed = solve_deal_space(base, space, draws=2, seed=5, priors=Priors(vary=())).uncertainty
    table = drawn.table
    probs = fixed.probabilities()
    for name, column in [(s, s) for s in SOLUTIONS[:3]] + [
        ("rubinstein_USA_first", "rubinstein"),
        ("rubinstein_CHN_first", "rubinstein_CHN_first"),
        ("zopa", "zopa"),
        ("frontier", "frontier"),
        ("ratified", "ratified"),
    ]:
        assert set(probs[f"prob_{name}"].unique()) <= {0.0, 1.0}
        assert (probs[f"prob_{name}"].to_numpy() == table[column].to_numpy(dtype=float)).all(), name
    assert fixed.prob_zopa_exists == float(table["zopa"].any())
    iv = fixed.payoff_intervals()
    for stat in ("median", "p5", "p95"):
        np.testing.assert_allclose(iv[f"payoff_USA_pct_{stat}"], iv["payoff_USA_pct_central"], atol=1e-9)
    assert fixed.most_robust()[0] == drawn.solutions()["nash"]


def test_results_say_what_they_are(drawn):
    doc = json.loads(json.dumps(drawn.to_dict(), allow_nan=False))
    unc = doc["uncertainty"]
    assert unc["draws"] == 3 and unc["seed"] == 5 and 0.0 <= unc["prob_zopa_exists"] <= 1.0
    assert set(unc["priors"]["vary"]) == set(Priors().vary)
    row = unc["packages"][0]
    assert {"prob_nash", "prob_rubinstein_CHN_first", "gain_USA_pct_p5", "payoff_CHN_pct_median"} <= set(row)
    assert doc["provenance"]["options"]["draws"]["seed"] == 5
    text = drawn.report().to_text()
    assert "under 3 parameter draws (seed 5; parameters varied: trade_elasticity" in text
    summary = drawn.summary()
    assert "most_robust" in summary.index and "prob_nash" in summary.columns
    frames = drawn.frames()
    assert {"draw_packages", "draw_solutions", "draw_parameters"} <= set(frames)
    assert len(frames["draw_parameters"]) == 3 and "theta_C26" in frames["draw_parameters"].columns


def test_bad_draws_are_refused_with_the_field_named(base, space, capsys):
    with pytest.raises(OptionsError, match="draws must be a whole number >= 1"):
        solve_deal_space(base, space, draws=0)
    with pytest.raises(OptionsError, match="seed must be"):
        tt.deals(space, draws=2, seed=-1)
    with pytest.raises(OptionsError, match="draws must be"):
        tt.war("USA,CHN", draws=-3)
    for command in ("deals", "war", "talks"):
        with pytest.raises(SystemExit) as refused:  # the parser refuses it before anything runs
            main([command, "--draws", "0"])
        assert refused.value.code == 2
        assert "argument --draws: '0': allowed: a whole number >= 1" in capsys.readouterr().err
    assert main(["deals", "--vary", "trade_elasticity"]) == 2
    assert "--vary applies to draws" in capsys.readouterr().err


#: Tight war tolerances, so that two solves of one war from different starts agree closely (with the
#: defaults they agree within ``tol = 1e-4`` ad valorem, 0.01 points).
TIGHT = WarOptions(tol=1e-7, optimizer=OptimizerOptions(gtol=1e-6))


def test_each_draw_of_a_war_is_the_war_on_that_draws_world(base):
    kw = {"bilateral": True, "instrument": "uniform", "options": TIGHT}
    war = tt.war("USA,CHN", draws=2, seed=3, **kw)
    u = war.uncertainty
    assert u is not None and u.draws == 2
    np.testing.assert_allclose(u.central["tariff_pct"].to_numpy(), 100 * war.tariffs.to_numpy().ravel())
    world = StrategyWorld(base, "fixed", "long")
    for k in range(2):
        # tt.war from the current tariffs on draw k's world (the draws start from the central war)
        alone = tt.war("USA,CHN", baseline=world.at(parameter_draw(base, k, 3)), **kw)
        np.testing.assert_allclose(
            u.samples["tariff_pct"].iloc[k], 100 * alone.tariffs.to_numpy().ravel(), atol=1e-4
        )
        welfare = alone.result.regions_frame()["welfare_pct"].to_numpy()
        np.testing.assert_allclose(u.samples["welfare_pct"].iloc[k], welfare, atol=1e-6)
        assert np.abs(u.samples["tariff_pct"].iloc[k] - u.central["tariff_pct"]).max() > 0.1
    two = tt.war("USA,CHN", draws=2, seed=3, workers=2, **kw).uncertainty
    assert two.samples["tariff_pct"].equals(u.samples["tariff_pct"])
    iv = u.interval("welfare_pct")
    assert (iv["p5"] <= iv["median"]).all() and (iv["median"] <= iv["p95"]).all()
    assert "welfare_pct_p95" in war.summary().columns
    doc = json.loads(json.dumps(war.to_dict(), allow_nan=False))
    assert doc["uncertainty"]["draws"] == 2 and doc["provenance"]["options"]["draws"]["seed"] == 3


def test_each_draw_of_talks_bargains_from_that_draws_war(base):
    kw = {"instrument": "uniform", "war_options": TIGHT}
    talks = tt.talks("USA,CHN", draws=1, seed=3, **kw)
    u = talks.uncertainty
    world = StrategyWorld(base, "fixed", "long")
    alone = tt.talks("USA,CHN", baseline=world.at(parameter_draw(base, 0, 3)), **kw)
    np.testing.assert_allclose(u.samples["gain_pct"].iloc[0], 100 * np.expm1(alone.gain_values), rtol=1e-4)
    np.testing.assert_allclose(u.central["gain_pct"], 100 * np.expm1(talks.gain_values))
    assert {"tariff_intervals", "gain_intervals", "welfare_intervals"} <= set(talks.frames())
    assert "1 parameter draws (seed 3" in talks.report().to_text()


def test_the_builtin_space_under_one_draw(base):
    """busan-2025 in full under one draw, on two workers: every package solved, flags consistent."""
    space = load_deal_space("busan-2025")
    table = solve_deal_space(base, space, draws=1, seed=0, options=DealOptions(workers=2))
    u = table.uncertainty
    assert u.flags.shape == (1, 324, 9)
    assert u.prob_zopa_exists == 1.0 and u.most_robust()[0] is not None
    assert u.iterations.mean() < 25  # preconditioned: the plain solver takes about 40


def _same_shocks(a, b) -> bool:
    arrays = ("tariffs", "export_taxes", "iceberg_hat", "deficits")
    for name in arrays:
        x, y = getattr(a, name), getattr(b, name)
        if (x is None) != (y is None) or (x is not None and not np.array_equal(x, y)):
            return False
    cons = len(a.constraints) == len(b.constraints) and all(
        (c.kind, c.target, c.label, c.instrument) == (d.kind, d.target, d.label, d.instrument)
        and np.array_equal(c.cells, d.cells)
        for c, d in zip(a.constraints, b.constraints, strict=True)
    )
    nests = len(a.critical_inputs) == len(b.critical_inputs) and all(
        (c.input_sector, c.sigma) == (d.input_sector, d.sigma) and np.array_equal(c.users, d.users)
        for c, d in zip(a.critical_inputs, b.critical_inputs, strict=True)
    )
    return cons and nests


def test_packages_compiled_along_shared_prefixes_are_the_levers_compiled_alone(base, space):
    """The shared-prefix compilation of a draw's packages gives, package by package, the shocks of
    ``compile_levers`` on the package's drawn levers (in the product order and in any other)."""
    prepared = space.base.prepare(base)
    draw = parameter_draw(prepared, 2, 5)
    world = drawn_baseline(prepared, draw)
    packages = space.packages()
    for order in (packages, packages[::-1][3:]):
        compiled = compile_packages(world, space, order, "fixed", draw)
        assert len(compiled) == len(order)
        for package, shocks in zip(order, compiled, strict=True):
            alone = compile_levers(world, drawn_levers(space.levers(package), draw))
            assert _same_shocks(shocks, alone), package
    assert any(s.constraints for s in compiled) and all(s.critical_inputs for s in compiled)
    assert compiled[0].critical_inputs[0].sigma == pytest.approx(draw.critical_input_sigma)
