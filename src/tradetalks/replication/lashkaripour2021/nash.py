"""The global tariff war of Lashkaripour (2021): Nash uniform tariffs as one system of equations.

Every country sets one import tariff ``t_i`` on all its imports, every sector (services
included) and every partner, to maximise its welfare given the others' tariffs. The Nash
tariffs solve, jointly with the equilibrium conditions (eqs. 3-5 of :mod:`.model`), one
first-order condition per country (numbers as in ``docs/lashkaripour2021.md``):

(7) ``foc="tariffwar"`` (default): the paper's optimal-tariff formula (his eq. 14, Proposition
    2) as his public code ``tariffwar`` implements it,
    ``t_i = 1 / max(1, sum_k eps_k sum_{n != i} chi'[n,i,k] (1 - lam'[n,i,k]))``, where
    ``chi'[n,i,k]`` is the share of destination ``n`` and sector ``k`` in ``i``'s exports net
    of tariffs and ``lam'`` the new spending shares: the inverse of the elasticity of the
    foreign demand for ``i``'s labour. The code omits the paper's ``delta`` term (below) and
    caps the tariff at 100 % (the floor 1 on the denominator, for near-autarkic countries).
    This is the system behind the published -2.41 %. With ``cap=False`` the same formula
    without the cap: the one behind the paper's own Table 2 (Ireland's Nash tariff 117.7 %).
(8) ``foc="paper"``: the formula as printed (Proposition 2), with
    ``(1 - (1 - delta'[n,k]) lam'[n,i,k])`` in place of ``(1 - lam')`` and
    ``delta'[n,k] = t_n lam'[n,n,k] e[n,k] / (1 + t_n sum_g lam'[n,n,g] e[n,g])``, the effect of
    ``i``'s tariff on ``n``'s tariff revenue; no cap.
(9) ``foc="exact"``: the exact first-order condition ``d ln W_i / d t_i = 0`` with every
    general-equilibrium effect, by implicit differentiation of eqs. (3)-(5):
    ``d ln W_i/d t_i = d_t ln W_i - (d_x ln W_i) F_x^{-1} F_{t_i}``. Formulas (7) and (8) are
    derived under the paper's approximation that each foreign market is a negligible share
    of a country's income (``r_ni / r_ii ~ 0``); (9) is the Nash equilibrium of the game
    itself, the one iterated best responses find (:func:`.checks.peer_best_response_nash`).

The unknowns are ``z = (ln w_hat, ln E_hat, t)``, ``3N`` of them; the system is solved by
Newton's method with an exact Jacobian: analytic for the equilibrium rows and for (7); for the
rows of (8) and (9), the complex step (``J e_k = Im F(z + i h e_k) / h``, ``h = 1e-30``,
exact to rounding, since every kernel is complex-analytic). The solver raises
:class:`~tradetalks.errors.ConvergenceError` rather than return an unconverged answer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from tradetalks.errors import ConvergenceError, OptionsError, ShockError
from tradetalks.replication.lashkaripour2021.data import available_years, read_peer_cube
from tradetalks.replication.lashkaripour2021.model import (
    Evaluation,
    PeerEquilibrium,
    PeerSolverInfo,
    PeerWorld,
    evaluate,
    jacobian_x,
    peer_world,
    welfare_x,
)
from tradetalks.replication.lashkaripour2021.result import NashSolverInfo, PeerNashWar
from tradetalks.replication.lashkaripour2021.solver import newton

FloatArray = NDArray[np.float64]
Array = NDArray[Any]
log = logging.getLogger(__name__)

#: First-order conditions available (see the module docstring).
FOCS: tuple[str, ...] = ("tariffwar", "paper", "exact")
#: Largest absolute residual accepted (scaled equilibrium residuals; tariff units for (7), (8)).
TOL = 1e-11
#: Step of the complex-step derivative.
COMPLEX_STEP = 1e-30
#: The cap of ``tariffwar``'s formula: the denominator is floored at one (tariff <= 100 %).
FLOOR = 1.0


def uniform_tariffs(world: PeerWorld, rates: Array) -> Array:
    """The tariff cube of uniform rates: ``t'[n, i, k] = rates[n]`` for ``i != n``, zero at home."""
    n, s = world.shape
    off = 1.0 - np.eye(n)
    out: Array = (rates[:, None] * off)[:, :, None] * np.ones(s)
    return out


