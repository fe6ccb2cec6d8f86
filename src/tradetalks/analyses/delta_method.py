"""Delta-method intervals on every output of a scenario (docs/model.md, eqs. 9.4-9.5).

The gradient of each output with respect to the continuous parameters that enter the scenario's
equilibrium (the log trade elasticities by group of elasticity sectors; the long-run trade
response ``L`` at the short and medium horizons) comes from exact state derivatives (the implicit
function theorem with complex steps in the elasticities,
:func:`tradetalks.model.sensitivity.elasticity_sensitivity`, eq. 9.5); with the priors' means and
variances (the truncated normal's for the elasticities) it gives a median
``central + g . (mean - shipped)`` and a range ``median +- 1.645 sd`` (eq. 9.4). A normal
approximation, linear in the parameters: Monte Carlo (:mod:`tradetalks.analyses.intervals`) is
the reference where the priors are skewed or the outputs curve. Tariff and export-tax scenarios,
fixed closure.

:func:`delta_intervals` (gradients and prior sds -> table) is the pure statistics;
:func:`delta_method` solves.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.special import ndtr, ndtri

from tradetalks.analyses.interval_options import (
    IntervalOptions,
    interval_provenance,
    priors_info,
    source_notes,
)
from tradetalks.analyses.uncertainty import Priors
from tradetalks.baseline import Baseline
from tradetalks.data.horizons import LONG, at_horizon
from tradetalks.errors import OptionsError
from tradetalks.model.sensitivity import elasticity_sensitivity
from tradetalks.model.solver import equilibrium_at
from tradetalks.progress import ProgressFn, no_progress
from tradetalks.results import Result
from tradetalks.results.intervals import Intervals, interval_table, output_array, output_frame
from tradetalks.scenarios import Scenario

FloatArray = NDArray[np.float64]
#: Standard normal quantile of the 95th percentile: the delta method's half-width in sds.
Z95 = float(ndtri(0.95))
#: Step (in the parameter's units: log points of theta, units of L) of the central difference of
#: the outputs along the exact tangent of the solution (eq. 9.5).
TANGENT_STEP = 1e-3


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
        priors=priors_info(priors, scenario, centrals),
        parameters=pd.DataFrame(
            rows, columns=["horizon", "parameter", "centre", "mean", "sd", "unit", "prior"]
        ),
        details=details,
        provenance=interval_provenance(first, options),
        seconds=time.perf_counter() - t0,
        notes=(
            "delta method: median = central + g . (prior mean - shipped value), range median +- 1.645 sd, "
            "sd from the outputs' exact gradients g in the parameters (implicit function theorem, complex "
            "steps) and the priors' variances (docs/model.md, eqs. 9.4-9.5); a normal approximation, "
            "linear in the parameters: Monte Carlo (draws) is exact where the outputs curve",
            *source_notes(priors),
        ),
    )


__all__ = [
    "TANGENT_STEP",
    "Z95",
    "DeltaParameter",
    "delta_intervals",
    "delta_method",
    "delta_parameters",
    "output_gradients",
    "truncated_normal_moments",
]
