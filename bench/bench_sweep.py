"""Sweep throughput: a Monte Carlo of ``us-100`` on ``default`` on every backend.

Points per second of the same sweep (``--draws`` draws of every uncertain parameter, partitions
of ``--partition-size`` points, each run into its own fresh folder):

* in this process (``workers=1``, the serial reference);
* a local process pool of 2 workers;
* a Dask ``LocalCluster`` of 1 and of 2 worker processes (one thread each), started and warmed
  up (tradetalks imported, the baseline prepared) before the clock starts; the start-up is
  printed apart.

Prints each figure, its ratio to the serial run, the CPU seconds of every process that worked on
it (this one, the pool's children, the Dask workers) and the Dask 2-vs-1 scaling ratio, and checks
that every backend wrote the same bits (docs/model.md, section 9.10). On a shared machine the
figures move with the load of the other processes.

Run: ``python bench/bench_sweep.py [--draws 300] [--partition-size 25]``
"""

from __future__ import annotations

import argparse
import logging
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd

import tradetalks as tt


def spec(draws: int, size: int) -> dict[str, object]:
    return {
        "name": "bench-us-100",
        "partition_size": size,
        "job": {"scenario": "us-100", "baseline": "default"},
        "monte_carlo": {"draws": draws, "seed": 20251030},
    }


def _warm() -> None:
    """Import tradetalks on a worker and prepare the sweep's baseline (its per-worker cache)."""
    from tradetalks.api.sweep.plan import prepared

    prepared("us-100", "default", None, None)


def _children_cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def timed(
    the_spec: dict[str, object], out: Path, options: tt.SweepOptions, client: object = None
) -> tuple[float, float, pd.DataFrame]:
    """Wall seconds, CPU seconds of every process that worked on it, and the frame."""
    workers_cpu = (lambda: sum(client.run(time.process_time).values())) if client is not None else None  # type: ignore[attr-defined]
    c0, k0, w0 = time.process_time(), _children_cpu(), workers_cpu() if workers_cpu else 0.0
    t0 = time.perf_counter()
    res = tt.sweep(the_spec, out, options=options)
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0 + _children_cpu() - k0 + ((workers_cpu() - w0) if workers_cpu else 0.0)
    assert len(res.computed) == res.spec.partitions
    return seconds, cpu, res.frame()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=300)
    ap.add_argument("--partition-size", type=int, default=25)
    args = ap.parse_args()
    import distributed

    s = spec(args.draws, args.partition_size)
    rows: list[tuple[str, float, float, float | None]] = []
    frames: dict[str, pd.DataFrame] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _warm()  # this process's cache, as the workers' below
        sec, cpu, frames["in-process"] = timed(s, root / "serial", tt.SweepOptions())
        rows.append(("in-process (serial)", sec, cpu, None))
        sec, cpu, frames["pool-2"] = timed(s, root / "pool2", tt.SweepOptions(workers=2))
        rows.append(("process pool, 2 workers", sec, cpu, None))
        for n in (1, 2):
            t0 = time.perf_counter()
            with (
                distributed.LocalCluster(
                    n_workers=n,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                ) as cluster,
                distributed.Client(cluster) as client,
            ):
                client.run(_warm)
                startup = time.perf_counter() - t0
                options = tt.SweepOptions(scheduler=cluster.scheduler_address)
                sec, cpu, frames[f"dask-{n}"] = timed(s, root / f"dask{n}", options, client)
            rows.append((f"dask LocalCluster, {n} worker{'s' if n > 1 else ''}", sec, cpu, startup))
    identical = all(
        f.equals(frames["in-process"]) and list(f.dtypes) == list(frames["in-process"].dtypes)
        for f in frames.values()
    )
    serial = rows[0][1]
    print(f"sweep: {args.draws} draws of us-100 on default, partitions of {args.partition_size}")
    print(
        f"{'backend':32s} {'seconds':>8s} {'points/s':>9s} {'vs serial':>9s} {'CPU s':>7s} "
        f"{'points/CPU-s':>12s} {'start-up s':>10s}"
    )
    for name, sec, cpu, startup in rows:
        up = f"{startup:10.2f}" if startup is not None else f"{'':10s}"
        print(
            f"{name:32s} {sec:8.2f} {args.draws / sec:9.1f} {serial / sec:9.2f} {cpu:7.2f} "
            f"{args.draws / cpu:12.1f} {up}"
        )
    d1, d2 = rows[2][1], rows[3][1]
    print("(CPU s: every process that worked on the sweep; with fewer free cores than workers the wall")
    print(" time cannot scale, while points per CPU-second shows the overhead of each backend)")
    print(
        f"dask scaling, 2 workers vs 1: {d1 / d2:.2f}x; process pool 2 vs serial: {serial / rows[1][1]:.2f}x"
    )
    print(f"frames bit-identical across backends: {identical}")


if __name__ == "__main__":
    main()
