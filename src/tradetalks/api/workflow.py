"""The workflow: one call per job, taking names, paths or objects and returning result objects.

=============================  ==========================================  =====================
call                           what it does                                returns
=============================  ==========================================  =====================
:func:`run`                    solve a scenario on a dated baseline         :class:`ScenarioRun`
:func:`optimal_tariff`         one government's optimal tariffs by sector   ``OptimalTariffs``
:func:`war`                    a Nash tariff war among players              ``NashWar``
:func:`talks`                  bargaining over two parties' tariffs         ``Talks``
:func:`deals`                  the deal space of multi-issue packages       ``DealTable``
=============================  ==========================================  =====================

Each result has ``summary()``, ``frames()``, ``to_dict()``, ``report()`` and ``provenance``
(:mod:`tradetalks.results.common`); the command line prints exactly these.

Dates: ``date=None`` keeps a scenario's (or deal space's) own date and, for the strategy calls,
the data year's applied tariffs; ``date="data"`` asks for the data year's tariffs; any other
value is a date ``YYYY-MM-DD`` or a preset (``pre-war-2017``, ``geneva-2025``, ...).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path

from tradetalks.analyses.deals import DealTable, solve_deal_space
from tradetalks.analyses.deals_uncertainty import check_draws
from tradetalks.analyses.fallout import fallout as fallout_of
from tradetalks.analyses.intervals import IntervalOptions, scenario_intervals
from tradetalks.analyses.objectives import Government
from tradetalks.analyses.optimal import OptimalTariffs, optimal_tariffs
from tradetalks.analyses.options import DealOptions, OptimizerOptions, TalksOptions, WarOptions
from tradetalks.analyses.strategy_draws import StrategyWorld, talks_draws, war_draws
from tradetalks.analyses.strategy_intervals import StrategyIntervals
from tradetalks.analyses.talks import Talks, bargain
from tradetalks.analyses.uncertainty import Priors
from tradetalks.analyses.war import NashWar, Player, nash_war
from tradetalks.api.inputs import (
    DATA_YEAR,
    BaselineLike,
    DealSpaceLike,
    RegionsLike,
    ScenarioLike,
    baseline_of,
    check_run_options,
    closed,
    dated,
    deal_space_of,
    government_of,
    regions_list,
    scenario_of,
)
from tradetalks.api.run import ScenarioRun
from tradetalks.api.solve import solve
from tradetalks.baseline import Baseline
from tradetalks.data.horizons import HORIZONS, LONG, at_horizon
from tradetalks.data.products import PRODUCTS
from tradetalks.data.splits import split_baseline
from tradetalks.errors import OptionsError, ScenarioError
from tradetalks.model import CLOSURES, Shocks, SolverOptions
from tradetalks.progress import ProgressFn
from tradetalks.results import Provenance, Result

#: ``threat`` value of :func:`talks` that bargains from the parties' Nash tariff war.
WAR = "war"


def run(
    scenario: ScenarioLike = "us-100",
    *,
    baseline: BaselineLike | None = None,
    date: str | None = None,
    elasticities: str | None = None,
    closure: str | None = None,
    mapping: str | Path | Mapping[str, str] | None = None,
    fallout: bool | None = None,
    solver: SolverOptions | None = None,
    horizon: str | None = None,
    alongside: Sequence[str] | None = None,
    draws: int | None = None,
    seed: int | None = None,
    priors: Priors | None = None,
    intervals: str | None = None,
    progress: ProgressFn | None = None,
) -> ScenarioRun:
    """Solve a scenario: load, aggregate, choose elasticities, split products, date, compile, solve.

    Parameters
    ----------
    scenario : str, path or Scenario
        A built-in scenario (``tradetalks scenarios list``) or a scenario file.
    baseline : str, path or Baseline
        A shipped baseline (``default``, ``icio2022-full``), a baseline directory or an object.
    date : str, optional
        Tariffs in force on a date or preset; ``"data"``: the data year's; default: the scenario's.
    elasticities : str, optional
        A published trade-elasticity set (``CP``, ``BSY``, ``FGO``, ``GYY``, ``IS``, ``LL``,
        ``Shap``, ``U4``); default: the baseline's (``CP``).
    closure : {"fixed", "balanced"}
        Deficits held fixed, or the zero-deficit world as reference (docs/model.md, section 2).
    mapping : path or mapping, optional
        Aggregate the baseline's regions first (CSV ``source,target``, TOML or JSON).
    fallout : bool
        Add the fallout on Japan, Korea, Malaysia, the rest of ASEAN, the EU, Brazil and ROW.
    solver : SolverOptions, optional
        Tolerances of the equilibrium solver (its ``closure`` is set from ``closure``).
    horizon : {"short", "medium", "long"}
        The horizon of the result (docs/model.md, section 2.6): trade elasticities, factor
        mobility and critical-product supply of that horizon, on the same prepared baseline.
    alongside : sequence of str, optional
        Other horizons solved next to it (default: the short and long runs that ``horizon`` is
        not; ``()`` for none).
    draws : int
        Monte Carlo over this many parameter draws (docs/uncertainty.md): every output at every
        horizon solved gets its median and 5-95 % range (``run.uncertainty``); 0: none.
    seed : int
        Seed of the draws (draw ``k`` of a seed is the same however many are drawn).
    priors : Priors, optional
        Which parameters vary and how the elasticities are drawn (default: all, log-normal).
    intervals : {"mc", "delta"}, optional
        ``"mc"``: Monte Carlo (needs ``draws``); ``"delta"``: the delta method, from exact
        derivatives and the priors' variances (no draws; tariff and export-tax scenarios, fixed
        closure). Default: Monte Carlo when ``draws > 0``, else no intervals.
    progress : ProgressFn, optional
        Called after every draw (or every horizon of the delta method).

    Notes
    -----
    Every option left ``None`` is taken from the scenario's ``[run]`` table (``scenario.run``),
    else from the defaults above (``default`` baseline, ``fixed`` closure, ``long`` horizon, no
    fallout, no draws, seed 0); an argument given always wins.
    """
    check_run_options(
        scenario=scenario,
        baseline=baseline,
        date=date,
        elasticities=elasticities,
        closure=closure,
        mapping=mapping,
        fallout=fallout,
        horizon=horizon,
        alongside=alongside,
        draws=draws,
        seed=seed,
        intervals=intervals,
        solver=solver,
        priors=priors,
        progress=progress,
    )
    sc = scenario_of(scenario, date)
    given = sc.run
    baseline = baseline if baseline is not None else given.baseline or "default"
    elasticities = elasticities if elasticities is not None else given.elasticities
    closure = closure if closure is not None else given.closure or "fixed"
    mapping = mapping if mapping is not None else given.mapping
    fallout = fallout if fallout is not None else bool(given.fallout)
    horizon = horizon if horizon is not None else given.horizon or LONG
    alongside = alongside if alongside is not None else given.alongside
    intervals = intervals if intervals is not None else given.intervals
    draws = draws if draws is not None else given.draws or 0
    seed = seed if seed is not None else given.seed or 0
    interval_options = IntervalOptions.of(intervals, draws, seed, priors)
    base = baseline_of(baseline, mapping=mapping, elasticities=elasticities)
    others = _alongside(horizon, alongside)
    prepared = sc.prepare(base)
    opts = dataclasses.replace(solver or SolverOptions(), closure=closure)  # type: ignore[arg-type]

    def at(h: str) -> Result:
        world = at_horizon(prepared, h)  # the same world; its horizon's elasticities and capacities
        return solve(world, sc.compile(world), opts, scenario=sc.name)

    result = at(horizon)
    side = {h: at(h) for h in others}
    uncertainty = None
    if interval_options is not None:
        centrals = {horizon: result, **side}
        uncertainty = scenario_intervals(prepared, sc, centrals, interval_options, opts, progress)
    return ScenarioRun(sc, result, fallout_of(result) if fallout else None, side, uncertainty)


def _alongside(horizon: str, alongside: Sequence[str] | None) -> tuple[str, ...]:
    """The horizons shown next to ``horizon``: by default the short and long runs it is not."""
    for h in (horizon, *(alongside or ())):
        if h not in HORIZONS:
            raise OptionsError(f"horizon={h!r}; allowed: {', '.join(HORIZONS)}")
    if alongside is None:
        return tuple(h for h in ("short", LONG) if h != horizon)
    return tuple(dict.fromkeys(h for h in alongside if h != horizon))


def _strategy_baseline(
    baseline: BaselineLike,
    date: str | None,
    elasticities: str | None,
    closure: str,
    horizon: str,
    products: Sequence[str] | str | None = None,
) -> Baseline:
    """The reference world of the strategy calls: loaded, with its elasticities, its ``products``
    split out, dated, closed, at its horizon."""
    if horizon not in HORIZONS:
        raise OptionsError(f"horizon={horizon!r}; allowed: {', '.join(HORIZONS)}")
    return at_horizon(closed(_strategy_source(baseline, date, elasticities, products), closure), horizon)


def _strategy_source(
    baseline: BaselineLike,
    date: str | None,
    elasticities: str | None,
    products: Sequence[str] | str | None = None,
) -> Baseline:
    """The long-run world of the strategy calls before the closure: loaded, with its elasticities,
    its ``products`` split out, dated (what a parameter draw starts from)."""
    base = baseline_of(baseline, elasticities=elasticities)
    if products:
        names = regions_list(products, "products") if isinstance(products, str) else list(products)
        unknown = [p for p in names if p not in PRODUCTS]
        if unknown:
            raise OptionsError(f"products: unknown {', '.join(unknown)}; allowed: {', '.join(PRODUCTS)}")
        base = split_baseline(base, [p for p in names if PRODUCTS[p].code not in base.sectors])
    return dated(base, date)


def _with_draws(result: NashWar | Talks, uncertainty: StrategyIntervals) -> Provenance:
    """``result``'s provenance with the draws in its options."""
    draws = {"draws": uncertainty.draws, "seed": uncertainty.seed} | uncertainty.priors.to_dict()
    return dataclasses.replace(result.provenance, options={**result.provenance.options, "draws": draws})


