"""Command-line interface: ``tradetalks run``, ``tradetalks data``, ``tradetalks scenarios``.

The CLI only parses, calls the API and renders; errors become one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from collections.abc import Sequence

from tradetalks.api import solve
from tradetalks.cli import strategy
from tradetalks.errors import TradetalksError
from tradetalks.model.solver import SolverOptions
from tradetalks.results import Result

log = logging.getLogger("tradetalks")

#: Regions the article is about, printed by default when the baseline has them.
FOCUS_REGIONS = ("USA", "CHN", "JPN", "KOR", "MYS", "ASEAN", "EU27", "ROW")
FORMATS = ("table", "json", "csv")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tradetalks", description="Simulate trade wars and trade talks.")
    p.add_argument("-v", "--verbose", action="store_true", help="log solver progress to stderr")
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="solve a scenario and print the changes")
    run.add_argument("scenario", nargs="?", default="us-100", help="built-in name or .toml path (us-100)")
    run.add_argument("--baseline", default="default", help="shipped baseline name or directory (default)")
    run.add_argument("--format", default="table", choices=FORMATS)
    run.add_argument("--closure", default="fixed", choices=("fixed", "balanced"))
    run.add_argument(
        "--date",
        default=None,
        help="tariffs in force on YYYY-MM-DD or a preset (pre-war-2017, phase-one-2020, 2025-01-20, "
        "geneva-2025, pre-summit-2025-10-15); 'data' for the data year's applied tariffs; "
        "default: the scenario's own date",
    )
    run.add_argument("--regions", default=None, help="comma-separated region codes to print")
    run.add_argument(
        "--elasticities",
        default=None,
        help="published trade-elasticity set: CP (default), BSY, FGO, GYY, IS, LL, Shap, U4",
    )
    run.add_argument(
        "--fallout",
        action="store_true",
        help="add the fallout on Japan, Korea, Malaysia, ASEAN, the EU, Brazil and ROW",
    )
    run.add_argument(
        "--mapping",
        default=None,
        help="aggregate the baseline's regions by a mapping file (CSV source,target; TOML or JSON)",
    )

    data = sub.add_parser("data", help="describe or build baselines")
    dsub = data.add_subparsers(dest="data_command", required=True)
    dsub.add_parser("list", help="list shipped baselines")
    info = dsub.add_parser("info", help="describe a baseline")
    info.add_argument("name")

    sc = sub.add_parser("scenarios", help="the built-in scenario library")
    ssub = sc.add_subparsers(dest="scenarios_command", required=True)
    ssub.add_parser("list", help="list built-in scenarios")
    strategy.add_parsers(sub)
    return p


def _focus(result: Result, regions: str | None) -> list[str]:
    if regions:
        chosen = [r.strip() for r in regions.split(",") if r.strip()]
        for r in chosen:
            result.baseline.region_index(r)
        return chosen
    have = [r for r in FOCUS_REGIONS if r in result.regions]
    return have or list(result.regions)


def _render(result: Result, fmt: str, regions: list[str], with_fallout: bool = False) -> str:
    from tradetalks.analyses import fallout

    extra = fallout(result).summary() if with_fallout else None
    if fmt == "json":
        doc = result.to_dict(regions)
        if extra is not None:
            doc["fallout"] = [
                {"code": str(code), **{k: _num(v) for k, v in row.items()}} for code, row in extra.iterrows()
            ]
        return json.dumps(doc, indent=2)
    table = result.summary(regions)
    if fmt == "csv":
        out = table.to_csv(float_format="%.6f")
        return out if extra is None else out + "\n" + extra.to_csv(float_format="%.6f")
    info = result.solver
    head = (
        f"scenario {result.scenario} on baseline {result.source.name} ({result.source.year}), "
        f"closure {result.closure}\n"
    )
    foot = (
        f"\nsolver: converged={info.converged} iterations={info.iterations} "
        f"residual={info.residual:.1e} time={1e3 * info.seconds:.0f} ms"
    )
    body = table.to_string(float_format=lambda v: f"{v:8.3f}")
    cons = result.constraints_frame()
    if len(cons):
        body += (
            "\n\nquantity constraints (values in the baseline's units; wedge: subsidy for a purchase floor, "
            "export-tax equivalent for a cap, percent)\n"
            + cons.to_string(index=False, float_format=lambda v: f"{v:.2f}")
        )
    if extra is not None:
        body += (
            "\n\nfallout (welfare %, trade changes with the US and China in USD million, exposure to "
            "Chinese critical inputs in % of final demand)\n"
            + extra.to_string(float_format=lambda v: f"{v:9.3f}")
        )
    return head + body + foot


def _num(x: object) -> float | None:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if v == v and abs(v) != float("inf") else None


def _cmd_run(args: argparse.Namespace) -> str:
    from tradetalks.data.catalog import load_baseline
    from tradetalks.scenarios import load_scenario

    scenario = load_scenario(args.scenario)
    baseline = load_baseline(args.baseline)
    if args.mapping:
        from tradetalks.data.aggregate import read_mapping

        baseline = baseline.aggregate(read_mapping(args.mapping), name=f"{baseline.name}@{args.mapping}")
    if args.elasticities is not None:
        baseline = baseline.with_elasticities(args.elasticities)
    if args.date is not None:
        scenario = dataclasses.replace(scenario, date=None if args.date == "data" else args.date)
    baseline = scenario.prepare(baseline)
    shocks = scenario.compile(baseline)
    result = solve(baseline, shocks, SolverOptions(closure=args.closure), scenario=scenario.name)
    return _render(result, args.format, _focus(result, args.regions), args.fallout)


def _cmd_data(args: argparse.Namespace) -> str:
    from tradetalks.data.catalog import describe_baseline, shipped_baselines

    if args.data_command == "list":
        return "\n".join(f"{name:16s} {desc}" for name, desc in shipped_baselines().items())
    return describe_baseline(args.name)


def _cmd_scenarios(args: argparse.Namespace) -> str:
    from tradetalks.scenarios import builtin_names, load_scenario

    rows = []
    for name in builtin_names():
        sc = load_scenario(name)
        rows.append(f'{name:22s} {sc.title}\n{"":22s} article: "{sc.article}"')
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tradetalks`` console script."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, format="%(message)s")
    handlers = {
        "run": _cmd_run,
        "data": _cmd_data,
        "scenarios": _cmd_scenarios,
        "optimal-tariff": strategy.cmd_optimal,
        "war": strategy.cmd_war,
        "talks": strategy.cmd_talks,
        "deals": strategy.cmd_deals,
    }
    try:
        out = handlers[args.command](args)
    except (TradetalksError, ValueError) as exc:
        print("tradetalks: error: " + " ".join(str(exc).split()), file=sys.stderr)
        return 2
    try:
        print(out)
    except BrokenPipeError:  # the reader (e.g. ``| head``) closed the pipe: not an error of ours
        sys.stderr.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