def jacobian_t(world: PeerWorld, ev: Evaluation, rates: Array) -> Array:
    """Analytic derivative of the scaled residuals (3)-(5) in the uniform rates, ``2N x N``.

    A rate ``t_m`` moves only row ``m`` of the cube: ``d ln lam'[m,i,k]/d t_m =
    eps_k ([i = m] - lam'[m,m,k]) / (1 + t_m)`` and ``d ln Z[m,i,k]/d t_m`` adds
    ``-[i != m] / (1 + t_m)``.
    """
    n, _ = world.shape
    eye = np.eye(n)
    tau = 1.0 + rates
    lam, z = ev.shares, ev.sales
    home = lam[np.arange(n), np.arange(n), :]  # [m, k]
    dlam = world.epsilon * (eye[:, :, None] - home[:, None, :]) / tau[:, None, None]
    dz = dlam - (1.0 - eye)[:, :, None] / tau[:, None, None]
    j1 = (z * dz).sum(axis=2).T  # [i, m]
    j2 = np.diag(-(ev.tariffs * z * dz).sum(axis=(1, 2)) - (z * (1.0 - eye)[:, :, None]).sum(axis=(1, 2)))
    top = j1 / world.wage_bill[:, None]
    top[-1] = 0.0
    out: Array = np.concatenate([top, j2 / world.spending[:, None]], axis=0)
    return out


def _export_terms(world: PeerWorld, ev: Evaluation, delta: Array | None) -> tuple[Array, Array]:
    """``num_i = sum_{n != i, k} eps_k Z[n,i,k] (1 - (1 - delta[n,k]) lam'[n,i,k])`` and ``den_i``."""
    n, _ = world.shape
    zo = ev.sales * (1.0 - np.eye(n))[:, :, None]
    keep = ev.shares if delta is None else (1.0 - delta)[:, None, :] * ev.shares
    num = (world.epsilon * zo * (1.0 - keep)).sum(axis=(0, 2))
    den = zo.sum(axis=(0, 2))
    return num, den


def _delta(world: PeerWorld, ev: Evaluation, rates: Array) -> Array:
    """The paper's ``delta'[n,k] = t_n lam'[n,n,k] e[n,k] / (1 + t_n sum_g lam'[n,n,g] e[n,g])`` (eq. 8)."""
    n, _ = world.shape
    home = ev.shares[np.arange(n), np.arange(n), :] * world.sector_shares  # lam'[n,n,k] e[n,k]
    out: Array = rates[:, None] * home / (1.0 + rates * home.sum(axis=1))[:, None]
    return out


def _exact_foc(world: PeerWorld, ev: Evaluation, rates: Array) -> Array:
    """``d ln W_i / d t_i`` in general equilibrium (implicit differentiation of eqs. 3-5)."""
    n, _ = world.shape
    fx = jacobian_x(world, ev)
    ft = jacobian_t(world, ev, rates)
    dx = np.linalg.solve(fx, ft)  # -dx/dt
    wx = welfare_x(world, ev)
    home = ev.shares[np.arange(n), np.arange(n), :]
    direct = -(world.sector_shares * (1.0 - home)).sum(axis=1) / (1.0 + rates)
    out: Array = direct - np.einsum("nr,rn->n", wx, dx)
    return out


def foc_residual(world: PeerWorld, ev: Evaluation, rates: Array, foc: str, floor: float = FLOOR) -> Array:
    """The first-order conditions (7), (8) or (9) at a point (complex-safe), ``(N,)``.

    Parameters
    ----------
    world : PeerWorld
    ev : Evaluation
        The equilibrium quantities at the point (:func:`.model.evaluate`).
    rates : (N,)
        Uniform tariffs at the point.
    foc : {"tariffwar", "paper", "exact"}
    floor : float
        Floor of the denominator of (7): :data:`FLOOR` (``tariffwar``'s cap) or 0 (no cap).

    Returns
    -------
    (N,) array
        ``t_i - 1 / a_i`` for (7) and (8) (tariff units); ``d ln W_i / d t_i`` for (9).
    """
    if foc == "exact":
        return _exact_foc(world, ev, rates)
    delta = _delta(world, ev, rates) if foc == "paper" else None
    num, den = _export_terms(world, ev, delta)
    a = num / den
    if foc == "tariffwar":
        a = np.where(a.real > floor, a, floor)
    out: Array = rates - 1.0 / a
    return out