def _draws_of(draws: int, seed: int) -> int | None:
    """``draws`` of the strategy calls: ``None`` for 0 (no draws), else checked (>= 1, seed >= 0)."""
    if isinstance(draws, int) and not isinstance(draws, bool) and draws == 0:
        return None
    check_draws(draws, seed)
    return draws


def optimal_tariff(
    region: str | Government = "USA",
    against: RegionsLike = "CHN",
    *,
    baseline: BaselineLike = "default",
    date: str | None = None,
    elasticities: str | None = None,
    closure: str = "fixed",
    objective: str = "welfare",
    horizon: str = LONG,
    options: OptimizerOptions | None = None,
    instrument: str = "sector",
    services: bool = False,
    tax: str = "import",
    sectors: Sequence[str] | str | None = None,
    products: Sequence[str] | str | None = None,
    progress: ProgressFn | None = None,
) -> OptimalTariffs:
    """A government's optimal tariffs (or export taxes) on one partner or several (docs/model.md,
    eq. 7.2).

    Parameters
    ----------
    region : str or Government
        The government (a region code, with ``objective``; or a :class:`Government`).
    against : str or sequence of str
        Partner codes (``"CHN"``, ``"CHN,JPN"``), or ``"others"`` for every other region.
    objective : {"welfare", "ossa2014"}
        Pure welfare, or with Ossa (2014)'s political-economy weights.
    baseline, date, elasticities, closure, horizon
        As for :func:`run` (``date=None``: the data year's applied tariffs).
    options : OptimizerOptions, optional
    instrument : {"sector", "uniform", "partner"}
        One rate per sector (default), one rate on everything taxed, or one per partner
        (``partner``: optimal tariffs only).
    services : bool
        Whether services are taxable too (default: goods only).
    tax : {"import", "export"}
        Tariffs on imports from ``against``, or taxes on exports to them.
    sectors : str or sequence of str, optional
        The taxed sector codes (``"C24"``, ``"C24,C26"``; default: goods, or all with ``services``).
    products : str or sequence of str, optional
        Products split out of their sectors first (``"rare-earth-magnets"``: their codes, such as
        ``C27_REM``, can then be taxed on their own).
    progress : ProgressFn, optional
        Called after every iteration (the CLI draws a progress bar on stderr).
    """
    base = _strategy_baseline(baseline, date, elasticities, closure, horizon, products)
    partners = against if against in ("others", "all") else tuple(regions_list(against, "against"))
    taxed = None if sectors is None else tuple(regions_list(sectors, "sectors"))
    return optimal_tariffs(
        base,
        government_of(base, region, objective),
        partners,
        options=options,
        instrument=instrument,
        services=services,
        tax=tax,
        sectors=taxed,
        progress=progress,
    )


