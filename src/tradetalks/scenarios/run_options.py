"""The ``[run]`` table of a scenario file: how :func:`tradetalks.run` solves it by default.

Every field is optional; :func:`tradetalks.run` takes a field from here only where its caller
passes none (an explicit argument, or a command-line option, always wins), and the package's
defaults where neither gives one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict
from pydantic_core import PydanticCustomError

from tradetalks.data.horizons import HORIZONS
from tradetalks.data.icio import ELASTICITY_SETS
from tradetalks.model import CLOSURES

#: Methods of intervals (``intervals`` of :func:`tradetalks.run`).
INTERVAL_METHODS = ("mc", "delta")


def one_of(allowed: Sequence[str]) -> Callable[[str], str]:
    """A validator that accepts only the values of ``allowed`` (the error lists them)."""

    def check(value: str) -> str:
        if value not in allowed:
            raise PydanticCustomError(
                "choice",
                "{value} is not allowed; allowed: {allowed}",
                {"value": repr(value), "allowed": ", ".join(allowed)},
            )
        return value

    return check


def enum_schema(allowed: Sequence[str]) -> dict[str, Any]:
    """The JSON Schema fragment of a string field restricted to ``allowed``."""
    return {"enum": list(allowed)}


Horizon = Annotated[
    str, Strict(), AfterValidator(one_of(HORIZONS)), Field(json_schema_extra=enum_schema(HORIZONS))
]
Closure = Annotated[
    str, Strict(), AfterValidator(one_of(CLOSURES)), Field(json_schema_extra=enum_schema(CLOSURES))
]
ElasticitySet = Annotated[
    str,
    Strict(),
    AfterValidator(one_of(tuple(ELASTICITY_SETS))),
    Field(json_schema_extra=enum_schema(tuple(ELASTICITY_SETS))),
]
IntervalMethod = Annotated[
    str,
    Strict(),
    AfterValidator(one_of(INTERVAL_METHODS)),
    Field(json_schema_extra=enum_schema(INTERVAL_METHODS)),
]


class RunOptions(BaseModel):
    """Defaults of :func:`tradetalks.run` for one scenario (the ``[run]`` table); all optional.

    Examples
    --------
    ``[run]`` / ``horizon = "short"`` / ``alongside = []`` / ``draws = 200`` / ``seed = 1``
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    baseline: Annotated[str, Strict()] | None = Field(
        None,
        description="Shipped baseline name (`default`, `icio2022-full`) or a baseline directory.",
        examples=["default"],
    )
    horizon: Horizon | None = Field(
        None,
        description="Time horizon of the result: short (about a year), medium (about three) or long "
        "(the long run).",
        examples=["short"],
    )
    alongside: tuple[Horizon, ...] | None = Field(
        None,
        description="Other horizons solved next to `horizon` (`[]`: none; default: the short and long "
        "runs `horizon` is not).",
        examples=[["long"]],
    )
    elasticities: ElasticitySet | None = Field(
        None,
        description="Published trade-elasticity set (default: the baseline's, CP = Caliendo and Parro 2015).",
        examples=["CP"],
    )
    closure: Closure | None = Field(
        None,
        description="Deficits held fixed (`fixed`) or the zero-deficit world as reference (`balanced`).",
        examples=["fixed"],
    )
    mapping: Annotated[str, Strict()] | None = Field(
        None,
        description="Aggregate the baseline's regions first: a mapping file (CSV `source,target`, TOML "
        "or JSON); a relative path is relative to the scenario file.",
        examples=["my-regions.csv"],
    )
    fallout: Annotated[bool, Strict()] | None = Field(
        None,
        description="Add the fallout on Japan, Korea, Malaysia, the rest of ASEAN, the EU, Brazil and ROW.",
        examples=[True],
    )
    draws: Annotated[int, Strict(), Field(ge=1)] | None = Field(
        None,
        description="Monte Carlo over this many parameter draws (median and 5-95 % range of every output).",
        examples=[200],
    )
    seed: Annotated[int, Strict(), Field(ge=0)] | None = Field(
        None,
        description="Seed of the draws (draw k of a seed is the same however many are drawn).",
        examples=[0],
    )
    intervals: IntervalMethod | None = Field(
        None,
        description="`mc`: Monte Carlo (needs `draws`); `delta`: the delta method (no draws).",
        examples=["delta"],
    )

    def given(self) -> dict[str, Any]:
        """The fields the file gives (not ``None``), JSON- and TOML-able (tuples as lists)."""
        out: dict[str, Any] = {}
        for key, value in self.model_dump(exclude_none=True).items():
            out[key] = list(value) if isinstance(value, tuple) else value
        return out