def _tariffwar_foc_jacobian(world: PeerWorld, ev: Evaluation, rates: Array, floor: float) -> Array:
    """Analytic derivative of (7) in ``z = (ln w_hat, ln E_hat, t)``, ``N x 3N``."""
    n, _ = world.shape
    eps = world.epsilon
    eye = np.eye(n)
    off = (1.0 - eye)[:, :, None]
    lam, z = ev.shares, ev.sales
    zo = z * off
    num, den = _export_terms(world, ev, None)
    a = num / den
    # ln w_j: d ln lam' = d ln Z = eps_k (lam'[n,j,k] - [i = j])
    ezo = eps * zo
    q = eps**2 * zo * (1.0 - 2.0 * lam)
    dden_w = np.tensordot(ezo, lam, axes=([0, 2], [0, 2])) - np.diag(ezo.sum(axis=(0, 2)))
    dnum_w = np.tensordot(q, lam, axes=([0, 2], [0, 2])) - np.diag(q.sum(axis=(0, 2)))
    # ln E_m: d ln Z[m, ., .] = 1
    dden_e = zo.sum(axis=2).T
    dnum_e = (ezo * (1.0 - lam)).sum(axis=2).T
    # t_m: row m only
    tau = 1.0 + rates
    home = lam[np.arange(n), np.arange(n), :]
    dlam = eps * (eye[:, :, None] - home[:, None, :]) / tau[:, None, None]
    dz = dlam - off / tau[:, None, None]
    dden_t = (zo * dz).sum(axis=2).T
    dnum_t = (eps * zo * ((1.0 - lam) * dz - lam * dlam)).sum(axis=2).T
    dnum = np.concatenate([dnum_w, dnum_e, dnum_t], axis=1)
    dden = np.concatenate([dden_w, dden_e, dden_t], axis=1)
    da = (dnum - a[:, None] * dden) / den[:, None]
    live = (a > floor)[:, None]
    out: Array = np.where(live, da / (a**2)[:, None], 0.0)
    out[:, 2 * n :] += eye
    return out


def _complex_step_rows(world: PeerWorld, z: FloatArray, deficits: FloatArray, foc: str) -> Array:
    """Rows of the FOC by the complex step, ``N x 3N``."""
    n, _ = world.shape
    out = np.empty((n, 3 * n))
    for k in range(3 * n):
        zc = z.astype(np.complex128)
        zc[k] += 1j * COMPLEX_STEP
        rates = zc[2 * n :]
        ev = evaluate(world, zc[: 2 * n], uniform_tariffs(world, rates), deficits)
        out[:, k] = foc_residual(world, ev, rates, foc).imag / COMPLEX_STEP
    return out


def nash_system(
    world: PeerWorld,
    z: FloatArray,
    foc: str = "tariffwar",
    deficits: FloatArray | None = None,
    floor: float = FLOOR,
) -> tuple[FloatArray, Evaluation]:
    """Residuals of the joint system at ``z = (ln w_hat, ln E_hat, t)``: eqs. (3)-(5), then the FOC.

    Parameters
    ----------
    world : PeerWorld
    z : (3N,)
    foc : {"tariffwar", "paper", "exact"}
        Eq. (7), (8) or (9).
    deficits : (N,), optional
        Deficits held; default the base world's.
    floor : float
        Denominator floor of (7) (:func:`foc_residual`).

    Returns
    -------
    (residual (3N,), Evaluation)
    """
    n, _ = world.shape
    d = np.asarray(world.deficits if deficits is None else deficits, dtype=np.float64)
    rates = z[2 * n :]
    ev = evaluate(world, z[: 2 * n], uniform_tariffs(world, rates), d)
    f = np.concatenate([ev.residual, foc_residual(world, ev, rates, foc, floor)]).real
    return f, ev


