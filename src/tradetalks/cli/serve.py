"""The ``serve`` command: the local web dashboard (docs/dashboard.md)."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import webbrowser
from pathlib import Path

from tradetalks.cli.options import _non_negative, _positive

log = logging.getLogger(__name__)

#: Folder of the dashboard's jobs by default (relative to the working directory).
DEFAULT_RESULTS = "tradetalks-results"
#: Seconds an idle keep-alive connection is kept open. uvicorn's default of 5 s closes the
#: connection of a client that is busy for a moment, racing the request it sends next (the
#: client then sees the connection dropped without an answer).
KEEP_ALIVE_S = 30


def _seconds(text: str) -> float:
    """An argument type: a finite number of seconds > 0 (``--run-timeout``)."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r}: allowed: a number of seconds > 0")
    return value


def _port(text: str) -> int:
    """An argument type: a TCP port number 0-65535 (``--port``)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r}: allowed: a port number 0-65535")
    return value


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``serve`` on the command line's subparsers."""
    p = sub.add_parser(
        "serve",
        help="the local web dashboard: set levers in forms, run, see the charts, compare, deal spaces",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (127.0.0.1: this machine only, the default; 0.0.0.0 exposes it to the network)",
    )
    p.add_argument("--port", type=_port, default=8000, help="port (8000)")
    p.add_argument(
        "--results",
        default=DEFAULT_RESULTS,
        help=f"folder of the jobs and their results (default: ./{DEFAULT_RESULTS})",
    )
    p.add_argument("--workers", type=_positive, default=1, help="jobs solved at the same time (1)")
    p.add_argument(
        "--max-jobs",
        type=_non_negative,
        default=16,
        help="most jobs queued or running at a time; more are refused with 429 (16; 0: read-only)",
    )
    p.add_argument(
        "--max-request-bytes",
        type=_positive,
        default=1_000_000,
        help="largest request body accepted; larger ones are refused with 413 (1000000)",
    )
    p.add_argument(
        "--run-timeout",
        type=_seconds,
        default=600.0,
        help="seconds a job may run before it is stopped and marked failed (600)",
    )
    p.add_argument("--open", action="store_true", help="open the dashboard in the web browser")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address or ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def url_of(host: str, port: int) -> str:
    """The dashboard's address when served on ``host`` and ``port``."""
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}/"


def cmd_serve(args: argparse.Namespace) -> str:
    """Serve the dashboard until stopped; warns when the address is not a loopback one."""
    import uvicorn

    from tradetalks.web import create_app
    from tradetalks.web.app import LOOPBACK_HOSTS

    loopback = is_loopback(args.host)
    if not loopback:
        log.warning(
            "serving on %s: anyone who can reach this address can run jobs and read their results "
            "(the dashboard has no login); bind 127.0.0.1 to keep it on this machine",
            args.host,
        )
    results = Path(args.results)
    app = create_app(
        results,
        workers=args.workers,
        max_jobs=args.max_jobs,
        max_request_bytes=args.max_request_bytes,
        run_timeout_s=args.run_timeout,
        allowed_hosts=LOOPBACK_HOSTS if loopback else None,
    )
    url = url_of(args.host, args.port)
    if not getattr(args, "quiet", False):
        print(f"tradetalks dashboard at {url} (results in {results}; Ctrl+C stops it)", flush=True)
    if args.open:
        webbrowser.open(url)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", timeout_keep_alive=KEEP_ALIVE_S)
    return "tradetalks dashboard stopped"
