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
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import logging
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradetalks.analyses import bargaining as bg
from tradetalks.analyses.fallout import FALLOUT_REGIONS
from tradetalks.analyses.objectives import Government
from tradetalks.analyses.options import DealOptions
from tradetalks.baseline import Baseline
from tradetalks.data.horizons import HORIZONS, LONG, at_horizon
from tradetalks.errors import OptionsError, ScenarioError, ShockError, TradetalksError
from tradetalks.levers import Lever, compile_levers, parse_levers
from tradetalks.model import CLOSURES, Shocks, SolverOptions, balanced_baseline, solve_equilibrium
from tradetalks.progress import ProgressFn, no_progress
from tradetalks.results import Provenance, Report, Result, Section, baseline_sha256, json_safe
from tradetalks.results.common import pct, records
from tradetalks.scenarios import Scenario, builtin_names, read_toml

log = logging.getLogger(__name__)

#: Bargaining outcomes flagged in the deal table (``rubinstein``: the first party proposes first).
SOLUTIONS = ("nash", "kalai_smorodinsky", "equal_gains", "rubinstein", "concession")
#: Prefixes of the columns that describe a package's outcome (compared to merge equal outcomes).
OUTCOME_PREFIXES = ("payoff_", "welfare_", "exports_", "winset_")


@dataclass(frozen=True)
class Option:
    """One option of an issue: a name and the levers it pulls (none: the status quo)."""

    name: str
    levers: tuple[Lever, ...] = ()


@dataclass(frozen=True)
class Issue:
    name: str
    options: tuple[Option, ...]

    def option(self, name: str) -> Option:
        for o in self.options:
            if o.name == name:
                return o
        raise ScenarioError(
            f"issue {self.name!r} has no option {name!r}; allowed: {', '.join(o.name for o in self.options)}"
        )


@dataclass(frozen=True)
class WinSet:
    """A ratification constraint: ``region``'s output of ``sector`` may not change by less than
    ``min_output_pct`` (``0``: may not fall). Party ``party`` cannot sign a package violating it."""

    party: str
    region: str
    sector: str
    min_output_pct: float = 0.0


@dataclass(frozen=True)
class DealSpace:
    """Issues, the two parties, the disagreement package and ratification constraints."""

    name: str
    parties: tuple[Government, Government]
    issues: tuple[Issue, ...]
    disagreement: Mapping[str, str]
    win_sets: tuple[WinSet, ...] = ()
    base: Scenario = field(default_factory=lambda: Scenario("base", "", "", ()))
    description: str = ""

    def __post_init__(self) -> None:
        names = [i.name for i in self.issues]
        if len(set(names)) != len(names):
            raise ScenarioError(f"deal space {self.name!r}: duplicate issue names")
        missing = set(names) - set(self.disagreement)
        if missing:
            raise ScenarioError(
                f"deal space {self.name!r}: disagreement package lacks issues {sorted(missing)}"
            )
        for issue in self.issues:
            issue.option(self.disagreement[issue.name])

    @property
    def size(self) -> int:
        return int(np.prod([len(i.options) for i in self.issues]))

    def packages(self) -> list[tuple[str, ...]]:
        """Every package as a tuple of option names, in issue order."""
        return list(itertools.product(*[[o.name for o in i.options] for i in self.issues]))

    def levers(self, package: Sequence[str]) -> list[Lever]:
        """The levers of a package: the space's own (``base.levers``, in every package) and each
        issue's chosen option."""
        out: list[Lever] = list(self.base.levers)
        for issue, name in zip(self.issues, package, strict=True):
            out.extend(issue.option(name).levers)
        return out


