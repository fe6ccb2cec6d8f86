"""Benchmark: intervals on every output of ``tt.run`` (Monte Carlo and the delta method).

Prints, on the shipped ``default`` baseline and scenario us-100:

* one central solve (``tt.run`` without intervals, long run only), the best of ``--repeat``;
* a ``--draws``-draw Monte Carlo (default 1,000; target <= 20 s on a 2-core machine), at the long
  run alone and with the default alongside horizon (long and short: every draw solved twice),
  the seconds it took, per draw, and as a multiple of the central solve;
* the delta method's intervals, long run alone and long and short;

then, in a child process (its own peak memory), a ``--full-draws``-draw Monte Carlo (default 50)
of us-100 on ``icio2022-full`` at the long run: seconds and the child's peak resident memory
(``ru_maxrss``; target < 2 GB).

Run: ``python bench/bench_uncertainty.py [--draws 1000] [--full-draws 50] [--repeat 3] [--seed 0]
[--skip-full]``
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time

import tradetalks as tt
from tradetalks.analyses.uncertainty import solve_drawn
from tradetalks.api.inputs import baseline_of, scenario_of


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def default_case(draws: int, seed: int, repeat: int) -> None:
    sc = scenario_of("us-100", None)
    prepared = sc.prepare(baseline_of("default"))
    whole, _ = timed(lambda: tt.run("us-100", alongside=()), repeat)
    solve, _ = timed(lambda: solve_drawn(prepared, sc, None), repeat)
    print(
        f"default 13x28 us-100: one central solve {1e3 * solve:.1f} ms (tt.run with loading and dating "
        f"the baseline: {1e3 * whole:.0f} ms)"
    )
    for label, alongside in (("long", ()), ("long+short", None)):
        seconds, run = timed(lambda a=alongside: tt.run("us-100", alongside=a, draws=draws, seed=seed))
        row = run.uncertainty.table.loc[("long", "USA", "welfare_pct")]  # type: ignore[attr-defined]
        print(
            f"  Monte Carlo {draws} draws, {label:10s}: {seconds:6.2f} s  ({1e3 * seconds / draws:.1f} ms a "
            f"draw, {seconds / solve:.0f} central solves); USA welfare {row['central']:.3f} % "
            f"[{row['p5']:.3f}, {row['p95']:.3f}]"
        )
    for label, alongside in (("long", ()), ("long+short", None)):
        seconds, run = timed(lambda a=alongside: tt.run("us-100", alongside=a, intervals="delta"), repeat)
        row = run.uncertainty.table.loc[("long", "USA", "welfare_pct")]  # type: ignore[attr-defined]
        print(
            f"  delta method, {label:10s}: {seconds:6.2f} s  (tt.run included; {seconds / solve:.0f} central "
            f"solves); USA welfare {row['central']:.3f} % [{row['p5']:.3f}, {row['p95']:.3f}]"
        )


def full_case(draws: int, seed: int) -> None:
    """Run in the child process: the Monte Carlo on icio2022-full, its time and peak memory."""
    t0 = time.perf_counter()
    central = tt.run("us-100", baseline="icio2022-full", alongside=())
    t1 = time.perf_counter()
    run = tt.run("us-100", baseline="icio2022-full", alongside=(), draws=draws, seed=seed)
    t2 = time.perf_counter()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    row = run.uncertainty.table.loc[("long", "USA", "welfare_pct")]  # type: ignore[union-attr]
    print(
        f"icio2022-full 81x28 us-100: central {t1 - t0:.2f} s (load and solve); Monte Carlo {draws} draws "
        f"{t2 - t1:.1f} s ({(t2 - t1) / draws:.2f} s a draw); peak resident memory {rss_mb:.0f} MB; "
        f"USA welfare {central.result.regions_frame().loc['USA', 'welfare_pct']:.3f} % "
        f"[{row['p5']:.3f}, {row['p95']:.3f}]"
    )
    t3 = time.perf_counter()
    delta = tt.run("us-100", baseline="icio2022-full", alongside=(), intervals="delta")
    row = delta.uncertainty.table.loc[("long", "USA", "welfare_pct")]  # type: ignore[union-attr]
    print(
        f"  delta method: {time.perf_counter() - t3:.1f} s (tt.run included); USA welfare "
        f"[{row['p5']:.3f}, {row['p95']:.3f}]; peak resident memory then "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--draws", type=int, default=1000)
    p.add_argument("--full-draws", type=int, default=50)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--skip-full", action="store_true")
    p.add_argument("--full-child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.full_child:
        full_case(args.full_draws, args.seed)
        return
    default_case(args.draws, args.seed, args.repeat)
    if not args.skip_full:
        cmd = [
            sys.executable,
            __file__,
            "--full-child",
            "--full-draws",
            str(args.full_draws),
            "--seed",
            str(args.seed),
        ]
        subprocess.run(cmd, check=True)


if __name__ == "__main__":
    main()
