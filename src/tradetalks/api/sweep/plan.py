"""The points of a sweep, their partitions, and the evaluation of one partition (docs/sweeps.md).

Point ``p`` of a spec with ``D`` points per grid point (``D`` draws, or 1 without draws) is draw
``p mod D`` at grid point ``p div D`` (docs/model.md, eq. 9.10); partition ``q`` holds points
``q S .. min((q + 1) S, P) - 1`` for the spec's partition size ``S`` (eq. 9.10a). Evaluating a
partition is a pure function of the plan and ``q`` (:func:`evaluate_partition`): it reads
nothing but the plan's inputs and returns the same bits on any worker, in any order.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from tradetalks.analyses.uncertainty import Priors, parameter_draw, solve_drawn
from tradetalks.api.inputs import DATA_YEAR, baseline_of, scenario_of
from tradetalks.api.sweep.spec import AXES, SweepSpec
from tradetalks.baseline import Baseline
from tradetalks.data.catalog import shipped_baselines
from tradetalks.errors import OptionsError
from tradetalks.model import SolverOptions
from tradetalks.results import Provenance
from tradetalks.scenarios import Scenario

#: Columns of :meth:`tradetalks.results.Result.regions_frame` a row carries.
REGION_COLUMNS: tuple[str, ...] = (
    "welfare_pct",
    "real_wage_pct",
    "price_index_pct",
    "wage_pct",
    "exports_pct",
    "imports_pct",
    "gross_output_pct",
    "real_gdp_pct",
    "tariff_revenue",
    "tariff_revenue_change",
    "export_tax_revenue",
)
#: Columns of :meth:`tradetalks.results.Result.headline` a row carries (those not in the above).
HEADLINE_COLUMNS: tuple[str, ...] = (
    "etr_base_pct",
    "etr_before_pct",
    "etr_after_pct",
    "etr_before_2024w_pct",
    "price_level_pct",
    "price_level_wage_pct",
    "cost_per_household_usd",
    "real_income_per_household_usd",
    "tariff_revenue_base_usd_bn",
    "tariff_revenue_static_usd_bn",
    "tariff_revenue_usd_bn",
    "gdp_base_usd_bn",
)
#: The point's place in the sweep: its index, its grid point, its draw and seed (``<NA>``
#: without draws: the central case).
INDEX_COLUMNS: tuple[str, ...] = ("point", "grid_point", "draw", "seed")
#: Every column of the sweep's long frame, in order: one row per (point, region).
COLUMNS: tuple[str, ...] = (
    *INDEX_COLUMNS,
    *AXES,
    "region",
    *REGION_COLUMNS,
    *HEADLINE_COLUMNS,
    "iterations",
    "residual",
)


@dataclass(frozen=True)
class GridPoint:
    """One point of the grid: the coordinates every draw at it shares (as the spec writes them)."""

    index: int
    scenario: str
    baseline: str
    date: str | None
    elasticities: str | None
    closure: str
    horizon: str

    def coordinates(self) -> dict[str, str | None]:
        return {a: getattr(self, a) for a in AXES}


@dataclass(frozen=True)
class SweepPlan:
    """A validated spec with its grid expanded: everything a worker needs to evaluate a partition.

    Attributes
    ----------
    spec : SweepSpec
    folder : str
        The folder relative scenario files and baseline directories are read from.
    grid : tuple of GridPoint
        Grid points in expansion order (:data:`~tradetalks.api.sweep.spec.AXES`, first slowest).
    """

    spec: SweepSpec
    folder: str
    grid: tuple[GridPoint, ...]

    @classmethod
    def of(cls, spec: SweepSpec, folder: str | Path) -> SweepPlan:
        values = [spec.axis_values(a) for a in AXES]
        grid = tuple(
            GridPoint(k, *combo)  # type: ignore[arg-type]
            for k, combo in enumerate(itertools.product(*values))
        )
        return cls(spec=spec, folder=str(folder), grid=grid)

    @property
    def points(self) -> int:
        return self.spec.points

    @property
    def partitions(self) -> int:
        return self.spec.partitions

    def partition_points(self, q: int) -> range:
        """The points of partition ``q`` (eq. 9.10a)."""
        if not 0 <= q < self.partitions:
            raise OptionsError(
                f"partition {q} of sweep {self.spec.name!r}: allowed 0 .. {self.partitions - 1}"
            )
        size = self.spec.partition_size
        return range(q * size, min((q + 1) * size, self.points))

    def locate(self, point: int) -> tuple[GridPoint, int | None]:
        """Grid point and draw index of ``point`` (eq. 9.10; draw ``None``: no draws)."""
        g, d = divmod(point, self.spec.draws)
        return self.grid[g], (None if self.spec.monte_carlo is None else d)

    def scenario_ref(self, value: str) -> str:
        """A scenario value as :func:`~tradetalks.api.inputs.scenario_of` takes it: a relative
        ``.toml`` path is read from :attr:`folder`."""
        path = Path(value)
        if path.suffix == ".toml" and not path.is_absolute() and (Path(self.folder) / path).is_file():
            return str(Path(self.folder) / path)
        return value

    def baseline_ref(self, value: str) -> str:
        """A baseline value: a shipped name, or a directory (relative: from :attr:`folder`)."""
        if value in shipped_baselines():
            return value
        path = Path(value)
        if not path.is_absolute() and (Path(self.folder) / path).is_dir():
            return str(Path(self.folder) / path)
        return value

    def solver_options(self, closure: str) -> SolverOptions:
        s = self.spec.solver
        return SolverOptions(closure=closure, tol=s.tol, max_iter=s.max_iter)  # type: ignore[arg-type]

    def priors(self) -> Priors | None:
        mc = self.spec.monte_carlo
        return None if mc is None else Priors(vary=tuple(mc.vary), elasticity_method=mc.elasticity_method)


# ---------------------------------------------------------------------------------- inputs
@lru_cache(maxsize=8)
def loaded_baseline(baseline: str, elasticities: str | None) -> Baseline:
    """A baseline (name or directory) with an elasticity set, cached in each process."""
    return baseline_of(baseline, elasticities=elasticities)


@dataclass(frozen=True)
class Prepared:
    """A scenario and its prepared (split, dated) long-run baseline, with the labels of both."""

    scenario: Scenario
    baseline: Baseline
    date: str
    elasticities: str


@lru_cache(maxsize=16)
def prepared(scenario: str, baseline: str, elasticities: str | None, date: str | None) -> Prepared:
    """The scenario on its prepared baseline, cached in each process (eq. 9.10b: a pure function of
    its arguments, so that a cache hit and a miss give the same bits)."""
    sc = scenario_of(scenario, date)
    world = sc.prepare(loaded_baseline(baseline, elasticities))
    label = Provenance.of(world, "sweep").elasticity_set
    return Prepared(sc, world, DATA_YEAR if sc.date is None else str(sc.date), label)


def prepare_point(plan: SweepPlan, gp: GridPoint) -> Prepared:
    """:func:`prepared` of a grid point's coordinates (paths read from the plan's folder)."""
    return prepared(plan.scenario_ref(gp.scenario), plan.baseline_ref(gp.baseline), gp.elasticities, gp.date)


# ---------------------------------------------------------------------------------- evaluation
def evaluate_point(plan: SweepPlan, point: int) -> dict[str, Any]:
    """The rows of one point as columns of equal length (one entry per region; eq. 9.10b).

    Solves the point's scenario on its prepared baseline under its draw (eq. 9.1; none: the
    central case) at its horizon (:func:`tradetalks.analyses.uncertainty.solve_drawn`).
    """
    gp, draw_index = plan.locate(point)
    prep = prepare_point(plan, gp)
    mc = plan.spec.monte_carlo
    draw = (
        None
        if mc is None or draw_index is None
        else parameter_draw(prep.baseline, draw_index, mc.seed, plan.priors())
    )
    result = solve_drawn(prep.baseline, prep.scenario, draw, gp.horizon, plan.solver_options(gp.closure))
    regions = result.regions_frame()
    head = result.headline()
    n = len(regions)
    coords: dict[str, Any] = dict(gp.coordinates(), date=prep.date, elasticities=prep.elasticities)
    out: dict[str, Any] = {
        "point": np.full(n, point, dtype=np.int64),
        "grid_point": np.full(n, gp.index, dtype=np.int64),
        "draw": [draw_index] * n,
        "seed": [None if mc is None else mc.seed] * n,
        **{a: [coords[a]] * n for a in AXES},
        "region": list(regions.index),
        **{c: regions[c].to_numpy(dtype=np.float64) for c in REGION_COLUMNS},
        **{c: head[c].to_numpy(dtype=np.float64) for c in HEADLINE_COLUMNS},
        "iterations": np.full(n, result.solver.iterations, dtype=np.int64),
        "residual": np.full(n, result.solver.residual, dtype=np.float64),
    }
    return out


def evaluate_partition(plan: SweepPlan, q: int) -> pd.DataFrame:
    """The long frame of partition ``q``: one row per (point, region), points in order, columns
    :data:`COLUMNS` (eq. 9.10a). BLAS runs on one thread, as on every worker, so that the bits do
    not depend on the backend."""
    with threadpool_limits(limits=1, user_api="blas"):
        parts = [evaluate_point(plan, p) for p in plan.partition_points(q)]
    return frame_of(parts)


def frame_of(parts: list[dict[str, Any]]) -> pd.DataFrame:
    """Concatenate the columns of several points into a frame with the sweep's dtypes."""
    data: dict[str, Any] = {}
    for c in COLUMNS:
        chunks = [p[c] for p in parts]
        if c in ("draw", "seed"):
            data[c] = pd.array(list(itertools.chain.from_iterable(chunks)), dtype="Int64")
        elif isinstance(chunks[0], np.ndarray):
            data[c] = np.concatenate(chunks)
        else:
            data[c] = pd.array(list(itertools.chain.from_iterable(chunks)), dtype="str")
    return pd.DataFrame(data, columns=list(COLUMNS))
