"""Bargaining over a finite set of packages: frontier, ZOPA and solution concepts.

Pure functions on a payoff matrix ``u`` of shape ``(K, 2)`` (two parties' payoffs for K
packages) and a disagreement point ``d`` (2,):

* :func:`pareto_frontier`: packages no other package weakly improves for both, strictly for one;
* :func:`zopa`: the zone of possible agreement, packages both parties weakly prefer to ``d``
  (strict gains when ``strict``);
* :func:`nash_solution`: Nash (1950) bargaining, ``argmax (u1 - d1)(u2 - d2)`` over the ZOPA;
* :func:`kalai_smorodinsky`: Kalai and Smorodinsky (1975), the ZOPA package maximising
  ``min_i (u_i - d_i) / (ideal_i - d_i)`` (the discrete counterpart of the point where the
  frontier meets the line from ``d`` to the ideal point);
* :func:`equal_gains`: Ossa (2014)'s equal-gains talks, the ZOPA package maximising the smaller
  gain (ties broken by the larger sum);
* :func:`rubinstein`: the stationary subgame-perfect equilibrium of alternating offers with
  discount factors and outside options (Rubinstein 1982; Binmore, Shaked and Sutton 1989);
* :func:`concession`: a time-based concession simulation (Faratin, Sierra and Jennings 1998).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tradetalks.errors import OptionsError

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def _check(u: FloatArray, d: FloatArray) -> tuple[FloatArray, FloatArray]:
    u = np.asarray(u, dtype=np.float64)
    d = np.asarray(d, dtype=np.float64)
    if u.ndim != 2 or u.shape[1] != 2:
        raise OptionsError(f"payoffs must have shape (K, 2), got {u.shape}")
    if d.shape != (2,):
        raise OptionsError(f"disagreement point must have shape (2,), got {d.shape}")
    if not (np.all(np.isfinite(u)) and np.all(np.isfinite(d))):
        raise OptionsError("payoffs and disagreement point must be finite")
    return u, d


def pareto_frontier(u: FloatArray) -> BoolArray:
    """Mask of Pareto-efficient packages (ties: equal payoff pairs are all efficient;
    docs/model.md, eq. 7.8)."""
    u = np.asarray(u, dtype=np.float64)
    order = np.lexsort((-u[:, 1], -u[:, 0]))  # by u1 desc, then u2 desc
    mask = np.zeros(len(u), dtype=bool)
    best2 = -np.inf
    prev: tuple[float, float] | None = None
    for k in order:
        pair = (float(u[k, 0]), float(u[k, 1]))
        if u[k, 1] > best2 or pair == prev:
            mask[k] = True
            if u[k, 1] > best2:
                best2 = float(u[k, 1])
        prev = pair if mask[k] else prev
    return mask


def zopa(u: FloatArray, d: FloatArray, strict: bool = True) -> BoolArray:
    """Packages both parties prefer to the disagreement point (strictly by default; eq. 7.9)."""
    u, d = _check(u, d)
    gains = u - d
    out: BoolArray = np.all(gains > 0, axis=1) if strict else np.all(gains >= 0, axis=1)
    return out


def _pick(score: FloatArray, mask: BoolArray, tiebreak: FloatArray) -> int | None:
    if not mask.any():
        return None
    idx = np.flatnonzero(mask)
    best = idx[np.lexsort((-tiebreak[idx], -score[idx]))[0]]
    return int(best)


def nash_solution(u: FloatArray, d: FloatArray) -> int | None:
    """Index of the Nash bargaining package, or None when the ZOPA is empty (eq. 7.10)."""
    u, d = _check(u, d)
    g = u - d
    return _pick(g[:, 0] * g[:, 1], zopa(u, d), g.sum(axis=1))


def kalai_smorodinsky(u: FloatArray, d: FloatArray) -> int | None:
    """Index of the Kalai-Smorodinsky package, or None when the ZOPA is empty (eq. 7.11)."""
    u, d = _check(u, d)
    mask = zopa(u, d)
    if not mask.any():
        return None
    g = u - d
    ideal = g[mask].max(axis=0)
    score = np.min(g / ideal, axis=1)
    return _pick(score, mask, g.sum(axis=1))


def equal_gains(u: FloatArray, d: FloatArray) -> int | None:
    """Index of the package maximising the smaller gain (Ossa 2014's equal-gains talks; eq. 7.12)."""
    u, d = _check(u, d)
    g = u - d
    return _pick(g.min(axis=1), zopa(u, d), g.sum(axis=1))


@dataclass(frozen=True)
class Bargain:
    """Outcome of an alternating-offers game: the package, the round and who proposed it."""

    package: int | None
    round: int
    proposer: int
    values: tuple[float, float]


def rubinstein(
    u: FloatArray,
    d: FloatArray,
    discount: tuple[float, float] = (0.95, 0.95),
    first: int = 0,
    outside: tuple[float, float] | None = None,
    max_iter: int = 10_000,
) -> Bargain:
    """Stationary SPE of alternating offers over a finite package set (docs/model.md, eq. 7.13).

    Each period the proposer offers the package it likes best among those the responder
    accepts: packages giving the responder at least ``max(outside_r, discount_r * V_r)``, where
    ``V_r`` is the responder's value of proposing next period. Values are found by iterating
    that map to its fixed point (finite set: it stops in finitely many steps). Payoffs are
    measured relative to ``d`` (the breakdown point), so "no deal forever" is worth 0 and an
    outside option ``o_i`` (relative to ``d``) can be taken instead of responding. In the SPE
    the first offer is accepted at once (round 0); ``package`` is None when no package gives
    both at least their outside options (no agreement).
    """
    u, d = _check(u, d)
    g = u - d
    out = np.zeros(2) if outside is None else np.asarray(outside, dtype=np.float64)
    dl = np.asarray(discount, dtype=np.float64)
    if np.any(dl <= 0) or np.any(dl >= 1):
        raise OptionsError(f"discount factors must be in (0, 1), got {discount}")
    feasible = np.all(g >= out, axis=1)
    if not feasible.any():
        return Bargain(None, 0, first, (float(out[0]), float(out[1])))
    value = np.array([g[feasible, 0].max(), g[feasible, 1].max()])  # each proposer's best
    offer = [0, 0]
    for _ in range(max_iter):
        new = value.copy()
        for p in (0, 1):
            r = 1 - p
            accept = feasible & (g[:, r] >= max(out[r], dl[r] * value[r]) - 1e-15)
            k = _pick(g[:, p], accept, g[:, r])
            if k is None:
                k = _pick(g[:, r], feasible, g[:, p])  # only the responder's best is acceptable
            assert k is not None
            offer[p] = k
            new[p] = g[k, p]
        if np.allclose(new, value, rtol=0, atol=1e-15):
            break
        value = new
    k = offer[first]
    return Bargain(k, 0, first, (float(g[k, 0]), float(g[k, 1])))


def concession(
    u: FloatArray,
    d: FloatArray,
    rounds: int = 50,
    beta: tuple[float, float] = (1.0, 1.0),
    first: int = 0,
) -> Bargain:
    """Time-based concession: each side's aspiration falls from its best ZOPA payoff to zero
    (docs/model.md, eq. 7.14).

    Party ``i``'s target at round ``t`` is ``best_i (1 - (t / rounds)^(1 / beta_i))``: ``beta < 1``
    concedes late (Boulware), ``beta > 1`` early (Conceder). The proposer offers the package
    meeting its own target that is best for the other side; the responder accepts if the offer
    meets its current target. Returns the first accepted package and its round (``None`` if no
    agreement by the deadline).
    """
    u, d = _check(u, d)
    g = u - d
    mask = zopa(u, d, strict=False)
    if not mask.any():
        return Bargain(None, rounds, first, (0.0, 0.0))
    best = g[mask].max(axis=0)
    b = np.asarray(beta, dtype=np.float64)
    for t in range(rounds + 1):
        target = best * (1.0 - (t / rounds) ** (1.0 / b))
        p = (first + t) % 2
        r = 1 - p
        candidates = mask & (g[:, p] >= target[p] - 1e-15)
        k = _pick(g[:, r], candidates, g[:, p])
        if k is not None and g[k, r] >= target[r] - 1e-15:
            return Bargain(k, t, p, (float(g[k, 0]), float(g[k, 1])))
    return Bargain(None, rounds, first, (0.0, 0.0))
