"""Solve the Caliendo-Parro (2015) equilibrium in changes.

The unknowns are log wage changes ``ln w_hat`` (N), log sector price changes ``ln P_hat``
(N x J) and counterfactual spending relative to the baseline ``X'/X`` (N x J). One pass of
:func:`tradetalks.model.equilibrium.evaluate` maps a state to the prices, spending and labour
demand it implies (CP eqs. 11-15); the equilibrium is a fixed point of that map, with wages
moved toward labour-market clearing by a damped step (a tatonnement scaled by each region's
wage elasticity of labour demand). The fixed point is found by Anderson acceleration, a
multisecant quasi-Newton method (see :mod:`tradetalks.model.anderson`); it typically needs
tens of passes where the paper's nested algorithm needs thousands (``bench/bench_solver.py``).

The solver never returns an unconverged answer: it raises :class:`ConvergenceError`. Before
solving it checks that the shocks leave an equilibrium under the closure in use and raises
:class:`~tradetalks.errors.InfeasibleError`, saying why and what has one, when they do not; when
a direct solve of an extreme shock fails it applies the shock in steps from the baseline
(:mod:`tradetalks.model.feasibility`).
See docs/model.md, section 3 (the equations it solves: section 2).
"""

from __future__ import annotations

import dataclasses
import logging
import time
import weakref
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tradetalks.baseline import Baseline
from tradetalks.errors import ConvergenceError, InfeasibleError, OptionsError
from tradetalks.model.anderson import anderson
from tradetalks.model.equilibrium import Evaluation, System, trade_flows, trade_shares
from tradetalks.model.feasibility import MIN_PATH_ITER, check_structure, continue_shock
from tradetalks.model.fixed_point import FixedPointMap
from tradetalks.model.shocks import Shocks
from tradetalks.model.solver_options import CLOSURES as CLOSURES
from tradetalks.model.solver_options import METHODS as METHODS
from tradetalks.model.solver_options import SolverOptions as SolverOptions
from tradetalks.model.system import build_system
from tradetalks.model.trade_balance import (
    BalanceOutcome,
    applies,
    balance_deficits,
    solve_by_trade_balance,
    thin_trade,
    unfinanced_deficit,
)

