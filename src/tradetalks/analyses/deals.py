"""The deal space of multi-issue packages, solved once each, with bargaining on top.

A deal space (docs/model.md, sections 7.5-7.6) has issues, each with options (each option a list of levers,
as in scenario files). A package picks one option per issue; every package is an equilibrium,
solved once and cached. The two parties' payoffs (their governments' objectives, relative to
the prepared baseline) against the disagreement package give the Pareto frontier, the zone of
possible agreement, the Nash, Kalai-Smorodinsky and equal-gains packages and the outcome of
alternating offers with either party proposing first (:mod:`tradetalks.analyses.bargaining`).
Domestic ratification constraints (Putnam 1988 win-sets, such as "US soybean output may not
fall") filter the packages a party can sign. The onlookers' welfare and exports come with every
package. Packages with the same outcome (within ``DealOptions.tie_tol``; for instance one whose
purchase floor is slack and the same package without it) are one row of the results, listing
the equivalent packages.

Many packages of one world are solved with warm starts and one Newton preconditioner of the
equilibrium map (docs/model.md, eq. 9.8; :func:`tradetalks.model.solve_warm`), in fixed blocks so
that the table does not depend on the number of workers. Under parameter draws
(``solve_deal_space(..., draws=N)``; docs/model.md, section 9.6) every package is solved again on
each draw's world and the flags are computed on each draw's table
(:class:`~tradetalks.analyses.deals_uncertainty.DealUncertainty`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from tradetalks.analyses import bargaining as bg
from tradetalks.analyses.deal_space import (
    DealSpace,
    Issue,
    Option,
    WinSet,
    load_deal_space,
    parse_deal_space,
)
from tradetalks.analyses.deals_uncertainty import DealUncertainty, check_draws, flag_columns, parameter_row
from tradetalks.analyses.fallout import FALLOUT_REGIONS
from tradetalks.analyses.objectives import Government, Objective
from tradetalks.analyses.options import DealOptions
from tradetalks.analyses.uncertainty import (
    Priors,
    drawn_baseline,
    drawn_government,
    drawn_levers,
    parameter_draw,
)
from tradetalks.baseline import Baseline
from tradetalks.data.horizons import HORIZONS, LONG, at_horizon
from tradetalks.errors import OptionsError, ShockError
from tradetalks.levers import Lever, compile_levers
from tradetalks.model import (
    CLOSURES,
    MAX_PRECONDITIONED,
    Preconditioner,
    Shocks,
    SolverOptions,
    WarmSolution,
    balanced_baseline,
    is_fast,
    measure_preconditioner,
    solve_warm,
)
from tradetalks.progress import ProgressFn, no_progress
from tradetalks.results import Provenance, Report, Section, baseline_sha256, json_safe
from tradetalks.results.common import pct, records

log = logging.getLogger(__name__)

#: Bargaining outcomes flagged in the deal table (``rubinstein``: the first party proposes first).
SOLUTIONS = ("nash", "kalai_smorodinsky", "equal_gains", "rubinstein", "concession")
#: Prefixes of the columns that describe a package's outcome (compared to merge equal outcomes).
OUTCOME_PREFIXES = ("payoff_", "welfare_", "exports_", "winset_")


#: Packages solved in a row, each warm-started from the last one with the same constraints. The
#: blocks are fixed whatever the number of workers, so that the table does not depend on it.
BLOCK = 32
#: Passes of the map a preconditioned solve saves against a plain one (about 25 of 35-45 on
#: ``default``), against which the cost of measuring the preconditioner (one pass a coordinate of
#: the state) is weighed (:mod:`tradetalks.model.warm`).
SAVED_PASSES = 25
#: Passes a solve under a draw saves when the preconditioner is measured again on the draw's world
#: (its disagreement package) instead of the central one: about 3.5 of 12-15 on ``busan-2025``.
REDRAW_SAVED_PASSES = 3


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


def _solve_block(
    job: _Job,
    packages: Sequence[tuple[str, ...]],
    progress: ProgressFn | None = None,
    done: int = 0,
    total: int = 0,
) -> list[tuple[dict[str, Any], np.ndarray]]:
    """Solve ``packages`` in order, each warm-started from the last solved with the same state size
    (the block's first from ``job.first``, the disagreement package's state)."""
    measures = PackageMeasures.of(job.reference, job.space, job.onlookers)
    out = []
    starts: dict[int, np.ndarray] = {} if job.first is None else {job.first.size: job.first}
    with threadpool_limits(limits=1, user_api="blas"):  # small products: threads only contend
        for package in packages:
            out.append(_solve_one(job, measures, package, starts))
            if progress is not None:
                progress(f"deal space {job.space.name}: packages solved", done + len(out), total)
    return out


def _solve_one(
    job: _Job, measures: PackageMeasures, package: tuple[str, ...], starts: dict[int, np.ndarray]
) -> tuple[dict[str, Any], np.ndarray]:
    shocks = package_shocks(job.world, job.space, package, job.space.levers(package), job.solver.closure)
    size = state_size(job.reference) + len(shocks.constraints)
    solved = solve_warm(job.reference, shocks, job.solver, starts.get(size), job.preconditioner)
    starts[solved.state.size] = solved.state
    return measures.row(package, solved), solved.state


_WORKER: dict[str, Any] = {}


def _init_worker(job: Any) -> None:
    _WORKER["job"] = job


def _worker_block(packages: Sequence[tuple[str, ...]]) -> list[tuple[dict[str, Any], np.ndarray]]:
    return _solve_block(_WORKER["job"], packages)


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
            parts.append(_solve_block(job, block, report, done, len(packages)))
            done += len(block)
    rows = [r for part in parts for r, _ in part]
    states = [z for part in parts for _, z in part]
    return rows, states


@dataclass(frozen=True, eq=False)
class DealTable:
    """Every package with both payoffs, the onlookers' outcomes and the bargaining flags.

    ``table`` is the solved table as the analysis computes it, one row per package (index: the
    package number, issues in file order): ``payoff_<party>`` and ``gain_<party>`` in log points
    of the party's objective, ``welfare_<region>``, ``exports_<region>`` and ``winset_*`` in
    percent; ``same_as``, the package number of the row that stands for its outcome (itself, or
    an equivalent package: docs/model.md, section 7.6) and ``equivalent``, the packages it stands
    for. :meth:`packages`, :meth:`frames`, :meth:`summary` and :meth:`to_dict` give one row per
    distinct outcome in uniform units (every percent named ``*_pct``).

    ``uncertainty`` (with ``draws``): every package under parameter draws, how often it is each
    solution and the range of its payoffs (:class:`DealUncertainty`); :meth:`summary` then adds
    each row's solution probabilities and the most robust package, :meth:`frames`,
    :meth:`to_dict` and :meth:`report` the draws' tables.
    """

    space: DealSpace
    solved: pd.DataFrame
    disagreement: int
    seconds: float
    provenance: Provenance
    uncertainty: DealUncertainty | None = None

    def __post_init__(self) -> None:
        solved = self.solved.copy()
        solved.attrs = dict(self.solved.attrs)
        object.__setattr__(self, "solved", solved)

    @property
    def table(self) -> pd.DataFrame:
        """The solved table (a copy; see the class docstring for its units)."""
        out = self.solved.copy()
        out.attrs = dict(self.solved.attrs)
        return out

    @property
    def parties(self) -> tuple[str, str]:
        a, b = (g.region for g in self.space.parties)
        return a, b

    @property
    def payoffs(self) -> np.ndarray:
        a, b = self.parties
        return self.solved[[f"payoff_{a}", f"payoff_{b}"]].to_numpy()

    @property
    def rubinstein_columns(self) -> dict[str, str]:
        """The flag column of the alternating-offers outcome by first proposer: ``rubinstein``
        when the first party proposes first, ``rubinstein_<second party>_first`` otherwise."""
        a, b = self.parties
        return {a: "rubinstein", b: f"rubinstein_{b}_first"}

    def solutions(self) -> dict[str, int | None]:
        """Package number of the Nash, Kalai-Smorodinsky, equal-gains, Rubinstein (the first party
        proposing first; :meth:`alternating_offers` for both) and concession packages."""
        return {k: self._flagged(k) for k in SOLUTIONS}

    def alternating_offers(self) -> dict[str, int | None]:
        """Package number of the alternating-offers outcome for each first proposer (eq. 7.13)."""
        return {party: self._flagged(col) for party, col in self.rubinstein_columns.items()}

    def _flagged(self, column: str) -> int | None:
        hits = self.solved.index[self.solved[column].to_numpy(dtype=bool)]
        return None if hits.empty else int(hits[0])

    @property
    def rounds(self) -> dict[str, int]:
        """Round at which the alternating-offers games agree (Rubinstein: 0 in equilibrium, for
        each first proposer, keyed by its flag column) and the concession game's round."""
        return dict(self.solved.attrs.get("rounds", {}))

    @property
    def equilibria(self) -> int:
        """How many stationary equilibria the alternating-offers game has over the distinct
        ratified packages (the one reported is selected by eq. 7.16)."""
        return int(self.solved.attrs.get("equilibria", 0))

    def _distinct(self) -> pd.DataFrame:
        t = self.solved
        out: pd.DataFrame = t.loc[t["same_as"].to_numpy() == t.index.to_numpy()]
        return out

    def packages(self) -> pd.DataFrame:
        """One row per distinct outcome, in uniform units (index: the package number).

        Columns: the option of each issue; ``payoff_<party>_pct`` (the party's objective against
        the baseline) and ``gain_<party>_pct`` (against the disagreement package), both as percent
        of real income, equivalent (``100 (exp(G) - 1)``); the onlookers' ``welfare_<region>_pct``
        and ``exports_<region>_pct``; ``winset_<...>_output_pct``; ``equivalent``, the other
        packages with the same outcome (each as ``issue=option`` where it differs from the row,
        separated by ``;``); the flags ``ratified``, ``frontier``, ``zopa`` and one per solution
        concept (``rubinstein``: the first party proposes first, ``rubinstein_<party>_first``:
        the second); solver ``iterations``.
        """
        t = self._distinct()
        issues = [i.name for i in self.space.issues]
        out = t[issues].copy()
        for party in self.parties:
            out[f"payoff_{party}_pct"] = pct(t[f"payoff_{party}"].to_numpy())
            out[f"gain_{party}_pct"] = pct(t[f"gain_{party}"].to_numpy())
        for col in t.columns:
            if col.startswith(("welfare_", "exports_")):
                out[f"{col}_pct"] = t[col]
            elif col.startswith("winset_"):
                out[f"{col}_output_pct"] = t[col]
        flags = ("ratified", "frontier", "zopa", *SOLUTIONS[:4], self.rubinstein_columns[self.parties[1]])
        for col in ("equivalent", *flags, "concession", "iterations"):
            out[col] = t[col]
        return out.rename_axis("package")

    def summary(self) -> pd.DataFrame:
        """The disagreement package and the solutions, one row each (uniform units); the
        alternating-offers outcome once per first proposer (``rubinstein_<party>_first``).

        Under draws also the most robust package (``most_robust``: the one most often the Nash
        solution) and each row's probabilities of being each solution and in the zone of
        agreement over the draws (``prob_*``, shares in [0, 1]).
        """
        found = self.solutions()
        first = {f"rubinstein_{p}_first": k for p, k in self.alternating_offers().items()}
        ordered = [("nash", found["nash"]), ("kalai_smorodinsky", found["kalai_smorodinsky"])]
        ordered += [
            ("equal_gains", found["equal_gains"]),
            *first.items(),
            ("concession", found["concession"]),
        ]
        rows = {"disagreement": self.disagreement} | {k: v for k, v in ordered if v is not None}
        if self.uncertainty is not None:
            robust, _ = self.uncertainty.most_robust()
            if robust is not None:  # it may stand in the central table for a group: shown as solved
                rows["most_robust"] = robust
        picked, issues = list(rows.values()), [i.name for i in self.space.issues]
        t = self.solved.loc[picked]
        out = t[issues].set_axis(list(rows.keys()))
        for party in self.parties:
            out[f"gain_{party}_pct"] = pct(t[f"gain_{party}"].to_numpy())
        for col in t.columns:
            if col.startswith("welfare_"):
                out[f"{col}_pct"] = t[col].to_numpy()
        if self.uncertainty is not None:
            probs = self.uncertainty.probabilities().loc[picked]
            for col in probs.columns:
                if col not in ("prob_frontier", "prob_ratified", "prob_concession"):
                    out[col] = probs[col].to_numpy()
        return out

    def frames(self) -> dict[str, pd.DataFrame]:
        out = {"packages": self.packages(), "summary": self.summary()}
        if self.uncertainty is not None:
            out |= self.uncertainty.frames()
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: every distinct package's payoffs and the frontier, ZOPA and solution flags."""
        rounds = self.rounds
        offers = {
            f"{p}_first": {"package": k, "round": rounds.get(self.rubinstein_columns[p])}
            for p, k in self.alternating_offers().items()
        }
        distinct = self._distinct()
        out: dict[str, Any] = json_safe(
            {
                "deal_space": self.space.name,
                "parties": list(self.parties),
                "disagreement": self.disagreement,
                "solutions": self.solutions(),
                "alternating_offers": offers | {"equilibria": self.equilibria},
                "agreement_rounds": rounds,
                "packages_solved": len(self.solved),
                "packages_distinct": len(distinct),
                "equivalent_packages": {
                    int(r): [int(k) for k in self.solved.index[self.solved["same_as"] == r] if k != r]
                    for r in distinct.index[distinct["equivalent"] != ""]
                },
                "packages": records(self.packages()),
                "uncertainty": None if self.uncertainty is None else self.uncertainty.to_dict(),
                "seconds": self.seconds,
                "units": {
                    "payoff_*_pct": "percent of real income, equivalent, against the baseline",
                    "gain_*_pct": "percent of real income, equivalent, against the disagreement package",
                    "welfare_*_pct, exports_*_pct": "percent change against the baseline",
                    "winset_*_output_pct": "percent change of the sector's output against the baseline",
                    "seconds": "seconds",
                },
                "provenance": self.provenance.to_dict(),
            }
        )
        return out

    def report(self) -> Report:
        t = self.packages()
        rounds, offers = self.rounds, self.alternating_offers()
        merged = len(self.solved) - len(t)
        n = self.equilibria
        agree = ", ".join(
            f"{p} proposing first: "
            + ("no agreement" if k is None else f"round {rounds[self.rubinstein_columns[p]]}")
            for p, k in offers.items()
        )
        title = (
            f"deal space {self.space.name}: {len(self.solved)} packages, {len(t)} distinct outcomes "
            f"({merged} merged with an equivalent package), {int(t['frontier'].sum())} on the frontier, "
            f"{int(t['zopa'].sum())} in the zone of agreement, {int((~t['ratified']).sum())} fail "
            f"ratification; {self.seconds:.1f} s\n"
            f"alternating offers (Rubinstein; {n} stationary {'equilibrium' if n == 1 else 'equilibria'}) "
            f"agree with {agree}; concession in round {rounds.get('concession', '-')}\n"
            f"{self.provenance.describe()}\n"
            "(gain_*_pct: percent of real income against the disagreement package; "
            "welfare_*_pct: onlookers' welfare change, percent)"
        )
        if self.uncertainty is None:
            return Report(title, (Section("", self.summary().T),))
        title += f"\n{self.uncertainty.describe()}; prob_*: share of draws"
        return Report(title, (Section("", self.summary().T), *self.uncertainty.sections()))


