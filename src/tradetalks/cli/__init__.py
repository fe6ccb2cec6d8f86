"""Command-line interface: ``tradetalks run``, ``optimal-tariff``, ``war``, ``talks``, ``deals``,
``allies``, ``data`` and ``scenarios``.

The CLI parses arguments, calls the workflow API (:mod:`tradetalks.api`) and renders what the
result gives (:mod:`tradetalks.cli.render`); it computes nothing. Errors of the package become
one line on stderr and exit status 2.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from tradetalks.cli import commands
from tradetalks.errors import TradetalksError


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tradetalks`` console script."""
    parser = commands.parser()
    args = parser.parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.ERROR if args.quiet else logging.WARNING
    logging.basicConfig(level=level, format="%(message)s")
    handler = commands.HANDLERS[args.command]
    try:
        out = handler(args)
    except TradetalksError as exc:
        print("tradetalks: error: " + " ".join(str(exc).split()), file=sys.stderr)
        return 2
    try:
        print(out)
    except BrokenPipeError:  # the reader (e.g. ``| head``) closed the pipe: not an error of ours
        sys.stderr.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
