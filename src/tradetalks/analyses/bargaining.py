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
* :func:`alternating_offers`: the stationary subgame-perfect equilibria of alternating offers
  with discount factors and outside options (Rubinstein 1982; Binmore, Shaked and Sutton 1989),
  found exactly over the finite set; :func:`rubinstein` is its outcome for one first proposer;
* :func:`concession`: a time-based concession simulation (Faratin, Sierra and Jennings 1998).

Ties and float noise (docs/model.md, section 7.6). All but :func:`concession` take ``tol``, the
size of a payoff difference that is noise (``0``: exact comparisons); the solutions and
:func:`alternating_offers` also take ``order``, a rank per package (lower wins; default: the
package's index). Two scores closer than what a change of ``tol`` in
each payoff can make are tied; ties go to the larger sum of gains, then to the lower ``order``.
So float noise below ``tol`` cannot decide between packages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from tradetalks.errors import ConvergenceError, OptionsError

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]


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


def _tol(tol: float) -> float:
    if not (np.isfinite(tol) and tol >= 0.0):
        raise OptionsError(f"tol={tol!r}; allowed: a finite number >= 0")
    return float(tol)


def _order(order: ArrayLike | None, k: int) -> IntArray:
    """Rank of each package for tie-breaks (lower wins); default: the index."""
    if order is None:
        return np.arange(k, dtype=np.int64)
    out = np.asarray(order, dtype=np.int64)
    if out.shape != (k,):
        raise OptionsError(f"order must have one rank per package, shape ({k},), got {out.shape}")
    return out


def pareto_frontier(u: FloatArray, tol: float = 0.0) -> BoolArray:
    """Mask of Pareto-efficient packages (docs/model.md, eq. 7.8).

    Package ``k`` is dominated when another package ``j`` is at least as good for both up to
    ``tol`` and better by more than ``tol`` for one: ``u_j >= u_k - tol`` in both and
    ``u_j > u_k + tol`` in one. Packages whose payoffs agree within ``tol`` (exact ties when
    ``tol = 0``) are therefore all efficient or all dominated, never split by noise.
    """
    u = np.asarray(u, dtype=np.float64)
    tol = _tol(tol)
    mask = np.ones(len(u), dtype=bool)
    for start in range(0, len(u), 1024):  # rows of the pairwise comparison, in blocks
        block = u[start : start + 1024]
        weak = np.all(u[None, :, :] >= block[:, None, :] - tol, axis=2)
        strict = np.any(u[None, :, :] > block[:, None, :] + tol, axis=2)
        mask[start : start + len(block)] = ~np.any(weak & strict, axis=1)
    return mask


def zopa(u: FloatArray, d: FloatArray, strict: bool = True, tol: float = 0.0) -> BoolArray:
    """Packages both parties prefer to the disagreement point (eq. 7.9): gains above ``tol``
    (``strict``, the default) or at least ``-tol``."""
    u, d = _check(u, d)
    tol = _tol(tol)
    gains = u - d
    out: BoolArray = np.all(gains > tol, axis=1) if strict else np.all(gains >= -tol, axis=1)
    return out


def _pick(
    score: FloatArray,
    mask: BoolArray,
    tiebreak: FloatArray,
    *,
    score_tol: float = 0.0,
    tiebreak_tol: float = 0.0,
    order: IntArray | None = None,
) -> int | None:
    """The index maximising ``score`` over ``mask``; scores within ``score_tol`` of the best are
    tied, ties go to the larger ``tiebreak`` (within ``tiebreak_tol``), then the lowest ``order``."""
    if not mask.any():
        return None
    idx = np.flatnonzero(mask)
    s = score[idx]
    idx = idx[s >= s.max() - score_tol]
    t = tiebreak[idx]
    idx = idx[t >= t.max() - tiebreak_tol]
    rank = idx if order is None else order[idx]
    return int(idx[np.argmin(rank)])


def nash_solution(
    u: FloatArray, d: FloatArray, tol: float = 0.0, order: ArrayLike | None = None
) -> int | None:
    """Index of the Nash bargaining package, or None when the ZOPA is empty (eq. 7.10).

    Products within ``tol (|g_1| + |g_2|)`` of the best (what a change of ``tol`` in each gain
    can make of the product, to first order) are tied.
    """
    u, d = _check(u, d)
    g = u - d
    mask = zopa(u, d, tol=tol)
    if not mask.any():
        return None
    spread = tol * float(np.abs(g[mask]).sum(axis=1).max())
    return _pick(
        g[:, 0] * g[:, 1],
        mask,
        g.sum(axis=1),
        score_tol=spread,
        tiebreak_tol=2 * tol,
        order=_order(order, len(u)),
    )


