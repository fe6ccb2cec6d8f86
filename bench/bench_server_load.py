"""Load test of the dashboard: the real server on loopback, many concurrent clients, no 5xx.

Starts ``tradetalks serve`` (uvicorn) on 127.0.0.1 at a free port in a subprocess, with a fresh
results folder, then ``--clients`` concurrent clients (asyncio tasks, each its own
``httpx.AsyncClient`` and keep-alive connection) send ``--requests`` requests in all, a fixed
mix cycled in order: ``GET /api/meta``, ``/api/scenarios/NAME`` (built-in and unknown names),
``/api/schema``, ``/api/jobs``, an unknown job, the page's static files, and ``POST /api/runs``
with invalid bodies (422), an oversized body (413) and valid ones, accepted (202) while fewer than
``--max-jobs`` jobs are queued or running and refused with 429 beyond.

Prints the requests served, the wall time, the throughput (requests per second), the p50, p99
and largest latency, the count of each status code and of connection errors, and exits 1 unless
there is no 5xx answer and no connection error. Client and server share the machine, so on a
small or busy one the figures measure both.

Run: ``python bench/bench_server_load.py [--clients 200] [--requests 20000] [--max-jobs 1]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np

#: Largest body the server is started with (bytes); the oversized request sends more.
MAX_BODY = 100_000
#: One cycle of the request mix: (method, path, JSON body or None, raw body or None).
MIX: tuple[tuple[str, str, Any, bytes | None], ...] = (
    *(("GET", "/api/meta", None, None),) * 8,
    ("GET", "/api/scenarios/us-100", None, None),
    ("GET", "/api/scenarios/us-100-retaliation", None, None),
    ("GET", "/api/scenarios/us-100", None, None),
    ("GET", "/api/scenarios/no-such-scenario", None, None),
    ("GET", "/api/schema", None, None),
    ("GET", "/api/schema", None, None),
    ("GET", "/static/app.js", None, None),
    ("GET", "/static/schema-form.js", None, None),
    ("GET", "/static/style.css", None, None),
    ("GET", "/api/jobs", None, None),
    ("GET", "/api/jobs/0123456789abcdef", None, None),
    ("GET", "/api/runs/..%2F..%2Fjob.json/result", None, None),
    ("POST", "/api/runs", {"horizon": "forever"}, None),
    ("POST", "/api/runs", {"scenario": "no-such-scenario"}, None),
    ("POST", "/api/deals", {"space": "no-such-space"}, None),
    ("POST", "/api/runs", None, b'{"scenario": "' + b"x" * (MAX_BODY + 1) + b'"}'),
    *(("GET", "/api/meta", None, None),) * 4,
)
#: A valid run, sent once every ``VALID_EVERY`` requests (accepted or refused with 429).
VALID_RUN = {"scenario": "us-100", "alongside": []}
VALID_EVERY = 400


def free_port() -> int:
    """A TCP port of 127.0.0.1 free at the time of asking."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """``tradetalks serve`` on 127.0.0.1 at a free port, in a subprocess (a context manager).

    Parameters
    ----------
    results : Path
        The server's results folder.
    max_jobs : int
        Its ``--max-jobs`` (jobs queued or running at a time).
    start_timeout_s : float
        Seconds to wait for it to answer ``GET /api/meta``.
    """

    def __init__(self, results: Path, *, max_jobs: int = 1, start_timeout_s: float = 90.0) -> None:
        self.results = results
        self.max_jobs = max_jobs
        self.start_timeout_s = start_timeout_s
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        code = "import sys; from tradetalks.cli import main; sys.exit(main())"
        argv = [sys.executable, "-c", code, "--quiet", "serve", "--host", "127.0.0.1"]
        argv += ["--port", str(self.port), "--results", str(self.results), "--max-jobs", str(self.max_jobs)]
        argv += ["--max-request-bytes", str(MAX_BODY)]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        end = time.monotonic() + self.start_timeout_s
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"the server exited with code {self.proc.returncode}: {err[-2000:]}")
            try:
                if httpx.get(f"{self.url}/api/meta", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError(f"the server did not answer within {self.start_timeout_s} s")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc is not None and self.proc.stderr is not None:
            self.proc.stderr.close()


class ThreadServer:
    """The same server on 127.0.0.1 at a free port, run by uvicorn in a thread of this process.

    For a short check from a process that has the package imported already (it starts in well
    under a second, where the subprocess imports it first); client and server share one
    interpreter, so its throughput is below :class:`Server`'s.
    """

    def __init__(self, results: Path, *, max_jobs: int = 1, start_timeout_s: float = 30.0) -> None:
        import uvicorn

        from tradetalks.cli.serve import KEEP_ALIVE_S
        from tradetalks.web import create_app

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.start_timeout_s = start_timeout_s
        app = create_app(results, max_jobs=max_jobs, max_request_bytes=MAX_BODY)
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", timeout_keep_alive=KEEP_ALIVE_S
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="tradetalks-load-server", daemon=True)

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        end = time.monotonic() + self.start_timeout_s
        while not self.server.started:
            if time.monotonic() > end or not self.thread.is_alive():
                self.__exit__(None, None, None)
                raise RuntimeError(f"the server did not start within {self.start_timeout_s} s")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(20)


@dataclass
class LoadReport:
    """What a load run measured."""

    requests: int
    wall_s: float
    latencies_s: list[float] = field(repr=False)
    statuses: Counter[int]
    errors: Counter[str]

    @property
    def throughput(self) -> float:
        """Requests answered per second of wall time."""
        return len(self.latencies_s) / self.wall_s if self.wall_s > 0 else 0.0

    def percentile_ms(self, q: float) -> float:
        """The ``q``-th percentile of the latencies, in milliseconds (NaN when none)."""
        return float(np.percentile(self.latencies_s, q) * 1000) if self.latencies_s else float("nan")

    def by_class(self) -> dict[str, int]:
        """Counts of answers by status class (``2xx`` ...)."""
        out: Counter[str] = Counter()
        for status, n in self.statuses.items():
            out[f"{status // 100}xx"] += n
        return dict(sorted(out.items()))

    @property
    def server_errors(self) -> int:
        """Answers with a 5xx status."""
        return sum(n for s, n in self.statuses.items() if s >= 500)

    def summary(self) -> dict[str, Any]:
        """The figures as one JSON-ready mapping."""
        return {
            "requests": self.requests,
            "answered": len(self.latencies_s),
            "wall_s": round(self.wall_s, 3),
            "throughput_rps": round(self.throughput, 1),
            "p50_ms": round(self.percentile_ms(50), 2),
            "p99_ms": round(self.percentile_ms(99), 2),
            "max_ms": round(max(self.latencies_s, default=0.0) * 1000, 2),
            "by_class": self.by_class(),
            "by_status": {str(k): v for k, v in sorted(self.statuses.items())},
            "server_errors": self.server_errors,
            "connection_errors": sum(self.errors.values()),
            "errors": dict(self.errors),
        }


def plan(total: int) -> Iterator[tuple[str, str, Any, bytes | None]]:
    """The ``total`` requests of a run, in order: :data:`MIX` cycled, a valid run every ``VALID_EVERY``."""
    for i in range(total):
        if i % VALID_EVERY == VALID_EVERY // 2:
            yield ("POST", "/api/runs", VALID_RUN, None)
        else:
            yield MIX[i % len(MIX)]


async def _load(url: str, clients: int, total: int, timeout_s: float) -> LoadReport:
    todo = plan(total)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)

    async def client() -> None:
        # each client its own connection: one shared pool of many connections costs the client
        # more CPU per request than the server spends answering it
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout_s) as http:
            await ready.wait()
            for method, path, body, raw in todo:  # the clients share one iterator: a fixed total
                t0 = time.perf_counter()
                try:
                    if raw is not None:
                        headers = {"content-type": "application/json"}
                        r = await http.request(method, path, content=raw, headers=headers)
                    else:
                        r = await http.request(method, path, json=body)
                except httpx.HTTPError as exc:
                    errors[f"{type(exc).__name__} on {method} {path}{' (oversized)' if raw else ''}"] += 1
                    continue
                latencies.append(time.perf_counter() - t0)
                statuses[r.status_code] += 1

    ready = asyncio.Event()
    tasks = [asyncio.create_task(client()) for _ in range(clients)]
    await asyncio.sleep(0)  # every client created before the clock starts
    t0 = time.perf_counter()
    ready.set()
    await asyncio.gather(*tasks)
    wall = time.perf_counter() - t0
    return LoadReport(total, wall, latencies, statuses, errors)


def load(url: str, *, clients: int, requests: int, timeout_s: float = 60.0) -> LoadReport:
    """Send ``requests`` requests of :func:`plan` to ``url`` from ``clients`` concurrent clients."""
    return asyncio.run(_load(url, clients, requests, timeout_s))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200, help="concurrent clients (200)")
    parser.add_argument("--requests", type=int, default=20_000, help="requests in all (20000)")
    parser.add_argument("--max-jobs", type=int, default=1, help="the server's --max-jobs (1)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="tradetalks-load-") as tmp,
        Server(Path(tmp), max_jobs=args.max_jobs) as server,
    ):
        report = load(server.url, clients=args.clients, requests=args.requests)
    figures = report.summary()
    if args.json:
        print(json.dumps(figures, indent=1))
    else:
        print(f"tradetalks dashboard load test: {args.clients} clients, {args.requests} requests, loopback")
        print(f"  answered        {figures['answered']} in {figures['wall_s']} s")
        print(f"  throughput      {figures['throughput_rps']} requests/s")
        p50, p99, top = figures["p50_ms"], figures["p99_ms"], figures["max_ms"]
        print(f"  latency         p50 {p50} ms, p99 {p99} ms, max {top} ms")
        print(f"  by class        {figures['by_class']}")
        print(f"  by status       {figures['by_status']}")
        print(f"  5xx             {figures['server_errors']}")
        print(f"  connection err  {figures['connection_errors']} {figures['errors'] or ''}")
    ok = report.server_errors == 0 and not report.errors and len(report.latencies_s) == args.requests
    if not ok:
        print("FAILED: 5xx answers or connection errors", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
