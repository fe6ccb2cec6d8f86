"""The result of :func:`tradetalks.run`: a solved scenario and, if asked, its fallout on onlookers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from tradetalks.analyses.fallout import Fallout
from tradetalks.results import Provenance, Report, Result
from tradetalks.results.common import check_regions
from tradetalks.scenarios import Scenario

#: Regions the article is about, shown by default when the baseline has them.
FOCUS_REGIONS = ("USA", "CHN", "JPN", "KOR", "MYS", "ASEAN", "EU27", "ROW")


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
    """

    scenario: Scenario
    result: Result
    fallout: Fallout | None = None

    @property
    def provenance(self) -> Provenance:
        return self.result.provenance

    def focus(self) -> list[str]:
        """The article's regions that the baseline has (all regions when it has none of them)."""
        have = [r for r in FOCUS_REGIONS if r in self.result.regions]
        return have or list(self.result.regions)

    def _regions(self, regions: Sequence[str] | None) -> list[str]:
        return check_regions(self.result.baseline, regions) if regions is not None else self.focus()

    def summary(self, regions: Sequence[str] | None = None) -> pd.DataFrame:
        """Welfare, real wage, price index, exports and imports (percent) of ``regions``
        (default: :meth:`focus`)."""
        return self.result.summary(self._regions(regions))

    def frames(self, regions: Sequence[str] | None = None) -> dict[str, pd.DataFrame]:
        """``regions`` (every column of :meth:`Result.regions_frame` for the regions shown),
        ``sectors``, ``bilateral``, ``constraints`` and, with fallout, ``fallout``."""
        frames = self.result.frames()
        frames["regions"] = frames["regions"].loc[self._regions(regions)]
        if self.fallout is not None:
            frames["fallout"] = self.fallout.summary()
        return frames

    def to_dict(self, regions: Sequence[str] | None = None) -> dict[str, Any]:
        """The result's JSON (regions and bilateral trade among ``regions``) plus the fallout."""
        doc = self.result.to_dict(self._regions(regions))
        doc["title"] = self.scenario.title
        doc["article"] = self.scenario.article
        if self.fallout is not None:
            doc["fallout"] = self.fallout.to_dict()["regions"]
        return doc

    def report(self, regions: Sequence[str] | None = None) -> Report:
        base = self.result.report(self._regions(regions))
        if self.fallout is None:
            return base
        return Report(base.title, base.sections + self.fallout.report().sections, base.notes)
