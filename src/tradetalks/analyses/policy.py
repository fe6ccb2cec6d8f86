"""What a government chooses: its trade-tax instrument, as rates on cells of the world.

A policy is a list of rates; rate ``k`` sets the same ad-valorem level on a group of cells
``(importer, exporter, sector)``. The government is the importer of its tariffs and the exporter
of its export taxes. The instruments (docs/model.md, section 7.2):

* ``sector``: one rate per sector, the same on every partner (the default);
* ``uniform``: one rate on every partner and every taxed sector (Lashkaripour's ``tariffwar``);
* ``partner``: one rate per partner, the same on every taxed sector.

Services are taxable or not (``services``; by default only goods are: services cross borders
mostly as modes 2-4 of GATS, which customs do not tax). ``sectors`` restricts the taxed sectors
(an export tax on one critical product).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tradetalks.baseline import Baseline
from tradetalks.errors import OptionsError
from tradetalks.levers.common import region_indices
from tradetalks.model import PolicyDirection, Shocks

FloatArray = NDArray[np.float64]

#: Instruments: one rate per sector, one rate on everything, or one rate per partner.
INSTRUMENTS = ("sector", "uniform", "partner")
#: Taxes: tariffs on imports, or taxes on exports.
TAXES = ("import", "export")


@dataclass(frozen=True)
class TariffPolicy:
    """Rates ``region`` sets on its trade with ``partners`` in ``sectors``.

    Attributes
    ----------
    importer : int
        The government's region (the importer of a tariff, the exporter of an export tax).
    partners, sectors : tuple of int
        Partner regions and taxed sectors.
    instrument : {"sector", "uniform", "partner"}
    tax : {"import", "export"}
    """

    importer: int
    partners: tuple[int, ...]
    sectors: tuple[int, ...]
    instrument: str = "sector"
    tax: str = "import"

    def __post_init__(self) -> None:
        if self.instrument not in INSTRUMENTS:
            raise OptionsError(f"instrument={self.instrument!r}; allowed: {', '.join(INSTRUMENTS)}")
        if self.tax not in TAXES:
            raise OptionsError(f"tax={self.tax!r}; allowed: {', '.join(TAXES)}")
        if not self.partners:
            raise OptionsError("partners: the policy needs at least one partner other than the government")
        if not self.sectors:
            raise OptionsError("sectors: the policy needs at least one taxed sector")

    @classmethod
    def of(
        cls,
        baseline: Baseline,
        importer: str,
        partners: Sequence[str] | str = "others",
        instrument: str = "sector",
        services: bool = False,
        tax: str = "import",
        sectors: Sequence[str] | None = None,
    ) -> TariffPolicy:
        """The policy of region ``importer`` on ``partners`` (codes, ``others`` or ``all``).

        ``sectors``: the taxed sector codes (default: the goods sectors, or every sector with
        ``services``).
        """
        n = baseline.region_index(importer)
        parts = tuple(
            i
            for i in region_indices(baseline, partners if isinstance(partners, str) else tuple(partners), n)
            if i != n
        )
        if sectors is None:
            names: Sequence[str] = baseline.sectors if services else baseline.goods_sectors()
        else:
            unknown = [s for s in sectors if s not in baseline.sectors]
            if unknown:
                raise OptionsError(
                    f"sectors: unknown {', '.join(unknown)}; allowed: {', '.join(baseline.sectors)}"
                )
            names = sectors
        return cls(n, parts, tuple(baseline.sector_index(s) for s in names), instrument, tax)

    @property
    def uniform(self) -> bool:
        return self.instrument == "uniform"

    @property
    def size(self) -> int:
        """Number of rates the government chooses."""
        return {"sector": len(self.sectors), "uniform": 1, "partner": len(self.partners)}[self.instrument]

    def labels(self, baseline: Baseline) -> tuple[str, ...]:
        """The rates' labels: sector codes, ``uniform``, or partner codes."""
        if self.instrument == "uniform":
            return ("uniform",)
        if self.instrument == "partner":
            return tuple(baseline.regions[i] for i in self.partners)
        return tuple(baseline.sectors[j] for j in self.sectors)

    def _grid(self, x: FloatArray) -> FloatArray:
        """The rates laid out partner x sector."""
        arr = np.asarray(x, dtype=np.float64).ravel()
        if arr.size != self.size:
            raise OptionsError(f"rates: expected {self.size} values, got {arr.size}")
        shape = (len(self.partners), len(self.sectors))
        if self.instrument == "uniform":
            return np.full(shape, float(arr[0]))
        if self.instrument == "partner":
            return np.broadcast_to(arr[:, None], shape).copy()
        return np.broadcast_to(arr[None, :], shape).copy()

    def _cells(self, arr: FloatArray) -> FloatArray:
        """The policy's cells of an ``(N, N, J)`` array, partner x sector (a copy)."""
        a = np.asarray(arr)
        rows = a[:, self.importer] if self.tax == "export" else a[self.importer]
        return np.array(rows[np.ix_(self.partners, self.sectors)], dtype=np.float64)

    def apply(self, levels: FloatArray, x: FloatArray) -> FloatArray:
        """``levels`` (tariffs, or export taxes for an export policy) with the rates ``x`` set."""
        out = np.array(levels, dtype=np.float64)
        grid = self._grid(x)
        for a, i in enumerate(self.partners):
            if self.tax == "export":
                out[i, self.importer, list(self.sectors)] = grid[a]
            else:
                out[self.importer, i, list(self.sectors)] = grid[a]
        return out

    def shocks_with(self, baseline: Baseline, shocks: Shocks, x: FloatArray) -> Shocks:
        """``shocks`` with the policy's rates set to ``x`` (everything else kept)."""
        if self.tax == "export":
            return dataclasses.replace(shocks, export_taxes=self.apply(shocks.export_tax_levels(baseline), x))
        return shocks.with_tariffs(self.apply(shocks.tariff_levels(baseline), x))

    def _reduce(self, grid: FloatArray) -> FloatArray:
        if self.instrument == "uniform":
            return np.array([grid.sum()])
        out: FloatArray = grid.sum(axis=1 if self.instrument == "partner" else 0)
        return out

    def current(self, baseline: Baseline, shocks: Shocks) -> FloatArray:
        """The policy's current rates: the mean level over each rate's cells."""
        export = self.tax == "export"
        block = self._cells(shocks.export_tax_levels(baseline) if export else shocks.tariff_levels(baseline))
        counts = self._reduce(np.ones_like(block))
        out: FloatArray = self._reduce(block) / counts
        return out

    def traded(self, baseline: Baseline) -> NDArray[np.bool_]:
        """Whether each rate applies to any flow of the reference world (a rate on flows nobody
        trades is not applicable: the objective does not depend on it)."""
        out: NDArray[np.bool_] = self._reduce(self._cells(baseline.flows)) > 0
        return out

    def curvature_scale(self, baseline: Baseline) -> FloatArray:
        """Scale of each rate for the optimiser: ``sqrt(sum theta_j X_ij / I_n)`` over the rate's
        cells, with ``X`` the taxed flows (imports of a tariff, exports of an export tax) and
        ``I_n`` the government's income.

        ``-theta_j X / I_n`` is the second derivative of real income in the rate in the Harberger
        approximation (``dW ~ ... - 1/2 theta X t^2``); the Hessian of the objective is close to
        diagonal, and in these units its diagonal is close to one (within a factor of four on
        the sectors that carry 99 % of the imports, tested), so that L-BFGS-B sees a
        well-conditioned problem instead of one whose curvature spans five orders of magnitude
        across sectors (docs/model.md, section 7.2).
        """
        theta = np.asarray(baseline.theta)[list(self.sectors)]
        weighted = self._cells(baseline.flows) * theta[None, :]
        curv = self._reduce(weighted) / float(np.asarray(baseline.income)[self.importer])
        floor = 1e-6 * float(curv.max()) if curv.max() > 0 else 1.0
        out: FloatArray = np.sqrt(np.maximum(curv, floor))
        return out

    def directions(self, shape: tuple[int, ...]) -> list[FloatArray] | list[PolicyDirection]:
        """``d (levels) / d x_k`` for every rate: tariff arrays, or export-tax directions."""
        arrays = []
        for k in range(self.size):
            unit = np.zeros(self.size)
            unit[k] = 1.0
            arrays.append(self.apply(np.zeros(shape), unit))
        if self.tax == "export":
            return [PolicyDirection(export_taxes=a) for a in arrays]
        return arrays
