"""The scenario library: welfare table, modest-deal timing, and the chokepoint sensitivity.

1. Welfare change (%) of every library scenario on the ``default`` baseline, long and short run
   (for the README).
2. Solve time of ``modest-deal`` on the full 81 x 28 baseline with all six products split,
   best of ``--repeat`` warm solves (the dated, split baseline is prepared once, outside).
3. The rare-earth ban's cost by horizon, by the supply elasticity of magnets and compounds
   outside China and by the CES elasticity sigma of the magnet nest (docs/chokepoints.md).

Run: ``python bench/bench_scenarios.py [--repeat 5]``
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import pandas as pd

import tradetalks as tt
from tradetalks.data.horizons import at_horizon
from tradetalks.data.products import PRODUCTS
from tradetalks.levers import CriticalInputNest
from tradetalks.model.solver import solve_equilibrium
from tradetalks.scenarios import builtin_names

FOCUS = ["USA", "CHN", "JPN", "KOR", "MYS", "ASEAN", "EU27", "BRA", "ROW"]


def library_table(base: tt.Baseline) -> pd.DataFrame:
    """Welfare (%) of every library scenario at the long and the short horizon."""
    rows = {}
    for name in builtin_names():
        run = tt.run(name, baseline=base)
        for h in ("long", "short"):
            rows[(name, h)] = run.at(h).regions_frame()["welfare_pct"]
    table = pd.DataFrame(rows).loc[FOCUS].T
    table.index.names = ["scenario", "horizon"]
    return table


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
    """The rare-earth ban by horizon, by the sigma of the magnet nest and by the supply elasticity
    of magnets and compounds outside China (the short run's is 0.2, the medium run's 1)."""
    sc = tt.load_scenario("rare-earth-ban")
    prepared = sc.prepare(base)
    magnets = prepared.sectors.index(PRODUCTS["rare-earth-magnets"].code)
    c29 = prepared.sector_index("C29")
    usa = prepared.region_index("USA")
    rows = []
    cases = [("long", None)] + [("short", e) for e in (0.05, 0.2, 1.0)] + [("medium", 1.0)]
    for horizon, epsilon in cases:
        world = at_horizon(prepared, horizon)
        if epsilon is not None:  # the horizon's parameters, with another supply elasticity
            meta = dict(world.meta)
            meta["horizon"] = dict(meta["horizon"], critical_supply_elasticity=epsilon)
            world = world.replace(meta=meta)
        for sigma in (1.0, 0.2, 0.05, 0.01):
            levers = tuple(
                dataclasses.replace(lv, sigma=sigma) if isinstance(lv, CriticalInputNest) else lv
                for lv in sc.levers
            )
            t0 = time.perf_counter()
            res = tt.solve(world, dataclasses.replace(sc, levers=levers).compile(world))
            eq, w = res.equilibrium, res.regions_frame()["welfare_pct"]
            volume = eq.output[usa, c29] / prepared.gross_output[usa, c29] / eq.c_hat[usa, c29]
            rows.append(
                {
                    "horizon": horizon,
                    "supply_elasticity": epsilon,
                    "sigma": sigma,
                    "welfare_USA": w["USA"],
                    "welfare_JPN": w["JPN"],
                    "welfare_KOR": w["KOR"],
                    "welfare_EU27": w["EU27"],
                    "magnet_price_USA_pct": 100 * (eq.P_hat[usa, magnets] - 1),
                    "cars_volume_USA_pct": 100 * (volume - 1),
                    "solve_s": time.perf_counter() - t0,
                }
            )
    return pd.DataFrame(rows).set_index(["horizon", "supply_elasticity", "sigma"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    pd.set_option("display.width", 160)
    base = tt.load_baseline("default")
    print("welfare change (%) on default, each scenario on its own tariff date, long and short run:")
    print(library_table(base).to_string(float_format=lambda v: f"{v:7.3f}"))
    t, iters, n_sec = modest_deal_timing(args.repeat)
    print(
        f"\nmodest-deal on icio2022-full with all products split (81 x {n_sec}): "
        f"{1e3 * t:.0f} ms, {iters} iterations"
    )
    print(
        "\nrare-earth ban: welfare (%), the US magnet price (%) and US car output in volume (%) by horizon, "
        "the supply elasticity outside China and the CES elasticity sigma of the magnet nest:"
    )
    print(chokepoint_table(base).to_string(float_format=lambda v: f"{v:9.3f}"))


if __name__ == "__main__":
    main()