def _players(
    base: Baseline, names: Sequence[str], bilateral: bool, objective: str, instrument: str, services: bool
) -> list[Player]:
    return [
        Player(
            government_of(base, n, objective),
            tuple(m for m in names if m != n) if bilateral else "others",
            instrument,
            services,
        )
        for n in names
    ]


def war(
    players: RegionsLike = "USA,CHN",
    *,
    bilateral: bool = False,
    baseline: BaselineLike = "default",
    date: str | None = None,
    elasticities: str | None = None,
    closure: str = "fixed",
    objective: str = "welfare",
    horizon: str = LONG,
    options: WarOptions | None = None,
    instrument: str = "sector",
    services: bool = False,
    progress: ProgressFn | None = None,
    draws: int = 0,
    seed: int = 0,
    priors: Priors | None = None,
    workers: int = 1,
) -> NashWar:
    """A Nash tariff war among ``players`` by iterated best responses (docs/model.md, eq. 7.3).

    Parameters
    ----------
    players : str or sequence of str
        Region codes (``"USA,CHN"``).
    bilateral : bool
        Each player taxes only the other players (default: every other region).
    baseline, date, elasticities, closure, objective, horizon
        As for :func:`optimal_tariff`.
    options : WarOptions, optional
    instrument : {"sector", "uniform", "partner"}
        One rate per sector (default), one rate on everything taxed, or (``partner``: optimal
        tariffs only).
    services : bool
        Whether services are taxable too (default: goods only).
    progress : ProgressFn, optional
        Called after every best response (under draws: after every draw).
    draws : int
        Solve the war again under this many parameter draws (docs/model.md, section 9.6) and give
        the Nash tariffs and everyone's welfare their median and 5-95 % range
        (``uncertainty``); 0: none. Each draw is a full war, about as long as the central one.
    seed : int
        Seed of the draws (draw ``k`` of a seed is the same whatever ``draws`` and ``workers``).
    priors : Priors, optional
        Which parameters vary (default: all of ``data/tables/priors.toml``).
    workers : int
        Processes to spread the draws over (results do not depend on it).
    """
    n_draws = _draws_of(draws, seed)
    base = _strategy_baseline(baseline, date, elasticities, closure, horizon)
    names = regions_list(players, "players")
    war_players = _players(base, names, bilateral, objective, instrument, services)
    central = nash_war(base, war_players, options=options, progress=None if n_draws else progress)
    if n_draws is None:
        return central
    world = StrategyWorld(_strategy_source(baseline, date, elasticities), closure, horizon)
    uncertainty = war_draws(
        world,
        war_players,
        central,
        draws=n_draws,
        seed=seed,
        priors=priors,
        options=options,
        workers=workers,
        progress=progress,
    )
    return dataclasses.replace(central, uncertainty=uncertainty, provenance=_with_draws(central, uncertainty))


