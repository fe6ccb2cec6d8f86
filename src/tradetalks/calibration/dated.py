"""Dated tariff baselines: step 2 of :mod:`tradetalks.data.tariffs.dated`, the counterfactual solve.

The tariffs of the requested date are solved as a long-run counterfactual of the observed world,
with one exception: critical products (rare-earth compounds and magnets) outside their incumbent
supplier keep the capacity they had, up to the short-run supply elasticity
(``data/tables/horizons.toml``). New capacity outside China takes years (the plants announced
since 2023 start between 2025 and 2028), so a constant-cost expansion of, say, Mexican magnet
making in answer to the 2025 tariffs on China would route trade through capacity that did not
exist. The suppliers' markups over cost in the dated world are their capacity rents: the dated
baseline counts them in the flows (at the prices buyers pay) and in the suppliers' value added.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
from numpy.typing import NDArray

from tradetalks.baseline import Baseline
from tradetalks.data.horizons import horizon_spec
from tradetalks.data.products import capacity_groups
from tradetalks.data.tariffs.dated import dated_from_flows, plan_dating
from tradetalks.model import Equilibrium, FlowConstraint, Shocks, SolverOptions, solve_equilibrium

FloatArray = NDArray[np.float64]


def dated_baseline(
    baseline: Baseline, date_or_preset: str | dt.date, options: SolverOptions | None = None
) -> Baseline:
    """The baseline moved to the tariffs in force on a date (see the module docstring and
    :mod:`tradetalks.data.tariffs.dated`).

    Parameters
    ----------
    baseline : Baseline
        An undated baseline on ICIO economies (or an aggregation of them) and ICIO sectors.
    date_or_preset : str or date
        ``YYYY-MM-DD`` from 2018-01-01 to 2026-12-31, or a key of
        :data:`tradetalks.data.tariffs.PRESETS`.
    options : SolverOptions, optional
        Tolerances of the counterfactual solve (its closure is always ``fixed``).

    Returns
    -------
    Baseline
        Named ``<name>@<date>``; ``meta["dated"]`` records the date, the preset, the observation date,
        the layers and their trade-weighted averages on USA<-CHN and CHN<-USA, and the capacity
        rents of critical products.
    """
    plan = plan_dating(baseline, date_or_preset)
    if not plan.needs_solve:
        return dated_from_flows(plan, None, {"solved": False})
    opts = options if options is not None else SolverOptions()
    opts = dataclasses.replace(opts, closure="fixed")
    elasticity = horizon_spec("short").critical_supply_elasticity or 0.0
    limits = tuple(
        FlowConstraint(g.cells, g.value, "capacity", g.label, elasticity)
        for g in capacity_groups(plan.observed)
    )
    shocks = Shocks(tariffs=plan.target.total, constraints=limits, label=f"tariffs of {plan.date}")
    eq = solve_equilibrium(plan.observed, shocks, opts)
    flows, va_share, io_share, rents = _with_rents(plan.observed, eq)
    info = {
        "solved": True,
        "iterations": eq.info.iterations,
        "residual": eq.info.residual,
        "capacity": {
            "rule": "critical products outside their incumbent keep their capacity, supply elasticity "
            f"{elasticity:g} (the short run's); markups are capacity rents, counted in value added",
            "rents_usd_million": {c.label: round(float(r), 6) for c, r in zip(limits, rents, strict=True)},
        },
    }
    return dated_from_flows(plan, flows, info, va_share=va_share, io_share=io_share)


def _with_rents(observed: Baseline, eq: Equilibrium) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Flows at the prices buyers pay (capacity markups included) and the suppliers' shares with
    the rents in value added: ``(flows, va_share, io_share, rent of each constraint)``."""
    flows = np.array(eq.flows, dtype=np.float64)
    va, io = np.array(observed.va_share), np.array(observed.io_share)
    rents = np.zeros(len(eq.shocks.constraints))
    for g, (c, wedge) in enumerate(zip(eq.shocks.constraints, eq.constraint_wedges, strict=True)):
        if c.kind != "capacity" or wedge <= 0:
            continue
        rents[g] = float(flows[c.cells].sum()) * float(wedge)
        _, (i,), (j,) = (np.unique(x) for x in np.nonzero(c.cells))
        net = float(flows[:, i, j].sum())
        flows[c.cells] *= 1.0 + float(wedge)
        gross = float(flows[:, i, j].sum())
        # value added gains the rent; inputs per unit of output at the new price scale down
        va[i, j] = (va[i, j] * net + rents[g]) / gross
        io[i, :, j] *= net / gross
    return flows, va, io, rents
