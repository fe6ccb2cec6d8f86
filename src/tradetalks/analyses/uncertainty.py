"""Draws of the uncertain parameters, and the intervals they give (docs/uncertainty.md).

The priors are the shipped table ``data/tables/priors.toml``, each with its source:

=============================  ===============================================================
parameter                      prior
=============================  ===============================================================
``trade_elasticity``           log-normal by sector, the spread of the eight published sets
                               around the chosen one (or one published set whole, ``sets``)
``long_run_response``          BLP's long-run trade response, uniform on [1.75, 2.25]; sets the
                               short- and medium-run elasticity ratios
``critical_supply_elasticity`` log-uniform around each short horizon's assumed value
``critical_input_sigma``       log-uniform on [0.01, 0.2], every critical-input nest
``purchase_compliance``        uniform on Phase One's record [0.57, 0.83], commitments below 1
``political_weight_scale``     uniform on [0, 2] times a government's political weights
=============================  ===============================================================

Draw ``k`` of seed ``s`` comes from its own stream (PCG64 seeded with ``[s, k, group]``): the
same whatever the number of draws, the batch or the worker (docs/model.md, eq. 9.1). The central
case (the shipped values) is not a draw; :func:`intervals` summarises draws by their median and
5-95 % range (eq. 9.2).
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.special import ndtr, ndtri

from tradetalks.analyses.objectives import Government
from tradetalks.baseline import Baseline
from tradetalks.data.horizons import LONG, HorizonSpec, at_horizon, horizon_of, horizon_spec
from tradetalks.errors import OptionsError
from tradetalks.levers.critical_input import CriticalInputNest
from tradetalks.levers.purchase import PurchaseCommitment
from tradetalks.model import SolverOptions, balanced_baseline, solve_equilibrium
from tradetalks.results import Result
from tradetalks.scenarios import Scenario

#: The uncertain parameters, in the order of the priors table.
PARAMETERS: tuple[str, ...] = (
    "trade_elasticity",
    "long_run_response",
    "critical_supply_elasticity",
    "critical_input_sigma",
    "purchase_compliance",
    "political_weight_scale",
)
#: Methods of the trade-elasticity prior.
ELASTICITY_METHODS = ("lognormal", "sets")
#: Quantiles reported by :func:`intervals` (percent).
QUANTILES_PCT = (5.0, 50.0, 95.0)
#: Column names of :func:`intervals`.
INTERVAL_COLUMNS = ("median", "p5", "p95")
PRIORS_FILE = "priors.toml"


@cache
def _priors_table() -> dict[str, Any]:
    text = (resources.files("tradetalks.data") / "tables" / PRIORS_FILE).read_text(encoding="utf-8")
    return tomllib.loads(text)


@dataclass(frozen=True)
class Priors:
    """Which parameters vary, and how the trade elasticities are drawn.

    Parameters
    ----------
    vary : tuple of str
        A subset of :data:`PARAMETERS` (default: all); the others keep their shipped values.
    elasticity_method : {"lognormal", "sets"}
        Trade elasticities: log-normal by sector around the chosen set, or a published set whole.
    """

    vary: tuple[str, ...] = PARAMETERS
    elasticity_method: str = "lognormal"

    def __post_init__(self) -> None:
        unknown = [p for p in self.vary if p not in PARAMETERS]
        if unknown:
            raise OptionsError(f"Priors.vary: unknown {unknown}; allowed: {', '.join(PARAMETERS)}")
        if self.elasticity_method not in ELASTICITY_METHODS:
            raise OptionsError(
                f"Priors.elasticity_method = {self.elasticity_method!r}; allowed: "
                f"{', '.join(ELASTICITY_METHODS)}"
            )

    def spec(self, parameter: str) -> dict[str, Any]:
        """The row of the priors table for ``parameter`` (with its ``source``)."""
        return dict(_priors_table()[parameter])

    def sources(self) -> dict[str, str]:
        """Each varied parameter's source."""
        return {p: " ".join(str(self.spec(p)["source"]).split()) for p in self.vary}

    def to_dict(self) -> dict[str, Any]:
        return {"vary": list(self.vary), "elasticity_method": self.elasticity_method}


@dataclass(frozen=True)
class ParameterDraw:
    """One draw of the uncertain parameters; ``None`` keeps the shipped value.

    Attributes
    ----------
    index, seed : int
        Draw ``index`` of ``seed``.
    theta : mapping sector -> float, optional
        Long-run trade elasticities of the baseline's elasticity sectors (before product splits).
    theta_set : str, optional
        The published set drawn (method ``sets``).
    long_run_response : float, optional
        BLP's long-run response ``L``; the short and medium ratios follow (eq. 9.3).
    critical_supply : mapping horizon -> float, optional
    critical_input_sigma, purchase_compliance, political_weight_scale : float, optional
    """

    index: int
    seed: int
    theta: Mapping[str, float] | None = None
    theta_set: str | None = None
    long_run_response: float | None = None
    critical_supply: Mapping[str, float] | None = None
    critical_input_sigma: float | None = None
    purchase_compliance: float | None = None
    political_weight_scale: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        for key in ("theta", "critical_supply"):
            if out[key] is not None:
                out[key] = dict(out[key])
        return out


