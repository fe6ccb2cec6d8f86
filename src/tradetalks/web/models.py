"""What the dashboard's API accepts: the bodies of ``POST /api/runs`` and ``POST /api/deals``, and
the choices ``GET /api/meta`` lists.

Every field is checked before a job is queued: a bad value answers 422 with the field's name and
the allowed values (pydantic's ``detail`` list, ``loc`` ending in the field). The web accepts only
shipped baselines and built-in scenario and deal-space names (or a scenario table), never a path.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Literal

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
#: A job id as the API names it (16 lowercase hexadecimal digits).
JOB_ID_PATTERN = r"^[0-9a-f]{16}$"
#: Deepest nesting of a scenario table sent to the API (a real one nests 4 levels).
MAX_DEPTH = 12

log = logging.getLogger(__name__)


def _plain_table(value: Any, depth: int = 0) -> None:
    """Refuse a table nested deeper than :data:`MAX_DEPTH` or holding a number that is not finite."""
    if depth > MAX_DEPTH:
        raise ValueError(f"scenario: nested deeper than {MAX_DEPTH} levels; allowed: a scenario table")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"scenario: the number {value!r} is not finite; allowed: finite numbers")
    if isinstance(value, Mapping):
        for v in value.values():
            _plain_table(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            _plain_table(v, depth + 1)


def _parsed(table: Mapping[str, Any]) -> Any:
    """The table parsed into a Scenario; any error as a ValueError naming the scenario."""
    _plain_table(table)
    try:
        return parse_scenario(table, "scenario")
    except TradetalksError as exc:
        raise ValueError(" ".join(str(exc).split())) from None
    except (TypeError, KeyError, AttributeError, ValueError) as exc:  # a table of the wrong shape
        log.info("scenario table refused: %s: %s", type(exc).__name__, exc)
        raise ValueError(f"scenario: not a valid scenario table ({type(exc).__name__}: {exc})") from None


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
        except (TypeError, ValueError, OverflowError) as exc:  # a date of the wrong form
            raise ValueError(
                f"date={v!r}: not a date YYYY-MM-DD, a preset or {DATA_DATE!r} ({exc})"
            ) from None
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
        _parsed(v)
        return v

    @field_validator("alongside")
    @classmethod
    def _alongside(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else [_one_of("alongside", h, HORIZONS) for h in v]

    def title(self) -> str:
        """The scenario's title (its name when it has none)."""
        sc = load_scenario(self.scenario) if isinstance(self.scenario, str) else _parsed(self.scenario)
        return str(sc.title or sc.name)


class DealsRequest(_Options):
    """The body of ``POST /api/deals``: a built-in deal space and the options of ``tradetalks.deals``."""

    space: str = Field("busan-2025", description="a built-in deal space")

    @field_validator("space")
    @classmethod
    def _space(cls, v: str) -> str:
        return _one_of("space", v, builtin_deal_spaces())


class ErrorDetail(BaseModel):
    """A refused request: ``detail`` says which field, header or limit, and what is allowed."""

    detail: str


class JobInfo(BaseModel):
    """A job as the API shows it (``GET /api/jobs/{job_id}``)."""

    id: str = Field(pattern=JOB_ID_PATTERN, description="16 hexadecimal digits")
    kind: Literal["run", "deals"]
    request: dict[str, Any] = Field(description="the request's body, as validated")
    status: Literal["queued", "running", "done", "failed"]
    progress: float = Field(ge=0.0, le=1.0)
    message: str
    error: str | None = Field(description="why the job failed (None unless failed)")
    title: str
    created: float = Field(description="seconds since the epoch")
    started: float | None
    finished: float | None


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