FloatArray = NDArray[np.float64]
log = logging.getLogger(__name__)


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
    w_hat : (N,)         wage (value-added price) changes; with sector-specific factor prices, the
                         change of each region's factor income per unit of its endowment
    factor_price_hat : (N, J)  factor-price changes by sector (all equal to ``w_hat[n]`` under
                         perfect mobility)
    factor_income : (N, J)     counterfactual factor payments by sector, ``gamma Y'``
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
    factor_price_hat: FloatArray
    factor_income: FloatArray
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
    InfeasibleError
        The shocks leave no equilibrium under the closure in use (a region that can no longer
        export with a surplus to earn, a good with every source closed, an income that a fixed
        deficit would drive negative); the message names the regions and says what has one
        (docs/model.md, section 3.3; :mod:`tradetalks.model.feasibility`).
    ConvergenceError
        The residual did not fall below ``options.tol`` within ``options.max_iter`` passes, nor
        along a path that applies the shock in steps from the baseline.
    """
    opts = options or SolverOptions()
    t0 = time.perf_counter()
    target = build_system(baseline, shocks)
    check_structure(baseline, target, opts.closure)
    hard = [ci.sigma for ci in shocks.critical_inputs if ci.sigma < 1.0]
    first_try = opts if not hard else dataclasses.replace(opts, max_iter=min(opts.max_iter, FIRST_TRY))
    fp, z, iters, resid, ok = _run(baseline, target, first_try, start)
    method: str = opts.method
    if not ok and hard:
        fp, z, iters, resid = _continuation(baseline, shocks, opts, start, iters)
        ok, method = True, f"{opts.method}+continuation"
    if not ok and opts.max_iter >= MIN_PATH_ITER and _is_thin(fp, z):
        # near autarky the wages are pinned by trade too thin for eq. 2.13: solve them by eq. 3.6
        found = solve_by_trade_balance(baseline, target, opts.tol, opts.max_iter, z, opts.floor_tol)
        if found is not None and found.converged:
            fp, z, resid, ok = found.fp, found.z, found.residual, True
            iters, method = iters + found.passes, f"{opts.method}+trade-balance"
    if not ok and opts.max_iter >= MIN_PATH_ITER:
        _explain_unmet_shifts(fp, z, shocks, iters, resid)
        # extreme shocks: apply the shock in steps from the baseline (or say why no equilibrium)
        base = build_system(baseline, Shocks(deficits=shocks.deficits))
        try:
            fp, z, iters, resid = continue_shock(baseline, base, target, opts, _run, iters, opts.closure)
            method = f"{opts.method}+shock-continuation"
        except InfeasibleError:
            raise
        except ConvergenceError as err:
            found = solve_by_trade_balance(baseline, target, opts.tol, opts.max_iter, None, opts.floor_tol)
            if found is None or not found.converged:
                raise ConvergenceError(
                    f"{err}{_balance_note(found, baseline)}", iterations=err.iterations, residual=err.residual
                ) from None
            fp, z, resid, method = found.fp, found.z, found.residual, f"{opts.method}+trade-balance"
            iters = err.iterations + found.passes
        ok = True
    if not ok:
        _explain_unmet_shifts(fp, z, shocks, iters, resid)
        raise ConvergenceError(
            f"equilibrium solver ({opts.method}) did not converge on baseline {baseline.name!r}: "
            f"residual {resid:.3e} > tol {opts.tol:.1e} after {iters} iterations; try a larger max_iter "
            f"(at least {MIN_PATH_ITER} also applies the shock in steps when a direct solve fails)",
            iterations=iters,
            residual=float(resid),
        )
    ev = fp.evaluate(z)
    if not method.endswith("+trade-balance") and _is_thin(fp, z, ev):
        fp, z, ev, iters, resid, method = _pin_wages(baseline, fp, z, ev, opts, iters, resid, method)
    seconds = time.perf_counter() - t0
    sys = fp.sys
    log_w, log_P, x_rel, _ = fp.unpack(z)
    info = SolverInfo(True, iters, float(resid), seconds, method)
    log.debug("solved %s in %d iterations, %.1f ms", baseline.name, iters, 1e3 * seconds)
    return _collect(baseline, shocks, sys, ev, log_w, log_P, x_rel * fp.spending0, info, z)


def equilibrium_at(
    baseline: Baseline, shocks: Shocks, state: FloatArray, info: SolverInfo | None = None
) -> Equilibrium:
    """The arrays one pass of the equilibrium conditions gives at ``state``, without solving.

    At a solved state this is the solver's :class:`Equilibrium`; near one it is what the outputs
    of a result are at a state along a tangent of the solution (the outputs' derivatives of the
    delta method, docs/model.md eq. 9.5). ``info`` defaults to "not solved here" (0 iterations).
    """
    fp = FixedPointMap.build(baseline, build_system(baseline, shocks))
    z = np.asarray(state, dtype=np.float64)
    if z.shape != (fp.size,):
        raise OptionsError(f"state has shape {z.shape}, expected ({fp.size},)")
    log_w, log_P, x_rel, _ = fp.unpack(z)
    ev = fp.evaluate(z)
    info = info or SolverInfo(True, 0, float("nan"), 0.0, "given state")
    return _collect(baseline, shocks, fp.sys, ev, log_w, log_P, x_rel * fp.spending0, info, z)


def _pin_wages(
    baseline: Baseline,
    fp: FixedPointMap,
    z: FloatArray,
    ev: Evaluation,
    opts: SolverOptions,
    iters: int,
    resid: float,
    method: str,
) -> tuple[FixedPointMap, FloatArray, Evaluation, int, float, str]:
    """A solve that ended with trade so thin that eq. 2.13 pins relative wages only loosely, with
    the wages pinned by eq. 3.6 (:mod:`tradetalks.model.trade_balance`); the solve as it was, and a
    warning, where that fails."""
    polished = solve_by_trade_balance(baseline, fp.sys, opts.tol, opts.max_iter, z, opts.floor_tol)
    if polished is None or not polished.converged:
        log.warning(
            "trade is thin on %s and the wages could not be pinned by trade balance%s; relative "
            "wages are those of the fixed point, real outcomes are not affected",
            baseline.name,
            _balance_note(polished),
        )
        return fp, z, ev, iters, resid, method
    fp, z = polished.fp, polished.z
    return fp, z, fp.evaluate(z), iters + polished.passes, polished.residual, f"{method}+trade-balance"


def _is_thin(fp: FixedPointMap, z: FloatArray, ev: Evaluation | None = None) -> bool:
    """Whether eq. 3.6 covers the map's system and its trade at ``z`` (evaluated: ``ev``) is thin
    (:func:`~tradetalks.model.trade_balance.thin_trade`)."""
    if not applies(fp.sys) or not np.all(np.isfinite(z)):
        return False
    with np.errstate(all="ignore"):
        return thin_trade(fp.sys, fp.evaluate(z) if ev is None else ev, fp.unpack(z)[0])


def _balance_note(found: BalanceOutcome | None, baseline: Baseline | None = None) -> str:
    """What the solve of wages by trade balance (eq. 3.6) gave, for a message; with ``baseline``,
    also the region whose fixed deficit most exceeds the trade left at the attempt's last state."""
    if found is None:
        return "; solving wages by trade balance does not apply (sector factors, constraints or nests)"
    note = (
        f"; solving wages by trade balance (near autarky, eq. 3.6) also failed: largest gap "
        f"{found.gap:.3e} log points, residual {found.residual:.3e}"
    )
    worst = None if baseline is None else unfinanced_deficit(found)
    if worst is None:
        return note
    assert baseline is not None
    k, ratio = worst
    held = balance_deficits(found.fp.sys)[k]
    kind = "surplus" if held < 0 else "deficit"
    return (
        f"{note}. With deficits held fixed, {baseline.regions[k]} must keep its {kind} of "
        f"{abs(held):.6g} {baseline.units}, {_times(ratio)} all the trade the shock leaves it at "
        "that state: the shock chokes the trade it is earned or financed by; try closure='balanced'"
    )


