"""Bargaining solution concepts against hand-computed small cases."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from tradetalks.analyses import bargaining as bg

# Five packages; disagreement at (0, 0).
U = np.array(
    [
        [4.0, 1.0],  # A: good for party 0
        [3.0, 3.0],  # B: balanced
        [1.0, 4.0],  # C: good for party 1
        [2.0, 2.0],  # D: dominated by B
        [5.0, -1.0],  # E: party 1 loses
    ]
)
D = np.array([0.0, 0.0])


def test_frontier_and_zopa():
    assert bg.pareto_frontier(U).tolist() == [True, True, True, False, True]
    assert bg.zopa(U, D).tolist() == [True, True, True, True, False]


def test_nash_ks_equal_gains_hand_computed():
    # products of gains: A 4, B 9, C 4, D 4 -> B
    assert bg.nash_solution(U, D) == 1
    # ideal over the ZOPA = (4, 4); min normalised gains: A .25, B .75, C .25, D .5 -> B
    assert bg.kalai_smorodinsky(U, D) == 1
    assert bg.equal_gains(U, D) == 1
    # move the disagreement point toward party 0: gains A (2, 1), B (1, 3) -> Nash: A 2, B 3 -> B
    d = np.array([2.0, 0.0])
    assert bg.nash_solution(U, d) == 1
    # asymmetric case where Nash and KS differ
    u = np.array([[10.0, 1.0], [6.0, 4.0], [5.0, 5.5], [0.0, 6.0]])
    assert bg.nash_solution(u, np.zeros(2)) == 2  # 27.5 > 24 > 10
    # ideal (10, 6): A .1, B .6, C .5 -> B
    assert bg.kalai_smorodinsky(u, np.zeros(2)) == 1


def test_empty_zopa_gives_none():
    u = np.array([[1.0, -1.0], [-1.0, 1.0]])
    assert bg.nash_solution(u, D) is None and bg.kalai_smorodinsky(u, D) is None
    assert bg.rubinstein(u, D).package is None


def test_rubinstein_patient_and_impatient():
    # Two packages: X favours 0, Y favours 1. With discount 0.5 the responder accepts anything
    # worth at least half its own best; proposer 0 then offers X (responder 1 gets 2 >= 0.5*4).
    u = np.array([[4.0, 2.0], [2.0, 4.0]])
    out = bg.rubinstein(u, D, discount=(0.5, 0.5), first=0)
    assert out.package == 0 and out.round == 0
    out = bg.rubinstein(u, D, discount=(0.5, 0.5), first=1)
    assert out.package == 1
    # a very patient responder (0.9) rejects X (2 < 0.9*4): proposer 0 must offer Y
    out = bg.rubinstein(u, D, discount=(0.5, 0.9), first=0)
    assert out.package == 1
    # an outside option above what X gives forces Y too
    out = bg.rubinstein(u, D, discount=(0.5, 0.5), first=0, outside=(0.0, 3.0))
    assert out.package == 1
    with pytest.raises(ValueError, match="discount"):
        bg.rubinstein(u, D, discount=(1.0, 0.5))


def test_concession_conceder_meets_earlier_than_boulware():
    fast = bg.concession(U, D, rounds=40, beta=(3.0, 3.0))
    slow = bg.concession(U, D, rounds=40, beta=(0.3, 0.3))
    assert fast.package is not None and slow.package is not None
    assert fast.round < slow.round
    assert U[fast.package].min() > 0


def test_bad_shapes():
    with pytest.raises(ValueError, match="shape"):
        bg.nash_solution(np.ones((3, 3)), D)


# ------------------------------------------------------------------ alternating offers, solved exactly


def _stationary_brute_force(g, discount):
    """Every stationary equilibrium ``(V_0, V_1)`` by checking all pairs of candidate values
    (eq. 7.13 with zero outside options): ``V_0 = F_0(V_1)`` and ``V_1 = F_1(V_0)``."""
    ok = np.all(g >= 0, axis=1)
    a, b = g[ok, 0], g[ok, 1]
    return [
        (v0, v1)
        for v0 in np.unique(a)
        for v1 in np.unique(b)
        if a[b >= discount[1] * v1].max() == v0 and b[a >= discount[0] * v0].max() == v1
    ]


def test_rubinstein_three_packages_hand_solved():
    """Packages A = (8, 2), B = (5, 5), C = (2, 8) (gains of party 0, party 1), d = (0, 0).

    With ``delta = (0.5, 0.2)``, ``F_0(V_1) = max {a : b >= 0.2 V_1}`` and
    ``F_1(V_0) = max {b : a >= 0.5 V_0}``. The candidates for ``V_1`` are 2, 5 and 8:

    * ``V_1 = 8``: party 1 accepts ``b >= 1.6`` (A, B, C), so ``V_0 = 8`` (A); party 0 accepts
      ``a >= 4`` (A, B), so ``F_1 = 5 != 8``;
    * ``V_1 = 5``: party 1 accepts ``b >= 1`` (all), ``V_0 = 8`` (A); party 0 accepts ``a >= 4``
      (A, B), ``F_1 = 5``: a fixed point;
    * ``V_1 = 2``: party 1 accepts ``b >= 0.4``, ``V_0 = 8``, ``F_1 = 5 != 2``.

    One equilibrium: party 0 proposing offers A (the impatient party 1 takes 2 >= 0.2 * 5), party 1
    proposing offers B (party 0 wants 4 = 0.5 * 8: B is the best for party 1 that gives it);
    thresholds ``t_0 = 4``, ``t_1 = 1``; agreement at once.

    With ``delta = (0.9, 0.5)`` there are two: ``V_1 = 5`` (party 1 accepts ``b >= 2.5``: B, C,
    ``V_0 = 5``; party 0 accepts ``a >= 4.5``: A, B, ``F_1 = 5``: both offer B) and ``V_1 = 2``
    (party 1 accepts ``b >= 1``: all, ``V_0 = 8``; party 0 accepts ``a >= 7.2``: A only,
    ``F_1 = 2``: both offer A); ``V_1 = 8`` gives ``b >= 4``, ``V_0 = 5``, ``F_1 = 5``. The
    selection (7.16) weighs ``ln V`` by ``1 / -ln delta``: ``w = (0.868, 0.132)``; B scores
    ``ln 5 = 1.609``, A scores ``0.868 ln 8 + 0.132 ln 2 = 1.897``: A, the patient party's best.
    """
    u = np.array([[8.0, 2.0], [5.0, 5.0], [2.0, 8.0]])
    eq = bg.alternating_offers(u, D, discount=(0.5, 0.2))
    assert eq.offers == (0, 1) and eq.equilibria == 1
    assert eq.values == (8.0, 5.0) and eq.thresholds == (4.0, 1.0)
    us_first, cn_first = bg.rubinstein(u, D, (0.5, 0.2), first=0), bg.rubinstein(u, D, (0.5, 0.2), first=1)
    assert (us_first.package, us_first.round, us_first.values) == (0, 0, (8.0, 2.0))
    assert (cn_first.package, cn_first.round, cn_first.values) == (1, 0, (5.0, 5.0))
    assert eq.outcome(1) == cn_first
    two = bg.alternating_offers(u, D, discount=(0.9, 0.5))
    assert two.equilibria == 2 == len(_stationary_brute_force(u, (0.9, 0.5)))
    assert two.offers == (0, 0) and two.values == (8.0, 2.0)
    # equal discount factors: the symmetric product picks B (25 > 16)
    assert bg.alternating_offers(u, D, discount=(0.9, 0.9)).offers == (1, 1)


def test_rubinstein_enumerates_every_stationary_equilibrium():
    """The equilibria the exact method counts are those a brute force over all pairs finds, on
    random sets (some with ties) and discount factors up to 0.999."""
    rng = np.random.default_rng(7)
    for _ in range(200):
        g = rng.normal(size=(int(rng.integers(1, 25)), 2)) + 0.5
        if rng.random() < 0.3:
            g = np.round(g, 1)
        discount = tuple(rng.choice([0.3, 0.5, 0.9, 0.99, 0.999], size=2))
        eq = bg.alternating_offers(g, D, discount=discount)
        found = _stationary_brute_force(g, discount)
        assert eq.equilibria == len(found)
        if found:
            assert eq.values in found
            for p in (0, 1):  # each offer is acceptable and attains the proposer's value
                k = eq.offers[p]
                assert k is not None and g[k, 1 - p] >= eq.thresholds[1 - p] and g[k, p] == eq.values[p]


def _simultaneous_values(g, discount, max_iter):
    """The value iteration the exact method replaces: both values updated at once."""
    value = g.max(axis=0)
    for _ in range(max_iter):
        new = np.array(
            [g[g[:, 1] >= discount[1] * value[1], 0].max(), g[g[:, 0] >= discount[0] * value[0], 1].max()]
        )
        if (new == value).all():
            return value
        value = new
    return None


def test_patient_parties_no_cycle_no_silent_cap():
    """Near one the simultaneous value iteration alternates between two states forever (it used to
    stop at its cap and report whatever state it was in); the exact method returns a verified
    equilibrium, has no iteration cap to hit, and reports how many equilibria there are."""
    # four close frontier packages, as in the busan-2025 space (gains in log points)
    g = np.array([[4.2088, 6.9050], [4.2058, 6.9112], [4.2023, 6.9181], [4.1993, 6.9243]]) * 1e-3
    assert _simultaneous_values(g, (0.999, 0.999), 10_000) is None  # cycles
    assert "max_iter" not in inspect.signature(bg.rubinstein).parameters
    eq = bg.alternating_offers(g, D, discount=(0.999, 0.999))
    assert eq.equilibria == len(_stationary_brute_force(g, (0.999, 0.999))) >= 2
    assert eq.values in _stationary_brute_force(g, (0.999, 0.999))
    # patient enough, every frontier package is an equilibrium and the selection is Nash's package
    eq = bg.alternating_offers(g, D, discount=(1 - 1e-6, 1 - 1e-6))
    assert eq.equilibria == 4 and eq.offers == (bg.nash_solution(g, D),) * 2


@pytest.mark.parametrize("discount", [(0.9, 0.9), (0.99, 0.99), (0.999, 0.999), (0.99, 0.98), (0.999, 0.998)])
def test_rubinstein_tends_to_nash_as_discount_factors_tend_to_one(discount):
    """On a fine frontier ``g_1 = 1 - g_0^2`` (19999 packages) each first proposer's outcome lies
    within ``1 - min(delta)`` of the Nash solution of the same set, in each gain.

    The tolerance: in the continuous game the two offers satisfy ``g_1(x_0) = delta_1 g_1(x_1)``
    and ``g_0(x_1) = delta_0 g_0(x_0)``, bracket the Nash point and so differ from it by at most
    ``(1 - delta) max g <= 1 - delta`` (here ``max g = 1``); the finite set adds at most a grid
    step (5e-5 in ``g_0``, 1e-4 in ``g_1``), inside that bound for ``delta <= 0.999``. With
    unequal discount factors the limit is the asymmetric Nash solution, exponents ``1 / -ln delta``.
    """
    x = np.linspace(0.0, 1.0, 20001)[1:-1]  # both gains positive: every package is in the ZOPA
    g = np.column_stack([x, 1.0 - x**2])
    w = np.log(discount[1]) / (np.log(discount[0]) + np.log(discount[1]))
    nash = int(np.argmax(w * np.log(g[:, 0]) + (1 - w) * np.log(g[:, 1])))
    if discount[0] == discount[1]:
        assert nash == bg.nash_solution(g, D)
    eq = bg.alternating_offers(g, D, discount=discount)
    for k in eq.offers:
        assert np.abs(g[k] - g[nash]).max() <= 1 - min(discount)


def test_tolerance_keeps_noise_from_deciding():
    # B is A plus noise: with tol = 0 the noise decides (A dominated); with tol both are efficient
    u = np.array([[1.0, 2.0], [1.0, 2.0 + 1e-12], [0.5, 0.5]])
    assert bg.pareto_frontier(u).tolist() == [False, True, False]
    assert bg.pareto_frontier(u, tol=1e-9).tolist() == [True, True, False]
    # Nash products 6 and 6 + 3e-13: tied within tol, the lower order wins (here: the given rank)
    u = np.array([[2.0, 3.0], [3.0 + 1e-13, 2.0]])
    assert bg.nash_solution(u, D) == 1
    assert bg.nash_solution(u, D, tol=1e-9) == 0
    assert bg.nash_solution(u, D, tol=1e-9, order=[1, 0]) == 1
    assert bg.equal_gains(u, D, tol=1e-9) == 0 and bg.kalai_smorodinsky(u, D, tol=1e-9) == 0
    # a gain below tol is no gain
    assert bg.zopa(np.array([[1e-12, 1.0]]), D, tol=1e-9).tolist() == [False]
    with pytest.raises(ValueError, match="tol"):
        bg.pareto_frontier(u, tol=-1.0)
    with pytest.raises(ValueError, match="order"):
        bg.nash_solution(u, D, order=[0])
