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
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from pydantic import Field, ValidationInfo, field_validator
from scipy.special import ndtr, ndtri

from tradetalks.analyses.options import Options
from tradetalks.analyses.uncertainty import (
    ELASTICITY_METHODS,
    PARAMETERS,
    ParameterDraw,
    Priors,
    drawn_baseline,
    drawn_scenario,
    intervals,
    parameter_draws,
    solve_drawn,
)
from tradetalks.baseline import Baseline
from tradetalks.data.horizons import LONG, at_horizon
from tradetalks.errors import ConvergenceError, OptionsError
from tradetalks.levers.purchase import PurchaseCommitment
from tradetalks.model import Equilibrium, SolverOptions
from tradetalks.model.sensitivity import elasticity_sensitivity
from tradetalks.model.solver import equilibrium_at
from tradetalks.progress import ProgressFn, no_progress
from tradetalks.results import Provenance, Result
from tradetalks.results.intervals import COLUMNS, Intervals, interval_table, output_array, output_frame
from tradetalks.scenarios import Scenario

FloatArray = NDArray[np.float64]
#: Standard normal quantile of the 95th percentile: the delta method's half-width in sds.
Z95 = float(ndtri(0.95))
#: Step (in the parameter's units: log points of theta, units of L) of the central difference of
#: the outputs along the exact tangent of the solution (eq. 9.5).
TANGENT_STEP = 1e-3


