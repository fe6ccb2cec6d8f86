"""The deal space of multi-issue packages, solved once each, with bargaining on top.

A deal space (docs/model.md, sections 7.5-7.6) has issues, each with options (each option a list of levers,
as in scenario files). A package picks one option per issue; every package is an equilibrium,
solved once and cached. The two parties' payoffs (their governments' objectives, relative to
the prepared baseline) against the disagreement package give the Pareto frontier, the zone of
possible agreement, the Nash, Kalai-Smorodinsky and equal-gains packages and the outcome of
alternating offers (:mod:`tradetalks.analyses.bargaining`). Domestic ratification constraints
(Putnam 1988 win-sets, such as "US soybean output may not fall") filter the packages a
party can sign. The onlookers' welfare and exports come with every package.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
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
from tradetalks.data.horizons import LONG, at_horizon
from tradetalks.errors import ScenarioError, TradetalksError
from tradetalks.levers import Lever, compile_levers, parse_levers
from tradetalks.model import Shocks, solve_equilibrium
from tradetalks.results import Provenance, Report, Result, Section, baseline_sha256, json_safe
from tradetalks.results.common import pct, records
from tradetalks.scenarios import Scenario, builtin_names, read_toml

log = logging.getLogger(__name__)

#: Bargaining outcomes flagged in the deal table.
SOLUTIONS = ("nash", "kalai_smorodinsky", "equal_gains", "rubinstein", "concession")


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
    baseline: Baseline,
    space: DealSpace,
    package: tuple[str, ...],
    shocks: Shocks,
    start: np.ndarray | None,
    onlookers: Sequence[int],
) -> tuple[dict[str, Any], np.ndarray]:
    try:
        eq = solve_equilibrium(baseline, shocks, start=start)
    except (ValueError, TradetalksError):
        eq = solve_equilibrium(baseline, shocks)
    result = Result(scenario="/".join(package), equilibrium=eq, source=baseline, closure="fixed")
    row: dict[str, Any] = {issue.name: opt for issue, opt in zip(space.issues, package, strict=True)}
    for gov in space.parties:
        row[f"payoff_{gov.region}"] = gov.value(result)
    welfare = 100.0 * (result.welfare_hat - 1.0)
    idx = np.arange(baseline.n_regions)
    exports0 = baseline.flows.sum(axis=(0, 2)) - baseline.flows[idx, idx, :].sum(axis=1)
    exports1 = eq.flows.sum(axis=(0, 2)) - eq.flows[idx, idx, :].sum(axis=1)
    for n in onlookers:
        code = baseline.regions[n]
        row[f"welfare_{code}"] = float(welfare[n])
        row[f"exports_{code}"] = float(100.0 * (exports1[n] / exports0[n] - 1.0))
    for ws in space.win_sets:
        n, j = baseline.region_index(ws.region), baseline.sectors.index(_sector_code(baseline, ws.sector))
        row[f"winset_{ws.party}_{ws.region}_{ws.sector}"] = float(
            100.0 * (eq.output[n, j] / baseline.gross_output[n, j] - 1.0)
        )
    row["iterations"] = eq.info.iterations
    return row, np.asarray(eq.state)


def _sector_code(baseline: Baseline, sector: str) -> str:
    from tradetalks.data.products import PRODUCTS

    return PRODUCTS[sector].code if sector in PRODUCTS else baseline.sectors[baseline.sector_index(sector)]


def _solve_chunk(args: tuple[Baseline, DealSpace, list[tuple[str, ...]], list[str]]) -> list[dict[str, Any]]:
    baseline, space, packages, onlookers = args
    where = [baseline.region_index(r) for r in onlookers]
    rows = []
    starts: dict[int, np.ndarray] = {}
    for package in packages:
        shocks = compile_levers(baseline, space.levers(package))
        key = len(shocks.constraints)
        row, state = _package_row(baseline, space, package, shocks, starts.get(key), where)
        starts[key] = state
        rows.append(row)
    return rows


@dataclass(frozen=True, eq=False)
class DealTable:
    """Every package with both payoffs, the onlookers' outcomes and the bargaining flags.

    ``table`` is the solved table as the analysis computes it: ``payoff_<party>`` and
    ``gain_<party>`` in log points of the party's objective, ``welfare_<region>``,
    ``exports_<region>`` and ``winset_*`` in percent. :meth:`frames`, :meth:`summary` and
    :meth:`to_dict` give the same numbers in uniform units (every percent named ``*_pct``).
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

    def solutions(self) -> dict[str, int | None]:
        """Index of the Nash, Kalai-Smorodinsky, equal-gains, Rubinstein and concession packages."""
        t = self.solved
        return {
            k: (None if not bool(t[k].any()) else int(np.flatnonzero(t[k].to_numpy())[0])) for k in SOLUTIONS
        }

    @property
    def rounds(self) -> dict[str, int]:
        """Round at which the alternating-offers games agree (Rubinstein: 0 in equilibrium)."""
        return dict(self.solved.attrs.get("rounds", {}))

    def packages(self) -> pd.DataFrame:
        """Every package in uniform units, one row each (index: the package number).

        Columns: the option of each issue; ``payoff_<party>_pct`` (the party's objective against
        the baseline) and ``gain_<party>_pct`` (against the disagreement package), both as percent
        of real income, equivalent (``100 (exp(G) - 1)``); the onlookers' ``welfare_<region>_pct``
        and ``exports_<region>_pct``; ``winset_<...>_output_pct``; the flags ``ratified``,
        ``frontier``, ``zopa`` and one per solution concept; solver ``iterations``.
        """
        t = self.solved
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
        for col in ("ratified", "frontier", "zopa", *SOLUTIONS, "iterations"):
            out[col] = t[col]
        return out.rename_axis("package")

    def summary(self) -> pd.DataFrame:
        """The disagreement package and the solutions, one row each (uniform units)."""
        rows = {"disagreement": self.disagreement} | {
            k: v for k, v in self.solutions().items() if v is not None
        }
        shown = [i.name for i in self.space.issues] + [
            c for c in self.packages().columns if c.startswith(("gain_", "welfare_"))
        ]
        return self.packages().loc[list(rows.values()), shown].set_axis(list(rows.keys()))

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"packages": self.packages(), "summary": self.summary()}

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: every package's payoffs and the frontier, ZOPA and solution flags."""
        out: dict[str, Any] = json_safe(
            {
                "deal_space": self.space.name,
                "parties": list(self.parties),
                "disagreement": self.disagreement,
                "solutions": self.solutions(),
                "agreement_rounds": self.rounds,
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
        t = self.solved
        title = (
            f"deal space {self.space.name}: {len(t)} packages, {int(t['frontier'].sum())} on the frontier, "
            f"{int(t['zopa'].sum())} in the zone of agreement, {int((~t['ratified']).sum())} fail "
            f"ratification; {self.seconds:.1f} s; alternating offers agree in round "
            f"{self.rounds.get('rubinstein', '-')} (Rubinstein), "
            f"{self.rounds.get('concession', '-')} (concession)\n{self.provenance.describe()}\n"
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
) -> DealTable:
    """Solve every package of ``space`` on ``baseline`` (prepared by ``space.base``) and bargain.

    Parameters
    ----------
    options : DealOptions, optional
        Workers (results do not depend on them), the discount factors of the alternating-offers
        game and a folder to cache the solved table in.
    horizon : {"short", "medium", "long"}
        The horizon the packages are solved at, on the space's prepared (split, dated) baseline.
    """
    opts = options or DealOptions()
    workers, discount, cache_dir = opts.workers, opts.discount, opts.cache_dir
    t0 = time.perf_counter()
    prepared = at_horizon(space.base.prepare(baseline), horizon)
    onlookers = [r for r in FALLOUT_REGIONS if r in prepared.regions]
    packages = space.packages()
    cache = _cache_path(cache_dir, prepared, space)
    if cache is not None and cache.exists():
        table = pd.read_csv(cache, keep_default_na=False)
    else:
        chunks = [packages[k::workers] for k in range(max(1, workers))] if workers > 1 else [packages]
        args = [(prepared, space, chunk, onlookers) for chunk in chunks]
        if workers > 1:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                parts = list(pool.map(_solve_chunk, args))
        else:
            parts = [_solve_chunk(a) for a in args]
        by_package = {tuple(r[i.name] for i in space.issues): r for part in parts for r in part}
        table = pd.DataFrame([by_package[p] for p in packages])
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            table.to_csv(cache, index=False)
    d_key = tuple(space.disagreement[i.name] for i in space.issues)
    d_index = packages.index(d_key)
    table = _flag(table, space, d_index, discount)
    provenance = Provenance.of(
        prepared,
        "deals",
        options={
            "deals": {k: v for k, v in opts.to_dict().items() if k != "cache_dir"},
            "space": space.name,
            "parties": [g.describe() for g in space.parties],
        },
    )
    return DealTable(space, table, d_index, time.perf_counter() - t0, provenance)


def _flag(table: pd.DataFrame, space: DealSpace, d_index: int, discount: tuple[float, float]) -> pd.DataFrame:
    a, b = (g.region for g in space.parties)
    u = table[[f"payoff_{a}", f"payoff_{b}"]].to_numpy(dtype=np.float64)
    d = u[d_index]
    ratified = np.ones(len(table), dtype=bool)
    for ws in space.win_sets:
        ratified &= table[f"winset_{ws.party}_{ws.region}_{ws.sector}"].to_numpy() >= ws.min_output_pct - 1e-9
    out = table.copy()
    out[f"gain_{a}"] = u[:, 0] - d[0]
    out[f"gain_{b}"] = u[:, 1] - d[1]
    out["ratified"] = ratified
    out["frontier"] = False
    out.loc[ratified, "frontier"] = bg.pareto_frontier(u[ratified])
    out["zopa"] = bg.zopa(u, d) & ratified
    for name in SOLUTIONS:
        out[name] = False
    idx = np.flatnonzero(ratified)
    rounds: dict[str, int] = {}
    if idx.size:
        sub = u[idx]
        rub = bg.rubinstein(sub, d, discount=discount)
        con = bg.concession(sub, d)
        picks = {
            "nash": bg.nash_solution(sub, d),
            "kalai_smorodinsky": bg.kalai_smorodinsky(sub, d),
            "equal_gains": bg.equal_gains(sub, d),
            "rubinstein": rub.package,
            "concession": con.package,
        }
        rounds = {"rubinstein": rub.round, "concession": con.round}
        for name, k in picks.items():
            if k is not None:
                out.loc[out.index[idx[k]], name] = True
    out.attrs["rounds"] = rounds
    return out


def _cache_path(cache_dir: str | Path | None, baseline: Baseline, space: DealSpace) -> Path | None:
    if cache_dir is None:
        return None
    h = hashlib.sha256(baseline_sha256(baseline).encode())
    h.update(repr((space.name, space.parties, space.issues, space.win_sets)).encode())
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
    "parse_deal_space",
    "solve_deal_space",
]
