"""Generated command lines and the property of the command line (entry point (c) of
:mod:`tests.properties.cases`)."""

from __future__ import annotations

import contextlib
import io
import traceback
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from tests.properties.cases import BAD_DATES, DATES, HORIZONS, Case, PropertyFailedError, Tally
from tradetalks.errors import TradetalksError


# ------------------------------------------------------------------ (c) the command line
class Accepted(Exception):  # noqa: N818 - a signal, not an error
    """Raised by the stub workflow calls: the command line accepted its arguments."""


def _stub(kind: str) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        if kind == "run":
            from tradetalks.api.inputs import check_run_options, scenario_of

            keep = {k: v for k, v in kwargs.items() if k not in ("progress", "priors")}
            check_run_options(**keep)
            scenario_of(keep["scenario"])
        if kind in ("war", "talks", "deals"):
            from tradetalks.api.inputs import check_date, deal_space_of

            if kwargs.get("date") is not None:
                check_date(kwargs["date"])
            if kind == "deals":
                deal_space_of(kwargs["space"])
        raise Accepted(kind)

    return call


_WORD = st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.,=:")


@st.composite
def argv_case(draw: st.DrawFn) -> Case:
    """A command line: a valid one, or one with a defect the command line itself must refuse."""
    command = draw(st.sampled_from(("run", "deals", "war", "talks", "sweep", "scenarios", "garbage")))
    if command == "garbage":
        words = draw(st.lists(st.text(_WORD, min_size=1, max_size=8), max_size=4))
        first = draw(st.sampled_from(("frobnicate", "--nope", "-x", "runn")))
        return Case([first, *words], "error", "unknown command or option")
    if command == "scenarios":
        name = draw(st.sampled_from(("us-100", "rcep", "nope", "missing.toml", "dir/missing")))
        bad = name in ("nope", "missing.toml", "dir/missing")
        return Case(["scenarios", "show", name], name if bad else None, "unknown scenario")
    good: list[str] = []
    if command == "run":
        good = [draw(st.sampled_from(("us-100", "modest-deal", "rcep")))]
        if draw(st.booleans()):
            good += ["--draws", str(draw(st.integers(1, 500))), "--seed", str(draw(st.integers(0, 99)))]
        if draw(st.booleans()):
            good += ["--horizon", draw(st.sampled_from(HORIZONS))]
        if draw(st.booleans()):
            good += ["--date", draw(st.sampled_from((*DATES, "data")))]
    elif command in ("war", "talks"):
        if draw(st.booleans()):
            good += ["--workers", str(draw(st.integers(1, 16)))]
        if draw(st.booleans()):
            good += ["--draws", str(draw(st.integers(1, 50))), "--seed", str(draw(st.integers(0, 9)))]
    elif command == "deals":
        good = ["--workers", str(draw(st.integers(1, 16)))]
        if draw(st.booleans()):
            good += ["--discount", str(draw(st.floats(0.05, 0.95)))]
        if draw(st.booleans()):
            good += ["--tie-tol", str(draw(st.floats(0.0, 1e-5)))]
    else:
        good = ["us-100-draws", "--out", "sweep-out", "--workers", str(draw(st.integers(1, 8)))]
    if draw(st.integers(0, 2)) == 0:
        return Case([command, *good], None)
    options = {
        "run": ["--draws", "--seed", "--horizon", "--date", "scenario", "--closure", "--intervals"],
        "war": ["--workers", "--draws", "--seed", "--closure", "--objective", "--date"],
        "talks": ["--workers", "--draws", "--seed", "--solution", "--date"],
        "deals": ["--workers", "--discount", "--tie-tol", "--draws", "space", "--date"],
        "sweep": ["--workers"],
    }[command]
    option = draw(st.sampled_from(options))
    bad_values = {
        "--workers": ("0", "-3", "two", "1.5", "nan", ""),
        "--draws": ("0", "-1", "1e3", "x", "nan"),
        "--seed": ("-1", "0.5", "abc"),
        "--horizon": ("forever", "Long", ""),
        "--closure": ("open", ""),
        "--intervals": ("bootstrap", ""),
        "--objective": ("greed", ""),
        "--solution": ("split", ""),
        "--discount": ("0", "1", "1.5", "nan", "inf", "x", "0.9,0.8,0.7", "-0.5"),
        "--tie-tol": ("nan", "inf", "-1", "1", "x"),
        "--date": BAD_DATES[:4],
        "scenario": ("nope", "missing.toml", "dir/missing", "./x.TOML"),
        "space": ("nope", "missing.toml", "dir/missing"),
    }[option]
    value = draw(st.sampled_from(bad_values))
    argv = [command, *good]
    if option in ("scenario", "space"):
        argv = [command, value, *(good[1:] if command == "run" else good)]
        expect = value
    else:
        argv += [f"{option}={value}"]
        expect = option.lstrip("-") if option == "--date" else option
    return Case(argv, expect, f"{option} {value!r}")


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``tradetalks ARGV`` in this process, the workflow calls stubbed: ``(status, stdout, stderr)``;
    status ``-1``: the arguments were accepted and reached the workflow."""
    import tradetalks.api as api
    from tradetalks.cli import main

    names = ("run", "deals", "war", "talks", "sweep", "optimal_tariff", "allies", "tariff_rates")
    saved = {n: getattr(api, n) for n in names}
    out, err = io.StringIO(), io.StringIO()
    try:
        for n in names:
            setattr(api, n, _stub(n))
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = main(argv)
            except SystemExit as exc:
                status = exc.code if isinstance(exc.code, int) else 1
            except Accepted:
                status = -1
    finally:
        for n, f in saved.items():
            setattr(api, n, f)
    return status, out.getvalue(), err.getvalue()


def check_cli_case(case: Case, tally: Tally | None = None) -> None:
    """Property (c): a valid command line reaches the workflow; an invalid one exits with status 2
    and one ``error:`` line on stderr that names the option; nothing ends in a traceback."""
    try:
        status, _, err = run_cli(case.value)
    except Exception as exc:
        if tally is not None:
            tally.record(case, exc)
        raise PropertyFailedError(
            f"tradetalks {' '.join(case.value)}: uncaught exception\n{traceback.format_exc()}"
        ) from None
    lines = [line for line in err.splitlines() if line.strip()]
    accepted = status in (-1, 0)
    error = None if accepted else TradetalksError(err.strip())
    if tally is not None:
        kind = "package error" if err.startswith("tradetalks: error:") else "argument error"
        tally.record(case, error, f"exit 2, {kind}" if status == 2 else f"exit {status}")
    if case.valid:
        if not accepted:
            raise PropertyFailedError(f"tradetalks {' '.join(case.value)} refused (status {status}): {err}")
        return
    if status != 2:
        raise PropertyFailedError(f"tradetalks {' '.join(case.value)} ({case.why}): status {status}, not 2")
    if len(lines) != 1 or "error:" not in lines[0] or "Traceback" in err:
        raise PropertyFailedError(f"tradetalks {' '.join(case.value)}: not one 'error:' line: {err!r}")
    if case.field is not None and case.field not in lines[0]:
        raise PropertyFailedError(
            f"tradetalks {' '.join(case.value)}: message does not name {case.field!r}: {err}"
        )
