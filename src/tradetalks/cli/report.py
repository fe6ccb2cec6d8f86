"""The ``report`` command: one self-contained HTML page of a scenario run, a deal space or a
bundle (docs/report.md).

``tradetalks report SCENARIO`` solves the scenario as ``tradetalks run`` does (same options) and
writes its report; ``tradetalks report --deals SPACE`` solves a deal space as ``tradetalks deals``
does; ``tradetalks report DIR`` draws the report of a result bundle (``--out DIR`` of run or
deals) without solving anything. The page goes to ``-o FILE`` (default ``<name>-report.html`` in
the working folder); the command prints the path written.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import tradetalks.api as api
from tradetalks.analyses.options import DealOptions
from tradetalks.analyses.uncertainty import ELASTICITY_METHODS, PARAMETERS
from tradetalks.api.bundle import MANIFEST, load_bundle
from tradetalks.cli import options
from tradetalks.cli.progress import stderr_progress
from tradetalks.data.horizons import HORIZONS
from tradetalks.errors import OptionsError
from tradetalks.model import CLOSURES
from tradetalks.report import report_data, write_report

#: Options that only a scenario run takes, and only a deal space takes (by their dest).
RUN_ONLY = ("alongside", "fallout", "regions", "intervals")
DEALS_ONLY = ("workers", "discount", "tie_tol", "cache_dir")
#: Options that solve (meaningless for a bundle, which is drawn as it is).
SOLVING = (
    "baseline", "date", "elasticities", "horizon", "closure", "mapping", "draws", "vary",
    *RUN_ONLY, *DEALS_ONLY,
)  # fmt: skip


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``report`` on the command line's subparsers."""
    p = sub.add_parser(
        "report",
        help="write one self-contained HTML report (charts, tables; works offline) of a scenario, "
        "a deal space or a result bundle",
    )
    p.add_argument(
        "target",
        nargs="?",
        default=None,
        help="built-in scenario name or .toml path (us-100), or a bundle folder (from --out)",
    )
    p.add_argument(
        "--deals", default=None, metavar="SPACE", help="report a deal space instead (built-in name or .toml)"
    )
    p.add_argument(
        "-o", "--output", default=None, metavar="FILE", help="the page to write (default: NAME-report.html)"
    )
    p.add_argument("--title", default=None, help="the page's title (default: the scenario's own)")
    solve = p.add_argument_group("solving (as tradetalks run and tradetalks deals)")
    solve.add_argument("--baseline", default=None, help="shipped baseline name or directory (default)")
    solve.add_argument("--date", default=None, help=f"{options.DATE_HELP}; default: the scenario's own date")
    solve.add_argument("--elasticities", default=None, help=options.ELASTICITIES_HELP)
    solve.add_argument("--horizon", default=None, choices=HORIZONS, help="time horizon (default long)")
    solve.add_argument("--closure", default=None, choices=CLOSURES, help="deficit closure (default fixed)")
    solve.add_argument("--mapping", default=None, help=options.MAPPING_HELP)
    solve.add_argument(
        "--draws",
        type=int,
        default=None,
        help="solve under N parameter draws: 5-95 %% ranges of a run, solution probabilities of a deal space",
    )
    solve.add_argument("--seed", type=int, default=0, help="seed of the draws (0)")
    solve.add_argument(
        "--vary",
        default=None,
        help=f"parameters to vary, comma-separated (default: all): {', '.join(PARAMETERS)}",
    )
    solve.add_argument(
        "--elasticity-draws",
        default="lognormal",
        choices=ELASTICITY_METHODS,
        help="trade elasticities drawn log-normal by sector (default) or one published set whole",
    )
    run = p.add_argument_group("scenario runs only")
    run.add_argument(
        "--alongside",
        default=None,
        help="other horizons to solve next to --horizon, comma-separated, or 'none' "
        "(default: the short and long runs --horizon is not)",
    )
    run.add_argument("--fallout", action="store_true", default=None, help="add the allies' table and chart")
    run.add_argument("--regions", default=None, help="comma-separated region codes to show, or 'all'")
    run.add_argument(
        "--intervals",
        default=None,
        choices=options.INTERVAL_METHODS,
        help="mc: Monte Carlo (needs --draws); delta: the delta method, no draws",
    )
    deals = p.add_argument_group("deal spaces only")
    deals.add_argument("--workers", type=int, default=None, help="processes to solve the packages on (1)")
    deals.add_argument("--discount", default=None, help="discount factors of the alternating-offers game")
    deals.add_argument("--tie-tol", type=float, default=None, help="outcomes closer than this are one (1e-9)")
    deals.add_argument("--cache-dir", default=None, help="folder to keep the solved table in")