class IntervalOptions(Options):
    """What intervals to compute, validated up front.

    Attributes
    ----------
    method : {"mc", "delta"}
        Monte Carlo over parameter draws, or the delta method (normal approximation).
    draws : int
        Parameter draws of the Monte Carlo (at least 1); 0 for the delta method.
    seed : int
        Seed of the draws (draw ``k`` of seed ``s`` is the same however many are drawn; eq. 9.1).
    vary : tuple of str
        The parameters varied (:data:`tradetalks.analyses.uncertainty.PARAMETERS`; default all).
    elasticity_method : {"lognormal", "sets"}
        Trade elasticities drawn log-normal by sector, or one published set whole (Monte Carlo only).
    batched : bool
        Solve the draws together with the batched solver where it applies (the same equilibria to
        the solver's tolerance; faster); ``False``: one by one.
    """

    method: Literal["mc", "delta"] = "mc"
    draws: int = Field(default=0, ge=0, le=1_000_000)
    seed: int = Field(default=0, ge=0)
    vary: tuple[str, ...] = PARAMETERS
    elasticity_method: Literal["lognormal", "sets"] = "lognormal"
    batched: bool = True

    @field_validator("draws")
    @classmethod
    def _draws_fit_the_method(cls, value: int, info: ValidationInfo) -> int:
        method = info.data.get("method")
        if method == "mc" and value < 1:
            raise ValueError("method 'mc' needs draws >= 1 (the number of parameter draws)")
        if method == "delta" and value:
            raise ValueError("draws apply to method 'mc'; the delta method takes no draws (draws=0)")
        return value

    @field_validator("vary")
    @classmethod
    def _known_parameters(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [p for p in value if p not in PARAMETERS]
        if unknown:
            raise ValueError(f"unknown {unknown}; allowed: {', '.join(PARAMETERS)}")
        return value

    @field_validator("elasticity_method")
    @classmethod
    def _continuous_prior_for_delta(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("method") == "delta" and value != "lognormal":
            raise ValueError(
                "the delta method needs the continuous log-normal elasticity prior; 'sets' draws whole "
                "published sets: use method 'mc'"
            )
        return value

    def priors(self) -> Priors:
        return Priors(vary=self.vary, elasticity_method=self.elasticity_method)

    @classmethod
    def of(
        cls, method: str | None, draws: int, seed: int, priors: Priors | None = None
    ) -> IntervalOptions | None:
        """The options of :func:`tradetalks.run`'s ``intervals``, ``draws``, ``seed``, ``priors``:
        ``None`` when no intervals are asked (no method and no draws); ``draws > 0`` alone means
        Monte Carlo."""
        if method is None and not draws:
            if priors is not None:
                raise OptionsError("priors apply to intervals: give draws >= 1 or intervals='delta'")
            return None
        chosen = method if method is not None else "mc"
        if chosen not in ("mc", "delta"):
            raise OptionsError(f"intervals={method!r}; allowed: mc, delta (or None)")
        pr = priors or Priors()
        return cls(
            method=chosen, draws=draws, seed=seed, vary=pr.vary, elasticity_method=pr.elasticity_method
        )


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


def delta_intervals(
    central: FloatArray, gradient: FloatArray, sd: FloatArray, shift: FloatArray | None = None
) -> dict[str, FloatArray]:
    """The delta method's interval of each output (docs/model.md, eq. 9.4).

    ``central`` ``(...)`` (the outputs at the shipped parameters ``p_c``), ``gradient`` ``(..., P)``
    (d output / d parameter at ``p_c``), the prior standard deviations ``sd`` ``(P,)`` of the
    independent parameters and ``shift`` ``(P,)``, the prior mean less the shipped value
    (default 0): to first order the output's mean is ``m = central + g . shift`` and its sd
    ``sd_y = sqrt(sum_k (g_k sd_k)^2)``; ``p5, p95 = m -+ 1.645 sd_y`` and the median is ``m``.
    """
    c = np.asarray(central, dtype=np.float64)
    g = np.asarray(gradient, dtype=np.float64)
    s = np.asarray(sd, dtype=np.float64)
    d = np.zeros_like(s) if shift is None else np.asarray(shift, dtype=np.float64)
    if g.shape != (*c.shape, s.size) or d.shape != s.shape:
        raise OptionsError(
            f"delta_intervals: gradient has shape {g.shape} and shift {d.shape}, expected "
            f"{(*c.shape, s.size)} and {s.shape}"
        )
    sd_y = np.sqrt(((g * s) ** 2).sum(axis=-1)) if s.size else np.zeros_like(c)
    mean = c + g @ d if s.size else c.copy()
    return {
        "central": c,
        "median": mean,
        "p5": mean - Z95 * sd_y,
        "p95": mean + Z95 * sd_y,
        "sd": sd_y,
        "draws": np.zeros_like(c),
    }


def truncated_normal_moments(
    centre: FloatArray | float, sd: FloatArray | float, low: FloatArray | float, high: FloatArray | float
) -> tuple[FloatArray, FloatArray]:
    """Mean and standard deviation of ``Normal(centre, sd)`` truncated to ``[low, high]``.

    With ``a = (low - centre) / sd``, ``b = (high - centre) / sd`` and ``Z = Phi(b) - Phi(a)``:
    mean ``centre + sd (phi(a) - phi(b)) / Z``, variance ``sd^2 [1 + (a phi(a) - b phi(b)) / Z -
    ((phi(a) - phi(b)) / Z)^2]`` (the prior of the log trade elasticities, eq. 9.1a).
    """
    c, s = np.asarray(centre, dtype=np.float64), np.asarray(sd, dtype=np.float64)
    a, b = (np.asarray(low) - c) / s, (np.asarray(high) - c) / s
    z = ndtr(b) - ndtr(a)
    pa, pb = np.exp(-0.5 * a * a) / np.sqrt(2 * np.pi), np.exp(-0.5 * b * b) / np.sqrt(2 * np.pi)
    ratio = (pa - pb) / z
    var = s * s * (1.0 + (a * pa - b * pb) / z - ratio * ratio)
    return c + s * ratio, np.sqrt(np.maximum(var, 0.0))


# ------------------------------------------------------------------------------ delta method
@dataclass(frozen=True)
class DeltaParameter:
    """A continuous parameter of the delta method and the direction it moves the elasticities.

    Attributes
    ----------
    name : str
        ``log_theta[<sectors>]`` (a group of elasticity sectors every published set gives one
        value) or ``long_run_response``.
    centre, mean, sd : float
        The shipped value, the prior's mean and its standard deviation, in the parameter's
        ``unit`` (for the truncated log-normal of the elasticities, those of the truncated
        distribution).
    unit : str
    prior : str
        The prior it stands for (``data/tables/priors.toml``).
    direction : (J,) array
        ``d theta_h / d parameter`` of the world at the horizon (one entry per sector, product
        splits included).
    """

    name: str
    centre: float
    mean: float
    sd: float
    unit: str
    prior: str
    direction: FloatArray

    def row(self) -> dict[str, Any]:
        return {
            "parameter": self.name,
            "centre": self.centre,
            "mean": self.mean,
            "sd": self.sd,
            "unit": self.unit,
            "prior": self.prior,
        }


def _theta_groups(
    prepared: Baseline, stretch: float
) -> tuple[list[str], FloatArray, FloatArray, FloatArray, FloatArray, NDArray[np.intp]]:
    """Elasticity sectors, the chosen set's log theta, the sets' sd of log theta, the truncation
    bounds (the sets' range stretched by ``stretch``) and the group of each sector (sectors every
    published set gives one value share a group), as
    :func:`tradetalks.analyses.uncertainty.parameter_draw` draws them (eq. 9.1a)."""
    info = dict(prepared.meta.get("theta", {}))
    sets = info.get("sets", {})
    if not sets:
        raise OptionsError(
            f"baseline {prepared.name!r} carries no published elasticity sets: no prior for the trade "
            "elasticities (vary without 'trade_elasticity')"
        )
    logs = np.log(np.stack([np.asarray(sets[k]["values"], dtype=np.float64) for k in sorted(sets)]))
    chosen = str(info.get("set", next(iter(sets))))
    _, group = np.unique(logs, axis=1, return_inverse=True)
    centre = np.log(np.asarray(sets[chosen]["values"], dtype=np.float64))
    lo, hi = logs.min(axis=0) - np.log(stretch), logs.max(axis=0) + np.log(stretch)
    return list(info["sectors"]), centre, logs.std(axis=0, ddof=1), lo, hi, np.asarray(group).ravel()


def delta_parameters(prepared: Baseline, horizon: str, priors: Priors) -> list[DeltaParameter]:
    """The continuous parameters of ``priors.vary`` that move the equilibrium at ``horizon``.

    The trade elasticities (one log parameter per group of elasticity sectors with a spread across
    the published sets; prior: the normal of eq. 9.1a truncated to the sets' stretched range, whose
    mean and sd are :func:`truncated_normal_moments`) and, at the short and medium horizons, the
    long-run response ``L`` (uniform: mean the midpoint, sd ``(b - a) / sqrt(12)``; eq. 9.3). The other
    parameters of the priors table do not enter a scenario without quantity constraints or
    critical-input nests (:func:`delta_method` refuses those) or a government's objective.
    """
    world = at_horizon(prepared, horizon)
    out: list[DeltaParameter] = []
    if "trade_elasticity" in priors.vary:
        stretch = float(priors.spec("trade_elasticity")["stretch"])
        sectors, centre, sd, lo, hi, group = _theta_groups(prepared, stretch)
        parents = {s["code"]: s["parent"] for s in prepared.meta.get("splits", [])}
        position = {s: k for k, s in enumerate(sectors)}
        of_sector = np.array([group[position[parents.get(c, c)]] for c in prepared.sectors])
        for g in range(int(group.max()) + 1):
            members = [s for s, gg in zip(sectors, group, strict=True) if gg == g]
            k = sectors.index(members[0])
            if sd[k] <= 0:
                continue
            mean, sd_t = truncated_normal_moments(centre[k], sd[k], lo[k], hi[k])
            out.append(
                DeltaParameter(
                    name=f"log_theta[{'+'.join(members)}]",
                    centre=float(centre[k]),
                    mean=float(mean),
                    sd=float(sd_t),
                    unit="log",
                    prior=f"trade_elasticity (normal in logs, sd {sd[k]:.3g} across the published sets, "
                    f"truncated to [{lo[k]:.3g}, {hi[k]:.3g}])",
                    direction=np.where(of_sector == g, np.asarray(world.theta), 0.0),
                )
            )
    if "long_run_response" in priors.vary and horizon != LONG:
        spec = priors.spec("long_run_response")
        low, high = float(spec["low"]), float(spec["high"])
        big_l = 0.5 * (low + high)
        short, exponent = float(spec["short_response"]), float(spec["medium_exponent"])
        ratio = short / big_l if horizon == "short" else short * (big_l / short) ** exponent / big_l
        slope = -ratio / big_l if horizon == "short" else (exponent - 1.0) * ratio / big_l
        out.append(
            DeltaParameter(
                name="long_run_response",
                centre=big_l,
                mean=big_l,
                sd=(high - low) / np.sqrt(12.0),
                unit="trade response",
                prior=f"long_run_response (uniform on [{low:g}, {high:g}])",
                direction=slope * np.asarray(prepared.theta),
            )
        )
    return out


def output_gradients(
    central: Result,
    directions: FloatArray,
    dz: FloatArray,
    outputs: Callable[[Result], FloatArray],
    step: float = TANGENT_STEP,
) -> FloatArray:
    """Total derivatives ``(..., P)`` of ``outputs(result)`` along the parameters (eq. 9.5).

    The outputs are explicit functions of the state and the elasticities (no solve): along the
    exact tangent of the solution, ``Y(s) = outputs(theta + s d_k, z* + s dz*_k)``, their total
    derivative is ``Y'(0)``, taken by the four-point central difference
    ``(8 (Y(s) - Y(-s)) - (Y(2s) - Y(-2s))) / 12s`` (truncation ``O(s^4)``, rounding about
    ``1e-16 |Y| / s``: some 1e-11 of a percent at ``s = 1e-3``).
    """
    eq = central.equilibrium
    world, shocks = eq.baseline, eq.shocks
    z = np.asarray(eq.state, dtype=np.float64)
    theta = np.asarray(world.theta, dtype=np.float64)
    grads = []
    for k, d in enumerate(directions):
        ys = {}
        for m in (-2, -1, 1, 2):
            w = world.replace(theta=theta + m * step * np.asarray(d))
            e = equilibrium_at(w, shocks, z + m * step * dz[:, k], eq.info)
            ys[m] = outputs(dataclasses.replace(central, equilibrium=e, source=w))
        grads.append((8.0 * (ys[1] - ys[-1]) - (ys[2] - ys[-2])) / (12.0 * step))
    if not grads:
        return np.zeros((*outputs(central).shape, 0))
    return np.stack(grads, axis=-1)


def _delta_supported(result: Result, horizon: str) -> None:
    """Refuse what the derivative kernel does not cover, saying why and what to use instead."""
    shocks = result.equilibrium.shocks
    if result.closure != "fixed":
        raise OptionsError(
            "intervals='delta' needs closure='fixed' (under 'balanced' the reference world itself moves "
            "with the elasticities); use intervals='mc' with draws"
        )
    if shocks.constraints or shocks.critical_inputs:
        kinds = [c.label for c in shocks.constraints][:3] + [
            ci.label or "nest" for ci in shocks.critical_inputs
        ][:3]
        raise OptionsError(
            f"intervals='delta': at horizon {horizon} the scenario has quantity constraints or "
            f"critical-input nests ({', '.join(kinds)}), which the derivative kernel does not cover "
            "(tariff and export-tax shocks only); use intervals='mc' with draws"
        )


def delta_method(
    prepared: Baseline,
    scenario: Scenario,
    centrals: Mapping[str, Result],
    options: IntervalOptions,
    progress: ProgressFn | None = None,
) -> Intervals:
    """Delta-method intervals of every output at each horizon of ``centrals`` (eqs. 9.4-9.5).

    ``centrals`` maps horizons to the scenario's results on ``at_horizon(prepared, h)`` (the central
    case). Raises :class:`OptionsError` for the balanced closure and for scenarios with quantity
    constraints or critical-input nests at a horizon (use Monte Carlo).
    """
    report = progress or no_progress
    t0 = time.perf_counter()
    priors = options.priors()
    tables, details, rows = [], {}, []
    for h, central in centrals.items():
        _delta_supported(central, h)
    for done, (h, central) in enumerate(centrals.items()):
        params = delta_parameters(prepared, h, priors)
        frame = output_frame(central)
        dirs = np.array([p.direction for p in params]).reshape(len(params), prepared.n_sectors)
        dz = elasticity_sensitivity(
            central.baseline, central.equilibrium.shocks, central.equilibrium.state, dirs
        )
        grad = output_gradients(central, dirs, dz, output_array)
        sd = np.array([p.sd for p in params])
        shift = np.array([p.mean - p.centre for p in params])
        values = delta_intervals(frame.to_numpy(dtype=np.float64), grad, sd, shift)
        tables.append(interval_table(h, list(frame.index), list(frame.columns), values))
        idx = pd.MultiIndex.from_product([frame.index, frame.columns], names=["region", "measure"])
        details[f"gradients_{h}"] = pd.DataFrame(
            grad.reshape(-1, len(params)), index=idx, columns=[p.name for p in params]
        )
        rows += [{"horizon": h, **p.row()} for p in params]
        report(f"delta method ({scenario.name})", done + 1, len(centrals))
    first = next(iter(centrals.values()))
    return Intervals(
        method="delta",
        table=pd.concat(tables),
        draws=0,
        seed=None,
        priors=_priors_info(priors, scenario, centrals),
        parameters=pd.DataFrame(
            rows, columns=["horizon", "parameter", "centre", "mean", "sd", "unit", "prior"]
        ),
        details=details,
        provenance=_provenance(first, options),
        seconds=time.perf_counter() - t0,
        notes=(
            "delta method: median = central + g . (prior mean - shipped value), range median +- 1.645 sd, "
            "sd from the outputs' exact gradients g in the parameters (implicit function theorem, complex "
            "steps) and the priors' variances (docs/model.md, eqs. 9.4-9.5); a normal approximation, "
            "linear in the parameters: Monte Carlo (draws) is exact where the outputs curve",
            *_source_notes(priors),
        ),
    )


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
        priors=_priors_info(priors, scenario, centrals),
        parameters=pd.DataFrame([_draw_row(d) for d in draws]).set_index("draw"),
        details=details,
        provenance=_provenance(first, options),
        seconds=time.perf_counter() - t0,
        notes=(
            f"Monte Carlo: {len(draws)} draws of seed {options.seed} (draw k is the same however many are "
            "drawn; docs/model.md eq. 9.1); median and linear sample quantiles (eq. 9.2); the central value "
            "is the shipped parameters' result, not a draw",
            *_source_notes(priors),
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


# ------------------------------------------------------------------------------ helpers
def _priors_info(priors: Priors, scenario: Scenario, centrals: Mapping[str, Result]) -> dict[str, Any]:
    return {
        "vary": list(priors.vary),
        "enter": entering(priors, scenario, centrals),
        "elasticity_method": priors.elasticity_method,
        "sources": priors.sources(),
    }


def entering(priors: Priors, scenario: Scenario, centrals: Mapping[str, Result]) -> list[str]:
    """The parameters of ``priors.vary`` that move the scenario's equilibrium at some horizon of
    ``centrals``: the trade elasticities always; ``L`` at the short and medium horizons; the
    critical-product supply elasticity with capacity limits; the critical-input sigma with CES
    nests; compliance with purchase commitments below full compliance; never the governments'
    political weights (a scenario has no government)."""
    shocks = [r.equilibrium.shocks for r in centrals.values()]
    moves = {
        "trade_elasticity": True,
        "long_run_response": any(h != LONG for h in centrals),
        "critical_supply_elasticity": any(c.kind == "capacity" for s in shocks for c in s.constraints),
        "critical_input_sigma": any(s.critical_inputs for s in shocks),
        "purchase_compliance": any(
            isinstance(lever, PurchaseCommitment) and lever.compliance < 1.0 for lever in scenario.levers
        ),
        "political_weight_scale": False,
    }
    return [p for p in priors.vary if moves[p]]


def _source_notes(priors: Priors) -> tuple[str, ...]:
    return tuple(f"prior {name}: {source}" for name, source in priors.sources().items())


def _provenance(central: Result, options: IntervalOptions) -> Provenance:
    p = central.provenance
    return dataclasses.replace(
        p, analysis="intervals", options={**dict(p.options), "intervals": options.to_dict()}
    )


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
    "monte_carlo",
    "output_gradients",
    "sample_intervals",
    "scenario_intervals",
    "solve_draws",
]