def solve_deal_space(
    baseline: Baseline,
    space: DealSpace,
    *,
    options: DealOptions | None = None,
    horizon: str = LONG,
    closure: str = "fixed",
    solver: SolverOptions | None = None,
    progress: ProgressFn | None = None,
    draws: int | None = None,
    seed: int = 0,
    priors: Priors | None = None,
) -> DealTable:
    """Solve every package of ``space`` on ``baseline`` (prepared by ``space.base``) and bargain.

    Parameters
    ----------
    options : DealOptions, optional
        Workers (results do not depend on them), the discount factors of the alternating-offers
        game, the tolerance below which outcomes are equal and a folder to cache the table in.
    horizon : {"short", "medium", "long"}
        The horizon the packages are solved at, on the space's prepared (split, dated) baseline.
    closure : {"fixed", "balanced"}
        Deficits held fixed, or every package solved from the zero-deficit world, against which
        payoffs and onlooker changes are measured (docs/model.md, section 2.4).
    solver : SolverOptions, optional
        Tolerances of the equilibrium solver (its ``closure`` is set from ``closure``).
    progress : ProgressFn, optional
        Called after every package solved (with workers: after every block of packages), then
        after every draw.
    draws : int, optional
        Solve every package again under each of ``draws`` parameter draws and report how often
        each package is each bargaining solution (docs/model.md, section 9.6;
        :class:`~tradetalks.analyses.deals_uncertainty.DealUncertainty`, in ``uncertainty``).
    seed : int
        Seed of the draws (draw ``k`` of a seed is the same whatever ``draws`` and the workers).
    priors : Priors, optional
        Which parameters vary (default: all of ``data/tables/priors.toml``). With draws the
        central table is solved even when ``options.cache_dir`` holds it (the draws start from its
        solutions).

    Returns
    -------
    DealTable
        Every package (docs/model.md, eqs. 7.6-7.7) with the bargaining flags (7.8-7.14); packages
        with the same outcome within ``options.tie_tol`` merged into one row.

    Raises
    ------
    OptionsError
        An unknown ``horizon`` or ``closure``, or ``draws`` / ``seed`` not whole numbers >= 1 / >= 0.
    """
    opts = options or DealOptions()
    if horizon not in HORIZONS:
        raise OptionsError(f"horizon={horizon!r}; allowed: {', '.join(HORIZONS)}")
    if closure not in CLOSURES:
        raise OptionsError(f"closure={closure!r}; allowed: {', '.join(CLOSURES)}")
    if draws is not None:
        check_draws(draws, seed)
    sopts = dataclasses.replace(solver or SolverOptions(), closure=closure)  # type: ignore[arg-type]
    workers, cache_dir = opts.workers, opts.cache_dir
    t0 = time.perf_counter()
    prepared = space.base.prepare(baseline)
    world = at_horizon(prepared, horizon)
    reference = balanced_baseline(world, sopts) if closure == "balanced" else world
    onlookers = tuple(r for r in FALLOUT_REGIONS if r in world.regions)
    packages = space.packages()
    d_key = tuple(space.disagreement[i.name] for i in space.issues)
    d_index = packages.index(d_key)
    cache = _cache_path(cache_dir, reference, space, sopts)
    states: list[np.ndarray] = []
    preconditioner: Preconditioner | None = None
    if cache is not None and cache.exists() and draws is None:
        table = pd.read_csv(cache, keep_default_na=False)
    else:
        # the disagreement package first: its state starts every block and, for many solves,
        # measures the preconditioner of eq. 9.8
        lone = _Job(world, reference, space, onlookers, sopts, None, None)
        first = _solve_block(lone, [d_key])[0][1]
        solves = len(packages) * (1 + (draws or 0))
        if sopts.method == "anderson" and worth_preconditioning(reference, solves):
            d_shocks = package_shocks(world, space, d_key, space.levers(d_key), closure)
            preconditioner = measure_preconditioner(reference, d_shocks, first)
        job = _Job(world, reference, space, onlookers, sopts, preconditioner, first)
        rows, states = solve_packages(job, packages, workers, progress)
        table = pd.DataFrame(rows)
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            table.to_csv(cache, index=False)
    table = _flag(table, space, d_index, opts)
    uncertainty = None
    if draws is not None:
        uncertainty = deal_space_draws(
            prepared,
            space,
            table,
            states,
            draws=draws,
            seed=seed,
            priors=priors or Priors(),
            horizon=horizon,
            options=opts,
            solver=sopts,
            preconditioner=preconditioner,
            progress=progress,
        )
    draw_options = {}
    if draws is not None:
        draw_options = {"draws": {"draws": draws, "seed": seed} | (priors or Priors()).to_dict()}
    provenance = Provenance.of(
        world,
        "deals",
        closure=closure,
        options={
            "deals": {k: v for k, v in opts.to_dict().items() if k != "cache_dir"},
            "space": space.name,
            "parties": [g.describe() for g in space.parties],
            "solver": dataclasses.asdict(sopts),
            **draw_options,
        },
    )
    return DealTable(space, table, d_index, time.perf_counter() - t0, provenance, uncertainty)


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
    """Draw ``index``: every package solved on the draw's world, from its central state, and the
    flags of section 7.6 on the draw's table."""
    space = job.space
    draw = parameter_draw(job.prepared, index, job.seed, job.priors)
    world = drawn_baseline(job.prepared, draw, job.horizon)
    reference = balanced_baseline(world, job.solver) if job.solver.closure == "balanced" else world
    first, second = (drawn_government(g, draw) for g in space.parties)
    drawn = dataclasses.replace(space, parties=(first, second))
    measures = PackageMeasures.of(reference, drawn, job.onlookers)
    packages = space.packages()
    closure, base_size = job.solver.closure, state_size(reference)
    rows, iterations = [], []
    last: dict[int, np.ndarray] = {}  # the draw's last solution of each state size
    hard: dict[int, np.ndarray] = {}  # the last that needed solve_equilibrium (its nests are hard)

    def solve(k: int, preconditioner: Preconditioner | None) -> tuple[Shocks, WarmSolution]:
        levers = drawn_levers(space.levers(packages[k]), draw)
        shocks = package_shocks(world, space, packages[k], levers, closure)
        size = base_size + len(shocks.constraints)
        # from the central solution, or, once this draw's nests proved hard (near-Leontief, solved
        # by continuation), first from the last package that was as hard: the draw's solution of a
        # like package starts it where the central one does not
        starts = [job.starts[k], last.get(size)] if size not in hard else [hard[size], job.starts[k]]
        solved = solve_warm(reference, shocks, job.solver, starts[0], preconditioner, starts[1:])
        last[size] = solved.state
        if not is_fast(solved):
            hard[size] = solved.state
        return shocks, solved

    with threadpool_limits(limits=1, user_api="blas"):  # small products: threads only contend
        pre, first_solved = job.preconditioner, None
        if pre is not None and len(packages) * REDRAW_SAVED_PASSES > pre.size:
            # the preconditioner measured again at the draw's disagreement package (eq. 9.8)
            d_shocks, first_solved = solve(job.disagreement, pre)
            pre = measure_preconditioner(reference, d_shocks, first_solved.state) or pre
        for k, package in enumerate(packages):
            solved = first_solved if k == job.disagreement and first_solved is not None else solve(k, pre)[1]
            rows.append(measures.row(package, solved))
            iterations.append(solved.iterations)
    table = _flag(pd.DataFrame(rows), drawn, job.disagreement, job.options)
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
        rank=_tie_rank(central, space),
        iterations=np.stack([o.iterations for o in outcomes]),
        parameters=pd.DataFrame([o.parameters for o in outcomes]).set_index("index").rename_axis("draw"),
        seconds=time.perf_counter() - t0,
    )


