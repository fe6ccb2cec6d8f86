"""Solving the packages of a deal space: central blocks and parameter draws, in batches.

Every package of a space is an equilibrium of one world (docs/model.md, sections 7.5-7.6). The
packages are solved in fixed blocks of :data:`BLOCK` (the same whatever the number of workers, so
that the table does not depend on it), each block in batches
(:func:`tradetalks.model.batch_warm.solve_warm_batch`: members with the same nest and wedge cells
iterate at once), every member from the disagreement package's state and preconditioned by eq. 9.8
(:func:`tradetalks.model.solve_warm`). Under parameter draws (section 9.6) each draw's packages
are solved in batches on the draw's world, each from its central solution, with the preconditioner
measured again at the draw's disagreement package; the flags of section 7.6 are computed on each
draw's table (:class:`~tradetalks.analyses.deals_uncertainty.DealUncertainty`).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from tradetalks.analyses.deal_flags import flag, tie_rank
from tradetalks.analyses.deal_space import DealSpace
from tradetalks.analyses.deals_uncertainty import DealUncertainty, check_draws, flag_columns, parameter_row
from tradetalks.analyses.fallout import FALLOUT_REGIONS
from tradetalks.analyses.objectives import Government, Objective
from tradetalks.analyses.options import DealOptions
from tradetalks.analyses.uncertainty import (
    ParameterDraw,
    Priors,
    drawn_baseline,
    drawn_government,
    drawn_levers,
    parameter_draw,
)
from tradetalks.baseline import Baseline
from tradetalks.errors import ShockError
from tradetalks.levers import Lever, compile_levers
from tradetalks.levers.builder import ShockBuilder
from tradetalks.levers.capacity import capacity_constraints
from tradetalks.model import (
    MAX_PRECONDITIONED,
    Preconditioner,
    Shocks,
    SolverOptions,
    WarmSolution,
    balanced_baseline,
    is_fast,
    solve_warm,
)
from tradetalks.model.batch_warm import measure_preconditioner_batched, solve_batched, solve_warm_batch
from tradetalks.progress import ProgressFn, no_progress

#: Packages solved together: one block is cut into batches of members with the same nest and
#: wedge cells (about 8 kinds on ``busan-2025``). The blocks are fixed whatever the number of
#: workers, so that the table does not depend on it.
BLOCK = 256
#: Passes of the map a preconditioned solve saves against a plain one (about 25 of 35-45 on
#: ``default``), against which the cost of measuring the preconditioner (one pass a coordinate of
#: the state) is weighed (:mod:`tradetalks.model.warm`).
SAVED_PASSES = 25
#: Passes a solve under a draw saves when the preconditioner is measured again on the draw's world
#: (its disagreement package) instead of the central one: about 3.5 of 12-15 on ``busan-2025``.
#: Measured in batches (:func:`~tradetalks.model.batch_warm.measure_preconditioner_batched`), the
#: measurement costs about what a tenth of its passes one by one would.
REDRAW_SAVED_PASSES = 3
#: How much cheaper a pass of the Jacobian measurement is in batches than one by one.
BATCHED_MEASURE_GAIN = 10


def state_size(reference: Baseline) -> int:
    """Price, wage and spending coordinates of the solver's state on ``reference`` (eq. 3.1)."""
    n, j = reference.n_regions, reference.n_sectors
    return (n * j if reference.mobility is not None else n) + 2 * n * j


def worth_preconditioning(reference: Baseline, solves: int) -> bool:
    """Whether measuring the preconditioner of eq. 9.8 pays for ``solves`` equilibria."""
    size = state_size(reference)
    return size <= MAX_PRECONDITIONED and solves * SAVED_PASSES > size