def _given(args: argparse.Namespace, names: tuple[str, ...]) -> list[str]:
    return ["--" + n.replace("_", "-") for n in names if getattr(args, n, None) is not None]


def _refuse(args: argparse.Namespace, names: tuple[str, ...], what: str) -> None:
    given = _given(args, names)
    if given:
        verb = "does" if len(given) == 1 else "do"
        raise OptionsError(f"tradetalks report: {', '.join(given)} {verb} not apply to {what}")


def _is_bundle(target: str | None) -> bool:
    return target is not None and Path(target).is_dir()


def _run(args: argparse.Namespace, progress: Any) -> Any:
    _refuse(args, DEALS_ONLY, "a scenario (they are deal-space options)")
    keys = ("baseline", "date", "elasticities", "closure", "mapping", "fallout", "horizon")
    call: dict[str, Any] = {k: getattr(args, k) for k in keys if getattr(args, k) is not None}
    if args.alongside is not None:
        call["alongside"] = [h for h in options._regions(args.alongside) or [] if h != "none"]
    call |= options._interval_args(args)
    return api.run(args.target or "us-100", **call, progress=progress)


def _deals(args: argparse.Namespace, progress: Any) -> Any:
    _refuse(args, RUN_ONLY, "a deal space (they are scenario options)")
    tie = {} if args.tie_tol is None else {"tie_tol": args.tie_tol}
    cache = None if args.cache_dir is None else Path(args.cache_dir)
    deal_options = DealOptions(
        workers=args.workers or 1, cache_dir=cache, **options._discount(args.discount), **tie
    )
    keys = ("baseline", "date", "elasticities", "closure", "mapping", "horizon")
    call: dict[str, Any] = {k: getattr(args, k) for k in keys if getattr(args, k) is not None}
    return api.deals(args.deals, **call, options=deal_options, progress=progress, **options._draw_args(args))


def _name(args: argparse.Namespace) -> str:
    if args.deals is not None:
        return Path(args.deals).stem if args.deals.endswith(".toml") else args.deals
    target = args.target or "us-100"
    if _is_bundle(target):
        return Path(target).resolve().name
    return Path(target).stem if target.endswith(".toml") else target


def cmd_report(args: argparse.Namespace) -> str:
    """Solve (or read the bundle), draw the report, write it; the line saying what was written."""
    if args.deals is not None and args.target is not None:
        raise OptionsError(
            f"tradetalks report: give a scenario or bundle ({args.target!r}) or --deals SPACE, not both"
        )
    out = Path(args.output) if args.output is not None else Path.cwd() / f"{_name(args)}-report.html"
    if _is_bundle(args.target):
        _refuse(args, SOLVING, "a bundle (it is drawn as it was solved)")
        if not (Path(args.target) / MANIFEST).is_file():
            raise OptionsError(
                f"tradetalks report: {args.target} is a folder without {MANIFEST}; allowed: a bundle"
            )
        obj: Any = load_bundle(args.target)
    else:
        with stderr_progress(not getattr(args, "quiet", False)) as progress:
            obj = _deals(args, progress) if args.deals is not None else _run(args, progress)
    regions = options._regions(args.regions) if args.deals is None and not _is_bundle(args.target) else None
    data = report_data(obj, regions=regions)
    path = write_report(data, out, title=args.title)
    charts = path.read_text(encoding="utf-8").count('class="figure-data"')
    size = path.stat().st_size / 1e6
    return f"report: {path} ({charts} charts, {size:.1f} MB; self-contained, works offline)"