def _tie_rank(table: pd.DataFrame, space: DealSpace) -> np.ndarray:
    """Rank of each package in the tie-break order (lower first): the fewest issues departing from
    the disagreement package, then the package order (issues and options in file order)."""
    departures = np.zeros(len(table), dtype=np.int64)
    for issue in space.issues:
        departures += (table[issue.name].astype(str).to_numpy() != space.disagreement[issue.name]).astype(int)
    order = np.lexsort((np.arange(len(table)), departures))
    rank = np.empty(len(table), dtype=np.int64)
    rank[order] = np.arange(len(table))
    return rank


def _outcomes(table: pd.DataFrame) -> np.ndarray:
    """What makes a package's outcome, in units of the baseline: payoffs in log points, welfare,
    exports and win-set outputs as fractions (percent / 100)."""
    cols = [c for c in table.columns if c.startswith(OUTCOME_PREFIXES)]
    scale = np.array([1.0 if c.startswith("payoff_") else 0.01 for c in cols])
    out: np.ndarray = table[cols].to_numpy(dtype=np.float64) * scale
    return out


def merge_equal(outcomes: np.ndarray, rank: np.ndarray, tol: float) -> np.ndarray:
    """For each package, the package that stands for its outcome (docs/model.md, eq. 7.15).

    Packages are taken in ``rank`` order (lowest first); each joins the first earlier
    representative whose outcomes all agree with its own within ``tol``, or becomes one. The
    representative of a group is therefore its lowest-ranked member, whatever the float noise.
    """
    x = np.asarray(outcomes, dtype=np.float64)
    k = len(x)
    same = np.arange(k)
    is_rep = np.zeros(k, dtype=bool)
    by0 = np.argsort(x[:, 0], kind="stable") if x.shape[1] else np.arange(k)
    first = x[by0, 0] if x.shape[1] else np.zeros(k)
    for p in np.argsort(rank, kind="stable"):
        here = x[p, 0] if x.shape[1] else 0.0
        lo = np.searchsorted(first, here - tol, side="left")
        hi = np.searchsorted(first, here + tol, side="right")
        near = by0[lo:hi]
        near = near[is_rep[near]]
        if near.size:
            close = near[np.all(np.abs(x[near] - x[p]) <= tol, axis=1)]
            if close.size:
                same[p] = int(close[np.argmin(rank[close])])
                continue
        is_rep[p] = True
    return same


