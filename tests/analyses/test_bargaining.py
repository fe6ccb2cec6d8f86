"""Bargaining solution concepts against hand-computed small cases."""

from __future__ import annotations

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
