"""Benchmark: the deal space and optimal tariffs.

1. A 10,584-package deal space on the ``default`` baseline: the built-in ``busan-2025`` space
   (dated pre-summit baseline with the talks' products split out) with its two tariff issues
   widened to 14 levels each (-20 .. +125 points) and a third chip option (loosen): 14 x 14 x 3
   x 2 x 3 x 3 packages, solved on ``--workers`` processes (target: <= 2 minutes on 2 cores).
2. The optimal US tariffs on China by sector, on ``default`` and on the full 81 x 28 baseline.

Run: ``python bench/bench_strategy.py [--workers 2] [--skip-deals] [--skip-optimal]``
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import tradetalks as tt
from tradetalks.analyses.deals import DealSpace, Issue, Option, load_deal_space, solve_deal_space
from tradetalks.analyses.objectives import Government
from tradetalks.analyses.optimal import optimal_tariffs
from tradetalks.analyses.options import DealOptions
from tradetalks.levers import TariffChange, TradeCostChange

LEVELS = (-20, -10, 0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 125)


def tariff_issue(name: str, importer: str, exporter: str) -> Issue:
    options = []
    for pp in LEVELS:
        levers = () if pp == 0 else (TariffChange(importer, (exporter,), "goods", add_pp=float(pp)),)
        options.append(Option(f"{pp:+d}", levers))
    return Issue(name, tuple(options))


def big_space() -> DealSpace:
    space = load_deal_space("busan-2025")
    loosen = Option(
        "loosen",
        (TradeCostChange(("CHN",), ("USA",), ("semiconductors", "chip-tools"), change_pct=-20.0),),
    )
    issues = []
    for issue in space.issues:
        if issue.name == "us-tariff-on-china":
            issues.append(tariff_issue(issue.name, "USA", "CHN"))
        elif issue.name == "china-tariff-on-us":
            issues.append(tariff_issue(issue.name, "CHN", "USA"))
        elif issue.name == "chips":
            issues.append(dataclasses.replace(issue, options=(*issue.options, loosen)))
        else:
            issues.append(issue)
    disagreement = dict(space.disagreement, **{"us-tariff-on-china": "+100", "china-tariff-on-us": "+100"})
    return dataclasses.replace(
        space, name="busan-2025-dense", issues=tuple(issues), disagreement=disagreement
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-deals", action="store_true")
    ap.add_argument("--skip-optimal", action="store_true")
    args = ap.parse_args()
    if not args.skip_deals:
        space = big_space()
        base = tt.load_baseline("default")
        t0 = time.perf_counter()
        deals = solve_deal_space(base, space, options=DealOptions(workers=args.workers))
        t = time.perf_counter() - t0
        tab = deals.table
        print(
            f"deal space: {len(tab)} packages on default in {t:.1f} s with {args.workers} workers "
            f"({1e3 * t / len(tab):.1f} ms per package); frontier {int(tab['frontier'].sum())}, "
            f"ZOPA {int(tab['zopa'].sum())}, mean solver iterations {tab['iterations'].mean():.0f}"
        )
        print(deals.summary()[[i.name for i in space.issues]].to_string())
    if not args.skip_optimal:
        for name in ("default", "icio2022-full"):
            base = tt.load_baseline(name)
            res = optimal_tariffs(base, Government("USA"), ["CHN"])
            print(
                f"optimal US tariffs on China, {name} {base.n_regions}x{base.n_sectors}: "
                f"{res.seconds:.1f} s, {res.iterations} iterations, "
                f"mean tariff {100 * res.tariffs.mean():.1f} %"
            )


if __name__ == "__main__":
    main()