def nash_jacobian(
    world: PeerWorld,
    z: FloatArray,
    ev: Evaluation,
    foc: str = "tariffwar",
    deficits: FloatArray | None = None,
    floor: float = FLOOR,
) -> FloatArray:
    """Exact Jacobian of :func:`nash_system` in ``z``, ``3N x 3N``.

    The equilibrium rows are analytic (:func:`.model.jacobian_x`, :func:`jacobian_t`), and so
    are the rows of (7) (:func:`_tariffwar_foc_jacobian`, derived in the docs); the rows of
    (8) and (9) are complex-step derivatives, exact to rounding. Arguments as
    :func:`nash_system`, plus ``ev``, the evaluation at ``z`` it returned.
    """
    n, _ = world.shape
    d = np.asarray(world.deficits if deficits is None else deficits, dtype=np.float64)
    rates = z[2 * n :]
    top = np.concatenate([jacobian_x(world, ev), jacobian_t(world, ev, rates)], axis=1)
    if foc == "tariffwar":
        rows = _tariffwar_foc_jacobian(world, ev, rates, floor)
    else:
        rows = _complex_step_rows(world, z, d, foc)
    out: FloatArray = np.concatenate([top, rows], axis=0).real
    return out


def _ro(arr: Array) -> FloatArray:
    out = np.array(arr, dtype=np.float64)
    out.setflags(write=False)
    return out


def _applied_pct(world: PeerWorld) -> FloatArray:
    n, _ = world.shape
    off = (1.0 - np.eye(n))[:, :, None]
    net = world.flows / (1.0 + world.tariffs) * off
    out: FloatArray = 100.0 * (net * world.tariffs).sum(axis=(1, 2)) / net.sum(axis=(1, 2))
    return out


def _one_step_rates(world: PeerWorld, deficits: FloatArray, floor: float) -> FloatArray:
    """Formula (7) at the factual shares: the start of the Newton iterations."""
    n, _ = world.shape
    ev = evaluate(world, np.zeros(2 * n), np.array(world.tariffs), deficits)
    num, den = _export_terms(world, ev, None)
    out: FloatArray = 1.0 / np.maximum(num / den, max(floor, 1e-3))
    return out


def formula_tariffs(eq: PeerEquilibrium, foc: str = "tariffwar", *, cap: bool = True) -> FloatArray:
    """The optimal-tariff formula (7) or (8) evaluated at a solved equilibrium, one rate per country.

    At the Nash equilibrium of that formula the result equals the Nash tariffs; elsewhere it is
    the sufficient-statistics guess of each country's optimal uniform tariff given the
    others' tariffs at ``eq``. In the small-country limit (``lam'[n,i,k] -> 0`` in every
    foreign market) both formulas reduce to the closed form (10),
    ``t_i = 1 / sum_k eps_k chi'_i,k``, with ``chi'_i,k`` the share of sector ``k`` in ``i``'s
    exports: ``1 / eps`` with one sector (Gros 1987).

    Parameters
    ----------
    eq : PeerEquilibrium
        An equilibrium of :func:`.model.solve_peer`; for ``foc="paper"`` its tariffs must be
        uniform (:func:`uniform_tariffs`), as the formula's ``delta`` uses each country's rate.
    foc : {"tariffwar", "paper"}
        Formula (7) or (8).
    cap : bool
        For (7): ``tariffwar``'s 100 % cap (default) or none.

    Returns
    -------
    (N,) array
        Tariffs, fractions.

    Raises
    ------
    OptionsError
        Another ``foc``.
    ShockError
        Non-uniform tariffs with ``foc="paper"``.
    """
    world, ev = eq.world, eq.evaluation
    if foc == "tariffwar":
        num, den = _export_terms(world, ev, None)
        floor = FLOOR if cap else 0.0
        out: FloatArray = (1.0 / np.maximum((num / den).real, floor)).astype(np.float64)
        return out
    if foc != "paper":
        raise OptionsError(f"foc={foc!r}: a closed form exists for tariffwar, paper only")
    n, _ = world.shape
    rates = eq.tariffs[np.arange(n), (np.arange(n) + 1) % n, 0]
    if not np.allclose(uniform_tariffs(world, rates), eq.tariffs, rtol=0.0, atol=1e-12):
        raise ShockError("tariffs: formula (8) needs uniform tariffs (one rate per importer)")
    num, den = _export_terms(world, ev, _delta(world, ev, rates))
    out = (den / num).real.astype(np.float64)
    return out