def _times(ratio: float) -> str:
    return "more than 1e6 times" if not ratio < 1e6 else f"{ratio:.3g} times"


#: Passes of the first attempt when critical-input nests are below Cobb-Douglas; if it fails the
#: solver continues from Cobb-Douglas nests instead (:func:`_continuation`).
FIRST_TRY = 400


def _fixed_point(
    baseline: Baseline, shocks: Shocks, opts: SolverOptions, start: FloatArray | None
) -> tuple[FixedPointMap, FloatArray, int, float, bool]:
    """One run of the accelerated fixed point: ``(map, state, iterations, residual, converged)``."""
    return _run(baseline, build_system(baseline, shocks), opts, start)


def _run(
    baseline: Baseline,
    sys: System,
    opts: SolverOptions,
    start: FloatArray | None,
    nu: FloatArray | None = None,
) -> tuple[FixedPointMap, FloatArray, int, float, bool]:
    """The accelerated fixed point of ``sys``, from ``start`` (else the baseline), with wage steps
    ``nu`` (else those at the baseline state, :func:`tradetalks.model.fixed_point.wage_step`)."""
    fp = FixedPointMap.build(baseline, sys, nu)

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
        # a far-off trial state may overflow; its residual is then infinite and Anderson backs off
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            out = anderson(
                step, z0, tol=opts.tol, max_iter=opts.max_iter, memory=memory, floor_tol=opts.floor_tol
            )
        return fp, out.z, out.iterations, float(out.residual), bool(out.converged)
    z, iters, resid = z0, 0, np.inf
    for iters in range(1, opts.max_iter + 1):
        z_new, resid = step(z)
        if resid <= opts.tol:
            return fp, z, iters, float(resid), True
        z = z_new
    return fp, z, iters, float(resid), False


