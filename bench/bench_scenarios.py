"""The scenario library: welfare table, modest-deal timing, and the chokepoint sensitivity.

1. Welfare change (%) of every library scenario on the ``default`` baseline (for the README).
2. Solve time of ``modest-deal`` on the full 81 x 28 baseline with all six products split,
   best of ``--repeat`` warm solves (the dated, split baseline is prepared once, outside).
3. How much a rare-earth ban's cost to the US and Japan grows as the CES elasticity sigma
   of the magnet nest falls (``rare-earth-ban`` with sigma from 1 down to 0.05).

Run: ``python bench/bench_scenarios.py [--repeat 5]``
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import pandas as pd

import tradetalks as tt
from tradetalks.data.products import PRODUCTS
from tradetalks.levers import CriticalInputNest
from tradetalks.model.solver import solve_equilibrium
from tradetalks.scenarios import builtin_names

FOCUS = ["USA", "CHN", "JPN", "KOR", "MYS", "ASEAN", "EU27", "BRA", "ROW"]


def library_table(base: tt.Baseline) -> pd.DataFrame:
    cols = {}
    for name in builtin_names():
        sc = tt.load_scenario(name)
        prepared = sc.prepare(base)
        cols[name] = tt.solve(prepared, sc.compile(prepared), scenario=name).regions_frame()["welfare_pct"]
    return pd.DataFrame(cols).loc[FOCUS].T


def modest_deal_timing(repeat: int) -> tuple[float, int, int]:
    sc = dataclasses.replace(tt.load_scenario("modest-deal"), products=tuple(PRODUCTS))
    prepared = sc.prepare(tt.load_baseline("icio2022-full"))
    shocks = sc.compile(prepared)
    best, iters = float("inf"), 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        eq = solve_equilibrium(prepared, shocks)
        best = min(best, time.perf_counter() - t0)
        iters = eq.info.iterations
    return best, iters, prepared.n_sectors


def chokepoint_table(base: tt.Baseline) -> pd.DataFrame:
    sc = tt.load_scenario("rare-earth-ban")
    prepared = sc.prepare(base)
    magnets = prepared.sectors.index(PRODUCTS["rare-earth-magnets"].code)
    c29 = prepared.sector_index("C29")
    usa, jpn = prepared.region_index("USA"), prepared.region_index("JPN")
    rows = []
    for theta in (float(prepared.theta[magnets]), 4.0, 2.0):
        th = prepared.theta.copy()
        th[magnets] = theta
        world = prepared.with_theta(th)
        for sigma in (1.0, 0.5, 0.2, 0.05):
            levers = tuple(
                dataclasses.replace(lv, sigma=sigma) if isinstance(lv, CriticalInputNest) else lv
                for lv in sc.levers
            )
            res = tt.solve(world, dataclasses.replace(sc, levers=levers).compile(world))
            eq, w = res.equilibrium, res.regions_frame()["welfare_pct"]
            rows.append(
                {
                    "theta_magnets": theta,
                    "sigma": sigma,
                    "welfare_USA": w["USA"],
                    "welfare_JPN": w["JPN"],
                    "magnet_price_JPN": 100 * (eq.P_hat[jpn, magnets] - 1),
                    "car_cost_USA": 100 * (eq.c_hat[usa, c29] - 1),
                    "car_cost_JPN": 100 * (eq.c_hat[jpn, c29] - 1),
                }
            )
    return pd.DataFrame(rows).set_index(["theta_magnets", "sigma"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    pd.set_option("display.width", 160)
    base = tt.load_baseline("default")
    print("welfare change (%) on default, pre-summit tariffs (2025-10-15):")
    print(library_table(base).to_string(float_format=lambda v: f"{v:7.3f}"))
    t, iters, n_sec = modest_deal_timing(args.repeat)
    print(
        f"\nmodest-deal on icio2022-full with all products split (81 x {n_sec}): "
        f"{1e3 * t:.0f} ms, {iters} iterations"
    )
    print(
        "\nrare-earth ban: welfare (%), Japan's magnet price (%) and motor-vehicle unit costs (%) by the "
        "magnets' trade elasticity theta and the CES elasticity sigma of the magnet nest:"
    )
    print(chokepoint_table(base).to_string(float_format=lambda v: f"{v:8.4f}"))


if __name__ == "__main__":
    main()