def peer_nash_war(
    world: PeerWorld,
    *,
    foc: str = "tariffwar",
    cap: bool = True,
    start: PeerNashWar | FloatArray | None = None,
    deficits: FloatArray | None = None,
    tol: float = TOL,
    max_iter: int = 50,
) -> PeerNashWar:
    """The global Nash tariff war with uniform tariffs, solved as one system (Newton, exact Jacobian).

    Stacks the equilibrium conditions (3)-(5) and one first-order condition per country, (7),
    (8) or (9), in ``z = (ln w_hat, ln E_hat, t)`` (``3N`` unknowns) and solves them jointly
    by Newton's method with the exact Jacobian of :func:`nash_jacobian`; welfare is eq. (6).

    Parameters
    ----------
    world : PeerWorld
        The base, e.g. :func:`.model.peer_world` (deficits removed, the paper's baseline).
    foc : {"tariffwar", "paper", "exact"}
        The first-order condition (module docstring, eqs. 7-9).
    cap : bool
        For (7): ``tariffwar``'s 100 % cap on the formula (default) or none (the paper's own
        computation). Ignored by (8) and (9).
    start : PeerNashWar or (N,) array, optional
        Warm start: a war on a world with the same countries (its wages, incomes and tariffs)
        or Nash tariff guesses (fractions). Default: for (7), the formula at the factual
        shares; for (8) and (9), the solution of (7).
    deficits : (N,), optional
        Deficits held in the war, base units, summing to zero; default the base world's (zero
        after removal).
    tol, max_iter :
        Largest absolute residual accepted; Newton steps allowed.

    Returns
    -------
    PeerNashWar

    Raises
    ------
    OptionsError
        Unknown ``foc`` or a ``start`` of the wrong size.
    ShockError
        Deficits of the wrong shape or not summing to zero.
    ConvergenceError
        When Newton's method does not meet ``tol`` (never a quiet unconverged answer), or a
        Nash tariff at or below -100 %.
    """
    if foc not in FOCS:
        raise OptionsError(f"foc={foc!r} unknown; allowed: {', '.join(FOCS)}")
    n, _ = world.shape
    d = np.array(world.deficits if deficits is None else deficits, dtype=np.float64)
    if d.shape != (n,) or not np.all(np.isfinite(d)):
        raise ShockError(f"deficits: shape {d.shape}, expected {(n,)} finite values")
    if abs(d.sum()) > 1e-9 * world.spending.sum():
        raise ShockError(f"deficits: must sum to zero across countries (sum {d.sum():.6g})")
    floor = FLOOR if (cap or foc != "tariffwar") else 0.0
    capped = foc == "tariffwar" and cap
    clock = time.perf_counter()
    if isinstance(start, PeerNashWar):
        if start.state.shape != (3 * n,):
            raise OptionsError(f"start: a war with {start.state.size // 3} countries, expected {n}")
        z0, how = np.array(start.state), f"warm: a {start.foc} war"
    elif start is not None:
        rates0 = np.asarray(start, dtype=np.float64)
        if rates0.shape != (n,):
            raise OptionsError(f"start: shape {rates0.shape}, expected {(n,)} Nash tariff guesses")
        z0, how = np.concatenate([np.zeros(2 * n), rates0]), "given tariffs"
    elif foc == "tariffwar":
        z0, how = (
            np.concatenate([np.zeros(2 * n), _one_step_rates(world, d, floor)]),
            "formula at factual shares",
        )
    else:
        first = peer_nash_war(world, foc="tariffwar", deficits=d, tol=tol, max_iter=max_iter)
        z0, how = np.array(first.state), "the tariffwar solution"

    def residual(z: FloatArray) -> tuple[FloatArray, Evaluation]:
        return nash_system(world, z, foc, d, floor)

    def jac(z: FloatArray, ev: Evaluation) -> FloatArray:
        return nash_jacobian(world, z, ev, foc, d, floor)

    # Many small BLAS calls: threads only add contention (three to six times slower on two cores).
    with threadpool_limits(limits=1, user_api="blas"):
        z, ev, norm, it = newton(residual, jac, z0, tol=tol, max_iter=max_iter, what=f"Nash war (foc={foc})")
    rates = z[2 * n :]
    if np.any(rates <= -1.0):
        raise ConvergenceError(
            f"Nash war (foc={foc}): a tariff at or below -100 %", iterations=it, residual=norm
        )
    seconds = time.perf_counter() - clock
    tariffs = uniform_tariffs(world, rates).real
    eq = PeerEquilibrium(world, z[: 2 * n], tariffs, d, ev, PeerSolverInfo(True, it, norm, seconds))
    at_cap: tuple[str, ...] = ()
    if capped:
        num, den = _export_terms(world, ev, None)
        at_cap = tuple(c for c, a in zip(world.countries, (num / den).real, strict=True) if a <= FLOOR)
    jacobian = "analytic" if foc == "tariffwar" else "analytic (equilibrium rows) + complex step (FOC rows)"
    welfare = eq.welfare_pct
    log.info(
        "Nash war (foc=%s): %d Newton steps, %.2f s, mean welfare %.3f %%", foc, it, seconds, welfare.mean()
    )
    return PeerNashWar(
        world=world,
        foc=foc,
        capped=capped,
        tariff_pct=_ro(100.0 * rates),
        welfare_pct=_ro(welfare),
        wage_pct=_ro(100.0 * (ev.w_hat.real - 1.0)),
        applied_tariff_pct=_ro(_applied_pct(world)),
        mean_welfare_pct=float(welfare.mean()),
        mean_tariff_pct=float(100.0 * rates.mean()),
        floor_binding=at_cap,
        equilibrium=eq,
        state=_ro(z),
        info=NashSolverInfo(True, it, norm, seconds, jacobian, how),
    )