def talks(
    parties: RegionsLike = "USA,CHN",
    *,
    threat: ScenarioLike = WAR,
    baseline: BaselineLike = "default",
    date: str | None = None,
    elasticities: str | None = None,
    closure: str = "fixed",
    objective: str = "welfare",
    horizon: str = LONG,
    options: TalksOptions | None = None,
    war_options: WarOptions | None = None,
    instrument: str = "sector",
    services: bool = False,
    progress: ProgressFn | None = None,
    draws: int = 0,
    seed: int = 0,
    priors: Priors | None = None,
    workers: int = 1,
) -> Talks:
    """Two parties bargain over the tariffs they levy on each other (docs/model.md, eqs. 7.4-7.5).

    Parameters
    ----------
    parties : str or sequence of str
        Two region codes.
    threat : str, path or Scenario
        The disagreement point: ``"war"`` (their Nash tariff war, each taxing the other) or a
        scenario (a threatened escalation), solved on the same baseline.
    baseline, date, elasticities, closure, objective, horizon
        As for :func:`optimal_tariff`.
    options : TalksOptions, optional
        The solution concept (``nash`` or ``equal-gains``), bounds and iterations.
    war_options : WarOptions, optional
        Options of the Nash war when ``threat="war"``.
    instrument : {"sector", "uniform"}
        What the parties bargain over: tariffs by sector (default) or one uniform rate each.
    services : bool
        Whether services tariffs are on the table too (default: goods only).
    progress : ProgressFn, optional
        Called after every iteration (and every best response of a war threat; under draws:
        after every draw).
    draws : int
        Bargain again under this many parameter draws (each with its own disagreement point;
        docs/model.md, section 9.6) and give the agreed tariffs, the gains and everyone's welfare
        their median and 5-95 % range (``uncertainty``); 0: none. Each draw is a full war and
        talks solve.
    seed, priors, workers
        As for :func:`war`.
    """
    n_draws = _draws_of(draws, seed)
    names = regions_list(parties, "parties")
    if len(names) != 2:
        raise ScenarioError(f"talks need two parties, got {names}")
    # under draws the progress is the draws'
    draw_progress, progress = (progress, None) if n_draws is not None else (None, progress)
    base = _strategy_baseline(baseline, date, elasticities, closure, LONG)
    threat_scenario = None if isinstance(threat, str) and threat == WAR else scenario_of(threat)
    if threat_scenario is not None:
        base = threat_scenario.prepare(base)  # its products split out and its date, at the long run
    base = at_horizon(base, horizon)
    players = [
        Player(government_of(base, a, objective), (b,), instrument, services) for a, b in (names, names[::-1])
    ]
    war_start: Shocks | None = None
    if threat_scenario is None:
        war_result = nash_war(base, players, options=war_options, progress=progress)
        disagreement: Shocks = war_result.result.equilibrium.shocks
        label, war_start = WAR, disagreement
    else:
        disagreement, label = threat_scenario.compile(base), threat_scenario.name
    central = bargain(base, players, disagreement, options=options, threat=label, progress=progress)
    if n_draws is None:
        return central
    world = StrategyWorld(_strategy_source(baseline, date, elasticities), closure, horizon, threat_scenario)
    uncertainty = talks_draws(
        world,
        players,
        central,
        draws=n_draws,
        seed=seed,
        priors=priors,
        options=options,
        war_options=war_options,
        war_start=war_start,
        workers=workers,
        progress=draw_progress,
    )
    return dataclasses.replace(central, uncertainty=uncertainty, provenance=_with_draws(central, uncertainty))


