"""Benchmark: the global uniform-tariff Nash war of Lashkaripour (2021) on ICIO 2022 and WIOD 2014.

1. For each cube (``IS`` elasticities; needs the raw data): the time to read it and build the
   deficit-free base world, the joint Newton solve of the Nash war (3N unknowns, formula (7),
   the default), and -- in the same run, on the same world -- one equilibrium solve (2N
   unknowns) from a cold start at the Nash tariffs, the reference the war is measured
   against; then the mean welfare change. Target: the ICIO 2022 war (81 economies) within
   5 s on a two-core machine (it takes about 0.15 s).
2. The speed of the joint solve against the textbook alternative, iterated best responses
   (each country maximising its welfare over its own tariff by Brent's method, equilibrium
   solve by equilibrium solve), both on the exact first-order condition (9), on WIOD 2014
   grouped into five regions (USA, CHN, DEU, JPN, rest), where the best responses still run
   in about a second.
3. The mean welfare change of the war in every cube year present, WIOD and ICIO
   (``--no-years`` skips it).

Times are the median of ``--repeat`` runs (default 5), single-threaded BLAS as in the solvers.
``--exact`` adds the war under the exact first-order condition (9) on the full cubes.

Run: ``python bench/bench_peer.py [--repeat 5] [--exact] [--no-years]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import TypeVar

import numpy as np

from tradetalks.errors import DataError
from tradetalks.replication.lashkaripour2021 import (
    PeerCube,
    PeerWorld,
    balanced_world,
    calibrate,
    peer_best_response_nash,
    peer_nash_war,
    peer_war_years,
    peer_world,
    read_peer_cube,
    solve_peer,
)
from tradetalks.replication.lashkaripour2021.published import README_MEAN_WELFARE_WIOD2014_IS

T = TypeVar("T")
CASES = (("ICIO", 2022), ("WIOD", 2014))
REGIONS = ("USA", "CHN", "DEU", "JPN")


def timed(fn: Callable[[], T], repeat: int) -> tuple[float, T]:
    """Median wall time of ``repeat`` calls and the last result."""
    times: list[float] = []
    out: T | None = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    assert out is not None
    return statistics.median(times), out


def regions(cube: PeerCube, keep: tuple[str, ...] = REGIONS) -> PeerWorld:
    """``cube`` grouped into ``keep`` and the rest (gross flows and tariff revenue summed)."""
    member = np.zeros((len(keep) + 1, cube.shape[0]))
    for c, code in enumerate(cube.countries):
        member[keep.index(code) if code in keep else len(keep), c] = 1.0
    gross = np.einsum("gn,hi,nik->ghk", member, member, cube.flows)
    revenue = np.einsum("gn,hi,nik->ghk", member, member, cube.flows * cube.tariffs / (1.0 + cube.tariffs))
    tariffs = np.divide(revenue, gross - revenue, out=np.zeros_like(gross), where=gross > revenue)
    g = np.arange(len(keep) + 1)
    tariffs[g, g, :] = 0.0
    return balanced_world(calibrate(gross, tariffs, cube.epsilon, countries=(*keep, "REST")))


def bench_cube(cube: PeerCube, repeat: int, exact: bool) -> None:
    label = f"{cube.dataset} {cube.year} ({cube.shape[0]} x {cube.shape[1]})"

    def read() -> PeerCube:
        return read_peer_cube(None, cube.dataset, cube.year, "IS")

    def base() -> PeerWorld:
        return peer_world(cube)

    t_read, _ = timed(read, repeat)
    t_world, world = timed(base, repeat)
    t_war, war = timed(lambda: peer_nash_war(world), repeat)
    t_eq, eq = timed(lambda: solve_peer(world, war.equilibrium.tariffs), repeat)
    print(f"{label:28s} {'read the cube':44s} {t_read:10.3f} s")
    print(f"{label:28s} {'base world (deficits removed: one solve)':44s} {t_world:10.3f} s")
    print(f"{label:28s} {f'Nash war, joint Newton ({war.info.iterations} steps)':44s} {t_war:10.3f} s")
    print(f"{label:28s} {f'one equilibrium solve ({eq.info.iterations} steps)':44s} {t_eq:10.3f} s")
    print(f"{label:28s} {'Nash war / one equilibrium solve':44s} {t_war / t_eq:10.1f} x")
    ref = f" (tariffwar README {README_MEAN_WELFARE_WIOD2014_IS})" if cube.dataset == "WIOD" else ""
    print(
        f"{label:28s} mean welfare change {war.mean_welfare_pct:.3f} %{ref}, "
        f"mean Nash tariff {war.mean_tariff_pct:.2f} %"
    )
    if exact:
        t_ex, ex = timed(lambda: peer_nash_war(world, foc="exact", start=war), 1)
        print(f"{label:28s} {f'Nash war, exact FOC ({ex.info.iterations} steps)':44s} {t_ex:10.3f} s")
        print(f"{label:28s} exact FOC: mean welfare change {ex.mean_welfare_pct:.3f} %")


def bench_best_response(cube: PeerCube, repeat: int) -> None:
    world = regions(cube)
    label = f"{cube.dataset} {cube.year} (5 regions)"
    t_joint, war = timed(lambda: peer_nash_war(world, foc="exact"), repeat)
    t_brute, brute = timed(lambda: peer_best_response_nash(world, war.rates + 0.03), 1)
    gap = float(np.max(np.abs(brute.rates - war.rates)))
    step = f"Nash war, joint Newton, exact FOC ({war.info.iterations} steps)"
    print(f"{label:28s} {step:44s} {t_joint:10.3f} s")
    print(f"{label:28s} {f'iterated best responses ({brute.rounds} rounds)':44s} {t_brute:10.3f} s")
    print(f"{label:28s} {'best responses / joint Newton':44s} {t_brute / t_joint:10.0f} x")
    print(f"{label:28s} largest tariff difference {gap:.1e}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--exact", action="store_true", help="also the exact first-order condition (9)")
    ap.add_argument("--no-years", action="store_true", help="skip the mean welfare change of every year")
    args = ap.parse_args()
    try:
        cubes = [read_peer_cube(None, ds, yr, "IS") for ds, yr in CASES]
    except DataError as exc:
        print(f"raw cubes absent: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    print(f"{'case':28s} {'step':44s} {'median wall':>12s}")
    for cube in cubes:
        bench_cube(cube, args.repeat, args.exact)
    bench_best_response(cubes[1], args.repeat)
    if not args.no_years:
        for dataset in ("WIOD", "ICIO"):
            t0 = time.perf_counter()
            table = peer_war_years(dataset)
            print(
                f"\n{dataset}, IS elasticities: every year present ({time.perf_counter() - t0:.1f} s in all)"
            )
            cols = ["countries", "mean_welfare_pct", "min_welfare_pct", "max_welfare_pct", "mean_tariff_pct"]
            print(table[[*cols, "iterations", "seconds"]].round(3).to_string())


if __name__ == "__main__":
    main()
