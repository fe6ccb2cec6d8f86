"""The ``sweep`` command: a grid of runs and parameter draws into partitioned parquet (docs/sweeps.md)."""

from __future__ import annotations

import argparse

import tradetalks.api as api
from tradetalks.api.sweep import SweepOptions
from tradetalks.cli.options import _positive
from tradetalks.cli.progress import stderr_progress
from tradetalks.cli.render import FORMATS, render


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``sweep`` on the command line's subparsers."""
    p = sub.add_parser(
        "sweep",
        help="a grid of runs and parameter draws, written to partitioned parquet; resumable; on Dask",
    )
    p.add_argument("spec", help="sweep spec: a .toml file or a shipped example (us-100-draws, us-100-grid)")
    p.add_argument(
        "--out",
        required=True,
        help="folder of the partition files and manifest.json; rerun on it to resume a stopped sweep",
    )
    p.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="processes of a local pool (1: this process; default), or the Dask workers with --dask",
    )
    p.add_argument(
        "--dask",
        action="store_true",
        help="start a dask.distributed LocalCluster of --workers workers (one thread each)",
    )
    p.add_argument("--scheduler", default=None, help="use a running Dask cluster at tcp://HOST:PORT")
    p.add_argument("--format", default="table", choices=FORMATS)


def cmd_sweep(args: argparse.Namespace) -> str:
    options = SweepOptions(workers=args.workers, dask=args.dask, scheduler=args.scheduler)
    with stderr_progress(args.format != "json" and not getattr(args, "quiet", False)) as progress:
        result = api.sweep(args.spec, args.out, options=options, progress=progress)
    return render(result, args.format, ("summary",))
