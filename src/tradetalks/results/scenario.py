"""The result of one scenario: immutable, with labelled outputs, summaries and comparisons.

Every figure derives from the solved :class:`~tradetalks.model.solver.Equilibrium` and its
baseline; nothing is stored twice. Percent changes are ``100 * (hat - 1)``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tradetalks.baseline import Baseline
from tradetalks.data.households import households
from tradetalks.errors import OptionsError
from tradetalks.model import Equilibrium, SolverInfo, SolverOptions, WelfareDecomposition, decompose
from tradetalks.results import checks
from tradetalks.results import headline as hl
from tradetalks.results.common import (
    Provenance,
    Report,
    Section,
    check_regions,
    json_safe,
    name_sectors,
    readonly,
    records,
    sector_names,
)
from tradetalks.results.tariff_changes import tariff_changes

FloatArray = NDArray[np.float64]


def _pct(hat: FloatArray) -> FloatArray:
    return 100.0 * (np.asarray(hat) - 1.0)


def _ratio(new: FloatArray, old: FloatArray) -> FloatArray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(old > 0, new / np.where(old > 0, old, 1.0), np.nan)


@dataclass(frozen=True, eq=False)
class Result:
    """The outcome of one scenario on one baseline.

    Parameters
    ----------
    scenario : str
        Scenario name.
    equilibrium : Equilibrium
        Solved arrays; ``equilibrium.baseline`` is the reference world the changes are
        measured against (for the ``balanced`` closure: the zero-deficit world).
    source : Baseline
        The baseline the user asked for (equal to the reference for the ``fixed`` closure).
    closure : str
        Deficit closure used.
    solver_options : SolverOptions, optional
        The options of the solve (recorded in the provenance).
    """

    scenario: str
    equilibrium: Equilibrium
    source: Baseline
    closure: str
    solver_options: SolverOptions | None = None

    def __post_init__(self) -> None:
        # nothing non-finite or negative reaches a result (:mod:`tradetalks.results.checks`)
        object.__setattr__(self, "equilibrium", checks.check_equilibrium(self.equilibrium))
        hats = ("price_index_hat", "welfare_hat", "real_wage_hat")
        checks.check_outputs(self.equilibrium, {name: getattr(self, name) for name in hats})

    @cached_property
    def provenance(self) -> Provenance:
        """Baseline (the one asked for), tariff date, horizon, elasticities, closure, options."""
        opts = dataclasses.asdict(self.solver_options) if self.solver_options is not None else {}
        return Provenance.of(self.source, "scenario", closure=self.closure, options=opts)

    # ----------------------------------------------------------------- core arrays
    @property
    def baseline(self) -> Baseline:
        """The reference world the changes are measured against."""
        return self.equilibrium.baseline

    @property
    def solver(self) -> SolverInfo:
        return self.equilibrium.info

    @property
    def regions(self) -> tuple[str, ...]:
        return self.baseline.regions

    @property
    def sectors(self) -> tuple[str, ...]:
        return self.baseline.sectors

    @cached_property
    def price_index_hat(self) -> FloatArray:
        """Consumer price index change ``P_hat[n] = prod_j P_hat[n, j]^alpha[n, j]``
        (docs/model.md, eq. 4.1)."""
        return readonly(np.exp((self.baseline.alpha * np.log(self.equilibrium.P_hat)).sum(axis=1)))

    @cached_property
    def welfare_hat(self) -> FloatArray:
        """Real income change ``W_hat = I_hat / P_hat`` (docs/model.md, eq. 4.2; includes tariff revenue)."""
        return readonly(_ratio(self.equilibrium.income, self.baseline.income) / self.price_index_hat)

    @cached_property
    def real_gdp_hat(self) -> FloatArray:
        """Real GDP change: value added at the reference world's prices, double-deflated
        (docs/model.md, eq. 4.9)."""
        return readonly(hl.real_gdp_hat(self.baseline, self.equilibrium))

    @cached_property
    def real_wage_hat(self) -> FloatArray:
        """Real wage change ``w_hat / P_hat`` (docs/model.md, eq. 4.3)."""
        return readonly(self.equilibrium.w_hat / self.price_index_hat)

    def _foreign(self, flows: FloatArray) -> FloatArray:
        f = np.array(flows, dtype=np.float64)
        idx = np.arange(self.baseline.n_regions)
        f[idx, idx, :] = 0.0
        return f

    @cached_property
    def _trade(self) -> dict[str, FloatArray]:
        f0 = self._foreign(self.baseline.flows)
        f1 = self._foreign(self.equilibrium.flows)
        return {
            "exports0": f0.sum(axis=(0, 2)),
            "exports1": f1.sum(axis=(0, 2)),
            "imports0": f0.sum(axis=(1, 2)),
            "imports1": f1.sum(axis=(1, 2)),
        }

    def frames(self) -> dict[str, pd.DataFrame]:
        """Tidy frames: ``headline``, ``regions``, ``sectors``, ``bilateral`` (by sector),
        ``tariff_changes`` (every flow whose tariff the scenario changes), ``tariff_rates``,
        ``balances``, ``constraints`` and ``chokepoints``; every sector code has its name beside
        it (``sector_name``, a chokepoint's ``input_name``)."""
        frames = {
            "headline": self.headline(),
            "regions": self.regions_frame(),
            "sectors": self.sectors_frame(),
            "bilateral": self.bilateral_frame(by_sector=True),
            "tariff_changes": self.tariff_changes_frame(),
            "tariff_rates": self.tariff_rates_frame(),
            "balances": self.balances_frame(),
            "constraints": self.constraints_frame(),
            "chokepoints": self.chokepoints_frame(),
        }
        return name_sectors(frames, self.sector_names)

    @cached_property
    def sector_names(self) -> dict[str, str]:
        """Name of every sector code of the baseline (ICIO labels, split products' descriptions)."""
        names = sector_names(self.baseline)
        return {code: names.get(code, "") for code in self.sectors}

    def tariff_changes_frame(self, by: str = "flow") -> pd.DataFrame:
        """The tariff before and after the scenario on every flow whose tariff it changes.

        Parameters
        ----------
        by : {"flow", "pair"}
            ``flow``: one row per importer, exporter and sector (columns ``importer``,
            ``exporter``, ``sector``, ``sector_name``, ``trade_base``, ``tariff_before_pct``,
            ``tariff_after_pct``, ``change_pp``); ``pair``: one row per importer and exporter,
            the rates averaged over the changed sectors with the reference world's trade as
            weights (a simple mean where that trade is nil), ``sectors`` counting them.

        Notes
        -----
        Rates are ad valorem, in percent: ``tariff_before_pct`` is the reference world's (the
        baseline on its tariff date), ``tariff_after_pct`` the scenario's; ``change_pp`` is
        their difference in percentage points (``inf``: a prohibitive tariff). ``trade_base`` is
        the flow at producer prices in the reference world, in the baseline's units.
        """
        b = self.baseline
        new = self.equilibrium.shocks.tariffs
        return tariff_changes(
            b.tariffs, b.tariffs if new is None else new, b.flows, b.regions, b.sectors, self.sector_names, by
        )

    def tariff_changes_section(self, regions: Sequence[str] | None = None, top: int = 10) -> Section | None:
        """The report's section on tariffs: the ``top`` importer-exporter pairs among ``regions``
        (default: all) with the largest changes, trade-weighted (``None``: no tariff changed)."""
        pairs = self.tariff_changes_frame(by="pair")
        if not len(pairs):
            return None
        total = len(self.tariff_changes_frame())
        if regions is not None:
            chosen = check_regions(self.baseline, regions)
            pairs = pairs[pairs["importer"].isin(chosen) & pairs["exporter"].isin(chosen)]
            if not len(pairs):
                return None
        order = pairs["change_pp"].abs().sort_values(ascending=False, kind="stable").index
        shown = pairs.loc[order].head(top)
        caption = (
            f"tariff changes, largest first ({total} flows changed; rates in percent, change in points, "
            "averaged over the changed sectors with the reference world's trade as weights; "
            f"trade_base in the baseline's units; by flow: frame tariff_changes)"
        )
        return Section(caption, shown, index=False)

    # ----------------------------------------------------------------- headline numbers
    def headline(self, regions: Sequence[str] | None = None) -> pd.DataFrame:
        """The numbers policy people quote, one row per region (docs/model.md, section 4.2):
        effective tariff rates before and after substitution, the price level and its cost per
        household, tariff revenue, real GDP and welfare (columns:
        :data:`tradetalks.results.headline.HEADLINE_COLUMNS`)."""
        frame = pd.DataFrame(self.headline_arrays(), index=pd.Index(self.baseline.regions, name="region"))
        if regions is not None:
            frame = frame.loc[check_regions(self.baseline, regions)]
        return frame

    def headline_arrays(self) -> dict[str, FloatArray]:
        """The columns of :meth:`headline` as arrays ``(N,)`` (no frame: for many draws)."""
        return hl.headline_arrays(self.baseline, self.equilibrium, self.price_index_hat, self.welfare_hat)

    def tariff_rates_frame(self) -> pd.DataFrame:
        """Effective tariff rates by importer and exporter, before and after substitution (eq. 4.7)."""
        return hl.rates_frame(self.baseline, self.equilibrium)

    def balances_frame(self) -> pd.DataFrame:
        """Bilateral trade balances before and after, USD billion (eq. 4.11)."""
        return hl.balances_frame(self.baseline, self.equilibrium)

    def headline_caption(self) -> str:
        """What the headline numbers are: horizon, tariff date, weights, money units."""
        p = self.provenance
        years = sorted({h.consumption_year for h in households().values()})
        return (
            f"headline numbers (horizon {p.horizon}; {p.tariffs} plus the scenario; docs/model.md 4.2):\n"
            "etr_*: on goods imports of the reference world (before substitution) and of the solved "
            "world (after); etr_before_2024w: on 2024 US imports, collected basis;\n"
            f"*_usd_bn: USD billion of {self.baseline.year}; *_per_household_usd: USD of "
            f"{', '.join(map(str, years))}; cost: the price level in wage units times consumption"
        )

    def decomposition(self, change: str = "proportional") -> WelfareDecomposition:
        """Caliendo-Parro (2015, Table 2) first-order welfare decomposition: terms of trade and
        volume of trade, by region, sector and partner (docs/model.md, eqs. 4.5-4.6)."""
        if change not in ("proportional", "log"):
            raise OptionsError(f"decomposition(change={change!r}); allowed: proportional, log")
        return decompose(self.equilibrium, change="log" if change == "log" else "proportional")

    # ----------------------------------------------------------------- labelled frames
    def regions_frame(self) -> pd.DataFrame:
        """One row per region: percent changes of welfare, real wage, prices, trade, output
        (docs/model.md, eqs. 4.1-4.4)."""
        return pd.DataFrame(self.region_arrays(), index=pd.Index(self.baseline.regions, name="region"))

    def region_arrays(self) -> dict[str, FloatArray]:
        """The columns of :meth:`regions_frame` as arrays ``(N,)`` (no frame: for many draws)."""
        b, e = self.baseline, self.equilibrium
        t = self._trade
        data = {
            "welfare_pct": _pct(self.welfare_hat),
            "real_wage_pct": _pct(self.real_wage_hat),
            "price_index_pct": _pct(self.price_index_hat),
            "wage_pct": _pct(e.w_hat),
            "exports_pct": _pct(_ratio(t["exports1"], t["exports0"])),
            "imports_pct": _pct(_ratio(t["imports1"], t["imports0"])),
            "gross_output_pct": _pct(_ratio(e.output.sum(axis=1), b.gross_output.sum(axis=1))),
            "real_gdp_pct": _pct(self.real_gdp_hat),
            "tariff_revenue": e.tariff_revenue,
            "tariff_revenue_change": e.tariff_revenue - b.tariff_revenue,
            "export_tax_revenue": np.asarray(e.export_tax_revenue),
        }
        return data

    def sectors_frame(self) -> pd.DataFrame:
        """Tidy frame by region and sector: gross output, value added and prices, levels (the
        baseline's units) and percent changes; ``factor_price_pct`` is the change of the sector's
        factor price (the region's single wage under perfect mobility).

        Gross output and value added are at producer prices, levels and ``*_change`` in the
        baseline's units; ``quantity_pct`` is the change of output in volume (deflated by the
        sector's unit cost), ``real_value_added_pct`` the change of double-deflated value added
        (docs/model.md, eq. 4.9).
        """
        b, e = self.baseline, self.equilibrium
        idx = pd.MultiIndex.from_product([b.regions, b.sectors], names=["region", "sector"])
        va0, va1 = b.sector_value_added, e.factor_income
        return pd.DataFrame(
            {
                "gross_output_base": b.gross_output.ravel(),
                "gross_output": e.output.ravel(),
                "gross_output_pct": _pct(_ratio(e.output, b.gross_output)).ravel(),
                "gross_output_change": (e.output - b.gross_output).ravel(),
                "quantity_pct": _pct(_ratio(e.output, b.gross_output) / e.c_hat).ravel(),
                "value_added_base": va0.ravel(),
                "value_added": va1.ravel(),
                "value_added_pct": _pct(_ratio(va1, va0)).ravel(),
                "value_added_change": (va1 - va0).ravel(),
                "real_value_added_pct": _pct(_ratio(hl.real_value_added(b, e), va0)).ravel(),
                "factor_price_pct": _pct(e.factor_price_hat).ravel(),
                "price_pct": _pct(e.P_hat).ravel(),
                "unit_cost_pct": _pct(e.c_hat).ravel(),
            },
            index=idx,
        )

    def chokepoints_frame(self) -> pd.DataFrame:
        """The users of each critical input in a CES nest: the input's price where they buy it, its
        cost share before and after, and their output (value and volume), the downstream sectors a
        chokepoint hits first (docs/model.md, section 5.4). Sorted by the loss of output value."""
        b, e = self.baseline, self.equilibrium
        rows = []
        for ci in e.shocks.critical_inputs:
            for n, j in zip(*np.nonzero(ci.users), strict=True):
                if b.gross_output[n, j] <= 0 or b.io_share[n, ci.input_sector, j] <= 0:
                    continue
                rows.append(
                    {
                        "region": b.regions[n],
                        "sector": b.sectors[j],
                        "input": b.sectors[ci.input_sector],
                        "sigma": ci.sigma,
                        "input_price_pct": 100.0 * (float(e.P_hat[n, ci.input_sector]) - 1.0),
                        "cost_share_base_pct": 100.0 * float(b.io_share[n, ci.input_sector, j]),
                        "cost_share_pct": 100.0 * float(e.io_share[n, ci.input_sector, j]),
                        "output_base": float(b.gross_output[n, j]),
                        "output_change": float(e.output[n, j] - b.gross_output[n, j]),
                        "output_pct": 100.0 * (float(e.output[n, j] / b.gross_output[n, j]) - 1.0),
                        "quantity_pct": 100.0
                        * (float(e.output[n, j] / b.gross_output[n, j] / e.c_hat[n, j]) - 1.0),
                    }
                )
        columns = [
            "region", "sector", "input", "sigma", "input_price_pct", "cost_share_base_pct", "cost_share_pct",
            "output_base", "output_change", "output_pct", "quantity_pct",
        ]  # fmt: skip
        frame = pd.DataFrame(rows, columns=columns)
        return frame.sort_values("output_change", kind="stable").reset_index(drop=True)

    def bilateral_frame(self, by_sector: bool = False) -> pd.DataFrame:
        """Bilateral trade at producer prices (net of tariffs), baseline and counterfactual (eq. 4.4).

        With ``by_sector=False`` one row per (importer, exporter) pair, summed over sectors.
        Home sales (importer == exporter) are excluded.
        """
        b = self.baseline
        f0 = self._foreign(b.flows)
        f1 = self._foreign(self.equilibrium.flows)
        n = b.n_regions
        if by_sector:
            idx = pd.MultiIndex.from_product(
                [b.regions, b.regions, b.sectors], names=["importer", "exporter", "sector"]
            )
            v0, v1 = f0.ravel(), f1.ravel()
        else:
            idx = pd.MultiIndex.from_product([b.regions, b.regions], names=["importer", "exporter"])
            v0, v1 = f0.sum(axis=2).ravel(), f1.sum(axis=2).ravel()
        frame = pd.DataFrame({"trade_base": v0, "trade": v1, "trade_pct": _pct(_ratio(v1, v0))}, index=idx)
        pairs = np.repeat(np.arange(n), n) != np.tile(np.arange(n), n)
        keep = np.repeat(pairs, b.n_sectors) if by_sector else pairs
        return frame[keep]

    def summary(self, regions: Sequence[str] | None = None) -> pd.DataFrame:
        """A readable table of the headline changes (percent), for some or all regions."""
        frame = self.regions_frame()[
            ["welfare_pct", "real_wage_pct", "price_index_pct", "exports_pct", "imports_pct"]
        ]
        if regions is not None:
            frame = frame.loc[check_regions(self.baseline, regions)]
        return frame

    def report(self, regions: Sequence[str] | None = None) -> Report:
        """Title, the summary table, binding quantity constraints and the solver's diagnostics."""
        info = self.solver
        head = self.headline(regions)
        filled = [c for c in head.columns if head[c].notna().any()]
        sections = [Section("", self.summary(regions)), Section(self.headline_caption(), head[filled])]
        changes = self.tariff_changes_section(regions)
        if changes is not None:
            sections.append(changes)
        cons = self.constraints_frame()
        if len(cons):
            sections.append(
                Section(
                    "quantity constraints (values in the baseline's units; wedge, percent: import subsidy or "
                    "demand shift for a purchase floor, export-tax equivalent for a cap, markup over cost "
                    "for a capacity limit)",
                    cons,
                    index=False,
                )
            )
        hit = self.frames()["chokepoints"]
        if len(hit):
            shown = hit[hit["region"].isin(check_regions(self.baseline, regions))]
            columns = [
                "region", "sector", "sector_name", "input", "input_price_pct", "cost_share_pct",
                "output_change",
            ]  # fmt: skip
            sections.append(
                Section(
                    "downstream sectors hit by the chokepoint, largest output losses first (output_change "
                    "in the baseline's units; percent changes)",
                    shown.head(10)[[*columns, "output_pct", "quantity_pct"]],
                    index=False,
                )
            )
        title = (
            f"scenario {self.scenario} on {self.provenance.describe()}\n"
            "(percent changes; welfare: real income, tariff revenue included)"
        )
        notes = (
            f"solver: converged={info.converged} iterations={info.iterations} "
            f"residual={info.residual:.1e} time={1e3 * info.seconds:.0f} ms",
        )
        return Report(title, tuple(sections), notes)

    def constraints_frame(self) -> pd.DataFrame:
        """Quantity constraints (caps, purchase commitments, capacity limits): target, flow reached,
        the wedge and who bears it. For a purchase floor the wedge is an import subsidy (percent of
        the tariff-inclusive price) paid by the buyer's government, or the shift of the buyer's
        demand toward the seller (percent rise of its weight), paid by the buyer through dearer
        purchases (its price index at base preferences rises); for a cap it is the export-tax
        equivalent whose rents accrue to the exporter; for a capacity limit it is the supplier's
        markup over unit cost, a rent to the supplier (docs/model.md, section 5.3)."""
        eq = self.equilibrium
        rows = []
        for c, flow, wedge in zip(
            eq.shocks.constraints, eq.constraint_flows, eq.constraint_wedges, strict=True
        ):
            n_idx, i_idx, _ = np.nonzero(c.cells)
            buyers = sorted({self.regions[k] for k in n_idx})
            sellers = sorted({self.regions[k] for k in i_idx})
            base = float(self.baseline.flows[c.cells].sum())
            rows.append(
                {
                    "constraint": c.label,
                    "kind": _KINDS[(c.kind, c.instrument if c.kind == "floor" else "")],
                    "target": c.target,
                    "baseline_flow": base,
                    "flow": float(flow),
                    "binding": bool(wedge != 0.0),
                    # a subsidy is shown as a positive rate; a demand shift as the rise of the seller's
                    # weight in the buyer's choices (docs/model.md, eq. 5.12)
                    "wedge_pct": 100.0
                    * float(-wedge if (c.kind, c.instrument) == ("floor", "subsidy") else wedge),
                    # a subsidy is paid by the buyer's government; a cap's tax equivalent is borne by
                    # buyers and sellers alike (see welfare), its rents accrue to the exporter
                    "paid_by": ",".join(buyers) if c.kind == "floor" else "",
                    "rents_to": "" if c.kind == "floor" else ",".join(sellers),
                }
            )
        columns = [
            "constraint", "kind", "target", "baseline_flow", "flow", "binding", "wedge_pct",
            "paid_by", "rents_to",
        ]  # fmt: skip
        return pd.DataFrame(rows, columns=columns)

    def to_dict(self, regions: Sequence[str] | None = None) -> dict[str, Any]:
        """JSON-ready dictionary (the shape the CLI prints with ``--format json``)."""
        frame = self.regions_frame()
        chosen = check_regions(self.baseline, regions)
        bil = self.bilateral_frame()
        bil = bil[bil.index.get_level_values("importer").isin(chosen)]
        bil = bil[bil.index.get_level_values("exporter").isin(chosen)]
        info = self.solver
        out: dict[str, Any] = {
            "scenario": self.scenario,
            "baseline": {
                "name": self.source.name,
                "year": int(self.source.year),
                "closure": self.closure,
                "tariff_date": dict(self.source.meta.get("dated", {})).get("date"),
                "products": [s["product"] for s in self.source.meta.get("splits", [])],
                "elasticity_set": self.provenance.elasticity_set,
                "horizon": self.provenance.horizon,
            },
            "regions": [
                {
                    "code": r,
                    **{
                        k: _num(frame.loc[r, k])
                        for k in (
                            "welfare_pct",
                            "real_wage_pct",
                            "price_index_pct",
                            "exports_pct",
                            "imports_pct",
                            "gross_output_pct",
                            "real_gdp_pct",
                        )
                    },
                }
                for r in chosen
            ],
            "headline": records(self.headline(chosen)),
            "headline_caption": self.headline_caption(),
            "balances": records(
                self.balances_frame().query("region in @chosen and partner in @chosen"), index=False
            ),
            "bilateral": [
                {"importer": str(imp), "exporter": str(exp), "trade_pct": _num(pct)}
                for (imp, exp), pct in zip(bil.index.to_list(), bil["trade_pct"].to_list(), strict=True)
            ],
            "constraints": [
                {k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
                for row in self.constraints_frame().to_dict(orient="records")
            ],
            "chokepoints": records(self.frames()["chokepoints"], index=False),
            "tariff_changes": records(self.tariff_changes_frame(), index=False),
            "sector_names": self.sector_names,
            "solver": {
                "converged": info.converged,
                "iterations": info.iterations,
                "residual": info.residual,
                "seconds": info.seconds,
                "method": info.method,
            },
            "units": {
                "*_pct": "percent change against the baseline; etr_*_pct: a tariff rate in percent",
                "*_usd_bn": "USD billion of the baseline's data year",
                "cost_per_household_usd": "USD of the household table's year (data/tables/households.toml)",
                "headline": dict(hl.HEADLINE_COLUMNS),
                "constraints.target, baseline_flow, flow": self.baseline.units,
                "tariff_changes": "tariff_*_pct: ad valorem rates in percent before (the reference world) "
                "and after the scenario; change_pp: percentage points (null: prohibitive); trade_base: "
                f"reference flow at producer prices, {self.baseline.units}",
                "solver.seconds": "seconds",
            },
            "provenance": self.provenance.to_dict(),
        }
        safe: dict[str, Any] = json_safe(out)
        return safe


#: How each kind of constraint is named in tables.
_KINDS = {
    ("floor", "subsidy"): "purchase floor (import subsidy)",
    ("floor", "preference"): "purchase floor (demand shift)",
    ("cap", ""): "cap",
    ("capacity", ""): "capacity",
}


def _num(x: Any) -> float | None:
    v = float(x)
    return v if np.isfinite(v) else None


def compare(results: Sequence[Result], column: str = "welfare_pct") -> pd.DataFrame:
    """Side-by-side table of one region-level column across several results.

    Parameters
    ----------
    results : sequence of Result
        Results on baselines with the same regions.
    column : str
        A column of :meth:`Result.regions_frame` (``welfare_pct``, ``real_wage_pct``, ...).
    """
    if not results:
        raise OptionsError("compare() needs at least one result")
    allowed = list(results[0].regions_frame().columns)
    if column not in allowed:
        raise OptionsError(f"compare(column={column!r}); allowed: {', '.join(allowed)}")
    names = [r.scenario for r in results]
    if len(set(names)) != len(names):
        names = [f"{r.scenario} ({k})" for k, r in enumerate(results)]
    return pd.concat(
        {name: r.regions_frame()[column] for name, r in zip(names, results, strict=True)}, axis=1
    )