@dataclass(frozen=True, eq=False)
class PackageMeasures:
    """What a package's row reports, prepared once per reference world (docs/model.md, eq. 7.6).

    The parties' payoffs are their objectives (eq. 7.1) and the onlookers' welfare the objective of
    a pure-welfare government, ``ln W_hat`` (eq. 4.2), both evaluated at the solution; exports
    (eq. 4.4) from the flows at producer prices (eq. 2.7); win-set outputs from ``Y'``.
    """

    reference: Baseline
    space: DealSpace
    onlookers: tuple[int, ...]
    objectives: tuple[Objective, ...]
    welfare: tuple[Objective, ...]
    exports0: np.ndarray
    winsets: tuple[tuple[str, int, int], ...]

    @classmethod
    def of(cls, reference: Baseline, space: DealSpace, onlookers: Sequence[str]) -> PackageMeasures:
        where = tuple(reference.region_index(r) for r in onlookers)
        idx = np.arange(reference.n_regions)
        flows = reference.flows
        winsets = tuple(
            (
                f"winset_{ws.party}_{ws.region}_{ws.sector}",
                reference.region_index(ws.region),
                reference.sectors.index(_sector_code(reference, ws.sector)),
            )
            for ws in space.win_sets
        )
        return cls(
            reference=reference,
            space=space,
            onlookers=where,
            objectives=tuple(g.objective(reference) for g in space.parties),
            welfare=tuple(Government(reference.regions[n]).objective(reference) for n in where),
            exports0=flows.sum(axis=(0, 2)) - flows[idx, idx, :].sum(axis=1),
            winsets=winsets,
        )

    def row(self, package: tuple[str, ...], solved: WarmSolution) -> dict[str, Any]:
        """The package's row: its options, payoffs, onlookers' outcomes, win-set outputs."""
        sys, ev = solved.system, solved.evaluation
        ref = self.reference
        row: dict[str, Any] = {issue.name: opt for issue, opt in zip(self.space.issues, package, strict=True)}
        for gov, objective in zip(self.space.parties, self.objectives, strict=True):
            row[f"payoff_{gov.region}"] = float(np.real(objective(sys, ev)))
        flows = solved.flows
        idx = np.arange(ref.n_regions)
        exports1 = flows.sum(axis=(0, 2)) - flows[idx, idx, :].sum(axis=1)
        for n, welfare in zip(self.onlookers, self.welfare, strict=True):
            code = ref.regions[n]
            row[f"welfare_{code}"] = float(100.0 * np.expm1(np.real(welfare(sys, ev))))
            row[f"exports_{code}"] = float(100.0 * (exports1[n] / self.exports0[n] - 1.0))
        for col, n, j in self.winsets:
            row[col] = float(100.0 * (ev.output[n, j] / ref.gross_output[n, j] - 1.0))
        row["iterations"] = solved.iterations
        return row


def _sector_code(baseline: Baseline, sector: str) -> str:
    from tradetalks.data.products import PRODUCTS

    return PRODUCTS[sector].code if sector in PRODUCTS else baseline.sectors[baseline.sector_index(sector)]


def package_shocks(
    world: Baseline, space: DealSpace, package: Sequence[str], levers: Sequence[Lever], closure: str
) -> Shocks:
    """The package's levers compiled on ``world``; new deficits are refused under ``balanced``."""
    shocks = compile_levers(world, levers)
    if closure == "balanced" and shocks.deficits is not None:
        raise ShockError(
            f"package {'/'.join(package)}: new deficits cannot be set with closure='balanced' "
            "(deficits are zero)"
        )
    return shocks


def compile_packages(
    world: Baseline,
    space: DealSpace,
    packages: Sequence[tuple[str, ...]],
    closure: str,
    draw: ParameterDraw | None = None,
) -> list[Shocks]:
    """:func:`package_shocks` of every package (its levers under ``draw``:
    :func:`~tradetalks.analyses.uncertainty.drawn_levers`), the same shocks, with the levers of the
    options a package shares with the one before it (its first issues) applied once.

    A package's levers are the space's own, then each issue's option, in issue order
    (:meth:`DealSpace.levers`), and :func:`~tradetalks.levers.compile_levers` applies them in that
    order to one accumulator: the accumulator after the first ``m`` issues is kept and copied, so
    that consecutive packages (the product order of :meth:`DealSpace.packages`) cost about one
    option's levers each instead of every lever of the package.
    """
    root = ShockBuilder.start(world)
    for lever in drawn_levers(space.base.levers, draw):
        lever.apply(world, root)
    stack = [root]  # stack[m]: the accumulator after the first m issues of ``current``
    current: tuple[str, ...] = ()
    out = []
    for package in packages:
        m = 0
        while m < len(current) and current[m] == package[m]:
            m += 1
        del stack[m + 1 :]
        for issue, name in zip(space.issues[m:], package[m:], strict=True):
            acc = _copy(stack[-1])
            for lever in drawn_levers(issue.option(name).levers, draw):
                lever.apply(world, acc)
            stack.append(acc)
        current = tuple(package)
        leaf = dataclasses.replace(
            stack[-1],
            constraints=list(stack[-1].constraints),
            critical_inputs=list(stack[-1].critical_inputs),
        )
        # as compile_levers ends: the capacity limits of critical products at short horizons
        taken = np.zeros(world.flows.shape, dtype=bool)
        for c in leaf.constraints:
            taken |= c.cells
        taken |= ~np.isfinite(leaf.export_taxes)
        leaf.constraints.extend(capacity_constraints(world, taken))
        shocks = leaf.freeze("")
        if closure == "balanced" and shocks.deficits is not None:
            raise ShockError(
                f"package {'/'.join(package)}: new deficits cannot be set with closure='balanced' "
                "(deficits are zero)"
            )
        out.append(shocks)
    return out


