"""Benchmark: batched equilibrium solves (``tradetalks.model.solve_batch``) against one by one.

The Monte Carlo case: scenario us-100 on a baseline under trade-elasticity draws
(``parameter_draws`` with ``Priors(vary=("trade_elasticity",))``, ``drawn_baseline``), at the
long and the short horizon (sector-specific factor prices); and the deal-space case: one baseline,
many tariff packages (the us-100 increase scaled from 0 to 2). For each case it prints the
one-by-one solver time per draw (``solve_equilibrium`` in a loop), then for ``solve_batch`` with its
default batch size (in brackets; one means it solves one by one) and with each batch size the
batched time per draw, its ratio against the one-by-one run of the same process (``speed-up`` >
1 is faster), the largest relative difference from the one-by-one results in wages, prices and
welfare, and the working memory of one batch (the peak memory tracemalloc saw allocated while
solving it, beyond what its results keep; in a separate untimed run; for one by one, while
solving all draws); the process's peak resident memory is printed at the end. Drawing the
elasticities and compiling the scenario (the same for both) are outside the timings. Times are the
best of ``--repeat`` runs.

Run: ``python bench/bench_batch.py [--draws 1000] [--full-draws 50] [--repeat 2] [--seed 7]
[--sizes 10 25 50 100 250 1000] [--full-sizes 1 2 5 10 25 50] [--packages 250] [--skip-full]
[--skip-short]``
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc
from collections.abc import Callable, Sequence

import numpy as np

import tradetalks as tt
from tradetalks.analyses.uncertainty import Priors, drawn_baseline, parameter_draws
from tradetalks.api.inputs import baseline_of, scenario_of
from tradetalks.model import Equilibrium, Shocks, solve_batch, solve_equilibrium
from tradetalks.model.batch import default_batch_size

PRIORS = Priors(vary=("trade_elasticity",))


def case(name: str, horizon: str, draws: int, seed: int) -> tuple[list[tt.Baseline], list[Shocks], float]:
    """The drawn baselines and compiled shocks; the seconds per draw it took to make them.

    ``horizon="packages"``: the deal-space case instead, one baseline and ``draws`` tariff
    packages, the us-100 tariff increase scaled by factors from 0 to 2.
    """
    sc = scenario_of("us-100", None)
    prep = sc.prepare(baseline_of(name))
    if horizon == "packages":
        t0 = time.perf_counter()
        base_t, us100 = np.asarray(prep.tariffs), np.asarray(sc.compile(prep).tariffs)
        packages = [Shocks(tariffs=base_t + f * (us100 - base_t)) for f in np.linspace(0.0, 2.0, draws)]
        return [prep] * draws, packages, (time.perf_counter() - t0) / draws
    t0 = time.perf_counter()
    worlds = [drawn_baseline(prep, d, horizon) for d in parameter_draws(prep, draws, seed, PRIORS)]
    shocks = [sc.compile(w) for w in worlds]
    return worlds, shocks, (time.perf_counter() - t0) / draws


def work_mb(fn: Callable[[], object]) -> float:
    """Peak memory allocated while ``fn`` runs beyond what its result keeps (tracemalloc), MB."""
    tracemalloc.start()
    try:
        out = fn()
        current, peak = tracemalloc.get_traced_memory()
        del out
        return (peak - current) / 2**20
    finally:
        tracemalloc.stop()


def max_rel(a: Sequence[Equilibrium], b: Sequence[Equilibrium]) -> float:
    out = 0.0
    for x, y in zip(a, b, strict=True):
        wx = tt.Result("x", x, x.baseline, "fixed").welfare_hat
        wy = tt.Result("x", y, y.baseline, "fixed").welfare_hat
        for u, v in ((x.w_hat, y.w_hat), (x.P_hat, y.P_hat), (wx, wy)):
            out = max(out, float(np.max(np.abs(np.asarray(u) / np.asarray(v) - 1.0))))
    return out


def run(name: str, horizon: str, draws: int, sizes: Sequence[int], repeat: int, seed: int) -> None:
    worlds, shocks, t_make = case(name, horizon, draws, seed)
    sizes = [s for s in sizes if s <= draws]
    solve_equilibrium(worlds[0], shocks[0])  # warm-up
    configs: dict[str, Callable[[], list[Equilibrium]]] = {
        "1 by 1": lambda: [solve_equilibrium(w, s) for w, s in zip(worlds, shocks, strict=True)],
        "default": lambda: solve_batch(worlds, shocks),
    }
    for size in sizes:
        configs[str(size)] = lambda n=size: solve_batch(worlds, shocks, batch_size=n)  # type: ignore[misc]
    times = dict.fromkeys(configs, np.inf)
    diffs: dict[str, float] = {}
    ref: list[Equilibrium] = []
    for _ in range(repeat):  # the runs interleaved, so that a change of load hits them alike
        for key, fn in configs.items():
            t0 = time.perf_counter()
            out = fn()
            times[key] = min(times[key], time.perf_counter() - t0)
            ref = out if key == "1 by 1" else ref
            diffs[key] = max_rel(out, ref)
            del out
    mems = {key: work_mb(fn) for key, fn in configs.items() if key in ("1 by 1", "default")}
    for size in sizes:
        mems[str(size)] = work_mb(lambda n=size: solve_batch(worlds[:n], shocks[:n], batch_size=n))  # type: ignore[misc]
    iters = np.mean([eq.info.iterations for eq in ref])
    label = f"{name} {worlds[0].n_regions}x{worlds[0].n_sectors} us-100 {horizon}"
    what = "tariff packages" if horizon == "packages" else f"trade-elasticity draws (seed {seed})"
    print(f"\n{label}: {draws} {what}, {iters:.1f} passes a solve on average")
    print(f"  drawing and compiling: {1e3 * t_make:.2f} ms a draw (not in the timings)")
    print(f"  {'batch':>8s} {'ms/solve':>9s} {'speed-up':>9s} {'max rel diff':>13s} {'work MB':>8s}")
    for key in configs:
        shown = (
            f"{key} ({default_batch_size(worlds[0].n_regions, worlds[0].n_sectors)})"
            if key == "default"
            else key
        )
        print(
            f"  {shown:>8s} {1e3 * times[key] / draws:9.2f} {times['1 by 1'] / times[key]:8.2f}x "
            f"{diffs[key]:13.1e} {mems[key]:8.1f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--full-draws", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 25, 50, 100, 250, 1000])
    ap.add_argument("--full-sizes", type=int, nargs="+", default=[1, 2, 5, 10, 25, 50])
    ap.add_argument("--skip-full", action="store_true")
    ap.add_argument("--skip-short", action="store_true")
    ap.add_argument("--packages", type=int, default=250, help="deal-space case: packages (0: skip)")
    args = ap.parse_args()
    horizons = ("long",) if args.skip_short else ("long", "short")
    for horizon in horizons:
        run("default", horizon, args.draws, args.sizes, args.repeat, args.seed)
    if args.packages:
        run("default", "packages", args.packages, args.sizes, args.repeat, args.seed)
    if not args.skip_full:
        run("icio2022-full", "long", args.full_draws, args.full_sizes, args.repeat, args.seed)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak resident memory of the process: {rss:.0f} MB")


if __name__ == "__main__":
    main()
