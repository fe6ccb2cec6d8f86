"""What every result shares: provenance, the results protocol, JSON-safe values and text reports.

Every result of the package (a scenario, optimal tariffs, a tariff war, trade talks, a deal space)

* states where it comes from (:class:`Provenance`: baseline name, year and sha256, tariff date,
  horizon, elasticity set, closure, the options of the analysis and the package version);
* has ``summary()`` (the headline table, full precision), ``frames()`` (tidy labelled frames,
  copies), ``to_dict()`` (JSON-safe: it survives ``json.loads(json.dumps(...))``) and
  ``report()`` (the titled tables a command line or a page shows, rounded to three decimals);
* is immutable: arrays are read-only and frames are built anew (or copied) on every call.

Units are uniform: a field named ``*_pct`` is a percent (``1.5`` is 1.5 %); every other
number says its unit in the ``units`` entry of ``to_dict()``. A missing value (not applicable:
a tariff on flows nobody trades, a cost per household without household data) is ``null`` in
JSON and ``n/a`` in tables.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tradetalks._version import __version__
from tradetalks.baseline import Baseline

#: Decimals of every rendered table.
DECIMALS = 3


def baseline_sha256(baseline: Baseline) -> str:
    """sha256 of a baseline's content: its labels and the bytes of its five primitive arrays."""
    h = hashlib.sha256()
    h.update(repr((baseline.regions, baseline.sectors, int(baseline.year), baseline.units)).encode())
    for arr in (baseline.flows, baseline.tariffs, baseline.va_share, baseline.io_share, baseline.theta):
        h.update(np.ascontiguousarray(arr, dtype=np.float64).tobytes())
    return h.hexdigest()