def peer_war_years(
    dataset: str,
    years: Sequence[int] | None = None,
    *,
    elasticities: str = "IS",
    data_dir: str | Path | None = None,
    foc: str = "tariffwar",
    cap: bool = True,
) -> pd.DataFrame:
    """The global Nash war of several cube years, one row per year.

    Each year is read (:func:`.data.read_peer_cube`), prepared (:func:`.model.peer_world`,
    deficits removed) and solved (:func:`peer_nash_war`), warm-started from the year before
    (from the default start if that warm start does not converge).

    Parameters
    ----------
    dataset : {"WIOD", "ICIO"}
    years : sequence of int, optional
        Default: every year of ``dataset`` present in the raw data directory.
    elasticities : str
        Elasticity set (:data:`.data.ELASTICITY_SETS`).
    data_dir : str or Path, optional
        Raw data directory.
    foc, cap :
        As :func:`peer_nash_war`.

    Returns
    -------
    pandas.DataFrame
        Index ``year``; columns ``countries``, ``mean_welfare_pct`` (simple mean over the
        economies, the published statistic), ``median_welfare_pct``, ``min_welfare_pct``,
        ``max_welfare_pct``, ``mean_tariff_pct``, ``iterations`` (Newton steps), ``seconds``
        (the war's solve, the base world excluded) and ``start``.

    Raises
    ------
    DataError
        Unknown dataset or elasticity set, or a year whose cube is absent.
    ConvergenceError
        A year that does not converge from either start.
    """
    chosen = available_years(dataset, data_dir) if years is None else tuple(int(y) for y in years)
    rows = []
    prev: PeerNashWar | None = None
    for year in chosen:
        world = peer_world(read_peer_cube(data_dir, dataset, year, elasticities))
        war = None
        if prev is not None:
            try:
                war = peer_nash_war(world, foc=foc, cap=cap, start=prev)
            except ConvergenceError:
                log.info("%s %d: the warm start did not converge; starting afresh", dataset, year)
        if war is None:
            war = peer_nash_war(world, foc=foc, cap=cap)
        prev = war
        w = war.welfare_pct
        rows.append(
            {
                "year": year,
                "countries": len(war.countries),
                "mean_welfare_pct": war.mean_welfare_pct,
                "median_welfare_pct": float(np.median(w)),
                "min_welfare_pct": float(w.min()),
                "max_welfare_pct": float(w.max()),
                "mean_tariff_pct": war.mean_tariff_pct,
                "iterations": war.info.iterations,
                "seconds": war.info.seconds,
                "start": war.info.start,
            }
        )
    return pd.DataFrame(rows).set_index("year")
