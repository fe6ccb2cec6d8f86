"""Many counterfactuals of the same dimensions solved as one batched fixed-point iteration.

A Monte Carlo over trade elasticities solves one scenario on many drawn baselines; a deal space
solves many packages on one baseline. Each solve is some forty passes of the fixed-point map of
:mod:`.fixed_point`, and on the shipped ``default`` baseline a pass costs a fraction of a
millisecond, much of it Python and numpy call overhead. :func:`solve_batch` stacks the members'
systems along a leading batch axis and runs one Anderson iteration on all of them
(:func:`tradetalks.model.anderson.anderson_batch`): every member keeps its own secant memory and
its own stopping test, leaves the active set when it has converged and is frozen from then on, so
its result is the one :func:`~tradetalks.model.solver.solve_equilibrium` gives, to the solver's
tolerance, whatever else is in the batch (docs/model.md, section 9.9).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradetalks.baseline import Baseline
from tradetalks.errors import ConvergenceError, OptionsError
from tradetalks.model.anderson import anderson_batch
from tradetalks.model.equilibrium import System, evaluate
from tradetalks.model.fixed_point import FixedPointMap, wage_step
from tradetalks.model.shocks import Shocks
from tradetalks.model.solver import (
    _BALANCED,
    Equilibrium,
    SolverInfo,
    SolverOptions,
    _balanced_world,
    _collect,
    solve_equilibrium,
    zero_deficits,
)
from tradetalks.model.system import build_system
from tradetalks.progress import ProgressFn, no_progress

FloatArray = NDArray[np.float64]
log = logging.getLogger(__name__)

#: Bytes of the members' share arrays a batch may hold by default (``3 N^2 J`` doubles a member).
#: A batch pays by spreading each pass's fixed cost (some hundred numpy calls) over its members;
#: it loses when its arrays no longer stay in cache from one pass to the next, and a member that
#: fills the cache alone gains nothing (``bench/bench_batch.py``). On ``default`` (13 x 28) the
#: budget holds about 70 members; on ``icio2022-full`` (81 x 28) one, so there the members are
#: solved one by one unless ``batch_size`` asks otherwise.
BATCH_BYTES = 8 * 2**20
#: Most members one batched iteration takes by default.
MAX_BATCH = 100
#: Method name of the members solved by the batched iteration (``SolverInfo.method``).
BATCHED = "anderson+batch"


class BatchConvergenceError(ConvergenceError):
    """Members of a batch did not converge; ``members`` are their positions in the batch.

    The message names each member and why (its residual and iterations, or the one-by-one
    solver's own message for a member solved alone); ``iterations`` and ``residual`` are those of
    the first failed member.
    """

    def __init__(self, message: str, *, iterations: int, residual: float, members: tuple[int, ...]) -> None:
        super().__init__(message, iterations=iterations, residual=residual)
        self.members = members

    def __reduce__(self) -> tuple[object, ...]:  # picklable across worker processes
        return (_batch_error, (str(self), self.iterations, self.residual, self.members))


def _batch_error(
    message: str, iterations: int, residual: float, members: tuple[int, ...]
) -> BatchConvergenceError:
    return BatchConvergenceError(message, iterations=iterations, residual=residual, members=members)


def unbatched_reason(
    baseline: Baseline, shocks: Shocks, options: SolverOptions, batch_size: int | None = None
) -> str | None:
    """Why :func:`solve_batch` solves a member one by one (None: it is batched)."""
    if options.method != "anderson":
        return f"method {options.method!r}"
    if shocks.constraints:
        return "quantity constraints (endogenous wedges)"
    if shocks.critical_inputs:
        return "critical-input CES nests"
    if batch_size is None and default_batch_size(baseline.n_regions, baseline.n_sectors) == 1:
        return "a baseline this large gains nothing from batching (BATCH_BYTES)"
    return None


def solve_batch(
    baselines: Baseline | Sequence[Baseline],
    shocks: Shocks | Sequence[Shocks],
    options: SolverOptions | None = None,
    starts: Sequence[FloatArray | None] | None = None,
    *,
    batch_size: int | None = None,
    progress: ProgressFn | None = None,
) -> list[Equilibrium]:
    """Solve ``K`` counterfactuals, batching those that share their dimensions (docs/model.md, 9.9).

    Member ``k`` is ``shocks[k]`` on ``baselines[k]``; a single baseline (the deal-space case: one
    world, many packages) or a single ``Shocks`` (the Monte Carlo case: one scenario, many drawn
    baselines) is used for every member. Members with the same numbers of regions and sectors and
    the same factor mobility (``Baseline.mobility``: perfect, or the short horizons' sector-specific
    factor prices) are stacked along a leading batch axis, ``batch_size`` at a time, and solved by
    one Anderson iteration (eqs. 9.9a-9.9c) in which each member keeps its own memory and stopping
    test and is frozen once converged. Members may differ in trade elasticities, flows, tariffs,
    export taxes, trade costs and deficits. Every output is then evaluated member by member at its
    solved state, as :func:`~tradetalks.model.solver.solve_equilibrium` does, so a member's result
    equals its one-by-one solve to the solver's tolerance and does not depend on what else is in
    the batch.

    Members the batched kernel does not take are solved one by one here, transparently, by
    :func:`~tradetalks.model.solver.solve_equilibrium` (their ``info.method`` says so;
    :func:`unbatched_reason`): shocks with quantity constraints (endogenous wedges) or
    critical-input CES nests, ``options.method == "damped"``, and, unless ``batch_size`` is
    given, members on baselines so large that batching gains nothing (:func:`default_batch_size`
    is one: ``icio2022-full``). Batched members report ``info.method == "anderson+batch"`` and, as
    ``info.seconds``, their batch's wall time divided by its members.

    ``options.closure`` is not applied here, as in ``solve_equilibrium``: for the balanced closure
    pass the zero-deficit baselines (:func:`balanced_baselines` makes them in batches).

    Parameters
    ----------
    baselines : Baseline or sequence of Baseline
    shocks : Shocks or sequence of Shocks
    options : SolverOptions, optional
        The same for every member.
    starts : sequence of (ndarray or None), optional
        Starting states, one per member (``None``: the default start), as ``start`` of
        ``solve_equilibrium``.
    batch_size : int, optional
        Most members per batched iteration. Default: :func:`default_batch_size`, as many as
        :data:`BATCH_BYTES` of share arrays hold, at most :data:`MAX_BATCH`; where that is one
        (baselines as large as ``icio2022-full``) the members are solved one by one.
    progress : ProgressFn, optional
        Called with the members solved so far after each batch.

    Returns
    -------
    list of Equilibrium
        In the order of the members.

    Raises
    ------
    OptionsError
        Lengths that do not match, a bad ``batch_size`` or a start of the wrong shape.
    ShockError
        Shocks that do not fit their baseline.
    BatchConvergenceError
        A :class:`~tradetalks.errors.ConvergenceError` naming the members that did not converge
        (their positions) and why; raised once the batch they are in is done.
    """
    opts = options or SolverOptions()
    bases, shock_list = _members(baselines, shocks)
    k_all = len(bases)
    start_list: list[FloatArray | None] = [None] * k_all if starts is None else list(starts)
    if len(start_list) != k_all:
        raise OptionsError(f"solve_batch: {len(start_list)} starts for {k_all} members; give one per member")
    if batch_size is not None and (
        not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1
    ):
        raise OptionsError(f"solve_batch: batch_size={batch_size!r}; allowed: a whole number >= 1")
    report = progress or no_progress
    results: list[Equilibrium | None] = [None] * k_all
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    alone: list[int] = []
    for k, (base, sh) in enumerate(zip(bases, shock_list, strict=True)):
        if unbatched_reason(base, sh, opts, batch_size) is None:
            groups[(base.n_regions, base.n_sectors, base.mobility)].append(k)
        else:
            alone.append(k)
    done = 0
    task = f"solving {k_all} equilibria in batches"
    for (n, j, _), members in groups.items():
        size = batch_size or default_batch_size(n, j)
        for lo in range(0, len(members), size):
            chunk = members[lo : lo + size]
            for k, eq in zip(chunk, _solve_chunk(chunk, bases, shock_list, start_list, opts), strict=True):
                results[k] = eq
            done += len(chunk)
            report(task, done, k_all)
    for k in alone:
        try:
            results[k] = solve_equilibrium(bases[k], shock_list[k], opts, start_list[k])
        except ConvergenceError as err:
            raise BatchConvergenceError(
                f"solve_batch: member {k} ({_describe(bases[k], shock_list[k])}; solved alone: "
                f"{unbatched_reason(bases[k], shock_list[k], opts, batch_size)}) did not converge: {err}",
                iterations=err.iterations,
                residual=err.residual,
                members=(k,),
            ) from err
        done += 1
        report(task, done, k_all)
    return [eq for eq in results if eq is not None]


def balanced_baselines(
    baselines: Sequence[Baseline],
    options: SolverOptions | None = None,
    *,
    batch_size: int | None = None,
    progress: ProgressFn | None = None,
) -> list[Baseline]:
    """The zero-deficit worlds of ``baselines`` (the ``balanced`` closure, docs/model.md section 2.4),
    those not yet cached solved in batches.

    Each equals :func:`~tradetalks.model.solver.balanced_baseline` of its baseline to the solver's
    tolerance and is cached for it, so that ``balanced_baseline`` then returns it (the Monte Carlo
    case under ``closure="balanced"``: one zero-deficit world per drawn baseline).
    """
    opts = dataclasses.replace(options or SolverOptions(), closure="fixed")
    todo: list[Baseline] = []
    seen: set[int] = set()
    for base in baselines:
        if base not in _BALANCED and id(base) not in seen:
            seen.add(id(base))
            todo.append(base)
    if todo:
        eqs = solve_batch(
            todo, [zero_deficits(b) for b in todo], opts, batch_size=batch_size, progress=progress
        )
        for base, eq in zip(todo, eqs, strict=True):
            _balanced_world(base, eq)
    return [_BALANCED[b] for b in baselines]


def _members(
    baselines: Baseline | Sequence[Baseline], shocks: Shocks | Sequence[Shocks]
) -> tuple[list[Baseline], list[Shocks]]:
    bases = [baselines] if isinstance(baselines, Baseline) else list(baselines)
    shock_list = [shocks] if isinstance(shocks, Shocks) else list(shocks)
    if isinstance(baselines, Baseline):
        bases = bases * len(shock_list)
    if isinstance(shocks, Shocks):
        shock_list = shock_list * len(bases)
    if len(bases) != len(shock_list):
        raise OptionsError(
            f"solve_batch: {len(bases)} baselines for {len(shock_list)} shocks; give one of each per "
            "member, or a single baseline or a single Shocks for all"
        )
    for k, (b, s) in enumerate(zip(bases, shock_list, strict=True)):
        if not isinstance(b, Baseline) or not isinstance(s, Shocks):
            raise OptionsError(
                f"solve_batch: member {k} is ({type(b).__name__}, {type(s).__name__}); "
                "expected (Baseline, Shocks)"
            )
    return bases, shock_list


def default_batch_size(n: int, j: int) -> int:
    """Members per batch by default on ``n`` regions and ``j`` sectors (docs/model.md, eq. 9.9d)."""
    per_member = 3 * n * n * j * 8  # two buyer rows and one seller row of N^2 J doubles
    return max(1, min(MAX_BATCH, BATCH_BYTES // per_member))


def _describe(baseline: Baseline, shocks: Shocks) -> str:
    return f"baseline {baseline.name!r}" + (f", shocks {shocks.label!r}" if shocks.label else "")


def _solve_chunk(
    chunk: Sequence[int],
    bases: Sequence[Baseline],
    shock_list: Sequence[Shocks],
    start_list: Sequence[FloatArray | None],
    opts: SolverOptions,
) -> list[Equilibrium]:
    """One batched iteration over the members ``chunk`` (equal dimensions and mobility)."""
    t0 = time.perf_counter()
    systems = [build_system(bases[k], shock_list[k]) for k in chunk]
    buyer, seller = _by_sector_buffers(systems)
    stacked = _stack_systems(systems, buyer, seller)
    nu = _wage_steps(stacked, [bases[k] for k in chunk])
    maps = [
        FixedPointMap.build(bases[k], sys, nu[b])
        for b, (k, sys) in enumerate(zip(chunk, systems, strict=True))
    ]
    z0 = np.stack([_start(fp, start_list[k], k) for fp, k in zip(maps, chunk, strict=True)])
    step = _BatchStep(_stack(maps, stacked, nu))
    with np.errstate(over="ignore", invalid="ignore"):
        out = anderson_batch(
            step, z0, tol=opts.tol, max_iter=opts.max_iter, memory=opts.memory, floor_tol=opts.floor_tol
        )
    del step, stacked, buyer, seller  # free the stacked buffers before the outputs are made
    for sys in systems:  # the buffers were cut down in place: each system lays out its own again
        sys.__dict__.pop("buyer_by_sector", None)
        sys.__dict__.pop("seller_by_sector", None)
    seconds = (time.perf_counter() - t0) / len(chunk)
    failed = [int(b) for b in np.nonzero(~out.converged)[0]]
    if failed:
        lines = [
            f"member {chunk[b]} ({_describe(bases[chunk[b]], shock_list[chunk[b]])}): residual "
            f"{out.residual[b]:.3e} > tol {opts.tol:.1e} after {int(out.iterations[b])} iterations"
            + ("" if np.isfinite(out.residual[b]) else " (the state overflowed)")
            for b in failed
        ]
        first = failed[0]
        raise BatchConvergenceError(
            f"solve_batch: the equilibrium solver ({opts.method}, batched) did not converge for "
            f"{len(failed)} of {len(chunk)} members of a batch: " + "; ".join(lines),
            iterations=int(out.iterations[first]),
            residual=float(out.residual[first]),
            members=tuple(chunk[b] for b in failed),
        )
    eqs = []
    for b, (fp, k) in enumerate(zip(maps, chunk, strict=True)):
        z = out.z[b]
        log_w, log_P, x_rel, _ = fp.unpack(z)
        info = SolverInfo(True, int(out.iterations[b]), float(out.residual[b]), seconds, BATCHED)
        eqs.append(
            _collect(
                bases[k], shock_list[k], fp.sys, fp.evaluate(z), log_w, log_P, x_rel * fp.spending0, info, z
            )
        )
    log.debug(
        "solved a batch of %d in %d passes, %.2f ms a member",
        len(chunk),
        int(out.iterations.max()),
        1e3 * seconds,
    )
    return eqs


def _start(fp: FixedPointMap, start: FloatArray | None, k: int) -> FloatArray:
    z0 = fp.start()
    if start is None:
        return z0
    if start.shape != z0.shape:
        raise OptionsError(f"solve_batch: start of member {k} has shape {start.shape}, expected {z0.shape}")
    return np.array(start, dtype=np.float64)


class _BatchStep:
    """``step(z, ids)`` of :func:`anderson_batch`: the stacked map of the members ``ids``.

    When :func:`anderson_batch` cuts its arrays down to fewer members (the set only shrinks, so
    its size identifies it) the stack is cut down alike, in place (:func:`_cut`).
    """

    def __init__(self, fp: FixedPointMap) -> None:
        self.fp = fp
        self.ids = np.arange(fp.sys.buyer_by_sector.shape[0], dtype=np.intp)

    def __call__(self, z: FloatArray, ids: NDArray[np.intp]) -> tuple[FloatArray, FloatArray]:
        if ids.size != self.ids.size:
            self.fp = _cut(self.fp, np.searchsorted(self.ids, ids))
            self.ids = ids
        tz, err = self.fp(z)
        return np.asarray(tz, dtype=np.float64), np.asarray(err, dtype=np.float64)


def _by_sector_buffers(systems: Sequence[System]) -> tuple[FloatArray, FloatArray]:
    """The members' share arrays in the kernel's by-sector layouts, stacked: ``(B, J, 2 N, N)``
    and ``(B, J, S N, N)`` (``S`` the most seller rows of any member, zero export-tax rows added).

    Each member's system takes its slice as its own layout (:attr:`System.buyer_by_sector`), so
    the layouts are made once, in place, not once per member and again for the stack.
    """
    first = systems[0]
    _, n, _, j = first.buyer_side.shape
    rows = max(sys.seller_side.shape[0] for sys in systems)
    buyer = np.empty((len(systems), j, 2 * n, n))
    seller = np.zeros((len(systems), j, rows * n, n))
    for b, sys in enumerate(systems):
        np.copyto(buyer[b].reshape(j, 2, n, n), sys.buyer_side.transpose(3, 0, 1, 2))
        own = sys.seller_side.shape[0]
        np.copyto(seller[b, :, : own * n].reshape(j, own, n, n), sys.seller_side.transpose(3, 0, 2, 1))
        sys.__dict__["buyer_by_sector"] = buyer[b]
        sys.__dict__["seller_by_sector"] = seller[b, :, : own * n]
    return buyer, seller


def _stack_systems(systems: Sequence[System], buyer: FloatArray, seller: FloatArray) -> System:
    """One :class:`System` whose arrays carry a leading batch axis, member ``b`` = ``systems[b]``.

    The share arrays are ``buyer`` and ``seller`` (:func:`_by_sector_buffers`); the other member
    arrays are stacked, and those every member shares (the same baseline's shares, the same
    elasticities) stay unbatched and broadcast. All members have the same dimensions and factor
    mobility and no wedges or nests (:func:`unbatched_reason`).
    """
    first = systems[0]
    theta = _shared([s.theta for s in systems])
    return _with_sides(
        dataclasses.replace(
            first,
            va_share=_shared([s.va_share for s in systems]),
            io_share=_shared([s.io_share for s in systems]),
            alpha=_shared([s.alpha for s in systems]),
            # per-member elasticities broadcast against (B, N, J) arrays
            theta=theta if theta.ndim == 1 else theta[:, None, :],
            spending0=_shared([s.spending0 for s in systems]),
            value_added0=_shared([s.value_added0 for s in systems]),
            deficits=_shared([s.deficits for s in systems]),
            sector_value_added0=(
                None
                if first.sector_value_added0 is None
                else _shared([s.sector_value_added0 for s in systems])
            ),
        ),
        buyer,
        seller,
    )


def _wage_steps(sys: System, bases: Sequence[Baseline]) -> FloatArray:
    """The members' wage steps (docs/model.md, eq. 3.3) at the start, from one stacked evaluation."""
    size = len(bases)
    n, j = bases[0].n_regions, bases[0].n_sectors
    w0 = np.zeros((size, n, j) if sys.sector_factors else (size, n))
    x0 = np.broadcast_to(_shared([b.spending for b in bases]), (size, n, j))
    return wage_step(sys, evaluate(sys, w0, np.zeros((size, n, j)), x0))


def _stack(maps: Sequence[FixedPointMap], sys: System, nu: FloatArray) -> FixedPointMap:
    """The members' maps as one map on states ``(B, D)``, member ``b`` = ``maps[b]`` (eq. 9.9a);
    ``sys`` is their stacked system (:func:`_stack_systems`), ``nu`` their wage steps."""
    first = maps[0]
    return FixedPointMap(
        sys=sys,
        spending0=_shared([fp.spending0 for fp in maps]),
        has_x=_shared([fp.has_x for fp in maps]),
        x_scale=_shared([fp.x_scale for fp in maps]),
        value_added0=_shared([fp.value_added0 for fp in maps]),
        nu=nu,
        n=first.n,
        j=first.j,
        has_va=None if first.has_va is None else _shared([fp.has_va for fp in maps]),
    )


def _cut(fp: FixedPointMap, rows: NDArray[np.intp]) -> FixedPointMap:
    """The members at positions ``rows`` (increasing) of a stacked map, moved to the front of its
    share buffers in place (no new buffers: those would cost as much as a pass to fill); ``fp``
    itself is spent."""
    sys = fp.sys
    size = sys.buyer_by_sector.shape[0]
    buyer = np.asarray(sys.buyer_by_sector, dtype=np.float64)
    seller = np.asarray(sys.seller_by_sector, dtype=np.float64)
    for pos, row in enumerate(rows):
        if pos != row:  # rows increase, so a row moves forward onto a member already dropped
            buyer[pos] = buyer[row]
            seller[pos] = seller[row]
    batch_ndim = {"theta": 3, "va_share": 3, "io_share": 4, "alpha": 3, "spending0": 3, "value_added0": 2}
    batch_ndim |= {"deficits": 2, "sector_value_added0": 3}

    def pick(arr: Any, ndim: int) -> Any:
        return arr[rows] if arr is not None and arr.ndim == ndim and arr.shape[0] == size else arr

    changes = {name: pick(getattr(sys, name), nd) for name, nd in batch_ndim.items()}
    sub = _with_sides(dataclasses.replace(sys, **changes), buyer[: rows.size], seller[: rows.size])
    nw = 3 if sys.sector_factors else 2
    return dataclasses.replace(
        fp,
        sys=sub,
        spending0=pick(fp.spending0, 3),
        has_x=pick(fp.has_x, 3),
        x_scale=pick(fp.x_scale, 3),
        value_added0=pick(fp.value_added0, 2),
        nu=pick(fp.nu, nw),
        has_va=pick(fp.has_va, 3),
    )


def _with_sides(sys: System, buyer_by_sector: FloatArray, seller_by_sector: FloatArray) -> System:
    """``sys`` holding stacked share arrays given in the kernel's by-sector layouts.

    ``buyer_by_sector`` ``(B, J, 2 N, N)`` is ``buyer_side`` ``(B, 2, N, N, J)`` laid out
    ``[b, j, (s, n), i]``, ``seller_by_sector`` ``(B, J, S N, N)`` is ``seller_side`` laid out
    ``[b, j, (s, i), n]``; the sides are views of them, and the layouts are set as the system's
    cached ones (they are what it would compute, without a second copy).
    """
    b, j, _, n = buyer_by_sector.shape
    buyer = buyer_by_sector.reshape(b, j, 2, n, n).transpose(0, 2, 3, 4, 1)
    seller = seller_by_sector.reshape(b, j, -1, n, n).transpose(0, 2, 4, 3, 1)
    out = dataclasses.replace(sys, buyer_side=buyer, seller_side=seller)
    out.__dict__["buyer_by_sector"] = buyer_by_sector
    out.__dict__["seller_by_sector"] = seller_by_sector
    return out


def _shared(arrays: Sequence[Any]) -> Any:
    """The members' common array when they all hold the same values, else the arrays stacked."""
    first = arrays[0]
    if all(a is first or np.array_equal(a, first) for a in arrays[1:]):
        return first
    return np.stack(arrays)
