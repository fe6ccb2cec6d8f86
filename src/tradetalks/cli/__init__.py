"""Command-line interface: ``tradetalks run``, ``optimal-tariff``, ``war``, ``talks``, ``deals``,
``allies``, ``data`` and ``scenarios``.

The CLI parses arguments, calls the workflow API (:mod:`tradetalks.api`) and renders what the
result gives (:mod:`tradetalks.cli.render`); it computes nothing. Errors of the package become
one line on stderr and exit status 2, as are bad arguments (:class:`.commands._Parser`) and files
that cannot be read or written.
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from collections.abc import Sequence
from typing import TextIO

from tradetalks.cli import commands
from tradetalks.errors import TradetalksError


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Log records to whatever ``sys.stderr`` is when they are emitted (tests swap it)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def configure_logging(verbose: bool = False, quiet: bool = False) -> None:
    """The package's log lines on stderr: warnings (default), debug lines such as every solve's
    iterations and time (``verbose``), or errors only (``quiet``; :func:`main` also silences
    Python warnings while the command runs)."""
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING
    logger = logging.getLogger("tradetalks")
    logger.setLevel(level)
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tradetalks`` console script."""
    parser = commands.parser()
    args = parser.parse_args(argv)
    args.argv = ["tradetalks", *(sys.argv[1:] if argv is None else argv)]
    logger = logging.getLogger("tradetalks")
    level = logger.level
    configure_logging(args.verbose, args.quiet)
    try:
        return _dispatch(args)
    finally:  # a later call in the same process (a test, a notebook) starts from the same level
        logger.setLevel(level)


def _dispatch(args: argparse.Namespace) -> int:
    """Run the parsed command; print its output, or one error line."""
    handler = commands.HANDLERS[args.command]
    try:
        with warnings.catch_warnings():
            if args.quiet:
                warnings.simplefilter("ignore")
            out = handler(args)
    except TradetalksError as exc:
        print("tradetalks: error: " + " ".join(str(exc).split()), file=sys.stderr)
        return 2
    except OSError as exc:  # a file named on the command line cannot be read or written
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"tradetalks: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2
    try:
        print(out)
    except BrokenPipeError:  # the reader (e.g. ``| head``) closed the pipe: not an error of ours
        sys.stderr.close()
    return int(getattr(out, "status", 0))


if __name__ == "__main__":
    raise SystemExit(main())
