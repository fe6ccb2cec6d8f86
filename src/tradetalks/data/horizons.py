"""Time horizons: the same world seen this year, in about three years, and in the long run.

A horizon changes three parameters of the model (docs/model.md, section 2.6), read from the
shipped table ``data/tables/horizons.toml`` with a source for each:

* the trade elasticities, ``theta_h[j] = theta_ratio * theta_long[j]`` (the baseline's published
  long-run set scaled by the horizon's share of the long-run trade response);
* the mobility ``eta`` of factors across sectors (``0``: fixed by sector; absent: perfectly
  mobile, one factor price per region);
* the supply elasticity of critical products outside the incumbent supplier (used by the
  critical-input levers).

``long`` is the model of docs/model.md sections 2-3 exactly: :func:`at_horizon` returns the
baseline itself.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from tradetalks.baseline import Baseline
from tradetalks.errors import DataError

#: Horizons, shortest first.
HORIZONS = ("short", "medium", "long")
#: The horizon of the model of docs/model.md sections 2-3.
LONG = "long"
TABLE_FILE = "horizons.toml"


@dataclass(frozen=True)
class HorizonSpec:
    """The parameters of one horizon and their sources (see the module docstring)."""

    name: str
    years: float
    description: str
    theta_ratio: float
    mobility: float | None
    critical_supply_elasticity: float | None
    sources: tuple[tuple[str, str], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "years": self.years,
            "description": self.description,
            "theta_ratio": self.theta_ratio,
            "mobility": self.mobility,
            "critical_supply_elasticity": self.critical_supply_elasticity,
            "sources": dict(self.sources),
        }


@cache
def _table() -> dict[str, Any]:
    text = (resources.files("tradetalks.data") / "tables" / TABLE_FILE).read_text(encoding="utf-8")
    return tomllib.loads(text)


def horizon_spec(name: str) -> HorizonSpec:
    """The parameters of horizon ``name`` (``short``, ``medium`` or ``long``)."""
    if name not in HORIZONS:
        raise DataError(f"unknown horizon {name!r}; allowed: {', '.join(HORIZONS)}")
    row = _table()[name]
    return HorizonSpec(
        name=name,
        years=float(row["years"]),
        description=str(row["description"]),
        theta_ratio=float(row["theta_ratio"]),
        mobility=None if "mobility" not in row else float(row["mobility"]),
        critical_supply_elasticity=(
            None if "critical_supply_elasticity" not in row else float(row["critical_supply_elasticity"])
        ),
        sources=(
            ("theta", str(row["theta_source"])),
            ("mobility", str(row["mobility_source"])),
            ("critical_supply", str(row["critical_supply_source"])),
        ),
    )


def horizon_of(baseline: Baseline) -> str:
    """The horizon a baseline was set to (``long`` unless :func:`at_horizon` made it)."""
    info = baseline.meta.get("horizon")
    return str(info["name"]) if isinstance(info, dict) and "name" in info else LONG


def at_horizon(baseline: Baseline, name: str, spec: HorizonSpec | None = None) -> Baseline:
    """``baseline`` with the trade elasticities and factor mobility of horizon ``name``.

    The flows, tariffs and shares are unchanged: the horizon is about how the world responds
    to a shock, not about where it starts. ``long`` returns ``baseline`` itself. ``spec``
    replaces the shipped parameters of the horizon (a draw of them:
    :func:`tradetalks.analyses.uncertainty.horizon_spec_of`); its ``name`` must be ``name``.

    Raises
    ------
    DataError
        For an unknown horizon, or a baseline already set to another horizon.
    """
    if spec is None:
        spec = horizon_spec(name)
    elif spec.name != name:
        raise DataError(f"at_horizon: spec is for horizon {spec.name!r}, not {name!r}")
    current = horizon_of(baseline)
    if current == name:
        return baseline
    if current != LONG:
        raise DataError(
            f"baseline {baseline.name!r} is already at the {current} horizon; "
            "start from the long-run baseline"
        )
    if name == LONG:
        return baseline
    meta = dict(baseline.meta)
    meta["horizon"] = spec.to_dict()
    return baseline.replace(
        name=f"{baseline.name}[{name}]",
        theta=spec.theta_ratio * np.asarray(baseline.theta),
        mobility=spec.mobility,
        meta=meta,
    )