def _copy(acc: ShockBuilder) -> ShockBuilder:
    return ShockBuilder(
        acc.tariffs.copy(),
        acc.export_taxes.copy(),
        acc.iceberg_hat.copy(),
        list(acc.constraints),
        list(acc.critical_inputs),
    )


def padded_start(state: np.ndarray | None, base: int, size: int) -> np.ndarray | None:
    """``state`` as a start of a package with ``size`` coordinates: its own when it has that many,
    else its first ``base`` (prices, wages, spending) and zero wedges (constraints not binding)."""
    if state is None:
        return None
    if state.size == size:
        return state
    out = np.zeros(size)
    out[:base] = state[:base]
    return out


@dataclass(frozen=True, eq=False)
class _Job:
    """What every worker needs to solve blocks of packages (sent once per worker)."""

    world: Baseline
    reference: Baseline
    space: DealSpace
    onlookers: tuple[str, ...]
    solver: SolverOptions
    preconditioner: Preconditioner | None
    first: np.ndarray | None


def solve_block(
    job: _Job,
    packages: Sequence[tuple[str, ...]],
    progress: ProgressFn | None = None,
    done: int = 0,
    total: int = 0,
) -> list[tuple[dict[str, Any], np.ndarray]]:
    """Solve ``packages`` in batches (:func:`~tradetalks.model.batch_warm.solve_warm_batch`), each
    from ``job.first`` (the disagreement package's state; its wedges at zero where the package has
    other constraints); the rows and solved states in the order of ``packages``."""
    measures = PackageMeasures.of(job.reference, job.space, job.onlookers)
    base = state_size(job.reference)
    space, closure = job.space, job.solver.closure
    with threadpool_limits(limits=1, user_api="blas"):  # small products: threads only contend
        shocks = compile_packages(job.world, space, packages, closure)
        starts = [padded_start(job.first, base, base + len(s.constraints)) for s in shocks]
        solved = solve_warm_batch(job.reference, shocks, job.solver, starts, job.preconditioner)
        out = [(measures.row(p, s), s.state) for p, s in zip(packages, solved, strict=True)]
    if progress is not None:
        progress(f"deal space {space.name}: packages solved", done + len(out), total)
    return out


_WORKER: dict[str, Any] = {}


def _init_worker(job: Any) -> None:
    _WORKER["job"] = job


def _worker_block(packages: Sequence[tuple[str, ...]]) -> list[tuple[dict[str, Any], np.ndarray]]:
    return solve_block(_WORKER["job"], packages)


