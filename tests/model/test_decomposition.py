"""The Caliendo-Parro (2015) welfare decomposition against theory (no data needed)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import make_world
from tradetalks import Shocks, SolverOptions, solve
from tradetalks.model.decomposition import decompose, welfare_decomposition
from tradetalks.model.solver import balanced_baseline


@pytest.fixture(scope="module")
def balanced():
    return balanced_baseline(make_world(n=5, j=4, seed=11))


def _tariff_cut(base, factor: float) -> Shocks:
    t = np.array(base.tariffs)
    t[0, 1, :] *= factor
    t[1, 0, :] *= factor
    return Shocks(tariffs=t)


def test_zero_shock_gives_zero(balanced):
    for change in ("proportional", "log"):
        dec = welfare_decomposition(balanced, np.ones((5, 4)), balanced.flows, change=change)
        assert np.all(dec.terms_of_trade_detail == 0.0) and np.all(dec.volume_of_trade_detail == 0.0)


def test_terms_of_trade_net_out_over_the_world(balanced):
    """Every flow is one country's export and another's import: sum_n I_n ToT_n = 0."""
    res = solve(balanced, _tariff_cut(balanced, 0.2))
    dec = decompose(res.equilibrium)
    world = float((balanced.income * dec.terms_of_trade).sum())
    assert abs(world) < 1e-12 * float(balanced.income.sum())
    np.testing.assert_allclose(np.diagonal(dec.terms_of_trade_by_partner), 0.0, atol=1e-18)


def test_log_version_is_numeraire_free_with_balanced_trade(balanced):
    res = solve(balanced, _tariff_cut(balanced, 0.5))
    eq = res.equilibrium
    a = welfare_decomposition(balanced, eq.c_hat, eq.flows, change="log")
    b = welfare_decomposition(
        balanced, 1.37 * np.asarray(eq.c_hat), 1.37 * np.asarray(eq.flows), change="log"
    )
    np.testing.assert_allclose(a.total, b.total, atol=1e-14)


def test_first_order_accuracy_for_small_tariff_changes(balanced):
    """With balanced trade the decomposition is the differential of ln(I/P): the gap to the
    exact change shrinks with the square of the shock."""
    gaps = []
    for step in (1e-2, 5e-3):
        res = solve(balanced, _tariff_cut(balanced, 1.0 - step), SolverOptions(tol=1e-13))
        exact = np.log(res.welfare_hat)
        dec = decompose(res.equilibrium, change="log")
        assert np.max(np.abs(dec.total)) > 0
        gaps.append(np.max(np.abs(dec.total - exact)))
        assert gaps[-1] < 0.05 * np.max(np.abs(exact))
    assert gaps[1] < 0.35 * gaps[0]


def test_breakdowns_add_up(balanced):
    dec = decompose(solve(balanced, _tariff_cut(balanced, 0.0)).equilibrium)
    np.testing.assert_allclose(dec.terms_of_trade_by_sector.sum(axis=1), dec.terms_of_trade)
    np.testing.assert_allclose(dec.volume_of_trade_by_partner.sum(axis=1), dec.volume_of_trade)
    np.testing.assert_allclose(dec.frame()["welfare_first_order_pct"], 100 * dec.total)
    assert dec.sector_frame().shape == (20, 2)


def test_bad_inputs_name_the_field(balanced):
    with pytest.raises(ValueError, match="c_hat"):
        welfare_decomposition(balanced, np.ones((5, 3)), balanced.flows)
    with pytest.raises(ValueError, match="flows"):
        welfare_decomposition(balanced, np.ones((5, 4)), -np.asarray(balanced.flows))
    with pytest.raises(ValueError, match="change"):
        welfare_decomposition(balanced, np.ones((5, 4)), balanced.flows, change="levels")