def _continuation(
    baseline: Baseline, shocks: Shocks, opts: SolverOptions, start: FloatArray | None, spent: int
) -> tuple[FixedPointMap, FloatArray, int, float]:
    """Solve with near-Leontief nests by continuation from Cobb-Douglas (docs/model.md, section 3.3).

    Each nest's ``sigma < 1`` is replaced by ``sigma^t`` and ``t`` moves from 0 (Cobb-Douglas) to
    1 in adaptive steps, each solve warm-started from the last. With an input in near-fixed supply
    and ``sigma`` near zero the market clears by a large rise of the input's price and a fall of
    its users' output (rationing by price); this path reaches that equilibrium where a cold start
    does not.

    Raises
    ------
    ConvergenceError
        When the step would have to shrink below 1/1024: no equilibrium was found on the path; the
        message names the nests and how far the path got.
    """

    def at(t: float) -> Shocks:
        nests = tuple(
            dataclasses.replace(ci, sigma=ci.sigma**t) if ci.sigma < 1.0 else ci
            for ci in shocks.critical_inputs
        )
        return dataclasses.replace(shocks, critical_inputs=nests)

    done, step, state, iters = 0.0, 0.25, start, spent
    fp, z, n, resid, ok = _fixed_point(baseline, at(0.0), opts, start)
    iters += n
    if not ok:
        _explain_unmet_shifts(fp, z, shocks, iters, resid)
        raise ConvergenceError(
            f"equilibrium solver did not converge on baseline {baseline.name!r} even with Cobb-Douglas "
            f"critical-input nests (residual {resid:.3e})",
            iterations=iters,
            residual=resid,
        )
    state, reached = z, resid
    while done < 1.0:
        t = min(1.0, done + step)
        fp, z, n, resid, ok = _fixed_point(baseline, at(t), opts, state)
        iters += n
        if ok:
            done, state, step, reached = t, z, min(0.5, 1.5 * step), resid
            continue
        step /= 2.0
        if step < 1.0 / 1024:
            path = ", ".join(
                f"{ci.label or 'nest'}: sigma {ci.sigma**done:.3g} of {ci.sigma:.3g}"
                for ci in shocks.critical_inputs
                if ci.sigma < 1.0
            )
            raise ConvergenceError(
                f"no equilibrium found on baseline {baseline.name!r}: continuing the critical-input nests "
                f"from Cobb-Douglas reached {path}. With the input's supply near fixed and sigma near "
                "zero, its users' output would have to fall further than any positive price clears",
                iterations=iters,
                residual=resid,
            )
    return fp, state, iters, reached


def _explain_unmet_shifts(fp: FixedPointMap, z: FloatArray, shocks: Shocks, iters: int, resid: float) -> None:
    """Raise a ConvergenceError that says why, when a demand shift cannot meet its purchase target.

    A shift only moves the buyer's spending toward the seller: once the seller has almost all of
    it and the flow is still short of the target, no shift meets the commitment (the buyer's own
    tariff on the seller can put it out of reach).
    """
    w = fp.sys.wedges
    if w is None or w.preference is None:
        return
    with np.errstate(all="ignore"):
        ev = fp.evaluate(z)
        shares = trade_shares(fp.sys, ev)
    for g, c in enumerate(shocks.constraints):
        if not (c.kind == "floor" and c.instrument == "preference"):
            continue
        n, i, j = np.nonzero(c.cells)
        share = float(np.max(shares[n, i, j])) if n.size else 0.0
        if np.isfinite(share) and share > 0.99 and ev.group_flows[g] < c.target:
            raise ConvergenceError(
                f"purchase commitment {c.label!r} cannot be met by a demand shift: with "
                f"{100 * share:.1f} % of the buyer's spending on the seller its flow is "
                f"{float(ev.group_flows[g]):.6g}, short of the target {c.target:.6g} (the buyer's "
                "tariff on the seller puts it out of reach); use "
                "instrument 'subsidy' (a tariff exclusion paid from the buyer's budget) or a lower target",
                iterations=iters,
                residual=resid,
            )


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
    factor_income = ev.va_share * ev.output
    if sys.sector_factors:
        factor_price = np.exp(log_w)
        va0 = baseline.value_added
        w_hat = np.where(va0 > 0, factor_income.sum(axis=1) / np.where(va0 > 0, va0, 1.0), 1.0)
    else:
        w_hat = np.exp(log_w)
        factor_price = np.broadcast_to(w_hat[:, None], factor_income.shape)
    return Equilibrium(
        baseline=baseline,
        shocks=shocks,
        w_hat=_ro(w_hat),
        factor_price_hat=_ro(factor_price),
        factor_income=_ro(factor_income),
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
    eq = solve_equilibrium(baseline, zero_deficits(baseline), dataclasses.replace(opts, closure="fixed"))
    return _balanced_world(baseline, eq)


def zero_deficits(baseline: Baseline) -> Shocks:
    """The shocks that set every trade deficit to zero (the ``balanced`` closure's first solve)."""
    return Shocks(deficits=np.zeros(baseline.n_regions), label="zero deficits")


def _balanced_world(baseline: Baseline, eq: Equilibrium) -> Baseline:
    """The zero-deficit world of ``eq`` (solved from ``baseline``), cached for ``baseline``."""
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
