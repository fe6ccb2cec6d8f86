"""Whether a counterfactual has an equilibrium, and a path to it when a direct solve fails.

Two checks of docs/model.md, section 3.3:

* **Structure** (before solving, exact). Every trade flow the shocks leave open is strictly
  positive in the model (CES shares of positive weights), so region ``n``'s trade balance
  ``imports - exports = D'[n]`` (eq. 2.13 with 2.12) constrains the deficits of every set ``S`` of
  regions: if no open route enters ``S`` its deficit must be negative (it still exports, and buys
  nothing from outside), if none leaves it positive, if neither it must be zero. These
  conditions are necessary and, for balances alone, sufficient (a circulation with positive
  flows and given net imports exists; Hoffman's circulation theorem). A region-sector whose
  every source (home production included) is closed cannot buy a good that Cobb-Douglas final
  demand and input shares require: its price index would be infinite.
* **Continuation** (after a direct solve fails). The shock is applied in steps from the
  baseline, each solve warm-started from the last: the weight ``A`` of each cell moves
  geometrically from its baseline value to the shock's (a closed cell along ``(1 - s)
  1e-12^s``) and its revenue split linearly; deficits move linearly. If the path cannot be
  finished while some region holds a fixed surplus whose income (factor income, tariff revenue
  and deficit) is falling toward zero, no equilibrium with non-negative spending exists under
  fixed deficits: the shock chokes the trade the surplus must be earned by.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components
from threadpoolctl import threadpool_limits

from tradetalks.baseline import Baseline
from tradetalks.errors import ConvergenceError, InfeasibleError
from tradetalks.model.equilibrium import System
from tradetalks.model.fixed_point import FixedPointMap, wage_step

if TYPE_CHECKING:
    from tradetalks.model.solver_options import SolverOptions

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
log = logging.getLogger(__name__)

#: Deficits within this share of world value added count as zero (the ``balanced`` world's own
#: deficits are zero to about 1e-12 of it; the shocks' deficits must sum to zero to 1e-9).
ZERO_DEFICIT = 1e-9
#: Components of the trade graph up to which every set of them is checked (2^12 sets).
MAX_COMPONENTS = 12
#: Weight of a closed cell's path at ``s``: ``(1 - s) CLOSED_FLOOR^s``.
CLOSED_FLOOR = 1e-12

Runner = Callable[
    ["Baseline", System, "SolverOptions", FloatArray | None, FloatArray | None],
    tuple[FixedPointMap, FloatArray, int, float, bool],
]


# ----------------------------------------------------------------------------- structure
def open_routes(sys: System, spending0: FloatArray) -> BoolArray:
    """``route[n, i, j]``: ``n`` can buy ``j`` from ``i`` (positive weight and positive spending);
    constrained cells count with their weight before the wedge."""
    A = np.asarray(sys.A)
    w = sys.wedges
    if w is not None:
        A = np.array(A, dtype=np.float64)
        A[w.n, w.i, w.j] = w.A0
    out: BoolArray = (A > 0) & (spending0 > 0)[:, None, :]
    return out


def check_structure(baseline: Baseline, sys: System, closure: str) -> None:
    """Raise :class:`InfeasibleError` when the shocks leave no equilibrium (see the module docstring).

    ``closure`` names the closure in use, for the message (the deficits are ``sys.deficits``).
    """
    if sys.batched:
        return
    route = open_routes(sys, baseline.spending)
    _check_sources(baseline, route)
    n = baseline.n_regions
    edge: BoolArray = np.asarray(route.any(axis=2))  # edge[n, i]: n imports from i
    edge[np.arange(n), np.arange(n)] = False
    tol = ZERO_DEFICIT * float(sys.value_added0.sum())
    bad = _unbalanced_set(edge, np.asarray(sys.deficits, dtype=np.float64), tol)
    if bad is None:
        return
    members, kind = bad
    held = bool(np.any(np.abs(sys.deficits) > tol))
    reason = _balance_reason(baseline, members, kind, float(np.sum(sys.deficits[members])), tol, held)
    fixable = held and _unbalanced_set(edge, np.zeros(n), tol) is None
    if fixable:
        suggestion = "try closure='balanced' (deficits set to zero), where the trade left open can balance"
    elif kind in ("no exports", "no imports"):
        own = "its" if len(members) == 1 else "their"
        other = "imports" if kind == "no exports" else "exports"
        suggestion = (
            f"close {own} {other} too (autarky has an equilibrium under closure='balanced') "
            f"or keep some of {own} {'exports' if kind == 'no exports' else 'imports'} open"
        )
    else:
        suggestion = "use closure='balanced' (deficits set to zero)"
    regions = tuple(baseline.regions[k] for k in members)
    where = "under fixed deficits" if held else f"under closure={closure!r}"
    raise InfeasibleError(
        f"infeasible {where}: {reason}; {suggestion}",
        iterations=0,
        residual=float("inf"),
        reason=reason,
        suggestion=suggestion,
        regions=regions,
    )


def _check_sources(baseline: Baseline, route: BoolArray) -> None:
    unmet = (baseline.spending > 0) & ~route.any(axis=1)
    if not unmet.any():
        return
    cells = np.argwhere(unmet)
    listed = ", ".join(f"{baseline.regions[a]} {baseline.sectors[b]}" for a, b in cells[:6])
    more = f" and {len(cells) - 6} more" if len(cells) > 6 else ""
    reason = (
        f"every source of {listed}{more} is closed: no home production of it in the data and every "
        "import route banned or prohibitive, so its demand (final and intermediate) cannot be met at "
        "any finite price"
    )
    suggestion = "keep at least one import route of each such good open"
    raise InfeasibleError(
        f"infeasible under any closure: {reason}; {suggestion}",
        iterations=0,
        residual=float("inf"),
        reason=reason,
        suggestion=suggestion,
        regions=tuple(dict.fromkeys(baseline.regions[a] for a, _ in cells)),
    )


def _unbalanced_set(edge: BoolArray, deficits: FloatArray, tol: float) -> tuple[NDArray[np.intp], str] | None:
    """A set of regions whose trade cannot balance, and why (``no imports``, ``no exports``,
    ``isolated``); ``None`` when every set can.

    Sets are unions of strongly connected components of the graph ``i -> n`` (``n`` imports from
    ``i``): a set with no route in or out is a union of components. All unions are checked when
    there are at most :data:`MAX_COMPONENTS` components, else each component alone.
    """
    n = edge.shape[0]
    if n < 2 or np.count_nonzero(edge) == n * (n - 1):  # every route open: one component, nothing to check
        return None
    count, label = connected_components(edge.T.astype(np.int8), directed=True, connection="strong")
    member = label[None, :] == np.arange(count)[:, None]  # (C, N)
    # comp_edge[a, b]: some region of component b imports from one of component a
    comp_edge = (member.astype(np.int64) @ edge.T.astype(np.int64) @ member.T.astype(np.int64)) > 0
    np.fill_diagonal(comp_edge, False)
    comp_def = member @ deficits
    if count <= MAX_COMPONENTS:
        masks = ((np.arange(1, 2**count)[:, None] >> np.arange(count)) & 1).astype(bool)  # (M, C)
    else:
        masks = np.eye(count, dtype=bool)
    inside = masks.astype(np.int64)
    outside = 1 - inside
    enters = (outside @ comp_edge.astype(np.int64) * inside).sum(axis=1) > 0
    leaves = (inside @ comp_edge.astype(np.int64) * outside).sum(axis=1) > 0
    total = inside @ comp_def
    violated = [
        (~enters & leaves & (total >= -tol), "no imports"),
        (enters & ~leaves & (total <= tol), "no exports"),
        (~enters & ~leaves & (np.abs(total) > tol) & (inside.sum(axis=1) < count), "isolated"),
    ]
    size = inside @ member.sum(axis=1)  # regions in each set
    best: tuple[int, int, str] | None = None  # (size, set, kind) of the smallest such set
    for flags, kind in violated:
        hits = np.nonzero(flags)[0]
        if hits.size:
            k = int(hits[np.argmin(size[hits])])
            if best is None or size[k] < best[0]:
                best = (int(size[k]), k, kind)
    if best is not None:
        regions = np.nonzero(member[masks[best[1]]].any(axis=0))[0]
        return regions.astype(np.intp), best[2]
    return None


def _balance_reason(
    baseline: Baseline, members: NDArray[np.intp], kind: str, deficit: float, tol: float, held: bool
) -> str:
    names = ", ".join(baseline.regions[k] for k in members)
    one = len(members) == 1
    who = names if one else f"the regions {names} together"
    own = "its" if one else "their"
    size = f"{abs(deficit):.6g} {baseline.units}"
    if kind == "no exports":
        what = f"{own} exports are all banned or prohibitive"
        if deficit < -tol:
            return f"{who}: {what}, so {own} surplus of {size} cannot be earned"
        return f"{who}: {what}, so {own} imports cannot be paid for (trade must balance)"
    if kind == "no imports":
        what = f"{own} imports are all banned or prohibitive"
        if deficit > tol:
            return f"{who}: {what}, so {own} deficit of {size} cannot be financed"
        return f"{who}: {what}, so {own} exports cannot be paid for (trade must balance)"
    balance = f"deficit of {size}" if deficit > 0 else f"surplus of {size}"
    held_word = " held fixed" if held else ""
    return f"{who}: every route in and out is closed, so {own} {balance}{held_word} cannot be run"


# ----------------------------------------------------------------------------- continuation
def blend(base: System, target: System, s: float) -> System:
    """The system at ``s`` of the path from ``base`` (``s = 0``) to ``target`` (``s = 1``).

    Both come from the same baseline; ``target``'s wedges and nests are kept along the path and
    its constrained cells (zero in its arrays) are zeroed in ``base``'s.
    """
    if s >= 1.0:
        return target
    b_buy, t_buy = base.buyer_side, target.buyer_side
    rows = target.seller_side.shape[-4]
    b_sell = np.zeros((rows, *base.seller_side.shape[-3:]))
    b_sell[: base.seller_side.shape[-4]] = base.seller_side
    t_sell = target.seller_side
    a0, a1 = b_buy[0], t_buy[0]
    if target.wedges is not None:
        w = target.wedges
        a0 = a0.copy()
        a0[w.n, w.i, w.j] = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(a0 > 0, a1 / np.where(a0 > 0, a0, 1.0), 0.0)
        weight = np.where(
            ratio > 0, np.power(np.where(ratio > 0, ratio, 1.0), s), (1.0 - s) * CLOSED_FLOOR**s
        )
        a_s = np.where(a0 > 0, a0 * weight, 0.0)

        def split(b_part: FloatArray, t_part: FloatArray) -> FloatArray:
            f0 = np.where(a0 > 0, b_part / np.where(a0 > 0, a0, 1.0), 0.0)
            f1 = np.where(a1 > 0, t_part / np.where(a1 > 0, a1, 1.0), f0)
            out: FloatArray = a_s * ((1.0 - s) * f0 + s * f1)
            return out

        buyer = np.stack([a_s, split(b_buy[1], t_buy[1])])
        seller = np.stack([split(b_sell[r], t_sell[r]) for r in range(rows)])
    deficits = (1.0 - s) * base.deficits + s * target.deficits
    return dataclasses.replace(target, buyer_side=buyer, seller_side=seller, deficits=deficits)


def continue_shock(
    baseline: Baseline,
    base: System,
    target: System,
    opts: SolverOptions,
    run: Runner,
    spent: int,
    closure: str,
) -> tuple[FixedPointMap, FloatArray, int, float]:
    """Solve ``target`` by continuation from ``base`` (the baseline with the same deficits at
    ``s = 0``); see the module docstring.

    Points short of ``s = 1`` only carry the path and are solved to :data:`PATH_TOL`; the last is
    solved to ``opts.tol``. A point whose solution has a negative income or spending ends the path:
    there the equilibrium continued from the baseline leaves the economically meaningful region.

    Raises
    ------
    InfeasibleError
        When the path ends as a fixed surplus drives a region's income below zero.
    ConvergenceError
        When it stops for another reason: the message says how far it got, the residual and what
        to try.
    """
    with threadpool_limits(limits=1, user_api="blas"):  # small products: threads only contend
        return _continue(baseline, base, target, opts, run, spent, closure)


def _continue(
    baseline: Baseline,
    base: System,
    target: System,
    opts: SolverOptions,
    run: Runner,
    spent: int,
    closure: str,
) -> tuple[FixedPointMap, FloatArray, int, float]:
    memory = max(opts.memory, PATH_MEMORY) if opts.method == "anderson" else opts.memory
    last_opts = dataclasses.replace(opts, memory=memory)
    path_opts = dataclasses.replace(
        last_opts,
        tol=max(opts.tol, PATH_TOL),
        floor_tol=max(opts.floor_tol, PATH_TOL),
        max_iter=min(opts.max_iter, STEP_ITER),
    )
    done, step, iters = 0.0, 0.25, spent
    fp, z, n, resid, ok = run(baseline, blend(base, target, 0.0), path_opts, None, None)
    iters += n
    state: FloatArray | None = z if ok else None
    incomes = [(0.0, _income(fp, z))] if ok else []
    budget = spent + PATH_BUDGET * opts.max_iter
    while ok and done < 1.0 and step >= MIN_STEP and iters < budget:
        t = min(1.0, done + step)
        sys_t = blend(base, target, t)
        fp_t = FixedPointMap.build(baseline, sys_t)
        assert state is not None
        with np.errstate(all="ignore"):
            nu = wage_step(sys_t, fp_t.evaluate(state))
        nu = np.where(np.isfinite(nu), nu, fp_t.nu)
        fp_t, z, n, resid, good = run(baseline, sys_t, last_opts if t >= 1.0 else path_opts, state, nu)
        iters += n
        if good:
            income = _income(fp_t, z)
            spending = fp_t.unpack(z)[2]
            if np.any(income < 0) or np.any(spending < 0):
                _explain_path(baseline, target, [*incomes, (t, income)], iters, resid, closure)
                break
            done, state, step, fp = t, z, min(MAX_STEP, 1.5 * step), fp_t
            incomes.append((t, income))
            log.debug("shock continuation reached s=%.4f in %d passes", t, n)
            continue
        step /= 2.0
    if ok and done >= 1.0 and state is not None:
        return fp, state, iters, resid
    _explain_path(baseline, target, incomes, iters, resid, closure)
    raise ConvergenceError(
        f"equilibrium solver ({opts.method}) did not converge on baseline {baseline.name!r}: residual "
        f"{resid:.3e} > tol {opts.tol:.1e} after {iters} iterations, and applying the shock in steps "
        f"from the baseline reached {np.floor(1e4 * done) / 100:.2f} % of it. Try a larger max_iter (now "
        f"{opts.max_iter}) or a smaller shock" + ("" if closure == "balanced" else ", or closure='balanced'"),
        iterations=iters,
        residual=float(resid),
    )


#: Passes of one continuation step, the smallest step, the tolerance of the points short of the
#: end of the path and the Anderson memory along it (near-autarky worlds have many slow modes:
#: a memory of 8 stalls on them where 30 converges).
STEP_ITER = 400
PATH_MEMORY = 30
#: The path stops after this many times ``max_iter`` passes in all; it is tried only when
#: ``max_iter`` is at least :data:`MIN_PATH_ITER` (a smaller budget asks for a quick answer).
PATH_BUDGET = 10
MIN_PATH_ITER = 100
MIN_STEP = 1.0 / 256
MAX_STEP = 0.25
PATH_TOL = 1e-6


def _income(fp: FixedPointMap, z: FloatArray) -> FloatArray:
    with np.errstate(all="ignore"):
        return np.asarray(fp.evaluate(z).income, dtype=np.float64)


def _explain_path(
    baseline: Baseline,
    target: System,
    incomes: list[tuple[float, FloatArray]],
    iters: int,
    resid: float,
    closure: str,
) -> None:
    """Raise :class:`InfeasibleError` when the path stopped as a fixed deficit ate an income."""
    tol = ZERO_DEFICIT * float(target.value_added0.sum())
    held = np.abs(np.asarray(target.deficits)) > tol
    if not held.any() or len(incomes) < 2:
        return
    s_last, last = incomes[-1]
    base_income = np.asarray(baseline.income, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(base_income > 0, last / base_income, np.inf)
    ratio = np.where(held, ratio, np.inf)
    k = int(np.argmin(ratio))
    if not (ratio[k] < INCOME_ALARM):
        return
    d = float(target.deficits[k])
    kind = "surplus" if d < 0 else "deficit"
    code = baseline.regions[k]
    if ratio[k] < 0:
        s_prev = incomes[-2][0]
        where = (
            f"applying the shock in steps from the baseline, its income (factor income, tariff revenue "
            f"and deficit) turns negative between {100 * s_prev:.1f} % and {100 * s_last:.1f} % of the way"
        )
    else:
        where = (
            f"applying the shock in steps from the baseline, its income (factor income, tariff revenue "
            f"and deficit) had fallen to {100 * ratio[k]:.2f} % of the baseline's {100 * s_last:.1f} % "
            "of the way and no equilibrium was found beyond"
        )
    reason = (
        f"{code} must keep its {kind} of {abs(d):.6g} {baseline.units} while the shock chokes the trade "
        f"{'it is earned by' if d < 0 else 'that finances it'}: {where}"
    )
    suggestion = "try closure='balanced' (deficits set to zero)"
    raise InfeasibleError(
        f"infeasible under fixed deficits (closure={closure!r}): {reason}; {suggestion}",
        iterations=iters,
        residual=float(resid),
        reason=reason,
        suggestion=suggestion,
        regions=(code,),
    )


#: A region whose income along the path has fallen below this share of the baseline's, with a
#: fixed deficit, is the reason a path stopped (docs/model.md, section 3.3).
INCOME_ALARM = 0.25
