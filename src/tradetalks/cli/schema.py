"""Scenario files on the command line: ``tradetalks schema`` (the JSON Schema of a scenario file)
and ``--set PATH=VALUE`` of ``tradetalks run`` (docs/scenario-files.md)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tradetalks._atomic import atomic_write
from tradetalks.errors import ScenarioError
from tradetalks.scenarios import Scenario, load_scenario
from tradetalks.scenarios.files import parse_literal
from tradetalks.scenarios.schema import LEVER_MODELS
from tradetalks.scenarios.schema_docs import lever_json_schema, scenario_json_schema


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``schema`` on the command line's subparsers."""
    p = sub.add_parser("schema", help="print the JSON Schema of a scenario file (or of one lever type)")
    p.add_argument("--lever", default=None, choices=tuple(LEVER_MODELS), help="one lever type only")
    p.add_argument("--out", default=None, metavar="FILE", help="write the schema to FILE instead")


def cmd_schema(args: argparse.Namespace) -> str:
    schema = scenario_json_schema() if args.lever is None else lever_json_schema(args.lever)
    text = json.dumps(schema, indent=2, ensure_ascii=False)
    if args.out is None:
        return text
    path = Path(args.out)
    atomic_write(path, text + "\n")
    return f"wrote {path}"


def add_run_options(p: argparse.ArgumentParser) -> None:
    """``--set PATH=VALUE`` of ``run``; the options a scenario's ``[run]`` table can give default to
    ``None`` here, so the file's value applies unless the option is given."""
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="set a key of the scenario file, e.g. --set run.horizon=short --set levers.0.add_pp=50 "
        "(VALUE is a TOML literal; a bare word is a string); repeatable",
    )
    # the scenario's [run] table gives these when the command line does not (tradetalks.run)
    p.set_defaults(baseline=None, horizon=None, closure=None, seed=None)


def overrides(items: list[str]) -> dict[str, object]:
    """``["run.horizon=short", "levers.0.add_pp=50"]`` as ``{"run.horizon": "short", ...: 50}``."""
    out: dict[str, object] = {}
    for item in items:
        path, sep, value = item.partition("=")
        if not sep or not path.strip():
            raise ScenarioError(
                f"--set {item!r}: expected PATH=VALUE, e.g. run.horizon=short or levers.0.add_pp=50"
            )
        out[path.strip()] = parse_literal(value.strip())
    return out


def scenario_arg(args: argparse.Namespace) -> str | Scenario:
    """The scenario of ``run``: its name or path, or the scenario loaded with the ``--set`` overrides."""
    sets = getattr(args, "set", None) or []
    if not sets:
        return str(args.scenario)
    return load_scenario(args.scenario, overrides=overrides(sets))