def _package_row(
    world: Baseline,
    reference: Baseline,
    space: DealSpace,
    package: tuple[str, ...],
    shocks: Shocks,
    start: np.ndarray | None,
    onlookers: Sequence[int],
    solver: SolverOptions,
) -> tuple[dict[str, Any], np.ndarray]:
    """One package solved from ``reference`` (the world itself, or its zero-deficit world for the
    ``balanced`` closure), with its payoffs, the onlookers' outcomes and its win-set outputs."""
    try:
        eq = solve_equilibrium(reference, shocks, solver, start=start)
    except (ValueError, TradetalksError):
        eq = solve_equilibrium(reference, shocks, solver)
    result = Result(
        scenario="/".join(package),
        equilibrium=eq,
        source=world,
        closure=solver.closure,
        solver_options=solver,
    )
    row: dict[str, Any] = {issue.name: opt for issue, opt in zip(space.issues, package, strict=True)}
    for gov in space.parties:
        row[f"payoff_{gov.region}"] = gov.value(result)
    welfare = 100.0 * (result.welfare_hat - 1.0)
    idx = np.arange(reference.n_regions)
    exports0 = reference.flows.sum(axis=(0, 2)) - reference.flows[idx, idx, :].sum(axis=1)
    exports1 = eq.flows.sum(axis=(0, 2)) - eq.flows[idx, idx, :].sum(axis=1)
    for n in onlookers:
        code = reference.regions[n]
        row[f"welfare_{code}"] = float(welfare[n])
        row[f"exports_{code}"] = float(100.0 * (exports1[n] / exports0[n] - 1.0))
    for ws in space.win_sets:
        n, j = reference.region_index(ws.region), reference.sectors.index(_sector_code(reference, ws.sector))
        row[f"winset_{ws.party}_{ws.region}_{ws.sector}"] = float(
            100.0 * (eq.output[n, j] / reference.gross_output[n, j] - 1.0)
        )
    row["iterations"] = eq.info.iterations
    return row, np.asarray(eq.state)


def _sector_code(baseline: Baseline, sector: str) -> str:
    from tradetalks.data.products import PRODUCTS

    return PRODUCTS[sector].code if sector in PRODUCTS else baseline.sectors[baseline.sector_index(sector)]


_Chunk = tuple[Baseline, Baseline, DealSpace, list[tuple[str, ...]], list[str], SolverOptions]


def _solve_chunk(args: _Chunk, progress: ProgressFn | None = None) -> list[dict[str, Any]]:
    world, reference, space, packages, onlookers, solver = args
    where = [reference.region_index(r) for r in onlookers]
    rows = []
    starts: dict[int, np.ndarray] = {}
    for package in packages:
        shocks = compile_levers(world, space.levers(package))
        if solver.closure == "balanced" and shocks.deficits is not None:
            raise ShockError(
                f"package {'/'.join(package)}: new deficits cannot be set with closure='balanced' "
                "(deficits are zero)"
            )
        key = len(shocks.constraints)
        row, state = _package_row(world, reference, space, package, shocks, starts.get(key), where, solver)
        starts[key] = state
        rows.append(row)
        if progress is not None:
            progress(f"deal space {space.name}: packages solved", len(rows), len(packages))
    return rows


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
    """

    space: DealSpace
    solved: pd.DataFrame
    disagreement: int
    seconds: float
    provenance: Provenance

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
        alternating-offers outcome once per first proposer (``rubinstein_<party>_first``)."""
        found = self.solutions()
        first = {f"rubinstein_{p}_first": k for p, k in self.alternating_offers().items()}
        ordered = [("nash", found["nash"]), ("kalai_smorodinsky", found["kalai_smorodinsky"])]
        ordered += [
            ("equal_gains", found["equal_gains"]),
            *first.items(),
            ("concession", found["concession"]),
        ]
        rows = {"disagreement": self.disagreement} | {k: v for k, v in ordered if v is not None}
        packages = self.packages()
        shown = [i.name for i in self.space.issues] + [
            c for c in packages.columns if c.startswith(("gain_", "welfare_"))
        ]
        return packages.loc[list(rows.values()), shown].set_axis(list(rows.keys()))

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"packages": self.packages(), "summary": self.summary()}

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
        return Report(title, (Section("", self.summary().T),))


