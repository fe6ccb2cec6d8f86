"""Intervals on every output of a scenario: Monte Carlo over parameter draws and the delta method.

Two ways to put a range on each number a scenario's result reports (docs/uncertainty.md):

* **Monte Carlo** (``method="mc"``): solve the scenario under ``draws`` draws of the uncertain
  parameters (:mod:`tradetalks.analyses.uncertainty`, eq. 9.1), each warm-started from the central
  solution, and report the median and 5-95 % range of each output (eq. 9.2).
* **Delta method** (``method="delta"``): the gradient of each output with respect to the
  continuous parameters that enter the scenario's equilibrium (the log trade elasticities by
  group of elasticity sectors; the long-run trade response ``L`` at the short and medium
  horizons) from exact state derivatives (the implicit function theorem with complex steps in
  the elasticities, :func:`tradetalks.model.sensitivity.elasticity_sensitivity`, eq. 9.5), with
  the priors' means and variances (the truncated normal's for the elasticities), gives a median
  ``central + g . (mean - shipped)`` and a range ``median +- 1.645 sd`` (eq. 9.4). It is a
  normal approximation, linear in the parameters: Monte Carlo is the reference where the priors
  are skewed or the outputs curve. Tariff and export-tax scenarios, fixed closure.

The pure functions :func:`sample_intervals` (draws -> table) and :func:`delta_intervals`
(gradients and prior sds -> table) do the statistics; :func:`monte_carlo` and
:func:`delta_method` solve; :func:`scenario_intervals` picks one from :class:`IntervalOptions`.
The delta method lives in :mod:`tradetalks.analyses.delta_method`, the options and what every
interval result says of its priors in :mod:`tradetalks.analyses.interval_options`; both are
re-exported here.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tradetalks.analyses.delta_method import (
    TANGENT_STEP,
    Z95,
    DeltaParameter,
    delta_intervals,
    delta_method,
    delta_parameters,
    output_gradients,
    truncated_normal_moments,
)
from tradetalks.analyses.interval_options import (
    ELASTICITY_METHODS,
    IntervalOptions,
    entering,
    interval_provenance,
    priors_info,
    source_notes,
)
from tradetalks.analyses.uncertainty import (
    ParameterDraw,
    drawn_baseline,
    drawn_scenario,
    intervals,
    parameter_draws,
    solve_drawn,
)
from tradetalks.baseline import Baseline
from tradetalks.errors import ConvergenceError, OptionsError
from tradetalks.model import Equilibrium, SolverOptions
from tradetalks.progress import ProgressFn, no_progress
from tradetalks.results import Result
from tradetalks.results.intervals import COLUMNS, Intervals, interval_table, output_array, output_frame
from tradetalks.scenarios import Scenario

FloatArray = NDArray[np.float64]


# ------------------------------------------------------------------------------ statistics
def sample_intervals(samples: FloatArray, central: FloatArray) -> dict[str, FloatArray]:
    """Central value, median, p5, p95, sd and the number of finite draws of each output.

    ``samples`` is ``(K, ...)`` (one row a draw), ``central`` the outputs' shape. Outputs finite in
    every draw go through :func:`tradetalks.analyses.uncertainty.intervals` (eq. 9.2); outputs that
    are not applicable (``NaN``) in some draws are summarised over the draws where they are finite,
    and are ``NaN`` with 0 draws where they never are.
    """
    arr = np.asarray(samples, dtype=np.float64)
    if arr.ndim < 1 or arr.shape[0] < 1:
        raise OptionsError("sample_intervals: need at least one draw")
    shape = arr.shape[1:]
    flat = arr.reshape(arr.shape[0], -1)
    out = {c: np.full(flat.shape[1], np.nan) for c in COLUMNS}
    out["central"] = np.asarray(central, dtype=np.float64).reshape(-1).copy()
    finite = np.isfinite(flat)
    full = finite.all(axis=0)
    if full.any():
        summary = intervals(pd.DataFrame(flat[:, full]))
        for c in ("median", "p5", "p95"):
            out[c][full] = summary[c].to_numpy()
        out["sd"][full] = flat[:, full].std(axis=0, ddof=1) if flat.shape[0] > 1 else 0.0
    out["draws"] = finite.sum(axis=0).astype(np.float64)
    for k in np.flatnonzero(~full & finite.any(axis=0)):
        vals = flat[finite[:, k], k]
        out["p5"][k], out["median"][k], out["p95"][k] = np.percentile(vals, (5.0, 50.0, 95.0))
        out["sd"][k] = vals.std(ddof=1) if vals.size > 1 else 0.0
    return {c: v.reshape(shape) for c, v in out.items()}


# ------------------------------------------------------------------------------ Monte Carlo
def _draw_row(draw: ParameterDraw) -> dict[str, Any]:
    """A draw's values as one flat row (``theta[<sector>]``, ``critical_supply[<horizon>]``, ...)."""
    row: dict[str, Any] = {"draw": draw.index}
    for f in dataclasses.fields(draw):
        value = getattr(draw, f.name)
        if f.name in ("index", "seed") or value is None:
            continue
        if isinstance(value, Mapping):
            row |= {f"{f.name}[{k}]": v for k, v in value.items()}
        else:
            row[f.name] = value
    return row


