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

Many packages of one world are solved in batches, from the disagreement package's state, with one
Newton preconditioner of the equilibrium map (docs/model.md, eq. 9.8; :func:`tradetalks.model.solve_warm`,
:mod:`tradetalks.analyses.deal_solve`), in fixed blocks so that the table does not depend on the
number of workers. Under parameter draws
(``solve_deal_space(..., draws=N)``; docs/model.md, section 9.6) every package is solved again on
each draw's world and the flags are computed on each draw's table
(:class:`~tradetalks.analyses.deals_uncertainty.DealUncertainty`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradetalks._atomic import atomic_write
from tradetalks.analyses.deal_flags import SOLUTIONS, flag, merge_equal
from tradetalks.analyses.deal_solve import (
    PackageMeasures,
    _Job,
    deal_space_draws,
    package_shocks,
    solve_block,
    solve_packages,
    worth_preconditioning,
)
from tradetalks.analyses.deal_space import (
    DealSpace,
    Issue,
    Option,
    WinSet,
    load_deal_space,
    parse_deal_space,
)
from tradetalks.analyses.deals_uncertainty import DealUncertainty, check_draws
from tradetalks.analyses.fallout import FALLOUT_REGIONS
from tradetalks.analyses.options import DealOptions
from tradetalks.analyses.uncertainty import Priors
from tradetalks.baseline import Baseline
from tradetalks.data.horizons import HORIZONS, LONG, at_horizon
from tradetalks.errors import OptionsError
from tradetalks.model import CLOSURES, Preconditioner, SolverOptions, balanced_baseline
from tradetalks.model.batch_warm import measure_preconditioner_batched
from tradetalks.progress import ProgressFn
from tradetalks.results import Provenance, Report, Section, baseline_sha256, json_safe
from tradetalks.results.common import pct, records

log = logging.getLogger(__name__)


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
        Called after every block of packages solved, then after every draw.
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
        first = solve_block(lone, [d_key])[0][1]
        solves = len(packages) * (1 + (draws or 0))
        if sopts.method == "anderson" and worth_preconditioning(reference, solves):
            d_shocks = package_shocks(world, space, d_key, space.levers(d_key), closure)
            preconditioner = measure_preconditioner_batched(reference, d_shocks, first)
        job = _Job(world, reference, space, onlookers, sopts, preconditioner, first)
        rows, states = solve_packages(job, packages, workers, progress)
        table = pd.DataFrame(rows)
        if cache is not None:
            # whole or not at all: a run killed while writing must not leave a truncated cache
            atomic_write(cache, table.to_csv(index=False))
    table = flag(table, space, d_index, opts)
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
    "PackageMeasures",
    "WinSet",
    "load_deal_space",
    "merge_equal",
    "parse_deal_space",
    "solve_deal_space",
]
