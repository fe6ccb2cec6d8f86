"""Benchmark: deal spaces under parameter draws, and a 10,000-package deal space.

1. The built-in ``busan-2025`` deal space (324 packages) on ``default`` under ``--draws`` parameter
   draws (default 200: 64,800 equilibria; target <= 2 minutes on 2 cores), on ``--workers``
   processes: the chance of a zone of agreement and the most robust Nash package.
2. The 10,584-package deal space of ``bench/bench_strategy.py`` (busan-2025 with 14 x 14 tariff
   levels and a third chip option; target <= 1 minute on 2 cores), central case only.

Each is printed next to the time of one equilibrium solve of the same baseline (the space's
disagreement package, solved cold by ``solve_equilibrium``), measured in the same run.

Run: ``python bench/bench_deals_uncertainty.py [--draws 200] [--workers 2] [--skip-draws] [--skip-dense]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import tradetalks as tt
from bench_strategy import big_space
from tradetalks.analyses.deals import DealSpace, load_deal_space, solve_deal_space
from tradetalks.analyses.options import DealOptions
from tradetalks.baseline import Baseline
from tradetalks.levers import compile_levers
from tradetalks.model import solve_equilibrium


def one_solve_ms(base: Baseline, space: DealSpace, repeat: int = 5) -> float:
    """Median milliseconds of one cold equilibrium solve of the disagreement package."""
    world = space.base.prepare(base)
    package = tuple(space.disagreement[i.name] for i in space.issues)
    shocks = compile_levers(world, space.levers(package))
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        solve_equilibrium(world, shocks)
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-draws", action="store_true")
    ap.add_argument("--skip-dense", action="store_true")
    args = ap.parse_args()
    base = tt.load_baseline("default")
    options = DealOptions(workers=args.workers)
    if not args.skip_draws:
        space = load_deal_space("busan-2025")
        one = one_solve_ms(base, space)
        t0 = time.perf_counter()
        table = solve_deal_space(base, space, options=options, draws=args.draws, seed=args.seed)
        t = time.perf_counter() - t0
        u = table.uncertainty
        assert u is not None
        solves = space.size * (args.draws + 1)
        robust, prob = u.most_robust()
        print(
            f"busan-2025 under {args.draws} draws: {space.size} packages x {args.draws + 1} (central and "
            f"draws) = {solves} equilibria in {t:.1f} s with {args.workers} workers "
            f"({1e3 * t * args.workers / solves:.1f} ms per equilibrium and worker; draws alone "
            f"{u.seconds:.1f} s); mean passes per solve {u.iterations.mean():.1f}; one equilibrium "
            f"solve of the same baseline: {one:.1f} ms"
        )
        print(
            f"P(zone of agreement) = {u.prob_zopa_exists:.3f}; most robust Nash package {robust} "
            f"in {100 * prob:.1f} % of draws; central Nash package {table.solutions()['nash']}"
        )
        print(u.summary().iloc[:5].T.to_string())
    if not args.skip_dense:
        space = big_space()
        one = one_solve_ms(base, space)
        t0 = time.perf_counter()
        table = solve_deal_space(base, space, options=options)
        t = time.perf_counter() - t0
        tab = table.table
        print(
            f"deal space {space.name}: {len(tab)} packages in {t:.1f} s with {args.workers} workers "
            f"({1e3 * t / len(tab):.2f} ms per package; {1e3 * t * args.workers / len(tab):.1f} ms per "
            f"package and worker); mean passes per solve {tab['iterations'].mean():.1f}; one equilibrium "
            f"solve of the same baseline: {one:.1f} ms"
        )


if __name__ == "__main__":
    main()