def _batch_solver() -> Callable[..., list[Equilibrium]] | None:
    """:func:`tradetalks.model.batch.solve_batch` (many draws in one batched iteration), where the
    package has it; ``None`` otherwise (every draw is then solved on its own)."""
    try:
        from tradetalks.model.batch import solve_batch
    except ImportError:  # pragma: no cover - the batched solver is optional here
        return None
    return solve_batch


def solve_draws(
    prepared: Baseline,
    scenario: Scenario,
    draws: Sequence[ParameterDraw],
    horizon: str,
    solver: SolverOptions | None = None,
    start: FloatArray | None = None,
    batched: bool = True,
) -> list[Result]:
    """The scenario solved under each of ``draws`` at ``horizon``, each from ``start``.

    Each result is :func:`tradetalks.analyses.uncertainty.solve_drawn`'s. With ``batched`` (and the
    fixed closure) the draws are solved together by the batched solver where the package has one
    (:func:`tradetalks.model.batch.solve_batch`: the same equilibria to the solver's tolerance);
    otherwise one by one.

    Raises
    ------
    ConvergenceError
        A draw did not solve; the message names the draw, its seed and the horizon.
    """
    opts = solver or SolverOptions()
    batch = _batch_solver() if batched and opts.closure == "fixed" else None
    if batch is None:
        out = []
        for d in draws:
            try:
                out.append(solve_drawn(prepared, scenario, d, horizon, opts, start=start))
            except ConvergenceError as exc:
                raise _draw_error(exc, d, horizon) from exc
        return out
    worlds = [drawn_baseline(prepared, d, horizon) for d in draws]
    scenarios = [drawn_scenario(scenario, d) for d in draws]
    shocks = [sc.compile(w) for sc, w in zip(scenarios, worlds, strict=True)]
    try:
        eqs = batch(worlds, shocks, opts, starts=[start] * len(draws))
    except ConvergenceError as exc:
        members = getattr(exc, "members", (0,))
        raise _draw_error(exc, draws[int(members[0])], horizon) from exc
    return [
        Result(scenario=sc.name, equilibrium=eq, source=w, closure=opts.closure, solver_options=opts)
        for sc, eq, w in zip(scenarios, eqs, worlds, strict=True)
    ]


def _draw_error(exc: ConvergenceError, draw: ParameterDraw, horizon: str) -> ConvergenceError:
    return ConvergenceError(
        f"draw {draw.index} of seed {draw.seed} at horizon {horizon}: {exc}",
        iterations=exc.iterations,
        residual=exc.residual,
    )