def json_safe(value: Any) -> Any:
    """``value`` with numpy scalars and arrays as Python numbers and lists, tuples as lists,
    mappings with string keys, and NaN or infinities as ``None`` (JSON has no NaN)."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return [json_safe(v) for v in value.tolist()]
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    raise TypeError(f"json_safe: {type(value).__name__} is not a JSON value")


def records(frame: pd.DataFrame, index: bool = True) -> list[dict[str, Any]]:
    """A frame as JSON-safe records, the index levels first (named as the frame names them)."""
    flat = frame.reset_index() if index else frame
    return [json_safe(row) for row in flat.to_dict(orient="records")]


def readonly(arr: Any, dtype: Any = np.float64) -> NDArray[Any]:
    """A read-only copy of ``arr``."""
    out = np.array(arr, dtype=dtype)
    out.setflags(write=False)
    return out


def _tariff_date(baseline: Baseline) -> str | None:
    dated = baseline.meta.get("dated")
    return str(dated["date"]) if isinstance(dated, Mapping) and dated.get("date") else None


def _elasticity_set(baseline: Baseline) -> str:
    name = baseline.meta.get("elasticity_set")
    if name:
        return str(name)
    theta = baseline.meta.get("theta")
    if isinstance(theta, Mapping) and theta.get("set"):
        return str(theta["set"])
    return "baseline's own"


@dataclass(frozen=True)
class Provenance:
    """Where a result comes from; every result carries one (``result.provenance``).

    Attributes
    ----------
    analysis : str
        What was computed (``scenario``, ``optimal-tariff``, ``war``, ``talks``, ``deals``).
    baseline : str
        Name of the baseline the changes are measured against (``default@2025-10-15``).
    baseline_year : int
        Data year of its flows.
    baseline_sha256 : str
        :func:`baseline_sha256` of that baseline (after splitting and dating).
    tariff_date : str or None
        Date whose tariffs are in force in the baseline; ``None``: the data year's applied tariffs.
    products : tuple of str
        Products split out of their parent sectors.
    elasticity_set : str
        Published trade-elasticity set of the baseline (``CP``, ``FGO``, ...).
    closure : str
        Deficit closure (``fixed`` or ``balanced``).
    horizon : str
        Time horizon of the model (``long``).
    options : mapping
        The options of the analysis and of its solver, as plain values.
    version : str
        Package version.
    """

    analysis: str
    baseline: str
    baseline_year: int
    baseline_sha256: str
    tariff_date: str | None
    products: tuple[str, ...]
    elasticity_set: str
    closure: str
    horizon: str
    options: Mapping[str, Any] = field(default_factory=dict)
    version: str = __version__

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", MappingProxyType(dict(json_safe(dict(self.options)))))
        object.__setattr__(self, "products", tuple(self.products))

    @classmethod
    def of(
        cls,
        baseline: Baseline,
        analysis: str,
        *,
        closure: str = "fixed",
        horizon: str = "long",
        options: Mapping[str, Any] | None = None,
    ) -> Provenance:
        """The provenance of an ``analysis`` computed on ``baseline``.

        A zero-deficit world made by :func:`tradetalks.model.balanced_baseline` records the
        ``balanced`` closure whatever ``closure`` says (it is the reference of that closure).
        """
        if str(baseline.meta.get("closure", "")).startswith("balanced"):
            closure = "balanced"
        info = baseline.meta.get("horizon")
        if isinstance(info, Mapping) and "name" in info:
            horizon = str(info["name"])
        return cls(
            analysis=analysis,
            baseline=baseline.name,
            baseline_year=int(baseline.year),
            baseline_sha256=baseline_sha256(baseline),
            tariff_date=_tariff_date(baseline),
            products=tuple(str(s["product"]) for s in baseline.meta.get("splits", []) or []),
            elasticity_set=_elasticity_set(baseline),
            closure=closure,
            horizon=horizon,
            options=dict(options or {}),
        )

    @property
    def tariffs(self) -> str:
        """The tariffs in force, in words."""
        if self.tariff_date is None:
            return f"applied tariffs of the data year {self.baseline_year}"
        return f"tariffs in force on {self.tariff_date}"

    def describe(self) -> str:
        """One line: baseline, tariffs, horizon, elasticities and closure."""
        products = f", products split: {', '.join(self.products)}" if self.products else ""
        return (
            f"baseline {self.baseline} ({self.baseline_year}; {self.tariffs}{products}); "
            f"horizon {self.horizon}; elasticities {self.elasticity_set}; closure {self.closure}"
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = json_safe(
            {
                "analysis": self.analysis,
                "baseline": self.baseline,
                "baseline_year": self.baseline_year,
                "baseline_sha256": self.baseline_sha256,
                "tariff_date": self.tariff_date,
                "products": list(self.products),
                "elasticity_set": self.elasticity_set,
                "closure": self.closure,
                "horizon": self.horizon,
                "options": dict(self.options),
                "version": self.version,
            }
        )
        return out


@dataclass(frozen=True)
class Section:
    """One titled table of a report."""

    caption: str
    frame: pd.DataFrame
    index: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "frame", self.frame.copy())

    def to_text(self) -> str:
        body = _rounded(self.frame).to_string(
            float_format=lambda v: f"{v:.{DECIMALS}f}", index=self.index, na_rep="n/a"
        )
        return f"{self.caption}\n{body}" if self.caption else body


@dataclass(frozen=True)
class Report:
    """What a command line or a page shows of a result: a title, tables, closing lines."""

    title: str
    sections: tuple[Section, ...]
    notes: tuple[str, ...] = ()

    def to_text(self) -> str:
        """Plain text, every number rounded to three decimals."""
        parts = [self.title, *(s.to_text() for s in self.sections)]
        text = "\n\n".join(p for p in parts if p)
        return text + ("\n\n" + "\n".join(self.notes) if self.notes else "")


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    floats = frame.select_dtypes(include="float").columns
    out = frame.copy()
    out[floats] = out[floats].round(DECIMALS) + 0.0  # + 0.0: no "-0.000"
    return out


@runtime_checkable
class ResultProtocol(Protocol):
    """The protocol every result of the package follows (see the module docstring)."""

    @property
    def provenance(self) -> Provenance: ...

    def summary(self) -> pd.DataFrame: ...

    def frames(self) -> dict[str, pd.DataFrame]: ...

    def to_dict(self) -> dict[str, Any]: ...

    def report(self) -> Report: ...


def pct(log_points: Any) -> Any:
    """Percent change of real-income equivalents from log points: ``100 (exp(x) - 1)``."""
    return 100.0 * np.expm1(log_points)


def long_tariffs(
    rates: Any, sectors: Sequence[str], players: Sequence[str], who: str, name: str
) -> pd.DataFrame:
    """A tidy frame of tariffs by sector and player, percent: columns ``sector``, ``sector_name``
    (:func:`sector_names`), ``who``, ``name``."""
    arr = 100.0 * np.asarray(rates, dtype=np.float64)
    names = sector_names()
    return pd.DataFrame(
        {
            "sector": np.repeat(list(sectors), len(players)),
            "sector_name": np.repeat([names.get(s, "") for s in sectors], len(players)),
            who: np.tile(list(players), len(sectors)),
            name: arr.ravel(),
        }
    )


def region_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a frame indexed by region as JSON-safe records with a ``code`` field first."""
    out = []
    for row in records(frame.rename_axis("region")):
        code = row.pop("region")
        out.append({"code": code, **row})
    return out


