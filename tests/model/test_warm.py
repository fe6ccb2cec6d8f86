"""Warm-started, preconditioned solves (eq. 9.8) find the equilibrium the plain solver finds."""

from __future__ import annotations

import numpy as np
import pytest

import tradetalks as tt
from tradetalks.levers import TariffChange, compile_levers
from tradetalks.model import SolverOptions, measure_preconditioner, solve_equilibrium, solve_warm
from tradetalks.model.warm import PRECONDITIONED, WARM


@pytest.fixture(scope="module")
def base():
    return tt.load_baseline("default")


def _tariff(base, us_pp: float, cn_pp: float):
    return compile_levers(
        base,
        [
            TariffChange("USA", ("CHN",), "goods", add_pp=us_pp),
            TariffChange("CHN", ("USA",), "goods", add_pp=cn_pp),
        ],
    )


@pytest.fixture(scope="module")
def preconditioner(base):
    shocks = _tariff(base, 100.0, 100.0)
    state = np.asarray(solve_equilibrium(base, shocks).state)
    return measure_preconditioner(base, shocks, state)


def test_a_preconditioned_solve_is_the_plain_solution_in_fewer_passes(base, preconditioner):
    # measured at +100/+100, used at -10/+30 on a world with other elasticities
    theta = np.asarray(base.theta) * np.linspace(0.7, 1.3, base.n_sectors)
    other = base.replace(theta=theta)
    shocks = _tariff(other, -10.0, 30.0)
    plain = solve_equilibrium(other, shocks)
    fast = solve_warm(other, shocks, SolverOptions(), None, preconditioner)
    assert fast.method == PRECONDITIONED
    assert fast.iterations < plain.info.iterations / 2
    np.testing.assert_allclose(fast.state, np.asarray(plain.state), atol=1e-9)
    # the residual test is the solver's own: the solution solves again in one pass
    again = solve_equilibrium(other, shocks, start=fast.state)
    assert again.info.iterations == 1
    np.testing.assert_allclose(fast.evaluation.income, np.asarray(plain.income), rtol=1e-9)
    np.testing.assert_allclose(fast.flows, np.asarray(plain.flows), rtol=1e-8, atol=1e-12)


def test_zero_shock_gives_no_change_and_a_start_of_the_wrong_size_is_ignored(base, preconditioner):
    empty = compile_levers(base, [])
    out = solve_warm(base, empty, SolverOptions(), np.zeros(3), preconditioner)
    np.testing.assert_allclose(out.evaluation.income, base.income, rtol=1e-10)
    np.testing.assert_allclose(out.flows, base.flows, rtol=1e-9, atol=1e-12)


def test_large_states_are_not_measured_and_solve_warm_only(base):
    shocks = _tariff(base, 10.0, 0.0)
    state = np.asarray(solve_equilibrium(base, shocks).state)
    assert measure_preconditioner(base, shocks, state, max_size=10) is None
    out = solve_warm(base, shocks, SolverOptions(), state, None)
    assert out.method == WARM and out.iterations == 1
