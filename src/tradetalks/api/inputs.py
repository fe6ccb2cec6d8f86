"""What the workflow calls accept: names, paths or objects, resolved into the package's types.

Every call of :mod:`tradetalks.api.workflow` takes a baseline as a shipped name, a directory or a
:class:`~tradetalks.baseline.Baseline`; a scenario as a built-in name, a ``.toml`` path or a
:class:`~tradetalks.scenarios.Scenario`; regions as ``"USA,CHN"`` or a sequence of codes. This
module turns them into objects, in one place, with errors that name the field.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tradetalks.analyses.deal_space import DealSpace, load_deal_space
from tradetalks.analyses.objectives import OBJECTIVE_PRESETS, Government, government
from tradetalks.baseline import Baseline
from tradetalks.calibration import dated_baseline
from tradetalks.data.aggregate import aggregate_regions, read_mapping
from tradetalks.data.catalog import load_baseline
from tradetalks.data.horizons import HORIZONS
from tradetalks.data.icio import ELASTICITY_SETS
from tradetalks.errors import DataError, OptionsError, ScenarioError
from tradetalks.model import CLOSURES, balanced_baseline
from tradetalks.scenarios import Scenario, load_scenario

BaselineLike = str | Path | Baseline
ScenarioLike = str | Path | Scenario
DealSpaceLike = str | Path | DealSpace
RegionsLike = str | Sequence[str]
#: The ``date`` value that asks for the data year's applied tariffs (no dated layers).
DATA_YEAR = "data"


def regions_list(value: RegionsLike, field: str) -> list[str]:
    """``"USA,CHN"`` or ``["USA", "CHN"]`` as a list of codes (not yet checked against a baseline)."""
    items = value.split(",") if isinstance(value, str) else list(value)
    out = [str(v).strip() for v in items if str(v).strip()]
    if not out:
        raise ScenarioError(f"{field}: no region given (a comma-separated list of region codes)")
    return out


def baseline_of(
    baseline: BaselineLike,
    *,
    mapping: str | Path | Mapping[str, str] | None = None,
    elasticities: str | None = None,
) -> Baseline:
    """A baseline by name, directory or object, aggregated by ``mapping`` and with an elasticity set."""
    if elasticities is not None:
        _choice(elasticities, "elasticities", tuple(ELASTICITY_SETS))
    base = baseline if isinstance(baseline, Baseline) else load_baseline(baseline)
    if mapping is not None:
        table = read_mapping(mapping) if isinstance(mapping, str | Path) else dict(mapping)
        label = mapping if isinstance(mapping, str | Path) else "mapping"
        base = aggregate_regions(base, table, name=f"{base.name}@{label}")
    if elasticities is not None:
        base = base.with_elasticities(elasticities)
    return base


def scenario_of(scenario: ScenarioLike, date: str | None = None) -> Scenario:
    """A scenario by name, path or object; ``date`` overrides its own (``"data"``: none)."""
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(str(scenario))
    if date is not None:
        sc = dataclasses.replace(sc, date=None if date == DATA_YEAR else date)
    return sc


def deal_space_of(space: DealSpaceLike, date: str | None = None) -> DealSpace:
    """A deal space by name, path or object; ``date`` overrides its own (``"data"``: none)."""
    ds = space if isinstance(space, DealSpace) else load_deal_space(str(space))
    if date is not None:
        ds = dataclasses.replace(
            ds, base=dataclasses.replace(ds.base, date=None if date == DATA_YEAR else date)
        )
    return ds


def dated(baseline: Baseline, date: str | None) -> Baseline:
    """``baseline`` on the tariffs of ``date`` (``None`` or ``"data"``: the data year's)."""
    if date is None or date == DATA_YEAR:
        return baseline
    return dated_baseline(baseline, date)


def closed(baseline: Baseline, closure: str) -> Baseline:
    """The reference world of a closure: the baseline itself (``fixed``) or its zero-deficit world."""
    if closure not in CLOSURES:
        raise OptionsError(f"closure={closure!r}; allowed: {', '.join(CLOSURES)}")
    return balanced_baseline(baseline) if closure == "balanced" else baseline


def government_of(baseline: Baseline, region: str | Government, objective: str) -> Government:
    """A government of ``region`` with a named objective (``welfare``, ``ossa2014``)."""
    if isinstance(region, Government):
        return region
    baseline.region_index(region)
    if objective not in OBJECTIVE_PRESETS:
        raise OptionsError(f"objective={objective!r}; allowed: {', '.join(OBJECTIVE_PRESETS)}")
    return government(baseline, region, objective)


def _whole(value: object, field: str, low: int, what: str) -> None:
    """Raise unless ``value`` is a whole number (not a boolean) ``>= low``."""
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise OptionsError(f"{field}={value!r}; allowed: a whole number >= {low} ({what})")


def _choice(value: object, field: str, allowed: Sequence[str]) -> None:
    if not isinstance(value, str) or value not in allowed:
        raise OptionsError(f"{field}={value!r}; allowed: {', '.join(allowed)}")


def check_date(date: object, field: str = "date") -> None:
    """Raise :class:`OptionsError` unless ``date`` is ``"data"``, a preset or a date in the schedule."""
    if date == DATA_YEAR:
        return
    if not isinstance(date, str):
        raise OptionsError(f"{field}={date!r}; allowed: a date YYYY-MM-DD, a preset or {DATA_YEAR!r}")
    from tradetalks.data.tariffs.dated import resolve_date

    try:
        resolve_date(date)
    except DataError as exc:
        raise OptionsError(f"{field}={date!r}: {exc}; or {DATA_YEAR!r}") from None


def check_run_options(
    *,
    scenario: object = "us-100",
    baseline: object = None,
    date: object = None,
    elasticities: object = None,
    closure: object = None,
    mapping: object = None,
    fallout: object = None,
    horizon: object = None,
    alongside: object = None,
    draws: object = None,
    seed: object = None,
    intervals: object = None,
    **others: Any,
) -> None:
    """Check the arguments of :func:`tradetalks.run` before anything is loaded or solved.

    Each argument is checked on its own (``None`` is "not given", as in :func:`tradetalks.run`),
    then the pairs that must agree (``intervals="mc"`` needs ``draws``; ``"delta"`` takes none).
    Scenario names and files, baselines and mapping files are looked up by the loaders, which
    name them when they are missing.

    Raises
    ------
    OptionsError
        Naming the argument, the value given and what is allowed.
    """
    for key in others:
        if key not in ("solver", "priors", "progress"):
            raise OptionsError(
                f"{key}: unknown argument of tradetalks.run; allowed: scenario, baseline, date, "
                "elasticities, closure, mapping, fallout, solver, horizon, alongside, draws, seed, "
                "priors, intervals, progress"
            )
    if not isinstance(scenario, str | Path | Scenario) or (
        isinstance(scenario, str) and not scenario.strip()
    ):
        raise OptionsError(
            f"scenario={scenario!r}; allowed: a built-in name, the path of a .toml file or a Scenario"
        )
    if baseline is not None and (
        not isinstance(baseline, str | Path | Baseline)
        or (isinstance(baseline, str) and not baseline.strip())
    ):
        raise OptionsError(
            f"baseline={baseline!r}; allowed: a shipped baseline name, a baseline directory or a Baseline"
        )
    if date is not None:
        check_date(date)
    if elasticities is not None:
        _choice(elasticities, "elasticities", tuple(ELASTICITY_SETS))
    if closure is not None:
        _choice(closure, "closure", CLOSURES)
    if mapping is not None and not isinstance(mapping, str | Path | Mapping):
        raise OptionsError(f"mapping={mapping!r}; allowed: a mapping file path or a table region -> group")
    if fallout is not None and not isinstance(fallout, bool):
        raise OptionsError(f"fallout={fallout!r}; allowed: True or False")
    if horizon is not None:
        _choice(horizon, "horizon", HORIZONS)
    if alongside is not None:
        if isinstance(alongside, str) or not isinstance(alongside, Sequence):
            raise OptionsError(
                f"alongside={alongside!r}; allowed: a list of horizons ({', '.join(HORIZONS)})"
            )
        for h in alongside:
            _choice(h, "alongside", HORIZONS)
    if draws is not None:
        _whole(draws, "draws", 0, "the number of parameter draws; 0: none")
    if seed is not None:
        _whole(seed, "seed", 0, "the seed of the draws")
    if intervals is not None:
        _choice(intervals, "intervals", ("mc", "delta"))
        if intervals == "mc" and not draws:
            raise OptionsError("intervals='mc' needs draws >= 1 (the number of parameter draws)")
        if intervals == "delta" and draws:
            raise OptionsError(f"draws={draws!r}: the delta method takes no draws (intervals='delta')")
