"""The ``tariff-rates`` command: effective tariff rates before substitution, by date."""

from __future__ import annotations

import argparse

import tradetalks.api as api
from tradetalks.cli.render import FORMATS, render
from tradetalks.data.tariffs.etr import BASES, WEIGHTS


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``tariff-rates`` on the command line's subparsers."""
    p = sub.add_parser("tariff-rates", help="effective tariff rates before substitution, by partner or date")
    p.add_argument(
        "dates",
        nargs="*",
        default=["pre-summit-2025-10-15"],
        help="dates YYYY-MM-DD or presets (default: pre-summit-2025-10-15); several: the overall rate "
        "by date",
    )
    p.add_argument("--importer", default="USA", help="ICIO economy levying the tariffs (USA)")
    p.add_argument(
        "--weights",
        default="2024",
        choices=WEIGHTS,
        help="base-period imports: 2024 (US Census), 2022 (ICIO), 2017 (ICIO, pre-war)",
    )
    p.add_argument(
        "--basis",
        default="statutory",
        choices=BASES,
        help="statutory (rates in force) or collected (2024 duties collected plus the change since)",
    )
    p.add_argument("--format", default="table", choices=FORMATS)


def cmd_tariff_rates(args: argparse.Namespace) -> str:
    result = api.tariff_rates(args.dates, importer=args.importer, weights=args.weights, basis=args.basis)
    return render(result, args.format, ("overall", "partners"))
