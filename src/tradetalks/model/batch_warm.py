"""Warm-started, preconditioned solves of many shocks on one baseline, in batches, nests and
constraints included.

:func:`~tradetalks.model.warm.solve_warm` solves one package of a deal space in some ten passes of
the preconditioned map (eq. 9.8); on ``default`` a pass costs about a millisecond, most of it numpy
call overhead and one matrix-vector product with the preconditioner. :func:`solve_warm_batch`
solves many such members at once, as :mod:`.batch` does for plain solves (docs/model.md, section
9.9): the members' systems are stacked along a leading batch axis, one Anderson iteration runs on
all of them (:func:`~tradetalks.model.anderson.anderson_batch`: each member keeps its own memory and
stopping test) and the preconditioner acts on all of them in one matrix product. Unlike
:func:`~tradetalks.model.batch.solve_batch` the batched map here takes critical-input CES nests
(eqs. 5.6-5.8) and the endogenous wedges of caps and purchase floors (eqs. 5.3-5.5): members are
grouped by the cells their nests and wedges sit on, and each group is stacked with its members'
own shares, targets and elasticities.

A member is solved as ``solve_warm`` solves it: the same map, the same test on ``T``'s own residual
(eq. 3.4, ``options.tol``), the same limit of passes, so its solution is ``solve_warm``'s to the
solver's tolerance whatever else is in its batch; a member that does not converge there is handed
to ``solve_warm`` itself with its alternative starts (and so, at last, to ``solve_equilibrium``).
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from tradetalks.baseline import Baseline
from tradetalks.errors import OptionsError
from tradetalks.model.anderson import anderson_batch
from tradetalks.model.batch_nests import NestedBatchMap, batch_key, single_map, stack_members
from tradetalks.model.equilibrium import (
    System,
)
from tradetalks.model.shocks import Shocks
from tradetalks.model.solver import SolverOptions
from tradetalks.model.system import build_system, build_systems
from tradetalks.model.warm import (
    ATTEMPT_ITER,
    MAX_PRECONDITIONED,
    PLAIN_ITER,
    PRECONDITIONED,
    STEP,
    WARM,
    Preconditioner,
    WarmSolution,
    measure_preconditioner,
    solve_warm,
)

FloatArray = NDArray[np.float64]
log = logging.getLogger(__name__)

#: Most members one batched iteration takes (a batch of ``default`` members, 13 x 28, holds about
#: 13 MB of share arrays at this size: larger batches no longer stay in cache between passes).
MAX_WARM_BATCH = 64
#: Share of live members at or below which the batch's arrays are cut down to them.
COMPACT = 0.6


class _Step:
    """``step(z, ids)`` of :func:`anderson_batch`: the batched map, preconditioned by eq. 9.8."""

    def __init__(self, fp: NestedBatchMap, pre: Preconditioner | None) -> None:
        self.fp = fp
        self.pre = pre
        self.ids = np.arange(fp.sys.buyer_by_sector.shape[0], dtype=np.intp)

    def __call__(self, z: FloatArray, ids: NDArray[np.intp]) -> tuple[FloatArray, FloatArray]:
        if ids.size != self.ids.size:
            self.fp = self.fp.take(np.searchsorted(self.ids, ids))
            self.ids = ids
        tz, err = self.fp(z)
        pre = self.pre
        if pre is not None:
            b = pre.size
            tz[:, :b] += (tz[:, :b] - z[:, :b]).astype(pre.matrix.dtype) @ pre.matrix.T
        return tz, err


def solve_warm_batch(
    baseline: Baseline,
    shocks: Sequence[Shocks],
    options: SolverOptions,
    starts: Sequence[FloatArray | None],
    preconditioner: Preconditioner | None = None,
    alternatives: Sequence[Sequence[FloatArray | None]] | None = None,
    *,
    batch_size: int = MAX_WARM_BATCH,
) -> list[WarmSolution]:
    """Every member ``shocks[k]`` on ``baseline`` from ``starts[k]``, as
    :func:`~tradetalks.model.warm.solve_warm` solves it, in batches of members with the same
    nest and wedge cells (:func:`batch_key`).

    Members of a batch iterate at once (preconditioned by eq. 9.8 when given one); a member that
    does not converge within ``solve_warm``'s limit of passes, or that cannot be stacked, is solved
    by ``solve_warm`` itself from ``starts[k]`` and then ``alternatives[k]`` (its further starts),
    as it would have been alone. ``iterations`` count every pass spent on a member.

    Raises
    ------
    ConvergenceError
        From ``solve_equilibrium``, when no attempt converged for a member.
    """
    alts: Sequence[Sequence[FloatArray | None]] = alternatives or [()] * len(shocks)
    solved, spent = solve_batched(baseline, shocks, options, starts, preconditioner, batch_size=batch_size)
    out = []
    for k, sol in enumerate(solved):
        if sol is None:
            sol = solve_warm(baseline, shocks[k], options, starts[k], preconditioner, alts[k])
            sol = dataclasses.replace(sol, iterations=sol.iterations + spent[k])
        out.append(sol)
    return out


def solve_batched(
    baseline: Baseline,
    shocks: Sequence[Shocks],
    options: SolverOptions,
    starts: Sequence[FloatArray | None],
    preconditioner: Preconditioner | None = None,
    *,
    batch_size: int = MAX_WARM_BATCH,
) -> tuple[list[WarmSolution | None], list[int]]:
    """The batched attempt of :func:`solve_warm_batch` alone: each member's solution, or None where
    the member could not be stacked (:func:`batch_key`) or did not converge within ``solve_warm``'s
    limit of passes, and the passes spent on each member.

    Members are grouped by :func:`batch_key` and each group cut into batches of ``batch_size`` in
    the order of the members, so that the numbers depend on the members and their order alone.
    """
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise OptionsError(f"solve_batched: batch_size={batch_size!r}; allowed: a whole number >= 1")
    if len(starts) != len(shocks):
        raise OptionsError(
            f"solve_batched: {len(starts)} starts for {len(shocks)} members; give one per member"
        )
    systems = build_systems(baseline, shocks)
    out: list[WarmSolution | None] = [None] * len(shocks)
    spent = [0] * len(shocks)
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for k, sys in enumerate(systems):
        key = batch_key(sys) if options.method == "anderson" else None
        if key is not None:
            groups[key].append(k)
    with threadpool_limits(limits=1, user_api="blas"):  # small products: threads only contend
        for members in groups.values():
            for lo in range(0, len(members), batch_size):
                chunk = members[lo : lo + batch_size]
                solved = _solve_chunk(
                    baseline, [systems[k] for k in chunk], options, [starts[k] for k in chunk], preconditioner
                )
                for k, (sol, its) in zip(chunk, solved, strict=True):
                    out[k], spent[k] = sol, its
    return out, spent


def _solve_chunk(
    baseline: Baseline,
    systems: Sequence[System],
    options: SolverOptions,
    starts: Sequence[FloatArray | None],
    preconditioner: Preconditioner | None,
) -> list[tuple[WarmSolution | None, int]]:
    """One batched iteration; each member's solution, or None and its passes where it failed."""
    stacked, maps = stack_members(baseline, systems)
    fp0 = maps[0]
    pre = preconditioner
    if pre is not None and pre.size != fp0.size - fp0.sys.n_wedges:
        pre = None  # measured on another layout of the state (another horizon)
    z0 = np.stack(
        [
            np.array(s, dtype=np.float64) if s is not None and np.shape(s) == (fp.size,) else fp.start()
            for fp, s in zip(maps, starts, strict=True)
        ]
    )
    limit = min(options.max_iter, ATTEMPT_ITER if pre is not None else PLAIN_ITER)
    with np.errstate(over="ignore", invalid="ignore"):
        res = anderson_batch(
            _Step(stacked, pre), z0, tol=options.tol, max_iter=limit, memory=options.memory, compact=COMPACT
        )
    method = PRECONDITIONED if pre is not None else WARM
    ok = res.converged & np.all(np.isfinite(res.z), axis=1)
    with np.errstate(all="ignore"):
        final = stacked.evaluate(res.z)  # every member's outputs at its solution, in one pass
    out: list[tuple[WarmSolution | None, int]] = []
    for b, fp in enumerate(maps):
        its = int(res.iterations[b])
        if not ok[b]:
            out.append((None, its))
        else:
            z = np.array(res.z[b])
            ev = final.member(b, fp.sys, fp.unpack(z)[3])
            out.append((WarmSolution(fp.sys, ev, z, its, method), its))
        fp.sys.__dict__.pop("buyer_by_sector", None)  # the member's own system lays out its own again
        fp.sys.__dict__.pop("seller_by_sector", None)
    return out