#: Draws solved together (one batch of the batched solver; one step of the progress bar).
CHUNK = 50


def monte_carlo(
    prepared: Baseline,
    scenario: Scenario,
    centrals: Mapping[str, Result],
    options: IntervalOptions,
    solver: SolverOptions | None = None,
    progress: ProgressFn | None = None,
) -> Intervals:
    """Monte Carlo intervals of every output at each horizon of ``centrals`` (eqs. 9.1-9.2).

    Draws ``0 .. draws - 1`` of ``options.seed`` (:func:`parameter_draws`); each is solved at every
    horizon (:func:`solve_draws`), warm-started from that horizon's central state, :data:`CHUNK`
    draws at a time.

    Raises
    ------
    ConvergenceError
        A draw did not solve (the message names the draw, the seed and the horizon).
    """
    report = progress or no_progress
    t0 = time.perf_counter()
    priors = options.priors()
    draws = parameter_draws(prepared, options.draws, options.seed, priors)
    frames = {h: output_frame(r) for h, r in centrals.items()}
    samples = {h: np.empty((len(draws), *f.shape)) for h, f in frames.items()}
    label = f"Monte Carlo draws ({scenario.name})"
    for lo in range(0, len(draws), CHUNK):
        chunk = draws[lo : lo + CHUNK]
        for h, central in centrals.items():
            start = np.asarray(central.equilibrium.state)
            solved = solve_draws(prepared, scenario, chunk, h, solver, start, options.batched)
            for k, r in enumerate(solved):
                samples[h][lo + k] = output_array(r)
        report(label, lo + len(chunk), len(draws))
    tables, details = [], {}
    for h, f in frames.items():
        values = sample_intervals(samples[h], f.to_numpy(dtype=np.float64))
        tables.append(interval_table(h, list(f.index), list(f.columns), values))
        cols = pd.MultiIndex.from_product([f.index, f.columns], names=["region", "measure"])
        details[f"draws_{h}"] = pd.DataFrame(
            samples[h].reshape(len(draws), -1),
            index=pd.Index([d.index for d in draws], name="draw"),
            columns=cols,
        )
    first = next(iter(centrals.values()))
    return Intervals(
        method="mc",
        table=pd.concat(tables),
        draws=len(draws),
        seed=options.seed,
        priors=priors_info(priors, scenario, centrals),
        parameters=pd.DataFrame([_draw_row(d) for d in draws]).set_index("draw"),
        details=details,
        provenance=interval_provenance(first, options),
        seconds=time.perf_counter() - t0,
        notes=(
            f"Monte Carlo: {len(draws)} draws of seed {options.seed} (draw k is the same however many are "
            "drawn; docs/model.md eq. 9.1); median and linear sample quantiles (eq. 9.2); the central value "
            "is the shipped parameters' result, not a draw",
            *source_notes(priors),
        ),
    )


def scenario_intervals(
    prepared: Baseline,
    scenario: Scenario,
    centrals: Mapping[str, Result],
    options: IntervalOptions,
    solver: SolverOptions | None = None,
    progress: ProgressFn | None = None,
) -> Intervals:
    """Intervals by ``options.method``: :func:`monte_carlo` or :func:`delta_method`."""
    if not centrals:
        raise OptionsError("scenario_intervals: no horizon solved")
    if options.method == "delta":
        return delta_method(prepared, scenario, centrals, options, progress)
    return monte_carlo(prepared, scenario, centrals, options, solver, progress)


__all__ = [
    "ELASTICITY_METHODS",
    "TANGENT_STEP",
    "Z95",
    "DeltaParameter",
    "IntervalOptions",
    "delta_intervals",
    "delta_method",
    "delta_parameters",
    "entering",
    "interval_provenance",
    "monte_carlo",
    "output_gradients",
    "priors_info",
    "sample_intervals",
    "scenario_intervals",
    "solve_draws",
    "source_notes",
    "truncated_normal_moments",
]