def _rng(seed: int, index: int, group: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64([int(seed), int(index), int(group)]))


def _theta_sets(baseline: Baseline) -> tuple[list[str], dict[str, NDArray[np.float64]], str]:
    info = dict(baseline.meta.get("theta", {}))
    sets = info.get("sets", {})
    if not sets:
        raise OptionsError(
            f"baseline {baseline.name!r} carries no published elasticity sets to draw trade elasticities from"
        )
    values = {name: np.asarray(spec["values"], dtype=np.float64) for name, spec in sets.items()}
    return list(info["sectors"]), values, str(info.get("set", next(iter(sets))))


def _draw_theta(
    baseline: Baseline, rng: np.random.Generator, priors: Priors
) -> tuple[dict[str, float], str | None]:
    sectors, sets, chosen = _theta_sets(baseline)
    if priors.elasticity_method == "sets":
        names = sorted(sets)
        name = names[int(rng.integers(len(names)))]
        return dict(zip(sectors, map(float, sets[name]), strict=True)), name
    logs = np.log(np.stack([sets[k] for k in sorted(sets)]))
    sd = logs.std(axis=0, ddof=1)
    centre = np.log(sets[chosen])
    stretch = np.log(float(priors.spec("trade_elasticity")["stretch"]))
    lo, hi = logs.min(axis=0) - stretch, logs.max(axis=0) + stretch
    # One uniform per group of sectors that every published set gives the same value (the cube
    # maps one estimate to several ICIO sectors): they stay equal in every draw.
    _, group = np.unique(logs, axis=1, return_inverse=True)
    u = rng.random(int(group.max()) + 1)[group.ravel()]
    out = centre.copy()
    varies = sd > 0
    if varies.any():  # a normal truncated to [lo, hi] by inversion of its cdf
        fa = ndtr((lo[varies] - centre[varies]) / sd[varies])
        fb = ndtr((hi[varies] - centre[varies]) / sd[varies])
        out[varies] = centre[varies] + sd[varies] * ndtri(fa + u[varies] * (fb - fa))
    return dict(zip(sectors, map(float, np.exp(out)), strict=True)), None


def _uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return float(low + (high - low) * rng.random())


def _loguniform(rng: np.random.Generator, low: float, high: float) -> float:
    return float(np.exp(_uniform(rng, np.log(low), np.log(high))))


def parameter_draw(baseline: Baseline, index: int, seed: int, priors: Priors | None = None) -> ParameterDraw:
    """Draw ``index`` of ``seed`` (eq. 9.1): each parameter group from its own stream."""
    pr = priors or Priors()
    if index < 0:
        raise OptionsError(f"draw index must be >= 0, got {index}")
    values: dict[str, Any] = {}
    for parameter in pr.vary:
        spec = pr.spec(parameter)
        rng = _rng(seed, index, int(spec["group"]))
        if parameter == "trade_elasticity":
            values["theta"], values["theta_set"] = _draw_theta(baseline, rng, pr)
        elif parameter == "critical_supply_elasticity":
            values["critical_supply"] = {
                h: _loguniform(rng, *map(float, spec[h])) for h in ("short", "medium")
            }
        elif spec["distribution"] == "uniform":
            values[parameter] = _uniform(rng, float(spec["low"]), float(spec["high"]))
        else:
            values[parameter] = _loguniform(rng, float(spec["low"]), float(spec["high"]))
    return ParameterDraw(index=index, seed=seed, **values)