__all__ = [
    "MAX_WARM_BATCH",
    "NestedBatchMap",
    "batch_key",
    "measure_preconditioner_batched",
    "single_map",
    "solve_batched",
    "solve_warm_batch",
    "stack_members",
]


def measure_preconditioner_batched(
    baseline: Baseline,
    shocks: Shocks,
    state: FloatArray,
    max_size: int = MAX_PRECONDITIONED,
    chunk: int = 128,
) -> Preconditioner | None:
    """The preconditioner of eq. 9.8 at ``state``, as
    :func:`~tradetalks.model.warm.measure_preconditioner` measures it (forward differences of step
    :data:`~tradetalks.model.warm.STEP`, one per price, wage and spending coordinate), with the
    perturbed states evaluated ``chunk`` at a time by the batched map."""
    sys = build_system(baseline, shocks)
    if batch_key(sys) is None:
        return measure_preconditioner(baseline, shocks, state, max_size)
    with threadpool_limits(limits=1, user_api="blas"):
        batched, fp = single_map(baseline, sys)
        size = fp.size - sys.n_wedges
        if size > max_size:
            return None
        z0 = np.asarray(state, dtype=np.float64)
        t0 = batched(z0[None])[0][0, :size]
        jac = np.empty((size, size))
        for lo in range(0, size, chunk):
            cols = np.arange(lo, min(size, lo + chunk))
            z = np.repeat(z0[None], cols.size, axis=0)
            z[np.arange(cols.size), cols] += STEP
            jac[:, cols] = ((batched(z)[0][:, :size] - t0) / STEP).T
    if not np.all(np.isfinite(jac)):
        log.warning("preconditioner: non-finite Jacobian on %s; solves are warm-started only", baseline.name)
        return None
    matrix = np.linalg.solve(np.eye(size) - jac, jac)  # K = (I - J)^-1 J, single precision (warm.py)
    return Preconditioner(np.ascontiguousarray(matrix, dtype=np.float32), size)
