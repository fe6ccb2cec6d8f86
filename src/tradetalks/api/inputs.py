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

from tradetalks.analyses.deal_space import DealSpace, load_deal_space
from tradetalks.analyses.objectives import OBJECTIVE_PRESETS, Government, government
from tradetalks.baseline import Baseline
from tradetalks.calibration import dated_baseline
from tradetalks.data.aggregate import aggregate_regions, read_mapping
from tradetalks.data.catalog import load_baseline
from tradetalks.errors import OptionsError, ScenarioError
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