def parameter_draws(
    baseline: Baseline, n: int, seed: int, priors: Priors | None = None, start: int = 0
) -> tuple[ParameterDraw, ...]:
    """Draws ``start`` to ``start + n - 1`` of ``seed``."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise OptionsError(f"draws must be a whole number >= 1, got {n!r}")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise OptionsError(f"seed must be a whole number >= 0, got {seed!r}")
    return tuple(parameter_draw(baseline, start + k, seed, priors) for k in range(n))


def horizon_spec_of(name: str, draw: ParameterDraw | None) -> HorizonSpec:
    """The parameters of horizon ``name`` under ``draw`` (eq. 9.3); the shipped ones without."""
    spec = horizon_spec(name)
    if draw is None or name == LONG:
        return spec
    changes: dict[str, Any] = {}
    if draw.long_run_response is not None:
        p = Priors().spec("long_run_response")
        short, big_l = float(p["short_response"]), draw.long_run_response
        if name == "short":
            changes["theta_ratio"] = short / big_l
        else:
            changes["theta_ratio"] = short * (big_l / short) ** float(p["medium_exponent"]) / big_l
    if draw.critical_supply is not None and spec.critical_supply_elasticity is not None:
        changes["critical_supply_elasticity"] = float(draw.critical_supply[name])
    return dataclasses.replace(spec, **changes)


def drawn_baseline(baseline: Baseline, draw: ParameterDraw | None, horizon: str = LONG) -> Baseline:
    """``baseline`` (long run, prepared) with the draw's trade elasticities, set to ``horizon``.

    Sectors added by product splits take their parent's drawn elasticity, as with a published set
    (:meth:`Baseline.with_elasticities`).
    """
    if horizon_of(baseline) != LONG:
        raise OptionsError(f"drawn_baseline: start from the long-run baseline, not {baseline.name!r}")
    world = baseline
    if draw is not None and draw.theta is not None:
        parents = {s["code"]: s["parent"] for s in baseline.meta.get("splits", [])}
        theta = np.array([draw.theta[parents.get(c, c)] for c in baseline.sectors], dtype=np.float64)
        meta = dict(baseline.meta)
        meta["draw"] = {"index": draw.index, "seed": draw.seed}
        world = baseline.replace(theta=theta, meta=meta)
    return at_horizon(world, horizon, horizon_spec_of(horizon, draw))


def drawn_levers(levers: Sequence[Any], draw: ParameterDraw | None) -> tuple[Any, ...]:
    """``levers`` with the draw's critical-input sigma and purchase compliance (below 1 only)."""
    if draw is None:
        return tuple(levers)
    out = []
    for lever in levers:
        if isinstance(lever, CriticalInputNest) and draw.critical_input_sigma is not None:
            lever = dataclasses.replace(lever, sigma=draw.critical_input_sigma)
        elif (
            isinstance(lever, PurchaseCommitment)
            and draw.purchase_compliance is not None
            and lever.compliance < 1.0
        ):
            lever = dataclasses.replace(lever, compliance=draw.purchase_compliance)
        out.append(lever)
    return tuple(out)


def drawn_government(government: Government, draw: ParameterDraw | None) -> Government:
    """``government`` with its political weights scaled by the draw."""
    if draw is None or draw.political_weight_scale is None or not government.political_weights:
        return government
    scale = draw.political_weight_scale
    return dataclasses.replace(
        government, political_weights={k: scale * float(v) for k, v in government.political_weights.items()}
    )


def drawn_scenario(scenario: Scenario, draw: ParameterDraw | None) -> Scenario:
    """``scenario`` with its levers under ``draw`` (:func:`drawn_levers`)."""
    return (
        scenario
        if draw is None
        else dataclasses.replace(scenario, levers=drawn_levers(scenario.levers, draw))
    )


def solve_drawn(
    prepared: Baseline,
    scenario: Scenario,
    draw: ParameterDraw | None,
    horizon: str = LONG,
    options: SolverOptions | None = None,
    start: NDArray[np.float64] | None = None,
) -> Result:
    """Solve ``scenario`` on its prepared baseline under ``draw`` at ``horizon``.

    ``draw=None`` is the central case, identical to :func:`tradetalks.solve` on
    ``at_horizon(prepared, horizon)``. ``start`` warm-starts the solver (a state of the same
    baseline, for example the central case's); the solution does not depend on it beyond the
    solver's tolerance.
    """
    opts = options or SolverOptions()
    world = drawn_baseline(prepared, draw, horizon)
    sc = drawn_scenario(scenario, draw)
    shocks = sc.compile(world)
    reference = world
    if opts.closure == "balanced":
        if shocks.deficits is not None:
            raise OptionsError("scenario sets deficits, which closure='balanced' holds at zero")
        reference = balanced_baseline(world, opts)
    eq = solve_equilibrium(reference, shocks, opts, start=start)
    return Result(scenario=sc.name, equilibrium=eq, source=world, closure=opts.closure, solver_options=opts)


def intervals(samples: pd.DataFrame) -> pd.DataFrame:
    """Median and 5-95 % range of each column of ``samples`` (one row a draw; eq. 9.2).

    Returns a frame indexed by the columns of ``samples`` with columns ``median``, ``p5``,
    ``p95`` and ``draws`` (the number of finite values). Quantiles are numpy's linear ones.
    """
    arr = samples.to_numpy(dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] < 1:
        raise OptionsError("intervals: need at least one draw")
    finite = np.isfinite(arr)
    if not finite.all():
        bad = [str(c) for c, ok in zip(samples.columns, finite.all(axis=0), strict=True) if not ok]
        raise OptionsError(f"intervals: non-finite values in {bad[:5]}")
    p5, med, p95 = np.percentile(arr, QUANTILES_PCT, axis=0)
    return pd.DataFrame({"median": med, "p5": p5, "p95": p95, "draws": arr.shape[0]}, index=samples.columns)
