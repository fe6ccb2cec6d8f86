"""The commands: their arguments and the workflow call each makes."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import tradetalks.api as api
from tradetalks._version import __version__
from tradetalks.analyses.objectives import OBJECTIVE_PRESETS
from tradetalks.analyses.options import TALKS_SOLUTIONS, DealOptions, TalksOptions
from tradetalks.analyses.policy import INSTRUMENTS, TAXES
from tradetalks.analyses.uncertainty import ELASTICITY_METHODS, PARAMETERS
from tradetalks.cli import allies, bundle, report, schema, serve, sweep, tariffs
from tradetalks.cli.options import (
    DATE_HELP,
    ELASTICITIES_HELP,
    INTERVAL_METHODS,
    MAPPING_HELP,
    OBJECTIVE_HELP,
    _discount,
    _draw_args,
    _draw_options,
    _finite,
    _interval_args,
    _non_negative,
    _positive,
    _progress,
    _regions,
    _tie_tol,
)
from tradetalks.cli.render import FORMATS, render
from tradetalks.data.catalog import describe_baseline, shipped_baselines
from tradetalks.data.horizons import HORIZONS
from tradetalks.model import CLOSURES
from tradetalks.replication.lashkaripour2021 import ELASTICITY_SETS, FOCS, YEARS
from tradetalks.scenarios import builtin_names, builtin_text, load_scenario


def _common(p: argparse.ArgumentParser, date_default: str) -> None:
    p.add_argument("--baseline", default="default", help="shipped baseline name or directory (default)")
    p.add_argument("--date", default=None, help=f"{DATE_HELP}; default: {date_default}")
    p.add_argument("--elasticities", default=None, help=ELASTICITIES_HELP)
    p.add_argument(
        "--horizon",
        default="long",
        choices=HORIZONS,
        help="time horizon: short (about a year), medium (about three), long (the long run; default)",
    )
    p.add_argument("--format", default="table", choices=FORMATS)


def _policy(p: argparse.ArgumentParser, instruments: tuple[str, ...] = ("sector", "uniform")) -> None:
    """Options shared by the commands that optimise tariffs."""
    _common(p, "the data year's applied tariffs")
    p.add_argument("--closure", default="fixed", choices=CLOSURES)
    p.add_argument("--objective", default="welfare", choices=OBJECTIVE_PRESETS, help=OBJECTIVE_HELP)
    p.add_argument(
        "--instrument",
        default="sector",
        choices=instruments,
        help="one rate per sector (default), one uniform rate on everything taxed"
        + (", or one rate per partner" if "partner" in instruments else ""),
    )
    p.add_argument(
        "--services",
        action="store_true",
        help="services are taxable too (default: goods only; customs do not see most services trade)",
    )


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (exit status 2), like the package's."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())} (see: {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = _Parser(
        prog="tradetalks", description="Simulate trade wars and trade talks."
    )
    p.add_argument("--version", action="version", version=f"tradetalks {__version__}")
    noise = p.add_mutually_exclusive_group()
    noise.add_argument("-v", "--verbose", action="store_true", help="log solver progress to stderr")
    noise.add_argument(
        "-q", "--quiet", action="store_true", help="errors only on stderr: no progress bar, no warnings"
    )
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="solve a scenario and print the changes")
    run.add_argument("scenario", nargs="?", default="us-100", help="built-in name or .toml path (us-100)")
    _common(run, "the scenario's own date")
    run.add_argument("--closure", default="fixed", choices=CLOSURES)
    run.add_argument(
        "--alongside",
        default=None,
        help="other horizons to solve next to --horizon, comma-separated, or 'none' "
        "(default: the short and long runs --horizon is not)",
    )
    run.add_argument(
        "--regions", default=None, help="comma-separated region codes to print, or 'all' (every region)"
    )
    run.add_argument(
        "--fallout",
        action="store_true",
        help="add the fallout on Japan, Korea, Malaysia, ASEAN, the EU, Brazil and ROW",
    )
    run.add_argument("--mapping", default=None, help=MAPPING_HELP)
    run.add_argument(
        "--draws",
        type=_positive,
        default=None,
        help="Monte Carlo: solve under N draws of the uncertain parameters and print the median and "
        "5-95 %% range of every output (docs/uncertainty.md)",
    )
    run.add_argument(
        "--seed", type=_non_negative, default=0, help="seed of the draws (0); draw k is the same for any N"
    )
    run.add_argument(
        "--intervals",
        default=None,
        choices=INTERVAL_METHODS,
        help="mc: Monte Carlo (needs --draws); delta: the delta method, from exact derivatives and the "
        "priors' variances, no draws (default with --draws: mc)",
    )
    run.add_argument(
        "--vary",
        default=None,
        help=f"parameters to vary, comma-separated (default: all): {', '.join(PARAMETERS)}",
    )
    run.add_argument(
        "--elasticity-draws",
        default="lognormal",
        choices=ELASTICITY_METHODS,
        help="trade elasticities drawn log-normal by sector (default) or one published set whole (mc only)",
    )
    bundle.add_out(run)
    schema.add_run_options(run)

    data = sub.add_parser("data", help="describe or build baselines")
    dsub = data.add_subparsers(dest="data_command", required=True)
    dsub.add_parser("list", help="list shipped baselines")
    info = dsub.add_parser("info", help="describe a baseline")
    info.add_argument("name")

    sc = sub.add_parser("scenarios", help="the built-in scenario library")
    ssub = sc.add_subparsers(dest="scenarios_command", required=True)
    ssub.add_parser("list", help="list built-in scenarios")
    show = ssub.add_parser("show", help="print a built-in scenario file, to copy and edit")
    show.add_argument("name", help="built-in scenario name (see: tradetalks scenarios list)")

    opt = sub.add_parser("optimal-tariff", help="a government's optimal tariffs by sector")
    opt.add_argument("region", nargs="?", default="USA")
    opt.add_argument("--against", default="CHN", help="partner code(s), comma-separated, or 'others'")
    _policy(opt, INSTRUMENTS)
    bundle.add_out(opt)
    opt.add_argument(
        "--tax",
        default="import",
        choices=TAXES,
        help="tariffs on imports from the partners (default) or taxes on exports to them",
    )
    opt.add_argument("--sectors", default=None, help="taxed sector codes, comma-separated (default: goods)")
    opt.add_argument(
        "--products",
        default=None,
        help="products to split out of their sectors first, comma-separated (rare-earth-magnets, "
        "semiconductors, soybeans, ...); their codes (C27_REM) can then be --sectors",
    )

    war = sub.add_parser("war", help="Nash tariff war among players (iterated best responses)")
    war.add_argument("players", nargs="?", default="USA,CHN", help="comma-separated region codes")
    war.add_argument(
        "--bilateral",
        action="store_true",
        help="each player taxes only the other players (default: everyone)",
    )
    _policy(war)
    _draw_options(war, workers=True)
    bundle.add_out(war)

    talks = sub.add_parser("talks", help="bargain over two parties' tariffs from a war or a threat")
    talks.add_argument("parties", nargs="?", default="USA,CHN", help="two comma-separated region codes")
    talks.add_argument(
        "--from",
        dest="threat",
        default=api.WAR,
        help="disagreement point: 'war' (their Nash tariff war) or a scenario name/file (a threat)",
    )
    talks.add_argument("--solution", default="nash", choices=TALKS_SOLUTIONS)
    _policy(talks)
    _draw_options(talks, workers=True)
    bundle.add_out(talks)

    deals = sub.add_parser("deals", help="the deal space of multi-issue packages and bargaining solutions")
    deals.add_argument("space", nargs="?", default="busan-2025", help="built-in name or .toml path")
    _common(deals, "the deal space's own date")
    deals.add_argument("--closure", default="fixed", choices=CLOSURES)
    deals.add_argument("--mapping", default=None, help=MAPPING_HELP)
    deals.add_argument(
        "--workers", type=_positive, default=1, help="processes to solve the packages on (1; >= 1)"
    )
    deals.add_argument(
        "--discount",
        default=None,
        help="discount factors of the alternating-offers game, one for both or two comma-separated "
        "(first party, second party), each in (0, 1); default 0.95",
    )
    deals.add_argument(
        "--tie-tol",
        type=_finite,
        default=None,
        help="outcomes closer than this (log points; fractions of the baseline) are one outcome "
        "(default 1e-9)",
    )
    deals.add_argument("--cache-dir", default=None, help="folder to keep the solved table in")
    _draw_options(deals, workers=False)
    bundle.add_out(deals)
    tariffs.add_parser(sub)
    allies.add_parser(sub)
    sweep.add_parser(sub)
    serve.add_parser(sub)
    report.add_parser(sub)
    schema.add_parser(sub)
    bundle.add_parser(sub)
    peer = sub.add_parser(
        "peer-war",
        help="Lashkaripour (2021)'s global Nash war: uniform tariffs, no input-output links (raw cubes)",
    )
    peer.add_argument("--dataset", default="WIOD", choices=tuple(YEARS), help="trade cube (WIOD)")
    peer.add_argument("--year", type=int, default=2014, help="cube year (2014); 0: every year present")
    peer.add_argument(
        "--elasticities", default="IS", choices=tuple(ELASTICITY_SETS), help="elasticity set (IS)"
    )
    peer.add_argument("--foc", default="tariffwar", choices=FOCS, help="first-order condition (tariffwar)")
    peer.add_argument("--no-cap", action="store_true", help="without tariffwar's 100 %% cap")
    peer.add_argument("--format", default="table", choices=FORMATS)
    return p


def cmd_run(args: argparse.Namespace) -> str:
    call: dict[str, Any] = {
        "scenario": schema.scenario_arg(args),
        "baseline": args.baseline,
        "date": args.date,
        "elasticities": args.elasticities,
        "closure": args.closure,
        "mapping": args.mapping,
        "fallout": args.fallout or None,
        "horizon": args.horizon,
        "alongside": None
        if args.alongside is None
        else [h for h in _regions(args.alongside) or [] if h != "none"],
        **_interval_args(args),
    }
    with _progress(args) as progress:
        result = api.run(**call, progress=progress)
    regions = _regions(args.regions)
    text = render(result, args.format, ("regions", "fallout", "intervals"), regions=regions)
    return bundle.write_out(args, result, call, text, regions=regions)


def _policy_args(args: argparse.Namespace) -> dict[str, Any]:
    """The arguments every tariff-optimising command passes on as they are."""
    keys = ("baseline", "date", "elasticities", "closure", "objective", "horizon", "instrument", "services")
    return {k: getattr(args, k) for k in keys}


def cmd_optimal(args: argparse.Namespace) -> str:
    call: dict[str, Any] = {
        "region": args.region,
        "against": args.against,
        "tax": args.tax,
        "sectors": args.sectors,
        "products": args.products,
        **_policy_args(args),
    }
    with _progress(args) as progress:
        result = api.optimal_tariff(**call, progress=progress)
    return bundle.write_out(args, result, call, render(result, args.format, ("tariffs",)))


def cmd_war(args: argparse.Namespace) -> str:
    call: dict[str, Any] = {
        "players": args.players,
        "bilateral": args.bilateral,
        "workers": args.workers,
        **_draw_args(args),
        **_policy_args(args),
    }
    with _progress(args) as progress:
        result = api.war(**call, progress=progress)
    text = render(result, args.format, ("regions", "tariffs", "tariff_intervals"))
    return bundle.write_out(args, result, call, text)


def cmd_talks(args: argparse.Namespace) -> str:
    call: dict[str, Any] = {
        "parties": args.parties,
        "threat": args.threat,
        "options": TalksOptions(solution=args.solution),
        "workers": args.workers,
        **_draw_args(args),
        **_policy_args(args),
    }
    with _progress(args) as progress:
        result = api.talks(**call, progress=progress)
    text = render(result, args.format, ("regions", "tariffs", "tariff_intervals", "gain_intervals"))
    return bundle.write_out(args, result, call, text)


def cmd_deals(args: argparse.Namespace) -> str:
    cache = None if args.cache_dir is None else Path(args.cache_dir)
    tie = _tie_tol(args.tie_tol)
    options = DealOptions(workers=args.workers, cache_dir=cache, **_discount(args.discount), **tie)
    call: dict[str, Any] = {
        "space": args.space,
        "baseline": args.baseline,
        "date": args.date,
        "elasticities": args.elasticities,
        "closure": args.closure,
        "mapping": args.mapping,
        "horizon": args.horizon,
        "options": options,
        **_draw_args(args),
    }
    with _progress(args) as progress:
        result = api.deals(**call, progress=progress)
    return bundle.write_out(args, result, call, render(result, args.format, ("packages", "draw_packages")))


def cmd_peer_war(args: argparse.Namespace) -> str:
    kwargs = {"elasticities": args.elasticities, "foc": args.foc, "cap": not args.no_cap}
    if args.year == 0:
        table = api.peer_war_years(args.dataset, **kwargs)
        if args.format == "json":
            return table.reset_index().to_json(orient="records", indent=2)
        return table.to_csv(float_format="%.8g") if args.format == "csv" else table.round(3).to_string()
    result = api.peer_war(args.dataset, args.year, **kwargs)
    if args.format == "json":
        return json.dumps(result.to_dict(), indent=2, allow_nan=False)
    return result.summary().to_csv(float_format="%.8g") if args.format == "csv" else result.report()


def cmd_data(args: argparse.Namespace) -> str:
    if args.data_command == "list":
        return "\n".join(f"{name:16s} {desc}" for name, desc in shipped_baselines().items())
    return describe_baseline(args.name)


def cmd_scenarios(args: argparse.Namespace) -> str:
    if args.scenarios_command == "show":
        return builtin_text(args.name).rstrip("\n")
    rows = []
    for name in builtin_names():
        sc = load_scenario(name)
        rows.append(f'{name:22s} {sc.title}\n{"":22s} article: "{sc.article}"')
    return "\n".join(rows)


HANDLERS: dict[str, Callable[[argparse.Namespace], str]] = {
    "run": cmd_run,
    "data": cmd_data,
    "scenarios": cmd_scenarios,
    "optimal-tariff": cmd_optimal,
    "war": cmd_war,
    "talks": cmd_talks,
    "deals": cmd_deals,
    "tariff-rates": tariffs.cmd_tariff_rates,
    "allies": allies.cmd_allies,
    "sweep": sweep.cmd_sweep,
    "serve": serve.cmd_serve,
    "report": report.cmd_report,
    "schema": schema.cmd_schema,
    "rerun": bundle.cmd_rerun,
    "peer-war": cmd_peer_war,
}