def _equivalents(table: pd.DataFrame, space: DealSpace, same_as: np.ndarray, rank: np.ndarray) -> list[str]:
    """The ``equivalent`` column: the other members of each row's group, each as the issues where
    it differs from the row (``issue=option``), in tie-break order."""
    issues = [i.name for i in space.issues]
    options = table[issues].astype(str).to_numpy()
    out = [""] * len(table)
    for r in np.flatnonzero(same_as == np.arange(len(table))):
        members = [m for m in np.flatnonzero(same_as == r) if m != r]
        members.sort(key=lambda m: rank[m])
        out[r] = "; ".join(
            ", ".join(
                f"{name}={options[m, j]}" for j, name in enumerate(issues) if options[m, j] != options[r, j]
            )
            for m in members
        )
    return out


def _flag(table: pd.DataFrame, space: DealSpace, d_index: int, opts: DealOptions) -> pd.DataFrame:
    """Merge equal outcomes (7.15), then the ratification filter (7.7) and the flags (7.8-7.14),
    computed over one package per outcome and shared by its group."""
    a, b = (g.region for g in space.parties)
    tol = opts.tie_tol
    rank = _tie_rank(table, space)
    same_as = merge_equal(_outcomes(table), rank, tol)
    u = table[[f"payoff_{a}", f"payoff_{b}"]].to_numpy(dtype=np.float64)
    d = u[d_index]
    ratified = np.ones(len(table), dtype=bool)
    for ws in space.win_sets:
        ratified &= table[f"winset_{ws.party}_{ws.region}_{ws.sector}"].to_numpy() >= ws.min_output_pct - 1e-9
    ratified = ratified[same_as]  # a group is ratified as its representative is
    rep = same_as == np.arange(len(table))
    out = table.copy()
    out[f"gain_{a}"] = u[:, 0] - d[0]
    out[f"gain_{b}"] = u[:, 1] - d[1]
    out["same_as"] = same_as
    out["equivalent"] = _equivalents(table, space, same_as, rank)
    out["ratified"] = ratified
    idx = np.flatnonzero(ratified & rep)
    frontier = np.zeros(len(table), dtype=bool)
    frontier[idx] = bg.pareto_frontier(u[idx], tol=tol)
    out["frontier"] = frontier[same_as]
    zopa = bg.zopa(u, d, tol=tol) & ratified
    out["zopa"] = zopa[same_as]
    second = f"rubinstein_{b}_first"
    for name in (*SOLUTIONS, second):
        out[name] = False
    rounds: dict[str, int] = {}
    equilibria = 0
    if idx.size:
        sub, order = u[idx], rank[idx]
        offers = bg.alternating_offers(sub, d, discount=opts.discount, tol=tol, order=order)
        con = bg.concession(sub, d)
        picks = {
            "nash": bg.nash_solution(sub, d, tol=tol, order=order),
            "kalai_smorodinsky": bg.kalai_smorodinsky(sub, d, tol=tol, order=order),
            "equal_gains": bg.equal_gains(sub, d, tol=tol, order=order),
            "rubinstein": offers.outcome(0).package,
            second: offers.outcome(1).package,
            "concession": con.package,
        }
        rounds = {
            "rubinstein": offers.outcome(0).round,
            second: offers.outcome(1).round,
            "concession": con.round,
        }
        equilibria = offers.equilibria
        for name, k in picks.items():
            if k is not None:
                out.loc[out.index[idx[k]], name] = True
    out.attrs["rounds"] = rounds
    out.attrs["equilibria"] = equilibria
    return out


def _cache_path(
    cache_dir: str | Path | None, reference: Baseline, space: DealSpace, solver: SolverOptions
) -> Path | None:
    if cache_dir is None:
        return None
    h = hashlib.sha256(baseline_sha256(reference).encode())
    h.update(repr((space.name, space.parties, space.issues, space.win_sets, space.base)).encode())
    h.update(repr(dataclasses.asdict(solver)).encode())
    return Path(cache_dir) / f"deals-{space.name}-{h.hexdigest()[:16]}.csv"


__all__ = [
    "DealSpace",
    "DealTable",
    "Issue",
    "Option",
    "WinSet",
    "load_deal_space",
    "merge_equal",
    "parse_deal_space",
    "solve_deal_space",
]
