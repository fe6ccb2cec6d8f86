"""The baseline: one year of a multi-region input-output world, labelled and checked.

A :class:`Baseline` stores the primitive arrays of Caliendo and Parro (2015, section 3;
docs/model.md, section 1);
everything else (spending, shares, value added, deficits, final-demand shares) is derived
from them, so the accounting identities of the model hold by construction and a single
check (:meth:`Baseline.check`) proves that the baseline is an equilibrium at hat = 1.

A baseline is a plain validated value: reading, saving and aggregating baselines are functions
of the data layer (:func:`tradetalks.data.store.save_baseline`,
:func:`tradetalks.data.store.load_baseline`, :func:`tradetalks.data.aggregate.aggregate_regions`),
which imports this module and never the other way round.

Axis order everywhere: ``[importer n, exporter i, sector j]`` for bilateral arrays,
``[region n, sector j]`` for region-sector arrays and ``[region n, input k, output j]`` for
input-output shares.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tradetalks.errors import DataError

FloatArray = NDArray[np.float64]

#: Relative tolerance for the accounting checks of a baseline.
CLOSE_RTOL = 1e-9


@dataclass(frozen=True, eq=False)
class Baseline:
    """One year of world trade and production, in the form the model needs.

    Parameters
    ----------
    name : str
        Short name (``"default"``, ``"icio2022-full"``, ``"cp2015"``).
    year : int
        Data year of the trade flows.
    regions, sectors : tuple of str
        Codes labelling the axes (ISO3-like region codes, ICIO sector codes).
    flows : ndarray, shape (N, N, J)
        ``flows[n, i, j]``: value of sector-``j`` goods that ``n`` buys from ``i``, at the
        exporter's (producer) prices, net of tariffs; the diagonal ``n == i`` holds home sales.
        USD million unless ``units`` says otherwise.
    tariffs : ndarray, shape (N, N, J)
        Ad-valorem applied tariffs ``t`` (0.05 is 5 %); ``tau = 1 + t``; the diagonal is 0.
    va_share : ndarray, shape (N, J)
        Value-added share of gross output, ``gamma[n, j]``.
    io_share : ndarray, shape (N, J, J)
        ``io_share[n, k, j]``: share of inputs from sector ``k`` in the gross output of sector
        ``j``; ``io_share[n, :, j].sum() + va_share[n, j] == 1``.
    theta : ndarray, shape (J,)
        Trade elasticities (Frechet dispersion), positive.
    units : str
        Units of the flows.
    meta : dict
        Provenance (sources, sha256 of raw files, build command, adjustments).
    mobility : float, optional
        Elasticity ``eta`` of the allocation of each region's factors across sectors
        (docs/model.md, section 2.6): ``None`` (the default) is perfect mobility, one factor
        price per region (the model of section 2); ``0`` fixes the factors by sector
        (Ricardo-Viner, the short run); values in between follow a CET allocation.
    """

    name: str
    year: int
    regions: tuple[str, ...]
    sectors: tuple[str, ...]
    flows: FloatArray
    tariffs: FloatArray
    va_share: FloatArray
    io_share: FloatArray
    theta: FloatArray
    units: str = "USD million"
    meta: Mapping[str, Any] = field(default_factory=dict)
    mobility: float | None = None

    def __post_init__(self) -> None:
        for attr in ("flows", "tariffs", "va_share", "io_share", "theta"):
            arr = np.array(getattr(self, attr), dtype=np.float64)
            arr.setflags(write=False)
            object.__setattr__(self, attr, arr)
        object.__setattr__(self, "regions", tuple(str(r) for r in self.regions))
        object.__setattr__(self, "sectors", tuple(str(s) for s in self.sectors))
        self._validate()

    # ------------------------------------------------------------------ validation
    def _validate(self) -> None:
        n, j = len(self.regions), len(self.sectors)
        expected = {
            "flows": (n, n, j),
            "tariffs": (n, n, j),
            "va_share": (n, j),
            "io_share": (n, j, j),
            "theta": (j,),
        }
        for attr, shape in expected.items():
            arr = getattr(self, attr)
            if arr.shape != shape:
                raise DataError(
                    f"baseline {self.name!r}: field {attr!r} has shape {arr.shape}, expected {shape} "
                    f"for {n} regions x {j} sectors"
                )
            if not np.all(np.isfinite(arr)):
                raise DataError(f"baseline {self.name!r}: field {attr!r} contains NaN or infinity")
        for labels, what in ((self.regions, "regions"), (self.sectors, "sectors")):
            if len(set(labels)) != len(labels):
                dup = sorted({x for x in labels if labels.count(x) > 1})
                raise DataError(f"baseline {self.name!r}: duplicate {what}: {dup}")
        if np.any(self.flows < 0):
            raise DataError(f"baseline {self.name!r}: field 'flows' has negative entries")
        if np.any(self.tariffs < 0):
            raise DataError(f"baseline {self.name!r}: field 'tariffs' has negative rates")
        if np.any(self.theta <= 0):
            raise DataError(f"baseline {self.name!r}: field 'theta' must be positive")
        if self.mobility is not None and not (np.isfinite(self.mobility) and self.mobility >= 0):
            raise DataError(
                f"baseline {self.name!r}: field 'mobility' must be a finite number >= 0 or None "
                f"(perfect mobility), got {self.mobility!r}"
            )
        if np.any(self.va_share < 0) or np.any(self.io_share < 0):
            raise DataError(f"baseline {self.name!r}: 'va_share' and 'io_share' must be non-negative")
        total = self.va_share + self.io_share.sum(axis=1)
        bad = np.abs(total - 1.0) > 1e-6
        if np.any(bad):
            n_idx, j_idx = np.argwhere(bad)[0]
            raise DataError(
                f"baseline {self.name!r}: va_share + io_share must sum to 1 for each region-sector; "
                f"{self.regions[n_idx]}/{self.sectors[j_idx]} sums to {total[n_idx, j_idx]:.8f}"
            )

    # ------------------------------------------------------------------ derived arrays
    @property
    def n_regions(self) -> int:
        return len(self.regions)

    @property
    def n_sectors(self) -> int:
        return len(self.sectors)

    @cached_property
    def gross_output(self) -> FloatArray:
        """``Y[i, j]``: gross output at producer prices, the sum of sales over importers
        (docs/model.md, eq. 1.1)."""
        return _frozen(self.flows.sum(axis=0))

    @cached_property
    def spending(self) -> FloatArray:
        """``X[n, j]``: tariff-inclusive spending on sector ``j`` (final + intermediate; eq. 1.2)."""
        return _frozen((self.flows * (1.0 + self.tariffs)).sum(axis=1))

    @cached_property
    def shares(self) -> FloatArray:
        """``pi[n, i, j]``: expenditure shares, tariff-inclusive; a sector ``n`` does not buy
        at all gets ``pi[n, n, j] = 1`` by convention (it enters no equation; eq. 1.3)."""
        spend = self.flows * (1.0 + self.tariffs)
        tot = spend.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            pi = np.where(tot > 0, spend / np.where(tot > 0, tot, 1.0), 0.0)
        empty = tot[:, 0, :] <= 0
        idx = np.arange(self.n_regions)
        pi[idx, idx, :] = np.where(empty, 1.0, pi[idx, idx, :])
        return _frozen(pi)

    @cached_property
    def value_added(self) -> FloatArray:
        """``VA[n] = w_n L_n``: value added (eq. 1.4)."""
        return _frozen((self.va_share * self.gross_output).sum(axis=1))

    @cached_property
    def sector_value_added(self) -> FloatArray:
        """``VA[n, j] = gamma[n, j] Y[n, j]``: value added by sector (factor payments)."""
        return _frozen(self.va_share * self.gross_output)

    @cached_property
    def tariff_revenue(self) -> FloatArray:
        """``R[n]``: tariff revenue collected by importer ``n`` (eq. 1.5)."""
        return _frozen((self.flows * self.tariffs).sum(axis=(1, 2)))

    @cached_property
    def deficit(self) -> FloatArray:
        """``D[n]``: trade deficit, imports minus exports at producer prices (home sales cancel; eq. 1.6)."""
        return _frozen(self.flows.sum(axis=(1, 2)) - self.flows.sum(axis=(0, 2)))

    @cached_property
    def income(self) -> FloatArray:
        """``I[n] = VA + R + D``: final spending (eq. 1.7)."""
        return _frozen(self.value_added + self.tariff_revenue + self.deficit)

    @cached_property
    def final_demand(self) -> FloatArray:
        """``F[n, j] = X[n, j] - sum_k io_share[n, j, k] Y[n, k]``: final spending by sector (eq. 1.8)."""
        inter = np.einsum("njk,nk->nj", self.io_share, self.gross_output)
        return _frozen(self.spending - inter)

    @cached_property
    def alpha(self) -> FloatArray:
        """``alpha[n, j]``: final-demand shares (sum to 1 over ``j``; eq. 1.9)."""
        inc = self.income
        safe = np.where(inc > 0, inc, 1.0)
        return _frozen(self.final_demand / safe[:, None])

    # ------------------------------------------------------------------ checks
    def closure_residuals(self) -> dict[str, float]:
        """Largest relative violation of each accounting identity of the baseline (eq. 1.10).

        ``final_demand_negative``: most negative final demand relative to the region's spending;
        ``alpha_sum``: deviation of the final-demand shares from summing to one;
        ``trade_balance``: gap between total spending and output plus tariff revenue plus deficit
        (relative to world output);
        ``income_positive``: most negative final income relative to world output.
        """
        scale = float(self.gross_output.sum())
        f = self.final_demand
        neg = np.minimum(f, 0.0).min(axis=1) / np.maximum(self.spending.sum(axis=1), 1e-300)
        bal = self.spending.sum(axis=1) - (self.gross_output.sum(axis=1) + self.tariff_revenue + self.deficit)
        return {
            "final_demand_negative": float(-neg.min()) if neg.size else 0.0,
            "alpha_sum": float(np.max(np.abs(self.alpha.sum(axis=1) - 1.0))),
            "trade_balance": float(np.max(np.abs(bal)) / scale),
            "income_positive": float(max(0.0, -self.income.min() / scale)),
        }

    def check(self, rtol: float = CLOSE_RTOL) -> None:
        """Raise :class:`DataError` unless every identity of the baseline closes within ``rtol``."""
        res = self.closure_residuals()
        bad = {k: v for k, v in res.items() if v > rtol}
        if bad:
            raise DataError(f"baseline {self.name!r} does not close (relative violations): {bad}")

    # ------------------------------------------------------------------ labels
    def region_index(self, code: str) -> int:
        """Position of a region code; raises naming the allowed codes."""
        try:
            return self.regions.index(code)
        except ValueError:
            raise DataError(
                f"unknown region {code!r} in baseline {self.name!r}; allowed: {', '.join(self.regions)}"
            ) from None

    def sector_index(self, code: str) -> int:
        """Position of a sector code; raises naming the allowed codes."""
        try:
            return self.sectors.index(code)
        except ValueError:
            raise DataError(
                f"unknown sector {code!r} in baseline {self.name!r}; allowed: {', '.join(self.sectors)}"
            ) from None

    def goods_sectors(self) -> tuple[str, ...]:
        """Sector codes that are goods (every sector not flagged as services in ``meta``)."""
        services = set(self.meta.get("services_sectors", ()))
        return tuple(s for s in self.sectors if s not in services)

    def summary(self) -> pd.DataFrame:
        """Region table: value added, gross output, exports, imports, deficit, tariff revenue."""
        idx = np.arange(self.n_regions)
        foreign = self.flows.copy()
        foreign[idx, idx, :] = 0.0
        return pd.DataFrame(
            {
                "value_added": self.value_added,
                "gross_output": self.gross_output.sum(axis=1),
                "exports": foreign.sum(axis=(0, 2)),
                "imports": foreign.sum(axis=(1, 2)),
                "deficit": self.deficit,
                "tariff_revenue": self.tariff_revenue,
            },
            index=pd.Index(self.regions, name="region"),
        )

    # ------------------------------------------------------------------ transforms
    def replace(self, **changes: Any) -> Baseline:
        """A new baseline with some fields replaced (validated again)."""
        fields: dict[str, Any] = {
            "name": self.name,
            "year": self.year,
            "regions": self.regions,
            "sectors": self.sectors,
            "flows": self.flows,
            "tariffs": self.tariffs,
            "va_share": self.va_share,
            "io_share": self.io_share,
            "theta": self.theta,
            "units": self.units,
            "meta": dict(self.meta),
            "mobility": self.mobility,
        }
        unknown = set(changes) - set(fields)
        if unknown:
            raise DataError(f"Baseline.replace: unknown fields {sorted(unknown)}; allowed: {sorted(fields)}")
        fields.update(changes)
        return Baseline(**fields)

    def with_theta(self, theta: Sequence[float] | FloatArray) -> Baseline:
        """The same baseline with another trade-elasticity vector."""
        return self.replace(theta=np.asarray(theta, dtype=np.float64))

    def elasticity_sets(self) -> dict[str, str]:
        """Published trade-elasticity sets this baseline carries: name -> source."""
        sets = dict(self.meta.get("theta", {})).get("sets", {})
        return {name: str(spec["source"]) for name, spec in sets.items()}

    def with_elasticities(self, name: str) -> Baseline:
        """The same baseline with another published trade-elasticity set (``CP``, ``FGO``, ...).

        Sectors added by product splits take their parent's value from the set; a baseline set to
        a horizon (``meta["horizon"]``) scales the set by the horizon's ``theta_ratio``.
        """
        info = dict(self.meta.get("theta", {}))
        sets = info.get("sets", {})
        if name not in sets:
            raise DataError(f"unknown elasticity set {name!r}; allowed: {', '.join(sets) or 'none stored'}")
        values = dict(zip(info["sectors"], sets[name]["values"], strict=True))
        parents = {s["code"]: s["parent"] for s in self.meta.get("splits", [])}
        theta = np.array([values[parents.get(code, code)] for code in self.sectors], dtype=np.float64)
        horizon = self.meta.get("horizon")
        if isinstance(horizon, Mapping):  # a horizon scales the long-run set (tradetalks.data.horizons)
            theta = float(horizon["theta_ratio"]) * theta
        meta = dict(self.meta)
        meta["theta"] = dict(info, set=name, source=sets[name]["source"])
        meta["elasticity_set"] = name
        return self.replace(theta=theta, meta=meta)

    def to_json_meta(self) -> str:
        return json.dumps(dict(self.meta), indent=2, sort_keys=True)


def _frozen(arr: FloatArray) -> FloatArray:
    arr.setflags(write=False)
    return arr