def solve_packages(
    job: _Job, packages: Sequence[tuple[str, ...]], workers: int, progress: ProgressFn | None
) -> tuple[list[dict[str, Any]], list[np.ndarray]]:
    """Every package's row and solved state, in the order of ``packages``, in blocks of
    :data:`BLOCK` spread over ``workers`` processes (the same numbers whatever ``workers``)."""
    blocks = [list(packages[k : k + BLOCK]) for k in range(0, len(packages), BLOCK)]
    report = progress or no_progress
    parts: list[list[tuple[dict[str, Any], np.ndarray]]] = []
    if workers > 1 and len(blocks) > 1:
        with ProcessPoolExecutor(
            max_workers=min(workers, len(blocks)), initializer=_init_worker, initargs=(job,)
        ) as pool:
            futures = [pool.submit(_worker_block, b) for b in blocks]
            done = 0
            for fut, block in zip(futures, blocks, strict=True):  # in order: progress by packages
                parts.append(fut.result())
                done += len(block)
                report(f"deal space {job.space.name}: packages solved", done, len(packages))
    else:
        done = 0
        for block in blocks:
            parts.append(solve_block(job, block, report, done, len(packages)))
            done += len(block)
    rows = [r for part in parts for r, _ in part]
    states = [z for part in parts for _, z in part]
    return rows, states


@dataclass(frozen=True, eq=False)
class _DrawJob:
    """What every worker needs to solve the deal space under draws (sent once per worker)."""

    prepared: Baseline
    space: DealSpace
    horizon: str
    solver: SolverOptions
    options: DealOptions
    onlookers: tuple[str, ...]
    starts: tuple[np.ndarray | None, ...]
    preconditioner: Preconditioner | None
    disagreement: int
    seed: int
    priors: Priors


@dataclass(frozen=True, eq=False)
class _DrawOutcome:
    flags: np.ndarray
    payoffs: np.ndarray
    iterations: np.ndarray
    parameters: dict[str, Any]


def _solve_draw(job: _DrawJob, index: int) -> _DrawOutcome:
    """Draw ``index``: every package solved on the draw's world, in batches, each from its central
    state, and the flags of section 7.6 on the draw's table."""
    space = job.space
    draw = parameter_draw(job.prepared, index, job.seed, job.priors)
    world = drawn_baseline(job.prepared, draw, job.horizon)
    reference = balanced_baseline(world, job.solver) if job.solver.closure == "balanced" else world
    first, second = (drawn_government(g, draw) for g in space.parties)
    drawn = dataclasses.replace(space, parties=(first, second))
    measures = PackageMeasures.of(reference, drawn, job.onlookers)
    packages = space.packages()
    closure, base_size, d = job.solver.closure, state_size(reference), job.disagreement
    with threadpool_limits(limits=1, user_api="blas"):  # small products: threads only contend
        shocks = compile_packages(world, space, packages, closure, draw)
        pre, first_solved = job.preconditioner, None

        if pre is not None and len(packages) * REDRAW_SAVED_PASSES * BATCHED_MEASURE_GAIN > pre.size:
            # the preconditioner measured again at the draw's disagreement package (eq. 9.8)
            first_solved = solve_warm(reference, shocks[d], job.solver, job.starts[d], pre)
            pre = measure_preconditioner_batched(reference, shocks[d], first_solved.state) or pre
        rest = [k for k in range(len(packages)) if first_solved is None or k != d]
        batched, spent = solve_batched(
            reference, [shocks[k] for k in rest], job.solver, [job.starts[k] for k in rest], pre
        )
        solved: list[WarmSolution | None] = [None] * len(packages)
        passes = [0] * len(packages)
        for k, sol, its in zip(rest, batched, spent, strict=True):
            solved[k], passes[k] = sol, its
        if first_solved is not None:
            solved[d] = first_solved
        rows, iterations = [], []
        last: dict[int, np.ndarray] = {}  # the draw's last solution of each state size
        hard: dict[int, np.ndarray] = {}  # the last that needed solve_equilibrium (its nests are hard)
        for k, package in enumerate(packages):
            sol = solved[k]
            size = base_size + len(shocks[k].constraints)
            if sol is None:
                # not converged in its batch: as one by one, from the central solution, or, once this
                # draw's nests proved hard (near-Leontief, solved by continuation), first from the
                # last package that was as hard; then from the draw's last solution of a like package
                starts = [job.starts[k], last.get(size)] if size not in hard else [hard[size], job.starts[k]]
                sol = solve_warm(reference, shocks[k], job.solver, starts[0], pre, starts[1:])
                sol = dataclasses.replace(sol, iterations=sol.iterations + passes[k])
                if not is_fast(sol):
                    hard[size] = sol.state
            last[size] = sol.state
            rows.append(measures.row(package, sol))
            iterations.append(sol.iterations)
    table = flag(pd.DataFrame(rows), drawn, d, job.options)
    a, b = (g.region for g in space.parties)
    return _DrawOutcome(
        flags=table[list(flag_columns((a, b)))].to_numpy(dtype=bool),
        payoffs=table[[f"payoff_{a}", f"payoff_{b}"]].to_numpy(dtype=np.float64),
        iterations=np.asarray(iterations, dtype=np.int64),
        parameters=parameter_row(draw),
    )


