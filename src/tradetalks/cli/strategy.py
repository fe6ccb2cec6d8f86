"""CLI commands for trade wars and trade talks: ``optimal-tariff``, ``war``, ``deals``."""

from __future__ import annotations

import argparse
import dataclasses
import json

import numpy as np
import pandas as pd

from tradetalks.baseline import Baseline

FORMATS = ("table", "json", "csv")
OBJECTIVES = ("welfare", "ossa2014")
OBJECTIVE_HELP = "government objective: pure welfare or with Ossa (2014)'s political-economy weights"
DATE_HELP = "tariffs in force on YYYY-MM-DD or a preset (default: the data year's applied tariffs)"


def _policy_options(p: argparse.ArgumentParser) -> None:
    """Options shared by the commands that optimise tariffs."""
    p.add_argument("--baseline", default="default")
    p.add_argument("--date", default=None, help=DATE_HELP)
    p.add_argument("--objective", default="welfare", choices=OBJECTIVES, help=OBJECTIVE_HELP)
    p.add_argument("--format", default="table", choices=FORMATS)


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    opt = sub.add_parser("optimal-tariff", help="a government's optimal tariffs by sector")
    opt.add_argument("region", nargs="?", default="USA")
    opt.add_argument("--against", default="CHN", help="partner code(s), comma-separated, or 'others'")
    _policy_options(opt)

    war = sub.add_parser("war", help="Nash tariff war among players (iterated best responses)")
    war.add_argument("players", nargs="?", default="USA,CHN", help="comma-separated region codes")
    war.add_argument(
        "--bilateral",
        action="store_true",
        help="each player taxes only the other players (default: everyone)",
    )
    _policy_options(war)

    talks = sub.add_parser("talks", help="bargain over two parties' tariffs from a war or a threat")
    talks.add_argument("parties", nargs="?", default="USA,CHN", help="two comma-separated region codes")
    talks.add_argument(
        "--from",
        dest="threat",
        default="war",
        help="disagreement point: 'war' (their Nash tariff war) or a scenario name/file (a threat)",
    )
    talks.add_argument("--solution", default="nash", choices=("nash", "equal-gains"))
    _policy_options(talks)

    deals = sub.add_parser("deals", help="the deal space of multi-issue packages and bargaining solutions")
    deals.add_argument("space", nargs="?", default="busan-2025", help="built-in name or .toml path")
    deals.add_argument("--baseline", default="default")
    deals.add_argument("--date", default=None, help="override the deal space's tariff date (or 'data')")
    deals.add_argument("--workers", type=int, default=1)
    deals.add_argument("--cache-dir", default=None)
    deals.add_argument("--format", default="table", choices=FORMATS)


def _baseline(args: argparse.Namespace) -> Baseline:
    """The baseline named on the command line, dated if ``--date`` is given."""
    from tradetalks.data.catalog import load_baseline

    base = load_baseline(args.baseline)
    if getattr(args, "date", None):
        from tradetalks.data.tariffs import dated_baseline

        base = dated_baseline(base, args.date)
    return base


def _frame_out(frame: pd.DataFrame, fmt: str, title: str) -> str:
    if fmt == "csv":
        return frame.to_csv(float_format="%.6g")
    if fmt == "json":
        return frame.reset_index().to_json(orient="records", indent=1, double_precision=10)
    return f"{title}\n{frame.to_string(float_format=lambda v: f'{v:9.3f}')}"


def cmd_optimal(args: argparse.Namespace) -> str:
    from tradetalks.analyses.objectives import government
    from tradetalks.analyses.optimal import optimal_tariffs

    base = _baseline(args)
    partners = args.against if args.against in ("others", "all") else tuple(args.against.split(","))
    res = optimal_tariffs(base, government(base, args.region, args.objective), partners)
    frame = (100.0 * res.tariffs).rename("optimal_tariff_pct").to_frame()
    if args.format == "json":
        return json.dumps(
            {
                "region": res.region,
                "against": list(res.partners),
                "tariffs_pct": {k: float(v) for k, v in frame["optimal_tariff_pct"].items()},
                "objective_gain": res.objective - res.objective_start,
                "iterations": res.iterations,
                "seconds": res.seconds,
            },
            indent=2,
        )
    title = (
        f"optimal tariffs of {res.region} on {', '.join(res.partners)} (baseline {base.name}); "
        f"real income gain {100 * (np.exp(res.objective - res.objective_start) - 1):.3f} %"
    )
    return _frame_out(frame, args.format, title)


