"""Result bundles on the command line: ``--out DIR`` (and ``--force``) on the solving commands,
and ``tradetalks rerun DIR`` (docs/bundles.md)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from typing import Any

from tradetalks.api.bundle import rerun, write_bundle_info
from tradetalks.cli.progress import stderr_progress


class Outcome(str):
    """A command's output with the exit status it asks for (``rerun``: 1 when not reproduced)."""

    status: int = 0

    def __new__(cls, text: str, status: int = 0) -> Outcome:
        out = super().__new__(cls, text)
        out.status = status
        return out


def add_out(p: argparse.ArgumentParser) -> None:
    """``--out DIR`` and ``--force`` of a solving command."""
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="also write a result bundle to DIR: manifest.json, result.json and every table as "
        "parquet, csv and tables.xlsx (docs/bundles.md); 'tradetalks rerun DIR' replays it",
    )
    p.add_argument(
        "--force", action="store_true", help="with --out: replace DIR even if it holds something else"
    )


def write_out(args: argparse.Namespace, result: Any, call: Mapping[str, Any], text: str, **kw: Any) -> str:
    """Write the bundle ``--out`` asks for (if any) and say so: after the report in table format,
    on stderr otherwise (nothing with ``--quiet``)."""
    if getattr(args, "out", None) is None:
        return text
    written = write_bundle_info(
        result, args.out, call=call, argv=getattr(args, "argv", None), force=args.force, **kw
    )
    path, tables = written.path, written.tables
    line = f"bundle: {path} ({tables} tables as parquet, csv and {path / 'tables.xlsx'}; manifest.json)"
    if args.format == "table":
        return f"{text}\n\n{line}"
    if not getattr(args, "quiet", False):
        print(line, file=sys.stderr)
    return text


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``rerun`` on the command line's subparsers."""
    p = sub.add_parser(
        "rerun",
        help="replay a result bundle from its manifest and check every table is reproduced exactly",
    )
    p.add_argument("bundle", help="a folder written with --out (or tradetalks.write_bundle)")


def cmd_rerun(args: argparse.Namespace) -> str:
    with stderr_progress(not getattr(args, "quiet", False)) as progress:
        report = rerun(args.bundle, progress=progress)
    return Outcome(report.summary(), 0 if report.identical else 1)
