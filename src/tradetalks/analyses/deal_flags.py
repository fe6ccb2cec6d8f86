"""Flags of a solved deal table: equal outcomes merged, ratification, the frontier, the zone of
agreement and the bargaining solutions (docs/model.md, sections 7.6-7.7, eqs. 7.7-7.16).

:func:`flag` turns the rows of :func:`tradetalks.analyses.deals.solve_deal_space` (one per package:
payoffs, onlookers' outcomes, win-set outputs) into the flagged table, for the central case and for
every parameter draw alike.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tradetalks.analyses import bargaining as bg
from tradetalks.analyses.deal_space import DealSpace
from tradetalks.analyses.options import DealOptions

#: Bargaining outcomes flagged in the deal table (``rubinstein``: the first party proposes first).
SOLUTIONS = ("nash", "kalai_smorodinsky", "equal_gains", "rubinstein", "concession")
#: Prefixes of the columns that describe a package's outcome (compared to merge equal outcomes).
OUTCOME_PREFIXES = ("payoff_", "welfare_", "exports_", "winset_")


def tie_rank(table: pd.DataFrame, space: DealSpace) -> np.ndarray:
    """Rank of each package in the tie-break order (lower first): the fewest issues departing from
    the disagreement package, then the package order (issues and options in file order)."""
    departures = np.zeros(len(table), dtype=np.int64)
    for issue in space.issues:
        departures += (table[issue.name].astype(str).to_numpy() != space.disagreement[issue.name]).astype(int)
    order = np.lexsort((np.arange(len(table)), departures))
    rank = np.empty(len(table), dtype=np.int64)
    rank[order] = np.arange(len(table))
    return rank


def _outcomes(table: pd.DataFrame) -> np.ndarray:
    """What makes a package's outcome, in units of the baseline: payoffs in log points, welfare,
    exports and win-set outputs as fractions (percent / 100)."""
    cols = [c for c in table.columns if c.startswith(OUTCOME_PREFIXES)]
    scale = np.array([1.0 if c.startswith("payoff_") else 0.01 for c in cols])
    out: np.ndarray = table[cols].to_numpy(dtype=np.float64) * scale
    return out


def merge_equal(outcomes: np.ndarray, rank: np.ndarray, tol: float) -> np.ndarray:
    """For each package, the package that stands for its outcome (docs/model.md, eq. 7.15).

    Packages are taken in ``rank`` order (lowest first); each joins the first earlier
    representative whose outcomes all agree with its own within ``tol``, or becomes one. The
    representative of a group is therefore its lowest-ranked member, whatever the float noise.
    """
    x = np.asarray(outcomes, dtype=np.float64)
    k = len(x)
    same = np.arange(k)
    is_rep = np.zeros(k, dtype=bool)
    by0 = np.argsort(x[:, 0], kind="stable") if x.shape[1] else np.arange(k)
    first = x[by0, 0] if x.shape[1] else np.zeros(k)
    for p in np.argsort(rank, kind="stable"):
        here = x[p, 0] if x.shape[1] else 0.0
        lo = np.searchsorted(first, here - tol, side="left")
        hi = np.searchsorted(first, here + tol, side="right")
        near = by0[lo:hi]
        near = near[is_rep[near]]
        if near.size:
            close = near[np.all(np.abs(x[near] - x[p]) <= tol, axis=1)]
            if close.size:
                same[p] = int(close[np.argmin(rank[close])])
                continue
        is_rep[p] = True
    return same


def _equivalents(table: pd.DataFrame, space: DealSpace, same_as: np.ndarray, rank: np.ndarray) -> list[str]:
    """The ``equivalent`` column: the other members of each row's group, each as the issues where
    it differs from the row (``issue=option``), in tie-break order."""
    issues = [i.name for i in space.issues]
    options = table[issues].astype(str).to_numpy()
    out = [""] * len(table)
    for r in np.flatnonzero(same_as == np.arange(len(table))):
        members = [m for m in np.flatnonzero(same_as == r) if m != r]
        members.sort(key=lambda m: rank[m])
        out[r] = "; ".join(
            ", ".join(
                f"{name}={options[m, j]}" for j, name in enumerate(issues) if options[m, j] != options[r, j]
            )
            for m in members
        )
    return out


def flag(table: pd.DataFrame, space: DealSpace, d_index: int, opts: DealOptions) -> pd.DataFrame:
    """Merge equal outcomes (7.15), then the ratification filter (7.7) and the flags (7.8-7.14),
    computed over one package per outcome and shared by its group."""
    a, b = (g.region for g in space.parties)
    tol = opts.tie_tol
    rank = tie_rank(table, space)
    same_as = merge_equal(_outcomes(table), rank, tol)
    u = table[[f"payoff_{a}", f"payoff_{b}"]].to_numpy(dtype=np.float64)
    d = u[d_index]
    ratified = np.ones(len(table), dtype=bool)
    for ws in space.win_sets:
        ratified &= table[f"winset_{ws.party}_{ws.region}_{ws.sector}"].to_numpy() >= ws.min_output_pct - 1e-9
    ratified = ratified[same_as]  # a group is ratified as its representative is
    rep = same_as == np.arange(len(table))
    out = table.copy()
    out[f"gain_{a}"] = u[:, 0] - d[0]
    out[f"gain_{b}"] = u[:, 1] - d[1]
    out["same_as"] = same_as
    out["equivalent"] = _equivalents(table, space, same_as, rank)
    out["ratified"] = ratified
    idx = np.flatnonzero(ratified & rep)
    frontier = np.zeros(len(table), dtype=bool)
    frontier[idx] = bg.pareto_frontier(u[idx], tol=tol)
    out["frontier"] = frontier[same_as]
    zopa = bg.zopa(u, d, tol=tol) & ratified
    out["zopa"] = zopa[same_as]
    second = f"rubinstein_{b}_first"
    for name in (*SOLUTIONS, second):
        out[name] = False
    rounds: dict[str, int] = {}
    equilibria = 0
    if idx.size:
        sub, order = u[idx], rank[idx]
        offers = bg.alternating_offers(sub, d, discount=opts.discount, tol=tol, order=order)
        con = bg.concession(sub, d)
        picks = {
            "nash": bg.nash_solution(sub, d, tol=tol, order=order),
            "kalai_smorodinsky": bg.kalai_smorodinsky(sub, d, tol=tol, order=order),
            "equal_gains": bg.equal_gains(sub, d, tol=tol, order=order),
            "rubinstein": offers.outcome(0).package,
            second: offers.outcome(1).package,
            "concession": con.package,
        }
        rounds = {
            "rubinstein": offers.outcome(0).round,
            second: offers.outcome(1).round,
            "concession": con.round,
        }
        equilibria = offers.equilibria
        for name, k in picks.items():
            if k is not None:
                out.loc[out.index[idx[k]], name] = True
    out.attrs["rounds"] = rounds
    out.attrs["equilibria"] = equilibria
    return out


__all__ = ["OUTCOME_PREFIXES", "SOLUTIONS", "flag", "merge_equal", "tie_rank"]
