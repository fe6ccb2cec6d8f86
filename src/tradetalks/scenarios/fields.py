"""Field types of the scenario-file models (:mod:`tradetalks.scenarios.schema`): labels, rates,
reaches, dates, products and the help texts they share, each with its validator and JSON Schema."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, PlainValidator, Strict, WithJsonSchema
from pydantic_core import PydanticCustomError

from tradetalks.data.products import PRODUCTS
from tradetalks.data.tariffs.dated import PRESETS
from tradetalks.levers.common import SECTOR_GROUPS
from tradetalks.levers.export_control import MODES
from tradetalks.levers.purchase import INSTRUMENTS
from tradetalks.scenarios import MAX_RATE_PCT
from tradetalks.scenarios.run_options import enum_schema, one_of

DATE_HELP = "`YYYY-MM-DD` from 2018-01-01 to 2026-12-31 or a preset: " + ", ".join(
    f"`{k}` ({v})" for k, v in PRESETS.items()
)


def _labels(value: Any) -> str | tuple[str, ...]:
    """A string stays a string (a group or one label); a non-empty list of strings becomes a tuple."""
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise PydanticCustomError(
        "labels", "must be a string or a non-empty list of strings (got {value})", {"value": repr(value)}
    )


_LABELS_SCHEMA = {
    "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]
}
#: Region, sector or product labels: one string or a non-empty list of strings.
Labels = Annotated[str | tuple[str, ...], PlainValidator(_labels), WithJsonSchema(_LABELS_SCHEMA)]
#: A finite number (an integer or a float; not a string, not a boolean, not ``nan`` or ``inf``).
Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]

SUBSIDY_HINT = (
    'a tariff cannot be negative: an import subsidy is a `purchase` lever with `instrument = "subsidy"`'
)


def _rate(mode: str, low: float = 0.0, hint: str = "") -> Any:
    """A validator of a rate in percent within ``[low, MAX_RATE_PCT]`` (``hint`` follows a value
    below ``low``)."""

    def check(value: float) -> float:
        if value < low:
            raise PydanticCustomError(
                "rate_range",
                "must be >= {low} (got {value}){hint}",
                {"low": f"{low:g}", "value": f"{value:g}", "hint": f"; {hint}" if hint else ""},
            )
        if value > MAX_RATE_PCT:
            raise PydanticCustomError(
                "rate_range",
                "must be <= {high} (got {value}; the largest rate a lever may give, in percent)",
                {"high": f"{MAX_RATE_PCT:g}", "value": f"{value:g}"},
            )
        return value

    check.__name__ = f"check_{mode}"
    return AfterValidator(check)


#: A tariff level in percent, from 0 to :data:`MAX_RATE_PCT`.
Rate = Annotated[float, Strict(), Field(allow_inf_nan=False), _rate("rate", 0.0, SUBSIDY_HINT)]
#: An export-tax equivalent in percent, from 0 to :data:`MAX_RATE_PCT`.
TaxRate = Annotated[float, Strict(), Field(allow_inf_nan=False), _rate("tax")]
#: A change of a tariff in percentage points, from -:data:`MAX_RATE_PCT` to :data:`MAX_RATE_PCT`.
RateChange = Annotated[float, Strict(), Field(allow_inf_nan=False), _rate("change", -MAX_RATE_PCT)]
Text = Annotated[str, Strict()]


def _reach(value: Any) -> float | dict[str, float]:
    def number(v: Any) -> bool:
        return isinstance(v, int | float) and not isinstance(v, bool)

    if number(value):
        return float(value)
    if isinstance(value, Mapping) and all(isinstance(k, str) and number(v) for k, v in value.items()):
        return {str(k): float(v) for k, v in value.items()}
    raise PydanticCustomError(
        "reach",
        "must be a number or a table of region = share, each in [0, 1] (got {value})",
        {"value": repr(value)},
    )


_REACH_SCHEMA = {
    "anyOf": [
        {"type": "number", "minimum": 0, "maximum": 1},
        {"type": "object", "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1}},
    ]
}
Reach = Annotated[float | dict[str, float], PlainValidator(_reach), WithJsonSchema(_REACH_SCHEMA)]


def _date_text(value: Any) -> Any:
    """A TOML date (``date = 2025-01-20``, unquoted) as its ISO string."""
    return value.isoformat()[:10] if isinstance(value, dt.date) else value


DateText = Annotated[
    str,
    BeforeValidator(_date_text),
    Strict(),
    WithJsonSchema({"type": "string", "examples": ["pre-summit-2025-10-15", "2025-01-20"]}),
]
Product = Annotated[
    str,
    Strict(),
    AfterValidator(one_of(tuple(PRODUCTS))),
    Field(json_schema_extra=enum_schema(tuple(PRODUCTS))),
]
ExportMode = Annotated[
    str, Strict(), AfterValidator(one_of(MODES)), Field(json_schema_extra=enum_schema(MODES))
]
Instrument = Annotated[
    str, Strict(), AfterValidator(one_of(INSTRUMENTS)), Field(json_schema_extra=enum_schema(INSTRUMENTS))
]

PRODUCT_LIST = ", ".join(f"`{p}`" for p in PRODUCTS)
REGIONS_HELP = "region codes of the baseline (`USA`, `CHN`, `JPN`, `EU27`, ...)"
SECTORS_HELP = (
    f"sector codes (`C26`, `A01`), product names ({PRODUCT_LIST}; the product must be listed in the "
    f"scenario's `products`) or a group: {', '.join(f'`{g}`' for g in SECTOR_GROUPS)}"
)


__all__ = [
    "DATE_HELP",
    "PRODUCT_LIST",
    "REGIONS_HELP",
    "SECTORS_HELP",
    "SUBSIDY_HINT",
    "DateText",
    "ExportMode",
    "Instrument",
    "Labels",
    "Number",
    "Product",
    "Rate",
    "RateChange",
    "Reach",
    "TaxRate",
    "Text",
]