def solve_deal_space(
    baseline: Baseline,
    space: DealSpace,
    *,
    options: DealOptions | None = None,
    horizon: str = LONG,
    closure: str = "fixed",
    solver: SolverOptions | None = None,
    progress: ProgressFn | None = None,
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
        Called after every package solved (with workers: after every worker's share).

    Returns
    -------
    DealTable
        Every package (docs/model.md, eqs. 7.6-7.7) with the bargaining flags (7.8-7.14); packages
        with the same outcome within ``options.tie_tol`` merged into one row.

    Raises
    ------
    OptionsError
        An unknown ``horizon`` or ``closure``.
    """
    opts = options or DealOptions()
    if horizon not in HORIZONS:
        raise OptionsError(f"horizon={horizon!r}; allowed: {', '.join(HORIZONS)}")
    if closure not in CLOSURES:
        raise OptionsError(f"closure={closure!r}; allowed: {', '.join(CLOSURES)}")
    sopts = dataclasses.replace(solver or SolverOptions(), closure=closure)  # type: ignore[arg-type]
    workers, cache_dir = opts.workers, opts.cache_dir
    t0 = time.perf_counter()
    world = at_horizon(space.base.prepare(baseline), horizon)
    reference = balanced_baseline(world, sopts) if closure == "balanced" else world
    onlookers = [r for r in FALLOUT_REGIONS if r in world.regions]
    packages = space.packages()
    cache = _cache_path(cache_dir, reference, space, sopts)
    if cache is not None and cache.exists():
        table = pd.read_csv(cache, keep_default_na=False)
    else:
        chunks = [packages[k::workers] for k in range(max(1, workers))] if workers > 1 else [packages]
        args = [(world, reference, space, chunk, onlookers, sopts) for chunk in chunks]
        if workers > 1:
            report = progress or no_progress
            with ProcessPoolExecutor(max_workers=workers) as pool:
                futures = [pool.submit(_solve_chunk, a) for a in args]
                for k, _ in enumerate(as_completed(futures), start=1):
                    report(f"deal space {space.name}: workers done", k, len(futures))
                parts = [f.result() for f in futures]
        else:
            parts = [_solve_chunk(a, progress) for a in args]
        by_package = {tuple(r[i.name] for i in space.issues): r for part in parts for r in part}
        table = pd.DataFrame([by_package[p] for p in packages])
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            table.to_csv(cache, index=False)
    d_key = tuple(space.disagreement[i.name] for i in space.issues)
    d_index = packages.index(d_key)
    table = _flag(table, space, d_index, opts)
    provenance = Provenance.of(
        world,
        "deals",
        closure=closure,
        options={
            "deals": {k: v for k, v in opts.to_dict().items() if k != "cache_dir"},
            "space": space.name,
            "parties": [g.describe() for g in space.parties],
            "solver": dataclasses.asdict(sopts),
        },
    )
    return DealTable(space, table, d_index, time.perf_counter() - t0, provenance)


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


# ----------------------------------------------------------------------------- files
DEAL_KEYS = (
    "name", "description", "parties", "date", "products", "levers", "issues", "disagreement", "win_sets",
)  # fmt: skip


def parse_deal_space(data: Mapping[str, Any], origin: str) -> DealSpace:
    """Validate a parsed deal-space table (see ``scenarios/deals/*.toml``)."""
    unknown = set(data) - set(DEAL_KEYS)
    if unknown:
        raise ScenarioError(f"{origin}: unknown keys {sorted(unknown)}; allowed: {list(DEAL_KEYS)}")
    parties = data.get("parties", ["USA", "CHN"])
    if len(parties) != 2:
        raise ScenarioError(f"{origin}: 'parties' must name two regions")
    issues = []
    for k, spec in enumerate(data.get("issues", [])):
        options = []
        for m, opt in enumerate(spec.get("options", [])):
            levers = parse_levers(opt.get("levers", []), f"{origin}: issues[{k}].options[{m}].levers")
            options.append(Option(str(opt["name"]), levers))
        if not options:
            raise ScenarioError(f"{origin}: issue {spec.get('name')!r} has no options")
        issues.append(Issue(str(spec["name"]), tuple(options)))
    win_sets = tuple(
        WinSet(str(w["party"]), str(w["region"]), str(w["sector"]), float(w.get("min_output_pct", 0.0)))
        for w in data.get("win_sets", [])
    )
    return DealSpace(
        name=str(data["name"]),
        parties=(Government(str(parties[0])), Government(str(parties[1]))),
        issues=tuple(issues),
        disagreement=dict(data.get("disagreement", {})),
        win_sets=win_sets,
        base=Scenario(
            "base",
            "",
            "",
            parse_levers(data.get("levers", []), f"{origin}: levers"),
            products=tuple(data.get("products", [])),
            date=data.get("date"),
        ),
        description=str(data.get("description", "")),
    )


def builtin_deal_spaces() -> list[str]:
    return builtin_names("deals")


def load_deal_space(name_or_path: str) -> DealSpace:
    """A built-in deal space by name or a deal-space TOML file by path."""
    data, origin = read_toml(name_or_path, "deals", "deal space")
    return parse_deal_space(data, origin)


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
