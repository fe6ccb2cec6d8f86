"""The result of :func:`tradetalks.run`: a solved scenario and, if asked, its fallout on onlookers
and intervals on its outputs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd

from tradetalks.analyses.fallout import Fallout
from tradetalks.results import Provenance, Report, Result, Section
from tradetalks.results.common import check_regions
from tradetalks.results.diagnostics import describe_exploding, exploding_flows
from tradetalks.results.intervals import Intervals
from tradetalks.scenarios import Scenario

#: Regions the article is about, shown by default when the baseline has them.
FOCUS_REGIONS = ("USA", "CHN", "JPN", "KOR", "MYS", "ASEAN", "EU27", "ROW")
#: Regions of the headline block by default (with any region asked for).
HEADLINE_REGIONS = ("USA", "CHN")


@dataclass(frozen=True, eq=False)
class ScenarioRun:
    """A scenario solved on its prepared baseline, with the fallout on third countries if asked.

    Attributes
    ----------
    scenario : Scenario
        The scenario as run (its date as overridden, if it was).
    result : Result
        The solved world (changes against the prepared baseline).
    fallout : Fallout or None
        Trade diversion, welfare and critical-input exposure of the onlookers.
    alongside : mapping of str to Result
        The same scenario at other horizons (``short``, ``medium``, ``long``), by horizon.
    uncertainty : Intervals or None
        Central value, median and 90 % interval of every output at every horizon solved (Monte
        Carlo over parameter draws or the delta method; docs/uncertainty.md), if asked.
    """

    scenario: Scenario
    result: Result
    fallout: Fallout | None = None
    alongside: Mapping[str, Result] = field(default_factory=dict)
    uncertainty: Intervals | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "alongside", MappingProxyType(dict(self.alongside)))

    @property
    def horizon(self) -> str:
        """The horizon of :attr:`result`."""
        return self.result.provenance.horizon

    def at(self, horizon: str) -> Result:
        """The result at one of the horizons solved."""
        if horizon == self.horizon:
            return self.result
        if horizon not in self.alongside:
            have = ", ".join([self.horizon, *self.alongside])
            raise KeyError(f"horizon {horizon!r} was not solved; solved: {have}")
        return self.alongside[horizon]

    @property
    def provenance(self) -> Provenance:
        return self.result.provenance

    def exploding_flows(self) -> pd.DataFrame:
        """Foreign flows that grow over 20-fold from a small base and end at 2 % or more of their
        exporter's foreign sales, at every horizon solved (:func:`tradetalks.results.diagnostics.
        exploding_flows`; column ``horizon`` first). Empty when none does."""
        results = {self.horizon: self.result, **dict(self.alongside)}
        frames = [
            exploding_flows(
                r.baseline.flows, r.equilibrium.flows, r.baseline.theta, r.regions, r.sectors
            ).assign(horizon=h)
            for h, r in results.items()
        ]
        out = pd.concat(frames, ignore_index=True)
        return out[["horizon", *(c for c in out.columns if c != "horizon")]]

    def warnings(self) -> tuple[str, ...]:
        """Warnings to print beside the numbers: flows that explode from almost nothing
        (:meth:`exploding_flows`), at the main horizon."""
        frame = self.exploding_flows()
        frame = frame[frame["horizon"] == self.horizon].drop(columns="horizon")
        return describe_exploding(frame, self.provenance.elasticity_set, self.result.sector_names)

    def focus(self) -> list[str]:
        """The article's regions that the baseline has (all regions when it has none of them)."""
        have = [r for r in FOCUS_REGIONS if r in self.result.regions]
        return have or list(self.result.regions)

    def _regions(self, regions: Sequence[str] | None) -> list[str]:
        return check_regions(self.result.baseline, regions) if regions is not None else self.focus()

    def summary(self, regions: Sequence[str] | None = None) -> pd.DataFrame:
        """Welfare, real wage, price index, exports and imports (percent) of ``regions`` (default:
        :meth:`focus`); with other horizons solved, side by side (columns: measure, horizon).

        With intervals (:attr:`uncertainty`) each measure ``m`` is followed by ``m_median``, ``m_p5``
        and ``m_p95``."""
        return self._summary(regions, intervals=self.uncertainty is not None)

    def _summary(self, regions: Sequence[str] | None, intervals: bool) -> pd.DataFrame:
        chosen = self._regions(regions)
        measures = list(self.result.summary(chosen).columns)
        if not self.alongside:
            out = self.result.summary(chosen)
            if not intervals:
                return out
            return self._with_intervals({self.horizon: out}, chosen, measures)[self.horizon]
        tables = {self.horizon: self.result.summary(chosen)} | {
            h: r.summary(chosen) for h, r in self.alongside.items()
        }
        if intervals:
            tables = self._with_intervals(tables, chosen, measures)
            measures = list(next(iter(tables.values())).columns)
        both = pd.concat(tables, axis=1, names=["horizon", "measure"])
        return both.swaplevel(axis=1).sort_index(axis=1, level=0, sort_remaining=False)[measures]

    def _with_intervals(
        self, tables: dict[str, pd.DataFrame], regions: list[str], measures: list[str]
    ) -> dict[str, pd.DataFrame]:
        """Each horizon's summary with the interval columns after each measure."""
        assert self.uncertainty is not None
        out = {}
        for h, table in tables.items():
            wide = self.uncertainty.wide(h, regions, measures)
            order = [c for m in measures for c in (m, *(w for w in wide.columns if w.rsplit("_", 1)[0] == m))]
            out[h] = pd.concat([table, wide], axis=1)[order]
        return out

    def headline_regions(self, regions: Sequence[str] | None = None) -> list[str]:
        """The US and China (where the baseline has them) and any region asked for."""
        asked = check_regions(self.result.baseline, regions) if regions is not None else []
        base = [r for r in HEADLINE_REGIONS if r in self.result.regions]
        return base + [r for r in asked if r not in base] or list(self.result.regions[:2])

    def headline(self, regions: Sequence[str] | None = None) -> pd.DataFrame:
        """The headline numbers (:meth:`Result.headline`) of :meth:`headline_regions`, one row per
        measure, one column per region and horizon solved."""
        chosen = self.headline_regions(regions)
        results = {self.horizon: self.result, **dict(self.alongside)}
        tables = {h: r.headline(chosen).T for h, r in results.items()}
        both = pd.concat(tables, axis=1, names=["horizon", "region"])
        both = both.swaplevel(axis=1)
        order = [(r, h) for r in chosen for h in results]
        out = both[order]
        out.index.name = "measure"
        return out

    def frames(self, regions: Sequence[str] | None = None) -> dict[str, pd.DataFrame]:
        """``regions`` (every column of :meth:`Result.regions_frame` for the regions shown),
        ``sectors``, ``bilateral``, ``constraints``, with fallout ``fallout`` and, with intervals,
        ``intervals`` (index horizon, region, measure; columns central, median, p5, p95, sd, draws;
        for the regions shown) and ``parameters`` (the draws, or the delta method's parameters)."""
        frames = self.result.frames()
        chosen = self._regions(regions)
        frames["regions"] = frames["regions"].loc[chosen]
        if self.fallout is not None:
            frames["fallout"] = self.fallout.summary()
        if self.uncertainty is not None:
            frames["intervals"] = self.uncertainty.frame(chosen)
            frames["parameters"] = self.uncertainty.parameters.copy()
        return frames

    def to_dict(self, regions: Sequence[str] | None = None) -> dict[str, Any]:
        """The result's JSON (regions and bilateral trade among ``regions``) plus the fallout."""
        chosen = self._regions(regions)
        doc = self.result.to_dict(chosen)
        doc["horizon"] = self.horizon
        doc["title"] = self.scenario.title
        doc["article"] = self.scenario.article
        if self.alongside:
            doc["horizons"] = {
                h: {
                    k: v
                    for k, v in r.to_dict(chosen).items()
                    if k in ("regions", "headline", "bilateral", "solver", "provenance")
                }
                for h, r in self.alongside.items()
            }
        if self.fallout is not None:
            doc["fallout"] = self.fallout.to_dict()["regions"]
        doc["warnings"] = list(self.warnings())
        if self.uncertainty is not None:
            doc["uncertainty"] = self.uncertainty.to_dict(chosen)
        return doc

    def report(self, regions: Sequence[str] | None = None) -> Report:
        base = self.result.report(self._regions(regions))
        sections = base.sections
        notes = base.notes
        head = self.headline(regions)
        head = head.loc[head.notna().any(axis=1)]
        caption = self.result.headline_caption()
        if self.alongside:
            horizons = ", ".join([self.horizon, *self.alongside])
            first = Section(f"horizons {horizons} side by side", self._summary(regions, intervals=False))
            caption = caption.replace(f"(horizon {self.horizon};", f"(horizons {horizons};")
            sections = (first, Section(caption, head), *sections[2:])
            notes = notes + tuple(
                f"solver ({h}): converged={r.solver.converged} iterations={r.solver.iterations} "
                f"residual={r.solver.residual:.1e} time={1e3 * r.solver.seconds:.0f} ms"
                for h, r in self.alongside.items()
            )
        else:
            sections = (sections[0], Section(caption, head), *sections[2:])
        title = base.title
        if self.uncertainty is not None:
            unc = self.uncertainty
            title = f"{title}\n{unc.describe()}"
            sections = (
                sections[0],
                *unc.sections(self._regions(regions), self.headline_regions(regions)),
                *sections[1:],
            )
            notes = notes + unc.notes + (f"intervals: {unc.seconds:.1f} s",)
        if self.fallout is not None:
            sections = sections + self.fallout.report().sections
        return Report(title, sections, notes + self.warnings())