def cmd_war(args: argparse.Namespace) -> str:
    from tradetalks.analyses.objectives import government
    from tradetalks.analyses.war import Player, nash_war

    base = _baseline(args)
    names = [p.strip() for p in args.players.split(",") if p.strip()]
    players = [
        Player(
            government(base, n, args.objective),
            tuple(m for m in names if m != n) if args.bilateral else "others",
        )
        for n in names
    ]
    war = nash_war(base, players)
    if args.format == "json":
        return json.dumps(
            {
                "players": names,
                "tariffs_pct": {p: {k: float(100 * v) for k, v in war.tariffs[p].items()} for p in names},
                "regions": [
                    {"code": str(r), **{k: float(v) for k, v in row.items() if pd.notna(v)}}
                    for r, row in war.summary().iterrows()
                ],
                "rounds": war.rounds,
                "seconds": war.seconds,
            },
            indent=2,
        )
    title = f"Nash tariff war among {', '.join(names)} on baseline {base.name}: {war.rounds} rounds"
    body = _frame_out(war.summary(), args.format, title)
    if args.format == "table":
        body += "\n\nNash tariffs (%)\n" + (100 * war.tariffs).round(1).T.to_string()
    return body


def cmd_talks(args: argparse.Namespace) -> str:
    from tradetalks.analyses.objectives import government
    from tradetalks.analyses.talks import bargain
    from tradetalks.analyses.war import Player, nash_war
    from tradetalks.errors import ScenarioError
    from tradetalks.scenarios import load_scenario

    names = [p.strip() for p in args.parties.split(",") if p.strip()]
    if len(names) != 2:
        raise ScenarioError(f"talks need two parties, got {names}")
    base = _baseline(args)
    players = [Player(government(base, a, args.objective), (b,)) for a, b in (names, names[::-1])]
    if args.threat == "war":
        threat = nash_war(base, players).result.equilibrium.shocks
    else:
        sc = load_scenario(args.threat)
        base = sc.prepare(base)
        threat = sc.compile(base)
    talks = bargain(base, players, threat, solution=args.solution)
    frame = talks.result.regions_frame()[["welfare_pct", "real_wage_pct", "exports_pct", "imports_pct"]]
    if args.format == "json":
        return json.dumps(
            {
                "parties": names,
                "disagreement": args.threat,
                "solution": args.solution,
                "gains_pct": {k: float(100 * (np.exp(v) - 1)) for k, v in talks.gains.items()},
                "tariffs_pct": {p: {k: float(100 * v) for k, v in talks.tariffs[p].items()} for p in names},
                "regions": [
                    {"code": str(r), **{k: float(v) for k, v in row.items()}} for r, row in frame.iterrows()
                ],
                "iterations": talks.iterations,
                "seconds": talks.seconds,
            },
            indent=2,
        )
    gains = ", ".join(f"{k} {100 * (np.exp(v) - 1):.3f} %" for k, v in talks.gains.items())
    title = (
        f"{args.solution} talks between {names[0]} and {names[1]} from '{args.threat}' on {base.name}: "
        f"gains over the disagreement point {gains}"
    )
    body = _frame_out(frame, args.format, title)
    if args.format == "table":
        body += "\n\nagreed tariffs (%)\n" + (100 * talks.tariffs).round(1).T.to_string()
    return body


def cmd_deals(args: argparse.Namespace) -> str:
    from tradetalks.analyses.deals import load_deal_space, solve_deal_space, to_json
    from tradetalks.data.catalog import load_baseline

    space = load_deal_space(args.space)
    if args.date is not None:
        space = dataclasses.replace(
            space, base=dataclasses.replace(space.base, date=None if args.date == "data" else args.date)
        )
    deals = solve_deal_space(
        load_baseline(args.baseline), space, workers=args.workers, cache_dir=args.cache_dir
    )
    if args.format == "json":
        return to_json(deals)
    if args.format == "csv":
        return deals.table.to_csv(index=False, float_format="%.8g")
    t = deals.table
    a, b = (g.region for g in space.parties)
    shown = (
        [i.name for i in space.issues]
        + [f"gain_{a}", f"gain_{b}"]
        + [c for c in t.columns if c.startswith("welfare_")]
    )
    summary = deals.summary()[shown].copy()
    summary[[f"gain_{a}", f"gain_{b}"]] *= 100.0
    head = (
        f"deal space {space.name}: {len(t)} packages, {int(t['frontier'].sum())} on the frontier, "
        f"{int(t['zopa'].sum())} in the zone of agreement, {int((~t['ratified']).sum())} fail ratification; "
        f"{deals.seconds:.1f} s; alternating offers agree in round "
        f"{deals.rounds.get('rubinstein', '-')} (Rubinstein), "
        f"{deals.rounds.get('concession', '-')} (concession)"
        "\n(gains: percent of real income against the disagreement package; "
        "welfare_*: onlookers' welfare change, percent)"
    )
    return head + "\n" + summary.T.to_string()
