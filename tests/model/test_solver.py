"""The equilibrium solver against theory: zero shock, closed-form autarky (ACR, CRC), limits."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import make_world
from tradetalks import ConvergenceError, ShockError, Shocks, SolverOptions, solve
from tradetalks.model.solver import balanced_baseline


def autarky_shocks(base, n: int) -> Shocks:
    ice = np.ones_like(base.flows)
    ice[n, :, :] = np.inf
    ice[:, n, :] = np.inf
    ice[n, n, :] = 1.0
    return Shocks(iceberg_hat=ice)


def test_zero_shock_every_hat_is_one(world):
    res = solve(world)
    eq = res.equilibrium
    for hat in (eq.w_hat, eq.P_hat, eq.c_hat, res.welfare_hat, res.real_wage_hat):
        np.testing.assert_allclose(hat, 1.0, atol=1e-10)
    np.testing.assert_allclose(eq.flows, world.flows, rtol=1e-10)
    np.testing.assert_allclose(eq.tariff_revenue, world.tariff_revenue, rtol=1e-10)


def test_zero_shock_balanced_closure_is_identity_on_the_balanced_world(world):
    res = solve(world, options=SolverOptions(closure="balanced"))
    np.testing.assert_allclose(res.welfare_hat, 1.0, atol=1e-10)
    assert np.max(np.abs(res.baseline.deficit)) < 1e-9 * world.value_added.sum()
    res.baseline.check()


def test_acr_one_sector_no_io_autarky():
    """Arkolakis, Costinot and Rodriguez-Clare (2012): W_hat = pi_nn^(1/theta)."""
    base = balanced_baseline(make_world(n=6, j=1, io=False, tariffs=False, seed=3))
    theta = base.theta[0]
    for n in range(base.n_regions):
        res = solve(base, autarky_shocks(base, n))
        expected = base.shares[n, n, 0] ** (1.0 / theta)
        assert res.welfare_hat[n] == pytest.approx(expected, rel=1e-9)


def test_crc_many_sectors_with_io_autarky():
    """Costinot and Rodriguez-Clare (2014), eq. with input-output links:
    ln W_hat = alpha' (I - M)^-1 (ln pi_nn / theta), M[j, k] = io_share[n, k, j]."""
    base = balanced_baseline(make_world(n=5, j=4, io=True, tariffs=False, seed=7))
    for n in range(base.n_regions):
        res = solve(base, autarky_shocks(base, n))
        M = base.io_share[n].T
        rhs = np.log(base.shares[n, n, :]) / base.theta
        expected = np.exp(base.alpha[n] @ np.linalg.solve(np.eye(base.n_sectors) - M, rhs))
        assert res.welfare_hat[n] == pytest.approx(expected, rel=1e-9)


def test_prohibitive_tariff_equals_closed_route():
    base = balanced_baseline(make_world(seed=11))
    tar = np.array(base.tariffs)
    tar[0, 1, :] = 1e12
    ice = np.ones_like(base.flows)
    ice[0, 1, :] = np.inf
    a = solve(base, Shocks(tariffs=tar))
    b = solve(base, Shocks(iceberg_hat=ice))
    np.testing.assert_allclose(a.welfare_hat, b.welfare_hat, rtol=1e-8)


def test_lerner_symmetry_import_tariff_equals_export_tax():
    """Lerner (1936) symmetry with balanced trade: a uniform import tariff of one economy and an
    export tax at the same rate have the same real effects on everyone; only nominal prices move."""
    base = balanced_baseline(make_world(n=4, j=3, io=True, tariffs=False, seed=5))
    n = 0
    t = np.zeros_like(base.flows)
    t[n, :, :] = 0.25
    t[n, n, :] = 0.0
    x = np.zeros_like(base.flows)
    x[:, n, :] = 0.25
    x[n, n, :] = 0.0
    imp = solve(base, Shocks(tariffs=t))
    exp = solve(base, Shocks(export_taxes=x))
    assert not np.allclose(imp.welfare_hat, 1.0, atol=1e-4)
    np.testing.assert_allclose(imp.welfare_hat, exp.welfare_hat, rtol=1e-9)
    np.testing.assert_allclose(imp.equilibrium.shares, exp.equilibrium.shares, atol=1e-10)
    w_ratio = imp.equilibrium.w_hat[n] / exp.equilibrium.w_hat[n]
    others = imp.equilibrium.w_hat[1:] / exp.equilibrium.w_hat[1:]
    assert w_ratio != pytest.approx(others[0], rel=1e-3)
    np.testing.assert_allclose(others, others[0], rtol=1e-9)


def test_tariff_cuts_imports_and_accounting_holds(world):
    tar = np.array(world.tariffs)
    tar[0, 1, :] += 1.0
    res = solve(world, Shocks(tariffs=tar))
    assert res.equilibrium.flows[0, 1, :].sum() < world.flows[0, 1, :].sum()
    eq = res.equilibrium
    np.testing.assert_allclose(eq.tariff_revenue, (eq.flows * tar).sum(axis=(1, 2)), rtol=1e-10)
    np.testing.assert_allclose(eq.output, eq.flows.sum(axis=0), rtol=1e-10)
    # labour market clears and world value added is the numeraire
    np.testing.assert_allclose(
        eq.w_hat * world.value_added, (world.va_share * eq.output).sum(axis=1), rtol=1e-9
    )
    assert float(eq.w_hat @ world.value_added) == pytest.approx(world.value_added.sum(), rel=1e-12)


def test_non_convergence_raises():
    base = make_world(seed=2)
    tar = np.array(base.tariffs)
    tar[0, 1, :] += 2.0
    with pytest.raises(ConvergenceError) as exc:
        solve(base, Shocks(tariffs=tar), SolverOptions(max_iter=3))
    assert exc.value.iterations == 3
    assert exc.value.residual > 0


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("tariffs", lambda b: np.full(b.flows.shape, -1.5), "tariffs"),
        ("tariffs", lambda b: np.full((2, 2, 2), 0.1), "shape"),
        ("tariffs", lambda b: np.where(np.eye(b.n_regions)[:, :, None] > 0, 0, np.nan) + 0 * b.flows, "NaN"),
        ("export_taxes", lambda b: -np.ones(b.flows.shape), "export_taxes"),
        ("iceberg_hat", lambda b: np.zeros(b.flows.shape), "iceberg_hat"),
        ("deficits", lambda b: np.ones(b.n_regions), "sum to zero"),
    ],
)
def test_bad_shocks_name_the_field(world, field, value, match):
    with pytest.raises(ShockError, match=match):
        solve(world, Shocks(**{field: value(world)}))


def test_options_are_validated():
    with pytest.raises(ValueError, match="closure"):
        SolverOptions(closure="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="method"):
        SolverOptions(method="magic")  # type: ignore[arg-type]


def test_damped_and_anderson_agree(world):
    tar = np.array(world.tariffs)
    tar[1, 2, :] += 0.5
    a = solve(world, Shocks(tariffs=tar))
    b = solve(world, Shocks(tariffs=tar), SolverOptions(method="damped"))
    np.testing.assert_allclose(a.welfare_hat, b.welfare_hat, rtol=1e-9)
    assert a.solver.iterations < b.solver.iterations
