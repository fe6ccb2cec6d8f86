"""Solve the Caliendo-Parro (2015) equilibrium in changes.

The unknowns are log wage changes ``ln w_hat`` (N), log sector price changes ``ln P_hat``
(N x J) and counterfactual spending relative to the baseline ``X'/X`` (N x J). One pass of
:func:`tradetalks.model.equilibrium.evaluate` maps a state to the prices, spending and labour
demand it implies (CP eqs. 11-15); the equilibrium is a fixed point of that map, with wages
moved toward labour-market clearing by a damped step (a tatonnement scaled by each region's
wage elasticity of labour demand). The fixed point is found by Anderson acceleration, a
multisecant quasi-Newton method (see :mod:`tradetalks.model.anderson`); it typically needs
tens of passes where the paper's nested algorithm needs thousands (``bench/bench_solver.py``).

The solver never returns an unconverged answer: it raises :class:`ConvergenceError`.
See docs/model.md, section 3 (the equations it solves: section 2).
"""

from __future__ import annotations

import logging
import time
import weakref
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from tradetalks.baseline import Baseline
from tradetalks.errors import ConvergenceError, OptionsError
from tradetalks.model.anderson import anderson
from tradetalks.model.equilibrium import Evaluation, System, trade_flows, trade_shares
from tradetalks.model.fixed_point import FixedPointMap
from tradetalks.model.shocks import Shocks
from tradetalks.model.system import build_system

FloatArray = NDArray[np.float64]
log = logging.getLogger(__name__)

CLOSURES = ("fixed", "balanced")
METHODS = ("anderson", "damped")


@dataclass(frozen=True)
class SolverOptions:
    """Options of the equilibrium solver, validated on construction.

    Parameters
    ----------
    closure : {"fixed", "balanced"}
        ``fixed``: trade deficits held at their baseline values in units of world value added
        (the numeraire). ``balanced``: first solve the baseline with zero deficits (as Ossa 2014
        and the NAFTA numbers of Caliendo-Parro 2015 do), then apply the shocks from there; the
        result's ``baseline`` is that zero-deficit world (docs/model.md, section 2.4).
    tol : float
        Largest absolute residual accepted, in log points for prices and wages and relative
        units for spending.
    max_iter : int
        Maximum number of passes through the equilibrium conditions.
    memory : int
        Anderson memory (number of secant pairs).
    method : {"anderson", "damped"}
        ``damped`` is plain damped fixed-point iteration (slow; for diagnostics).
    """

    closure: Literal["fixed", "balanced"] = "fixed"
    tol: float = 1e-11
    max_iter: int = 3000
    memory: int = 8
    method: Literal["anderson", "damped"] = "anderson"

    def __post_init__(self) -> None:
        if self.closure not in CLOSURES:
            raise OptionsError(f"SolverOptions.closure={self.closure!r}; allowed: {', '.join(CLOSURES)}")
        if self.method not in METHODS:
            raise OptionsError(f"SolverOptions.method={self.method!r}; allowed: {', '.join(METHODS)}")
        if not (0 < self.tol < 1e-3):
            raise OptionsError(f"SolverOptions.tol={self.tol!r}; allowed: 0 < tol < 1e-3")
        if self.max_iter < 1:
            raise OptionsError(f"SolverOptions.max_iter={self.max_iter!r}; allowed: a positive integer")
        if not (1 <= self.memory <= 50):
            raise OptionsError(f"SolverOptions.memory={self.memory!r}; allowed: 1..50")


@dataclass(frozen=True)
class SolverInfo:
    """Convergence diagnostics of one solve."""

    converged: bool
    iterations: int
    residual: float
    seconds: float
    method: str


@dataclass(frozen=True, eq=False)
class Equilibrium:
    """Solved counterfactual arrays, relative to ``baseline``.

    Attributes
    ----------
    w_hat : (N,)         wage (value-added price) changes
    P_hat : (N, J)       sector price-index changes
    c_hat : (N, J)       unit-cost changes
    spending : (N, J)    counterfactual spending ``X'``
    shares : (N, N, J)   counterfactual expenditure shares ``pi'``
    flows : (N, N, J)    counterfactual flows at producer prices
    output : (N, J)      counterfactual gross output ``Y'``
    tariff_revenue, export_tax_revenue, income : (N,)
    va_share, io_share : value-added and input shares in effect (they move only in CES nests)
    constraint_wedges : (G,)  ``m - 1`` for each constraint of ``shocks.constraints``: for a cap
        the export-tax equivalent added on top of the exporter's tax factor (``>= 0``); for a
        floor the proportional change of the tariff factor (``<= 0``; ``-0.2`` is a 20 % subsidy)
    constraint_flows : (G,)  the constrained groups' flows at producer prices
    state : the solver's state vector at the solution (:mod:`tradetalks.model.fixed_point`)
    """

    baseline: Baseline
    shocks: Shocks
    w_hat: FloatArray
    P_hat: FloatArray
    c_hat: FloatArray
    spending: FloatArray
    shares: FloatArray
    flows: FloatArray
    output: FloatArray
    tariff_revenue: FloatArray
    export_tax_revenue: FloatArray
    income: FloatArray
    va_share: FloatArray
    io_share: FloatArray
    constraint_wedges: FloatArray
    constraint_flows: FloatArray
    state: FloatArray
    info: SolverInfo


