"""The ``allies`` command: who does America stand with? The allies' own deals against the US-China deal."""

from __future__ import annotations

import argparse

import tradetalks.api as api
from tradetalks.analyses.allies import ALLY_DEALS, US_CHINA_DEAL, AlliesTable
from tradetalks.analyses.deal_terms import REFERENCE_DATE
from tradetalks.cli.progress import stderr_progress
from tradetalks.cli.render import FORMATS, render
from tradetalks.data.horizons import HORIZONS
from tradetalks.errors import ScenarioError
from tradetalks.model import CLOSURES
from tradetalks.progress import ProgressFn


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``allies`` on the command line's subparsers."""
    p = sub.add_parser(
        "allies",
        help="each ally under the US-China deal, its own deal with the US, and both",
    )
    p.add_argument(
        "allies",
        nargs="?",
        default=",".join(ALLY_DEALS),
        help=f"comma-separated region codes (default {','.join(ALLY_DEALS)})",
    )
    p.add_argument(
        "--us-china",
        default=US_CHINA_DEAL,
        help=f"the US-China deal: scenario name or .toml ({US_CHINA_DEAL})",
    )
    p.add_argument(
        "--deal",
        action="append",
        default=[],
        metavar="ALLY=SCENARIO",
        help="an ally's own deal (repeatable), e.g. TWN=my-deal.toml; default: "
        + ", ".join(f"{a}={s}" for a, s in ALLY_DEALS.items()),
    )
    p.add_argument("--baseline", default="default", help="shipped baseline name or directory (default)")
    p.add_argument(
        "--date",
        default=REFERENCE_DATE,
        help=f"the common reference: tariffs in force on YYYY-MM-DD or a preset (default {REFERENCE_DATE}, "
        "before the allies' deals); 'data' for the data year's applied tariffs",
    )
    p.add_argument("--elasticities", default=None, help="published trade-elasticity set (default: CP)")
    p.add_argument("--closure", default="fixed", choices=CLOSURES)
    p.add_argument("--horizon", default="long", choices=HORIZONS, help="time horizon (default long)")
    p.add_argument("--format", default="table", choices=FORMATS)


def _deals(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        ally, sep, scenario = item.partition("=")
        if not sep or not ally.strip() or not scenario.strip():
            raise ScenarioError(f"--deal {item!r}: expected ALLY=SCENARIO (e.g. JPN=us-japan-2025)")
        out[ally.strip()] = scenario.strip()
    return out


def cmd_allies(args: argparse.Namespace) -> str:
    with stderr_progress(args.format != "json" and not getattr(args, "quiet", False)) as progress:
        result = _allies(args, progress)
    return render(result, args.format, ("summary", "interaction"))


def _allies(args: argparse.Namespace, progress: ProgressFn) -> AlliesTable:
    return api.allies(
        args.allies,
        us_china=args.us_china,
        deals=_deals(args.deal),
        baseline=args.baseline,
        date=args.date,
        elasticities=args.elasticities,
        closure=args.closure,
        horizon=args.horizon,
        progress=progress,
    )