def frame_dict(frames: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Copies of ``frames`` (results hand out copies, never their own objects)."""
    return {k: v.copy() for k, v in frames.items()}


def sector_names(baseline: Baseline | None = None) -> dict[str, str]:
    """Names of sector codes: the ICIO sectors' (OECD ICIO 2023 release), the split products'
    (:data:`tradetalks.data.products.PRODUCTS`) and ``baseline``'s own (``meta["sector_names"]``,
    which win)."""
    from tradetalks.data.concordance import SECTOR_NAMES
    from tradetalks.data.products import PRODUCTS

    names = dict(SECTOR_NAMES) | {p.code: p.description for p in PRODUCTS.values()}
    if baseline is not None:
        own = baseline.meta.get("sector_names")
        if isinstance(own, Mapping):
            names |= {str(k): str(v) for k, v in own.items()}
    return names


def with_sector_names(
    frame: pd.DataFrame, names: Mapping[str, str], column: str = "sector", name_column: str = "sector_name"
) -> pd.DataFrame:
    """``frame`` with a ``name_column`` naming the codes of ``column`` (a column or an index
    level): right after the column, or first when the codes are in the index; ``""`` for a code
    without a name. A frame without ``column``, or with ``name_column`` already, comes back as is
    (a copy)."""
    out = frame.copy()
    if name_column in out.columns or isinstance(out.columns, pd.MultiIndex):
        return out
    if column in out.columns:
        codes = out[column]
        at = list(out.columns).index(column) + 1
    elif column in (out.index.names or []):
        codes = pd.Series(out.index.get_level_values(column), index=out.index)
        at = 0
    else:
        return out
    out.insert(at, name_column, [names.get(str(c), "") for c in codes])
    return out


def name_sectors(frames: Mapping[str, pd.DataFrame], names: Mapping[str, str]) -> dict[str, pd.DataFrame]:
    """Every frame of ``frames`` with sector names beside its codes (:func:`with_sector_names`:
    ``sector`` -> ``sector_name``, a chokepoint's ``input`` -> ``input_name``)."""
    out = {}
    for key, frame in frames.items():
        named = with_sector_names(frame, names)
        if "input" in named.columns and "sector" in named.columns:
            named = with_sector_names(named, names, "input", "input_name")
        out[key] = named
    return out


def check_regions(baseline: Baseline, regions: Sequence[str] | str | None) -> list[str]:
    """``regions`` checked against the baseline (all of them when ``None``, ``"all"`` or
    ``["all"]``); a string is a comma-separated list of codes."""
    if isinstance(regions, str):
        regions = [r.strip() for r in regions.split(",") if r.strip()]
    if regions is None or list(regions) == ["all"]:
        return list(baseline.regions)
    for r in regions:
        baseline.region_index(r)
    return list(regions)