def solve_equilibrium(
    baseline: Baseline,
    shocks: Shocks,
    options: SolverOptions | None = None,
    start: FloatArray | None = None,
) -> Equilibrium:
    """Solve one counterfactual on ``baseline`` with deficits as given by ``shocks``.

    The equilibrium of docs/model.md, eqs. 2.1-2.15, by the fixed point of eqs. 3.1-3.5; the
    stopping rule is that of section 3.3.

    ``start`` is an optional starting state (the ``state`` of a nearby solved equilibrium on the
    same baseline with the same constraints), which saves iterations in sequences of solves.

    Raises
    ------
    ShockError
        The shocks do not fit the baseline.
    ConvergenceError
        The residual did not fall below ``options.tol`` within ``options.max_iter`` passes.
    """
    opts = options or SolverOptions()
    t0 = time.perf_counter()
    sys = build_system(baseline, shocks)
    fp = FixedPointMap.build(baseline, sys)

    def step(z: FloatArray) -> tuple[FloatArray, float]:
        tz, err = fp(z)
        return np.asarray(tz, dtype=np.float64), float(err)

    z0 = fp.start()
    if start is not None:
        if start.shape != z0.shape:
            raise OptionsError(f"start state has shape {start.shape}, expected {z0.shape}")
        z0 = np.array(start, dtype=np.float64)
    memory = opts.memory if opts.method == "anderson" else 0
    if memory:
        out = anderson(step, z0, tol=opts.tol, max_iter=opts.max_iter, memory=memory)
        z, iters, resid, ok = out.z, out.iterations, out.residual, out.converged
    else:
        z, iters, resid, ok = z0, 0, np.inf, False
        for iters in range(1, opts.max_iter + 1):  # noqa: B007
            z_new, resid = step(z)
            if resid <= opts.tol:
                ok = True
                break
            z = z_new
    seconds = time.perf_counter() - t0
    if not ok:
        raise ConvergenceError(
            f"equilibrium solver ({opts.method}) did not converge on baseline {baseline.name!r}: "
            f"residual {resid:.3e} > tol {opts.tol:.1e} after {iters} iterations",
            iterations=iters,
            residual=float(resid),
        )
    log_w, log_P, x_rel, _ = fp.unpack(z)
    ev = fp.evaluate(z)
    info = SolverInfo(True, iters, float(resid), seconds, opts.method)
    log.debug("solved %s in %d iterations, %.1f ms", baseline.name, iters, 1e3 * seconds)
    return _collect(baseline, shocks, sys, ev, log_w, log_P, x_rel * fp.spending0, info, z)


def _collect(
    baseline: Baseline,
    shocks: Shocks,
    sys: System,
    ev: Evaluation,
    log_w: FloatArray,
    log_P: FloatArray,
    spending: FloatArray,
    info: SolverInfo,
    state: FloatArray,
) -> Equilibrium:
    shares = trade_shares(sys, ev)
    flows = trade_flows(sys, ev)
    return Equilibrium(
        baseline=baseline,
        shocks=shocks,
        w_hat=_ro(np.exp(log_w)),
        P_hat=_ro(np.exp(log_P)),
        c_hat=_ro(np.exp(ev.log_c)),
        spending=_ro(spending),
        shares=_ro(shares),
        flows=_ro(flows),
        output=_ro(ev.output),
        tariff_revenue=_ro(ev.tariff_revenue),
        export_tax_revenue=_ro(ev.export_tax_revenue),
        income=_ro(ev.income),
        va_share=_ro(ev.va_share),
        io_share=_ro(ev.io_share),
        constraint_wedges=_ro(np.exp(ev.log_m) - 1.0),
        constraint_flows=_ro(ev.group_flows),
        state=_ro(state),
        info=info,
    )


_BALANCED: weakref.WeakKeyDictionary[Baseline, Baseline] = weakref.WeakKeyDictionary()


def balanced_baseline(baseline: Baseline, options: SolverOptions | None = None) -> Baseline:
    """The baseline world re-solved with zero trade deficits (cached per baseline).

    The ``balanced`` closure of docs/model.md, section 2.4.

    Caliendo and Parro (2015, section 4) and Ossa (2014) compute counterfactuals from this
    world; its flows are an exact equilibrium of the model, so it closes like any baseline.
    """
    cached = _BALANCED.get(baseline)
    if cached is not None:
        return cached
    opts = options or SolverOptions()
    eq = solve_equilibrium(
        baseline,
        Shocks(deficits=np.zeros(baseline.n_regions), label="zero deficits"),
        SolverOptions(tol=opts.tol, max_iter=opts.max_iter, memory=opts.memory, method=opts.method),
    )
    meta = dict(baseline.meta)
    meta["derived_from"] = baseline.name
    meta["closure"] = "balanced: deficits set to zero by solving the model (Caliendo-Parro 2015, sec. 4)"
    balanced = baseline.replace(name=f"{baseline.name}[D=0]", flows=np.asarray(eq.flows), meta=meta)
    _BALANCED[baseline] = balanced
    return balanced


def _ro(arr: FloatArray) -> FloatArray:
    arr = np.asarray(arr, dtype=np.float64)
    arr.setflags(write=False)
    return arr
