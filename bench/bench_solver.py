"""Benchmark: warm solve time and iterations of one counterfactual, against the paper's algorithm.

Prints, for the Caliendo-Parro data (31 x 40, NAFTA 1993 -> 2005 tariffs; needs the raw data),
the shipped ``default`` baseline (13 x 28, scenario us-100) and the full ICIO baseline
(81 x 28, scenario us-100): the package solver's best-of-k warm time and iterations, the plain
fixed-point reference (``bench/reference_cp.py``) run in the same process to the same tolerance
(1e-11), their ratio and the largest difference between their wage changes. Then, for the
same us-100 shock on ``default`` and ``icio2022-full``, one solve at each horizon (short, medium,
long) next to the long-run solve in the same run, with the ratio to it (target: the short run
within 3x of the long run).

Run: ``python bench/bench_solver.py [--repeat 5] [--skip-reference] [--skip-horizons]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tradetalks as tt
from reference_cp import solve_reference
from tradetalks.data.horizons import HORIZONS, at_horizon
from tradetalks.data.paths import find_data_dir
from tradetalks.model.solver import solve_equilibrium

#: Both solvers run to the same tolerance (largest relative residual of the equilibrium conditions).
TOL = 1e-11
OPTIONS = tt.SolverOptions(tol=TOL)


def cases() -> list[tuple[str, tt.Baseline, tt.Shocks]]:
    out = []
    data = find_data_dir()
    if data is not None:
        from tradetalks.calibration import load_cp2015
        from tradetalks.data.cp2015 import nafta_tariffs

        cp = load_cp2015(data)
        out.append(("CP2015 31x40 NAFTA", cp, tt.Shocks(tariffs=nafta_tariffs(cp, data))))
    else:
        print("raw data directory not found: skipping the CP2015 case", file=sys.stderr)
    for name in ("default", "icio2022-full"):
        base = tt.load_baseline(name)
        out.append(
            (
                f"{name} {base.n_regions}x{base.n_sectors} us-100",
                base,
                tt.load_scenario("us-100").compile(base),
            )
        )
    return out


def best_time(fn, repeat: int) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--skip-reference", action="store_true")
    ap.add_argument("--skip-horizons", action="store_true")
    args = ap.parse_args()
    print(
        f"{'case':34s} {'solver ms':>10s} {'iters':>6s} {'reference ms':>13s} {'ref iters':>9s} "
        f"{'speed-up':>9s} {'max |dw|':>9s}"
    )
    for label, base, shocks in cases():
        solve_equilibrium(base, shocks)  # warm-up (derived arrays cached on the baseline)
        t, eq = best_time(lambda b=base, s=shocks: solve_equilibrium(b, s, OPTIONS), args.repeat)
        iters = eq.info.iterations  # type: ignore[attr-defined]
        if args.skip_reference:
            print(f"{label:34s} {1e3 * t:10.1f} {iters:6d}")
            continue
        w_ref, ref_iters, t_ref = solve_reference(base, shocks, tol=TOL)
        dw = float(np.max(np.abs(w_ref - eq.w_hat)))  # type: ignore[attr-defined]
        print(
            f"{label:34s} {1e3 * t:10.1f} {iters:6d} {1e3 * t_ref:13.0f} {ref_iters:9d} "
            f"{t_ref / t:8.0f}x {dw:9.1e}"
        )
    if not args.skip_horizons:
        horizons(args.repeat)


def horizons(repeat: int) -> None:
    """us-100 at each horizon, against the long-run solve of the same run."""
    head = f"{'case':34s} {'horizon':>8s} {'solver ms':>10s} {'iters':>6s} {'vs long':>8s}"
    print(f"\n{head} {'USA welfare %':>14s}")
    for name in ("default", "icio2022-full"):
        base = tt.load_baseline(name)
        shocks = tt.load_scenario("us-100").compile(base)
        times = {}
        for h in ("long", *[h for h in HORIZONS if h != "long"]):
            b = at_horizon(base, h)
            solve_equilibrium(b, shocks)
            t, eq = best_time(lambda b=b, s=shocks: solve_equilibrium(b, s, OPTIONS), repeat)
            times[h] = t
            welfare = 100 * (tt.Result("us-100", eq, b, "fixed").welfare_hat[0] - 1)  # type: ignore[arg-type]
            print(
                f"{name + ' us-100':34s} {h:>8s} {1e3 * t:10.1f} {eq.info.iterations:6d} "  # type: ignore[attr-defined]
                f"{t / times['long']:7.2f}x {welfare:14.3f}"
            )


if __name__ == "__main__":
    main()
