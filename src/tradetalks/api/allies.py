"""The allies table: the allies' own deals with the US and the US-China deal, on one reference world."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from tradetalks.analyses.allies import ALLY_DEALS, US_CHINA_DEAL, AlliesOptions, AlliesTable, allies_table
from tradetalks.analyses.deal_terms import REFERENCE_DATE
from tradetalks.api.inputs import (
    DATA_YEAR,
    BaselineLike,
    RegionsLike,
    ScenarioLike,
    baseline_of,
    regions_list,
    scenario_of,
)
from tradetalks.api.solve import solve
from tradetalks.data.horizons import HORIZONS, LONG, at_horizon
from tradetalks.errors import OptionsError, ScenarioError
from tradetalks.model import CLOSURES, SolverOptions
from tradetalks.progress import ProgressFn
from tradetalks.results import Provenance, Result
from tradetalks.scenarios import Scenario


def allies(
    allies: RegionsLike = tuple(ALLY_DEALS),
    *,
    us_china: ScenarioLike = US_CHINA_DEAL,
    deals: Mapping[str, ScenarioLike] | None = None,
    baseline: BaselineLike = "default",
    date: str = REFERENCE_DATE,
    elasticities: str | None = None,
    closure: str = "fixed",
    horizon: str = LONG,
    solver: SolverOptions | None = None,
    progress: ProgressFn | None = None,
) -> AlliesTable:
    """Who does America stand with? For each ally: the US-China deal alone, its own deal alone and
    both, solved on one common reference world (docs/allies.md; docs/model.md, section 8.3).

    Parameters
    ----------
    allies : str or sequence of str
        Region codes (``"JPN,KOR"``); default Japan, Korea, Malaysia and the rest of ASEAN.
    us_china : str, path or Scenario
        The US-China deal (default ``us-china-busan-2025``).
    deals : mapping of str to (str, path or Scenario), optional
        Ally -> its own deal; merged over the built-in ones (``us-japan-2025``, ``us-korea-2025``,
        ``us-asean-2025`` for Malaysia and the rest of ASEAN). An ally without a built-in deal
        (``TWN``, ``EU27``) needs one here.
    baseline : str, path or Baseline
        As for :func:`tradetalks.run`.
    date : str
        The common reference: the tariffs in force on this date (default 2025-07-01, before the
        allies' deals took effect); it replaces every scenario's own date. ``"data"``: the data
        year's applied tariffs.
    elasticities, closure, horizon, solver
        As for :func:`tradetalks.run`.
    progress : ProgressFn, optional
        Called after every scenario solved (the US-China deal, each ally's own, each "both").

    Returns
    -------
    AlliesTable
        ``summary()``, ``frame()``, ``interaction()``, ``to_dict()``, ``report()``, ``provenance``.

    Notes
    -----
    "Both" applies the US-China deal's levers, then the ally's. Every scenario is compiled on the
    same prepared world: the products any of them splits out are split for all (a lever naming a
    parent sector then leaves the split product alone).
    """
    if closure not in CLOSURES:
        raise OptionsError(f"closure={closure!r}; allowed: {', '.join(CLOSURES)}")
    if horizon not in HORIZONS:
        raise OptionsError(f"horizon={horizon!r}; allowed: {', '.join(HORIZONS)}")
    names = regions_list(allies, "allies")
    chosen: dict[str, ScenarioLike] = {**ALLY_DEALS, **dict(deals or {})}
    base_scenario = scenario_of(us_china, date)
    missing = [a for a in names if a not in chosen]
    if missing:
        raise ScenarioError(
            f"allies: no deal for {missing}; give deals={{ally: scenario}} (built-in deals: "
            f"{', '.join(f'{a}={s}' for a, s in ALLY_DEALS.items())})"
        )
    own = {a: scenario_of(chosen[a], date) for a in names}
    options = AlliesOptions(
        allies=tuple(names),
        us_china=base_scenario.name,
        deals={a: sc.name for a, sc in own.items()},
    )
    every = [base_scenario, *own.values()]
    products = tuple(dict.fromkeys(p for sc in every for p in sc.products))
    reference = Scenario(
        name="reference",
        title="the common reference",
        article="",
        levers=(),
        products=products,
        date=None if date == DATA_YEAR else date,
    )
    world = at_horizon(reference.prepare(baseline_of(baseline, elasticities=elasticities)), horizon)
    for a in names:
        world.region_index(a)
    opts = dataclasses.replace(solver or SolverOptions(), closure=closure)  # type: ignore[arg-type]
    solved: dict[str, Result] = {}
    total = 1 + 2 * len(names)

    def result(sc: Scenario) -> Result:
        if sc.name not in solved:
            solved[sc.name] = solve(world, sc.compile(world), opts, scenario=sc.name)
        if progress is not None:
            progress("allies: solving the deals", min(len(solved), total), total)
        return solved[sc.name]

    us_china_result = result(base_scenario)
    own_results = {a: result(own[a]) for a in names}
    both_results = {a: result(_both(base_scenario, own[a])) for a in names}
    provenance = Provenance.of(
        world,
        "allies",
        closure=closure,
        options={**options.to_dict(), "solver": dataclasses.asdict(opts)},
    )
    sources = {sc.name: tuple(s.to_dict() for s in sc.sources) for sc in every}
    return allies_table(
        us_china_result, own_results, both_results, options, provenance=provenance, sources=sources
    )


def _both(first: Scenario, second: Scenario) -> Scenario:
    """One scenario with the levers of ``first``, then those of ``second``."""
    if first.name == second.name:
        raise ScenarioError(f"allies: the ally's deal is the US-China deal itself ({first.name!r})")
    return dataclasses.replace(
        first,
        name=f"{first.name}+{second.name}",
        title=f"{first.title}; {second.title}",
        levers=(*first.levers, *second.levers),
        products=tuple(dict.fromkeys((*first.products, *second.products))),
        sources=(*first.sources, *second.sources),
    )
