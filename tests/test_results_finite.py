"""The checks a result runs at construction: nothing non-finite, nothing negative that cannot be."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest

import tradetalks as tt
from tests.conftest import make_world
from tradetalks.errors import ConvergenceError, ResultCheckError
from tradetalks.model import Shocks
from tradetalks.results.checks import NOISE, check_equilibrium


@pytest.fixture(scope="module")
def solved() -> tt.Result:
    world = make_world(n=4, j=3, seed=12)
    tar = np.array(world.tariffs)
    tar[0, 1, :] += 0.5
    return tt.solve(world, Shocks(tariffs=tar))


def _with(eq, **arrays):
    return dataclasses.replace(eq, **{k: np.asarray(v) for k, v in arrays.items()})


def test_a_solved_result_passes_unchanged(solved):
    eq = solved.equilibrium
    assert check_equilibrium(eq) is eq


def test_a_nan_flow_is_refused_naming_the_output_and_the_flow(solved):
    eq = solved.equilibrium
    flows = np.array(eq.flows)
    flows[2, 1, 0] = np.nan
    with pytest.raises(ResultCheckError) as info:
        tt.Result("x", _with(eq, flows=flows), solved.source, "fixed")
    err = info.value
    assert isinstance(err, ConvergenceError)
    assert err.output == "flows" and err.rows == ("importer=R2, exporter=R1, sector=S0 = nan",)
    assert "result output 'flows' is not finite at 1 entries" in str(err)
    again = pickle.loads(pickle.dumps(err))
    assert again.output == "flows" and str(again) == str(err)


def test_an_infinite_price_and_a_negative_wage_are_refused(solved):
    eq = solved.equilibrium
    P = np.array(eq.P_hat)
    P[3, 2] = np.inf
    with pytest.raises(ResultCheckError, match=r"'P_hat' is not finite .*region=R3, sector=S2 = inf"):
        tt.Result("x", _with(eq, P_hat=P), solved.source, "fixed")
    w = np.array(eq.w_hat)
    w[1] = -0.2
    with pytest.raises(ResultCheckError, match=r"'w_hat' is negative at 1 entries: region=R1 = -0.2"):
        tt.Result("x", _with(eq, w_hat=w), solved.source, "fixed")


def test_rounding_noise_below_zero_is_set_to_zero_and_more_is_refused(solved):
    eq = solved.equilibrium
    flows = np.array(eq.flows)
    scale = float(np.abs(flows).max())
    flows[0, 1, 2] = -0.5 * NOISE * scale
    res = tt.Result("x", _with(eq, flows=flows), solved.source, "fixed")
    assert res.equilibrium.flows[0, 1, 2] == 0.0 and not res.equilibrium.flows.flags.writeable
    np.testing.assert_array_equal(np.delete(res.equilibrium.flows.ravel(), 0 * 12 + 1 * 3 + 2),
                                  np.delete(eq.flows.ravel(), 0 * 12 + 1 * 3 + 2))  # fmt: skip
    flows[0, 1, 2] = -1e-6 * scale
    with pytest.raises(ResultCheckError, match="'flows' is negative"):
        tt.Result("x", _with(eq, flows=flows), solved.source, "fixed")


def test_outputs_that_may_be_negative_only_need_to_be_finite(solved):
    eq = solved.equilibrium
    revenue = -np.abs(np.array(eq.tariff_revenue))  # import subsidies: negative revenue is fine
    res = tt.Result("x", _with(eq, tariff_revenue=revenue), solved.source, "fixed")
    assert np.all(res.equilibrium.tariff_revenue < 0)
    revenue[0] = np.nan
    with pytest.raises(ResultCheckError, match="'tariff_revenue' is not finite"):
        tt.Result("x", _with(eq, tariff_revenue=revenue), solved.source, "fixed")


def test_a_non_finite_welfare_is_refused(solved):
    eq = solved.equilibrium
    income = np.array(eq.income)
    income[0] = 1e308
    P = np.array(eq.P_hat)
    P[0] = 1e-308
    with (
        np.errstate(over="ignore"),
        pytest.raises(ResultCheckError, match=r"'welfare_hat' is not finite .*region=R0"),
    ):
        tt.Result("x", _with(eq, income=income, P_hat=P), solved.source, "fixed")
