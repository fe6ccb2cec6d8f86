"""Fuzz the input checks: the properties of ``tests/properties`` on many generated cases.

Per entry point (scenario files, the Python API's ``run()`` arguments and option objects, the
command line) it runs ``--examples`` generated cases through the same check as the tests and
prints the cases tried, how many were valid and invalid, the errors raised by type, the failures
(a valid input refused, an invalid one accepted, an exception that is not the package's, or a
refusal that does not name the field: there must be none) and the wall time.

Run from the repository root: ``python bench/fuzz_inputs.py [--examples 10000] [--only cli]``
(exit status 1 if any case failed).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.properties.cases import Case, PropertyFailedError, Tally
from tests.properties.entry_points import ENTRY_POINTS


def fuzz(name: str, examples: int, random_seed: int) -> tuple[Tally, float]:
    """Run ``examples`` cases of one entry point; the failures are collected, not raised."""
    strategy, check = ENTRY_POINTS[name]
    tally = Tally()

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(case: Case) -> None:
        try:
            check(case, tally)
        except PropertyFailedError as exc:
            tally.failures.append(str(exc))

    start = time.perf_counter()
    seed(random_seed)(run)()
    return tally, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--examples", type=int, default=10_000, help="cases per entry point (10000)")
    p.add_argument("--only", default=None, choices=tuple(ENTRY_POINTS), help="one entry point")
    p.add_argument("--seed", type=int, default=0, help="seed of the generated cases (0)")
    args = p.parse_args(argv)
    logging.getLogger("tradetalks").setLevel(logging.ERROR)
    failed = 0
    names = [args.only] if args.only else list(ENTRY_POINTS)
    print(f"{'entry point':22s} {'tried':>7s} {'valid':>7s} {'invalid':>7s} {'failures':>8s} {'wall s':>8s}")
    for name in names:
        tally, seconds = fuzz(name, args.examples, args.seed)
        failed += len(tally.failures)
        print(
            f"{name:22s} {tally.tried:7d} {tally.valid:7d} {tally.invalid:7d} "
            f"{len(tally.failures):8d} {seconds:8.1f}",
            flush=True,
        )
        errors = ", ".join(f"{k} {v}" for k, v in tally.errors.most_common())
        print(f"{'':22s} errors by type: {errors or 'none'}", flush=True)
        for text in tally.failures[:5]:
            print(f"{'':22s} FAILURE: {' '.join(text.split())[:400]}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