def _worker_draw(index: int) -> _DrawOutcome:
    return _solve_draw(_WORKER["job"], index)


def deal_space_draws(
    prepared: Baseline,
    space: DealSpace,
    central: pd.DataFrame,
    states: Sequence[np.ndarray],
    *,
    draws: int,
    seed: int,
    priors: Priors,
    horizon: str,
    options: DealOptions,
    solver: SolverOptions,
    preconditioner: Preconditioner | None = None,
    progress: ProgressFn | None = None,
) -> DealUncertainty:
    """Every package of ``space`` under draws ``0 .. draws - 1`` of ``seed`` (docs/model.md, 9.6).

    Each draw sets the trade elasticities, horizon parameters, critical-input sigma and purchase
    compliance of the world and the levers (:func:`~tradetalks.analyses.uncertainty.drawn_baseline`,
    ``drawn_levers``) and the parties' political weights (``drawn_government``); every package is
    solved on it from its central ``states`` (preconditioned by eq. 9.8 when given one) and the
    flags of section 7.6 are computed on the draw's table. Draws are spread over
    ``options.workers`` processes; each is computed the same way wherever it runs, so the result
    does not depend on the number of workers.

    Parameters
    ----------
    prepared : Baseline
        The long-run baseline prepared by the space (products split, dated).
    central : DataFrame
        The central table, flagged (:func:`solve_deal_space`).
    states : sequence of ndarray
        The central solution of every package, in package order (empty: start from scratch).
    """
    check_draws(draws, seed)
    t0 = time.perf_counter()
    packages = space.packages()
    starts = tuple(states) if len(states) == len(packages) else (None,) * len(packages)
    d_key = tuple(space.disagreement[i.name] for i in space.issues)
    onlookers = tuple(r for r in FALLOUT_REGIONS if r in prepared.regions)
    job = _DrawJob(
        prepared,
        space,
        horizon,
        solver,
        options,
        onlookers,
        starts,
        preconditioner,
        packages.index(d_key),
        seed,
        priors,
    )
    report = progress or no_progress
    task = f"deal space {space.name} under draws: draws solved"
    outcomes: list[_DrawOutcome] = []
    if options.workers > 1 and draws > 1:
        with ProcessPoolExecutor(
            max_workers=min(options.workers, draws), initializer=_init_worker, initargs=(job,)
        ) as pool:
            for k, outcome in enumerate(pool.map(_worker_draw, range(draws)), start=1):
                outcomes.append(outcome)
                report(task, k, draws)
    else:
        for k in range(draws):
            outcomes.append(_solve_draw(job, k))
            report(task, k + 1, draws)
    a, b = (g.region for g in space.parties)
    issues = [i.name for i in space.issues]
    central_cols = [f"payoff_{a}", f"payoff_{b}", f"gain_{a}", f"gain_{b}", *flag_columns((a, b))]
    return DealUncertainty(
        space=space.name,
        parties=(a, b),
        options=central[issues].rename_axis("package"),
        disagreement=job.disagreement,
        draws=draws,
        seed=seed,
        priors=priors,
        flags=np.stack([o.flags for o in outcomes]),
        payoffs=np.stack([o.payoffs for o in outcomes]),
        central=central[central_cols].rename_axis("package"),
        rank=tie_rank(central, space),
        iterations=np.stack([o.iterations for o in outcomes]),
        parameters=pd.DataFrame([o.parameters for o in outcomes]).set_index("index").rename_axis("draw"),
        seconds=time.perf_counter() - t0,
    )


__all__ = [
    "BLOCK",
    "PackageMeasures",
    "compile_packages",
    "deal_space_draws",
    "package_shocks",
    "padded_start",
    "solve_block",
    "solve_packages",
    "state_size",
    "worth_preconditioning",
]
