"""Options and argument helpers the commands share (``--date``, ``--draws``, progress bars, ...),
kept apart from :mod:`.commands` so that any command module can use them."""

from __future__ import annotations

import argparse
import math
from contextlib import AbstractContextManager
from typing import Any

from tradetalks.analyses.uncertainty import ELASTICITY_METHODS, PARAMETERS, Priors
from tradetalks.cli.progress import stderr_progress
from tradetalks.errors import OptionsError
from tradetalks.progress import ProgressFn

ELASTICITIES_HELP = "published trade-elasticity set: CP (default), BSY, FGO, GYY, IS, LL, Shap, U4"
DATE_HELP = (
    "tariffs in force on YYYY-MM-DD or a preset (pre-war-2017, phase-one-2020, 2025-01-20, geneva-2025, "
    "pre-summit-2025-10-15); 'data' for the data year's applied tariffs"
)
MAPPING_HELP = "aggregate the baseline's regions by a mapping file (CSV source,target; TOML or JSON)"
#: Methods of ``tradetalks run --intervals``.
INTERVAL_METHODS = ("mc", "delta")
OBJECTIVE_HELP = "government objective: pure welfare or with Ossa (2014)'s political-economy weights"


def _positive(text: str) -> int:
    """An argument type: a whole number >= 1 (``--workers``, ``--draws``)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: allowed: a whole number >= 1")
    return value


def _non_negative(text: str) -> int:
    """An argument type: a whole number >= 0 (``--seed``)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: allowed: a whole number >= 0")
    return value


def _finite(text: str) -> float:
    """An argument type: a finite number (not ``nan`` or ``inf``)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r}: allowed: a finite number")
    return value


def _regions(text: str | None) -> list[str] | None:
    return None if text is None else [r.strip() for r in text.split(",") if r.strip()]


def _interval_args(args: argparse.Namespace) -> dict[str, Any]:
    """``draws``, ``seed``, ``priors`` and ``intervals`` of :func:`tradetalks.run` from the options."""
    if args.draws is not None and args.draws < 1:
        raise OptionsError(
            f"--draws={args.draws}; allowed: a whole number >= 1 (the number of parameter draws)"
        )
    if args.seed is not None and args.seed < 0:
        raise OptionsError(f"--seed={args.seed}; allowed: a whole number >= 0")
    if args.intervals == "mc" and args.draws is None:
        raise OptionsError("--intervals mc needs --draws N (N >= 1)")
    if args.intervals == "delta" and args.draws is not None:
        raise OptionsError("--draws applies to --intervals mc; the delta method takes no draws")
    asked = args.intervals is not None or args.draws is not None
    if not asked:
        if args.vary is not None:
            raise OptionsError("--vary applies to intervals: give --draws N or --intervals delta")
        return {}
    vary = tuple(_regions(args.vary) or ()) if args.vary is not None else PARAMETERS
    return {
        "draws": args.draws or 0,
        "seed": args.seed,
        "intervals": args.intervals,
        "priors": Priors(vary=vary, elasticity_method=args.elasticity_draws),
    }


def _draw_options(p: argparse.ArgumentParser, workers: bool) -> None:
    """``--draws``, ``--seed``, ``--vary`` and ``--elasticity-draws`` of war, talks and deals (and
    ``--workers`` where the command has none)."""
    p.add_argument(
        "--draws",
        type=_positive,
        default=None,
        help="solve again under N draws of the uncertain parameters (N >= 1) and report probabilities "
        "and 5-95 %% ranges (docs/deals-uncertainty.md)",
    )
    p.add_argument(
        "--seed", type=_non_negative, default=0, help="seed of the draws (0); draw k is the same for any N"
    )
    p.add_argument(
        "--vary",
        default=None,
        help=f"parameters to vary, comma-separated (default: all): {', '.join(PARAMETERS)}",
    )
    p.add_argument(
        "--elasticity-draws",
        default="lognormal",
        choices=ELASTICITY_METHODS,
        help="trade elasticities drawn log-normal by sector (default) or one published set whole",
    )
    if workers:
        p.add_argument(
            "--workers", type=_positive, default=1, help="processes to solve the draws on (1; >= 1)"
        )


def _draw_args(args: argparse.Namespace) -> dict[str, Any]:
    """``draws``, ``seed`` and ``priors`` of war, talks and deals from the options."""
    if args.draws is None:
        if args.vary is not None:
            raise OptionsError("--vary applies to draws: give --draws N (N >= 1)")
        return {}
    if args.draws < 1:
        raise OptionsError(
            f"--draws={args.draws}; allowed: a whole number >= 1 (the number of parameter draws)"
        )
    if args.seed < 0:
        raise OptionsError(f"--seed={args.seed}; allowed: a whole number >= 0")
    vary = tuple(_regions(args.vary) or ()) if args.vary is not None else PARAMETERS
    return {
        "draws": args.draws,
        "seed": args.seed,
        "priors": Priors(vary=vary, elasticity_method=args.elasticity_draws),
    }


def _progress(args: argparse.Namespace) -> AbstractContextManager[ProgressFn]:
    """A progress bar on stderr, silent with ``--format json`` and with ``--quiet``."""
    return stderr_progress(args.format != "json" and not getattr(args, "quiet", False))


def _discount(text: str | None) -> dict[str, Any]:
    """``--discount 0.9`` (both parties) or ``0.9,0.8`` as the ``discount`` of :class:`DealOptions`."""
    if text is None:
        return {}
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise OptionsError(
            f"--discount={text!r}; allowed: one or two numbers in (0, 1), comma-separated"
        ) from None
    if len(values) not in (1, 2) or not all(0.0 < v < 1.0 for v in values):
        raise OptionsError(f"--discount={text!r}; allowed: one or two numbers in (0, 1), comma-separated")
    return {"discount": (values[0], values[-1])}


#: Largest ``--tie-tol`` (:attr:`tradetalks.analyses.options.DealOptions.tie_tol`).
TIE_TOL_MAX = 1e-4


def _tie_tol(value: float | None) -> dict[str, Any]:
    """``--tie-tol`` as the ``tie_tol`` of :class:`DealOptions` (checked here to name the option)."""
    if value is None:
        return {}
    if not 0.0 <= value <= TIE_TOL_MAX:
        raise OptionsError(f"--tie-tol={value!r}; allowed: a number from 0 to {TIE_TOL_MAX:g}")
    return {"tie_tol": value}
