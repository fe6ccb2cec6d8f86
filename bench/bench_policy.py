"""Benchmark: strategy at scale (optimal tariffs, wars, talks), each against one equilibrium solve.

Every figure is printed with the time of one equilibrium solve of the same baseline (its
tariffs scaled by 1.5, from a cold start), measured in the same run, and their ratio (how many
solves the analysis costs):

1. optimal US tariffs on China by sector, ``default`` (target <= 1 s) and ``icio2022-full``
   (<= 10 s);
2. the bilateral USA-CHN sector war on ``default`` (<= 2 s), joint solve and best responses;
3. Nash talks between the US and China from the ``us-100-retaliation`` threat (<= 5 s);
4. the all-13-region sector war on ``default`` (<= 60 s; ``--skip-13`` to leave it out);
5. the 81-economy uniform war on ICIO 2022 (<= 5 s), peer model, if the raw cubes are present.

Run: ``python bench/bench_policy.py [--skip-13] [--skip-full] [--only full-optimal]`` (``--only
full-optimal``: figure 1 on ``icio2022-full`` alone, with the processor time next to the wall time,
which is the steadier figure on a busy machine).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import tradetalks as tt
from tradetalks.analyses.options import WarOptions
from tradetalks.errors import DataError


def one_solve(baseline: str) -> float:
    """Best of three cold equilibrium solves of ``baseline`` with its tariffs scaled by 1.5 (seconds)."""
    base = tt.load_baseline(baseline)
    shocks = tt.Shocks(tariffs=np.array(base.tariffs) * 1.5)  # a shock, so the solver has work
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        tt.solve(base, shocks)
        times.append(time.perf_counter() - t0)
    return min(times)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def full_optimal() -> None:
    """Figure 1 on ``icio2022-full`` only: wall and processor time against one solve."""
    full = one_solve("icio2022-full")
    c0 = time.process_time()
    t, opt = timed(lambda: tt.optimal_tariff("USA", "CHN", baseline="icio2022-full"))
    cpu = time.process_time() - c0
    extra = f"{opt.iterations} iterations, {cpu:.2f} s processor time"
    line("optimal US tariffs on China, icio2022-full", t, full, 10.0, extra)


def line(what: str, seconds: float, solve: float, target: float, extra: str = "") -> None:
    mark = "ok" if seconds <= target else "over target"
    print(
        f"{what:58s} {seconds:7.2f} s  = {seconds / solve:6.0f} solves of {1e3 * solve:6.1f} ms"
        f"  (target {target:g} s: {mark}){'; ' + extra if extra else ''}",
        flush=True,
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-13", action="store_true", help="leave out the 13-region war")
    ap.add_argument("--skip-full", action="store_true", help="leave out icio2022-full")
    ap.add_argument("--only", choices=["full-optimal"], help="run one figure alone")
    args = ap.parse_args()
    if args.only == "full-optimal":
        full_optimal()
        return
    solve = one_solve("default")
    t, opt = timed(lambda: tt.optimal_tariff("USA", "CHN"))
    line("optimal US tariffs on China, default", t, solve, 1.0, f"{opt.iterations} iterations")
    if not args.skip_full:
        full = one_solve("icio2022-full")
        t, opt = timed(lambda: tt.optimal_tariff("USA", "CHN", baseline="icio2022-full"))
        line("optimal US tariffs on China, icio2022-full", t, full, 10.0, f"{opt.iterations} iterations")
    t, war = timed(lambda: tt.war("USA,CHN", bilateral=True))
    line("bilateral USA-CHN war, default, joint", t, solve, 2.0, f"{war.rounds} evaluations")
    t_br, br = timed(lambda: tt.war("USA,CHN", bilateral=True, options=WarOptions(method="best-response")))
    line("bilateral USA-CHN war, default, best responses", t_br, solve, 2.0, f"{br.rounds} rounds")
    t, talks = timed(lambda: tt.talks("USA,CHN", threat="us-100-retaliation"))
    pct = 100 * np.expm1(talks.gain_values)
    gains = ", ".join(f"{p} {g:.2f} %" for p, g in zip(talks.parties, pct, strict=True))
    line("Nash talks USA-CHN from us-100-retaliation, default", t, solve, 5.0, f"gains {gains}")
    if not args.skip_13:
        regions = tt.load_baseline("default").regions
        t, war13 = timed(lambda: tt.war(list(regions)))
        line("all-13-region sector war, default, joint", t, solve, 60.0, f"{war13.rounds} evaluations")
    try:
        t, peer = timed(lambda: tt.peer_war("ICIO", 2022))
    except DataError as exc:
        print(f"81-economy uniform war (peer model): skipped, {exc}")
    else:
        inner = peer.info.seconds / max(peer.info.iterations, 1)
        print(
            f"{'81-economy uniform war, ICIO 2022, peer model':58s} {peer.info.seconds:7.2f} s solve "
            f"({peer.info.iterations} Newton steps, {1e3 * inner:.0f} ms a step; {t:.2f} s with reading "
            f"the cube; target 5 s); mean welfare {peer.mean_welfare_pct:.3f} %"
        )


if __name__ == "__main__":
    main()
