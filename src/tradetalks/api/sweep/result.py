"""The result of a sweep: its long frame, the summary by grid point and region, and provenance."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from tradetalks.analyses.uncertainty import INTERVAL_COLUMNS, intervals
from tradetalks.api.sweep.plan import COLUMNS
from tradetalks.api.sweep.spec import AXES, SweepSpec
from tradetalks.results.common import DECIMALS, Provenance, Report, Section, json_safe, records

#: The measures :meth:`SweepResult.summary` summarises (those of :meth:`Result.summary`).
SUMMARY_MEASURES: tuple[str, ...] = (
    "welfare_pct",
    "real_wage_pct",
    "price_index_pct",
    "exports_pct",
    "imports_pct",
)


@dataclass(frozen=True, eq=False)
class SweepResult:
    """A finished sweep: every point's rows, read back from its folder.

    Attributes
    ----------
    spec : SweepSpec
    out : Path
        The folder with the partition files and ``manifest.json``.
    manifest : mapping
        The manifest as written at the end (read-only).
    provenance : Provenance
        Of grid point 0 (its baseline, date, horizon, elasticities, closure), with the whole spec,
        its sha256 and the sha256 of every baseline in ``options``.
    computed, resumed : tuple of int
        Partitions computed by this run, and those an earlier run had written (skipped).
    seconds : float
        Wall time of this run.
    backend : str
        Where the partitions were computed (the results do not depend on it).
    """

    spec: SweepSpec
    out: Path
    manifest: Mapping[str, Any]
    provenance: Provenance
    computed: tuple[int, ...]
    resumed: tuple[int, ...]
    seconds: float
    backend: str
    _frame: pd.DataFrame = field(repr=False)

    # ------------------------------------------------------------------ frames
    def frame(self) -> pd.DataFrame:
        """The long frame: one row per (point, region), columns
        :data:`~tradetalks.api.sweep.plan.COLUMNS` (a copy)."""
        return self._frame.copy()

    def frames(self) -> dict[str, pd.DataFrame]:
        """``points`` (the long frame) and ``summary``."""
        return {"points": self.frame(), "summary": self.summary()}

    @property
    def draws(self) -> int | None:
        return None if self.spec.monte_carlo is None else self.spec.monte_carlo.draws

    def summary(self) -> pd.DataFrame:
        """One row per grid point and region, indexed by ``(grid_point, region)``.

        With draws: ``<measure>_median``, ``_p5`` and ``_p95`` over the grid point's draws
        (docs/model.md, eqs. 9.2, 9.10c) and ``draws``; without: the central case's values. Measures:
        :data:`SUMMARY_MEASURES`; the grid point's coordinates come first.
        """
        return self._summary.copy()

    @cached_property
    def _summary(self) -> pd.DataFrame:
        f = self._frame
        if self.draws is None:
            out = f[["grid_point", *AXES, "region", *SUMMARY_MEASURES]]
            return out.set_index(["grid_point", "region"])
        parts = []
        for _, sub in f.groupby("grid_point", sort=True):
            regions = list(dict.fromkeys(sub["region"]))
            n_points = sub["point"].nunique()
            values = sub[list(SUMMARY_MEASURES)].to_numpy(dtype=np.float64)
            values = values.reshape(n_points, len(regions) * len(SUMMARY_MEASURES))
            cols = pd.MultiIndex.from_product([regions, SUMMARY_MEASURES], names=["region", "measure"])
            stats = intervals(pd.DataFrame(values, columns=cols))
            wide = cast(pd.DataFrame, stats[list(INTERVAL_COLUMNS)].unstack("measure"))
            wide = wide.reindex(
                index=regions, columns=pd.MultiIndex.from_product([INTERVAL_COLUMNS, SUMMARY_MEASURES])
            )
            table = pd.DataFrame(
                {f"{m}_{s}": wide[(s, m)].to_numpy() for m in SUMMARY_MEASURES for s in INTERVAL_COLUMNS},
                index=pd.Index(regions, name="region"),
            )
            table["draws"] = n_points
            first = sub.iloc[0]
            for a in reversed(AXES):
                table.insert(0, a, first[a])
            table.insert(0, "grid_point", int(first["grid_point"]))
            parts.append(table.reset_index())
        return pd.concat(parts, ignore_index=True).set_index(["grid_point", "region"])

    # ------------------------------------------------------------------ JSON and text
    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: the spec, the sweep's size, the summary and where the rows are."""
        m = self.manifest
        out = {
            "sweep": self.spec.name,
            "out": str(self.out),
            "points": self.spec.points,
            "grid_points": self.spec.grid_size,
            "draws": self.draws,
            "seed": None if self.spec.monte_carlo is None else self.spec.monte_carlo.seed,
            "partitions": {
                "total": self.spec.partitions,
                "size": self.spec.partition_size,
                "computed": len(self.computed),
                "resumed": len(self.resumed),
            },
            "rows": len(self._frame),
            "columns": list(COLUMNS),
            "summary": records(self.summary()),
            "spec": self.spec.to_dict(),
            "spec_sha256": m.get("spec_sha256"),
            "baselines": dict(m.get("baselines", {})),
            "manifest": str(self.out / "manifest.json"),
            "backend": self.backend,
            "seconds": self.seconds,
            "units": {
                "*_pct": "percent change against the grid point's baseline",
                "*_median, *_p5, *_p95": "median and 5-95 % range over the draws (docs/model.md, eq. 9.2)",
                "rows": "one per (point, region) in the partition files",
                "seconds": "seconds",
            },
            "provenance": self.provenance.to_dict(),
        }
        safe: dict[str, Any] = json_safe(out)
        return safe

    def report(self) -> Report:
        """Title, the summary (the coordinates the grid varies), where the rows are."""
        s = self.spec
        varying = list(s.grid.axes())
        fixed = ", ".join(f"{a} {v}" for a in AXES if a not in varying and (v := self._frame[a].iloc[0]))
        draws = f" x {self.draws} draws (seed {s.monte_carlo.seed})" if s.monte_carlo is not None else ""
        grid = f"{s.grid_size} grid point{'s' if s.grid_size != 1 else ''}"
        title = (
            f"sweep {s.name}: {s.points} points ({grid}{draws}), "
            f"{len(self._frame)} rows in {s.partitions} partitions of {s.partition_size}"
        )
        summary = self.summary()
        table = summary[varying].copy()
        for m in SUMMARY_MEASURES:
            if self.draws is None:
                table[m] = summary[m]
            else:
                table[m] = [
                    f"{_num(a)} [{_num(b)}, {_num(c)}]"
                    for a, b, c in zip(
                        summary[f"{m}_median"], summary[f"{m}_p5"], summary[f"{m}_p95"], strict=True
                    )
                ]
        if len(varying) == 0:
            table = table.droplevel("grid_point")
        what = f"median [p5, p95] over {self.draws} draws" if self.draws else "central case"
        caption = f"{what}, percent; {fixed}"
        computed_points = sum(
            len(range(*self.manifest["partitions"][f"{q:06d}"]["points"])) for q in self.computed
        )
        rate = (
            f", {computed_points / self.seconds:.1f} points/s" if self.computed and self.seconds > 0 else ""
        )
        notes = (
            f"grid point 0: {self.provenance.describe()}",
            f"rows: {self.out} (manifest.json, part-*.parquet); {len(self.computed)} partitions computed "
            f"on {self.backend}, {len(self.resumed)} resumed; {self.seconds:.1f} s{rate}",
        )
        return Report(title, (Section(caption, table),), notes)


def _num(x: float) -> str:
    """A number as the tables show it: three decimals, ``n/a`` when missing, no ``-0.000``."""
    return "n/a" if not np.isfinite(x) else f"{round(float(x), DECIMALS) + 0.0:.{DECIMALS}f}"
