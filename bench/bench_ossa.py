"""Benchmark: Ossa (2014) on his data, wall time of each exercise (needs the raw data).

Prints the time of: building the deficit-free baseline; one optimal-tariff problem (the US,
bilateral tariffs, 198 variables, including the MFN problem that starts it; and the MFN
problem alone, 33 variables); the Nash tariff war (bilateral, including the MFN war that
starts it, as in Ossa's code); the trade talks from the Nash, factual and free-trade tariffs
(1386 bilateral tariffs each); with the headline numbers next to Ossa's. ``--mfn`` adds the
MFN war and talks (Tables 9 and 10). Ossa's MATLAB code needs about four days for all of it.

Run: ``python bench/bench_ossa.py [--mfn]``
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import TypeVar

import numpy as np

from tradetalks.errors import DataError
from tradetalks.replication.ossa2014 import (
    load_ossa2014,
    load_ossa2014_results,
    ossa_nash_war,
    ossa_optimal_tariffs,
    ossa_trade_talks,
    ossa_world,
)
from tradetalks.replication.ossa2014.data import REGIONS, ossa2014_dir

T = TypeVar("T")


def timed(label: str, fn: Callable[[], T]) -> tuple[T, float]:
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    print(f"{label:58s} {dt:8.2f} s")
    return out, dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mfn", action="store_true", help="also the MFN war and talks (Tables 9, 10)")
    args = ap.parse_args()
    try:
        ossa2014_dir()
    except DataError as exc:
        print(f"Ossa (2014) raw data absent: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    data = load_ossa2014()
    published = load_ossa2014_results()
    usa = REGIONS.index("USA")
    print(f"{'step':58s} {'wall':>10s}")
    world, _ = timed("deficit-free baseline (Ossa's DATA.mat)", lambda: ossa_world(data))
    opt, _ = timed(
        "optimal tariffs of the US, bilateral (198 tariffs)", lambda: ossa_optimal_tariffs(world, usa)
    )
    timed("optimal tariffs of the US, MFN (33 tariffs)", lambda: ossa_optimal_tariffs(world, usa, mfn=True))
    war, t_war = timed("Nash tariff war, bilateral (7 x 198 tariffs)", lambda: ossa_nash_war(world))
    fact, t_fact = timed("trade talks from the factual tariffs", lambda: ossa_trade_talks(world))
    nash, t_nash = timed(
        "trade talks from the Nash tariffs",
        lambda: ossa_trade_talks(world, war.tariffs, guess=fact.tariffs),
    )
    free, t_free = timed(
        "trade talks from free trade",
        lambda: ossa_trade_talks(world, np.zeros_like(war.tariffs), guess=fact.tariffs),
    )
    print(f"{'Nash war + the three talks':58s} {t_war + t_fact + t_nash + t_free:8.2f} s")
    if args.mfn:
        mwar, _ = timed("Nash tariff war, MFN", lambda: ossa_nash_war(world, mfn=True))
        timed("MFN trade talks from the factual tariffs", lambda: ossa_trade_talks(world, mfn=True))
        timed("MFN trade talks from the Nash tariffs", lambda: ossa_trade_talks(world, war.tariffs, mfn=True))
        print(f"  MFN Nash welfare %: {np.round(100 * (mwar.equilibrium.welfare_hat - 1), 2)}")
    t3, t4, t5 = (published.tables[k] for k in ("TABLE3a", "TABLE4a", "TABLE5a"))
    print()
    us_gain = 100 * (opt.equilibrium.welfare_hat[usa] - 1)
    print(f"US optimal tariffs: welfare {us_gain:.2f} % (Ossa {t3[usa, 2]})")
    print(f"Nash war welfare %:  {np.round(100 * (war.equilibrium.welfare_hat - 1), 2)}")
    print(f"  Ossa, Table 4a:    {t4[:7, 1]}")
    print(f"Nash rounds {war.rounds}, last largest tariff change {war.changes[-1]:.1e}")
    for label, talks, col in (("Nash", nash, 0), ("factual", fact, 1), ("free trade", free, 2)):
        print(
            f"talks from {label:10s}: equal gains {talks.gains_pct.mean():.3f} % (Ossa {t5[0, col]}); "
            f"{talks.outer_iterations} outer, {talks.inner_iterations} inner iterations"
        )


if __name__ == "__main__":
    main()
