"""Brute-force checks of the Nash tariff war: best responses by direct welfare maximisation.

Nothing here uses a first-order condition. Each welfare evaluation solves the equilibrium in
changes (eqs. 1-5 of ``docs/lashkaripour2021.md``) at a vector of uniform tariffs and reads
welfare (eq. 6); a country's best response maximises its own welfare over its own uniform
tariff with Brent's method (derivative-free); iterating best responses country by country
(Gauss-Seidel) until no tariff moves is the textbook way to find a Nash equilibrium (Ossa
2014's procedure, which Lashkaripour 2021 sets out to avoid). So these functions check the
joint Newton solve of :func:`.nash.peer_nash_war` independently: with ``foc="exact"`` (eq. 9)
its tariffs must equal the best-response fixed point, and no country may gain by deviating.

They solve many equilibria and are meant for small worlds (a few countries) or for a few
countries of a large one.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.optimize import minimize_scalar

from tradetalks.errors import ConvergenceError, ShockError
from tradetalks.replication.lashkaripour2021.model import PeerWorld, log_welfare, solve_peer
from tradetalks.replication.lashkaripour2021.nash import uniform_tariffs
from tradetalks.replication.lashkaripour2021.result import PeerNashWar

FloatArray = NDArray[np.float64]

#: Residual tolerance of the equilibrium solves behind each welfare evaluation (tighter than the
#: default: Brent compares welfare levels that differ by ~1e-10 near a maximum).
EVAL_TOL = 1e-14


def welfare_at(
    world: PeerWorld,
    rates: FloatArray,
    *,
    deficits: FloatArray | None = None,
    x0: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray]:
    """``ln W_hat`` of every country when each sets the uniform tariff ``rates[n]`` (eqs. 1-6).

    Parameters
    ----------
    world : PeerWorld
    rates : (N,)
        Uniform tariffs, fractions (:func:`.nash.uniform_tariffs`).
    deficits : (N,), optional
        Deficits held, base units; default the base world's.
    x0 : (2N,), optional
        Warm start of the equilibrium solve.

    Returns
    -------
    log_welfare : (N,)
        ``ln W_hat`` (eq. 6).
    x : (2N,)
        The solved ``(ln w_hat, ln E_hat)``, a warm start for a nearby point.
    """
    d = np.asarray(world.deficits if deficits is None else deficits, dtype=np.float64)
    tariffs = uniform_tariffs(world, np.asarray(rates, dtype=np.float64))
    eq = solve_peer(world, tariffs, deficits=d, x0=x0, tol=EVAL_TOL)
    out: FloatArray = log_welfare(world, eq.evaluation).real
    return out, eq.x


def peer_best_response(
    world: PeerWorld,
    country: int | str,
    rates: FloatArray,
    *,
    deficits: FloatArray | None = None,
    bounds: tuple[float, float] = (0.0, 3.0),
    xtol: float = 1e-11,
) -> float:
    """A country's welfare-maximising uniform tariff given the others' (problem P1 of the paper).

    Parameters
    ----------
    world : PeerWorld
    country : int or str
        Position or code of the country that responds.
    rates : (N,)
        Everyone's uniform tariffs, fractions; ``rates[country]`` is ignored.
    deficits : (N,), optional
        Deficits held; default the base world's.
    bounds : (float, float)
        Search interval for the tariff (fractions).
    xtol : float
        Brent's tolerance on the tariff.

    Returns
    -------
    float
        The best response, a fraction.

    Raises
    ------
    ShockError
        Unknown country.
    ConvergenceError
        Brent's method failed, or the maximiser sits on a bound of the interval (widen it).
    """
    n, _ = world.shape
    i = world.country_index(country) if isinstance(country, str) else int(country)
    if not 0 <= i < n:
        raise ShockError(f"country={country!r}; allowed: 0..{n - 1} or {', '.join(world.countries)}")
    base = np.array(rates, dtype=np.float64)
    warm: list[FloatArray | None] = [None]

    def neg(v: float) -> float:
        trial = base.copy()
        trial[i] = v
        lw, x = welfare_at(world, trial, deficits=deficits, x0=warm[0])
        warm[0] = x
        return -float(lw[i])

    res = minimize_scalar(neg, bounds=bounds, method="bounded", options={"xatol": xtol, "maxiter": 500})
    best = float(res.x)
    if not res.success:
        raise ConvergenceError(
            f"best response of {world.countries[i]}: {res.message}", iterations=int(res.nfev), residual=np.nan
        )
    if min(best - bounds[0], bounds[1] - best) < 1e3 * xtol:
        raise ConvergenceError(
            f"best response of {world.countries[i]}: maximiser {best:.6g} on the bound of {bounds}",
            iterations=int(res.nfev),
            residual=np.nan,
        )
    return best


@dataclass(frozen=True)
class BestResponseNash:
    """Nash tariffs by iterated best responses (Gauss-Seidel).

    Attributes
    ----------
    rates : (N,)                Nash tariffs, fractions (read-only)
    rounds : int                full rounds over the countries
    changes : tuple of float    largest tariff move of each round
    seconds : float             wall time
    """

    rates: FloatArray
    rounds: int
    changes: tuple[float, ...]
    seconds: float


def peer_best_response_nash(
    world: PeerWorld,
    start: FloatArray | None = None,
    *,
    deficits: FloatArray | None = None,
    tol: float = 1e-7,
    max_rounds: int = 100,
) -> BestResponseNash:
    """Nash tariffs by iterated best responses: a brute-force check of :func:`.nash.peer_nash_war`.

    Each country in turn plays :func:`peer_best_response` against the latest tariffs of the
    others, until a full round moves no tariff by more than ``tol``. The fixed point is the
    Nash equilibrium of the game (Definition 3 of the paper), i.e. the solution of the exact
    first-order conditions (9). Brent's method on welfare levels resolves a maximiser to
    about 1e-8 (welfare is flat at the top), so ``tol`` should not be set much below 1e-7.

    Parameters
    ----------
    world : PeerWorld
    start : (N,), optional
        First tariffs; default 30 % everywhere.
    deficits : (N,), optional
        Deficits held; default the base world's.
    tol : float
        Largest tariff move of a round accepted as converged.
    max_rounds : int

    Raises
    ------
    ConvergenceError
        When the tariffs still move after ``max_rounds`` rounds.
    """
    clock = time.perf_counter()
    n, _ = world.shape
    rates = np.full(n, 0.3) if start is None else np.array(start, dtype=np.float64)
    if rates.shape != (n,):
        raise ShockError(f"start: shape {rates.shape}, expected {(n,)}")
    changes: list[float] = []
    for _ in range(max_rounds):
        change = 0.0
        for i in range(n):
            best = peer_best_response(world, i, rates, deficits=deficits)
            change = max(change, abs(best - rates[i]))
            rates[i] = best
        changes.append(change)
        if change <= tol:
            break
    else:
        raise ConvergenceError(
            f"best-response Nash: tariffs still moved by {changes[-1]:.3g} after {max_rounds} rounds",
            iterations=max_rounds,
            residual=changes[-1],
        )
    rates.setflags(write=False)
    return BestResponseNash(rates, len(changes), tuple(changes), time.perf_counter() - clock)


def deviation_gains(
    war: PeerNashWar,
    steps: Sequence[float] = (-0.2, -0.05, -0.01, -0.001, 0.001, 0.01, 0.05, 0.2),
    countries: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Welfare gain of a unilateral deviation from the war's tariffs, one row per country.

    Parameters
    ----------
    war : PeerNashWar
        The war to test (its base world, deficits and tariffs).
    steps : sequence of float
        Deviations of the country's own tariff (fractions, added to its Nash tariff).
    countries : sequence of str, optional
        Codes of the countries to test; default all.

    Returns
    -------
    pandas.DataFrame
        Cell ``(country, step)``: ``100 (ln W_i(t_i + step, t_-i) - ln W_i(t))``, percentage
        points of real income (eq. 6); NaN where the deviation would take the tariff below
        zero. All cells ``<= 0`` (up to rounding) means no country gains by moving its tariff
        anywhere on the grid: the war is a Nash equilibrium on that grid. Expect it for
        ``foc="exact"``; the formula wars (7) and (8) leave small gains.
    """
    world = war.world
    names = list(world.countries) if countries is None else list(countries)
    rates = war.rates
    d = war.equilibrium.deficits
    base, x = welfare_at(world, rates, deficits=d, x0=war.equilibrium.x)
    out = np.full((len(names), len(steps)), np.nan)
    for r, name in enumerate(names):
        i = world.country_index(name)
        for c, step in enumerate(steps):
            if rates[i] + step < 0:
                continue
            trial = rates.copy()
            trial[i] += step
            lw, _ = welfare_at(world, trial, deficits=d, x0=x)
            out[r, c] = 100.0 * (lw[i] - base[i])
    return pd.DataFrame(out, index=pd.Index(names, name="country"), columns=[f"{s:+g}" for s in steps])