def deals(
    space: DealSpaceLike = "busan-2025",
    *,
    baseline: BaselineLike = "default",
    date: str | None = None,
    elasticities: str | None = None,
    closure: str = "fixed",
    mapping: str | Path | Mapping[str, str] | None = None,
    horizon: str = LONG,
    solver: SolverOptions | None = None,
    options: DealOptions | None = None,
    progress: ProgressFn | None = None,
    draws: int = 0,
    seed: int = 0,
    priors: Priors | None = None,
) -> DealTable:
    """Solve every package of a deal space and bargain over them (docs/model.md, sections 7.5-7.6).

    Parameters
    ----------
    space : str, path or DealSpace
        A built-in deal space (``busan-2025``) or a deal-space file.
    date : str, optional
        Override the space's tariff date (``"data"``: the data year's tariffs).
    baseline, elasticities, closure, mapping, solver, horizon
        As for :func:`run` (the packages are solved at ``horizon`` on the space's prepared
        baseline; with ``mapping`` the parties and the win-sets' regions must be regions of the
        aggregated baseline, and onlookers it merges away are not reported).
    options : DealOptions, optional
        Workers, discount factors of the alternating-offers game, the tolerance below which two
        outcomes are the same, a cache folder.
    progress : ProgressFn, optional
        Called after every package solved (then after every draw).
    draws : int
        Solve every package again under this many parameter draws (docs/model.md, section 9.6):
        the probability that a zone of agreement exists, each package's probability of being each
        bargaining solution, the most robust package and the range of every package's payoffs
        (``uncertainty``); 0: none. The draws run on ``options.workers`` processes.
    seed : int
        Seed of the draws (draw ``k`` of a seed is the same whatever ``draws`` and the workers).
    priors : Priors, optional
        Which parameters vary (default: all of ``data/tables/priors.toml``).
    """
    if horizon not in HORIZONS:
        raise OptionsError(f"horizon={horizon!r}; allowed: {', '.join(HORIZONS)}")
    if closure not in CLOSURES:
        raise OptionsError(f"closure={closure!r}; allowed: {', '.join(CLOSURES)}")
    n_draws = _draws_of(draws, seed)
    base = baseline_of(baseline, mapping=mapping, elasticities=elasticities)
    return solve_deal_space(
        base,
        deal_space_of(space, date),
        options=options,
        horizon=horizon,
        closure=closure,
        solver=solver,
        progress=progress,
        draws=n_draws,
        seed=seed,
        priors=priors,
    )


__all__ = ["DATA_YEAR", "WAR", "deals", "optimal_tariff", "run", "talks", "war"]