def kalai_smorodinsky(
    u: FloatArray, d: FloatArray, tol: float = 0.0, order: ArrayLike | None = None
) -> int | None:
    """Index of the Kalai-Smorodinsky package, or None when the ZOPA is empty (eq. 7.11).

    Scores within ``2 tol / min_k ideal_k`` of the best (a change of ``tol`` in the gains and in
    the ideal point) are tied.
    """
    u, d = _check(u, d)
    mask = zopa(u, d, tol=tol)
    if not mask.any():
        return None
    g = u - d
    ideal = g[mask].max(axis=0)
    score = np.min(g / ideal, axis=1)
    return _pick(
        score,
        mask,
        g.sum(axis=1),
        score_tol=2 * tol / float(ideal.min()),
        tiebreak_tol=2 * tol,
        order=_order(order, len(u)),
    )


def equal_gains(u: FloatArray, d: FloatArray, tol: float = 0.0, order: ArrayLike | None = None) -> int | None:
    """Index of the package maximising the smaller gain (Ossa 2014's equal-gains talks; eq. 7.12);
    smaller gains within ``tol`` of the best are tied."""
    u, d = _check(u, d)
    g = u - d
    return _pick(
        g.min(axis=1),
        zopa(u, d, tol=tol),
        g.sum(axis=1),
        score_tol=tol,
        tiebreak_tol=2 * tol,
        order=_order(order, len(u)),
    )


@dataclass(frozen=True)
class Bargain:
    """Outcome of an alternating-offers game: the package, the round and who proposed it."""

    package: int | None
    round: int
    proposer: int
    values: tuple[float, float]


@dataclass(frozen=True)
class AlternatingOffers:
    """The stationary subgame-perfect equilibrium of alternating offers over a finite set (eq. 7.13).

    Attributes
    ----------
    offers : (int or None, int or None)
        ``offers[p]``: the package party ``p`` offers when it proposes (accepted at once);
        ``None`` for both when no package gives both parties their floors (no agreement).
    gains : ((float, float) or None, (float, float) or None)
        Both parties' gains (against ``d``) from each offer.
    values : (float, float)
        ``V_p``: party ``p``'s gain when it proposes, ``max g_p`` over the packages the other
        accepts (its outside options when there is no agreement).
    thresholds : (float, float)
        ``t_r = max(o_r, 0, delta_r V_r)``: the least gain responder ``r`` accepts.
    equilibria : int
        How many stationary equilibria the finite game has (the one reported is selected by
        the rule of :func:`alternating_offers`; 0: no agreement).
    discount : (float, float)
        The discount factors ``delta``.
    """

    offers: tuple[int | None, int | None]
    gains: tuple[tuple[float, float] | None, tuple[float, float] | None]
    values: tuple[float, float]
    thresholds: tuple[float, float]
    equilibria: int
    discount: tuple[float, float]

    def outcome(self, first: int = 0) -> Bargain:
        """The game with ``first`` proposing in round 0: its offer is accepted at once."""
        if first not in (0, 1):
            raise OptionsError(f"first={first!r}; allowed: 0 or 1")
        gains = self.gains[first]
        return Bargain(self.offers[first], 0, first, self.values if gains is None else gains)


def _best_given(resp: FloatArray, prop: FloatArray, thresholds: FloatArray, tol: float) -> FloatArray:
    """``max { prop_k : resp_k >= t - tol }`` for each threshold ``t`` (``-inf`` where none)."""
    by = np.argsort(resp, kind="stable")
    r_sorted = resp[by]
    suffix = np.maximum.accumulate(prop[by][::-1])[::-1]  # max of prop over resp >= r_sorted[i]
    pos = np.searchsorted(r_sorted, thresholds - tol, side="left")
    out = np.full(len(thresholds), -np.inf)
    ok = pos < len(r_sorted)
    out[ok] = suffix[pos[ok]]
    return out


