"""What the dashboard's API accepts: the bodies of ``POST /api/runs`` and ``POST /api/deals``, and
the choices ``GET /api/meta`` lists.

Every field is checked before a job is queued: a bad value answers 422 with the field's name and
the allowed values (pydantic's ``detail`` list, ``loc`` ending in the field). The web accepts only
shipped baselines and built-in scenario and deal-space names (or a scenario table), never a path.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tradetalks.analyses.deal_space import builtin_deal_spaces, load_deal_space
from tradetalks.data.catalog import shipped_baselines
from tradetalks.data.horizons import HORIZONS
from tradetalks.data.icio import ELASTICITY_SETS
from tradetalks.data.tariffs.dated import PRESETS, resolve_date
from tradetalks.data.tariffs.measures import FIRST_DATE, LAST_DATE
from tradetalks.errors import TradetalksError
from tradetalks.model import CLOSURES
from tradetalks.scenarios import builtin_names, load_scenario, parse_scenario

#: Most parameter draws a dashboard job may ask for.
MAX_DRAWS = 500
#: ``date`` value for the data year's own tariffs.
DATA_DATE = "data"


def _one_of(name: str, value: str, allowed: tuple[str, ...] | list[str]) -> str:
    if value not in allowed:
        raise ValueError(f"{name}={value!r}; allowed: {', '.join(allowed)}")
    return value


class _Options(BaseModel):
    """Options shared by runs and deal spaces."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    baseline: str = Field("default", description="a shipped baseline", examples=["default"])
    date: str | None = Field(
        None,
        description=f"tariffs in force on a date YYYY-MM-DD ({FIRST_DATE} to {LAST_DATE}), a preset, or "
        "'data'; default: the scenario's (or deal space's) own date",
        examples=["pre-summit-2025-10-15"],
    )
    horizon: str = Field("long", description="short, medium or long", examples=["long"])
    elasticities: str | None = Field(None, description="a published trade-elasticity set (default CP)")
    closure: str = Field("fixed", description="fixed or balanced")
    draws: int = Field(0, ge=0, le=MAX_DRAWS, description="parameter draws for intervals (0: none)")
    seed: int = Field(0, ge=0, description="seed of the draws")

    @field_validator("baseline")
    @classmethod
    def _baseline(cls, v: str) -> str:
        return _one_of("baseline", v, list(shipped_baselines()))

    @field_validator("date")
    @classmethod
    def _date(cls, v: str | None) -> str | None:
        if v is None or v == DATA_DATE:
            return v
        try:
            resolve_date(v)
        except TradetalksError as exc:
            raise ValueError(" ".join(str(exc).split())) from None
        return v

    @field_validator("horizon")
    @classmethod
    def _horizon(cls, v: str) -> str:
        return _one_of("horizon", v, HORIZONS)

    @field_validator("elasticities")
    @classmethod
    def _elasticities(cls, v: str | None) -> str | None:
        return None if v is None else _one_of("elasticities", v, list(ELASTICITY_SETS))

    @field_validator("closure")
    @classmethod
    def _closure(cls, v: str) -> str:
        return _one_of("closure", v, CLOSURES)


class RunRequest(_Options):
    """The body of ``POST /api/runs``: a scenario and the options of ``tradetalks.run``."""

    scenario: str | dict[str, Any] = Field(
        "us-100", description="a built-in scenario's name, or a scenario table (as GET /api/scenarios/{name})"
    )
    alongside: list[str] | None = Field(
        None, description="other horizons solved beside it (default: the short and long runs it is not)"
    )
    fallout: bool = Field(False, description="add the fallout on Japan, Korea, Malaysia, ASEAN, ...")

    @field_validator("scenario")
    @classmethod
    def _scenario(cls, v: str | dict[str, Any]) -> str | dict[str, Any]:
        if isinstance(v, str):
            return _one_of("scenario", v, builtin_names())
        try:
            parse_scenario(v, "scenario")
        except TradetalksError as exc:
            raise ValueError(" ".join(str(exc).split())) from None
        return v

    @field_validator("alongside")
    @classmethod
    def _alongside(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else [_one_of("alongside", h, HORIZONS) for h in v]

    def title(self) -> str:
        """The scenario's title (its name when it has none)."""
        if isinstance(self.scenario, str):
            sc = load_scenario(self.scenario)
        else:
            sc = parse_scenario(self.scenario, "scenario")
        return sc.title or sc.name


class DealsRequest(_Options):
    """The body of ``POST /api/deals``: a built-in deal space and the options of ``tradetalks.deals``."""

    space: str = Field("busan-2025", description="a built-in deal space")

    @field_validator("space")
    @classmethod
    def _space(cls, v: str) -> str:
        return _one_of("space", v, builtin_deal_spaces())


@lru_cache(maxsize=1)
def meta() -> dict[str, Any]:
    """The choices of the dashboard's forms (``GET /api/meta``)."""
    from tradetalks._version import __version__

    scenarios = []
    for name in builtin_names():
        sc = load_scenario(name)
        scenarios.append({"name": name, "title": sc.title, "article": sc.article, "date": sc.date})
    spaces = []
    for name in builtin_deal_spaces():
        ds = load_deal_space(name)
        spaces.append({"name": name, "description": " ".join(ds.description.split())})
    return {
        "version": __version__,
        "baselines": [{"name": k, "description": v} for k, v in shipped_baselines().items()],
        "default_baseline": "default",
        "dates": {
            "presets": [{"name": k, "date": v} for k, v in PRESETS.items()],
            "data": DATA_DATE,
            "first": FIRST_DATE,
            "last": LAST_DATE,
            "default": None,
        },
        "horizons": list(HORIZONS),
        "default_horizon": "long",
        "elasticities": [{"name": k, "source": v} for k, v in ELASTICITY_SETS.items()],
        "default_elasticities": "CP",
        "closures": list(CLOSURES),
        "default_closure": "fixed",
        "max_draws": MAX_DRAWS,
        "scenarios": scenarios,
        "deal_spaces": spaces,
    }


def scenario_table(name: str) -> Mapping[str, Any]:
    """A built-in scenario as its table (``Scenario.to_dict()``)."""
    table: Mapping[str, Any] = load_scenario(_one_of("scenario", name, builtin_names())).to_dict()
    return table