def alternating_offers(
    u: FloatArray,
    d: FloatArray,
    discount: tuple[float, float] = (0.95, 0.95),
    outside: tuple[float, float] | None = None,
    tol: float = 0.0,
    order: ArrayLike | None = None,
) -> AlternatingOffers:
    """Stationary SPE of alternating offers over a finite package set, solved exactly (eq. 7.13).

    Party 0 is called US and party 1 CN below (as in a deal space whose parties are the US and
    China). Gains are ``g = u - d`` (``d`` is the breakdown point: no deal forever is worth 0); party
    ``r`` can take an outside option ``o_r`` (relative to ``d``) instead of responding. A
    package is *feasible* when it gives both at least ``max(o, 0)``. In a stationary
    equilibrium the proposer ``p`` offers the feasible package best for itself among those the
    responder ``r`` accepts, and ``r`` accepts a gain of at least its continuation value::

        t_r = max(o_r, delta_r V_r),    V_p = F_p(V_r) = max { g_p : g_r >= t_r },

    where ``V_r`` is what ``r`` gets when it proposes next round. ``F_US`` and ``F_CN`` are
    non-increasing step functions, so ``V_CN -> F_CN(F_US(V_CN))`` is non-decreasing and maps
    the finite set of China's feasible gains into itself; its fixed points are the stationary
    equilibria (Tarski: at least one). Every candidate ``V_CN`` is checked, with sorted prefix
    maxima (``O(K log K)``): no iteration, no cap, no cycle. A finite set can have several
    equilibria, because a threshold can fall anywhere between two packages (as both discount
    factors tend to one every frontier package in the ZOPA becomes one). The one reported
    maximises the asymmetric Nash product of the proposers' values,
    ``w_US ln V_US + w_CN ln V_CN`` with ``w_k`` proportional to ``1 / -ln delta_k`` (ties: the
    larger sum, then the larger ``V_US``): scale-free, symmetric for equal discount factors, and
    with the bargaining powers of the continuous game's limit as ``delta -> 1`` (Binmore,
    Rubinstein and Wolinsky 1986), so that the outcome tends to the (asymmetric) Nash solution
    of the same set. The proposer breaks its own ties (within ``tol``) by the
    responder's larger gain, then by ``order``; the responder accepts gains within ``tol`` of
    its threshold. In equilibrium the first offer is accepted at once (round 0).

    Raises
    ------
    OptionsError
        Discount factors outside (0, 1), bad shapes or ``tol``.
    ConvergenceError
        Never in exact arithmetic (a fixed point exists); raised, saying so, if rounding ever
        left the selected pair failing the equilibrium conditions.
    """
    u, d = _check(u, d)
    tol = _tol(tol)
    rank = _order(order, len(u))
    g = u - d
    dl = np.asarray(discount, dtype=np.float64)
    if dl.shape != (2,) or np.any(dl <= 0) or np.any(dl >= 1):
        raise OptionsError(f"discount factors must be in (0, 1), got {discount}")
    out = np.zeros(2) if outside is None else np.asarray(outside, dtype=np.float64)
    floor = np.maximum(out, 0.0)
    feasible = np.all(g >= floor - tol, axis=1)
    disc = (float(dl[0]), float(dl[1]))
    if not feasible.any():
        none = (float(out[0]), float(out[1]))
        return AlternatingOffers((None, None), (None, None), none, (0.0, 0.0), 0, disc)
    a, b = g[feasible, 0], g[feasible, 1]

    def f_us(v_cn: FloatArray) -> FloatArray:  # V_US given China's value
        return _best_given(b, a, np.maximum(floor[1], dl[1] * v_cn), tol)

    def f_cn(v_us: FloatArray) -> FloatArray:  # V_CN given the US's value
        return _best_given(a, b, np.maximum(floor[0], dl[0] * v_us), tol)

    cand = np.unique(b)
    v_us = f_us(cand)
    fixed = f_cn(v_us) == cand
    if not fixed.any():
        raise ConvergenceError(
            "alternating offers: no stationary equilibrium among the candidate values (a fixed "
            "point exists in exact arithmetic; rounding of the thresholds broke it)",
            iterations=len(cand),
            residual=float(np.min(np.abs(f_cn(v_us) - cand))),
        )
    vu, vc = v_us[fixed], cand[fixed]
    weight = 1.0 / -np.log(dl)  # bargaining powers of the limit (Binmore, Rubinstein and Wolinsky 1986)
    weight = weight / weight.sum()
    with np.errstate(divide="ignore"):
        score = np.where((vu > 0) & (vc > 0), weight[0] * np.log(vu) + weight[1] * np.log(vc), -np.inf)
    best = int(np.lexsort((-vu, -(vu + vc), -score))[0])
    values = (float(vu[best]), float(vc[best]))
    thresholds = (float(max(floor[0], dl[0] * values[0])), float(max(floor[1], dl[1] * values[1])))
    offers: list[int] = []
    for p in (0, 1):
        r = 1 - p
        accept = feasible & (g[:, r] >= thresholds[r] - tol)
        k = _pick(g[:, p], accept, g[:, r], score_tol=tol, tiebreak_tol=tol, order=rank)
        if k is None or abs(g[k, p] - values[p]) > tol:
            raise ConvergenceError(
                f"alternating offers: party {p}'s offer does not attain its value {values[p]:.6g}",
                iterations=len(cand),
                residual=float("inf") if k is None else float(abs(g[k, p] - values[p])),
            )
        offers.append(k)
    g0, g1 = ((float(g[k, 0]), float(g[k, 1])) for k in offers)
    return AlternatingOffers((offers[0], offers[1]), (g0, g1), values, thresholds, int(fixed.sum()), disc)


def rubinstein(
    u: FloatArray,
    d: FloatArray,
    discount: tuple[float, float] = (0.95, 0.95),
    first: int = 0,
    outside: tuple[float, float] | None = None,
    tol: float = 0.0,
    order: ArrayLike | None = None,
) -> Bargain:
    """The stationary SPE of alternating offers with ``first`` proposing first (eq. 7.13).

    The outcome of :func:`alternating_offers` (see there for the method): the first proposer's
    offer, accepted at once (round 0); ``package`` is None when no package gives both at least
    their outside options and zero (no agreement).
    """
    return alternating_offers(u, d, discount, outside, tol, order).outcome(first)


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
